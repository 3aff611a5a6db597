package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The {@code tojson} filter as transformers defines it for chat templates: Python's
 * {@code json.dumps(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False)}, its arguments in that order
 * or by name: the separators {@code ", "} and {@code ": "} ({@code ","} between items with an indent), keys in insertion
 * order unless {@code sort_keys}, {@code indent=N} pretty-printing as Python does, {@code ensure_ascii} writing every
 * non-ASCII character as {@code \\uXXXX}.
 */
public final class PyJson implements AdvancedFilter {
    /** How json.dumps writes: the indent's unit (null: one line), separators, sorted keys, ASCII only. */
    private record Style(String indent, String itemSeparator, String keySeparator, boolean sortKeys, boolean ensureAscii) {
        static final Style DEFAULT = new Style(null, ", ", ": ", false, false);
    }

    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object ensureAscii = arg(args, kwargs, 0, "ensure_ascii");
        Object indent = arg(args, kwargs, 1, "indent");
        Object separators = arg(args, kwargs, 2, "separators");
        Object sortKeys = arg(args, kwargs, 3, "sort_keys");
        String unit = null; // json.dumps' indent: an int is that many spaces (a bool one or none), a str is the unit itself
        if (indent instanceof Boolean b) {
            unit = b ? " " : "";
        } else if (indent instanceof CharSequence text) {
            unit = text.toString();
        } else if (indent != null && !(indent instanceof PyNone)) {
            if (!(indent instanceof Number n) || indent instanceof Double || indent instanceof Float) {
                throw new ChatTemplateException("tojson: indent must be an int or a str, not " + PyAddition.typeName(indent));
            }
            unit = " ".repeat(Math.max(0, n.intValue()));
        }
        String item = unit != null ? "," : ", ";
        String key = ": ";
        if (separators != null && !(separators instanceof PyNone)) {
            if (!(separators instanceof List<?> pair) || pair.size() != 2
                    || !(pair.get(0) instanceof CharSequence) || !(pair.get(1) instanceof CharSequence)) {
                throw new ChatTemplateException("tojson: separators must be a pair of str (item, key), not " + PyStr.str(separators));
            }
            item = pair.get(0).toString();
            key = pair.get(1).toString();
        }
        StringBuilder sb = new StringBuilder();
        write(var, sb, new Style(unit, item, key, sortKeys != null && PyTruth.of(sortKeys),
                ensureAscii != null && PyTruth.of(ensureAscii)), 0);
        return sb.toString();
    }

    private static Object arg(Object[] args, Map<String, Object> kwargs, int position, String name) {
        if (kwargs != null && kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return args != null && args.length > position ? args[position] : null;
    }

    static String dumps(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb, Style.DEFAULT, 0);
        return sb.toString();
    }

    private static void newline(StringBuilder sb, String indent, int depth) {
        sb.append('\n');
        sb.append(indent.repeat(depth));
    }

    private static void write(Object v, StringBuilder sb, Style style, int depth) {
        String indent = style.indent();
        if (v == null) {
            // Jinja2's Undefined (a missing key or variable): json.dumps raises, as transformers' tojson does
            throw new ChatTemplateException("tojson: Object of type Undefined is not JSON serializable");
        } else if (v instanceof PyNone) {
            sb.append("null");
        } else if (v instanceof PyRange || PyAddition.notIterable(v) && !(v instanceof Number || v instanceof Boolean)) {
            // json.dumps writes no range, namespace, cycler, joiner or function
            throw new ChatTemplateException("tojson: Object of type " + PyAddition.typeName(v) + " is not JSON serializable");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof java.math.BigInteger) {
            sb.append(v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : floatRepr(d));
        } else if (v instanceof Map<?, ?> m) {
            if (m.isEmpty()) {
                sb.append("{}");
                return;
            }
            List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
            if (style.sortKeys()) {
                entries.sort((a, b) -> compareKeys(a.getKey(), b.getKey())); // sorted(d.items()): the keys as they are
            }
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : entries) {
                if (!first) {
                    sb.append(style.itemSeparator());
                }
                if (indent != null) {
                    newline(sb, indent, depth + 1);
                }
                string(key(e.getKey()), sb, style.ensureAscii());
                sb.append(style.keySeparator());
                write(e.getValue(), sb, style, depth + 1);
                first = false;
            }
            if (indent != null) {
                newline(sb, indent, depth);
            }
            sb.append('}');
        } else if (v instanceof Iterable<?> it) {
            Iterator<?> i = it.iterator();
            if (!i.hasNext()) {
                sb.append("[]");
                return;
            }
            sb.append('[');
            boolean first = true;
            while (i.hasNext()) {
                if (!first) {
                    sb.append(style.itemSeparator());
                }
                if (indent != null) {
                    newline(sb, indent, depth + 1);
                }
                write(i.next(), sb, style, depth + 1);
                first = false;
            }
            if (indent != null) {
                newline(sb, indent, depth);
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            write(java.util.Arrays.asList(a), sb, style, depth);
        } else {
            string(String.valueOf(v), sb, style.ensureAscii());
        }
    }

    /** Python's {@code <} between two dict keys, as {@code sorted} applies it: str by code point, numbers by value. */
    private static int compareKeys(Object a, Object b) {
        boolean aText = a instanceof CharSequence || a instanceof Character;
        boolean bText = b instanceof CharSequence || b instanceof Character;
        if (aText && bText) {
            return PyOrdering.compareCodePoints(a.toString(), b.toString());
        }
        if (PyEquality.isNumber(a) && PyEquality.isNumber(b)) {
            return PyEquality.exact(a).compareTo(PyEquality.exact(b));
        }
        throw new ChatTemplateException("tojson: '<' not supported between instances of '" + PyAddition.typeName(a)
                + "' and '" + PyAddition.typeName(b) + "' (sort_keys)");
    }

    /**
     * Python's {@code repr(float)}, which {@code json.dumps} writes: the shortest decimal that reads back
     * as {@code d}, positional when its exponent is in [-4, 16) ({@code 0.0001}, {@code 1234.5},
     * {@code 3.0}), otherwise {@code 1e-05}, {@code 2.5e+16}; the sign of -0.0 kept. Java's
     * {@code Double.toString} differs in all of these ({@code 1.0E-5}, {@code 2.5E16}, and on Java 17
     * not always the shortest digits).
     */
    static String floatRepr(double d) {
        if (d == 0) {
            return 1 / d < 0 ? "-0.0" : "0.0";
        }
        BigDecimal exact = new BigDecimal(d);
        BigDecimal shortest = exact;
        for (int digits = 1; digits <= 17; digits++) {
            BigDecimal r = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
            if (r.doubleValue() == d) {
                shortest = r;
                break;
            }
        }
        shortest = shortest.stripTrailingZeros();
        String digits = shortest.unscaledValue().abs().toString();
        int exponent = shortest.precision() - shortest.scale() - 1; // of the first digit
        StringBuilder sb = new StringBuilder(d < 0 ? "-" : "");
        if (exponent < -4 || exponent >= 16) {
            sb.append(digits.charAt(0));
            if (digits.length() > 1) {
                sb.append('.').append(digits, 1, digits.length());
            }
            sb.append(exponent < 0 ? "e-" : "e+");
            sb.append(Math.abs(exponent) < 10 ? "0" : "").append(Math.abs(exponent));
        } else if (exponent < 0) {
            sb.append("0.").append("0".repeat(-exponent - 1)).append(digits);
        } else if (digits.length() <= exponent + 1) {
            sb.append(digits).append("0".repeat(exponent + 1 - digits.length())).append(".0");
        } else {
            sb.append(digits, 0, exponent + 1).append('.').append(digits, exponent + 1, digits.length());
        }
        return sb.toString();
    }

    static void string(String s, StringBuilder sb) {
        string(s, sb, false);
    }

    private static void string(String s, StringBuilder sb, boolean ensureAscii) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                case '\b' -> sb.append("\\b");
                case '\f' -> sb.append("\\f");
                default -> {
                    if (c < 0x20 || ensureAscii && c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c)); // a UTF-16 unit: an astral character as its pair
                    } else {
                        sb.append(c);
                    }
                }
            }
        }
        sb.append('"');
    }

    /** A dict key as json.dumps writes it: a str as is, an int or float as Python's str(), a bool and None as JSON's literals. */
    private static String key(Object k) {
        if (k instanceof CharSequence || k instanceof Character) {
            return k.toString();
        }
        if (k instanceof Boolean b) {
            return b ? "true" : "false";
        }
        if (k instanceof PyNone) {
            return "null";
        }
        if (k instanceof Number) {
            return PyStr.str(k);
        }
        throw new ChatTemplateException("tojson: keys must be str, int, float, bool or None, not " + PyAddition.typeName(k));
    }
}
