package dev.kindling.dedup.sentence;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.hash.MurmurHash3;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.dedup.text.SentenceSplitter;
import dev.kindling.dedup.text.WordTokenizer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Sentence-level dedup as C4 defines it and datatrove implements it ({@code SentenceDedupSignature},
 * {@code SentenceFindDedups}, {@code SentenceDedupFilter}): "we discarded all but one of any
 * three-sentence span occurring more than once in the data set".
 *
 * <ol>
 *   <li>{@link #spanHashes}: split a document into sentences, normalise each ({@link NormalizeOptions#NEAR}),
 *       and hash every run of n consecutive sentences (joined by a space);</li>
 *   <li>dataset level (Spark, or {@link #run} in memory): order the occurrences of a hash by
 *       (document id, sentence index); the first is kept, every later one is a duplicate;</li>
 *   <li>{@link #removeSpans}: drop the sentences covered by duplicate spans; a document that lost
 *       sentences is kept only when at least {@code minDocWords} (50) words and
 *       {@code minNumSentences} (3) sentences remain (datatrove's {@code SentDedupConfig}; a bound of 0
 *       or less checks nothing), and never when nothing is left. Otherwise it is dropped with reason
 *       {@code sentence_dedup_too_short} (words, or no text) or {@code sentence_dedup_too_few_sentences}.</li>
 * </ol>
 * Documents with fewer than n sentences have no spans and are never changed.
 */
public final class SentenceDedup implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    /** Reason given to documents left with fewer than {@code minDocWords} words, or with no text. */
    public static final String TOO_SHORT = "sentence_dedup_too_short";
    /** Reason given to documents left with fewer than {@code minNumSentences} sentences. */
    public static final String TOO_FEW_SENTENCES = "sentence_dedup_too_few_sentences";

    private final int n;
    private final int minDocWords;
    private final int minNumSentences;

    /** C4's 3-sentence spans; datatrove's defaults of 50 words and 3 sentences left. */
    public SentenceDedup() {
        this(3, 50, 3);
    }

    public SentenceDedup(int nSentences, int minDocWords, int minNumSentences) {
        if (nSentences < 1) {
            throw new IllegalArgumentException("span length must be at least 1 sentence, got " + nSentences);
        }
        this.n = nSentences;
        this.minDocWords = minDocWords;
        this.minNumSentences = minNumSentences;
    }

    /** A span: its 64-bit hash and the index of its first sentence. */
    public record SpanHash(long hash, int sentence) {}

    /** The span hashes of one text (empty when it has fewer than n sentences). */
    public List<SpanHash> spanHashes(String text) {
        int[] spans = SentenceSplitter.spans(text);
        int count = spans.length / 2;
        List<SpanHash> out = new ArrayList<>();
        if (count < n) {
            return out;
        }
        String[] simple = new String[count];
        for (int i = 0; i < count; i++) {
            simple[i] = TextNormalizer.normalize(text.substring(spans[2 * i], spans[2 * i + 1]), NormalizeOptions.NEAR);
        }
        for (int i = 0; i + n <= count; i++) {
            StringBuilder sb = new StringBuilder();
            for (int k = 0; k < n; k++) {
                if (k > 0) {
                    sb.append(' ');
                }
                sb.append(simple[i + k]);
            }
            if (sb.toString().isBlank()) {
                continue;   // spans of pure punctuation would match everywhere
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            out.add(new SpanHash(MurmurHash3.hash128(b, 0, b.length, 0).h1(), i));
        }
        return out;
    }

    /** Sentence indices covered by duplicate spans starting at {@code starts} (datatrove's merge_docs). */
    public Set<Integer> coveredSentences(Iterable<Integer> starts) {
        Set<Integer> out = new TreeSet<>();
        for (int s : starts) {
            for (int k = 0; k < n; k++) {
                out.add(s + k);
            }
        }
        return out;
    }

    /** Outcome for one document: its new text, or a drop. */
    public record Outcome(boolean keep, String text, int removedSentences, String reason) {}

    /**
     * Removes the sentences in {@code duplicateSentences}. A kept sentence is preceded by the white space
     * before it, unless the sentences removed in front of it were behind a stronger break: then by the gap
     * with the most line breaks among those it replaces (the first of equals, else its own). So a span removed
     * at the start of a paragraph leaves the paragraph break ("A.\n\nB. C." without B is "A.\n\nC.", where
     * datatrove glues "A. C."), and a whole paragraph removed leaves one break, not two. The result is
     * left-stripped of white space as Python's {@code lstrip} (as datatrove).
     */
    public Outcome removeSpans(String text, Set<Integer> duplicateSentences) {
        if (duplicateSentences.isEmpty()) {
            return new Outcome(true, text, 0, null);
        }
        int[] spans = SentenceSplitter.spans(text);
        StringBuilder kept = new StringBuilder();
        int last = 0;
        int removed = 0;
        int gapStart = 0;   // the strongest gap since the last kept sentence
        int gapEnd = 0;
        int gapBreaks = -1;
        for (int i = 0; i < spans.length / 2; i++) {
            int start = spans[2 * i];
            int end = spans[2 * i + 1];
            int breaks = lineBreaks(text, last, start);
            if (breaks > gapBreaks) {
                gapStart = last;
                gapEnd = start;
                gapBreaks = breaks;
            }
            if (duplicateSentences.contains(i)) {
                removed++;
            } else {
                kept.append(text, breaks == gapBreaks ? last : gapStart, breaks == gapBreaks ? start : gapEnd)
                        .append(text, start, end);
                gapBreaks = -1;
            }
            last = end;
        }
        if (removed == 0) {
            return new Outcome(true, text, 0, null);
        }
        String out = lstrip(kept);
        // one split of what is left serves both checks, and its words are counted only up to the minimum
        int[] left = out.isEmpty() || (minDocWords <= 0 && minNumSentences <= 0) ? new int[0] : SentenceSplitter.spans(out);
        if (out.isEmpty() || (minDocWords > 0 && WordTokenizer.countUpTo(out, left, minDocWords) < minDocWords)) {
            return new Outcome(false, null, removed, TOO_SHORT);
        }
        if (minNumSentences > 0 && left.length / 2 < minNumSentences) {
            return new Outcome(false, null, removed, TOO_FEW_SENTENCES);
        }
        return new Outcome(true, out, removed, null);
    }

    /** Line breaks in {@code text[from, to)}; CR LF is one. */
    private static int lineBreaks(String text, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == '\n' || c == '\u2028' || c == '\u2029' || (c == '\r' && (i + 1 == to || text.charAt(i + 1) != '\n'))) {
                n++;
            }
        }
        return n;
    }

    /**
     * Python's {@code str.lstrip()}, which datatrove applies to the text left: its white space takes the no-break
     * spaces too ({@code String.stripLeading} left one in front of the first kept sentence).
     */
    private static String lstrip(CharSequence s) {
        int a = 0;
        while (a < s.length() && (Character.isWhitespace(s.charAt(a)) || Character.isSpaceChar(s.charAt(a)) || s.charAt(a) == 0x85)) {
            a++;
        }
        return s.subSequence(a, s.length()).toString();
    }

    /** In-memory dataset run (tests, small data): outcome per document id. */
    public Map<String, Outcome> run(List<Document> documents) {
        List<Document> docs = new ArrayList<>(documents);
        docs.sort(Comparator.comparing(Document::id));
        Map<Long, Boolean> seen = new HashMap<>();
        Map<String, List<Integer>> dupStarts = new HashMap<>();
        for (Document d : docs) {   // id order, then sentence order: the first occurrence is kept
            for (SpanHash h : spanHashes(d.text())) {
                if (seen.putIfAbsent(h.hash(), Boolean.TRUE) != null) {
                    dupStarts.computeIfAbsent(d.id(), k -> new ArrayList<>()).add(h.sentence());
                }
            }
        }
        Map<String, Outcome> out = new HashMap<>();
        for (Document d : docs) {
            List<Integer> starts = dupStarts.get(d.id());
            out.put(d.id(), starts == null ? new Outcome(true, d.text(), 0, null)
                    : removeSpans(d.text(), coveredSentences(starts)));
        }
        return out;
    }
}
