package dev.kindling.tokenizer.pretokenize;

import dev.kindling.tokenizer.text.DeepStack;
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

    public RegexPattern(String source) {
        this.source = source;
        this.pattern = Pattern.compile(translate(source), Pattern.UNICODE_CHARACTER_CLASS);
        this.matchers = ThreadLocal.withInitial(() -> pattern.matcher(""));
    }

    /** Oniguruma syntax that Java spells differently. */
    static String translate(String onig) {
        // \p{L} etc. are the same; Oniguruma's \h (hex digit) and \R are rare in tokenizer files
        return onig;
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
