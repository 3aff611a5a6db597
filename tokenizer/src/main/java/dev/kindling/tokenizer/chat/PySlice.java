package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Python's slices, {@code x[start:stop:step]}, on a list or a str (whose items are code points, as Python's
 * are, so an emoji is one). Jinjava parses only {@code [start:stop]} and counts a str in UTF-16 units;
 * {@link #rewrite} turns every slice in the template's expressions into a call of this function,
 * {@code __pyslice__(x, start, stop, step)} (an omitted bound is none), before Jinjava parses it. Public static
 * for Jinjava's function registry.
 */
public final class PySlice {
    static final String NAME = "__pyslice__";
    /** A name never bound: Undefined, what Jinja2 makes of a slice of a literal none, number or bool. */
    private static final String FOLDED = "__pyslice_of_a_constant__";
    private static final Pattern CONSTANT = Pattern.compile("(?i:none|true|false)|[0-9][0-9_.a-zA-Z]*"); // 2.5, 0x1f, 1e3

    private PySlice() {}

    /** {@code var[start:stop:step]}: undefined (null) raises as Jinja2's Undefined; what is not a sequence is undefined. */
    public static Object slice(Object var, Object start, Object stop, Object step) {
        Object[] args = {start, stop, step};
        if (var == null) {
            throw new ChatTemplateException("UndefinedError: a slice of an undefined value");
        }
        if (var instanceof CharSequence || var instanceof SafeString) {
            int[] cps = var.toString().codePoints().toArray();
            StringBuilder sb = new StringBuilder();
            for (int i : indices(cps.length, args)) {
                sb.appendCodePoint(cps[i]);
            }
            return sb.toString();
        }
        if (!(var instanceof Collection<?> c)) {
            // Jinja2 compiles a slice to Python's own subscript, not to its getitem that gives Undefined: content[:3] of a
            // None content raises
            throw new ChatTemplateException((var instanceof Map<?, ?> ? "unhashable type: 'slice'"
                    : "'" + PyAddition.typeName(var) + "' object is not subscriptable") + " (Jinja2 raises TypeError)");
        }
        if (var instanceof PyRange r) {
            long[] b = bounds(r.size(), args);
            return r.slice(b[0], b[1], b[2], indices(r.size(), args).length); // a slice of a range is a range
        }
        List<?> items = c instanceof List<?> l ? l : new ArrayList<>(c);
        List<Object> out = new ArrayList<>();
        for (int i : indices(items.size(), args)) {
            out.add(items.get(i));
        }
        return var instanceof PyTuple ? new PyTuple(out) : out; // a slice of a tuple is a tuple
    }

    /** {@code slice(start, stop, step).indices(n)}: the bounds clamped to a sequence of n items, as CPython computes them. */
    static long[] bounds(int n, Object[] args) {
        long step = arg(args, 2, 1);
        if (step == 0) {
            throw new ChatTemplateException("ValueError: slice step cannot be zero");
        }
        long lower = step < 0 ? -1 : 0;
        long upper = step < 0 ? n - 1 : n;
        return new long[] {clamp(args, 0, step < 0 ? upper : lower, n, lower, upper),
                clamp(args, 1, step < 0 ? lower : upper, n, lower, upper), step};
    }

    /** The indexes {@code slice(start, stop, step).indices(n)} walks. */
    static int[] indices(int n, Object[] args) {
        long[] b = bounds(n, args);
        long start = b[0];
        long stop = b[1];
        long step = b[2];
        int count = (int) (step > 0 ? (stop > start ? (stop - start - 1) / step + 1 : 0)
                : (start > stop ? (start - stop - 1) / -step + 1 : 0));
        int[] out = new int[count];
        for (int k = 0; k < count; k++) {
            out[k] = (int) (start + k * step);
        }
        return out;
    }

    private static long clamp(Object[] args, int at, long none, int n, long lower, long upper) {
        if (args.length <= at || args[at] == null || args[at] instanceof PyNone) {
            return none;
        }
        long i = arg(args, at, 0);
        if (i < 0) {
            i += n;
            return Math.max(i, lower);
        }
        return Math.min(i, upper);
    }

    private static long arg(Object[] args, int at, long none) {
        if (args.length <= at || args[at] == null || args[at] instanceof PyNone) {
            return none;
        }
        if (args[at] instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (!(args[at] instanceof Number x) || args[at] instanceof Double || args[at] instanceof Float) {
            throw new ChatTemplateException("TypeError: slice indices must be integers or None, not "
                    + PyAddition.typeName(args[at]));
        }
        return x.longValue();
    }

    /**
     * {@code source} with every slice inside {@code {{ }}} and {@code {% %}} written as the function:
     * {@code xs[1:]} is {@code __pyslice__(xs,(1),none,none)}. A slice is a {@code [...]} with a {@code :} outside strings and
     * brackets that follows a value (a name, a closing bracket or a string), not a list literal.
     */
    static String rewrite(String source) {
        StringBuilder out = null;
        int copied = 0;
        for (int open = source.indexOf('{'); open >= 0 && open + 1 < source.length(); open = source.indexOf('{', open + 1)) {
            char kind = source.charAt(open + 1);
            if (kind != '{' && kind != '%') {
                continue;
            }
            char closer = kind == '{' ? '}' : '%';
            int close = TopLevel.find(source, open + 2, i -> source.charAt(i) == closer && source.startsWith("}", i + 1));
            if (close < 0) {
                break;
            }
            String body = source.substring(open + 2, close);
            if (body.indexOf(':') >= 0) {
                String rewritten = expression(body);
                if (!rewritten.equals(body)) {
                    out = out == null ? new StringBuilder(source.length() + 32) : out;
                    out.append(source, copied, open + 2).append(rewritten);
                    copied = close;
                }
            }
            open = close;
        }
        return out == null ? source : out.append(source, copied, source.length()).toString();
    }

    /** One expression (or tag body) with its slices rewritten. */
    static String expression(String s) {
        StringBuilder out = new StringBuilder(s.length());
        char quote = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (quote != 0) {
                out.append(c);
                if (c == '\\' && i + 1 < s.length()) {
                    out.append(s.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
                continue;
            }
            if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '[' && followsValue(s, i)) {
                int end = TopLevel.find(s, i + 1, k -> s.charAt(k) == ']');
                String inside = end < 0 ? "" : s.substring(i + 1, end);
                if (end >= 0 && TopLevel.find(inside, 0, k -> inside.charAt(k) == ':') >= 0) {
                    int base = baseStart(out);
                    if (CONSTANT.matcher(out.substring(base)).matches()) {
                        // Jinja2 folds a slice of a literal when it compiles, through its getitem: Undefined, where a
                        // slice of a variable holding the same value raises (none[1:] is "", c[1:] fails for c = none)
                        out.setLength(base);
                        out.append(FOLDED);
                        i = end;
                        continue;
                    }
                    out.insert(base, NAME + "(").append(',');
                    List<String> parts = new ArrayList<>();
                    int from = 0;
                    for (int colon; parts.size() < 2 && (colon = TopLevel.find(inside, from, k -> inside.charAt(k) == ':')) >= 0; from = colon + 1) {
                        parts.add(inside.substring(from, colon));
                    }
                    parts.add(inside.substring(from));
                    while (parts.size() < 3) {
                        parts.add("");
                    }
                    for (int p = 0; p < 3; p++) {
                        String part = expression(parts.get(p)).strip();
                        out.append(p > 0 ? "," : "").append(part.isEmpty() ? "null" : "(" + part + ")");
                    }
                    out.append(')');
                    i = end;
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /**
     * Where the value that ends {@code out} starts: a name, string or bracket followed by attributes
     * ({@code .name}), subscripts and calls, as in {@code users[0]['name']} or {@code m.content.strip()}.
     */
    private static int baseStart(CharSequence out) {
        int i = out.length();
        while (i > 0) {
            char c = out.charAt(i - 1);
            if (c == ')' || c == ']' || c == '}') {
                i = opening(out, i - 1);
                if (i > 0 && endsValue(out.charAt(i - 1))) {
                    continue; // a call or subscript of the value before it
                }
                return i;
            } else if (c == '\'' || c == '"') {
                return opening(out, i - 1);
            } else if (Character.isLetterOrDigit(c) || c == '_') {
                while (i > 0 && (Character.isLetterOrDigit(out.charAt(i - 1)) || out.charAt(i - 1) == '_')) {
                    i--;
                }
                if (i > 0 && out.charAt(i - 1) == '.') {
                    i--;
                    continue; // an attribute of the value before it
                }
                return i;
            } else {
                return i;
            }
        }
        return i;
    }

    private static boolean endsValue(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == ')' || c == ']' || c == '}' || c == '\'' || c == '"';
    }

    /** Index of the bracket opening the one closing at {@code close}, skipping strings (scanned backwards). */
    private static int opening(CharSequence s, int close) {
        int depth = 0;
        char quote = 0;
        if (s.charAt(close) == '\'' || s.charAt(close) == '"') {
            for (int i = close - 1; i >= 0; i--) {
                if (s.charAt(i) == s.charAt(close) && (i == 0 || s.charAt(i - 1) != '\\')) {
                    return i;
                }
            }
            return 0;
        }
        for (int i = close; i >= 0; i--) {
            char c = s.charAt(i);
            if (quote != 0) {
                if (c == quote && (i == 0 || s.charAt(i - 1) != '\\')) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == ')' || c == ']' || c == '}') {
                depth++;
            } else if ((c == '(' || c == '[' || c == '{') && --depth == 0) {
                return i;
            }
        }
        return 0;
    }

    /** Whether the {@code [} at {@code i} subscripts the value before it (no space between, as templates write it). */
    private static boolean followsValue(String s, int i) {
        return i > 0 && endsValue(s.charAt(i - 1));
    }
}
