package dev.kindling.formats.text;

import java.text.Normalizer;
import java.util.Arrays;
import java.util.HashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntPredicate;

/**
 * A text's canonical decomposition (NFD or NFKD) with each run of combining marks put in canonical order by a merge
 * sort, where {@link Normalizer} inserts each mark of a run into place one by one (insertion sort): a run of k marks
 * of alternating combining classes ("a" and U+0301 U+0316 repeated) costs it k²/4 moves, 43 s for 262,144 chars
 * and hours for a few MB, one web-crawl row holding a Spark stage. The result is the JDK's, exactly: each code point
 * is decomposed on its own by {@link Normalizer}, and two marks are ordered by whether {@link Normalizer} swaps them
 * (the combining class itself is not public in the JDK); a text so decomposed is already in canonical order, so NFKC,
 * NFD and NFC of it take the JDK one pass ({@link #normalize}).
 *
 * <p>It lives in {@code model-formats}, the base module, because both {@code dedup} (its text normalisation) and
 * {@code tokenizer} (the NFC/NFD/NFKC normalizers of tokenizer.json, BERT's accent stripping, their offsets) normalise
 * text with the JDK and neither depends on the other.
 */
public final class CanonicalOrder {

    /** Marks in a row from which a piece is decomposed here first; shorter runs cost the JDK little. */
    public static final int LONG_RUN = 64;

    /** Marks of the long runs sorted here, in this JVM (the tests see a long run go through here, not the JDK's insertion). */
    private static final AtomicLong MARKS_SORTED = new AtomicLong();

    /** Code points taken as of combining class 0 whatever the JDK's tables say (ones a tokenizer's tables lack). */
    private final IntPredicate starter;
    /** What the JDK was asked, for the code points and pairs of one text (a few distinct ones in any real run). */
    private final HashMap<Integer, Boolean> nonStarter = new HashMap<>();
    private final HashMap<Long, Integer> order = new HashMap<>();
    private final HashMap<Integer, String> decomposition = new HashMap<>();
    /** The form {@link #decomposition} holds code points' decompositions in (NFD's and NFKD's differ: U+FB01). */
    private Normalizer.Form decompositionForm;
    /** Code point pairs the JDK was asked to order (the tests bound them). */
    private int pairsAsked;

    /** Ordering by the JDK's combining classes. */
    public CanonicalOrder() {
        this(c -> false);
    }

    /** Ordering by the JDK's combining classes, the code points {@code starter} accepts being of class 0 (unmoved, and nothing moves past them). */
    public CanonicalOrder(IntPredicate starter) {
        this.starter = starter;
    }

    /** Marks sorted here so far in this JVM. */
    public static long marksSorted() {
        return MARKS_SORTED.get();
    }

    /** Code point pairs this instance asked the JDK to order. */
    public int pairsAsked() {
        return pairsAsked;
    }

    /**
     * Whether {@code s} has {@link #LONG_RUN} code points in a row that are marks or modifier letters (what decomposes
     * to combining marks: U+FF9E is a modifier letter whose NFKD is U+3099).
     */
    public static boolean hasLongMarkRun(CharSequence s) {
        int run = 0;
        for (int i = 0; i < s.length(); ) {
            int cp = Character.codePointAt(s, i);
            i += Character.charCount(cp);
            int type = Character.getType(cp);
            boolean mark = type == Character.NON_SPACING_MARK || type == Character.COMBINING_SPACING_MARK
                    || type == Character.ENCLOSING_MARK || type == Character.MODIFIER_LETTER;
            run = mark ? run + 1 : 0;
            if (run >= LONG_RUN) {
                return true;
            }
        }
        return false;
    }

    /**
     * {@code Normalizer.normalize(s, form)}, exactly, where a text with a {@link #hasLongMarkRun long run of marks} is
     * decomposed and ordered here first, so the JDK composes (NFC, NFKC) an ordered text in one pass.
     */
    public static String normalize(CharSequence s, Normalizer.Form form) {
        if (!hasLongMarkRun(s)) {
            return Normalizer.normalize(s, form);
        }
        boolean compatibility = form == Normalizer.Form.NFKC || form == Normalizer.Form.NFKD;
        String d = decompose(s, compatibility ? Normalizer.Form.NFKD : Normalizer.Form.NFD);
        return form == Normalizer.Form.NFD || form == Normalizer.Form.NFKD ? d : Normalizer.normalize(d, form);
    }

    /** {@code Normalizer.normalize(s, form)} for {@code form} NFD or NFKD, each run of marks merge-sorted. */
    public static String decompose(CharSequence s, Normalizer.Form form) {
        return new CanonicalOrder().decomposed(s, form);
    }

    /** {@link #decompose} with this instance's answers. */
    public String decomposed(CharSequence s, Normalizer.Form form) {
        if (form != decompositionForm) {
            decomposition.clear();
            decompositionForm = form;
        }
        int[] cps = new int[s.length() + 16];
        int n = 0;
        StringBuilder one = new StringBuilder(2);
        for (int i = 0; i < s.length(); ) {
            int cp = Character.codePointAt(s, i);
            i += Character.charCount(cp);
            String d = cp < 128 ? null : decomposition.computeIfAbsent(cp, c -> {
                one.setLength(0);
                return Normalizer.normalize(one.appendCodePoint(c), form);
            });
            int count = d == null ? 1 : d.codePointCount(0, d.length());
            if (n + count > cps.length) {
                cps = Arrays.copyOf(cps, Math.max(cps.length * 2, n + count));
            }
            if (d == null) {
                cps[n++] = cp;
            } else {
                for (int j = 0; j < d.length(); ) {
                    int c = d.codePointAt(j);
                    j += Character.charCount(c);
                    cps[n++] = c;
                }
            }
        }
        sortRuns(cps, null, n);
        StringBuilder out = new StringBuilder(n + n / 4);
        for (int i = 0; i < n; i++) {
            out.appendCodePoint(cps[i]);
        }
        return out.toString();
    }

    /**
     * Canonical ordering of the decomposed code points {@code cps[0, n)}: each run of non-starters stably sorted by
     * combining class (a merge sort), {@code with} (null, or as long) permuted alongside.
     */
    public void sortRuns(int[] cps, int[] with, int n) {
        Integer[] run = new Integer[0];
        int[] moved = new int[0];
        for (int i = 0; i < n; ) {
            if (!isNonStarter(cps[i])) {
                i++;
                continue;
            }
            int end = i + 1;
            while (end < n && isNonStarter(cps[end])) {
                end++;
            }
            int length = end - i;
            if (length > 1) {
                if (run.length < length) {
                    run = new Integer[length];
                    moved = new int[length];
                }
                for (int k = 0; k < length; k++) {
                    run[k] = i + k;
                }
                Arrays.sort(run, 0, length, (x, y) -> compareClass(cps[x], cps[y]));   // a stable merge sort
                if (length >= LONG_RUN) {
                    MARKS_SORTED.addAndGet(length);   // a long run's only: every executor thread counts here
                }
                permute(cps, run, moved, i, length);
                if (with != null) {
                    permute(with, run, moved, i, length);
                }
            }
            i = end;
        }
    }

    private static void permute(int[] a, Integer[] from, int[] tmp, int at, int length) {
        for (int k = 0; k < length; k++) {
            tmp[k] = a[from[k]];
        }
        System.arraycopy(tmp, 0, a, at, length);
    }

    /** A decomposed code point of combining class above 0: one the JDK moves past U+0334 (class 1) or U+0301 (230) past. */
    public boolean isNonStarter(int cp) {
        int type = Character.getType(cp);
        if (cp < 0x300 || type != Character.NON_SPACING_MARK && type != Character.COMBINING_SPACING_MARK
                && type != Character.ENCLOSING_MARK) {
            // not a mark: a starter, without asking the JDK twice (a CJK text's offsets asked about each character); every
            // decomposed code point of a class above 0 is a mark (checked over all of Unicode on JDK 17 and 25: 868 and 930)
            return false;
        }
        return nonStarter.computeIfAbsent(cp, c -> !starter.test(c) && (swaps(c, 0x0334) || swaps(0x0301, c)));
    }

    /**
     * The order of two decomposed non-starters' combining classes: positive where the JDK's NFD puts {@code y} before
     * {@code x}, negative where it puts {@code x} before {@code y} in {@code y x}, 0 where it keeps both orders.
     */
    public int compareClass(int x, int y) {
        if (x == y) {
            return 0;
        }
        return order.computeIfAbsent(((long) x << 32) | y, k -> {
            pairsAsked++;
            return swaps(x, y) ? 1 : swaps(y, x) ? -1 : 0;
        });
    }

    private static boolean swaps(int x, int y) {
        String xy = new StringBuilder(4).appendCodePoint(x).appendCodePoint(y).toString();
        return !Normalizer.normalize(xy, Normalizer.Form.NFD).equals(xy);
    }
}
