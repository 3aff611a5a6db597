package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.lib.fn.MacroFunction;
import com.hubspot.jinjava.objects.SafeString;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;

/**
 * Python's {@code str()} and {@code repr()} of template values, which Jinja2 uses wherever a value
 * becomes text ({@code {{ x }}}, the {@code trim} filter): {@code True}, {@code 1e-05},
 * {@code [{'type': 'text', 'text': 'Hi'}]}, {@code (1,)}. Java's toString gave {@code true}, {@code 1.0E-5},
 * {@code [{type=text, text=Hi}]}.
 */
final class PyStr {
    private PyStr() {}

    /** {@code str(value)}; null is Jinja2's Undefined, which is "" as text. */
    static String str(Object value) {
        if (value == null) {
            return "";
        }
        if (value instanceof CharSequence || value instanceof SafeString || value instanceof Character) {
            return value.toString();
        }
        return repr(value);
    }

    /** {@code repr(value)}; null (Jinja2's Undefined, an item of a list, tuple or dict) is {@code Undefined}, as Jinja2's repr. */
    static String repr(Object value) {
        StringBuilder sb = new StringBuilder();
        repr(value, sb);
        return sb.toString();
    }

    private static void repr(Object v, StringBuilder sb) {
        if (v == null) {
            sb.append("Undefined");
        } else if (v instanceof PyNone) {
            sb.append("None");
        } else if (v instanceof CharSequence || v instanceof SafeString || v instanceof Character) {
            string(v.toString(), sb); // a Character is what Jinjava makes of one letter of a str
        } else if (v instanceof Map.Entry<?, ?> e) { // a pair of dict.items(), a tuple in Python
            sb.append('(');
            repr(e.getKey(), sb);
            sb.append(", ");
            repr(e.getValue(), sb);
            sb.append(')');
        } else if (v instanceof Boolean b) {
            sb.append(b ? "True" : "False");
        } else if (v instanceof Double || v instanceof Float) {
            double d = ((Number) v).doubleValue();
            sb.append(Double.isNaN(d) ? "nan" : Double.isInfinite(d) ? (d > 0 ? "inf" : "-inf") : PyJson.floatRepr(d));
        } else if (v instanceof Map<?, ?> m) {
            sb.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(first ? "" : ", ");
                repr(e.getKey(), sb);
                sb.append(": ");
                repr(e.getValue(), sb);
                first = false;
            }
            sb.append('}');
        } else if (v instanceof PyTuple t) {
            sb.append('(');
            for (int i = 0; i < t.size(); i++) {
                sb.append(i > 0 ? ", " : "");
                repr(t.get(i), sb);
            }
            sb.append(t.size() == 1 ? ",)" : ")");
        } else if (v instanceof PyRange r) {
            sb.append(r); // range(0, 3), not its items
        } else if (v instanceof Iterable<?> items) {
            sb.append('[');
            for (Iterator<?> it = items.iterator(); it.hasNext(); ) {
                repr(it.next(), sb);
                sb.append(it.hasNext() ? ", " : "");
            }
            sb.append(']');
        } else if (v instanceof Object[] a) {
            repr(Arrays.asList(a), sb);
        } else if (v instanceof MacroFunction m) {
            sb.append("<Macro '").append(m.getName()).append("'>");
        } else {
            sb.append(v);
        }
    }

    /** Python's string repr: single quotes unless only double quotes avoid escaping, non-printables escaped. */
    private static void string(String s, StringBuilder sb) {
        char quote = s.indexOf('\'') >= 0 && s.indexOf('"') < 0 ? '"' : '\'';
        sb.append(quote);
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            if (c == quote || c == '\\') {
                sb.append('\\').appendCodePoint(c);
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\r') {
                sb.append("\\r");
            } else if (isPrintable(c)) {
                sb.appendCodePoint(c);
            } else if (c < 0x100) {
                sb.append(String.format("\\x%02x", c));
            } else if (c < 0x10000) {
                sb.append(String.format("\\u%04x", c));
            } else {
                sb.append(String.format("\\U%08x", c));
            }
        }
        sb.append(quote);
    }

    /** Python's str.isprintable for one character: not Cc, Cf, Cs, Co, Cn, Zl, Zp, nor Zs other than the space. */
    private static boolean isPrintable(int c) {
        if (c == ' ') {
            return true;
        }
        return switch (Character.getType(c)) {
            case Character.CONTROL, Character.FORMAT, Character.SURROGATE, Character.PRIVATE_USE, Character.UNASSIGNED,
                    Character.LINE_SEPARATOR, Character.PARAGRAPH_SEPARATOR, Character.SPACE_SEPARATOR -> false;
            default -> true;
        };
    }
}
