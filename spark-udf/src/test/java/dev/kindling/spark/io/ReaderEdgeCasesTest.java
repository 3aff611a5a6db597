package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Inputs an adversarial pass over convert found read wrongly or explained badly: each is read as written, or refused
 * with a message naming the file and what is wrong.
 */
class ReaderEdgeCasesTest {
    @TempDir Path tmp;

    /**
     * A text-files file over the bound (256 MiB; 50 bytes here) is its row's error, read:line_too_long naming its size,
     * and the other files are read: read whole, a 600 MB file ran the job out of memory, every document lost with it
     * (found by an adversarial pass). An empty file is still an empty document.
     */
    @Test
    void aTextFileOverTheBoundIsItsRowsError() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("files"));
        Files.writeString(dir.resolve("small.txt"), "hello");
        Files.writeString(dir.resolve("big.txt"), "x".repeat(100));
        Files.writeString(dir.resolve("empty.txt"), "");
        List<org.apache.spark.sql.Row> rows = DatasetReader.readTextFiles(TestSpark.session(), List.of(dir.toString()), "text", 50)
                .orderBy(Columns.SOURCE_FILE).collectAsList();
        assertEquals(3, rows.size(), rows.toString());
        org.apache.spark.sql.Row big = rows.get(0);
        assertTrue(big.<String>getAs(Columns.SOURCE_FILE).endsWith("big.txt"), big.toString());
        assertEquals(null, (String) big.getAs("text"));
        assertEquals("read:line_too_long", (String) big.getAs(Columns.REASON));
        assertEquals("file of 100 bytes, over the 50 bytes a document may hold", (String) big.getAs(Columns.ERROR));
        assertEquals("", (String) rows.get(1).getAs("text"));
        assertEquals("hello", (String) rows.get(2).getAs("text"));
        assertEquals(null, (String) rows.get(2).getAs(Columns.REASON));
    }

    private Cli.Result convert(String... args) {
        List<String> all = new java.util.ArrayList<>(List.of("convert", "--no-progress", "-o", tmp.resolve("out-" + System.nanoTime()).toString()));
        all.addAll(List.of(args));
        return Cli.run(all.toArray(new String[0]));
    }

    /** Spark's JSON default writes milliseconds: a Parquet timestamp's microseconds were cut in silence. */
    @Test
    void timestampsKeepTheirMicroseconds() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("ts.parquet");
        spark.sql("SELECT 'a' AS id, 'x' AS text, TIMESTAMP'2024-01-02 03:04:05.123456' AS ts").write().parquet(in.toString());
        Path out = tmp.resolve("ts-out");
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--format", "jsonl");
        assertEquals(0, r.code(), r.toString());
        String json = Files.readString(Files.list(out).filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow());
        assertTrue(json.contains("\"ts\":\"2024-01-02T03:04:05.123456Z\""), json);
    }

    /** A glob's {a,b} is the glob's (the comma split it into two broken paths); a path given twice is refused. */
    @Test
    void braceGlobsAndRepeatedInputs() throws Exception {
        Files.writeString(tmp.resolve("g1.jsonl"), "{\"id\":\"1\",\"text\":\"one\"}\n");
        Files.writeString(tmp.resolve("g2.jsonl"), "{\"id\":\"2\",\"text\":\"two\"}\n");
        Cli.Result r = convert("-i", tmp.resolve("g{1,2}.jsonl").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("2 in, 2 kept"), r.out());
        String g1 = tmp.resolve("g1.jsonl").toString();
        Cli.Result twice = convert("-i", g1 + "," + g1);
        assertEquals(2, twice.code(), twice.toString());
        assertTrue(twice.err().contains("input " + g1 + " is given twice"), twice.err());
        // a glob, a folder and a file in it: each reached g1 (Spark reads a file once per input that names it)
        Path dir = tmp.resolve("d");
        Files.createDirectories(dir.resolve("sub"));
        Files.writeString(dir.resolve("sub/g3.jsonl"), "{\"id\":\"3\",\"text\":\"three\"}\n");
        String glob = tmp.resolve("g*.jsonl").toString();
        Cli.Result overlapping = convert("-i", glob, "-i", g1);
        assertEquals(2, overlapping.code(), overlapping.toString());
        assertTrue(overlapping.err().contains("inputs " + glob + " and " + g1 + " both read file:" + g1)
                && overlapping.err().contains("read twice"), overlapping.err());
        String inFolder = dir.resolve("sub/g3.jsonl").toString();
        Cli.Result folderAndFile = convert("-i", inFolder, "-i", dir.toString());
        assertEquals(2, folderAndFile.code(), folderAndFile.toString());
        assertTrue(folderAndFile.err().contains("both read file:" + inFolder), folderAndFile.err());
        // one glob whose alternatives reach one file: a folder and a file in it, a folder and a link to it
        Files.createSymbolicLink(tmp.resolve("link"), dir);
        for (String one : new String[] {tmp.resolve("{d,d/sub/g3.jsonl}").toString(), tmp.resolve("{d,link}").toString(),
                tmp.resolve("{d/sub/g3.jsonl,d/sub/g3.jsonl}").toString()}) {
            Cli.Result within = convert("-i", one);
            assertEquals(2, within.code(), within.toString());
            assertTrue(within.err().contains("input " + one + " matches file:" + dir) && within.err().contains("read twice"),
                    within.err());
        }
        // inputs side by side are read once each
        Cli.Result apart = convert("-i", g1, "-i", tmp.resolve("g2.jsonl").toString(), "-i", dir.toString());
        assertEquals(0, apart.code(), apart.toString());
        assertTrue(apart.out().contains("3 in, 3 kept"), apart.out());
    }

    /**
     * A .bz2 cut short failed as Hadoop read its first block, with "unexpected end of stream" and no file; .zst, which
     * Hadoop reads only natively, was "cannot tell the format" or a native-library error.
     */
    @Test
    void brokenAndUnreadableCompressedFilesAreNamed() throws Exception {
        org.apache.hadoop.io.compress.BZip2Codec bzip2 = new org.apache.hadoop.io.compress.BZip2Codec();
        bzip2.setConf(new org.apache.hadoop.conf.Configuration());
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        try (OutputStream out = bzip2.createOutputStream(whole)) {
            for (int i = 0; i < 2000; i++) {
                out.write(("{\"id\":\"" + i + "\",\"text\":\"line " + i + " of a file\"}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        byte[] bytes = whole.toByteArray();
        Path cut = Files.write(tmp.resolve("cut.jsonl.bz2"), Arrays.copyOf(bytes, bytes.length / 2));
        Cli.Result r = convert("-i", cut.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("cut.jsonl.bz2") && r.err().contains("a truncated or corrupt compressed file?"), r.err());
        Path zst = Files.write(tmp.resolve("m.jsonl.zst"), new byte[] {0x28, (byte) 0xB5, 0x2F, (byte) 0xFD, 0, 0});
        Cli.Result z = convert("-i", zst.toString());
        assertEquals(1, z.code(), z.toString());
        assertTrue(z.err().contains("m.jsonl.zst: zstd-compressed input is not read") && z.err().contains("zstd -d"), z.err());
    }

    /**
     * A 0-byte .gz (or .bz2, .deflate) is no compressed stream (gzip -t: unexpected end of file), and fails naming the file
     * as a truncated one does, whatever the policy: read as no lines, it dropped out of an input of several files in
     * silence (Spark leaves a 0-byte file's split out before any reader opens it). A 0-byte plain file is no lines, as before.
     */
    @Test
    void anEmptyCompressedFileIsNamedNotReadAsNoLines() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("empty-gz"));
        Files.writeString(dir.resolve("a.jsonl"), "{\"id\":\"1\",\"text\":\"one\"}\n");
        Files.write(dir.resolve("empty.jsonl"), new byte[0]);
        Cli.Result plain = convert("-i", dir.toString());
        assertEquals(0, plain.code(), plain.toString());
        assertTrue(plain.out().contains("1 in, 1 kept"), plain.out());
        for (String name : List.of("b.jsonl.gz", "b.jsonl.bz2", "b.jsonl.deflate")) {
            Path empty = Files.write(dir.resolve(name), new byte[0]);
            for (String policy : List.of("fail", "quarantine")) {
                Cli.Result r = convert("-i", dir.toString(), "--on-error", policy);
                assertEquals(1, r.code(), name + " " + policy + ": " + r);
                assertTrue(r.err().contains("kindling: error: " + empty + ": unreadable at its start: the file is empty (0 bytes), "
                        + "not a compressed stream (a truncated or corrupt compressed file?)"), r.err());
            }
            Files.delete(empty);
        }
        // alone, with --input-format naming its lines' format
        Path gz = Files.write(tmp.resolve("alone.txt.gz"), new byte[0]);
        Cli.Result alone = convert("-i", gz.toString(), "--input-format", "text");
        assertEquals(1, alone.code(), alone.toString());
        assertTrue(alone.err().contains(gz + ": unreadable at its start: the file is empty"), alone.err());
    }

    /**
     * A .gz cut before its first line ends fails saying so: it said "unreadable after line 0", a line no file has. One
     * cut inside line 2 still names the last line read, line 1.
     */
    @Test
    void aCompressedFileCutBeforeItsFirstLineSaysSo() throws Exception {
        java.io.ByteArrayOutputStream whole = new java.io.ByteArrayOutputStream();
        try (OutputStream out = new java.util.zip.GZIPOutputStream(whole)) {
            for (int i = 0; i < 3; i++) {
                out.write(("{\"id\":\"" + i + "\",\"text\":\"document " + i + "\"}\n").getBytes(StandardCharsets.UTF_8));
            }
        }
        Path cut = Files.write(tmp.resolve("cut.jsonl.gz"), Arrays.copyOf(whole.toByteArray(), 30));
        Cli.Result r = convert("-i", cut.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(cut + ": unreadable before its first line: ") && r.err().contains("a truncated or corrupt "
                + "compressed file?"), r.err());

        // stored, not compressed, so that a cut at a byte falls at a known place of the text: inside line 2
        java.io.ByteArrayOutputStream stored = new java.io.ByteArrayOutputStream();
        String first = "{\"id\":\"0\",\"text\":\"document 0\"}\n";
        try (OutputStream out = new java.util.zip.GZIPOutputStream(stored) {
            {
                def.setLevel(java.util.zip.Deflater.NO_COMPRESSION);
            }
        }) {
            out.write((first + "{\"id\":\"1\",\"text\":\"document 1\"}\n").getBytes(StandardCharsets.UTF_8));
        }
        // the gzip header (10 bytes) and the stored block's (5), line 1, and 10 bytes of line 2
        Path later = Files.write(tmp.resolve("later.jsonl.gz"), Arrays.copyOf(stored.toByteArray(), 10 + 5 + first.length() + 10));
        Cli.Result l = convert("-i", later.toString());
        assertEquals(1, l.code(), l.toString());
        assertTrue(l.err().contains(later + ": unreadable after line 1"), l.err());
    }

    /** Parquet columns that differ only in case are refused as JSON fields are, not with Spark's COLUMN_ALREADY_EXISTS. */
    @Test
    void parquetColumnsDifferingOnlyInCase() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("case.parquet");
        spark.conf().set("spark.sql.caseSensitive", "true");
        try {
            spark.sql("SELECT 'a' AS id, 'x' AS text, 1 AS foo, 2 AS FOO").write().parquet(in.toString());
        } finally {
            spark.conf().unset("spark.sql.caseSensitive");
        }
        Cli.Result r = convert("-i", in.toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("has columns named 'foo' that differ only in case") && r.err().contains("spark.sql.caseSensitive"),
                r.err());
    }

    /** An empty file in a _ or . folder is hidden as the folder's other files are (it was counted an empty document). */
    @Test
    void emptyFilesInHiddenFoldersAreNotDocuments() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("tf"));
        Files.writeString(dir.resolve("a.txt"), "hello");
        Files.writeString(dir.resolve("empty.txt"), "");
        Files.createDirectories(dir.resolve("_tmp"));
        Files.writeString(dir.resolve("_tmp/zero.txt"), "");
        Files.writeString(dir.resolve("_tmp/nz.txt"), "hi");
        Cli.Result r = convert("-i", dir.toString(), "--input-format", "text-files");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("2 in, 1 kept, 1 dropped"), r.out());
    }

    /** A malformed line says why and where; JSON nested past the parser's limit; a UTF-16 file says it is one. */
    @Test
    void malformedLinesSayWhyAndUtf16IsNamed() throws Exception {
        String deep = "{\"id\":\"a\",\"text\":\"x\",\"d\":" + "[".repeat(1001) + "]".repeat(1001) + "}";
        Path in = Files.writeString(tmp.resolve("deep.jsonl"), deep + "\n");
        Cli.Result r = convert("-i", in.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("line 1: malformed JSON: Document nesting depth (1001) exceeds the maximum allowed (1000"), r.err());
        // the file by the path the user gave (and greps a log for), not Spark's file: URI
        assertTrue(r.err().startsWith("kindling: error: " + in + ": line 1: "), r.err());
        Path nul = Files.writeString(tmp.resolve("nul.jsonl"), "{\"id\":\"a\",\"text\":\"x\u0000y\"}\n");
        r = convert("-i", nul.toString());
        assertTrue(r.err().contains("malformed JSON: Illegal unquoted character") && r.err().contains("at character 20"), r.err());
        Path utf16 = Files.write(tmp.resolve("utf16.jsonl"), "\uFEFF{\"id\":\"a\",\"text\":\"utf16\"}\n".getBytes(StandardCharsets.UTF_16LE));
        r = convert("-i", utf16.toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("line 1: the file starts with a UTF-16 byte order mark: it is UTF-16, not UTF-8"), r.err());
    }
    /**
     * A Parquet string that is not UTF-8 is read:invalid_utf8, as the same bytes in a JSON Lines or text line are: it
     * was decoded with U+FFFD in place of the bad bytes and kept, two different byte strings as one text.
     */
    @Test
    void aParquetTextThatIsNotUtf8IsAReadError() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("bad-utf8.parquet");
        spark.sql("SELECT * FROM VALUES ('a', CAST(unhex('6261642066FF6F6F') AS STRING)), ('b', CAST(unhex('6261642066FE6F6F') AS STRING)), "
                + "('c', 'fine text') AS t(id, text)").coalesce(1).write().parquet(in.toString());
        Cli.Result fail = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("bad-out").toString());
        assertEquals(1, fail.code(), fail.toString());
        assertTrue(fail.err().contains(".parquet: row 1: the text is not valid UTF-8 (column 'text')"), fail.err());
        // a Parquet file by any name (Hive writes 000000_0) is read by rows: its position is a row, not a byte offset
        Path hive = Files.createDirectories(tmp.resolve("hive"));
        try (java.util.stream.Stream<Path> parts = Files.list(in)) {
            Files.copy(parts.filter(f -> f.getFileName().toString().endsWith(".parquet")).findFirst().orElseThrow(), hive.resolve("000000_0"));
        }
        Cli.Result hiveFail = Cli.run("convert", "--no-progress", "--input-format", "parquet", "-i", hive.toString(), "-o",
                tmp.resolve("hive-out").toString());
        assertEquals(1, hiveFail.code(), hiveFail.toString());
        assertTrue(hiveFail.err().contains("000000_0: row 1: the text is not valid UTF-8"), hiveFail.err());
        Path stats = tmp.resolve("bad-utf8-stats.json");
        Cli.Result skip = Cli.run("convert", "--no-progress", "--on-error", "skip", "-i", in.toString(), "-o",
                tmp.resolve("skip-out").toString(), "--stats", stats.toString());
        assertEquals(0, skip.code(), skip.toString());
        String report = Files.readString(stats);
        assertTrue(report.contains("\"invalid_utf8\" : 2") && report.contains("\"documents_kept\" : 1"), report);
        // quarantined, a row keeps its text's bytes in raw (one char per byte), as a bad line does: raw was null
        Path quarantine = tmp.resolve("q-out.quarantine");
        Cli.Result q = Cli.run("convert", "--no-progress", "--on-error", "quarantine", "-i", in.toString(), "-o",
                tmp.resolve("q-out").toString(), "--quarantine", quarantine.toString());
        assertEquals(0, q.code(), q.toString());
        List<String> raws = Cli.outputRows(quarantine, "source_offset").stream().map(row -> Cli.text(row, "raw")).toList();
        assertEquals(List.of("bad f\u00ffoo", "bad f\u00feoo"), raws);
        // a collated text and id (Spark 4's STRING COLLATE UTF8_LCASE, as a collated table's files hold them) are strings,
        // checked as such: the text was refused as "column 'text' of ... is string collate UTF8_LCASE, expected a string"
        Path collated = tmp.resolve("collated.parquet");
        spark.read().parquet(in.toString()).selectExpr("id COLLATE UTF8_LCASE AS id", "text COLLATE UTF8_LCASE AS text")
                .union(spark.sql("SELECT CAST(unhex('64FF') AS STRING) COLLATE UTF8_LCASE AS id, 'ok' COLLATE UTF8_LCASE AS text"))
                .coalesce(1).write().parquet(collated.toString());
        assertEquals("string collate UTF8_LCASE", spark.read().parquet(collated.toString()).schema().apply("text").dataType().simpleString());
        Cli.Result collatedFail = Cli.run("convert", "--no-progress", "-i", collated.toString(), "-o", tmp.resolve("c-out").toString());
        assertEquals(1, collatedFail.code(), collatedFail.toString());
        assertTrue(collatedFail.err().contains(".parquet: row 1: the text is not valid UTF-8 (column 'text')"), collatedFail.err());
        Cli.Result collatedSkip = Cli.run("convert", "--no-progress", "--on-error", "skip", "-i", collated.toString(), "-o",
                tmp.resolve("cs-out").toString());
        assertEquals(0, collatedSkip.code(), collatedSkip.toString());
        assertEquals(List.of("fine text"), Cli.outputRows(tmp.resolve("cs-out"), "id").stream().map(row -> Cli.text(row, "text")).toList());
        // quarantined, each row keeps its input's id (decoded for the one that is not UTF-8, as an uncollated one), its bytes in raw
        Cli.Result collatedQ = Cli.run("convert", "--no-progress", "--on-error", "quarantine", "-i", collated.toString(), "-o",
                tmp.resolve("cq-out").toString(), "--quarantine", tmp.resolve("cq.quarantine").toString());
        assertEquals(0, collatedQ.code(), collatedQ.toString());
        List<com.fasterxml.jackson.databind.JsonNode> quarantined = Cli.outputRows(tmp.resolve("cq.quarantine"), "source_offset");
        assertEquals(List.of("a", "b", "d\ufffd"), quarantined.stream().map(row -> Cli.text(row, "id")).toList(), quarantined.toString());
        assertEquals(List.of("bad f\u00ffoo", "bad f\u00feoo", "d\u00ff"), quarantined.stream().map(row -> Cli.text(row, "raw")).toList());
        // a collated text without an id column: the id the reader made is not shown as the input's, as for a plain text (it
        // was, the made id taken for one given, as the quarantine made it again from no text)
        Path textOnly = tmp.resolve("collated-text-only.parquet");
        spark.read().parquet(collated.toString()).select("text").coalesce(1).write().parquet(textOnly.toString());
        Cli.Result textOnlyQ = Cli.run("convert", "--no-progress", "--on-error", "quarantine", "-i", textOnly.toString(), "-o",
                tmp.resolve("tq-out").toString(), "--quarantine", tmp.resolve("tq.quarantine").toString());
        assertEquals(0, textOnlyQ.code(), textOnlyQ.toString());
        quarantined = Cli.outputRows(tmp.resolve("tq.quarantine"), "source_offset");
        assertEquals(Arrays.asList(null, null), quarantined.stream().map(row -> Cli.text(row, "id")).toList(), quarantined.toString());
    }
    /**
     * A non-data file beside the JSON Lines of a folder input (PROVENANCE.md) is read as JSON Lines, as every file but hidden
     * ones is (which files are read stays so); its error says why and what to do, where it said "line 1: malformed JSON"
     * alone. A bad line of a .jsonl file, or a file named as an input, gets no such advice.
     */
    @Test
    void aNonDataFileInAFolderInputSaysHowFoldersAreRead() throws Exception {
        SparkSession spark = TestSpark.session();
        Path folder = Files.createDirectories(tmp.resolve("with-provenance"));
        Files.writeString(folder.resolve("part-0.jsonl"), "{\"id\":\"a\",\"text\":\"one\"}\n");
        Files.writeString(folder.resolve("PROVENANCE.md"), "# Provenance\n\nFrom somewhere.\n");
        Files.writeString(folder.resolve("_SUCCESS"), "");
        String message = failure(spark, folder.toString());
        assertTrue(message.contains(folder.resolve("PROVENANCE.md") + ": line 1: malformed JSON"), message);
        assertTrue(message.contains("its name says no data format, but it is in the input folder " + folder + ", and a folder is "
                + "read file by file, recursively, every file but hidden ones (named with . or _ first, as _SUCCESS): if it is not data, give a "
                + "glob of the data files (" + folder + "/*.jsonl) or move it out of the folder"), message);
        // the glob the advice gives reads the data alone
        assertEquals(1, DatasetReader.read(spark, ReadOptions.of(folder + "/*.jsonl")).collectAsList().size());
        // compressed data: the glob keeps the codec's suffix
        Path gz = Files.createDirectories(tmp.resolve("gz-with-readme"));
        try (OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(gz.resolve("part-0.jsonl.gz")))) {
            out.write("{\"id\":\"a\",\"text\":\"one\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(gz.resolve("README"), "Read me first.\n");
        String gzMessage = failure(spark, gz + "/");
        assertTrue(gzMessage.contains(gz.resolve("README") + ": line 1: malformed JSON") && gzMessage.contains("input folder " + gz
                + "/, and") && gzMessage.contains("give a glob of the data files (" + gz + "/*.jsonl.gz)"), gzMessage);
        // the file given by name, or a bad line of a .jsonl file in the folder: the data's fault, no advice
        String byName = failure(spark, ReadOptions.of(folder.resolve("PROVENANCE.md").toString()).withFormat(DataFormat.JSONL));
        assertTrue(byName.contains("PROVENANCE.md: line 1: malformed JSON") && !byName.contains("input folder"), byName);
        Path badData = Files.createDirectories(tmp.resolve("bad-data"));
        Files.writeString(badData.resolve("part-0.jsonl"), "{\"id\":\"a\",\"text\":\"one\"}\nnot json\n");
        String data = failure(spark, badData.toString());
        assertTrue(data.contains("part-0.jsonl: line 2: malformed JSON") && !data.contains("input folder"), data);
        // text-files takes any file for a document: its name says nothing there
        Path texts = Files.createDirectories(tmp.resolve("texts"));
        Files.write(texts.resolve("notes.md"), new byte[] {'a', (byte) 0xFF, 'b'});
        String text = failure(spark, ReadOptions.of(texts.toString()).withFormat(DataFormat.TEXT_FILES));
        assertTrue(text.contains("notes.md") && !text.contains("input folder"), text);
    }

    /**
     * The glob the advice gives for a folder of data files with two suffixes (shared/data/corpus: moby-dick.jsonl and
     * sotu.jsonl.gz beside PROVENANCE.md) names both: it was the first listed file's, *.jsonl.gz, and the run it advised
     * read one of the two files, the other left out in silence. A folder with a subfolder gets no glob: a glob of the
     * folder's files leaves out the subfolder's.
     */
    @Test
    void theGlobAdvisedForAFolderInputReadsEveryDataFileOfIt() throws Exception {
        SparkSession spark = TestSpark.session();
        Path mixed = Files.createDirectories(tmp.resolve("mixed-suffixes"));
        Files.writeString(mixed.resolve("moby-dick.jsonl"), "{\"id\":\"a\",\"text\":\"one\"}\n");
        try (OutputStream out = new java.util.zip.GZIPOutputStream(Files.newOutputStream(mixed.resolve("sotu.jsonl.gz")))) {
            out.write("{\"id\":\"b\",\"text\":\"two\"}\n".getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(mixed.resolve("PROVENANCE.md"), "# Provenance\n");
        String message = failure(spark, mixed.toString());
        String glob = mixed + "/*{.jsonl,.jsonl.gz}";
        assertTrue(message.contains("give a glob of the data files (" + glob + ") or move it out of the folder"), message);
        assertEquals(List.of("a", "b"), DatasetReader.read(spark, ReadOptions.of(glob)).select("id").orderBy("id")
                .as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        Path nested = Files.createDirectories(tmp.resolve("with-subfolder").resolve("2026"));
        Files.writeString(nested.resolve("part-0.jsonl"), "{\"id\":\"a\",\"text\":\"one\"}\n");
        Files.writeString(nested.getParent().resolve("part-1.jsonl"), "{\"id\":\"b\",\"text\":\"two\"}\n");
        Files.writeString(nested.getParent().resolve("README"), "Read me first.\n");
        String nestedMessage = failure(spark, nested.getParent().toString());
        assertTrue(nestedMessage.contains("if it is not data, move it out of the folder") && !nestedMessage.contains("glob"),
                nestedMessage);
    }

    private static String failure(SparkSession spark, String input) {
        return failure(spark, ReadOptions.of(input));
    }

    private static String failure(SparkSession spark, ReadOptions o) {
        Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> DatasetReader.read(spark, o).collectAsList());
        StringBuilder chain = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            chain.append(t.getMessage()).append('\n');
        }
        return chain.toString();
    }

    /**
     * A Parquet id that is not UTF-8 is read:invalid_utf8, as a text's is, naming file, row and column: Spark decoded its
     * bad bytes as U+FFFD and the row went on with an id that is not the source's (two such ids became one), so the
     * output no longer joined back to the input. An id column of bytes (binary) is held to the same; text and id both
     * bad: the text is named. The quarantine's raw holds the id's bytes, one char per byte.
     */
    @Test
    void aParquetIdThatIsNotUtf8IsAReadError() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("bad-id.parquet");
        spark.sql("SELECT * FROM VALUES ('a', 'one'), (CAST(unhex('6964FF31') AS STRING), 'two'), "
                + "(CAST(unhex('6964FE32') AS STRING), CAST(unhex('FF') AS STRING)), (CAST(NULL AS STRING), 'four') AS t(id, text)")
                .coalesce(1).write().parquet(in.toString());
        ReadOptions o = new ReadOptions(List.of(in.toString()), null, "id", "text", OnError.FAIL, false);
        Exception fail = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> DatasetReader.read(spark, o).collectAsList());
        String message = String.valueOf(fail.getMessage()) + (fail.getCause() == null ? "" : fail.getCause().getMessage());
        assertTrue(message.contains(".parquet: row 2: the id is not valid UTF-8 (column 'id'): its invalid bytes would be read "
                + "as U+FFFD"), message);
        org.apache.spark.sql.Dataset<Row> read = DatasetReader.read(spark, o.withOnError(OnError.QUARANTINE));
        List<Row> rows = read.orderBy(Columns.SOURCE_OFFSET).collectAsList();
        assertEquals(4, rows.size(), rows.toString());
        assertEquals(null, (String) rows.get(0).getAs(Columns.REASON), rows.get(0).toString());
        assertEquals("read:invalid_utf8", (String) rows.get(1).getAs(Columns.REASON), rows.get(1).toString());
        assertEquals("id\u00ff1", rows.get(1).getAs(Columns.RAW), rows.get(1).toString());
        assertEquals("read:invalid_utf8", (String) rows.get(2).getAs(Columns.REASON), rows.get(2).toString());
        assertTrue(rows.get(2).<String>getAs(Columns.ERROR).startsWith("the text is not valid UTF-8"), rows.get(2).toString());
        // a null id is made by the reader, not an error
        assertEquals(null, (String) rows.get(3).getAs(Columns.REASON), rows.get(3).toString());
        Path binary = tmp.resolve("bad-binary-id.parquet");
        spark.sql("SELECT * FROM VALUES (unhex('6F6B'), 'one'), (unhex('FF'), 'two') AS t(id, text)").coalesce(1).write()
                .parquet(binary.toString());
        List<Row> bin = DatasetReader.read(spark, new ReadOptions(List.of(binary.toString()), null, "id", "text", OnError.SKIP, false))
                .orderBy(Columns.SOURCE_OFFSET).collectAsList();
        assertEquals("ok", (String) bin.get(0).getAs("id"), bin.toString());
        assertEquals(null, (String) bin.get(0).getAs(Columns.REASON), bin.toString());
        assertEquals("read:invalid_utf8", (String) bin.get(1).getAs(Columns.REASON), bin.toString());
    }

    /**
     * A Parquet text over the bound a line may hold (256 MiB; lowered here to 64 bytes) is read:line_too_long naming file
     * and row, and its text is not kept: a 600 MB Parquet text ran the job out of memory (exit 52, naming no row) once
     * a stage worked on it. A text at the bound is read; one that is also not UTF-8 is too long, not invalid.
     */
    @Test
    void aParquetTextOverTheBoundIsAReadErrorNotAnOutOfMemory() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("long-text.parquet");
        spark.sql("SELECT * FROM VALUES ('a', repeat('x', 64)), ('b', repeat('y', 65)), ('c', CONCAT(repeat('z', 70), "
                + "CAST(unhex('FF') AS STRING))), ('d', CAST(NULL AS STRING)) AS t(id, text)").coalesce(1).write().parquet(in.toString());
        int before = DatasetReader.maxParquetTextBytes;
        DatasetReader.maxParquetTextBytes = 64;
        try {
            Cli.Result fail = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("long-out").toString());
            assertEquals(1, fail.code(), fail.toString());
            assertTrue(fail.err().contains(".parquet: row 2: text of 65 bytes (column 'text'), over the 64 bytes a document may "
                    + "hold (its bytes are not kept); split it into documents first"), fail.err());
            Path quarantine = tmp.resolve("long-q.quarantine");
            Path stats = tmp.resolve("long-stats.json");
            Cli.Result q = Cli.run("convert", "--no-progress", "--on-error", "quarantine", "-i", in.toString(), "-o",
                    tmp.resolve("long-q").toString(), "--quarantine", quarantine.toString(), "--stats", stats.toString());
            assertEquals(0, q.code(), q.toString());
            String report = Files.readString(stats);
            assertTrue(report.contains("\"line_too_long\" : 2") && report.contains("\"documents_kept\" : 1"), report);
            List<JsonNode> bad = Cli.outputRows(quarantine, "id");
            assertEquals(2, bad.size(), bad.toString());
            for (JsonNode r : bad) {
                assertEquals("read:line_too_long", Cli.text(r, "reason"), r.toString());
                assertEquals(null, Cli.text(r, "raw"), "no bytes kept: " + r);
            }
            assertEquals(List.of("b", "c"), bad.stream().map(r -> Cli.text(r, "id")).toList());
            assertEquals(List.of("x".repeat(64)), Cli.outputRows(tmp.resolve("long-q")).stream().map(r -> Cli.text(r, "text")).toList());
        } finally {
            DatasetReader.maxParquetTextBytes = before;
        }
    }

    /**
     * A Parquet row too long to keep, in an input without ids, has no id in the quarantine, as the README says of every
     * unreadable row of such an input: its id was made from the text before the text was dropped, and the quarantine,
     * making it again from the dropped (null) text, took it for the input's own. The same for chat messages.
     */
    @Test
    void aParquetRowTooLongToKeepHasNoIdOfTheInputsInTheQuarantine() throws Exception {
        SparkSession spark = TestSpark.session();
        Path texts = tmp.resolve("no-ids.parquet");
        spark.sql("SELECT * FROM VALUES ('short'), (repeat('y', 65)) AS t(text)").coalesce(1).write().parquet(texts.toString());
        Path chats = tmp.resolve("no-ids-chats.parquet");
        spark.sql("SELECT * FROM VALUES (array(named_struct('role', 'user', 'content', 'hi'))), "
                + "(array(named_struct('role', 'user', 'content', repeat('y', 65)))) AS t(messages)").coalesce(1).write().parquet(chats.toString());
        int before = DatasetReader.maxParquetTextBytes;
        DatasetReader.maxParquetTextBytes = 64;
        try {
            for (String[] input : new String[][] {{texts.toString(), "text"}, {chats.toString(), "messages"}}) {
                boolean messages = input[1].equals("messages");
                org.apache.spark.sql.Dataset<Row> read = DatasetReader.read(spark, new ReadOptions(List.of(input[0]), null, "id",
                        input[1], OnError.QUARANTINE, messages));
                Path quarantine = tmp.resolve("no-ids-" + input[1] + ".quarantine");
                dev.kindling.spark.stage.PipelineOutput.writeQuarantine(read, quarantine.toString(), false, "id", input[1]);
                List<JsonNode> bad = Cli.outputRows(quarantine);
                assertEquals(1, bad.size(), bad.toString());
                assertEquals("read:line_too_long", Cli.text(bad.get(0), "reason"), bad.toString());
                assertEquals(null, Cli.text(bad.get(0), "id"), "no id of the input's: " + bad);
            }
        } finally {
            DatasetReader.maxParquetTextBytes = before;
        }
    }

    /**
     * Parquet chat messages are held to the same bound, counted over their fields' values (lowered here to 64 bytes): a
     * messages column had none, and one huge conversation would run the job out of memory as a huge text did. A row over it
     * is read:line_too_long naming file and row, its messages not kept; one at the bound is read, and a content that is a
     * list of parts counts as its JSON text.
     */
    @Test
    void parquetMessagesOverTheBoundAreAReadErrorNotAnOutOfMemory() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("long-messages.parquet");
        spark.sql("SELECT * FROM VALUES "
                + "('a', array(named_struct('role', 'user', 'content', repeat('x', 40)), named_struct('role', 'assistant', 'content', repeat('y', 11)))), "
                + "('b', array(named_struct('role', 'user', 'content', repeat('x', 40)), named_struct('role', 'assistant', 'content', repeat('y', 12)))), "
                + "('c', array(named_struct('role', 'user', 'content', CAST(NULL AS STRING)))) AS t(id, messages)")
                .coalesce(1).write().parquet(in.toString());
        Path parts = tmp.resolve("long-parts.parquet");
        spark.sql("SELECT * FROM VALUES ('p', array(named_struct('role', 'user', 'content', "
                + "array(named_struct('type', 'text', 'text', repeat('z', 40)))))) AS t(id, messages)").write().parquet(parts.toString());
        int before = DatasetReader.maxParquetTextBytes;
        DatasetReader.maxParquetTextBytes = 64;
        try {
            ReadOptions o = new ReadOptions(List.of(in.toString()), null, "id", "messages", OnError.FAIL, true);
            Exception fail = org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                    () -> DatasetReader.read(spark, o).collectAsList());
            String message = String.valueOf(fail.getMessage()) + (fail.getCause() == null ? "" : fail.getCause().getMessage());
            // the roles count too: 4 + 40 + 9 + 12 bytes
            assertTrue(message.contains(".parquet: row 2: messages whose fields hold 65 bytes (column 'messages'), over the 64 "
                    + "bytes a document may hold (their bytes are not kept); shorten the conversation first"), message);
            List<Row> rows = DatasetReader.read(spark, o.withOnError(OnError.SKIP)).orderBy("id").collectAsList();
            assertEquals(3, rows.size(), rows.toString());
            assertEquals(null, (String) rows.get(0).getAs(Columns.REASON), rows.get(0).toString());
            assertEquals(2, rows.get(0).getList(rows.get(0).fieldIndex("messages")).size());
            assertEquals("read:line_too_long", (String) rows.get(1).getAs(Columns.REASON), rows.get(1).toString());
            assertTrue(rows.get(1).isNullAt(rows.get(1).fieldIndex("messages")), "no messages kept: " + rows.get(1));
            assertTrue(rows.get(1).isNullAt(rows.get(1).fieldIndex(Columns.RAW)), "no bytes kept: " + rows.get(1));
            assertEquals(null, (String) rows.get(2).getAs(Columns.REASON), "a NULL content counts nothing: " + rows.get(2));
            // [{"type":"text","text":"zzz..."}]: 27 bytes around the 40 of text, and the role's 4
            Row part = DatasetReader.read(spark, new ReadOptions(List.of(parts.toString()), null, "id", "messages", OnError.SKIP,
                    true)).collectAsList().get(0);
            assertEquals("read:line_too_long", (String) part.getAs(Columns.REASON), part.toString());
            assertTrue(part.<String>getAs(Columns.ERROR).startsWith("messages whose fields hold 71 bytes"), part.toString());
        } finally {
            DatasetReader.maxParquetTextBytes = before;
        }
    }

    /**
     * The bound counts every field of a message, not its content alone: a reasoning trace, a name or a tool call's
     * arguments take memory as a content does, and a conversation of short contents with a 600 MB reasoning passed the
     * bound and was read whole. A nested field (tool calls) counts as its JSON text, as a list of parts does.
     */
    @Test
    void parquetMessagesAreBoundedOverEveryFieldNotTheContentAlone() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("fields-messages.parquet");
        String calls = "array<struct<function:struct<name:string,arguments:string>>>";
        spark.sql("SELECT * FROM VALUES "
                + "('a', array(named_struct('role', 'user', 'content', 'hi', 'name', CAST(NULL AS STRING), 'reasoning', CAST(NULL AS STRING), "
                + "'tool_calls', CAST(NULL AS " + calls + ")))), "
                + "('r', array(named_struct('role', 'assistant', 'content', 'ok', 'name', 'bob', 'reasoning', repeat('t', 60), "
                + "'tool_calls', CAST(NULL AS " + calls + ")))), "
                + "('t', array(named_struct('role', 'assistant', 'content', CAST(NULL AS STRING), 'name', CAST(NULL AS STRING), "
                + "'reasoning', CAST(NULL AS STRING), 'tool_calls', array(named_struct('function', named_struct('name', 'f', "
                + "'arguments', repeat('a', 30))))))) AS t(id, messages)").coalesce(1).write().parquet(in.toString());
        int before = DatasetReader.maxParquetTextBytes;
        DatasetReader.maxParquetTextBytes = 64;
        try {
            List<Row> rows = DatasetReader.read(spark, new ReadOptions(List.of(in.toString()), null, "id", "messages", OnError.SKIP, true))
                    .orderBy("id").collectAsList();
            assertEquals(3, rows.size(), rows.toString());
            assertEquals(null, (String) rows.get(0).getAs(Columns.REASON), rows.get(0).toString());
            // assistant 9 + ok 2 + bob 3 + the reasoning's 60
            assertEquals("read:line_too_long", (String) rows.get(1).getAs(Columns.REASON), rows.get(1).toString());
            assertTrue(rows.get(1).<String>getAs(Columns.ERROR).startsWith("messages whose fields hold 74 bytes (column 'messages')"),
                    rows.get(1).toString());
            assertTrue(rows.get(1).isNullAt(rows.get(1).fieldIndex("messages")), "no messages kept: " + rows.get(1));
            // assistant 9 + [{"function":{"name":"f","arguments":"aaa..."}}] 42 around the 30 a's
            assertEquals("read:line_too_long", (String) rows.get(2).getAs(Columns.REASON), rows.get(2).toString());
            assertTrue(rows.get(2).<String>getAs(Columns.ERROR).startsWith("messages whose fields hold 81 bytes"), rows.get(2).toString());
        } finally {
            DatasetReader.maxParquetTextBytes = before;
        }
    }

    /**
     * A Parquet message's string that is not UTF-8 is read:invalid_utf8, as a text column's is, the error naming file, row,
     * message and field and the quarantine holding the string's bytes: it was decoded with U+FFFD in place of the bad
     * bytes and handed to the chat template. Every string of a message counts (a reasoning, a list of parts' text, a map
     * message's value), and a row too long for the bound is too long, not invalid.
     */
    @Test
    void parquetMessagesThatAreNotUtf8AreAReadError() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("bad-utf8-messages.parquet");
        spark.sql("SELECT * FROM VALUES "
                + "('a', array(named_struct('role', 'user', 'content', 'fine', 'reasoning', CAST(NULL AS STRING)), "
                + "named_struct('role', 'assistant', 'content', 'ok', 'reasoning', 'thought'))), "
                + "('b', array(named_struct('role', 'user', 'content', 'fine', 'reasoning', CAST(NULL AS STRING)), "
                + "named_struct('role', 'assistant', 'content', CAST(unhex('6261642066FF6F6F') AS STRING), 'reasoning', CAST(NULL AS STRING)))), "
                + "('c', array(named_struct('role', 'assistant', 'content', 'x', 'reasoning', CAST(unhex('6869FE') AS STRING)))), "
                + "('d', array(named_struct('role', 'user', 'content', CONCAT(repeat('z', 300), CAST(unhex('FF') AS STRING)), "
                + "'reasoning', CAST(NULL AS STRING)))) AS t(id, messages)").coalesce(1).write().parquet(in.toString());
        ReadOptions o = new ReadOptions(List.of(in.toString()), null, "id", "messages", OnError.FAIL, true);
        Exception fail = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> DatasetReader.read(spark, o).collectAsList());
        String message = String.valueOf(fail.getMessage()) + (fail.getCause() == null ? "" : fail.getCause().getMessage());
        assertTrue(message.contains(".parquet: row 2: message 1's content is not valid UTF-8 (column 'messages'): its invalid "
                + "bytes would be read as U+FFFD"), message);
        int before = DatasetReader.maxParquetTextBytes;
        DatasetReader.maxParquetTextBytes = 256;
        try {
            org.apache.spark.sql.Dataset<Row> read = DatasetReader.read(spark, o.withOnError(OnError.QUARANTINE));
            List<Row> rows = read.orderBy("id").collectAsList();
            assertEquals(4, rows.size(), rows.toString());
            assertEquals(null, (String) rows.get(0).getAs(Columns.REASON), rows.get(0).toString());
            assertEquals("read:invalid_utf8", (String) rows.get(1).getAs(Columns.REASON), rows.get(1).toString());
            assertEquals("read:invalid_utf8", (String) rows.get(2).getAs(Columns.REASON), rows.get(2).toString());
            assertTrue(rows.get(2).<String>getAs(Columns.ERROR).startsWith("message 0's reasoning is not valid UTF-8"), rows.get(2).toString());
            assertEquals("read:line_too_long", (String) rows.get(3).getAs(Columns.REASON), rows.get(3).toString());
            // quarantined with the string's bytes in raw, one char per byte, as a bad text is
            Path quarantine = tmp.resolve("bad-utf8-messages.quarantine");
            dev.kindling.spark.stage.PipelineOutput.writeQuarantine(read, quarantine.toString(), false, "id", "messages");
            List<JsonNode> bad = Cli.outputRows(quarantine, "id");
            assertEquals(List.of("b", "c", "d"), bad.stream().map(r -> Cli.text(r, "id")).toList(), bad.toString());
            assertEquals("bad f\u00ffoo", Cli.text(bad.get(0), "raw"));
            assertEquals("hi\u00fe", Cli.text(bad.get(1), "raw"));
        } finally {
            DatasetReader.maxParquetTextBytes = before;
        }
        // a list of parts' text, and a message written as a map
        Path parts = tmp.resolve("bad-utf8-parts.parquet");
        spark.sql("SELECT * FROM VALUES ('p', array(named_struct('role', 'user', 'content', "
                + "array(named_struct('type', 'text', 'text', 'fine'), named_struct('type', 'text', 'text', CAST(unhex('FF') AS STRING))))))"
                + " AS t(id, messages)").write().parquet(parts.toString());
        Row part = DatasetReader.read(spark, new ReadOptions(List.of(parts.toString()), null, "id", "messages", OnError.SKIP, true))
                .collectAsList().get(0);
        assertEquals("read:invalid_utf8", (String) part.getAs(Columns.REASON), part.toString());
        assertTrue(part.<String>getAs(Columns.ERROR).startsWith("message 0's content[1].text is not valid UTF-8"), part.toString());
        Path maps = tmp.resolve("bad-utf8-maps.parquet");
        spark.sql("SELECT * FROM VALUES ('m', array(map('role', 'user', 'content', 'fine'), map('role', 'user', 'content', "
                + "CAST(unhex('FF') AS STRING)))) AS t(id, messages)").write().parquet(maps.toString());
        Row map = DatasetReader.read(spark, new ReadOptions(List.of(maps.toString()), null, "id", "messages", OnError.SKIP, true))
                .collectAsList().get(0);
        assertEquals("read:invalid_utf8", (String) map.getAs(Columns.REASON), map.toString());
        assertTrue(map.<String>getAs(Columns.ERROR).startsWith("message 1's content is not valid UTF-8"), map.toString());
        // collated strings (Spark 4's STRING COLLATE UTF8_LCASE, as a collated table's files hold them) are checked as strings:
        // a struct's were passed unchecked, and a map of them was refused as no chat messages
        for (String messages : new String[] {"array(named_struct('role', 'user' COLLATE UTF8_LCASE, 'content', bad))",
                "array(map('role', 'user' COLLATE UTF8_LCASE, 'content', bad))"}) {
            Path collated = tmp.resolve("bad-utf8-collated-" + messages.length() + ".parquet");
            spark.sql("SELECT 'c' AS id, " + messages + " AS messages FROM (SELECT CAST(unhex('FF') AS STRING) COLLATE UTF8_LCASE AS bad)")
                    .write().parquet(collated.toString());
            Row c = DatasetReader.read(spark, new ReadOptions(List.of(collated.toString()), null, "id", "messages", OnError.SKIP, true))
                    .collectAsList().get(0);
            assertEquals("read:invalid_utf8", (String) c.getAs(Columns.REASON), messages + ": " + c);
            assertTrue(c.<String>getAs(Columns.ERROR).startsWith("message 0's content is not valid UTF-8"), c.toString());
        }
    }

    /**
     * A chat row whose content is not a JSON string among string contents, or whose messages are no array of objects, is
     * unreadable input as a malformed line is: it stops a default read naming file and line (it was set aside as a
     * rejection, and a default run went on), and is quarantined with its line in raw. In an input without ids it has none
     * there, as a malformed line has none: the id made from its messages was shown as the input's.
     */
    @Test
    void chatRowsOfTheWrongTypesAreReadErrors() throws Exception {
        SparkSession spark = TestSpark.session();
        String parts = "{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}]}";
        Path in = Files.write(tmp.resolve("chats.jsonl"), List.of("{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                parts, "{\"messages\":\"hi\"}"));
        ReadOptions o = new ReadOptions(List.of(in.toString()), null, "id", "messages", OnError.FAIL, true);
        Exception fail = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> DatasetReader.read(spark, o).collectAsList());
        String message = String.valueOf(fail.getMessage()) + (fail.getCause() == null ? "" : fail.getCause().getMessage());
        assertTrue(message.contains("chats.jsonl: line 2: message 0 of field 'messages' has a content that is not a JSON string"), message);
        org.apache.spark.sql.Dataset<Row> read = DatasetReader.read(spark, o.withOnError(OnError.QUARANTINE));
        Path quarantine = tmp.resolve("chats.quarantine");
        dev.kindling.spark.stage.PipelineOutput.writeQuarantine(read, quarantine.toString(), false, "id", "messages");
        List<JsonNode> bad = Cli.outputRows(quarantine, "source_line");
        assertEquals(List.of("read:text_not_string", "read:messages_not_array"), bad.stream().map(r -> Cli.text(r, "reason")).toList(),
                bad.toString());
        assertEquals(parts, Cli.text(bad.get(0), "raw"));
        for (JsonNode r : bad) {
            assertEquals(null, Cli.text(r, "id"), "no id of the input's: " + r);
        }
    }

    /**
     * Parquet messages written as maps of strings (array<map<string,string>>) are a messages column, held to the same
     * bound over their contents; the reader refused the column for its type.
     */
    @Test
    void parquetMessagesAsMapsAreReadAndBounded() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("map-messages.parquet");
        spark.sql("SELECT * FROM VALUES ('a', array(map('role', 'user', 'content', repeat('x', 60)))), "
                + "('b', array(map('role', 'user', 'content', repeat('x', 40)), map('role', 'assistant', 'content', repeat('y', 12)))), "
                + "('c', array(map('role', 'user'))) AS t(id, messages)").coalesce(1).write().parquet(in.toString());
        int before = DatasetReader.maxParquetTextBytes;
        DatasetReader.maxParquetTextBytes = 64;
        try {
            List<Row> rows = DatasetReader.read(spark, new ReadOptions(List.of(in.toString()), null, "id", "messages", OnError.SKIP, true))
                    .orderBy("id").collectAsList();
            assertEquals(3, rows.size(), rows.toString());
            assertEquals(null, (String) rows.get(0).getAs(Columns.REASON), rows.get(0).toString());
            assertEquals("x".repeat(60), rows.get(0).<scala.collection.Map<String, String>>getList(rows.get(0).fieldIndex("messages"))
                    .get(0).get("content").get());
            assertEquals("read:line_too_long", (String) rows.get(1).getAs(Columns.REASON), rows.get(1).toString());
            assertTrue(rows.get(1).<String>getAs(Columns.ERROR).startsWith("messages whose fields hold 65 bytes"), rows.get(1).toString());
            assertEquals(null, (String) rows.get(2).getAs(Columns.REASON), "its missing content is the prompt's check: " + rows.get(2));
        } finally {
            DatasetReader.maxParquetTextBytes = before;
        }
    }

    /**
     * A raw CR inside a JSON Lines record, as JSON white space between its tokens, is part of the record (json.loads of the
     * \n-split line takes it): the reader took it for a line end, cut the record into two malformed rows and numbered every
     * line after it one too far. CRLF lines read as before, their CR no part of the row (nor of a bad row's raw), and the
     * lines are numbered as \n splits them. A text-lines input still ends a line at a CR alone, as Hadoop does.
     */
    @Test
    void aCrInsideAJsonLinesRecordIsWhiteSpaceNotALineEnd() throws Exception {
        Path in = tmp.resolve("cr.jsonl");
        Files.write(in, ("{\"id\":\"a\",\r\"text\":\"one\"}\r\n{\"id\":\"b\",\"text\":\"two\"\r}\n{\"id\":\"c\",\"text\":\"three\"}\r\n"
                + "not json\r\n{\"id\":\"e\",\"text\":\"five\"}\r").getBytes(StandardCharsets.UTF_8));
        List<Row> rows = DatasetReader.read(TestSpark.session(), new ReadOptions(List.of(in.toString()), null, "id", "text",
                OnError.SKIP)).orderBy(Columns.SOURCE_OFFSET).collectAsList();
        assertEquals(5, rows.size(), rows.toString());
        assertEquals(List.of("one", "two", "three"), rows.subList(0, 3).stream().map(r -> (String) r.getAs("text")).toList());
        for (int i : new int[] {0, 1, 2, 4}) {
            assertEquals(null, (String) rows.get(i).getAs(Columns.REASON), rows.get(i).toString());
            assertEquals(i + 1L, (long) rows.get(i).<Long>getAs(Columns.SOURCE_LINE), rows.get(i).toString());
        }
        assertEquals("five", (String) rows.get(4).getAs("text"));
        Row bad = rows.get(3);
        assertEquals("read:malformed_json", (String) bad.getAs(Columns.REASON), bad.toString());
        assertEquals(4L, (long) bad.<Long>getAs(Columns.SOURCE_LINE));
        assertEquals("not json", (String) bad.getAs(Columns.RAW));
        Cli.Result fail = convert("-i", in.toString());
        assertEquals(1, fail.code(), fail.toString());
        assertTrue(fail.err().contains("cr.jsonl: line 4: malformed JSON"), fail.err());

        Path text = tmp.resolve("cr.txt");
        Files.write(text, "one\rtwo\r\nthree\n".getBytes(StandardCharsets.UTF_8));
        assertEquals(List.of("one", "two", "three"), DatasetReader.read(TestSpark.session(), new ReadOptions(List.of(text.toString()),
                null, "id", "text", OnError.FAIL)).orderBy(Columns.SOURCE_OFFSET).select("text").as(org.apache.spark.sql.Encoders.STRING())
                .collectAsList());
    }

    /**
     * A text of nothing but white space is read:empty_text, with U+0085 (NEL) among the white space as the README says:
     * the reader's pattern lacked it, and its end anchor, which Java's regex lets match before a final line terminator, took
     * a text of NEL alone as blank while " NEL " and "NEL NEL" were documents. U+001C is not white space here.
     */
    @Test
    void whiteSpaceWithNelIsAnEmptyText() throws Exception {
        Path in = tmp.resolve("blank.jsonl");
        String[] blank = {"\u0085", " \u0085 ", "\u0085\u0085", "\u00a0\u3000\u2028\u0085", "\ufeff\u0085 "};
        StringBuilder lines = new StringBuilder();
        for (int i = 0; i < blank.length; i++) {
            lines.append("{\"id\":\"b").append(i).append("\",\"text\":\"").append(blank[i]).append("\"}\n");
        }
        lines.append("{\"id\":\"fs\",\"text\":\"\\u001c\"}\n{\"id\":\"word\",\"text\":\"\u0085word\u0085\"}\n");
        Files.writeString(in, lines);
        List<Row> rows = DatasetReader.read(TestSpark.session(), new ReadOptions(List.of(in.toString()), null, "id", "text",
                OnError.FAIL)).orderBy(Columns.SOURCE_OFFSET).collectAsList();
        assertEquals(blank.length + 2, rows.size(), rows.toString());
        for (int i = 0; i < blank.length; i++) {
            assertEquals("read:empty_text", (String) rows.get(i).getAs(Columns.REASON), rows.get(i).toString());
        }
        assertEquals(null, (String) rows.get(blank.length).getAs(Columns.REASON), rows.get(blank.length).toString());
        assertEquals(null, (String) rows.get(blank.length + 1).getAs(Columns.REASON), rows.get(blank.length + 1).toString());
    }

    /**
     * A line that does not begin an object says what the parser found, as a malformed object line does: it said
     * "malformed JSON" alone, also of a line led by a byte order mark (files joined with cat after the first, each with
     * its mark), which no one can see. The mark is named.
     */
    @Test
    void aLineThatIsNoJsonSaysWhy() throws Exception {
        Path in = tmp.resolve("joined.jsonl");
        Files.write(in, "{\"id\":\"a\",\"text\":\"one\"}\n\uFEFF{\"id\":\"b\",\"text\":\"two\"}\nnot json\n"
                .getBytes(StandardCharsets.UTF_8));
        List<Row> rows = DatasetReader.read(TestSpark.session(), new ReadOptions(List.of(in.toString()), null, "id", "text",
                OnError.SKIP)).orderBy(Columns.SOURCE_OFFSET).collectAsList();
        assertEquals(3, rows.size(), rows.toString());
        String bom = rows.get(1).getAs(Columns.ERROR);
        assertTrue(bom.startsWith("malformed JSON: Unexpected character") && bom.contains("at character 1")
                && bom.contains("a byte order mark"), bom);
        String noJson = rows.get(2).getAs(Columns.ERROR);
        assertTrue(noJson.startsWith("malformed JSON: Unrecognized token 'not'"), noJson);
        Cli.Result fail = convert("-i", in.toString());
        assertEquals(1, fail.code(), fail.toString());
        assertTrue(fail.err().contains("joined.jsonl: line 2: malformed JSON: Unexpected character"), fail.err());
    }

    /**
     * The byte order mark note (a file's mark, joined on by cat; its sed removes a leading one) is for a mark that leads
     * the line: it was added wherever U+FEFF stood, inside an object too, where it is a stray character.
     */
    @Test
    void aByteOrderMarkInsideTheLineIsNotSaidToBeAFilesMark() {
        String leading = DatasetReader.whyMalformed("\uFEFF{\"id\":\"a\"}");
        assertTrue(leading.contains("at character 1" + DatasetReader.BOM_HINT), leading);
        String inside = DatasetReader.whyMalformed("{\"id\":\"a\",\uFEFF\"text\":\"one\"}");
        assertTrue(inside.contains("Unexpected character") && inside.contains("at character 11")
                && !inside.contains("byte order mark"), inside);
    }

    /**
     * A line of several JSON values ({@code 1 2}, {@code "a" "b"}) is not one object, but Jackson reads a value sequence
     * without an error, so its error said "malformed JSON" alone: it names where the second value starts.
     */
    @Test
    void aLineOfSeveralJsonValuesSaysWhereTheSecondStarts() {
        assertEquals("a second JSON value at character 3 (JSON Lines holds one object per line)", DatasetReader.whyMalformed("1 2"));
        // characters are code points, as the other messages count them: the emoji is one (Jackson's column counts two)
        assertEquals("a second JSON value at character 5 (JSON Lines holds one object per line)",
                DatasetReader.whyMalformed("\"\uD83D\uDE00\" 2"));
        String unexpected = DatasetReader.whyMalformed("{\"a\":\"\uD83D\uDE00\",}");
        assertTrue(unexpected.contains("Unexpected character ('}'") && unexpected.contains("at character 10"), unexpected);
        assertEquals("a second JSON value at character 6 (JSON Lines holds one object per line)",
                DatasetReader.whyMalformed("[1]  {\"a\":1}"));
        assertEquals(null, DatasetReader.whyMalformed(" 1 "), "one value");
    }

    /**
     * What isOneJsonValue (a line that is one value but no object is filed not_an_object, not malformed_json) and
     * whyMalformed say of the same lines, one walk of the parser answering both: one value has no reason to be malformed;
     * a blank line is not one value and has none either; a second value, or a parse error, is the reason.
     */
    @Test
    void oneJsonValueAndWhyMalformedComeFromTheSameWalk() {
        for (String one : List.of("1", " 1 ", "[1, 2]", "\"text\"", "'single'", "NaN", "{\"a\":{\"b\":[]}}")) {
            assertTrue(DatasetReader.isOneJsonValue(one), one);
            assertEquals(null, DatasetReader.whyMalformed(one), one);
        }
        for (String blank : List.of("", " \t")) {
            assertFalse(DatasetReader.isOneJsonValue(blank), "no value in '" + blank + "'");
            assertEquals(null, DatasetReader.whyMalformed(blank), "no reason for '" + blank + "'");
        }
        for (String notOne : List.of("1 2", "[1]  {\"a\":1}", "{", "not json", "\uFEFF{}", "{\"a\":1,}")) {
            assertFalse(DatasetReader.isOneJsonValue(notOne), notOne);
            assertNotNull(DatasetReader.whyMalformed(notOne), notOne);
        }
    }

    /** A key given twice: Spark keeps the last value, and the text's type check judged the first ({"text":"hi","text":5} kept as "5"). */
    @Test
    void theTextsTypeIsJudgedOnTheValueSparkKeeps() {
        assertTrue(DatasetReader.topLevelNotString("{\"id\":\"k1\",\"text\":\"hello\",\"text\":5}", "text"));
        assertTrue(!DatasetReader.topLevelNotString("{\"id\":\"k2\",\"text\":5,\"text\":\"hello\"}", "text"));
        assertTrue(DatasetReader.topLevelNotString("{\"text\":[1],\"other\":{\"text\":\"x\"}}", "text"));
        assertTrue(!DatasetReader.topLevelNotString("{\"text\":\"a\",\"other\":{\"text\":5}}", "text"), "a nested key is not the text");
    }

    /**
     * A quarantined row holds its id (under --id-column) where the input gave it one that could be read, and null where
     * the line did not parse, was not UTF-8, or the input has no such column: it had no id column at all, and a row of
     * JSON Lines that was rejected after it parsed (more after its object) was not found by its id.
     */
    @Test
    void quarantinedRowsKeepTheIdTheInputGaveThem() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("ids.jsonl");
        try (OutputStream os = Files.newOutputStream(in)) {
            for (String line : List.of("{\"doc\":\"fine\",\"text\":\"kept\"}", "{\"doc\":\"trailing\",\"text\":\"x\"} more",
                    "{\"doc\":\"half\",\"text\":\"a \\ud800 b\"}", "not json", "[1, 2]", "{\"text\":\"no id\"} more")) {
                os.write((line + "\n").getBytes(StandardCharsets.UTF_8));
            }
            os.write("{\"doc\":\"latin1\",\"text\":\"F".getBytes(StandardCharsets.UTF_8));
            os.write(new byte[] {(byte) 0xFC, 'h', 'r', 'e', 'r', '"', '}', '\n'});
        }
        Path q = tmp.resolve("ids-q");
        Cli.Result r = Cli.run("convert", "--no-progress", "--on-error", "quarantine", "--id-column", "doc", "-i", in.toString(), "-o",
                tmp.resolve("ids-out").toString(), "--quarantine", q.toString());
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> bad = Cli.outputRows(q, Columns.SOURCE_LINE);
        assertEquals(Arrays.asList("trailing", "half", null, null, null, null),
                bad.stream().map(b -> Cli.text(b, "doc")).toList(), bad.toString());
        assertEquals(List.of(2L, 3L, 4L, 5L, 6L, 7L), bad.stream().map(b -> b.get(Columns.SOURCE_LINE).longValue()).toList());

        // Parquet: the row's id, or null where the file has no id column (the reader made one from the text)
        Path pq = tmp.resolve("ids.parquet");
        spark.sql("SELECT * FROM VALUES ('p1', CAST(unhex('6261642066FF6F6F') AS STRING)), ('p2', 'fine text') AS t(id, text)")
                .coalesce(1).write().parquet(pq.toString());
        Path pqNoId = tmp.resolve("no-ids.parquet");
        spark.sql("SELECT CAST(unhex('6261642066FF6F6F') AS STRING) AS text").coalesce(1).write().parquet(pqNoId.toString());
        // text lines have no id column
        Path lines = tmp.resolve("lines.txt");
        Files.write(lines, new byte[] {'o', 'k', '\n', 'b', (byte) 0xFF, '\n'});
        for (String[] input : new String[][] {{pq.toString(), "p1"}, {pqNoId.toString(), null}, {lines.toString(), null}}) {
            Path quarantine = tmp.resolve("q-" + System.nanoTime());
            Cli.Result one = Cli.run("convert", "--no-progress", "--on-error", "quarantine", "-i", input[0], "-o",
                    tmp.resolve("o-" + System.nanoTime()).toString(), "--quarantine", quarantine.toString());
            assertEquals(0, one.code(), one.toString());
            List<JsonNode> rows = Cli.outputRows(quarantine);
            assertEquals(1, rows.size(), rows.toString());
            assertEquals(input[1], Cli.text(rows.get(0), "id"), input[0] + ": " + rows);
        }
    }
}
