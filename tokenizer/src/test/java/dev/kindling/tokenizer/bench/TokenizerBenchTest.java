package dev.kindling.tokenizer.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenizerBenchTest {
    @TempDir
    Path dir;

    @Test
    void readsTheTextField() throws IOException {
        Path input = dir.resolve("corpus.jsonl");
        Files.writeString(input, "{\"text\":\"a b\"}\n\n{\"text\":null}\n{\"id\":1,\"text\":\"c\"}\n");
        assertEquals(List.of("a b", "c"), TokenizerBench.readTexts(input, "text"));
    }

    /** As tokenize reads them: a null, missing, non-string or blank text is skipped and counted (12345 was tokenized). */
    @Test
    void rowsTokenizeDropsAreSkippedAndCounted() throws IOException {
        Path input = dir.resolve("odd.jsonl");
        Files.writeString(input, "{\"text\":\"hello\"}\n{\"text\":null}\n{\"text\":12345}\n{\"text\":{\"a\":\"b\"}}\n"
                + "{\"other\":\"x\"}\n{\"text\":\" \\u3000\\ufeff\\t\"}\n");
        TokenizerBench.Corpus c = TokenizerBench.readCorpus(input, "text");
        assertEquals(List.of("hello"), c.texts());
        assertEquals(5, c.skipped());
        Path none = dir.resolve("none.jsonl");
        Files.writeString(none, "{\"text\":null}\n");
        IOException e = assertThrows(IOException.class, () -> TokenizerBench.readCorpus(none, "text"));
        assertTrue(e.getMessage().contains("has no text to tokenize: 1 rows"), e.getMessage());
    }

    /**
     * Blank as the Spark reader's read:empty_text has it, NEL (U+0085) too: bench tokenizer kept its own older pattern,
     * without it, and tokenized " \u0085 " as a document. A UTF-8 byte order mark that starts the file is dropped, as the
     * Spark reader and bench dedup drop it (line 1 was "malformed JSON").
     */
    @Test
    void blankIsTheReadersBlankAndALeadingByteOrderMarkIsDropped() throws IOException {
        Path input = dir.resolve("bom.jsonl");
        Files.writeString(input, "\uFEFF{\"text\":\"hello\"}\n{\"text\":\" \\u0085 \"}\n{\"text\":\"\u0085\"}\n");
        TokenizerBench.Corpus c = TokenizerBench.readCorpus(input, "text");
        assertEquals(List.of("hello"), c.texts());
        assertEquals(2, c.skipped());
    }

    /**
     * Lines end at \n alone, as the Spark reader's JSON Lines do, a \r before it being part of the line end: a raw \r
     * inside a record (JSON white space, which json.loads of the \n-split line takes) cut the record into two malformed
     * lines, failing a corpus Python reads, and lines are numbered as \n splits them.
     */
    @Test
    void aCrInsideARecordIsWhiteSpaceNotALineEnd() throws IOException {
        Path input = dir.resolve("cr.jsonl");
        Files.writeString(input, "{\"id\":1,\r\"text\":\"a\"}\r\n\r\n{\"text\":\"b\"\r}\r\n{\"text\":\"c\"}\r");
        assertEquals(List.of("a", "b", "c"), TokenizerBench.readTexts(input, "text"));
        Path broken = dir.resolve("cr-broken.jsonl");
        Files.writeString(broken, "{\"id\":1,\r\"text\":\"a\"}\r\n{\"text\" broken\r\n");
        IOException e = assertThrows(IOException.class, () -> TokenizerBench.readTexts(broken, "text"));
        assertTrue(e.getMessage().startsWith(broken + " line 2: malformed JSON"), e.getMessage());
    }

    /**
     * A text over 20M characters (a whole book in one document) is read, as the Spark reader reads it: Jackson's default
     * (since 2.15) refused it as invalid JSON, so bench tokenizer failed on a corpus kindling tokenize takes.
     */
    @Test
    void aTwentyMillionCharacterTextIsADocument() throws IOException {
        Path input = dir.resolve("big.jsonl");
        String text = "word ".repeat(4_010_000);
        Files.writeString(input, "{\"id\":\"big\",\"text\":\"" + text + "\"}\n{\"text\":\"hello\"}\n");
        TokenizerBench.Corpus c = TokenizerBench.readCorpus(input, "text");
        assertEquals(2, c.texts().size());
        assertEquals(20_050_000, c.texts().get(0).length());
    }

    /**
     * A line holding two records is rejected naming file, line and character, as tokenize's reader and bench dedup do:
     * the parse stopped at the first object's brace and the second record was dropped without a trace.
     */
    @Test
    void twoRecordsOnOneLineAreAnError() throws IOException {
        Path input = dir.resolve("two.jsonl");
        Files.writeString(input, "{\"text\":\"x\"}\n{\"text\":\"a\"} {\"text\":\"b\"}\n");
        IOException e = assertThrows(IOException.class, () -> TokenizerBench.readCorpus(input, "text"));
        assertEquals(input + " line 2: more after the JSON object at character 14 of the line (JSON Lines holds one object per line)",
                e.getMessage());
        Path cr = dir.resolve("cr-two.jsonl");
        Files.writeString(cr, "{\"text\":\"\u00e9\"}\r{\"text\":\"b\"}\n");
        e = assertThrows(IOException.class, () -> TokenizerBench.readCorpus(cr, "text"));
        assertTrue(e.getMessage().startsWith(cr + " line 1: more after the JSON object at character 14 of the line (JSON Lines "
                + "holds one object per line; a \\r before it"), e.getMessage());
        Path trailing = dir.resolve("trailing.jsonl");
        Files.writeString(trailing, "{\"text\":\"a\"} \t \r\n");
        assertEquals(List.of("a"), TokenizerBench.readTexts(trailing, "text"));
    }

    /**
     * A line whose object gives a key twice is rejected naming file, line, key and both places, as tokenize's reader
     * rejects the row: the parse kept the key's last value and lost the first without a word (a nested object's too).
     */
    @Test
    void aKeyGivenTwiceIsAnErrorNotReadAsItsLastValue() throws IOException {
        Path input = dir.resolve("twice.jsonl");
        Files.writeString(input, "{\"text\":\"x\"}\n{\"text\":\"a\",\"text\":\"b\"}\n");
        IOException e = assertThrows(IOException.class, () -> TokenizerBench.readCorpus(input, "text"));
        assertEquals(input + " line 2: key 'text' given twice in the line's object, at characters 2 and 13 of the line (a reader "
                + "keeps one of its values and loses the other)", e.getMessage());
        Path nested = dir.resolve("nested-twice.jsonl");
        Files.writeString(nested, "{\"text\":\"a\",\"meta\":{\"k\":1,\"k\":2}}\n");
        e = assertThrows(IOException.class, () -> TokenizerBench.readTexts(nested, "text"));
        assertTrue(e.getMessage().startsWith(nested + " line 1: key 'k' given twice in an object nested in the line's"), e.getMessage());
    }

    @Test
    void malformedLineNamesFileAndLine() throws IOException {
        // the demo's sample corpus has such a line: the error must say where it is, as the Spark reader's does
        Path input = dir.resolve("corpus.jsonl");
        Files.writeString(input, "{\"text\":\"a\"}\n{\"text\":\"b\"}\n{\"id\":\"c\", text broken\n");
        IOException e = assertThrows(IOException.class, () -> TokenizerBench.readTexts(input, "text"));
        assertTrue(e.getMessage().startsWith(input + " line 3: malformed JSON"), e.getMessage());
    }
}
