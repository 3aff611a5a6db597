package dev.kindling.dedup.decontam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NgramIndexTest {
    @Test
    void flagsSharedThirteenGram() {
        String question = "What is the name of the whale that Captain Ahab hunts across the oceans of the world in the novel?";
        NgramIndex idx = NgramIndex.build(List.of(question, "too short to index"), 13);
        assertEquals(2, idx.items());
        assertEquals(1, idx.skippedItems());
        assertEquals(question.split(" ").length - 12, idx.size());
        String doc = "Trivia night. WHAT is the name of the whale that captain Ahab hunts across the oceans, of course?";
        assertTrue(idx.firstMatch(doc) >= 0);
        assertEquals(-1, idx.firstMatch("What is the name of the whale that Captain Ahab chased across the oceans"));
        assertEquals(-1, idx.firstMatch(""));
        assertThrows(IllegalArgumentException.class, () -> NgramIndex.build(List.of(), 0));
    }

    /** Paragraphs of Moby Dick used as a "benchmark": the chapters holding them are flagged, the speeches are not. */
    @Test
    void corpusContamination() {
        List<Document> moby = JsonlDocuments.read(SharedData.require("corpus/moby-dick.jsonl"), "id", "text");
        List<String> bench = new ArrayList<>();
        for (int i = 10; i < 20; i++) {
            String t = moby.get(i).text();
            bench.add(t.substring(t.length() / 2, Math.min(t.length(), t.length() / 2 + 400)));
        }
        NgramIndex idx = NgramIndex.build(bench, 13);
        int flagged = 0;
        for (Document d : moby) {
            if (idx.firstMatch(d.text()) >= 0) {
                flagged++;
            }
        }
        assertEquals(10, flagged);
        for (Document d : JsonlDocuments.read(SharedData.require("corpus/sotu.jsonl.gz"), "id", "text").subList(0, 50)) {
            assertEquals(-1, idx.firstMatch(d.text()), d.id());
        }
    }

    /**
     * Moby-Dick's opening as a benchmark item writes it, with spaced ASCII dashes, is in chapter 1, whose em-dashes stand
     * between the words ("ago—never"). Punctuation was removed with no space in its place, so the chapter read "agonever"
     * and "preciselyhaving" where the item read "ago never" and "precisely having", and every 13-gram of the item crosses
     * one of the two: the leak went unnoticed. datatrove's simplify_text turns punctuation into spaces.
     */
    @Test
    void punctuationBetweenWordsSeparatesThem() {
        String chapter = JsonlDocuments.read(SharedData.require("corpus/moby-dick.jsonl"), "id", "text").stream()
                .filter(d -> d.id().equals("chapter_1")).findFirst().orElseThrow().text();
        assertTrue(chapter.startsWith("Call me Ishmael. Some years ago\u2014never mind how long precisely\u2014having"), chapter);
        String item = "Call me Ishmael. Some years ago -- never mind how long precisely -- having little or no money in my purse";
        assertEquals(0, NgramIndex.build(List.of(item), 13).firstMatch(chapter));
        // and the other way round: the item with the em-dashes, a document with spaced dashes
        String quoted = "In class we read: \"Call me Ishmael. Some years ago - never mind how long precisely - having little "
                + "or no money in my purse, and nothing particular to interest me on shore\"";
        assertTrue(NgramIndex.build(List.of(chapter.substring(0, 120)), 13).firstMatch(quoted) >= 0);
    }
}
