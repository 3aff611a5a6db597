package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.ELContext;

/**
 * Python {@code str} methods on Java strings, for chat templates written against Jinja2:
 * {@code startswith endswith strip lstrip rstrip split rsplit upper lower title capitalize replace
 * find rfind count join isspace isdigit isalpha isalnum}, and {@code s[i]}. Other calls fall through to
 * Jinjava's own resolvers.
 */
public final class PyStringMethods extends PyResolver {

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof String s) || method == null) {
            return null;
        }
        Object[] p = params == null ? new Object[0] : params;
        String m = method.toString();
        List<Object> positional = new ArrayList<>(p.length);
        Map<String, Object> keywords = new LinkedHashMap<>();
        for (Object x : p) {
            if (x instanceof NamedParameter n) {
                keywords.put(n.getName(), n.getValue());
            } else {
                positional.add(x);
            }
        }
        Object r;
        if (m.equals("format")) {
            r = PyStrFormat.format(s, positional, keywords);
        } else if (m.equals("format_map") && p.length == 1 && p[0] instanceof Map<?, ?> mapping) {
            r = PyStrFormat.format(s, List.of(), mapping);
        } else {
            r = call(s, m, keywords.isEmpty() ? p : withKeywords(m, positional, keywords));
        }
        if (r != NOT_HANDLED) {
            context.setPropertyResolved(true);
            return r;
        }
        return null;
    }

    private static final Object NOT_HANDLED = new Object();
    /** The str methods that take keyword arguments (in Python 3.11, as transformers runs), their parameters in order. */
    private static final Map<String, List<String>> KEYWORDS = Map.of("split", List.of("sep", "maxsplit"),
            "rsplit", List.of("sep", "maxsplit"), "splitlines", List.of("keepends"), "expandtabs", List.of("tabsize"));
    private static final Map<String, Object> DEFAULTS = Map.of("sep", PyNone.NONE, "maxsplit", -1L, "keepends", false,
            "tabsize", 8L);

    /** The arguments of a call with keyword arguments ({@code split(maxsplit=1)}) as positional ones, or TypeError as Python. */
    private static Object[] withKeywords(String m, List<Object> positional, Map<String, Object> keywords) {
        List<String> names = KEYWORDS.get(m);
        if (names == null) {
            throw new ChatTemplateException("TypeError: str." + m + "() takes no keyword arguments");
        }
        List<Object> out = new ArrayList<>(positional);
        for (String k : keywords.keySet()) {
            int at = names.indexOf(k);
            if (at < 0) {
                throw new ChatTemplateException("TypeError: '" + k + "' is an invalid keyword argument for " + m + "()");
            }
            if (at < positional.size()) {
                throw new ChatTemplateException("TypeError: argument for " + m + "() given by name ('" + k + "') and position ("
                        + (at + 1) + ")");
            }
        }
        for (int i = positional.size(); i < names.size(); i++) {
            out.add(keywords.getOrDefault(names.get(i), DEFAULTS.get(names.get(i))));
        }
        return out.toArray();
    }

    /** Python's int argument (a bool is one), or TypeError. */
    private static int intArg(Object x) {
        if (x instanceof Boolean || x instanceof Number n && !PyArithmetic.isFloat(n)) {
            return ((Number) PyEquality.number(x)).intValue();
        }
        throw new ChatTemplateException("TypeError: '" + PyAddition.typeName(x) + "' object cannot be interpreted as an integer");
    }
    private static final Pattern INDEX = Pattern.compile("-?\\d{1,9}");

    static Object call(String s, String m, Object[] p) {
        switch (m) {
            case "startswith":
                return p.length >= 1 && matches(slice(s, p, 1), p[0], true);
            case "endswith":
                return p.length >= 1 && matches(slice(s, p, 1), p[0], false);
            case "strip":
                return strip(s, arg(p, 0));
            case "lstrip":
                return lstrip(s, arg(p, 0));
            case "rstrip":
                return rstrip(s, arg(p, 0));
            case "split":
                return split(s, arg(p, 0), p.length > 1 ? intArg(p[1]) : -1);
            case "rsplit":
                return rsplit(s, arg(p, 0), p.length > 1 ? intArg(p[1]) : -1);
            case "splitlines":
                return splitlines(s, p.length > 0 && PyTruth.of(p[0]));
            case "partition":
            case "rpartition":
                return p.length == 1 ? partition(s, String.valueOf(p[0]), m.equals("rpartition")) : NOT_HANDLED;
            case "upper":
                return s.toUpperCase(Locale.ROOT);
            case "lower":
                return s.toLowerCase(Locale.ROOT);
            case "casefold":
                return casefold(s);
            case "swapcase":
                return swapcase(s);
            case "title":
                return title(s);
            case "capitalize":
                return s.isEmpty() ? s : s.substring(0, 1).toUpperCase(Locale.ROOT) + s.substring(1).toLowerCase(Locale.ROOT);
            case "center":
            case "ljust":
            case "rjust":
                return p.length >= 1 ? pad(s, m, ((Number) p[0]).intValue(), p.length > 1 ? String.valueOf(p[1]) : " ") : NOT_HANDLED;
            case "zfill":
                return p.length == 1 ? zfill(s, ((Number) p[0]).intValue()) : NOT_HANDLED;
            case "removeprefix":
                return p.length == 1 && s.startsWith(String.valueOf(p[0])) ? s.substring(String.valueOf(p[0]).length()) : s;
            case "removesuffix":
                String suffix = p.length == 1 ? String.valueOf(p[0]) : "";
                return !suffix.isEmpty() && s.endsWith(suffix) ? s.substring(0, s.length() - suffix.length()) : s;
            case "expandtabs":
                return expandtabs(s, p.length > 0 ? intArg(p[0]) : 8);
            case "replace":
                if (p.length >= 2) {
                    return replace(s, String.valueOf(p[0]), String.valueOf(p[1]), p.length > 2 ? intArg(p[2]) : -1);
                }
                return NOT_HANDLED;
            case "find":
            case "rfind":
            case "index":
            case "rindex":
                return p.length >= 1 ? find(s, m, String.valueOf(p[0]), p) : NOT_HANDLED;
            case "count":
                if (p.length >= 1) {
                    String within = slice(s, p, 1);
                    return within == null ? 0 : count(within, String.valueOf(p[0]));
                }
                return NOT_HANDLED;
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
            case "isupper":
                return isupper(s);
            case "islower":
                return islower(s);
            case "istitle":
                return istitle(s);
            default:
                return NOT_HANDLED;
        }
    }

    /** A Python argument, null for None (the default of strip, split ...). */
    private static String arg(Object[] p, int i) {
        return p.length > i && p[i] != null && !(p[i] instanceof PyNone) ? String.valueOf(p[i]) : null;
    }

    /**
     * {@code s[start:end]} with Python's optional {@code start, end} arguments of find, count, startswith ...
     * at {@code p[from]} and {@code p[from + 1]}: code points, negative from the end, None for no bound; null
     * when start is past the end, where nothing matches, not even "".
     */
    private static String slice(String s, Object[] p, int from) {
        if (p.length <= from) {
            return s;
        }
        int n = s.codePointCount(0, s.length());
        int start = bound(p[from], n, 0);
        int end = p.length > from + 1 ? bound(p[from + 1], n, n) : n;
        if (start > n) {
            return null;
        }
        end = Math.min(end, n);
        return start >= end ? "" : s.substring(s.offsetByCodePoints(0, start), s.offsetByCodePoints(0, end));
    }

    /** A start or end in code points: from the end when negative, at least 0, may be past the end {@code n}. */
    private static int bound(Object x, int n, int none) {
        if (x == null || x instanceof PyNone) {
            return none;
        }
        long i = ((Number) x).longValue();
        return (int) Math.max(0, Math.min(n + 1L, i < 0 ? n + i : i));
    }

    private static boolean matches(String within, Object prefixes, boolean start) {
        return within != null && anyMatch(prefixes, x -> start ? within.startsWith(x) : within.endsWith(x));
    }

    /** find/rfind/index/rindex: a position in code points, as Python counts them; -1 or ValueError when absent. */
    private static int find(String s, String m, String sub, Object[] p) {
        String within = slice(s, p, 1);
        int offset = p.length > 1 ? bound(p[1], s.codePointCount(0, s.length()), 0) : 0;
        int k = within == null ? -1 : m.startsWith("r") ? within.lastIndexOf(sub) : within.indexOf(sub);
        if (k < 0) {
            if (m.endsWith("index")) {
                throw new ChatTemplateException("ValueError: substring not found");
            }
            return -1;
        }
        return offset + within.codePointCount(0, k);
    }

    /** Python's str.partition and rpartition: a 3-tuple. */
    private static PyTuple partition(String s, String sep, boolean last) {
        if (sep.isEmpty()) {
            throw new ChatTemplateException("ValueError: empty separator");
        }
        int k = last ? s.lastIndexOf(sep) : s.indexOf(sep);
        if (k < 0) {
            return new PyTuple(last ? List.of("", "", s) : List.of(s, "", ""));
        }
        return new PyTuple(List.of(s.substring(0, k), sep, s.substring(k + sep.length())));
    }

    /** Python's str.splitlines: every line boundary Python knows, with {@code keepends} the boundaries kept. */
    static List<String> splitlines(String s, boolean keepends) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if ("\n\r\u000b\u000c\u001c\u001d\u001e\u0085\u2028\u2029".indexOf(c) < 0) {
                continue;
            }
            int end = c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n' ? i + 2 : i + 1;
            out.add(s.substring(start, keepends ? end : i));
            start = end;
            i = end - 1;
        }
        if (start < s.length()) {
            out.add(s.substring(start));
        }
        return out;
    }

    /** Letters of Unicode 14 (Python 3.11's) that Java 17's Unicode 13 does not case, with their folding. */
    private static final Map<Integer, Integer> UNICODE_14_FOLDS = Map.of(0x2C2F, 0x2C5F, 0xA7C0, 0xA7C1, 0xA7D0, 0xA7D1,
            0xA7D6, 0xA7D7, 0xA7D8, 0xA7D9);

    /**
     * Python's str.casefold, Unicode's full case folding (CaseFolding.txt, C and F): each code point upper-cased then
     * lower-cased, which is that folding for all of them (checked against Python 3.11 code point by code point) but
     * these: Cherokee folds to its capitals, dotless i stays, capital sharp s is "ss", and the letters Java 17 does not
     * know yet. Folding one code point at a time also keeps Java's final-sigma rule out ('ΣΑΣ' is 'σασ').
     */
    static String casefold(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> {
            Character.UnicodeBlock block = Character.UnicodeBlock.of(c);
            if (c == 0x131) {
                sb.appendCodePoint(c);
            } else if (c == 0x1E9E) {
                sb.append("ss");
            } else if (UNICODE_14_FOLDS.containsKey(c)) {
                sb.appendCodePoint(UNICODE_14_FOLDS.get(c));
            } else if (c >= 0x10570 && c <= 0x10595 && c != 0x1057B && c != 0x1058B && c != 0x10593) {
                sb.appendCodePoint(c + 0x27); // Vithkuqi capitals, also Unicode 14
            } else if (block == Character.UnicodeBlock.CHEROKEE || block == Character.UnicodeBlock.CHEROKEE_SUPPLEMENT) {
                sb.append(Character.toString(c).toUpperCase(Locale.ROOT));
            } else {
                sb.append(Character.toString(c).toUpperCase(Locale.ROOT).toLowerCase(Locale.ROOT));
            }
        });
        return sb.toString();
    }

    private static String swapcase(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        s.codePoints().forEach(c -> sb.append(Character.isUpperCase(c) ? Character.toString(c).toLowerCase(Locale.ROOT)
                : Character.isLowerCase(c) ? Character.toString(c).toUpperCase(Locale.ROOT) : Character.toString(c)));
        return sb.toString();
    }

    /** center, ljust, rjust: padded to {@code width} code points with {@code fill}, placed as CPython places it. */
    static String pad(String s, String m, int width, String fill) {
        if (fill.codePointCount(0, fill.length()) != 1) {
            throw new ChatTemplateException("TypeError: The fill character must be exactly one character long");
        }
        int marg = width - s.codePointCount(0, s.length());
        if (marg <= 0) {
            return s;
        }
        int left = switch (m) {
            case "ljust" -> 0;
            case "rjust" -> marg;
            default -> marg / 2 + (marg & width & 1);
        };
        return fill.repeat(left) + s + fill.repeat(marg - left);
    }

    private static String zfill(String s, int width) {
        int marg = width - s.codePointCount(0, s.length());
        if (marg <= 0) {
            return s;
        }
        boolean sign = !s.isEmpty() && (s.charAt(0) == '+' || s.charAt(0) == '-');
        return sign ? s.charAt(0) + "0".repeat(marg) + s.substring(1) : "0".repeat(marg) + s;
    }

    private static String expandtabs(String s, int tabsize) {
        StringBuilder sb = new StringBuilder(s.length());
        int column = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\t') {
                int spaces = tabsize > 0 ? tabsize - column % tabsize : 0;
                sb.append(" ".repeat(spaces));
                column += spaces;
            } else {
                sb.append(c);
                column = c == '\n' || c == '\r' ? 0 : Character.isLowSurrogate(c) ? column : column + 1;
            }
        }
        return sb.toString();
    }

    /** Python's str.replace: the first {@code count} occurrences (all when negative); "" matches between characters. */
    static String replace(String s, String old, String with, int count) {
        if (count < 0 && !old.isEmpty()) {
            return s.replace(old, with);
        }
        StringBuilder sb = new StringBuilder();
        int from = 0;
        for (int done = 0; count < 0 || done < count; done++) {
            int k = old.isEmpty() ? (from == 0 && done == 0 ? 0 : from < s.length() ? s.offsetByCodePoints(from, 1) : -1)
                    : s.indexOf(old, from);
            if (k < 0) {
                break;
            }
            sb.append(s, from, k).append(with);
            from = k + old.length();
        }
        return sb.append(s, from, s.length()).toString();
    }

    /** Python's str.isupper: some cased character, and none lower or title case. */
    static boolean isupper(String s) {
        return s.codePoints().anyMatch(PyStringMethods::isCased)
                && s.codePoints().noneMatch(c -> Character.isLowerCase(c) || Character.isTitleCase(c));
    }

    /** Python's str.islower: some cased character, and none upper or title case. */
    static boolean islower(String s) {
        return s.codePoints().anyMatch(PyStringMethods::isCased)
                && s.codePoints().noneMatch(c -> Character.isUpperCase(c) || Character.isTitleCase(c));
    }

    private static boolean isCased(int c) {
        return Character.isUpperCase(c) || Character.isLowerCase(c) || Character.isTitleCase(c);
    }

    /** Python's str.istitle: cased characters only after uncased ones when upper, after cased ones when lower. */
    private static boolean istitle(String s) {
        boolean cased = false;
        boolean previousCased = false;
        for (int c : s.codePoints().toArray()) {
            if (Character.isUpperCase(c) || Character.isTitleCase(c)) {
                if (previousCased) {
                    return false;
                }
                previousCased = true;
                cased = true;
            } else if (Character.isLowerCase(c)) {
                if (!previousCased) {
                    return false;
                }
                previousCased = true;
                cased = true;
            } else {
                previousCased = false;
            }
        }
        return cased;
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
                    out.add(s.substring(i));
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
        if (maxsplit < 0) {
            return split(s, sep, -1);
        }
        List<String> out = new ArrayList<>();
        if (sep == null) { // runs of whitespace from the right; the rest keeps its leading whitespace
            int end = s.length();
            while (end > 0) {
                while (end > 0 && isPySpace(s.charAt(end - 1))) {
                    end--;
                }
                if (end == 0) {
                    break;
                }
                if (out.size() == maxsplit) {
                    out.add(0, s.substring(0, end));
                    return out;
                }
                int k = end;
                while (k > 0 && !isPySpace(s.charAt(k - 1))) {
                    k--;
                }
                out.add(0, s.substring(k, end));
                end = k;
            }
            return out;
        }
        if (sep.isEmpty()) {
            throw new ChatTemplateException("empty separator in rsplit()");
        }
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
        Iterator<?> it = items instanceof String str ? str.codePoints().mapToObj(Character::toString).iterator()
                : items instanceof Iterable<?> i ? i.iterator() : List.of(items).iterator();
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
        // s[i]: the i-th character (code point, as Python counts them), from the end when negative; Jinjava has no
        // indexing of strings and gave null. Out of range stays null, Jinja2's Undefined. Jinjava hands the index over as text.
        if (base instanceof String s && property != null && INDEX.matcher(property.toString()).matches()) {
            context.setPropertyResolved(true);
            long i = Long.parseLong(property.toString());
            int n = s.codePointCount(0, s.length());
            long k = i < 0 ? n + i : i;
            return k >= 0 && k < n ? Character.toString(s.codePointAt(s.offsetByCodePoints(0, (int) k))) : null;
        }
        return null;
    }
}
