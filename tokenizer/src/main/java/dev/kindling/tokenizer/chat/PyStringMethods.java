package dev.kindling.tokenizer.chat;

import java.beans.FeatureDescriptor;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELResolver;

/**
 * Python {@code str} methods on Java strings, for chat templates written against Jinja2:
 * {@code startswith endswith strip lstrip rstrip split rsplit upper lower title capitalize replace
 * find rfind count join isspace isdigit isalpha isalnum}, and {@code s[i]}. Other calls fall through to
 * Jinjava's own resolvers.
 */
public final class PyStringMethods extends ELResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        Object r = call(s, method.toString(), p);
        if (r != NOT_HANDLED) {
            context.setPropertyResolved(true);
            return r;
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();
    private static final Pattern INDEX = Pattern.compile("-?\\d{1,9}");

    static Object call(String s, String m, Object[] p) {
        switch (m) {
            case "startswith":
                return p.length >= 1 && anyMatch(p[0], x -> s.startsWith(x));
            case "endswith":
                return p.length >= 1 && anyMatch(p[0], x -> s.endsWith(x));
            case "strip":
                return strip(s, arg(p, 0));
            case "lstrip":
                return lstrip(s, arg(p, 0));
            case "rstrip":
                return rstrip(s, arg(p, 0));
            case "split":
                return split(s, arg(p, 0), p.length > 1 ? ((Number) p[1]).intValue() : -1);
            case "rsplit":
                if (p.length > 1 && ((Number) p[1]).intValue() >= 0) {
                    return rsplit(s, arg(p, 0), ((Number) p[1]).intValue());
                }
                return split(s, arg(p, 0), -1);
            case "upper":
                return s.toUpperCase(Locale.ROOT);
            case "lower":
                return s.toLowerCase(Locale.ROOT);
            case "title":
                return title(s);
            case "capitalize":
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "replace":
                if (p.length >= 2) {
                    return s.replace(String.valueOf(p[0]), String.valueOf(p[1]));
                }
                return NOT_HANDLED;
            case "find":
                return p.length >= 1 ? s.indexOf(String.valueOf(p[0])) : NOT_HANDLED;
            case "rfind":
                return p.length >= 1 ? s.lastIndexOf(String.valueOf(p[0])) : NOT_HANDLED;
            case "count":
                return p.length >= 1 ? count(s, String.valueOf(p[0])) : NOT_HANDLED;
            case "join":
                return p.length >= 1 ? join(s, p[0]) : NOT_HANDLED;
            case "isspace":
                return !s.isEmpty() && s.codePoints().allMatch(PyStringMethods::isPySpace);
            case "isdigit":
                return !s.isEmpty() && s.codePoints().allMatch(Character::isDigit);
            case "isalpha":
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetter);
            case "isalnum":
                return !s.isEmpty() && s.codePoints().allMatch(Character::isLetterOrDigit);
            default:
                return NOT_HANDLED;
        }
    }

    private static String arg(Object[] p, int i) {
        return p.length > i && p[i] != null ? String.valueOf(p[i]) : null;
    }

    private static boolean anyMatch(Object x, java.util.function.Predicate<String> f) {
        if (x instanceof Collection<?> c) { // str.startswith(("a", "b"))
            for (Object o : c) {
                if (f.test(String.valueOf(o))) {
                    return true;
                }
            }
            return false;
        }
        return f.test(String.valueOf(x));
    }

    /** Python's str.isspace characters. */
    static boolean isPySpace(int c) {
        return Character.isWhitespace(c) || Character.isSpaceChar(c) || c == 0x85;
    }

    /** Python's {@code str.strip(chars)}: whitespace when {@code chars} is null. */
    static String strip(String s, String chars) {
        return rstrip(lstrip(s, chars), chars);
    }

    static String lstrip(String s, String chars) {
        int i = 0;
        while (i < s.length() && (chars == null ? isPySpace(s.charAt(i)) : chars.indexOf(s.charAt(i)) >= 0)) {
            i++;
        }
        return s.substring(i);
    }

    static String rstrip(String s, String chars) {
        int i = s.length();
        while (i > 0 && (chars == null ? isPySpace(s.charAt(i - 1)) : chars.indexOf(s.charAt(i - 1)) >= 0)) {
            i--;
        }
        return s.substring(0, i);
    }

    static List<String> split(String s, String sep, int maxsplit) {
        List<String> out = new ArrayList<>();
        if (sep == null) { // runs of whitespace, no empty strings
            int i = 0;
            int n = s.length();
            while (i < n) {
                while (i < n && isPySpace(s.charAt(i))) {
                    i++;
                }
                if (i >= n) {
                    break;
                }
                if (maxsplit >= 0 && out.size() == maxsplit) {
                    out.add(rstrip(s.substring(i), null));
                    return out;
                }
                int j = i;
                while (j < n && !isPySpace(s.charAt(j))) {
                    j++;
                }
                out.add(s.substring(i, j));
                i = j;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new ChatTemplateException("empty separator in split()");
        }
        int from = 0;
        while (maxsplit < 0 || out.size() < maxsplit) {
            int k = s.indexOf(sep, from);
            if (k < 0) {
                break;
            }
            out.add(s.substring(from, k));
            from = k + sep.length();
        }
        out.add(s.substring(from));
        return out;
    }

    static List<String> rsplit(String s, String sep, int maxsplit) {
        if (sep == null) {
            return split(s, null, -1);
        }
        List<String> out = new ArrayList<>();
        int end = s.length();
        while (out.size() < maxsplit) {
            int k = s.lastIndexOf(sep, end - sep.length());
            if (k < 0) {
                break;
            }
            out.add(0, s.substring(k + sep.length(), end));
            end = k;
        }
        out.add(0, s.substring(0, end));
        return out;
    }

    static String title(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        boolean prevCased = false;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            sb.append(prevCased ? Character.toLowerCase(c) : Character.toTitleCase(c));
            prevCased = Character.isLetter(c);
        }
        return sb.toString();
    }

    static int count(String s, String sub) {
        if (sub.isEmpty()) {
            return s.length() + 1;
        }
        int n = 0;
        for (int k = s.indexOf(sub); k >= 0; k = s.indexOf(sub, k + sub.length())) {
            n++;
        }
        return n;
    }

    static String join(String sep, Object items) {
        StringBuilder sb = new StringBuilder();
        Iterator<?> it = items instanceof Iterable<?> i ? i.iterator() : List.of(items).iterator();
        boolean first = true;
        while (it.hasNext()) {
            if (!first) {
                sb.append(sep);
            }
            sb.append(it.next());
            first = false;
        }
        return sb.toString();
    }

    @Override
    public Object getValue(ELContext context, Object base, Object property) {
        // s[i]: the i-th character, from the end when negative; Jinjava has no indexing of strings
        // and gave null. Out of range stays null, Jinja2's Undefined. Jinjava hands the index over as text.
        if (base instanceof String s && property != null && INDEX.matcher(property.toString()).matches()) {
            context.setPropertyResolved(true);
            long i = Long.parseLong(property.toString());
            long k = i < 0 ? s.length() + i : i;
            return k >= 0 && k < s.length() ? String.valueOf(s.charAt((int) k)) : null;
        }
        return null;
    }

    @Override
    public Class<?> getType(ELContext context, Object base, Object property) {
        return null;
    }

    @Override
    public void setValue(ELContext context, Object base, Object property, Object value) {
        // not handled here
    }

    @Override
    public boolean isReadOnly(ELContext context, Object base, Object property) {
        return false;
    }

    @Override
    public Iterator<FeatureDescriptor> getFeatureDescriptors(ELContext context, Object base) {
        return null;
    }

    @Override
    public Class<?> getCommonPropertyType(ELContext context, Object base) {
        return null;
    }
}
