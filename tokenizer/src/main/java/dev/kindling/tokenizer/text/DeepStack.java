package dev.kindling.tokenizer.text;

import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

/**
 * Work that may overflow the thread's stack, run again on a thread with a bigger one. java.util.regex recurses once per
 * repetition of a group ({@code (?:a|b)+} over 20,000 characters overflowed the default stack) where HF's Oniguruma
 * does not, and a StackOverflowError in a Spark task ends the whole SparkContext ("You hit a bug in Spark").
 */
public final class DeepStack {
    /**
     * The retry's stack. Memory grows with the depth reached, several times the stack's size (1 GB of stack reached
     * 5.4 GB of RSS): 64 MB, about 300,000 repetitions of a two-way regex group, costs ~200 MB at worst.
     */
    public static final long STACK_BYTES = 64L << 20;
    /**
     * One retry at a time per JVM, so that concurrent tasks cannot multiply that memory: held by the retry's thread until
     * it ends.
     */
    private static final Semaphore ONE_AT_A_TIME = new Semaphore(1);
    /** Calls that needed the retry (tests check that they exercise it). */
    public static final AtomicInteger RETRIES = new AtomicInteger();

    private DeepStack() {}

    /** The retry's slot, 1 when free (tests check who holds it). */
    static int freeSlots() {
        return ONE_AT_A_TIME.availablePermits();
    }

    /**
     * {@code work.get()} on a {@link #STACK_BYTES} stack, for work that just overflowed the caller's (callers keep their
     * first try free of lambdas and boxing); if that overflows too, an {@link IllegalArgumentException} with
     * {@code overflowMessage}. {@code work} must be safe to run again and on another thread.
     */
    public static <T> T call(Supplier<T> work, Supplier<String> overflowMessage) {
        ONE_AT_A_TIME.acquireUninterruptibly();
        return onDeepStack(work, overflowMessage);
    }

    /**
     * {@code text} with each of {@code pattern}'s matches ({@link #matches}) replaced by {@code content} (literal), retried
     * here when it overflows the stack; past that, the error names {@code what} (e.g. "the normalizer's Replace regex")
     * and the length of the {@code unit} it ran on.
     */
    public static String replaceAll(java.util.regex.Pattern pattern, String text, String content, String what, String unit) {
        int[] m = matches(pattern, text, what, unit);
        if (m.length == 0) {
            return text;
        }
        StringBuilder sb = new StringBuilder(text.length() + m.length / 2 * content.length());
        int copied = 0;
        for (int j = 0; j < m.length; j += 2) {
            sb.append(text, copied, m[j]).append(content);
            copied = m[j + 1];
        }
        return sb.append(text, copied, text.length()).toString();
    }

    /**
     * The ranges of {@code pattern}'s matches in {@code text}, as start and end pairs (UTF-16 indices), found as HF's
     * {@code tokenizers} finds a Replace's (its Oniguruma iterator): none in an empty text, and an empty match right
     * after the last match is skipped, the search going on a whole character further, where java.util.regex takes it
     * (" *" on "a  b" matched "  " and then nothing at the b) and steps one UTF-16 unit (a match between the halves of a
     * surrogate pair); retried and named as {@link #replaceAll} when they overflow the stack.
     */
    public static int[] matches(java.util.regex.Pattern pattern, String text, String what, String unit) {
        try {
            return findAll(pattern, text);
        } catch (StackOverflowError e) {
            return call(() -> findAll(pattern, text), overflow(pattern, text, what, unit));
        }
    }

    private static Supplier<String> overflow(java.util.regex.Pattern pattern, String text, String what, String unit) {
        return () -> what + " /" + pattern.pattern() + "/ recursed too deeply in java.util.regex on a " + unit + " of "
                + text.length() + " characters; rewrite its repeated group as possessive or atomic";
    }

    private static int[] findAll(java.util.regex.Pattern pattern, String text) {
        java.util.regex.Matcher m = pattern.matcher(text);
        int[] ranges = new int[8];
        int n = 0;
        int from = 0;
        int lastEnd = -1;
        while (!text.isEmpty() && from <= text.length() && m.find(from)) {
            int s = m.start();
            int e = m.end();
            if (s == e && e == lastEnd) {
                if (e == text.length()) {
                    break;
                }
                from = e + Character.charCount(text.codePointAt(e));
                continue;
            }
            if (n + 2 > ranges.length) {
                ranges = java.util.Arrays.copyOf(ranges, ranges.length * 2);
            }
            ranges[n++] = s;
            ranges[n++] = e;
            lastEnd = e;
            from = e;
        }
        return java.util.Arrays.copyOf(ranges, n);
    }

    /**
     * Runs {@code work} on a new deep-stack thread, which holds the slot the caller took and releases it when the work ends:
     * a caller interrupted meanwhile (a Spark task killed) stops waiting, its interrupt kept, while the work, which cannot
     * be stopped, goes on and keeps another retry from running beside it.
     */
    private static <T> T onDeepStack(Supplier<T> work, Supplier<String> overflowMessage) {
        RETRIES.incrementAndGet();
        Object[] result = new Object[1];
        Throwable[] failed = new Throwable[1];
        Thread t;
        try {
            t = new Thread(null, () -> {
                try {
                    result[0] = work.get();
                } catch (Throwable e) {
                    failed[0] = e;
                } finally {
                    ONE_AT_A_TIME.release();
                }
            }, "kindling-deep-stack", STACK_BYTES);
            t.start();
        } catch (Throwable e) {
            ONE_AT_A_TIME.release(); // no thread runs (one could not be made): the slot is still the caller's
            throw e;
        }
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for a deep-stack retry (it goes on, in its slot)", e);
        }
        if (failed[0] instanceof StackOverflowError) {
            throw new IllegalArgumentException(overflowMessage.get());
        } else if (failed[0] instanceof RuntimeException r) {
            throw r;
        } else if (failed[0] instanceof Error e) {
            throw e; // OutOfMemoryError and the like stay what they are
        } else if (failed[0] != null) {
            throw new IllegalStateException(failed[0]);
        }
        @SuppressWarnings("unchecked")
        T r = (T) result[0];
        return r;
    }
}
