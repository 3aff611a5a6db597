package dev.kindling.dedup.sentence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.text.WordTokenizer;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SentenceDedupTest {
    static String body(String tag, int sentences) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < sentences; i++) {
            sb.append("This is sentence number ").append((char) ('a' + i % 26)).append(" of the ").append(tag)
                    .append(" story told with several ordinary words. ");
        }
        return sb.toString();
    }

    static final String BOILER = "Subscribe to our newsletter today. Follow us on every network. All rights are reserved here. ";

    @Test
    void repeatedSpanRemovedFromAllButFirstDocument() {
        SentenceDedup sd = new SentenceDedup();
        List<Document> docs = List.of(
                new Document("a", body("alpha", 8) + BOILER),
                new Document("b", BOILER + body("beta", 8)),
                new Document("c", "Too short. " + BOILER));
        Map<String, SentenceDedup.Outcome> out = sd.run(docs);
        assertEquals(docs.get(0).text(), out.get("a").text());     // first occurrence (smallest id) kept
        assertEquals(0, out.get("a").removedSentences());
        assertEquals(3, out.get("b").removedSentences());
        assertEquals(body("beta", 8).strip(), out.get("b").text().strip());
        assertFalse(out.get("b").text().contains("newsletter"));
        assertFalse(out.get("c").keep());                           // left with 2 words
        assertEquals(SentenceDedup.TOO_SHORT, out.get("c").reason());
    }

    @Test
    void piecesBehaveLikeDatatrove() {
        SentenceDedup sd = new SentenceDedup();
        assertEquals(Set.of(4, 5, 6, 7), sd.coveredSentences(List.of(4, 5)));
        assertTrue(sd.spanHashes("One. Two.").isEmpty());           // fewer than 3 sentences
        // normalisation: case and punctuation do not hide a repeated span
        assertEquals(sd.spanHashes("A b. C d. E f.").get(0).hash(), sd.spanHashes("A B!  C D... E, F.").get(0).hash());
        assertEquals(2, sd.spanHashes("One. Two. Three. Four.").size());
        assertTrue(sd.spanHashes("").isEmpty());
        assertTrue(sd.spanHashes("... !!! ???").isEmpty());
        // removing sentences keeps the white space before each kept sentence
        SentenceDedup keepAll = new SentenceDedup(3, 0, 0);
        assertEquals("One.\nFour.", keepAll.removeSpans("One.\nTwo. Three.\nFour.", Set.of(1, 2)).text());
        // the text left is stripped as Python's lstrip strips it: a no-break space is white space there
        assertEquals("Four.", keepAll.removeSpans("One. Two. Three.\n\u00a0\u2007Four.", Set.of(0, 1, 2)).text());
    }

    /**
     * Removed sentences leave the paragraphs around them apart: a span removed at the start of a paragraph used to
     * glue what was left of it to the paragraph before ("One. Two. Five. Six."), as datatrove does. No blank line is
     * doubled, and the text neither starts nor ends with white space.
     */
    @Test
    void removalKeepsParagraphBreaks() {
        SentenceDedup keepAll = new SentenceDedup(3, 0, 0);
        String text = "One. Two.\n\nThree. Four. Five.\n\nSix. Seven.";
        // at a paragraph's start
        assertEquals("One. Two.\n\nFive.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(2, 3)).text());
        // at its end, and in its middle
        assertEquals("One. Two.\n\nThree.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(3, 4)).text());
        assertEquals("One. Two.\n\nThree. Five.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(3)).text());
        // a whole paragraph: one break left, not two
        assertEquals("One. Two.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(2, 3, 4)).text());
        // across a break: the end of one paragraph and the start of the next
        assertEquals("One.\n\nFour. Five.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(1, 2)).text());
        // the first paragraph, the start of the first, the last, the end of the last
        assertEquals("Three. Four. Five.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(0, 1)).text());
        assertEquals("Two.\n\nThree. Four. Five.\n\nSix. Seven.", keepAll.removeSpans(text, Set.of(0)).text());
        assertEquals("One. Two.\n\nThree. Four. Five.", keepAll.removeSpans(text, Set.of(5, 6)).text());
        assertEquals("One. Two.\n\nThree. Four. Five.\n\nSix.", keepAll.removeSpans(text, Set.of(6)).text());
        // the break as it was written: CR LF, a blank line with spaces, the start of the line after a single break
        assertEquals("One. Two.\r\n\r\nFive.", keepAll.removeSpans("One. Two.\r\n\r\nThree. Four. Five.", Set.of(2, 3)).text());
        assertEquals("One.\n \nFour.", keepAll.removeSpans("One.\n \nTwo. Three. Four.", Set.of(1, 2)).text());
        assertEquals("One.\nFour.", keepAll.removeSpans("One.\nTwo. Three. Four.", Set.of(1, 2)).text());
    }

    /** A sentence of {@code words} words and a full stop: words + 1 tokens. */
    static String sentence(String tag, int words) {
        StringBuilder sb = new StringBuilder(tag);
        for (int i = 1; i < words; i++) {
            sb.append(" word").append((char) ('a' + i % 26));
        }
        return sb.append(". ").toString();
    }

    /**
     * datatrove's SentenceDedupFilter (SentDedupConfig: min_doc_words 50, min_num_sentences 3) keeps a changed
     * document with at least 50 words and at least 3 sentences left; it used to keep only more than 50 words and
     * count no sentences.
     */
    @Test
    void keepsWhatDatatroveKeeps() {
        SentenceDedup sd = new SentenceDedup();
        String fifty = sentence("One", 9) + sentence("Two", 9) + sentence("Three", 9) + sentence("Four", 9) + sentence("Five", 9);
        assertEquals(50, WordTokenizer.wordTokenize(fifty.strip()).size());
        SentenceDedup.Outcome exactly = sd.removeSpans(fifty + BOILER, Set.of(5, 6, 7));
        assertTrue(exactly.keep(), "50 words and 5 sentences left");
        assertEquals(fifty.strip(), exactly.text());

        String twoLong = sentence("First", 40) + sentence("Second", 40);
        SentenceDedup.Outcome two = sd.removeSpans(twoLong + BOILER, Set.of(2, 3, 4));
        assertFalse(two.keep(), "82 words but 2 sentences left");
        assertEquals(SentenceDedup.TOO_FEW_SENTENCES, two.reason());
        assertEquals(3, two.removedSentences());
        assertTrue(new SentenceDedup(3, 50, 2).removeSpans(twoLong + BOILER, Set.of(2, 3, 4)).keep());

        // with both bounds off, a document left with no text still goes (datatrove: "can not be completely empty")
        SentenceDedup.Outcome empty = new SentenceDedup(3, 0, 0).removeSpans(BOILER, Set.of(0, 1, 2));
        assertFalse(empty.keep());
        assertEquals(SentenceDedup.TOO_SHORT, empty.reason());
    }

    /**
     * A boilerplate span behind a period and a no-break space (web text's ".&nbsp;") is found and removed: the sentence
     * before it ran on into its first sentence, so the span's hash was another one and the boilerplate stayed.
     */
    @Test
    void spanBehindANoBreakSpaceIsRemoved() {
        SentenceDedup sd = new SentenceDedup();
        List<Document> docs = List.of(
                new Document("a", body("alpha", 8) + BOILER),
                new Document("b", body("beta", 8).strip() + "\u00a0" + BOILER));
        Map<String, SentenceDedup.Outcome> out = sd.run(docs);
        assertEquals(3, out.get("b").removedSentences());
        assertEquals(body("beta", 8).strip(), out.get("b").text().strip());
    }
}
