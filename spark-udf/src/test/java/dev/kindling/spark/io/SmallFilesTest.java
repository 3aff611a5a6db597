package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Small files share a split, as Spark's own file sources pack them: a split (and a task) per file made 5,000 one-line
 * files 5,000 tasks in each pass over the input, some 15 minutes for a convert. Each row still names its own file, its
 * byte offset and, where its file's part starts at byte 0, its exact line; a file that cannot be read is named.
 */
class SmallFilesTest {
    @TempDir Path tmp;

    /** A line as it will be read back: its file's name, offset in the file and 1-based line number (null: unknown). */
    record Expected(String file, long offset, Long line, String value) {}

    /** Writes {@code lines} to {@code name} with {@code end} after each (and {@code prefix} first), noting each line. */
    private static void write(Path dir, String name, String prefix, List<String> lines, String end, List<Expected> into) throws Exception {
        StringBuilder b = new StringBuilder(prefix);
        long offset = prefix.getBytes(StandardCharsets.UTF_8).length;
        for (int i = 0; i < lines.size(); i++) {
            // a byte order mark is not part of the first line: its offset is 0, the next ones count it
            into.add(new Expected(name, i == 0 ? 0 : offset, i + 1L, lines.get(i)));
            b.append(lines.get(i)).append(end);
            offset += lines.get(i).getBytes(StandardCharsets.UTF_8).length + end.length();
        }
        Files.writeString(dir.resolve(name), b.toString());
    }

    /** The rows of {@code paths} read by LineSource, with the partition each came from. */
    private static List<Row> read(List<String> paths, int maxLineBytes) {
        Dataset<Row> lines = LineSource.read(TestSpark.session(), paths, maxLineBytes);
        return lines.select(functions.col("*"), functions.spark_partition_id().as("partition")).collectAsList();
    }

    private static String name(Row r) {
        return Path.of(java.net.URI.create(r.<String>getAs(Columns.SOURCE_FILE))).getFileName().toString();
    }

    private static void assertRows(List<Expected> expected, List<Row> rows) {
        assertEquals(expected.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            Row r = rows.get(i);
            Expected e = expected.get(i);
            assertEquals(e, new Expected(name(r), r.<Long>getAs(Columns.SOURCE_OFFSET), r.<Long>getAs(Columns.SOURCE_LINE),
                    r.<String>getAs("value")), "row " + i);
        }
    }

    /**
     * 200 files of three lines are 7 partitions, as Spark packs them with its defaults on two cores (each file counted
     * with 4 MiB for opening it, 128 MiB a partition: 32 files in each), not 200; every line comes back once, in name
     * order, with its own file, offset and line, through a byte order mark and CRLF line ends. Hidden files are not read.
     */
    @Test
    void manySmallFilesAreFewPartitionsAndEachRowKeepsItsFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("many"));
        List<Expected> expected = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            List<String> lines = new ArrayList<>();
            for (int k = 0; k < 3; k++) {
                lines.add("{\"id\":\"" + i + "-" + k + "\",\"text\":\"" + "w".repeat(i % 7) + " file " + i + " line " + k + "\"}");
            }
            write(dir, String.format("doc-%03d.jsonl", i), i == 50 ? "\uFEFF" : "", lines, i == 100 ? "\r\n" : "\n", expected);
        }
        Files.writeString(dir.resolve("_SUCCESS"), "");
        Files.writeString(dir.resolve(".doc-001.jsonl.crc"), "not data\n");
        Files.writeString(Files.createDirectories(dir.resolve("_temporary/0")).resolve("doc-999.jsonl"), "{\"id\":\"hidden\"}\n");
        List<Row> rows = read(List.of(dir.toString()), LineSource.MAX_LINE_BYTES);
        assertRows(expected, rows);
        assertEquals(7, LineSource.read(TestSpark.session(), List.of(dir.toString())).rdd().getNumPartitions());
        // the partitions hold runs of files in name order: 32 files each, the last 8
        for (Row r : rows) {
            int file = Integer.parseInt(name(r).substring(4, 7));
            assertEquals(file / 32, (int) r.<Integer>getAs("partition"), r.toString());
        }
        // spark.sql.files.maxPartitionNum bounds them as it bounds Spark's own: the same files packed again, 67 to a split
        SparkSession spark = TestSpark.session();
        spark.conf().set("spark.sql.files.maxPartitionNum", "3");
        try {
            assertEquals(3, LineSource.read(spark, List.of(dir.toString())).rdd().getNumPartitions());
            assertRows(expected, read(List.of(dir.toString()), LineSource.MAX_LINE_BYTES));
        } finally {
            spark.conf().unset("spark.sql.files.maxPartitionNum");
        }
    }

    /** {@code text} as a bzip2 file of 100 kB blocks, so that a few hundred kB make several blocks. */
    private static byte[] bzip2(byte[] text) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(new byte[] {'B', 'Z'}); // as Hadoop's BZip2Codec writes it; the stream writes "h1" and the blocks
        try (OutputStream bz = new org.apache.hadoop.io.compress.bzip2.CBZip2OutputStream(b, 1)) {
            bz.write(text);
        }
        return b.toByteArray();
    }

    /**
     * With the session's {@code spark.sql.files.*} settings small (64 KiB a partition, 1 KiB to open a file), small files
     * share a partition, a large plain file and a large .bz2 are cut into parts, and a .gz, an empty file and the small
     * ones after them go in with the parts around them: every line once, in order, each with its file; exact lines where
     * a file is read from byte 0 (the large file's later parts have none, as before).
     */
    @Test
    void smallAndLargeFilesCompressedAndEmptyTogether() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("mix"));
        List<Expected> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            write(dir, "a-" + i + ".jsonl", "", List.of("{\"a\":" + i + "}", "{\"a\":" + i + ",\"k\":2}"), "\n", expected);
        }
        List<String> big = new ArrayList<>();
        for (int i = 0; i < 2000; i++) {
            big.add("{\"big\":" + i + ",\"pad\":\"" + "p".repeat(80) + "\"}");
        }
        List<Expected> bigLines = new ArrayList<>();
        write(dir, "b-big.jsonl", "", big, "\n", bigLines);
        long bigSize = Files.size(dir.resolve("b-big.jsonl"));
        Files.writeString(dir.resolve("c-empty.jsonl"), "");
        List<String> gz = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            gz.add("{\"gz\":" + i + "}");
        }
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(dir.resolve("d-small.jsonl.gz")))) {
            out.write((String.join("\n", gz) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        Random random = new Random(7);
        List<String> bz = new ArrayList<>();
        StringBuilder bzText = new StringBuilder();
        while (bzText.length() < 400_000) {
            StringBuilder line = new StringBuilder("{\"bz\":" + bz.size() + ",\"r\":\"");
            for (int k = 0, n = random.nextInt(120); k < n; k++) {
                line.append((char) ('a' + random.nextInt(26)));
            }
            bz.add(line.append("\"}").toString());
            bzText.append(line).append('\n');
        }
        byte[] bzBytes = bzip2(bzText.toString().getBytes(StandardCharsets.UTF_8));
        Files.write(dir.resolve("e-large.jsonl.bz2"), bzBytes);
        List<Expected> after = new ArrayList<>();
        write(dir, "f-after.jsonl", "", List.of("{\"f\":1}", "{\"f\":2}", "{\"f\":3}"), "\n", after);

        SparkSession spark = TestSpark.session();
        Map<String, String> settings = Map.of("spark.sql.files.maxPartitionBytes", "64k", "spark.sql.files.openCostInBytes", "1024",
                "spark.sql.files.minPartitionNum", "1");
        settings.forEach(spark.conf()::set);
        List<Row> rows;
        int partitions;
        try {
            rows = read(List.of(dir.toString()), LineSource.MAX_LINE_BYTES);
            partitions = LineSource.read(spark, List.of(dir.toString())).rdd().getNumPartitions();
        } finally {
            settings.keySet().forEach(spark.conf()::unset);
        }
        // a: 10 files of 1 KiB and a few bytes each; b: 4 parts of at most 64 KiB; c, d and the last part of b; e's parts
        // and f with the last of them
        long bParts = (bigSize + 65535) / 65536;
        long eParts = (bzBytes.length + 65535) / 65536;
        assertTrue(bigSize > 3 * 65536 && eParts >= 3, bigSize + " " + bzBytes.length);
        assertEquals(1 + bParts + eParts, partitions);
        int at = 0;
        List<Row> a = rows.subList(at, at += 20);
        assertRows(expected, a);
        assertEquals(Set.of(0), new HashSet<>(a.stream().map(r -> r.<Integer>getAs("partition")).toList()), "the small files share one");
        List<Row> b = rows.subList(at, at += big.size());
        for (int i = 0; i < b.size(); i++) {
            Expected e = bigLines.get(i);
            Row r = b.get(i);
            assertEquals("b-big.jsonl", name(r));
            assertEquals(e.value(), r.getAs("value"));
            assertEquals(e.offset(), (long) r.<Long>getAs(Columns.SOURCE_OFFSET));
            // the first part is read from byte 0; a later part does not know how many lines came before it
            assertEquals(e.offset() <= 65536 ? e.line() : null, r.<Long>getAs(Columns.SOURCE_LINE), "line " + (i + 1));
        }
        List<Row> d = rows.subList(at, at += gz.size());
        for (int i = 0; i < d.size(); i++) {
            assertEquals("d-small.jsonl.gz", name(d.get(i)));
            assertEquals(gz.get(i), d.get(i).getAs("value"));
            assertEquals(i + 1L, (long) d.get(i).<Long>getAs(Columns.SOURCE_LINE));
        }
        assertEquals(b.get(b.size() - 1).<Integer>getAs("partition"), d.get(0).<Integer>getAs("partition"), "the .gz joins b's last part");
        List<Row> e = rows.subList(at, at += bz.size());
        for (int i = 0; i < e.size(); i++) {
            assertEquals("e-large.jsonl.bz2", name(e.get(i)));
            assertEquals(bz.get(i), e.get(i).getAs("value"), "bz line " + (i + 1));
        }
        assertEquals(1L, (long) e.get(0).<Long>getAs(Columns.SOURCE_LINE));
        assertNull(e.get(e.size() - 1).<Long>getAs(Columns.SOURCE_LINE));
        assertRows(after, rows.subList(at, rows.size()));
        assertEquals(e.get(e.size() - 1).<Integer>getAs("partition"), rows.get(rows.size() - 1).<Integer>getAs("partition"));
    }

    /**
     * In a split of several files, a bad line names its own file and line, not the split's first file: not UTF-8, over
     * the bound, a UTF-16 file, and a .gz cut short (unreadable after its last line read).
     */
    @Test
    void aBadLineInTheThirdOfCombinedFilesNamesThatFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("bad"));
        Files.writeString(dir.resolve("1-a.jsonl"), "{\"id\":\"a1\",\"text\":\"one\"}\n{\"id\":\"a2\",\"text\":\"two\"}\n");
        Files.writeString(dir.resolve("2-b.jsonl"), "{\"id\":\"b1\",\"text\":\"three\"}\n");
        byte[] bad = "{\"id\":\"c1\",\"text\":\"fine\"}\n{\"id\":\"c2\",\"text\":\"bad \u00ff here\"}\n{\"id\":\"c3\",\"text\":\"after\"}\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        Files.write(dir.resolve("3-c.jsonl"), bad);
        Files.writeString(dir.resolve("4-d.jsonl"), "{\"id\":\"d1\",\"text\":\"" + "x".repeat(200) + "\"}\n{\"id\":\"d2\",\"text\":\"y\"}\n");
        Files.write(dir.resolve("5-e.jsonl"), "\uFEFF{\"id\":\"e1\",\"text\":\"utf16\"}\n".getBytes(StandardCharsets.UTF_16LE));
        SparkSession spark = TestSpark.session();
        // one split for all: by the defaults, two cores would share the five files
        spark.conf().set("spark.sql.files.minPartitionNum", "1");
        try {
            List<Row> rows = read(List.of(dir.toString()), 100);
            assertEquals(1, LineSource.read(spark, List.of(dir.toString())).rdd().getNumPartitions(), "five small files, one split");
            List<String> errors = new ArrayList<>();
            for (Row r : rows) {
                if (r.getAs(Columns.ERROR) != null) {
                    errors.add(name(r) + ":" + r.getAs(Columns.SOURCE_LINE) + ":" + r.getAs(Columns.SOURCE_OFFSET) + ": " + r.getAs(Columns.ERROR));
                }
            }
            int badAt = "{\"id\":\"c2\",\"text\":\"bad ".length();
            long longLine = "{\"id\":\"d1\",\"text\":\"\"}".length() + 200;
            assertEquals(List.of("3-c.jsonl:2:" + ("{\"id\":\"c1\",\"text\":\"fine\"}".length() + 1) + ": invalid UTF-8 at byte " + badAt + " of the line",
                    "4-d.jsonl:1:0: line of " + longLine + " bytes, over the 100 bytes a line may hold (its bytes are not kept)",
                    "5-e.jsonl:1:0: the file starts with a UTF-16 byte order mark: it is UTF-16, not UTF-8; convert it (iconv -f UTF-16 -t UTF-8)"),
                    errors);
            assertEquals(Arrays.asList(1L, 2L, 1L, 1L, 2L, 3L), rows.subList(0, 6).stream().map(r -> r.<Long>getAs(Columns.SOURCE_LINE)).toList());

            // through the command line: the job stops at the bad line, naming 3-c.jsonl and its line
            Files.delete(dir.resolve("4-d.jsonl"));
            Files.delete(dir.resolve("5-e.jsonl"));
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", dir.toString(), "-o", tmp.resolve("out-bad").toString());
            assertEquals(1, r.code(), r.toString());
            assertTrue(r.err().contains(dir.resolve("3-c.jsonl") + ": line 2: invalid UTF-8 at byte " + badAt + " of the line"), r.err());

            // a .gz cut short among them is named, with the last line read from it (not the file before it)
            Files.delete(dir.resolve("3-c.jsonl"));
            ByteArrayOutputStream whole = new ByteArrayOutputStream();
            Random random = new Random(3);
            try (OutputStream out = new GZIPOutputStream(whole)) {
                for (int i = 0; i < 3000; i++) {
                    out.write(("{\"id\":\"g" + i + "\",\"text\":\"" + random.nextLong() + "\"}\n").getBytes(StandardCharsets.UTF_8));
                }
            }
            Files.write(dir.resolve("3-cut.jsonl.gz"), Arrays.copyOf(whole.toByteArray(), whole.size() / 2));
            Files.writeString(dir.resolve("4-after.jsonl"), "{\"id\":\"z\",\"text\":\"after the cut file\"}\n");
            Cli.Result cut = Cli.run("convert", "--no-progress", "-i", dir.toString(), "-o", tmp.resolve("out-cut").toString());
            assertEquals(1, cut.code(), cut.toString());
            assertTrue(cut.err().matches("(?s).*" + java.util.regex.Pattern.quote(dir.resolve("3-cut.jsonl.gz") + ": unreadable after line ")
                    + "[1-9][0-9]*: .*a truncated or corrupt compressed file\\?.*"), cut.err());
        } finally {
            spark.conf().unset("spark.sql.files.minPartitionNum");
        }
    }
}
