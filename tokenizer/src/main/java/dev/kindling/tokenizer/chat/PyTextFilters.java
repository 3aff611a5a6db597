package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code truncate} (its leeway of 5: a text at most 5 longer than {@code length} is kept whole; the cut
 * text with {@code end} is {@code length} long, at a space unless {@code killwords}), {@code urlencode} (a str
 * quoted as Python's {@code quote(safe='/')}, {@code %20} for a space; a dict as a query, {@code +}) and
 * {@code attr} (a Python attribute, never a dict's key), {@code center} as Python's {@code str.center} (an odd margin's
 * extra space on the left when the width is odd). Jinjava's truncated after {@code length}, quoted a space as {@code +}
 * and centred with the extra space on the right.
 */
final class PyTextFilters implements AdvancedFilter {
    private final String name;
    private final Filter jinjava;

    private PyTextFilters(String name, Filter jinjava) {
        this.name = name;
        this.jinjava = jinjava;
    }

    /** The filters, {@code attr} falling back to Jinjava's {@code attr} for what is not a dict. */
    static List<PyTextFilters> all(Filter jinjavaAttr) {
        return List.of(new PyTextFilters("truncate", null), new PyTextFilters("urlencode", null),
                new PyTextFilters("center", null), new PyTextFilters("attr", jinjavaAttr));
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        return switch (name) {
            case "truncate" -> truncate(var == null ? "" : PyStr.str(var), args, kwargs);
            case "urlencode" -> urlencode(var);
            case "center" -> PyStringMethods.pad(PyStr.str(var), "center",
                    ((Number) PySequenceFilters.arg(args, kwargs, 0, "width", 80)).intValue(), " ");
            default -> var instanceof Map<?, ?> ? dictAttr(args) : jinjava.filter(var, interpreter, args, kwargs);
        };
    }

    private static String truncate(String s, Object[] args, Map<String, Object> kwargs) {
        int length = ((Number) PySequenceFilters.arg(args, kwargs, 0, "length", 255)).intValue();
        boolean killwords = PyTruth.of(PySequenceFilters.arg(args, kwargs, 1, "killwords", false));
        String end = String.valueOf(PySequenceFilters.arg(args, kwargs, 2, "end", "..."));
        Object leewayArg = PySequenceFilters.arg(args, kwargs, 3, "leeway", null);
        int leeway = leewayArg == null || leewayArg instanceof PyNone ? 5 : ((Number) leewayArg).intValue();
        int n = s.codePointCount(0, s.length());
        int endLength = end.codePointCount(0, end.length());
        if (length < endLength) {
            throw new ChatTemplateException("truncate: expected length >= " + endLength + ", got " + length);
        }
        if (leeway < 0) {
            throw new ChatTemplateException("truncate: expected leeway >= 0, got " + leeway);
        }
        if (n <= length + leeway) {
            return s;
        }
        String cut = s.substring(0, s.offsetByCodePoints(0, length - endLength));
        if (killwords) {
            return cut + end;
        }
        int space = cut.lastIndexOf(' ');
        return (space < 0 ? cut : cut.substring(0, space)) + end;
    }

    private static String urlencode(Object var) {
        if (var instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                sb.append(sb.length() > 0 ? "&" : "").append(quote(PyStr.str(e.getKey()), true)).append('=')
                        .append(quote(PyStr.str(e.getValue()), true));
            }
            return sb.toString();
        }
        return quote(var instanceof CharSequence || var instanceof SafeString ? var.toString() : PyStr.str(var), false);
    }

    /** Python's {@code urllib.parse.quote}: safe {@code /} in a path, none in a query, where a space is {@code +}. */
    private static String quote(String s, boolean query) {
        StringBuilder sb = new StringBuilder();
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            int c = b & 0xff;
            if (c < 0x80 && (Character.isLetterOrDigit(c) || "_.-~".indexOf(c) >= 0 || c == '/' && !query)) {
                sb.append((char) c);
            } else if (c == ' ' && query) {
                sb.append('+');
            } else {
                sb.append('%').append(String.format("%02X", c));
            }
        }
        return sb.toString();
    }

    /** A dict's attributes are its methods; its keys are items, which {@code attr} does not read. */
    private static Object dictAttr(Object[] args) {
        String attribute = args.length > 0 ? String.valueOf(args[0]) : "";
        return PyDictMethodDot.METHODS.contains(attribute) ? new ChatFunctions.Name("built-in method " + attribute
                + " of dict object") : null;
    }
}
