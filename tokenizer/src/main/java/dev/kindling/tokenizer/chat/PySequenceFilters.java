package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.math.BigDecimal;
import java.util.AbstractMap;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;

/**
 * Jinja2's sequence filters where Jinjava's differ: {@code sort} and {@code unique} ignore case unless
 * {@code case_sensitive} (then capitals sort first, as Python compares code points) and take
 * {@code attribute='a,b.c'}; {@code dictsort} takes {@code by} and {@code reverse}; {@code batch} fills only
 * with a {@code fill_with}; {@code slice} spreads the remainder over the first slices; {@code sum} takes
 * {@code start}; {@code groupby} gives (grouper, list) pairs that a loop can unpack; {@code map(attribute=,
 * default=)}; {@code join} writes Python's {@code str()}. They are wrapped by {@link PyFilterInput}, which raises for None and walks a str.
 */
final class PySequenceFilters {
    private PySequenceFilters() {}

    static List<Filter> all(Map<String, Filter> jinjava) {
        return List.of(named("sort", PySequenceFilters::sort), named("unique", PySequenceFilters::unique),
                named("dictsort", PySequenceFilters::dictsort), named("batch", PySequenceFilters::batch),
                named("slice", PySequenceFilters::slice), named("sum", PySequenceFilters::sum),
                named("groupby", PySequenceFilters::groupby), named("map", (v, a, k) -> map(v, a, k, jinjava.get("map"))),
                new Join());
    }

    /**
     * {@code join(d='', attribute=None)}: Python's {@code str()} of each item (or of its attribute), an undefined input
     * "". Jinjava's wrote Java's toString ({@code true}, {@code {role=user}}, {@code 1.0E-5}) and took {@code attribute=}
     * for the separator.
     */
    static final class Join implements AdvancedFilter {
        @Override
        public String getName() {
            return "join";
        }

        @Override
        public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
            if (var == null) {
                return "";
            }
            String separator = PyStr.str(arg(args, kwargs, 0, "d", ""));
            Object attribute = arg(args, kwargs, 1, "attribute", null);
            List<String> parts = new ArrayList<>();
            for (Object item : items(var)) {
                parts.add(PyStr.str(attribute == null ? item : PyMinMax.key(item, attribute, true)));
            }
            return String.join(separator, parts);
        }
    }

    interface Body {
        Object apply(Object var, Object[] args, Map<String, Object> kwargs);
    }

    private static Filter named(String name, Body body) {
        return new AdvancedFilter() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
                return var == null ? new ArrayList<>() : body.apply(var, args, kwargs); // Undefined: nothing
            }
        };
    }

    /** The argument named {@code name}, or positional at {@code at}, or {@code none}. */
    static Object arg(Object[] args, Map<String, Object> kwargs, int at, String name, Object none) {
        if (kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return at >= 0 && args.length > at ? args[at] : none;
    }

    private static boolean flag(Object[] args, Map<String, Object> kwargs, int at, String name) {
        return ObjectTruthValue.evaluate(arg(args, kwargs, at, name, false));
    }

    static List<Object> items(Object var) {
        List<Object> out = new ArrayList<>();
        ForLoop loop = ObjectIterator.getLoop(var);
        while (loop.hasNext()) {
            out.add(loop.next());
        }
        return out;
    }

    /** Jinja2's make_multi_attrgetter: the item's attributes named by {@code attribute} ("a,b.c"), case folded. */
    private static Object key(Object item, Object attribute, boolean caseSensitive) {
        if (attribute == null || attribute instanceof PyNone || !attribute.toString().contains(",")) {
            return PyMinMax.key(item, attribute instanceof PyNone ? null : attribute, caseSensitive);
        }
        List<Object> keys = new ArrayList<>();
        for (String a : attribute.toString().split(",")) {
            keys.add(PyMinMax.key(item, a, caseSensitive));
        }
        return keys;
    }

    /** Python's {@code <} for sort keys: numbers, strs (by code point), lists of them element by element. */
    static int compare(Object a, Object b) {
        if (a instanceof List<?> x && b instanceof List<?> y) {
            for (int i = 0; i < Math.min(x.size(), y.size()); i++) {
                int c = compare(x.get(i), y.get(i));
                if (c != 0) {
                    return c;
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        if (isStr(a) && isStr(b)) {
            return PyOrdering.compareCodePoints(a.toString(), b.toString());
        }
        return PyMinMax.compare(a, b);
    }

    private static boolean isStr(Object o) {
        return o instanceof CharSequence || o instanceof SafeString;
    }

    private static Object sort(Object var, Object[] args, Map<String, Object> kwargs) {
        boolean reverse = flag(args, kwargs, 0, "reverse");
        boolean caseSensitive = flag(args, kwargs, 1, "case_sensitive");
        Object attribute = arg(args, kwargs, 2, "attribute", null);
        List<Object[]> keyed = new ArrayList<>();
        for (Object item : items(var)) {
            keyed.add(new Object[] {key(item, attribute, caseSensitive), item});
        }
        Comparator<Object[]> order = (x, y) -> compare(x[0], y[0]);
        keyed.sort(reverse ? order.reversed() : order); // stable, as Python's sorted(reverse=True) is
        List<Object> out = new ArrayList<>();
        keyed.forEach(k -> out.add(k[1]));
        return out;
    }

    private static Object unique(Object var, Object[] args, Map<String, Object> kwargs) {
        boolean caseSensitive = flag(args, kwargs, 0, "case_sensitive");
        Object attribute = arg(args, kwargs, 1, "attribute", null);
        Set<Object> seen = new HashSet<>();
        List<Object> out = new ArrayList<>();
        for (Object item : items(var)) {
            Object k = key(item, attribute, caseSensitive);
            if (seen.add(PyEquality.isNumber(k) ? PyEquality.exact(k).stripTrailingZeros() : k)) {
                out.add(item);
            }
        }
        return out;
    }

    private static Object dictsort(Object var, Object[] args, Map<String, Object> kwargs) {
        if (!(var instanceof Map<?, ?> m)) {
            throw new ChatTemplateException("dictsort: '" + PyAddition.typeName(var) + "' object has no attribute 'items'");
        }
        boolean caseSensitive = flag(args, kwargs, 0, "case_sensitive");
        Object by = arg(args, kwargs, 1, "by", "key");
        boolean reverse = flag(args, kwargs, 2, "reverse");
        int pos = switch (String.valueOf(by)) {
            case "key" -> 0;
            case "value" -> 1;
            default -> throw new ChatTemplateException("dictsort: You can only sort by either 'key' or 'value'");
        };
        List<Map.Entry<?, ?>> pairs = new ArrayList<>(m.entrySet());
        Comparator<Map.Entry<?, ?>> order = (x, y) -> compare(PyMinMax.key(pos == 0 ? x.getKey() : x.getValue(), null, caseSensitive),
                PyMinMax.key(pos == 0 ? y.getKey() : y.getValue(), null, caseSensitive));
        pairs.sort(reverse ? order.reversed() : order);
        List<Object> out = new ArrayList<>();
        pairs.forEach(e -> out.add(new AbstractMap.SimpleImmutableEntry<>(e.getKey(), e.getValue())));
        return out;
    }

    private static Object batch(Object var, Object[] args, Map<String, Object> kwargs) {
        int size = ((Number) arg(args, kwargs, 0, "linecount", 1)).intValue();
        if (size <= 0) {
            throw new ChatTemplateException("batch: linecount must be positive");
        }
        Object fill = arg(args, kwargs, 1, "fill_with", null);
        List<Object> out = new ArrayList<>();
        List<Object> items = items(var);
        for (int i = 0; i < items.size(); i += size) {
            List<Object> b = new ArrayList<>(items.subList(i, Math.min(items.size(), i + size)));
            while (fill != null && !(fill instanceof PyNone) && b.size() < size) {
                b.add(fill);
            }
            out.add(b);
        }
        return out;
    }

    private static Object slice(Object var, Object[] args, Map<String, Object> kwargs) {
        int slices = ((Number) arg(args, kwargs, 0, "slices", 1)).intValue();
        Object fill = arg(args, kwargs, 1, "fill_with", null);
        List<Object> seq = items(var);
        if (slices <= 0) {
            throw new ChatTemplateException("slice: slices must be positive");
        }
        int per = seq.size() / slices;
        int extra = seq.size() % slices;
        int offset = 0;
        List<Object> out = new ArrayList<>();
        for (int n = 0; n < slices; n++) {
            int start = offset + n * per;
            if (n < extra) {
                offset++;
            }
            int end = offset + (n + 1) * per;
            List<Object> s = new ArrayList<>(seq.subList(start, end));
            if (fill != null && !(fill instanceof PyNone) && n >= extra) {
                s.add(fill);
            }
            out.add(s);
        }
        return out;
    }

    private static Object sum(Object var, Object[] args, Map<String, Object> kwargs) {
        Object attribute = arg(args, kwargs, 0, "attribute", null);
        Object total = arg(args, kwargs, 1, "start", 0);
        for (Object item : items(var)) {
            Object v = attribute == null || attribute instanceof PyNone ? item : PyMinMax.key(item, attribute, true);
            if (!PyEquality.isNumber(total) || !PyEquality.isNumber(v)) {
                throw new ChatTemplateException("sum: unsupported operand type(s) for +: '" + PyAddition.typeName(total)
                        + "' and '" + PyAddition.typeName(v) + "'");
            }
            total = number(PyEquality.exact(total).add(PyEquality.exact(v)),
                    total instanceof Double || total instanceof Float || v instanceof Double || v instanceof Float);
        }
        return total;
    }

    private static Object number(BigDecimal x, boolean isFloat) {
        if (isFloat) {
            return x.doubleValue();
        }
        return x.longValueExact() == x.intValue() ? (Object) x.intValue() : (Object) x.longValueExact();
    }

    /**
     * One group of {@code groupby}: Jinja2's _GroupTuple, a namedtuple (grouper, list): {@code g.grouper} and
     * {@code g.list}, {@code g[0]} and {@code g[1]}, and {@code for k, v in ...} unpacks it.
     */
    public static final class Group extends PyTuple {
        Group(Object grouper, List<Object> list) {
            super(Arrays.asList(grouper, list));
        }

        public Object getGrouper() {
            return get(0);
        }

        public Object getList() {
            return get(1);
        }

        /** {@code g.grouper} and {@code g.list}, which Jinjava's list resolver took for indexes. */
        static final class Attributes extends PyResolver {
            @Override
            public Object getValue(ELContext context, Object base, Object property) {
                if (!(base instanceof Group g) || !("grouper".equals(property) || "list".equals(property))) {
                    return null;
                }
                context.setPropertyResolved(true);
                return "grouper".equals(property) ? g.getGrouper() : g.getList();
            }

            @Override
            public boolean isReadOnly(ELContext context, Object base, Object property) {
                return true;
            }
        }
    }

    private static Object groupby(Object var, Object[] args, Map<String, Object> kwargs) {
        Object attribute = arg(args, kwargs, 0, "attribute", null);
        Object none = arg(args, kwargs, 1, "default", null);
        boolean caseSensitive = flag(args, kwargs, 2, "case_sensitive");
        List<Object[]> keyed = new ArrayList<>();
        for (Object item : items(var)) {
            Object k = PyMinMax.key(item, attribute, caseSensitive);
            keyed.add(new Object[] {k == null && none != null ? none : k, item});
        }
        keyed.sort((x, y) -> compare(x[0], y[0]));
        Map<Object, List<Object>> groups = new LinkedHashMap<>();
        Map<Object, Object> first = new LinkedHashMap<>();
        for (Object[] k : keyed) {
            groups.computeIfAbsent(k[0], x -> new ArrayList<>()).add(k[1]);
            // without case_sensitive the group is named by its first item's own value
            first.putIfAbsent(k[0], caseSensitive ? k[0] : PyMinMax.key(k[1], attribute, true) == null ? k[0]
                    : PyMinMax.key(k[1], attribute, true));
        }
        List<Object> out = new ArrayList<>();
        groups.forEach((k, items) -> out.add(new Group(first.get(k), items)));
        return out;
    }

    private static Object map(Object var, Object[] args, Map<String, Object> kwargs, Filter jinjava) {
        if (args.length == 0 && kwargs.containsKey("attribute")) {
            Object attribute = kwargs.get("attribute");
            Object none = kwargs.get("default");
            List<Object> out = new ArrayList<>();
            for (Object item : items(var)) {
                Object v = PyMinMax.key(item, attribute, true);
                out.add(v == null && none != null ? none : v);
            }
            return out;
        }
        return jinjava.filter(var, JinjavaInterpreter.getCurrent(), args, kwargs);
    }
}
