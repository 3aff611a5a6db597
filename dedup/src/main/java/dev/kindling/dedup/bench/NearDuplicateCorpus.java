package dev.kindling.dedup.bench;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * The near-duplicate benchmark corpus: real text from {@code shared/data/corpus} ({@code sotu.jsonl.gz}
 * and {@code moby-dick.jsonl}) cut into base documents; each base gets one variant edited to a target
 * Jaccard similarity at or above 0.8 (a true duplicate: 1.0 by formatting only, 0.95, 0.9, 0.85) and
 * one below it (0.75, 0.7, 0.6, 0.5, 0.3). Edits replace isolated words with fresh ones: each destroys
 * n shingles of the base and creates n new ones, so k edits give J = (S - nk) / (S + nk). The truth
 * is never taken from this plan: the tests and benchmarks compare every pair exactly.
 *
 * <p>{@link #boilerplatePages} adds what makes MLlib's {@code approxSimilarityJoin} quadratic: short
 * pages that all carry the same boilerplate line, so with one-row hash tables one boilerplate shingle
 * is the minimum of a large share of the documents and their bucket holds thousands.
 *
 * <pre>{@code
 * List<String> pool = NearDuplicateCorpus.wordPool(Path.of("../shared/data/corpus"));
 * List<Document> docs = NearDuplicateCorpus.build(pool, 500, 300, 5);   // 1,500 documents
 * }</pre>
 */
public final class NearDuplicateCorpus {
    public static final double[] DUP_LEVELS = {1.0, 0.95, 0.9, 0.85};
    public static final double[] NON_DUP_LEVELS = {0.75, 0.7, 0.6, 0.5, 0.3};
    /** The line every boilerplate page carries (cookie-banner style). */
    public static final String BOILERPLATE = "We use cookies to improve your experience on our site. "
            + "By continuing to browse you agree to our terms of use and privacy policy. Share this page: "
            + "Facebook Twitter LinkedIn Email Print.";

    private NearDuplicateCorpus() {}

    /** The white-space separated words of the two corpus files in {@code corpusDir}, in file order. */
    public static List<String> wordPool(Path corpusDir) {
        List<String> pool = new ArrayList<>();
        for (String f : new String[] {"sotu.jsonl.gz", "moby-dick.jsonl"}) {
            for (Document d : JsonlDocuments.read(corpusDir.resolve(f), "id", "text")) {
                pool.addAll(List.of(d.text().split("\\s+")));
            }
        }
        return pool;
    }

    /**
     * {@code bases} base documents of {@code words} words spread over the pool, each followed by its
     * duplicate variant ({@code <id>-dup}) and its non-duplicate variant ({@code <id>-non}).
     */
    public static List<Document> build(List<String> pool, int bases, int words, long seed) {
        if ((long) bases * words > pool.size()) {
            throw new IllegalArgumentException(bases + " bases of " + words + " words need " + (long) bases * words
                    + " words; the pool has " + pool.size());
        }
        SplittableRandom r = new SplittableRandom(seed);
        List<Document> out = new ArrayList<>();
        int stride = (pool.size() - words) / bases;
        int fresh = 0;
        for (int b = 0; b < bases; b++) {
            List<String> base = new ArrayList<>(pool.subList(b * stride, b * stride + words));
            String id = String.format(Locale.ROOT, "b%04d", b);
            out.add(new Document(id, String.join(" ", base)));
            double dup = DUP_LEVELS[b % DUP_LEVELS.length];
            double non = NON_DUP_LEVELS[b % NON_DUP_LEVELS.length];
            String dupText = dup == 1.0 ? perturbFormatting(base, r) : String.join(" ", edit(base, dup, 5, r, fresh));
            fresh += words;
            out.add(new Document(id + "-dup", dupText));
            out.add(new Document(id + "-non", String.join(" ", edit(base, non, 5, r, fresh))));
            fresh += words;
        }
        return out;
    }

    /**
     * {@code count} short pages ({@code p00000}...): {@code words} words taken at random places of the
     * pool, then the {@link #BOILERPLATE} line.
     */
    public static List<Document> boilerplatePages(List<String> pool, int count, int words, long seed) {
        SplittableRandom r = new SplittableRandom(seed ^ 0x5DEECE66DL);
        List<Document> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            int at = r.nextInt(pool.size() - words);
            String body = String.join(" ", pool.subList(at, at + words));
            out.add(new Document(String.format(Locale.ROOT, "p%05d", i), body + "\n\n" + BOILERPLATE));
        }
        return out;
    }

    /** Same words, other case, spacing and punctuation: identical after NEAR normalisation. */
    static String perturbFormatting(List<String> words, SplittableRandom r) {
        StringBuilder sb = new StringBuilder();
        for (String w : words) {
            sb.append(r.nextInt(4) == 0 ? w.toUpperCase(Locale.ROOT) : w).append(r.nextInt(5) == 0 ? "  \n" : " ");
        }
        return sb.toString();
    }

    /** Replaces k isolated words (at least n apart) with fresh ones so that J = (S - nk)/(S + nk). */
    static List<String> edit(List<String> base, double target, int n, SplittableRandom r, int freshStart) {
        int shingles = base.size() - n + 1;
        int k = (int) Math.round(shingles * (1 - target) / (n * (1 + target)));
        List<Integer> slots = new ArrayList<>();
        for (int p = 0; p + n <= base.size(); p += n) {
            slots.add(p);
        }
        List<String> out = new ArrayList<>(base);
        for (int e = 0; e < k && !slots.isEmpty(); e++) {
            int p = slots.remove(r.nextInt(slots.size())) + r.nextInt(n);
            out.set(p, "zq" + Integer.toString(freshStart + e, 26).replaceAll("[0-9]", "x"));
        }
        return out;
    }

    /**
     * Duplicates whose every LSH bucket is large (at 14 x 8): 40 copies of a 150-word page that differ only in
     * punctuation (one text once normalised; ids {@code c00}..{@code c39}) among 400 longer pages that quote it whole
     * and add 45 words of their own (Jaccard 0.76 with it, below 0.8; ids {@code a000}..{@code a399}, first in id
     * order), shuffled. Made of random six-letter words (near normalisation makes numbers 0), so it needs no corpus.
     */
    public static List<Document> copiesAmongQuotingPages(long seed) {
        java.util.Random rnd = new java.util.Random(seed);
        String[] page = randomWords(rnd, 150).split(" ");
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 400; i++) {
            docs.add(new Document(String.format(Locale.ROOT, "a%03d", i), String.join(" ", page) + " " + randomWords(rnd, 45)));
        }
        for (int i = 0; i < 40; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < page.length; k++) {
                sb.append(k == 0 ? "" : " ").append(page[k]).append(k == 3 * i ? " --" : "");
            }
            docs.add(new Document(String.format(Locale.ROOT, "c%02d", i), sb.toString()));
        }
        java.util.Collections.shuffle(docs, rnd);
        return docs;
    }

    private static String randomWords(java.util.Random rnd, int n) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < n; i++) {
            for (int c = 0; c < 6; c++) {
                sb.append((char) ('a' + rnd.nextInt(26)));
            }
            sb.append(' ');
        }
        return sb.toString().strip();
    }
}
