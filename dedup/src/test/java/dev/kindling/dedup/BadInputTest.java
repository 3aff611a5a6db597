package dev.kindling.dedup;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.filter.Filters;
import dev.kindling.dedup.hash.MurmurHash3;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.lsh.NearDuplicateFinder;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.dedup.pii.PiiRedactor;
import dev.kindling.dedup.sentence.SentenceDedup;
import dev.kindling.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Empty and white-space-only texts, huge documents, null ids, non-Latin scripts, broken input files. */
class BadInputTest {

    @Test
    void emptyAndWhitespaceOnly() {
        MinHasher mh = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR);
        for (String t : new String[] {"", " ", "\n\n\t", "\u3000\u00A0"}) {
            assertTrue(MinHasher.isEmpty(mh.signature(t)));
            assertFalse(Filters.apply(Filters.parse("gopher,c4,fineweb"), t).keep());
            assertEquals(0, PiiRedactor.defaults().redact(t).total());
            assertTrue(new SentenceDedup().spanHashes(t).isEmpty());
        }
        // exact dedup: all white-space-only texts normalise to "" and hash alike
        assertEquals(MurmurHash3.hash128(TextNormalizer.normalize(" \n", NormalizeOptions.EXACT)),
                MurmurHash3.hash128(TextNormalizer.normalize("\t", NormalizeOptions.EXACT)));
        // empty documents take no part in near dedup: each stays its own cluster
        var r = new NearDuplicateFinder(NearDuplicateFinder.Config.defaults(0.8))
                .find(List.of(new Document("a", ""), new Document("b", "  "), new Document("c", "")));
        assertEquals(0, r.duplicates());
    }

    @Test
    void nullIdsAndDuplicateIds() {
        var e = assertThrows(IllegalArgumentException.class, () -> new Document(null, "some text"));
        assertTrue(e.getMessage().contains("id is null") && e.getMessage().contains("some text"));
        assertThrows(IllegalArgumentException.class, () -> new Document("x", null));
        var dup = assertThrows(IllegalArgumentException.class, () -> new NearDuplicateFinder(
                NearDuplicateFinder.Config.defaults(0.8)).find(List.of(new Document("x", "a"), new Document("x", "b"))));
        assertTrue(dup.getMessage().contains("'x'"));
    }

    /** A 4 MB document (about 600k words): signatures, filters and PII finish without trouble in the test heap. */
    @Test
    void hugeDocument() {
        StringBuilder sb = new StringBuilder(4_000_000);
        int i = 0;
        while (sb.length() < 4_000_000) {
            sb.append("word").append((char) ('a' + i % 26)).append((char) ('a' + (i / 26) % 26)).append(i % 7 == 6 ? ".\n" : " ");
            i++;
        }
        String huge = sb.toString();
        long t0 = System.nanoTime();
        long[] sig = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).signature(huge);
        assertFalse(MinHasher.isEmpty(sig));
        assertEquals("gopher_long_doc", Filters.apply(Filters.parse("gopher_quality"), huge).reason());
        assertEquals(0, PiiRedactor.defaults().redact(huge).total());
        System.out.printf("4 MB document: %.2f s%n", (System.nanoTime() - t0) / 1e9);
    }

    @Test
    void nonLatinScripts() {
        MinHasher mh = new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR);
        String zh = "北京是中华人民共和国的首都，也是全国的政治中心和文化中心，有着三千多年的建城史。";
        String zh2 = "北京是中华人民共和国的首都，也是全国的政治中心和文化中心，有着三千多年的建都史。";
        double j = MinHasher.estimateJaccard(mh.signature(zh), mh.signature(zh2));
        assertTrue(j > 0.7, "one changed character leaves most character 5-grams: " + j);
        String ru = "Москва — столица России, крупнейший по численности населения город страны и её политический центр.";
        assertEquals(1.0, MinHasher.estimateJaccard(mh.signature(ru), mh.signature(ru.toUpperCase())));
        String ar = "القاهرة هي عاصمة جمهورية مصر العربية وأكبر مدنها من حيث عدد السكان";
        assertFalse(MinHasher.isEmpty(mh.signature(ar)));
        // emoji and astral characters survive normalisation and hashing
        assertEquals("hi 😀 u", TextNormalizer.normalize("Hi 😀 𝔘", NormalizeOptions.EXACT));   // NFKC: fraktur U -> U
    }

    @Test
    void brokenJsonlNamesFileAndLine(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bad.jsonl");
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"ok\"}\n{\"id\":\"b\",\"text\":\n{\"text\":\"no id\"}\n");
        var e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("bad.jsonl line 2"), e.getMessage());
        Files.writeString(f, "{\"text\":\"no id\"}\n");
        e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("line 1: field 'id' is missing or null"), e.getMessage());
    }

    /**
     * Lines end at \n alone, a \r before it (or ending the file) being part of the line end, as the Spark reader, decontaminate
     * and bench tokenizer read JSON Lines: a raw \r inside a record (JSON white space, which json.loads of the \n-split
     * line takes) ended the line there, cutting the record into two malformed lines, and the lines after it were numbered
     * one too far.
     */
    @Test
    void aCrInsideARecordIsWhiteSpaceNotALineEnd(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("cr.jsonl");
        Files.writeString(f, "{\"id\":\"a\",\r\"text\":\"one\"}\r\n\r\n{\"id\":\"b\",\"text\":\"two\"\r}\r\n{\"id\":\"c\",\"text\":\"three\"}\r");
        assertEquals(List.of("a:one", "b:two", "c:three"), JsonlDocuments.read(f, "id", "text").stream()
                .map(d -> d.id() + ":" + d.text()).toList());
        Files.writeString(f, "{\"id\":\"a\",\r\"text\":\"one\"}\r\n{\"id\":\"b\",\"text\" broken\r\n");
        var e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("cr.jsonl line 2: invalid JSON"), e.getMessage());
    }

    /**
     * A UTF-8 byte order mark at the file's start is no part of its first line, as the Spark reader drops it (Windows
     * tools write one): it failed line 1 as invalid JSON. One later in the file is an error still, as there.
     */
    @Test
    void aByteOrderMarkAtTheStartIsDropped(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("bom.jsonl");
        Files.writeString(f, "\uFEFF{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n");
        assertEquals(List.of("a:one", "b:two"), JsonlDocuments.read(f, "id", "text").stream()
                .map(d -> d.id() + ":" + d.text()).toList());
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\"}\n\uFEFF{\"id\":\"b\",\"text\":\"two\"}\n");
        var e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("bom.jsonl line 2: invalid JSON"), e.getMessage());
    }

    /** A text past Jackson's 20M-character default is a document, as the Spark reader reads it, not invalid JSON. */
    @Test
    void aTwentyMillionCharacterTextIsADocument(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("big.jsonl");
        String text = "word ".repeat(4_100_000);
        Files.writeString(f, "{\"id\":\"big\",\"text\":\"" + text + "\"}\n{\"id\":\"small\",\"text\":\"hello\"}\n");
        List<dev.kindling.dedup.Document> docs = JsonlDocuments.read(f, "id", "text");
        assertEquals(2, docs.size());
        assertEquals(text.length(), docs.get(0).text().length());
    }

    /**
     * A line with more after its object ({@code {...}{...}}, or records separated by a \r alone, which are one line now
     * that lines end at \n alone) is an error naming the character, as the Spark reader says it: the parse stopped at the
     * first object's closing brace and the second record was dropped without a trace.
     */
    @Test
    void moreAfterTheObjectIsAnErrorNotDropped(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("two.jsonl");
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\"} {\"id\":\"b\",\"text\":\"two\"}\n");
        var e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("two.jsonl line 1: more after the JSON object at character 25 of the line (JSON Lines "
                + "holds one object per line)"), e.getMessage());
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\"}\r{\"id\":\"b\",\"text\":\"two\"}\r");
        e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("line 1: more after the JSON object at character 25 of the line (JSON Lines holds one "
                + "object per line; a \\r before it: JSON Lines lines end at \\n alone"), e.getMessage());
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\"} \t\n");
        assertEquals(1, JsonlDocuments.read(f, "id", "text").size());
    }

    /**
     * A key given twice kept its last value, the first lost without a word; pyarrow refuses the row, and so does the reader,
     * in any field and in an object nested in the line's, in the words of every JSON Lines reader of Kindling
     * (JsonLines.objectLineError): it refused the id and the text alone, in words of its own.
     */
    @Test
    void aKeyGivenTwiceIsAnErrorNotItsLastValue(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("twice.jsonl");
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\",\"text\":\"three\"}\n");
        var e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("twice.jsonl line 2: key 'text' given twice in the line's object, at characters 11 "
                + "and 24 of the line (a reader keeps one of its values and loses the other)"), e.getMessage());
        Files.writeString(f, "{\"id\":\"a\",\"id\":null,\"text\":\"one\"}\n");
        e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("line 1: key 'id' given twice"), e.getMessage());
        // a field it does not read, and a key twice in a nested object, lose a value as much
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\",\"x\":1,\"x\":2}\n");
        e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("twice.jsonl line 1: key 'x' given twice in the line's object, at characters 24 and "
                + "30 of the line"), e.getMessage());
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\",\"m\":{\"lang\":\"en\",\"lang\":\"fr\"}}\n");
        e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("twice.jsonl line 1: key 'lang' given twice in an object nested in the line's"),
                e.getMessage());
        // the same key in two objects is no key given twice
        Files.writeString(f, "{\"id\":\"a\",\"text\":\"one\",\"m\":{\"text\":1},\"n\":{\"text\":2}}\n");
        assertEquals("one", JsonlDocuments.read(f, "id", "text").get(0).text());
    }

    /**
     * A byte that is not UTF-8 was decoded as U+FFFD and the document read as if it were fine: the text changed
     * without a trace. It is now an error naming the file, the line and the byte (CRLF line ends still read).
     */
    @Test
    void invalidUtf8NamesFileLineAndByte(@TempDir Path dir) throws Exception {
        List<String> lines = Files.readAllLines(SharedData.require("corpus/moby-dick.jsonl")).subList(0, 3);
        Path f = dir.resolve("latin1.jsonl");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String l : lines) {
            bytes.write((l + "\r\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.write(f, bytes.toByteArray());
        assertEquals(3, JsonlDocuments.read(f, "id", "text").size());
        byte[] b = bytes.toByteArray();
        int third = (lines.get(0) + lines.get(1)).getBytes(java.nio.charset.StandardCharsets.UTF_8).length + 4;
        b[third + 40] = (byte) 0xE9;   // "é" in Latin-1, inside the text
        Files.write(f, b);
        var e = assertThrows(RuntimeException.class, () -> JsonlDocuments.read(f, "id", "text"));
        assertTrue(e.getMessage().contains("latin1.jsonl line 3: invalid UTF-8 at byte 40"), e.getMessage());
    }
}
