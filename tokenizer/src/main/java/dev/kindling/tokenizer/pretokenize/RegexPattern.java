package dev.kindling.tokenizer.pretokenize;

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
            return find(matchers.get(), text, from, to);
        } catch (StackOverflowError e) {
            return findWithDeepStack(text, from, to);
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

    /**
     * Stack for {@link #findWithDeepStack}. Memory grows with the depth reached, several times the stack's size (1 GB of
     * stack reached 5.4 GB of RSS): 64 MB, about 300,000 repetitions of a two-way group, costs ~200 MB at worst.
     */
    static final long DEEP_STACK_BYTES = 64L << 20;
    /** One deep match at a time per JVM, so that concurrent tasks cannot multiply that memory. */
    private static final java.util.concurrent.Semaphore DEEP = new java.util.concurrent.Semaphore(1);
    /** Matches that needed the deep stack (tests check that they exercise it). */
    static final java.util.concurrent.atomic.AtomicInteger DEEP_MATCHES = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * java.util.regex recurses once per repetition of a group ({@code (?:a|b)+} over 20,000 characters overflowed the
     * default stack) where HF's Oniguruma does not; a StackOverflowError in a Spark task kills the whole context. The
     * rare match that overflows runs again on a thread with a {@link #DEEP_STACK_BYTES} stack; past that, an error
     * naming the regex and the span.
     */
    private long findWithDeepStack(CharSequence text, int from, int to) {
        DEEP.acquireUninterruptibly();
        try {
            return findOnDeepStack(text, from, to);
        } finally {
            DEEP.release();
        }
    }

    private long findOnDeepStack(CharSequence text, int from, int to) {
        DEEP_MATCHES.incrementAndGet();
        long[] found = new long[1];
        Throwable[] failed = new Throwable[1];
        Thread t = new Thread(null, () -> {
            try {
                found[0] = find(pattern.matcher(""), text, from, to);
            } catch (Throwable e) {
                failed[0] = e;
            }
        }, "kindling-regex-deep-stack", DEEP_STACK_BYTES);
        t.start();
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while matching the pre-tokenizer regex", e);
        }
        if (failed[0] instanceof StackOverflowError) {
            throw new IllegalArgumentException("the pre-tokenizer's Split regex /" + source + "/ recursed too deeply in java.util.regex on "
                    + "a span of " + (to - from) + " characters (from character " + from + "); rewrite its repeated group as possessive or "
                    + "atomic, e.g. (?:a|b)++, or split the text first");
        } else if (failed[0] instanceof RuntimeException r) {
            throw r;
        } else if (failed[0] instanceof Error e) {
            throw e; // OutOfMemoryError and the like stay what they are
        } else if (failed[0] != null) {
            throw new IllegalStateException(failed[0]);
        }
        return found[0];
    }

    @Override
    public String source() {
        return source;
    }
}
