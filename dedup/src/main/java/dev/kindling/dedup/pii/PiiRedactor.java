package dev.kindling.dedup.pii;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds and replaces e-mail addresses, IPv4 and IPv6 addresses and phone numbers.
 *
 * <ul>
 *   <li>e-mail: {@code local@domain.tld}, the local part of letters, digits, dots and RFC 5322's symbols
 *       ({@code !#$%&'*+/=?^_`{|}~-}) from its first letter or digit, with a letters-only TLD of 2+ characters
 *       or an internationalised one in its ASCII form ({@code xn--p1ai})
 *       or an address literal ({@code [192.0.2.1]}, {@code [IPv6:2001:db8::1]});</li>
 *   <li>IPv4: four dotted numbers 0–255 that are not part of a longer dotted number (a version
 *       string like 1.2.3.4.5 is left alone);</li>
 *   <li>IPv6: candidates of hex groups and colons, validated by a parser (8 groups, or fewer with
 *       one "::", optionally ending in an IPv4 part) and needing 2+ groups, so "std::vector" and
 *       times like 10:30:00 are not addresses, nor a slice like {@code x[0::2]} written right after a name;</li>
 *   <li>phone: North American numbers with separators ({@code (555) 123-4567}, {@code 555.123.4567},
 *       {@code +1 555 123 4567}) and international numbers starting with {@code +} and a country
 *       code (1-9...), 8 to 15 digits in all. Bare digit runs (years, amounts) and signed decimals
 *       ({@code +40.712776}) are not phones.</li>
 * </ul>
 * Kinds are applied on the text left by the previous one, in that order except that IPv6 comes
 * before IPv4 (so an IPv6 address ending in an IPv4 part is one address). Replacements are
 * configurable per kind; counts per kind come back with the text.
 *
 * <pre>{@code
 * PiiRedactor.Result r = PiiRedactor.defaults().redact("mail me: a.b@example.org");
 * r.text();                       // "mail me: <EMAIL>"
 * r.counts().get(PiiKind.EMAIL);  // 1
 * }</pre>
 */
public final class PiiRedactor implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    // at most 126 labels before the top-level one (a domain name has at most 127): java.util.regex recurses once per
    // repetition of a group, and "x@" followed by 200,000 "b." overflowed the stack (a StackOverflowError in a Spark task
    // ends the whole context)
    // the local part takes every character RFC 5322 allows in one (atext and dots, as datatrove's PIIFormatter:
    // "bounce+a=b@" left "bounce+a=" before the tag) and any letter, mark or digit (RFC 6531: an ASCII-only class
    // left the "é" of "éric@"). A run of them is scanned once, possessively, from its first character; symbols
    // before its first letter or digit are matched but not replaced (group 1 is the address), so "`bob@x.org`" and
    // "'bob@x.org'" keep their quotes, as datatrove's leading word boundary does. No repeated group: an
    // inner-apostrophe group recursed once per "'" and "a'" x 200,000 overflowed the stack
    private static final String LOCAL_PART_CHAR = "\\p{L}\\p{M}\\p{N}!#$%&'*+/=?^_`{|}~.-";
    private static final String OCTET = "(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)";
    // the domain may be an address literal (RFC 5321 4.1.3), as datatrove's pattern allows: "jane@[192.0.2.1]" left
    // "jane@[" and "]" around the IPv4 tag, and an "[IPv6:...]" one was not redacted at all
    private static final Pattern EMAIL = Pattern.compile(
            "(?<![" + LOCAL_PART_CHAR + "])[!#$%&'*+/=?^`{|}~.-]*+([\\p{L}\\p{N}_][" + LOCAL_PART_CHAR + "]*+@(?:"
                    + "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,126}(?:xn--[A-Za-z0-9-]{1,59}|[A-Za-z]{2,24})(?![\\w-])"
                    + "|\\[" + OCTET + "(?:\\." + OCTET + "){3}]|\\[IPv6:[0-9A-Fa-f:.]{2,45}]))");
    private static final Pattern IPV4 = Pattern.compile(
            "(?<![\\d.])" + OCTET + "(?:\\." + OCTET + "){3}(?!\\.?\\d)");
    // the dotted IPv4 tail is tried before a hex group: "192" of "::192.0.2.1" is also a hex group, and the
    // lookahead accepts the "." after it, which cut the address there. Up to 8 "group:" steps: "1:2:3:4:5:6:7::"
    // and "::2:3:4:5:6:7:8" (a "::" for one zero group, RFC 4291 2.2) have 8 colons; isIpv6 rejects the rest
    private static final Pattern IPV6_CANDIDATE = Pattern.compile(
            "(?<![\\w:.])(?:[0-9A-Fa-f]{0,4}:){2,8}(?:(?:\\d{1,3}\\.){3}\\d{1,3}|[0-9A-Fa-f]{1,4})?(?![\\w:])");
    /**
     * IPv6 before IPv4: an IPv6 address may end in a dotted IPv4 part (RFC 4291 section 2.2), which
     * the IPv4 pass would replace first, leaving "::ffff:" or a second token for the IPv6 pass.
     */
    private static final PiiKind[] ORDER = {PiiKind.EMAIL, PiiKind.IPV6, PiiKind.IPV4, PiiKind.PHONE};
    // a North American area code starts with 2-9 ("ratio 100.200.3000" is not a number to call), and a number goes
    // on after a separator and a digit ("555.123.4567.89" left ".89"); no country code starts with 0 ("+0.12345678")
    private static final Pattern PHONE = Pattern.compile(
            "(?<![\\w+])(?:(?:\\+?1[ .-]?)?(?:\\([2-9]\\d{2}\\)[ .-]?|[2-9]\\d{2}[ .-])\\d{3}[ .-]\\d{4}"
                    + "|\\+[1-9]\\d{0,2}(?:[ .-]?\\(?\\d{1,4}\\)?){2,5})(?![\\w]|[.-]\\d)");

    /** Text after redaction and the number of matches per kind. */
    public record Result(String text, Map<PiiKind, Integer> counts) {
        public int total() {
            return counts.values().stream().mapToInt(Integer::intValue).sum();
        }
    }

    private final Map<PiiKind, String> replacements;

    /**
     * @param replacements kinds to redact and what replaces them; kinds absent are left alone
     */
    public PiiRedactor(Map<PiiKind, String> replacements) {
        this.replacements = new EnumMap<>(replacements);
    }

    /** Every kind, with the default replacements. */
    public static PiiRedactor defaults() {
        Map<PiiKind, String> m = new EnumMap<>(PiiKind.class);
        for (PiiKind k : PiiKind.values()) {
            m.put(k, k.defaultReplacement());
        }
        return new PiiRedactor(m);
    }

    public Result redact(String text) {
        Map<PiiKind, Integer> counts = new EnumMap<>(PiiKind.class);
        String t = text;
        for (PiiKind kind : ORDER) {
            String rep = replacements.get(kind);
            if (rep == null) {
                continue;
            }
            Pattern p = switch (kind) {
                case EMAIL -> EMAIL;
                case IPV4 -> IPV4;
                case IPV6 -> IPV6_CANDIDATE;
                case PHONE -> PHONE;
            };
            Matcher m = p.matcher(t);
            StringBuilder sb = null;
            int last = 0;
            int n = 0;
            while (m.find()) {
                String g = m.group();
                if (kind == PiiKind.IPV6 && (!isIpv6(g) || isSubscript(t, m.start(), m.end()))
                        || kind == PiiKind.PHONE && (!phoneDigitsOk(g) || isSignedDecimal(g))) {
                    continue;
                }
                if (sb == null) {
                    sb = new StringBuilder(t.length());
                }
                sb.append(t, last, m.start(kind == PiiKind.EMAIL ? 1 : 0)).append(rep);
                last = m.end();
                n++;
            }
            if (sb != null) {
                sb.append(t, last, t.length());
                t = sb.toString();
            }
            counts.put(kind, n);
        }
        return new Result(t, counts);
    }

    private static boolean phoneDigitsOk(String s) {
        int d = 0;
        for (int i = 0; i < s.length(); i++) {
            if (Character.isDigit(s.charAt(i))) {
                d++;
            }
        }
        return d >= 8 && d <= 15;
    }

    /**
     * Whether {@code t[start, end)} is written as an index or slice: right inside brackets that follow a name, a closing
     * bracket or parenthesis, as {@code x[0::2]} and {@code m[a::b]} (Python's every other item, which passes as the
     * two-group address "0::2"). An address in brackets follows a scheme or a space ({@code http://[2001:db8::1]:80/}).
     */
    static boolean isSubscript(String t, int start, int end) {
        if (start < 2 || end >= t.length() || t.charAt(start - 1) != '[' || t.charAt(end) != ']') {
            return false;
        }
        char before = t.charAt(start - 2);
        return Character.isLetterOrDigit(before) || before == '_' || before == ']' || before == ')';
    }

    /**
     * Whether an international candidate is a signed decimal: a plus, digits, one '.' and digits, nothing else, as
     * {@code +0.5%}, {@code +1234.5678} and a latitude {@code +40.712776}; a number is written in groups ({@code +44 20
     * 7946 0958}, {@code +44.20.7946.0958}).
     */
    static boolean isSignedDecimal(String s) {
        return s.charAt(0) == '+' && s.indexOf('.') > 0 && s.indexOf('.') == s.lastIndexOf('.') && s.chars().skip(1)
                .allMatch(c -> c == '.' || c >= '0' && c <= '9');
    }

    /** RFC 4291 text forms: 8 groups, or one "::" standing for one or more zero groups; at least 2 groups written. */
    static boolean isIpv6(String s) {
        String body = s;
        int v4Groups = 0;
        int lastColon = s.lastIndexOf(':');
        if (s.indexOf('.', lastColon) > 0) {
            String v4 = s.substring(lastColon + 1);
            if (!IPV4.matcher(v4).matches()) {
                return false;
            }
            body = s.substring(0, lastColon + 1) + "0";   // placeholder group, the IPv4 part counts as 2
            v4Groups = 1;
        }
        int dc = body.indexOf("::");
        if (dc >= 0 && body.indexOf("::", dc + 1) >= 0) {
            return false;
        }
        List<String> groups = new ArrayList<>();
        if (dc >= 0) {
            String left = body.substring(0, dc);
            String right = body.substring(dc + 2);
            if (!left.isEmpty() && !addGroups(left, groups) || !right.isEmpty() && !addGroups(right, groups)) {
                return false;
            }
            return groups.size() + v4Groups <= 7 && groups.size() >= 2;
        }
        return addGroups(body, groups) && groups.size() + v4Groups == 8;
    }

    private static boolean addGroups(String part, List<String> groups) {
        for (String g : part.split(":", -1)) {
            if (g.isEmpty() || g.length() > 4) {
                return false;
            }
            for (int i = 0; i < g.length(); i++) {
                if (Character.digit(g.charAt(i), 16) < 0) {
                    return false;
                }
            }
            groups.add(g);
        }
        return true;
    }
}
