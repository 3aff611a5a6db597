package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ObjectIterator;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.Iterator;
import java.util.Locale;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code max} and {@code min} filters ({@code case_sensitive=False}, {@code attribute=None}):
 * the largest or smallest item, strings compared ignoring case unless asked, the first of equal
 * ones, Undefined for an empty sequence. Jinjava has neither, and {@code xs|max} rendered nothing.
 */
public final class PyMinMax implements Filter {
    private static final java.util.regex.Pattern INDEX = java.util.regex.Pattern.compile("\\d{1,9}");
    private final boolean max;

    private PyMinMax(boolean max) {
        this.max = max;
    }

    public static PyMinMax max() {
        return new PyMinMax(true);
    }

    public static PyMinMax min() {
        return new PyMinMax(false);
    }

    @Override
    public String getName() {
        return max ? "max" : "min";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object cs = kwargs.containsKey("case_sensitive") ? kwargs.get("case_sensitive") : args.length > 0 ? args[0] : false;
        Object attribute = kwargs.containsKey("attribute") ? kwargs.get("attribute") : args.length > 1 ? args[1] : null;
        boolean caseSensitive = ObjectTruthValue.evaluate(cs);
        // a str is a sequence of one-character strings
        Iterator<?> items = var instanceof CharSequence s
                ? s.codePoints().mapToObj(Character::toString).iterator() : ObjectIterator.getLoop(var);
        Object best = null;
        Object bestKey = null;
        while (items.hasNext()) {
            Object item = items.next();
            Object key = key(item, attribute, caseSensitive);
            if (bestKey == null || (max ? compare(key, bestKey) > 0 : compare(key, bestKey) < 0)) {
                best = item;
                bestKey = key;
            }
        }
        return best; // null, Undefined, for an empty sequence
    }

    static Object key(Object item, Object attribute, boolean caseSensitive) {
        Object v = item;
        if (attribute != null) {
            for (String part : attribute.toString().split("\\.")) {
                // Jinja2's getitem: a key, or an index of a list ('0' in groupby(0), 'users.0.name')
                // a groupby group's grouper and list are attributes (map(attribute='grouper')), as g.grouper reads them
                v = v instanceof PySequenceFilters.Group g && ("grouper".equals(part) || "list".equals(part))
                        ? ("grouper".equals(part) ? g.getGrouper() : g.getList())
                        : v instanceof Map<?, ?> m ? m.get(part) : v instanceof List<?> l && INDEX.matcher(part).matches()
                        && Integer.parseInt(part) < l.size() ? l.get(Integer.parseInt(part))
                        : v instanceof String str && INDEX.matcher(part).matches()
                        && Integer.parseInt(part) < str.codePointCount(0, str.length())
                        ? Character.toString(str.codePointAt(str.offsetByCodePoints(0, Integer.parseInt(part)))) : null;
            }
        }
        if (!caseSensitive && (v instanceof CharSequence || v instanceof SafeString)) {
            return v.toString().toLowerCase(Locale.ROOT);
        }
        return v;
    }

    static int compare(Object a, Object b) {
        if (PyEquality.isNumber(a) && PyEquality.isNumber(b)) {
            return PyEquality.exact(a).compareTo(PyEquality.exact(b));
        }
        if ((a instanceof CharSequence || a instanceof SafeString) && (b instanceof CharSequence || b instanceof SafeString)) {
            return a.toString().compareTo(b.toString());
        }
        throw new ChatTemplateException("'>' not supported between instances of '" + PyAddition.typeName(a) + "' and '"
                + PyAddition.typeName(b) + "'");
    }
}
