package dev.kindling.dedup.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.text.WordTokenizer;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** {@link GopherRepetitionFilter} (n-grams on word ids) against its string-building oracle {@link GopherRepetitionScalar}. */
class GopherRepetitionFilterTest {
    private static final GopherRepetitionFilter.Config C = GopherRepetitionFilter.Config.DEFAULT;

    /**
     * Words that concatenate alike ("ab"+"c" = "a"+"bc"), an empty word, and lone surrogates that
     * join into one code point when concatenated: the cases where equal ids and equal strings part.
     */
    private static final String[] TRICKY = {"a", "b", "ab", "ba", "aba", "bab", "c", "bc", "", "\uD83D", "\uDE00",
        "x\uD83D", "\uDE00y", "\uD83D\uDE00", "é", "the"};

    private static void assertSameCounts(List<String> words, String what) {
        for (int n = 1; n <= 10; n++) {
            if (n <= 5 && words.size() >= n) {
                assertEquals(GopherRepetitionScalar.topDuplicate(words, n), GopherRepetitionFilter.topDuplicate(words, n),
                        what + ": top " + n + "-gram of " + words);
            }
            assertEquals(GopherRepetitionScalar.allDuplicate(words, n), GopherRepetitionFilter.allDuplicate(words, n),
                    what + ": duplicated " + n + "-grams of " + words);
        }
    }

    @Test
    void nGramCountsMatchTheStringVersionOnRandomWordLists() {
        Random r = new Random(20261202);
        for (int doc = 0; doc < 3000; doc++) {
            int vocab = 1 + r.nextInt(doc % 3 == 0 ? TRICKY.length : 4);
            int len = r.nextInt(60);
            List<String> words = new ArrayList<>();
            for (int i = 0; i < len; i++) {
                words.add(TRICKY[r.nextInt(vocab)]);
            }
            assertSameCounts(words, "random list " + doc);
        }
    }

    /** Hand-derived: "ab c ab c" concatenates its 2-grams "abc", "cab", "abc": the third repeats the first. */
    @Test
    void aZeroLineOrParagraphThresholdIsOffAsInDatatrove() {
        // datatrove: `if self.dup_para_frac and ...`, so 0.0 keeps "a\n\nb\n\na" where a > 0 test would drop it
        GopherRepetitionFilter.Config zero = new GopherRepetitionFilter.Config(0.0, 0.0, 0.0, 0.0, new double[0][], new double[0][]);
        assertEquals(true, new GopherRepetitionFilter(zero).apply("a\n\nb\n\na").keep());
        GopherRepetitionFilter.Config small = new GopherRepetitionFilter.Config(null, 0.01, null, null, new double[0][], new double[0][]);
        assertEquals("dup_para_frac", new GopherRepetitionFilter(small).apply("a\n\nb\n\na").reason());
    }

    @Test
    void concatenatedNGramsCompareAsStrings() {
        assertEquals(3, GopherRepetitionFilter.allDuplicate(List.of("ab", "c", "a", "bc"), 2));
        assertEquals(3, GopherRepetitionScalar.allDuplicate(List.of("ab", "c", "a", "bc"), 2));
        // but space-joined they differ: "ab c" and "a bc" are two 2-grams, the top one counted once
        assertEquals(4, GopherRepetitionFilter.topDuplicate(List.of("ab", "c", "a", "bc"), 2));
    }

    @Test
    void decisionsMatchTheStringVersionOnRandomTexts() {
        GopherRepetitionFilter fast = new GopherRepetitionFilter(C);
        GopherRepetitionScalar slow = new GopherRepetitionScalar(C);
        String[] seps = {" ", " ", " ", " ", ". ", ", ", "\n", "\n\n", "'s ", " -- "};
        Random r = new Random(7);
        for (int doc = 0; doc < 800; doc++) {
            int vocab = 2 + r.nextInt(40);
            StringBuilder sb = new StringBuilder();
            int len = r.nextInt(400);
            for (int i = 0; i < len; i++) {
                int w = r.nextInt(vocab);
                sb.append(w < TRICKY.length && doc % 4 == 0 ? TRICKY[w] : FiltersTest.word(w));
                sb.append(seps[r.nextInt(seps.length)]);
            }
            String text = sb.toString();
            assertEquals(slow.apply(text), fast.apply(text), "random text " + doc + ": " + text);
            assertSameCounts(WordTokenizer.wordTokenize(text), "random text " + doc);
        }
    }

    /**
     * Every Moby-Dick chapter and every 8th State of the Union address (a fixed subset: the string
     * oracle takes about half a minute over the whole corpus); the same decision, and the same
     * numerator for every n-gram rule. The whole corpus: {@link #decisionsMatchTheStringVersionOnTheWholeCorpus}.
     */
    @Test
    void decisionsMatchTheStringVersionOnTheCorpus() {
        compareOnCorpus(8);
    }

    /** Every document of the corpus; run with {@code mvn test -Dkindling.excludedGroups=none -Dgroups=slow}. */
    @Test
    @Tag("slow")
    void decisionsMatchTheStringVersionOnTheWholeCorpus() {
        compareOnCorpus(1);
    }

    /** Compares every Moby-Dick document, and State of the Union documents 0, sotuStride, 2 sotuStride, ... */
    private static void compareOnCorpus(int sotuStride) {
        GopherRepetitionFilter fast = new GopherRepetitionFilter(C);
        GopherRepetitionScalar slow = new GopherRepetitionScalar(C);
        int compared = 0;
        for (String file : new String[] {"corpus/moby-dick.jsonl", "corpus/sotu.jsonl.gz"}) {
            int stride = file.startsWith("corpus/sotu") ? sotuStride : 1;
            int index = 0;
            for (Document d : JsonlDocuments.read(SharedData.require(file), "id", "text")) {
                if (index++ % stride != 0) {
                    continue;
                }
                compared++;
                String what = file + " id " + d.id();
                assertEquals(slow.apply(d.text()), fast.apply(d.text()), what);
                List<String> words = WordTokenizer.wordTokenize(d.text());
                for (int n = 2; n <= 10; n++) {
                    if (n <= 4) {
                        assertEquals(GopherRepetitionScalar.topDuplicate(words, n), GopherRepetitionFilter.topDuplicate(words, n),
                                what + ": top " + n + "-gram");
                    }
                    assertEquals(GopherRepetitionScalar.allDuplicate(words, n), GopherRepetitionFilter.allDuplicate(words, n),
                            what + ": duplicated " + n + "-grams");
                }
            }
        }
        assertTrue(compared >= 139 + 233 / sotuStride, "documents compared: " + compared);
    }
}
