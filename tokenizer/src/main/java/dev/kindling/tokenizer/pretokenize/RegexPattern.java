package dev.kindling.tokenizer.pretokenize;

import dev.kindling.tokenizer.text.DeepStack;
import dev.kindling.tokenizer.text.Unicode;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A Split regex run by {@link java.util.regex} with Unicode character classes (so {@code \s} is
 * White_Space incl. U+0085 and {@code (?i)} folds Unicode case, as in Oniguruma). The general
 * fallback; the known GPT-2 / Llama 3 / Qwen / o200k patterns use hand-made scanners instead.
 */
public final class RegexPattern implements SplitPattern {
    private final String source;
    private final Pattern pattern;
    private final ThreadLocal<Matcher> matchers;

    /** An Oniguruma pattern, as HF runs a tokenizer.json's Split and Replace regexes. */
    public RegexPattern(String source) {
        this(source, compile(source));
    }

    private RegexPattern(String source, Pattern pattern) {
        this.source = source;
        this.pattern = pattern;
        this.matchers = ThreadLocal.withInitial(() -> pattern.matcher(""));
    }

    /**
     * A pattern of Rust's regex crate, as HF's own Whitespace pre-tokenizer runs {@code \w+|[^\w\s]+}: its {@code \w}
     * is UTS #18's, Java's (with the Unicode 16 additions) inside and outside brackets, Join_Control included.
     */
    public static RegexPattern rustRegex(String source) {
        return new RegexPattern(source, Pattern.compile(translate(source, false), Pattern.UNICODE_CHARACTER_CLASS));
    }

    /**
     * Compiles an Oniguruma pattern as {@link RegexPattern} does, e.g. a Replace normalizer's. Ruby syntax, as HF
     * runs it: {@code ^} and {@code $} match at every line ({@code \n}) and {@code .} takes everything but
     * {@code \n}, so the Java pattern is MULTILINE and UNIX_LINES, and Ruby's {@code (?m)} is Java's {@code (?s)}.
     *
     * @throws PatternSyntaxException naming the construct when the pattern uses one Java cannot run as Oniguruma
     *     does ({@code \K}, {@code \y}, subexpression calls, {@code X{n,m}+}, case-insensitive multi-character
     *     folding, ...) or an unknown property or POSIX bracket name
     */
    public static Pattern compile(String onig) {
        return Pattern.compile(translate(onig), Pattern.UNICODE_CHARACTER_CLASS | Pattern.MULTILINE | Pattern.UNIX_LINES);
    }

    /**
     * Oniguruma syntax that Java means differently. {@code \p{L}} and the other general categories, {@code \d} and
     * {@code \w} get the characters Unicode 16 adds to them over the JDK's tables ({@link Unicode#generalCategory}),
     * as a nested class that means the same inside and outside brackets. {@code \w} and {@code \W} are Oniguruma's
     * ({@link #wordClass}), which depend on whether they stand inside brackets, and so are {@code \b} and {@code \B}.
     * {@code \h} is a hex digit (Java: horizontal space), {@code \v} the vertical tab alone (Java: any vertical
     * space), {@code \N} and {@code \O} are "not a newline" and "any character"; property names and POSIX brackets
     * are Oniguruma's ({@link OnigProperties}); {@code {,n}} is {@code {0,n}} and a brace that starts no interval is a
     * literal. What has no Java equivalent is refused ({@link #compile}).
     */
    static String translate(String onig) {
        return translate(onig, true);
    }

    /** {@link #translate(String)}, with Rust regex's {@code \w} unless {@code oniguruma}. */
    private static String translate(String onig, boolean oniguruma) {
        if (oniguruma) {
            checkCaseFolding(onig);
        }
        StringBuilder out = new StringBuilder(onig.length());
        int brackets = 0; // how deep in [...] the escape stands (Oniguruma nests them)
        int opened = -2; // where the last '[' or "[^" ended: a ']' right there is a literal
        for (int i = 0; i < onig.length(); i++) {
            char ch = onig.charAt(i);
            if (ch != '\\' || i + 1 == onig.length()) {
                if (oniguruma && ch == '[' && brackets > 0 && onig.startsWith("[:", i)) {
                    int close = onig.indexOf(":]", i + 2);
                    if (close > 0) {
                        out.append(posixBracket(onig, i, close));
                        i = close + 1;
                        continue;
                    }
                }
                if (oniguruma && brackets == 0 && ch == '{') {
                    int close = interval(onig, i);
                    if (close < 0) {
                        out.append("\\{"); // no interval: Oniguruma reads a literal brace, Java fails
                        continue;
                    }
                    if (close + 1 < onig.length() && onig.charAt(close + 1) == '+') {
                        throw refuse(onig, i, onig.substring(i, close + 2), "in Oniguruma's Ruby syntax X" + onig.substring(i, close + 1)
                                + "+ means (?:X" + onig.substring(i, close + 1) + ")+, while Java reads a possessive interval; write it as the group");
                    }
                    out.append(onig.charAt(i + 1) == ',' ? "{0" + onig.substring(i + 1, close + 1) : onig.substring(i, close + 1));
                    i = close;
                    continue;
                }
                if (oniguruma && brackets == 0 && ch == '(' && onig.startsWith("(?#", i)) {
                    i = commentEnd(onig, i); // Oniguruma skips a comment whole: a(?#c)+ is a+, and Java has no comments
                    continue;
                }
                if (oniguruma && brackets == 0 && ch == '(' && onig.startsWith("(?", i)) {
                    int flagsEnd = flags(onig, i);
                    if (flagsEnd > 0) {
                        out.append(onig.substring(i, flagsEnd).replace('m', 's')); // Ruby's m is dot-all; i and x mean the same
                        i = flagsEnd - 1;
                        continue;
                    }
                }
                if (ch == '[') {
                    brackets++;
                    if (i + 1 < onig.length() && onig.charAt(i + 1) == '^') {
                        out.append(ch);
                        ch = '^';
                        i++;
                    }
                    opened = i + 1;
                } else if (ch == ']' && brackets > 0 && i != opened) {
                    brackets--;
                }
                out.append(ch);
                continue;
            }
            char e = onig.charAt(i + 1);
            int next = i + 2;
            if (oniguruma && (e == 'p' || e == 'P') && (next == onig.length() || onig.charAt(next) != '{')) {
                out.append(e); // Ruby syntax has no \pL: the letter itself (Java would read a category)
                i++;
                continue;
            }
            String category = null;
            if (e == 'p' || e == 'P') {
                if (next < onig.length() && onig.charAt(next) == '{') {
                    int close = onig.indexOf('}', next);
                    if (close > 0) {
                        category = onig.substring(next + 1, close);
                        next = close + 1;
                    }
                } else if (next < onig.length()) {
                    category = String.valueOf(onig.charAt(next));
                    next++;
                }
            }
            String cls = switch (e) {
                case 'p', 'P' -> category == null ? null
                        : oniguruma ? property(onig, i, category, e == 'P', brackets > 0) : categoryClass(category, e == 'P');
                case 'd', 'D' -> categoryClass("Nd", e == 'D');
                case 'b', 'B' -> oniguruma && brackets == 0 ? wordBoundary(e == 'B') : null;
                case 'w', 'W' -> oniguruma ? wordClass(e == 'W', brackets > 0)
                        : withAdditions(e == 'w' ? "\\w" : "\\W", e == 'W', RegexPattern::isWordCategory, new int[0], new int[0]);
                case 'h', 'H' -> oniguruma ? (e == 'h' ? "[0-9A-Fa-f]" : "[^0-9A-Fa-f]") : null;
                case 'v' -> oniguruma ? "\\x{b}" : null;
                case 'N' -> oniguruma && brackets == 0 ? "[^\\n]" : null;
                case 'O' -> oniguruma && brackets == 0 ? "[\\x{0}-\\x{10FFFF}]" : null;
                default -> null;
            };
            if (oniguruma && cls == null) {
                next = checkEscape(onig, i, e);
                if (e == '0') {
                    cls = octal(onig, i, next);
                }
            }
            if (cls == null && (e == 'x' || e == 'k') && next < onig.length() && onig.charAt(next) == (e == 'x' ? '{' : '<')) {
                int close = onig.indexOf(e == 'x' ? '}' : '>', next);
                next = close < 0 ? onig.length() : close + 1;
                out.append(onig, i, next); // \x{...} and \k<name> whole: their braces are no interval
                i = next - 1;
            } else if (cls == null) {
                out.append(ch).append(e); // an escape Java reads as Oniguruma does
                i++;
            } else {
                out.append(cls);
                i = next - 1;
            }
        }
        return out.toString();
    }

    /** A PatternSyntaxException for {@code construct} at {@code index} of {@code onig}, saying why. */
    private static PatternSyntaxException refuse(String onig, int index, String construct, String why) {
        return new PatternSyntaxException("Oniguruma's " + construct + " has no java.util.regex equivalent (" + why + ")", onig, index);
    }

    /**
     * Refuses the escapes Java lacks or reads otherwise; returns where the escape at {@code i} ends when it is an
     * octal {@code \0oo} (Oniguruma: up to two more digits; Java takes three), else {@code i + 2}.
     */
    private static int checkEscape(String onig, int i, char e) {
        String why = switch (e) {
            case 'K' -> "it drops what the match has so far from the match; use a lookbehind";
            case 'y', 'Y' -> "grapheme cluster boundaries";
            case 'g' -> "subexpression calls";
            case 'o' -> "octal code points; write \\x{...}";
            default -> null;
        };
        if (why != null) {
            return throwRefusal(onig, i, "\\" + e, why);
        }
        if (e == '0') {
            int end = i + 2;
            while (end < onig.length() && end < i + 4 && onig.charAt(end) >= '0' && onig.charAt(end) <= '7') {
                end++;
            }
            return end;
        }
        if (e >= '1' && e <= '9' && i + 2 < onig.length() && Character.isDigit(onig.charAt(i + 2))) {
            return throwRefusal(onig, i, onig.substring(i, i + 3), "Oniguruma reads a backreference or an octal escape by the group count");
        }
        return i + 2;
    }

    private static int throwRefusal(String onig, int i, String construct, String why) {
        throw refuse(onig, i, construct, why);
    }

    /** {@code \0oo} of {@code onig[i, end)} as {@code \x{..}}. */
    private static String octal(String onig, int i, int end) {
        return "\\x{" + Integer.toHexString(Integer.parseInt(onig.substring(i + 1, end), 8)) + "}";
    }

    /** Where the interval {@code {n}}, {@code {n,}}, {@code {n,m}} or {@code {,m}} at {@code i} ends (its '}'), or -1. */
    private static int interval(String onig, int i) {
        int j = i + 1;
        int digitsBefore = 0;
        while (j < onig.length() && Character.isDigit(onig.charAt(j))) {
            j++;
            digitsBefore++;
        }
        int digitsAfter = 0;
        if (j < onig.length() && onig.charAt(j) == ',') {
            j++;
            while (j < onig.length() && Character.isDigit(onig.charAt(j))) {
                j++;
                digitsAfter++;
            }
            if (digitsBefore == 0 && digitsAfter == 0) {
                return -1;
            }
        } else if (digitsBefore == 0) {
            return -1;
        }
        return j < onig.length() && onig.charAt(j) == '}' ? j : -1;
    }

    /**
     * Where the option group {@code (?imx-imx)} or {@code (?imx-imx:} at {@code i} ends, or -1 when the group at
     * {@code i} is another kind ({@code (?:}, lookarounds, named groups, atomic groups). Refuses options Ruby syntax
     * lacks or Java reads otherwise.
     */
    private static int flags(String onig, int i) {
        int j = i + 2;
        while (j < onig.length() && (Character.isLetter(onig.charAt(j)) || onig.charAt(j) == '-')) {
            j++;
        }
        if (j == i + 2 || j == onig.length() || (onig.charAt(j) != ')' && onig.charAt(j) != ':')) {
            return -1;
        }
        for (int k = i + 2; k < j; k++) {
            char f = onig.charAt(k);
            if (f != 'i' && f != 'm' && f != 'x' && f != '-') {
                throw refuse(onig, k, "option " + onig.substring(i, j + 1), "option " + f + " is not one of Ruby syntax's i, m, x"
                        + (f == 's' ? " (HF fails to load it too; Ruby's m is dot-all)" : ""));
            }
        }
        return j + 1;
    }

    /**
     * Where the comment {@code (?#...)} at {@code i} ends (its ')'). Oniguruma skips the character after a backslash
     * in it, so {@code (?#a\)b)} is one comment; an unclosed comment is an error, as there.
     */
    private static int commentEnd(String onig, int i) {
        for (int j = i + 3; j < onig.length(); j++) {
            char c = onig.charAt(j);
            if (c == '\\') {
                j++;
            } else if (c == ')') {
                return j;
            }
        }
        throw new PatternSyntaxException("end pattern in group: the comment (?# is not closed", onig, i);
    }

    /** A POSIX bracket {@code [:name:]} or {@code [:^name:]} of {@code onig[i, close + 2)} as a Java class. */
    private static String posixBracket(String onig, int i, int close) {
        String name = onig.substring(i + 2, close);
        boolean negated = name.startsWith("^");
        if (negated) {
            name = name.substring(1);
        }
        if (!java.util.Arrays.asList(OnigProperties.POSIX).contains(name)) {
            throw new PatternSyntaxException("unknown POSIX bracket [:" + onig.substring(i + 2, close) + ":] (Oniguruma knows "
                    + String.join(", ", OnigProperties.POSIX) + ")", onig, i);
        }
        String cls = OnigProperties.posix(name, RegexPattern::categoryClass, negatedWord -> wordClass(negatedWord, true));
        return negated ? "[^" + cls + "]" : cls;
    }

    /** Oniguruma's {@code \p{name}} ({@code \P} if negated) at {@code i} as a Java class; an unknown name is refused. */
    private static String property(String onig, int i, String name, boolean negated, boolean inBrackets) {
        String cls = OnigProperties.property(name, negated, RegexPattern::categoryClass, negatedWord -> wordClass(negatedWord, inBrackets));
        if (cls == null) {
            throw new PatternSyntaxException("Unicode property \\p{" + name + "} is not one Kindling translates to java.util.regex "
                    + "(it takes general categories, scripts such as Han or Latin, In_ blocks, Alphabetic, Uppercase, Lowercase, "
                    + "White_Space, Any and the POSIX names; Oniguruma knows others, e.g. Emoji, and rejects L&)", onig, i);
        }
        return cls;
    }

    /**
     * Oniguruma folds case in full under {@code (?i)}: a literal "ss" matches "ß" and "fi" matches "ﬁ", and the other
     * way round; Java folds one character to one. A character with a multi-character fold, or the folded text of
     * one, where case-insensitivity applies is refused, rather than split otherwise; elsewhere in the pattern
     * ({@code (?i:'s)|ss}) it is plain text.
     */
    private static void checkCaseFolding(String onig) {
        boolean[] insensitive = caseInsensitiveAt(onig);
        boolean any = false;
        for (boolean b : insensitive) {
            any |= b;
        }
        if (!any) {
            return;
        }
        // the pattern with its escapes and the text outside case-insensitivity blanked, index for index
        StringBuilder literal = new StringBuilder(onig.length());
        for (int i = 0; i < onig.length(); i++) {
            char c = onig.charAt(i);
            if (c != '\\' || i + 1 == onig.length()) {
                literal.append(insensitive[i] ? c : '\0');
                continue;
            }
            char e = onig.charAt(i + 1);
            int end = i + 2; // an escape is no literal text, nor are the braces of \x{..} \p{..} or the name of \k<..>
            if ((e == 'x' || e == 'p' || e == 'P' || e == 'o') && end < onig.length() && onig.charAt(end) == '{') {
                end = onig.indexOf('}', end) + 1;
            } else if ((e == 'k' || e == 'g') && end < onig.length() && onig.charAt(end) == '<') {
                end = onig.indexOf('>', end) + 1;
            } else if (e == 'x' || e == 'u') {
                int max = Math.min(onig.length(), end + (e == 'x' ? 2 : 4));
                while (end < max && Character.digit(onig.charAt(end), 16) >= 0) {
                    end++;
                }
            }
            end = end <= i ? onig.length() : end;
            literal.append("\0".repeat(end - i));
            i = end - 1;
        }
        String text = literal.toString();
        for (int i = 0; i < text.length(); ) {
            int c = text.codePointAt(i);
            String folded = fullFold(c);
            if (folded != null) {
                throw refuse(onig, i, "case-insensitive " + Character.toString(c), "it matches \"" + folded
                        + "\" too under full case folding; Java folds one character to one");
            }
            i += Character.charCount(c);
        }
        String lower = text.toLowerCase(java.util.Locale.ROOT);
        for (String f : MultiFolds.ALL) {
            int at = lower.indexOf(f);
            if (at >= 0) {
                throw refuse(onig, at, "case-insensitive \"" + text.substring(at, at + f.length()) + "\"",
                        "it also matches a single character that folds to it (e.g. ß for ss, ﬁ for fi); Java folds one character to one");
            }
        }
    }

    /**
     * For each index of {@code onig}, whether case-insensitivity applies to the character there. As in Oniguruma (and
     * Java), {@code (?i)} holds to the end of the group it stands in, alternatives after it included, {@code (?i:...)}
     * inside its group, and {@code (?-i)} turns it off; group syntax, brackets' nesting and comments are not text.
     */
    private static boolean[] caseInsensitiveAt(String onig) {
        boolean[] at = new boolean[onig.length()];
        java.util.ArrayDeque<Boolean> enclosing = new java.util.ArrayDeque<>();
        boolean on = false;
        int brackets = 0;
        int opened = -2;
        for (int i = 0; i < onig.length(); i++) {
            char ch = onig.charAt(i);
            if (ch == '\\' && i + 1 < onig.length()) {
                at[i] = on;
                at[i + 1] = on;
                i++;
            } else if (ch == '[') {
                brackets++;
                at[i] = on;
                if (i + 1 < onig.length() && onig.charAt(i + 1) == '^') {
                    at[++i] = on;
                }
                opened = i + 1;
            } else if (brackets > 0) {
                brackets -= ch == ']' && i != opened ? 1 : 0;
                at[i] = on;
            } else if (ch == '(' && onig.startsWith("(?#", i)) {
                i = commentEnd(onig, i);
            } else if (ch == '(') {
                int flagsEnd = onig.startsWith("(?", i) ? flags(onig, i) : -1;
                if (flagsEnd < 0) {
                    enclosing.push(on); // any other group: it inherits the setting, which its end restores
                    continue;
                }
                boolean inside = on;
                boolean negative = false;
                for (int k = i + 2; k < flagsEnd - 1; k++) {
                    char f = onig.charAt(k);
                    negative |= f == '-';
                    inside = f == 'i' ? !negative : inside;
                }
                if (onig.charAt(flagsEnd - 1) == ':') {
                    enclosing.push(on);
                }
                on = inside;
                i = flagsEnd - 1;
            } else if (ch == ')') {
                on = enclosing.isEmpty() ? on : enclosing.pop();
            } else {
                at[i] = on;
            }
        }
        return at;
    }

    /** The lowercase full fold of {@code c} when it is more than one character, else null. */
    private static String fullFold(int c) {
        String s = Character.toString(c);
        String up = s.toUpperCase(java.util.Locale.ROOT);
        String folded = up.codePointCount(0, up.length()) > 1 ? up.toLowerCase(java.util.Locale.ROOT) : null;
        String low = s.toLowerCase(java.util.Locale.ROOT);
        if (folded == null && low.codePointCount(0, low.length()) > 1) {
            folded = low;
        }
        return folded;
    }

    /**
     * The multi-character full folds of all characters ("ss", "fi", "st", ...), the texts a single character can match;
     * all such characters are in the Basic Multilingual Plane. Built on the first case-insensitive pattern.
     */
    private static final class MultiFolds {
        static final String[] ALL = multiFolds();

        private static String[] multiFolds() {
            java.util.Set<String> folds = new java.util.TreeSet<>();
            for (int c = 0; c <= 0xFFFF; c++) {
                if (!Character.isSurrogate((char) c)) {
                    String f = fullFold(c);
                    if (f != null) {
                        folds.add(f);
                    }
                }
            }
            return folds.toArray(String[]::new);
        }
    }

    private static final String CATEGORY_LETTERS = "LMNPSZC";

    /**
     * Code points in Oniguruma's {@code \w} outside brackets alone: ² ³ ¹ ¼ ½ ¾ (other numbers), which the Latin-1 part
     * of its Unicode encoding marks as word characters, while a bracket class ({@code [\w]}, {@code [^\W]}) reads
     * the Unicode Word table. Found by {@code tokenizer/bench/split_classes_ref.mjs} with HF tokenizers 0.23.2.
     */
    private static final int[] ONIG_WORD_OUTSIDE_BRACKETS = {0xB2, 0xB3, 0xB9, 0xBC, 0xBD, 0xBE};

    /**
     * Oniguruma's {@code \b} ({@code \B} if negated): a boundary between a character of its {@code \w} outside brackets
     * and one not in it (or the text's ends), as lookarounds, since Java's {@code \b} asks its own {@code \w}.
     */
    private static String wordBoundary(boolean negated) {
        String w = wordClass(false, false);
        return negated ? "(?:(?<=" + w + ")(?=" + w + ")|(?<!" + w + ")(?!" + w + "))"
                : "(?:(?<=" + w + ")(?!" + w + ")|(?<!" + w + ")(?=" + w + "))";
    }

    /** Java's {@code \w} takes Join_Control (U+200C ZWNJ, U+200D ZWJ), as UTS #18 says; Oniguruma's never does. */
    private static final int[] JAVA_ONLY_WORD = {0x200C, 0x200D};

    /**
     * Oniguruma's {@code \w} ({@code \W} if negated): Java's with the Unicode 16 additions, without Join_Control, and
     * outside brackets with {@link #ONIG_WORD_OUTSIDE_BRACKETS}.
     */
    private static String wordClass(boolean negated, boolean inBrackets) {
        int[] in = inBrackets ? new int[0] : ONIG_WORD_OUTSIDE_BRACKETS;
        return withAdditions(negated ? "\\W" : "\\w", negated, RegexPattern::isWordCategory, in, JAVA_ONLY_WORD);
    }

    /** {@code \p{X}} ({@code \P{X}} if negated) for a one- or two-letter general category X, else null. */
    private static String categoryClass(String name, boolean negated) {
        if (name.isEmpty() || name.length() > 2 || CATEGORY_LETTERS.indexOf(name.charAt(0)) < 0) {
            return null;
        }
        String escape = (negated ? "\\P{" : "\\p{") + name + "}";
        return withAdditions(escape, negated, type -> categoryName(type).startsWith(name), new int[0], new int[0]);
    }

    /**
     * {@code escape} with the characters whose Unicode 16 category puts them in the class (per {@code member}) and
     * the JDK's does not, or the other way round, and with the code points {@code in} and without those of {@code out}
     * (both for the class before negation); {@code escape} itself where no character differs.
     */
    private static String withAdditions(String escape, boolean negated, IntPredicate member, int[] in, int[] out) {
        StringBuilder added = new StringBuilder();
        StringBuilder removed = new StringBuilder();
        for (int c : in) {
            appendRange(negated ? removed : added, c);
        }
        for (int c : out) {
            appendRange(negated ? added : removed, c);
        }
        Unicode.forEachCategoryAddition((c, unicode16, jdkCategory) -> {
            boolean now = member.test(unicode16);
            boolean jdk = member.test(jdkCategory);
            if (now != jdk) {
                // a negated class gains what the category loses and loses what it gains
                appendRange(now != negated ? added : removed, c);
            }
        });
        if (added.length() == 0 && removed.length() == 0) {
            return escape;
        }
        return "[" + escape + added + (removed.length() == 0 ? "" : "&&[^" + removed + "]") + "]";
    }

    /** Appends {@code \x{c}}, or extends the range the builder ends with when it ends at c - 1. */
    private static void appendRange(StringBuilder sb, int c) {
        String prev = "\\x{" + Integer.toHexString(c - 1) + "}";
        if (sb.length() >= prev.length() && sb.lastIndexOf(prev) == sb.length() - prev.length()) {
            int dash = sb.length() - prev.length() - 1;
            if (dash >= 0 && sb.charAt(dash) == '-') {
                sb.setLength(dash);
            }
            sb.append('-');
        }
        sb.append("\\x{").append(Integer.toHexString(c)).append('}');
    }

    /** Java's {@code \w} with UNICODE_CHARACTER_CLASS (Alphabetic, marks, Nd, Pc), by general category. */
    private static boolean isWordCategory(int type) {
        return type == Character.DECIMAL_DIGIT_NUMBER || type == Character.CONNECTOR_PUNCTUATION
                || type == Character.LETTER_NUMBER || categoryName(type).charAt(0) == 'L' || categoryName(type).charAt(0) == 'M';
    }

    /** The two-letter name of a {@link Character#getType} constant. */
    private static String categoryName(int type) {
        return switch (type) {
            case Character.UPPERCASE_LETTER -> "Lu";
            case Character.LOWERCASE_LETTER -> "Ll";
            case Character.TITLECASE_LETTER -> "Lt";
            case Character.MODIFIER_LETTER -> "Lm";
            case Character.OTHER_LETTER -> "Lo";
            case Character.NON_SPACING_MARK -> "Mn";
            case Character.ENCLOSING_MARK -> "Me";
            case Character.COMBINING_SPACING_MARK -> "Mc";
            case Character.DECIMAL_DIGIT_NUMBER -> "Nd";
            case Character.LETTER_NUMBER -> "Nl";
            case Character.OTHER_NUMBER -> "No";
            case Character.SPACE_SEPARATOR -> "Zs";
            case Character.LINE_SEPARATOR -> "Zl";
            case Character.PARAGRAPH_SEPARATOR -> "Zp";
            case Character.CONTROL -> "Cc";
            case Character.FORMAT -> "Cf";
            case Character.PRIVATE_USE -> "Co";
            case Character.SURROGATE -> "Cs";
            case Character.DASH_PUNCTUATION -> "Pd";
            case Character.START_PUNCTUATION -> "Ps";
            case Character.END_PUNCTUATION -> "Pe";
            case Character.CONNECTOR_PUNCTUATION -> "Pc";
            case Character.OTHER_PUNCTUATION -> "Po";
            case Character.INITIAL_QUOTE_PUNCTUATION -> "Pi";
            case Character.FINAL_QUOTE_PUNCTUATION -> "Pf";
            case Character.MATH_SYMBOL -> "Sm";
            case Character.CURRENCY_SYMBOL -> "Sc";
            case Character.MODIFIER_SYMBOL -> "Sk";
            case Character.OTHER_SYMBOL -> "So";
            default -> "Cn";
        };
    }

    public Pattern pattern() {
        return pattern;
    }

    @Override
    public long find(CharSequence text, int from, int to) {
        return find(text, from, from, to);
    }

    /**
     * The first match in {@code text[from, to)} of the piece {@code text[start, to)}: as HF runs the regex over the
     * piece, {@code ^}, {@code \A}, {@code \b} and lookbehinds see the piece from {@code start} on, not from where
     * the search resumes ({@code ^} after a match that ends a line, {@code (?<=a)b} right after a match of "a").
     */
    @Override
    public long find(CharSequence text, int start, int from, int to) {
        try {
            return find(matchers.get(), text, start, from, to); // the hot path: no lambda, no boxing
        } catch (StackOverflowError e) {
            // again on a deeper stack; that thread's own matcher comes from the ThreadLocal
            return DeepStack.call(() -> find(matchers.get(), text, start, from, to), () -> "the pre-tokenizer's Split regex /" + source
                    + "/ recursed too deeply in java.util.regex on a span of " + (to - from) + " characters (from character " + from
                    + "); rewrite its repeated group as possessive or atomic, e.g. (?:a|b)++, or split the text first");
        }
    }

    private static long find(Matcher m, CharSequence text, int start, int from, int to) {
        if (from == start) {
            // the region is the piece: its bounds are the text's ends for anchors and lookarounds
            m.reset(text);
            m.useAnchoringBounds(true).useTransparentBounds(false);
            m.region(from, to);
            if (!m.find()) {
                return -1;
            }
            return ((long) m.start() << 32) | m.end();
        }
        // the piece alone is the text; the search starts inside it, where lookbehinds and anchors see back to its start
        m.reset(new Window(text, start, to));
        m.useAnchoringBounds(false).useTransparentBounds(true);
        m.region(from - start, to - start);
        if (!m.find()) {
            return -1;
        }
        return ((long) (m.start() + start) << 32) | (m.end() + start);
    }

    /** {@code text[offset, end)} without a copy. */
    private record Window(CharSequence text, int offset, int end) implements CharSequence {
        @Override
        public int length() {
            return end - offset;
        }

        @Override
        public char charAt(int index) {
            return text.charAt(offset + index);
        }

        @Override
        public CharSequence subSequence(int from, int to) {
            return text.subSequence(offset + from, offset + to);
        }

        @Override
        public String toString() {
            return text.subSequence(offset, end).toString();
        }
    }

    @Override
    public String source() {
        return source;
    }
}
