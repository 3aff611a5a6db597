package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
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
            sb.append("null");
        } else if (v instanceof Boolean b) {
            sb.append(b ? "true" : "false");
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte
                || v instanceof java.math.BigInteger) {
            sb.append(v);
        } else if (v instanceof Number n) {
            double d = n.doubleValue();
            if (d == Math.rint(d) && !Double.isInfinite(d) && Math.abs(d) < 1e16) {
                sb.append((long) d).append(".0");
            } else {
                sb.append(Double.isNaN(d) ? "NaN" : Double.isInfinite(d) ? (d > 0 ? "Infinity" : "-Infinity") : Double.toString(d));
            }
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
                string(String.valueOf(e.getKey()), sb);
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
}
