package dev.kindling.tokenizer.pretokenize;

import dev.kindling.tokenizer.text.DeepStack;
import dev.kindling.tokenizer.text.Unicode;
import java.util.function.IntPredicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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

    /** Compiles an Oniguruma pattern as {@link RegexPattern} does, e.g. a Replace normalizer's. */
    public static Pattern compile(String onig) {
        return Pattern.compile(translate(onig), Pattern.UNICODE_CHARACTER_CLASS);
    }

    /**
     * Oniguruma syntax that Java means differently. {@code \p{L}} and the other general categories, {@code \d} and
     * {@code \w} get the characters Unicode 16 adds to them over the JDK's tables ({@link Unicode#generalCategory}),
     * as a nested class that means the same inside and outside brackets. {@code \w} and {@code \W} are Oniguruma's
     * ({@link #wordClass}), which depend on whether they stand inside brackets, and so are {@code \b} and {@code \B}. Oniguruma's {@code \h} (hex digit) and
     * {@code \R} are rare in tokenizer files and left alone.
     */
    static String translate(String onig) {
        return translate(onig, true);
    }

    /** {@link #translate(String)}, with Rust regex's {@code \w} unless {@code oniguruma}. */
    private static String translate(String onig, boolean oniguruma) {
        StringBuilder out = new StringBuilder(onig.length());
        int brackets = 0; // how deep in [...] the escape stands (Oniguruma nests them)
        int opened = -2; // where the last '[' or "[^" ended: a ']' right there is a literal
        for (int i = 0; i < onig.length(); i++) {
            char ch = onig.charAt(i);
            if (ch != '\\' || i + 1 == onig.length()) {
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
                case 'p', 'P' -> category == null ? null : categoryClass(category, e == 'P');
                case 'd', 'D' -> categoryClass("Nd", e == 'D');
                case 'b', 'B' -> oniguruma && brackets == 0 ? wordBoundary(e == 'B') : null;
                case 'w', 'W' -> oniguruma ? wordClass(e == 'W', brackets > 0)
                        : withAdditions(e == 'w' ? "\\w" : "\\W", e == 'W', RegexPattern::isWordCategory, new int[0], new int[0]);
                default -> null;
            };
            if (cls == null) {
                out.append(ch).append(e); // an escape Java reads as Oniguruma does (or an unknown category, which fails to compile)
                i++;
            } else {
                out.append(cls);
                i = next - 1;
            }
        }
        return out.toString();
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
        try {
            return find(matchers.get(), text, from, to); // the hot path: no lambda, no boxing
        } catch (StackOverflowError e) {
            // again on a deeper stack; that thread's own matcher comes from the ThreadLocal
            return DeepStack.call(() -> find(matchers.get(), text, from, to), () -> "the pre-tokenizer's Split regex /" + source
                    + "/ recursed too deeply in java.util.regex on a span of " + (to - from) + " characters (from character " + from
                    + "); rewrite its repeated group as possessive or atomic, e.g. (?:a|b)++, or split the text first");
        }
    }

    private static long find(Matcher m, CharSequence text, int from, int to) {
        m.reset(text);
        m.region(from, to);
        if (!m.find()) {
            return -1;
        }
        return ((long) m.start() << 32) | m.end();
    }

    @Override
    public String source() {
        return source;
    }
}
