package dev.kindling.dedup.sentence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
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
        SentenceDedup keepAll = new SentenceDedup(3, 0);
        assertEquals("One.\nFour.", keepAll.removeSpans("One.\nTwo. Three.\nFour.", Set.of(1, 2)).text());
    }
}
