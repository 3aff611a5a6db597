package dev.kindling.dedup.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.testing.SharedData;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FiltersTest {
    private static final String[] VOCAB = ("river market harbor village library mountain station garden window morning "
            + "evening winter summer letter story people money water family friend answer question country "
            + "history nature power reason number memory spirit season animal forest island bridge street "
            + "kitchen doctor teacher student farmer sailor captain writer painter singer worker soldier "
            + "walked looked talked waited thought worked carried opened closed watched followed believed "
            + "quiet young early heavy bright simple careful strong gentle silent distant ancient").split(" ");

    /** Varied synthetic English: each line one sentence of 12 words with stop words, no repeated phrases. */
    static String prose(int sentences) {
        StringBuilder sb = new StringBuilder();
        long x = 12345;
        for (int i = 0; i < sentences; i++) {
            sb.append("The");
            for (int k = 0; k < 10; k++) {
                x = x * 6364136223846793005L + 1442695040888963407L;
                sb.append(' ').append(VOCAB[(int) ((x >>> 33) % VOCAB.length)]);
                if (k == 4) {
                    sb.append(" and");
                }
            }
            sb.append(".\n");
        }
        return sb.toString();
    }

    static String word(int i) {
        return "abcdefghijklmnopqrstuvwxyz".charAt(i % 26) + "x" + "abcdefghijklmnopqrstuvwxyz".charAt((i / 26) % 26);
    }

    @Test
    void goodProsePassesEveryFilter() {
        String text = prose(12);
        for (DocumentFilter f : Filters.parse("gopher,c4,fineweb")) {
            FilterResult r = f.apply(text);
            assertTrue(r.keep(), f.name() + " dropped good prose: " + r.reason());
        }
    }

    /** CRLF line endings are read as datatrove reads them (lines split at "\n"): fineweb sees no line ending in punctuation. */
    @Test
    void crlfLineEndingsAsDatatrove() {
        String crlf = prose(12).replace("\n", "\r\n");
        assertEquals("line_punct_ratio", new FineWebQualityFilter().apply(crlf).reason());
        assertTrue(new GopherQualityFilter().apply(crlf).keep() && new C4QualityFilter().apply(crlf).keep(), "splitlines() takes CRLF");
    }

    @Test
    void gopherQualityReasons() {
        GopherQualityFilter g = new GopherQualityFilter();
        // 49 vs 50 words (symbol-only tokens do not count)
        String words49 = "the and " + "house ".repeat(47) + ". , !";
        assertEquals("gopher_short_doc", g.apply(words49).reason());
        assertEquals("gopher_below_avg_threshold", g.apply("the and " + "ab ".repeat(60)).reason());
        assertEquals("gopher_above_avg_threshold", g.apply("the and " + "extraordinarily ".repeat(60)).reason());
        assertEquals("gopher_too_many_hashes", g.apply(prose(10) + "#tag ".repeat(30)).reason());
        assertEquals("gopher_too_many_ellipsis", g.apply(prose(10) + "... ".repeat(40)).reason());
        StringBuilder bullets = new StringBuilder();
        for (int i = 0; i < 20; i++) {
            bullets.append("• the item and something with value ").append(word(i)).append('\n');
        }
        assertEquals("gopher_too_many_bullets", g.apply(bullets.toString()).reason());
        assertEquals("gopher_below_alpha_threshold", g.apply(prose(10) + " 123".repeat(100)).reason());
        assertEquals("gopher_enough_stop_words", g.apply("Houses gardens ".repeat(40)).reason());
        assertEquals("gopher_short_doc", g.apply("").reason());
        assertEquals("gopher_short_doc", g.apply(" \n\t ").reason());
    }

    /**
     * datatrove's GopherQualityFilter.filter (src/datatrove/pipeline/filters/gopher_quality_filter.py, commit 5c254fa5)
     * tests every threshold for truth ({@code if self.max_doc_words and n_non_symbol_words_words > ...}), so a 0 turns
     * its rule off: each text below passes there. A 0 taken as a bound dropped them all (max_doc_words=0:
     * gopher_long_doc; a single "#", bullet or trailing ellipsis over 0).
     */
    @Test
    void gopherQualityZeroThresholdIsOffAsDatatrove() {
        GopherQualityFilter.Config d = GopherQualityFilter.Config.DEFAULT;
        String text = prose(20) + "#tag ".repeat(30) + "\n- the item.\nAnd then the end of it all...\n";
        assertTrue(new GopherQualityFilter().apply(text).keep(), "every rule passes at datatrove's defaults");
        Map<String, GopherQualityFilter.Config> zeroed = Map.of(
                "max_doc_words", new GopherQualityFilter.Config(d.minDocWords(), 0, d.minAvgWordLength(), d.maxAvgWordLength(),
                        d.maxSymbolWordRatio(), d.maxBulletLinesRatio(), d.maxEllipsisLinesRatio(), d.minAlphaWordsRatio(),
                        d.minStopWords(), d.stopWords()),
                "max_avg_word_length", new GopherQualityFilter.Config(d.minDocWords(), d.maxDocWords(), d.minAvgWordLength(),
                        0.0, d.maxSymbolWordRatio(), d.maxBulletLinesRatio(), d.maxEllipsisLinesRatio(),
                        d.minAlphaWordsRatio(), d.minStopWords(), d.stopWords()),
                "max_symbol_word_ratio", new GopherQualityFilter.Config(d.minDocWords(), d.maxDocWords(), d.minAvgWordLength(),
                        d.maxAvgWordLength(), 0.0, d.maxBulletLinesRatio(), d.maxEllipsisLinesRatio(),
                        d.minAlphaWordsRatio(), d.minStopWords(), d.stopWords()),
                "max_bullet_lines_ratio", new GopherQualityFilter.Config(d.minDocWords(), d.maxDocWords(), d.minAvgWordLength(),
                        d.maxAvgWordLength(), d.maxSymbolWordRatio(), 0.0, d.maxEllipsisLinesRatio(),
                        d.minAlphaWordsRatio(), d.minStopWords(), d.stopWords()),
                "max_ellipsis_lines_ratio", new GopherQualityFilter.Config(d.minDocWords(), d.maxDocWords(),
                        d.minAvgWordLength(), d.maxAvgWordLength(), d.maxSymbolWordRatio(), d.maxBulletLinesRatio(), 0.0,
                        d.minAlphaWordsRatio(), d.minStopWords(), d.stopWords()));
        zeroed.forEach((rule, config) -> {
            FilterResult r = new GopherQualityFilter(config).apply(text);
            assertTrue(r.keep(), rule + "=0 is off in datatrove, got " + r.reason());
        });
    }

    /**
     * A text with more words than max_doc_words is gopher_long_doc whatever follows them, so its words are counted only
     * until the bound is passed (up to the end of that sentence): a 50 MB document was tokenized whole (a minute and
     * more of a task) to be told it is long. A minimum above the maximum still counts them all, as it decides.
     */
    @Test
    void gopherQualityCountsALongDocsWordsOnlyPastTheBound() {
        String sentence = "The house and the garden were quiet in the evening light. ";
        String text = sentence.repeat(10_000); // 11 words a sentence, 110,000 in all
        GopherQualityFilter g = new GopherQualityFilter();
        assertEquals("gopher_long_doc", g.apply(text).reason());
        long counted = g.count(text).nonSymbol;
        assertTrue(counted > 100_000 && counted <= 100_011, "words counted: " + counted);
        GopherQualityFilter.Config d = GopherQualityFilter.Config.DEFAULT;
        GopherQualityFilter minAboveMax = new GopherQualityFilter(new GopherQualityFilter.Config(300_000, d.maxDocWords(),
                d.minAvgWordLength(), d.maxAvgWordLength(), d.maxSymbolWordRatio(), d.maxBulletLinesRatio(),
                d.maxEllipsisLinesRatio(), d.minAlphaWordsRatio(), d.minStopWords(), d.stopWords()));
        assertEquals("gopher_short_doc", minAboveMax.apply(text).reason());
        assertEquals(110_000, minAboveMax.count(text).nonSymbol);
    }

    @Test
    void gopherRepetitionReasons() {
        GopherRepetitionFilter g = new GopherRepetitionFilter();
        assertTrue(g.apply(prose(12)).keep());
        String para = "The same paragraph of text appears here again.";
        assertEquals("dup_para_frac", g.apply(para + "\n\n" + para + "\n\nanother one\n\n" + para).reason());
        assertEquals("dup_line_frac", g.apply(prose(6) + "repeat me\n".repeat(6)).reason());
        // hand-derived: words "a b a b a b" -> top 2-gram "a b" x3 = 9 chars of 11 -> 0.82 > 0.2
        assertEquals(9, GopherRepetitionFilter.topDuplicate(List.of("a", "b", "a", "b", "a", "b"), 2));
        // find_all_duplicate on 1..5 then 1..5 with n=5: first 5-gram seen at 0 and again at 5 -> 5 chars
        assertEquals(5, GopherRepetitionFilter.allDuplicate(List.of("1", "2", "3", "4", "5", "1", "2", "3", "4", "5"), 5));
        assertEquals("empty_text", g.apply("").reason());
    }

    @Test
    void c4ReasonsAndLineRemoval() {
        C4QualityFilter c4 = new C4QualityFilter();
        String text = prose(6) + "Enable javascript to see this page.\nMenu\nRead our privacy policy here.\n"
                + "It was cited here [1] and there [citation needed].";
        FilterResult r = c4.apply(text);
        assertTrue(r.keep());
        assertTrue(!r.text().contains("javascript") && !r.text().contains("Menu") && !r.text().contains("privacy"));
        assertTrue(r.text().endsWith("It was cited here  and there ."), r.text());
        assertEquals("lorem_ipsum", c4.apply(prose(6) + "Lorem ipsum dolor sit amet.").reason());
        assertEquals("curly_bracket", c4.apply(prose(6) + "function f() { return 1; }.").reason());
        assertEquals("too_few_sentences", c4.apply(prose(4)).reason());
        assertEquals("too_few_sentences", c4.apply("").reason());
    }

    /**
     * datatrove's citation regex is a Python {@code str} pattern, where {@code \d} is any Unicode decimal digit:
     * "[٣]" (Arabic-Indic three) and "[３]" (full-width) are citations too. Left in place they hide the line's full stop.
     */
    @Test
    void c4RemovesCitationsWithNonAsciiDigits() {
        C4QualityFilter c4 = new C4QualityFilter();
        for (String citation : new String[] {"[\u0663]", "[\uff13]", "[12\u0663]"}) {
            FilterResult r = c4.apply(prose(4) + "It was cited right here and there." + citation);
            assertTrue(r.keep(), citation + ": " + r.reason());
            assertTrue(r.text().endsWith("It was cited right here and there."), r.text());
        }
    }

    /**
     * c4 counts a line's words in place and looks for citations only where a line has a '[', as most lines of a page
     * are dropped: an empty line allocated about 400 bytes (a list of its words, a stream over them, a citation
     * matcher), 10 MB of newlines 4 GB. The lines are gone through in place, a line made a string only once its words and
     * end keep it: the list of every line came to about 15 bytes per character of newlines and 20 of {@code a.\n}. A word
     * of 1000 code points (1001 chars here) is still allowed, one more is not.
     */
    @Test
    void c4AllocatesLittleForTheLinesItDrops() {
        C4QualityFilter c4 = new C4QualityFilter();
        String word = "a".repeat(999) + "\uD835\uDC00";
        assertTrue(c4.apply(prose(5) + "A long word " + word + " is fine.").text().endsWith(" is fine."));
        assertTrue(c4.apply(prose(5) + "A long word a" + word + " is not.").text().endsWith(prose(5).strip()));
        for (String text : new String[] {"\n".repeat(100_000), "a.\n".repeat(33_000)}) {
            double perChar = allocatedPerChar(c4, text, "too_few_sentences");
            assertTrue(perChar < 1, text.substring(0, 3).replace("\n", "\\n") + "...: " + perChar + " bytes allocated per character");
        }
    }

    /** The bytes {@code f.apply(text)} allocates on this thread per character of {@code text}, its reason checked. */
    private static double allocatedPerChar(DocumentFilter f, String text, String reason) {
        com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        long a0 = mx.getThreadAllocatedBytes(tid);
        assertEquals(reason, f.apply(text).reason());
        return (mx.getThreadAllocatedBytes(tid) - a0) / (double) text.length();
    }

    /**
     * gopher_quality's bullet and end-ellipsis rules and fineweb's line ratios go through the lines in place, as c4 does:
     * a list of every line came to 16.6 bytes per character of a text's newlines in gopher_quality, and fineweb's
     * {@code split("\n")} with its list of the non-empty lines to 20.6 per character of newlines and 27.2 of {@code a.\n}.
     */
    @Test
    void gopherAndFineWebAllocateLittleForTheirLines() {
        Object[][] cases = {
            {new GopherQualityFilter(), prose(5) + "\n".repeat(100_000), null},
            {new FineWebQualityFilter(), "\n".repeat(100_000), "line_punct_ratio"},
            {new FineWebQualityFilter(), "a.\n".repeat(33_000), "short_line_ratio"},
        };
        for (Object[] c : cases) {
            DocumentFilter f = (DocumentFilter) c[0];
            String text = (String) c[1];
            double perChar = Double.MAX_VALUE;
            for (int i = 0; i < 3; i++) {   // the fewest of three: one early call in a fresh JVM allocated about 270 KB more, once
                perChar = Math.min(perChar, allocatedPerChar(f, text, (String) c[2]));
            }
            assertTrue(perChar < 1, f.name() + " " + text.substring(text.length() - 3).replace("\n", "\\n") + ": " + perChar
                    + " bytes allocated per character");
        }
    }

    /** fineweb's {@code char_dup_ratio} characters as they were counted: each non-empty line a String, in a HashSet. */
    private static long duplicateCharsOfStrings(String text) {
        List<String> nonEmpty = new java.util.ArrayList<>();
        for (String line : text.split("\n", -1)) {
            if (TextStats.lstripFrom(line, 0, line.length()) < line.length()) {
                nonEmpty.add(line);
            }
        }
        return TextStats.findDuplicates(nonEmpty)[1];
    }

    /**
     * fineweb finds its duplicate lines in place (a table of the lines' starts), where each non-empty line was made a
     * String in a list and a HashSet: the same characters as those Strings gave on the corpora (as they are, CRLF, every
     * line twice) and on random texts of a few lines, spaces, CRs, NULs and surrogates, so the same decisions; and a text
     * of 40-character lines allocates under 1 byte per character for them (0.33; the Strings 3.24).
     */
    @Test
    void fineWebCountsDuplicateLinesInPlaceAsItsStringsDid() {
        for (String file : new String[] {"corpus/moby-dick.jsonl", "corpus/sotu.jsonl.gz"}) {
            List<Document> docs = JsonlDocuments.read(SharedData.require(file), "id", "text");
            for (Document d : docs.subList(0, Math.min(docs.size(), 60))) {   // as corpusReasons: keeps the test short
                for (String text : new String[] {d.text(), d.text().replace("\n", "\r\n"), d.text() + "\n" + d.text()}) {
                    assertEquals(duplicateCharsOfStrings(text), FineWebQualityFilter.duplicateChars(text), d.id());
                }
            }
        }
        String[] pieces = {"a", "b", "ab", "\n", "\n", "\n", " ", "\t", "\r", "\u0000", "\uD835\uDC00", "\uD835", "\u00e9", "Aa", "BB"};
        java.util.SplittableRandom random = new java.util.SplittableRandom(7);
        for (int i = 0; i < 20_000; i++) {
            StringBuilder text = new StringBuilder();
            for (int n = random.nextInt(40); n > 0; n--) {
                text.append(pieces[random.nextInt(pieces.length)]);
            }
            String t = text.toString();
            assertEquals(duplicateCharsOfStrings(t), FineWebQualityFilter.duplicateChars(t), t.replace("\n", "\\n"));
        }
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            lines.append("Line ").append(String.format("%05d", i % 15_000)).append(" of the forty-character text.\n");
        }
        String text = lines.toString();
        long expected = duplicateCharsOfStrings(text);
        assertEquals(5_000L * 39, expected);
        double perChar = Double.MAX_VALUE;
        for (int i = 0; i < 3; i++) {   // the fewest of three, as above
            com.sun.management.ThreadMXBean mx = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
            long a0 = mx.getThreadAllocatedBytes(Thread.currentThread().getId());
            assertEquals(expected, FineWebQualityFilter.duplicateChars(text));
            perChar = Math.min(perChar, (mx.getThreadAllocatedBytes(Thread.currentThread().getId()) - a0) / (double) text.length());
        }
        assertTrue(perChar < 1, perChar + " bytes allocated per character");
    }

    @Test
    void fineWebReasons() {
        FineWebQualityFilter f = new FineWebQualityFilter();
        assertEquals("line_punct_ratio", f.apply("no punctuation here\nnor here at all\nstill none").reason());
        assertEquals("short_line_ratio", f.apply("Short one.\nTiny.\nSmall.\nA line long enough to pass the check, surely.").reason());
        assertEquals("char_dup_ratio", f.apply(prose(8) + prose(1)).reason());
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            list.append("Internationalization").append(word(i)).append(" considerations.\n");
        }
        assertEquals("list_ratio", f.apply(list.toString()).reason());
        assertEquals("line_punct_ratio", f.apply("").reason());
    }

    /**
     * list_ratio compares the line breaks with the words, so words past newLines / new_line_ratio cannot change it: they
     * are counted up to that many (a word over), where every word of a 10 MB document was tokenized and held in a list.
     */
    @Test
    void fineWebCountsOnlyTheWordsThatSettleTheListRatio() {
        FineWebQualityFilter f = new FineWebQualityFilter();
        StringBuilder text = new StringBuilder();
        for (int line = 0; line < 9; line++) {
            text.append(line == 0 ? "" : "\n").append("The house and the garden were quiet in the evening light. ".repeat(2_000))
                    .append("That was line ").append(word(line)).append('.');
        }
        assertTrue(f.apply(text.toString()).keep(), f.apply(text.toString()).reason());
        assertEquals(28, f.words(text.toString(), 8), "8 / 0.3 = 26.7 words settle it, and a word over");
        StringBuilder list = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            list.append("Internationalization").append(word(i)).append(" considerations.\n");
        }
        assertEquals("list_ratio", f.apply(list.toString()).reason());
        assertEquals(36, f.words(list.toString(), 12), "under the bound (42) every word is counted");
    }

    @Test
    void chainAndNames() {
        List<DocumentFilter> chain = Filters.parse("gopher, c4,fineweb");
        assertEquals(4, chain.size());
        FilterResult r = Filters.apply(chain, "short");
        assertEquals("gopher_short_doc", r.reason());
        assertNull(r.text());
        assertThrows(IllegalArgumentException.class, () -> Filters.parse("gopher,langid"));
    }

    /**
     * "gopher" is repetition, then quality, everywhere (README's pipeline config, the Spark stages, the SQL
     * function, datatrove's FineWeb pipeline): a document failing both reports the repetition reason.
     */
    @Test
    void gopherRunsRepetitionBeforeQuality() {
        String repeated = "The cat sat on the mat.\n".repeat(6);   // 42 words: short, and 5 of 6 lines repeat
        assertEquals("gopher_short_doc", new GopherQualityFilter().apply(repeated).reason());
        assertEquals("dup_line_frac", new GopherRepetitionFilter().apply(repeated).reason());
        List<DocumentFilter> gopher = Filters.parse("gopher");
        assertEquals(List.of("gopher_repetition", "gopher_quality"), gopher.stream().map(DocumentFilter::name).toList());
        assertEquals("dup_line_frac", Filters.apply(gopher, repeated).reason());
    }

    /** Real prose: the reasons the filters give on the corpora (printed; most must pass Gopher quality). */
    @Test
    void corpusReasons() {
        for (String file : new String[] {"corpus/moby-dick.jsonl", "corpus/sotu.jsonl.gz"}) {
            List<Document> docs = JsonlDocuments.read(SharedData.require(file), "id", "text");
            docs = docs.subList(0, Math.min(docs.size(), 60));   // keeps the default test run short
            for (DocumentFilter f : Filters.parse("gopher,c4,fineweb")) {
                Map<String, Integer> reasons = new TreeMap<>();
                for (Document d : docs) {
                    FilterResult r = f.apply(d.text());
                    reasons.merge(r.keep() ? "kept" : r.reason(), 1, Integer::sum);
                }
                System.out.println(file + " " + f.name() + " " + reasons);
                if (f.name().equals("gopher_quality")) {
                    // datatrove counts punctuation tokens in the alphabetic-word ratio, so some
                    // comma-and-dash-heavy Melville chapters fall below 0.8
                    assertTrue(reasons.getOrDefault("kept", 0) >= docs.size() * 0.85, reasons.toString());
                }
            }
        }
    }
}
