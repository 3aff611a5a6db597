package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Iterator;
import java.util.Map;

/**
 * The {@code tojson} filter as transformers defines it for chat templates: Python's
 * {@code json.dumps(x, ensure_ascii=False)} with the default separators {@code ", "} and
 * {@code ": "} and keys in insertion order ({@code indent=N} pretty-prints as Python does).
 */
public final class PyJson implements Filter {
    @Override
    public String getName() {
        return "tojson";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        int indent = -1;
        if (args != null && args.length > 0 && args[0] != null) {
            try {
                indent = Integer.parseInt(args[0].replace("indent=", "").trim());
            } catch (NumberFormatException e) {
                indent = -1;
            }
        }
        StringBuilder sb = new StringBuilder();
        write(var, sb, indent, 0);
        return sb.toString();
    }

    static String dumps(Object v) {
        StringBuilder sb = new StringBuilder();
        write(v, sb, -1, 0);
        return sb.toString();
    }

    private static void newline(StringBuilder sb, int indent, int depth) {
        sb.append('\n');
        sb.append(" ".repeat(indent * depth));
    }

    static void write(Object v, StringBuilder sb, int indent, int depth) {
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
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    sb.append(indent >= 0 ? "," : ", ");
                }
                if (indent >= 0) {
                    newline(sb, indent, depth + 1);
                }
                string(key(e.getKey()), sb);
                sb.append(": ");
                write(e.getValue(), sb, indent, depth + 1);
                first = false;
            }
            if (indent >= 0) {
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
                    sb.append(indent >= 0 ? "," : ", ");
                }
                if (indent >= 0) {
                    newline(sb, indent, depth + 1);
                }
                write(i.next(), sb, indent, depth + 1);
                first = false;
            }
            if (indent >= 0) {
                newline(sb, indent, depth);
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            write(java.util.Arrays.asList(a), sb, indent, depth);
        } else {
            string(String.valueOf(v), sb);
        }
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
                    if (c < 0x20) {
                        sb.append(String.format("\\u%04x", (int) c));
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
