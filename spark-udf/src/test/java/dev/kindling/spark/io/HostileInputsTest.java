package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs an adversarial pass over the commands' inputs found lost in silence or explained badly (hidden files named as
 * inputs, ...): each is read, or refused naming the input and what to do.
 */
class HostileInputsTest {
    @TempDir Path tmp;

    private Cli.Result convert(String... args) {
        List<String> all = new ArrayList<>(List.of("convert", "--no-progress", "-o", tmp.resolve("out-" + System.nanoTime()).toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(new String[0]));
    }

    /**
     * A file whose name starts with _ or . given as an input is refused before the job, as Spark's readers pass over it:
     * a Parquet one given beside another was left out in silence (exit 0, the other's rows alone), alone it failed as
     * "Unable to infer schema", and a JSON Lines one as "Input path does not exist" (exit 1). A glob that matches only
     * such names is refused the same way; one that matches others too passes over them, as a folder does.
     */
    @Test
    void aHiddenFileNamedAsAnInputIsRefusedNotLeftOut() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("hidden"));
        TestSpark.session().sql("SELECT * FROM VALUES ('a', 'one'), ('b', 'two') AS t(id, text)").coalesce(1).write()
                .parquet(tmp.resolve("pq").toString());
        Path part;
        try (var files = Files.list(tmp.resolve("pq"))) {
            part = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow();
        }
        Path good = Files.copy(part, dir.resolve("good.parquet"));
        Path hidden = Files.copy(part, dir.resolve("_more.parquet"));
        Cli.Result both = convert("-i", good.toString(), "-i", hidden.toString());
        assertEquals(2, both.code(), both.toString());
        assertTrue(both.err().contains("input " + hidden + " is a hidden file (its name starts with '_' or '.', as _SUCCESS and .crc "
                + "files): Spark's readers pass over such files, so none of its rows would be read; rename it without the leading '_'"),
                both.err());
        Path jsonl = Files.writeString(dir.resolve(".notes.jsonl"), "{\"id\":\"n\",\"text\":\"note\"}\n");
        Cli.Result alone = convert("-i", jsonl.toString());
        assertEquals(2, alone.code(), alone.toString());
        assertTrue(alone.err().contains("input " + jsonl + " is a hidden file") && alone.err().contains("without the leading '.'"),
                alone.err());
        String onlyHidden = dir.resolve("_*").toString();
        Cli.Result glob = convert("-i", onlyHidden);
        assertEquals(2, glob.code(), glob.toString());
        assertTrue(glob.err().contains("input " + onlyHidden + " matches only hidden names (_more.parquet; starting with '_' or '.'"),
                glob.err());
        Cli.Result some = convert("-i", dir.resolve("*.parquet").toString());
        assertEquals(0, some.code(), some.toString());
        assertTrue(some.out().contains("2 in, 2 kept"), some.out());
    }

    /**
     * A folder named with _ or . first, given as the input, is read as what it holds, as the Parquet and text-files readers
     * read it: the JSON Lines and text-lines reader said "Input path does not exist" of it (exit 1). Its hidden files stay
     * hidden.
     */
    @Test
    void aHiddenFolderNamedAsTheInputIsRead() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(".cache").resolve("_data"));
        Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\",\"text\":\"one\"}\n{\"id\":\"b\",\"text\":\"two\"}\n");
        Files.writeString(dir.resolve("_SUCCESS"), "");
        Cli.Result r = convert("-i", dir.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("2 in, 2 kept"), r.out());
        Path lines = Files.createDirectories(tmp.resolve("_lines"));
        Files.writeString(lines.resolve("a.txt"), "one\ntwo\nthree\n");
        Cli.Result text = convert("-i", lines.toString());
        assertEquals(0, text.code(), text.toString());
        assertTrue(text.out().contains("3 in, 3 kept"), text.out());
    }

    /**
     * Fields whose names differ only in case refuse the input naming a line that gives each (escapes read: "\u004d" is M),
     * where the error named the input alone: a folder of many files, one line of which spells a key otherwise.
     */
    @Test
    void fieldsDifferingOnlyInCaseNameALineOfEach() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("case"));
        Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"a\",\"text\":\"one\"}\n");
        Path b = Files.writeString(dir.resolve("b.jsonl"), "{\"id\":\"b\",\"text\":\"two\"}\n\n{\"id\":\"c\",\"text\":\"x\","
                + "\"meta\":{\"Meta\":1}}\n{\"id\":\"d\",\"text\":\"x\",\"\\u004deta\":1}\n{\"id\":\"e\",\"text\":\"y\",\"meta\":2}\n");
        Cli.Result r = convert("-i", dir.toString(), "--on-error", "skip");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("input " + dir + " has fields 'Meta' and 'meta', which differ only in case (" + b + ": line 4 gives "
                + "'Meta', " + b + ": line 3 'meta'); rename one, or pass --conf spark.sql.caseSensitive=true"), r.err());
    }

    /**
     * A line that ends inside its object (line 1 of a pretty-printed JSON file, "{" alone, or a line cut short) says where
     * the object opened and what the file likely is, where Jackson's words named a source they did not show ("start marker
     * at [Source: REDACTED (`StreamReadFeature.INCLUDE_SOURCE_IN_LOCATION` disabled); line: 1, column: 1]").
     */
    @Test
    void aLineEndingInsideItsObjectSaysWhereItOpenedAndWhy() {
        assertEquals("Unexpected end-of-input: expected close marker for Object (opened at character 1) at character 2"
                + DatasetReader.UNCLOSED_HINT, DatasetReader.whyMalformed("{"));
        String cut = DatasetReader.whyMalformed("{\"id\":\"p\",\"tags\":[\"a\",\"b\"");
        assertTrue(cut.startsWith("Unexpected end-of-input: expected close marker for Array (opened at character 18) at character 26 "
                + "(the line ends inside its object"), cut);
        assertEquals("Unexpected character ('}' (code 125)): was expecting double-quote to start field name at character 8", DatasetReader.whyMalformed("{\"a\":1,}"));
    }

    /**
     * A Parquet id that is a struct, array or map is its JSON text, as the same id in a JSON line is read, where Spark's cast
     * made {shard: "1, 2", n: "3"} and {shard: "1", n: "2, 3"} one id, "{1, 2, 3}", names dropped.
     */
    @Test
    void aParquetIdOfNestedValuesIsItsJsonText() throws Exception {
        Path in = tmp.resolve("nested-ids.parquet");
        TestSpark.session().sql("SELECT * FROM VALUES (named_struct('shard', '1, 2', 'n', '3'), array(1, 2), 'one'), "
                + "(named_struct('shard', '1', 'n', '2, 3'), array(3), 'two') AS t(id, tags, text)").coalesce(1).write().parquet(in.toString());
        Path out = tmp.resolve("nested-ids-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("{\"shard\":\"1, 2\",\"n\":\"3\"}", "{\"shard\":\"1\",\"n\":\"2, 3\"}"),
                Cli.outputRows(out).stream().map(row -> row.get("id").asText()).toList());
        Path arrays = tmp.resolve("array-ids-out");
        Cli.Result a = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", arrays.toString(), "--id-column", "tags");
        assertEquals(0, a.code(), a.toString());
        assertEquals(List.of("[1,2]", "[3]"), Cli.outputRows(arrays).stream().map(row -> row.get("tags").asText()).toList());
    }

    /**
     * A text-files file that is a compressed stream (a folder of .txt.gz documents) says so in its error, where it was
     * "invalid UTF-8 at byte 1 of the file" alone; other bad bytes are said as before.
     */
    @Test
    void aCompressedTextFileSaysItIsCompressed() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("gz-docs"));
        try (java.io.OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(dir.resolve("a.txt.gz")))) {
            out.write("a document".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Files.write(dir.resolve("b.txt"), new byte[] {'o', 'k', (byte) 0xFF});
        List<org.apache.spark.sql.Row> rows = DatasetReader.readTextFiles(TestSpark.session(), List.of(dir.toString()), "text", 1000)
                .orderBy(Columns.SOURCE_FILE).collectAsList();
        assertEquals(List.of("invalid UTF-8 at byte 1 of the file (it starts as a gzip stream: text-files reads each file's bytes as "
                + "they are, so decompress such files first)", "invalid UTF-8 at byte 2 of the file"), rows.stream().map(r -> (String) r.getAs(Columns.ERROR)).toList());
    }
}
