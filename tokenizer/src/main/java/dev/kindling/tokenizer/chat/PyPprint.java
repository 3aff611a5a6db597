package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code pprint} filter, Python's {@code pprint.pformat(value)} (width 80, indent 1): a dict's keys sorted
 * (also inside a repr that fits), and a dict, list, tuple or str whose repr would pass the width broken over lines as
 * {@code PrettyPrinter._format} breaks it, a long str into adjacent literals in parentheses. Jinjava's wrote its own
 * debug text ({@code (SizeLimitingPyList: [1, a])}); before this, the value's repr on one line, unsorted.
 */
final class PyPprint implements Filter {
    private static final int WIDTH = 80;
    private static final Pattern WORDS = Pattern.compile("\\S*\\s*", Pattern.UNICODE_CHARACTER_CLASS);

    @Override
    public String getName() {
        return "pprint";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return pformat(var);
    }

    static String pformat(Object value) {
        StringBuilder out = new StringBuilder();
        format(value, out, 0, 0, 0);
        return out.toString();
    }

    /** {@code PrettyPrinter._format}: the repr when it fits in the width left, else the container broken over lines. */
    private static void format(Object v, StringBuilder out, int indent, int allowance, int level) {
        String rep = repr(v);
        if (length(rep) > WIDTH - indent - allowance) {
            if (v instanceof Map<?, ?> m) {
                dict(m, out, indent, allowance, level + 1);
                return;
            }
            List<?> items = sequence(v);
            if (items != null) {
                boolean tuple = !(v instanceof List<?>) || v instanceof PyTuple;
                String end = tuple ? (items.size() == 1 ? ",)" : ")") : "]";
                out.append(tuple ? '(' : '[');
                items(items, out, indent, allowance + end.length(), level + 1);
                out.append(end);
                return;
            }
            if (v instanceof CharSequence || v instanceof SafeString) {
                string(v.toString(), out, indent, allowance, level + 1);
                return;
            }
        }
        out.append(rep);
    }

    /** The items of a list or tuple ({@code dict.items()}'s pair is one); null for anything else (a range is its repr). */
    private static List<?> sequence(Object v) {
        if (v instanceof Map.Entry<?, ?> e) {
            return List.of(e.getKey(), e.getValue());
        }
        return v instanceof List<?> l && !(v instanceof PyRange) ? l : null;
    }

    private static void dict(Map<?, ?> m, StringBuilder out, int indent, int allowance, int level) {
        out.append('{');
        List<Map.Entry<?, ?>> entries = sorted(m);
        indent += 1;
        for (int i = 0; i < entries.size(); i++) {
            boolean last = i == entries.size() - 1;
            String key = repr(entries.get(i).getKey());
            out.append(key).append(": ");
            format(entries.get(i).getValue(), out, indent + length(key) + 2, last ? allowance + 1 : 1, level);
            if (!last) {
                out.append(",\n").append(" ".repeat(indent));
            }
        }
        out.append('}');
    }

    private static void items(List<?> items, StringBuilder out, int indent, int allowance, int level) {
        indent += 1;
        for (int i = 0; i < items.size(); i++) {
            boolean last = i == items.size() - 1;
            if (i > 0) {
                out.append(",\n").append(" ".repeat(indent));
            }
            format(items.get(i), out, indent, last ? allowance : 1, level);
        }
    }

    /** {@code PrettyPrinter._pprint_str}: each line, or its words, gathered into literals that fit the width. */
    private static void string(String s, StringBuilder out, int indent, int allowance, int level) {
        if (s.isEmpty()) {
            out.append(PyStr.repr(s));
            return;
        }
        List<String> chunks = new ArrayList<>();
        List<String> lines = PyStringMethods.splitlines(s, true);
        if (level == 1) {
            indent += 1;
            allowance += 1;
        }
        int maxWidth = WIDTH - indent;
        int maxWidth1 = maxWidth;
        String rep = "";
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            rep = PyStr.repr(line);
            boolean lastLine = i == lines.size() - 1;
            if (lastLine) {
                maxWidth1 -= allowance;
            }
            if (length(rep) <= maxWidth1) {
                chunks.add(rep);
                continue;
            }
            List<String> parts = new ArrayList<>();
            Matcher words = WORDS.matcher(line);
            while (words.find()) {
                if (!words.group().isEmpty()) {
                    parts.add(words.group());
                }
                if (words.end() == line.length()) {
                    break;
                }
            }
            int maxWidth2 = maxWidth;
            String current = "";
            for (int j = 0; j < parts.size(); j++) {
                String candidate = current + parts.get(j);
                if (j == parts.size() - 1 && lastLine) {
                    maxWidth2 -= allowance;
                }
                if (length(PyStr.repr(candidate)) > maxWidth2) {
                    if (!current.isEmpty()) {
                        chunks.add(PyStr.repr(current));
                    }
                    current = parts.get(j);
                } else {
                    current = candidate;
                }
            }
            if (!current.isEmpty()) {
                chunks.add(PyStr.repr(current));
            }
        }
        if (chunks.size() == 1) {
            out.append(rep); // as Python: the repr of the (last) line
            return;
        }
        if (level == 1) {
            out.append('(');
        }
        for (int i = 0; i < chunks.size(); i++) {
            if (i > 0) {
                out.append('\n').append(" ".repeat(indent));
            }
            out.append(chunks.get(i));
        }
        if (level == 1) {
            out.append(')');
        }
    }

    /** {@code PrettyPrinter._safe_repr}: Python's repr with every dict's keys sorted. */
    static String repr(Object v) {
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("{");
            for (Map.Entry<?, ?> e : sorted(m)) {
                sb.append(sb.length() > 1 ? ", " : "").append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
            }
            return sb.append('}').toString();
        }
        List<?> items = sequence(v);
        if (items != null) {
            boolean tuple = !(v instanceof List<?>) || v instanceof PyTuple;
            StringBuilder sb = new StringBuilder(tuple ? "(" : "[");
            for (int i = 0; i < items.size(); i++) {
                sb.append(i > 0 ? ", " : "").append(repr(items.get(i)));
            }
            return sb.append(tuple ? (items.size() == 1 ? ",)" : ")") : "]").toString();
        }
        return PyStr.repr(v);
    }

    /**
     * A dict's items sorted by key as pprint sorts them: with Python's {@code <}, and keys that do not compare by their
     * type's name (Python then orders by {@code id()}, which is arbitrary; here they keep their order).
     */
    private static List<Map.Entry<?, ?>> sorted(Map<?, ?> m) {
        List<Map.Entry<?, ?>> entries = new ArrayList<>(m.entrySet());
        entries.sort((a, b) -> compare(a.getKey(), b.getKey()));
        return entries;
    }

    private static int compare(Object a, Object b) {
        try {
            if (Boolean.TRUE.equals(PyOrdering.LT.apply(null, a, b))) {
                return -1;
            }
            return Boolean.TRUE.equals(PyOrdering.LT.apply(null, b, a)) ? 1 : 0;
        } catch (RuntimeException notComparable) {
            return PyAddition.typeName(a).compareTo(PyAddition.typeName(b));
        }
    }

    /** len() of a str: code points. */
    private static int length(String s) {
        return s.codePointCount(0, s.length());
    }
}
