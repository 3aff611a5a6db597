package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.zip.GZIPOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.TaskAttemptID;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.LineRecordReader;
import org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link BoundedLineInputFormat} reads the lines Hadoop's {@code LineRecordReader} reads, split for split (Hadoop's
 * reader is the oracle), and holds no more of a long line than its bound while giving its whole length.
 */
class BoundedLineInputFormatTest {
    /** One record: its offset, its kept bytes and its whole length. */
    record Rec(long offset, String bytes, long length) {}

    private static TaskAttemptContext context(int keepBytes, int bufferSize) {
        Configuration conf = new Configuration(false);
        conf.setInt(BoundedLineInputFormat.KEEP_BYTES, keepBytes);
        conf.setInt("io.file.buffer.size", bufferSize);
        return new TaskAttemptContextImpl(conf, new TaskAttemptID());
    }

    private static List<Rec> readSplit(RecordReader<LongWritable, ?> reader, FileSplit split, TaskAttemptContext ctx) throws Exception {
        List<Rec> out = new ArrayList<>();
        reader.initialize(split, ctx);
        try {
            while (reader.nextKeyValue()) {
                Object v = reader.getCurrentValue();
                byte[] data = v instanceof BoundedLineInputFormat.Line l ? l.data : ((Text) v).getBytes();
                int size = v instanceof BoundedLineInputFormat.Line l ? l.size : ((Text) v).getLength();
                long length = v instanceof BoundedLineInputFormat.Line l ? l.length : size;
                out.add(new Rec(reader.getCurrentKey().get(), new String(data, 0, size, StandardCharsets.ISO_8859_1), length));
            }
        } finally {
            reader.close();
        }
        return out;
    }

    /** Hadoop's reader, with the delimiter the context sets, as TextInputFormat makes it (the reader itself ignores it). */
    private static LineRecordReader hadoopReader(TaskAttemptContext ctx) {
        String delimiter = ctx.getConfiguration().get("textinputformat.record.delimiter");
        return delimiter == null ? new LineRecordReader() : new LineRecordReader(delimiter.getBytes(StandardCharsets.UTF_8));
    }

    /** Every split of a file of {@code size} bytes cut every {@code splitSize} bytes, read with one reader kind. */
    private static List<Rec> readAll(Path file, long size, long splitSize, boolean bounded, TaskAttemptContext ctx) throws Exception {
        List<Rec> out = new ArrayList<>();
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file.toUri());
        for (long s = 0; s < size || s == 0; s += splitSize) {
            FileSplit split = new FileSplit(path, s, Math.min(splitSize, size - s), new String[0]);
            out.addAll(readSplit(bounded ? new BoundedLineInputFormat.BoundedLines() : hadoopReader(ctx), split, ctx));
            if (size == 0) {
                break;
            }
        }
        return out;
    }

    /** A random text of short lines, with LF, CR and CRLF ends, empty lines, maybe a byte order mark and no final end. */
    private static byte[] randomText(Random random) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        if (random.nextInt(4) == 0) {
            b.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        }
        int lines = random.nextInt(40);
        String[] ends = {"\n", "\r", "\r\n", "\n\n", "\r\r\n"};
        for (int i = 0; i < lines; i++) {
            int n = random.nextInt(5) == 0 ? 0 : random.nextInt(30);
            for (int k = 0; k < n; k++) {
                b.write('a' + random.nextInt(26));
            }
            if (i < lines - 1 || random.nextBoolean()) {
                b.writeBytes(ends[random.nextInt(ends.length)].getBytes(StandardCharsets.US_ASCII));
            }
        }
        return b.toByteArray();
    }

    @Test
    void theLinesAreHadoopsSplitForSplit(@TempDir Path tmp) throws Exception {
        Random random = new Random(20261204);
        Path file = tmp.resolve("lines.txt");
        int checked = 0;
        for (int round = 0; round < 200; round++) {
            byte[] text = randomText(random);
            Files.write(file, text);
            // small buffers put terminators, CRLF pairs and the byte order mark across buffer ends too
            TaskAttemptContext ctx = context(1 << 20, 1 + random.nextInt(16));
            List<Rec> whole = readAll(file, text.length, Math.max(1, text.length), false, ctx);
            // a split at every byte costs a file opening per byte: on the shorter texts only (the test ran 45 s)
            long small = text.length < 120 ? 1 : 2 + random.nextInt(4);
            for (long splitSize : new long[] {small, 5 + random.nextInt(20), 1 + random.nextInt(Math.max(1, text.length))}) {
                List<Rec> expected = readAll(file, text.length, splitSize, false, ctx);
                assertEquals(whole, expected, "Hadoop itself, split every " + splitSize); // the oracle is consistent
                assertEquals(expected, readAll(file, text.length, splitSize, true, ctx),
                        "round " + round + ", split every " + splitSize + ": " + Arrays.toString(text));
                checked++;
            }
        }
        assertEquals(600, checked);
    }

    /**
     * The reader of JSON Lines ({@link BoundedLineInputFormat#LF_ONLY}) or its oracle, Hadoop's reader with {@code \n} as its
     * delimiter (whose lines then keep a final {@code \r}: {@link #withoutFinalCr}).
     */
    private static TaskAttemptContext lfOnly(int keepBytes, int bufferSize, boolean ours) {
        TaskAttemptContext ctx = context(keepBytes, bufferSize);
        if (ours) {
            ctx.getConfiguration().setBoolean(BoundedLineInputFormat.LF_ONLY, true);
        } else {
            ctx.getConfiguration().set("textinputformat.record.delimiter", "\n");
        }
        return ctx;
    }

    /** The lines with a final {@code \r} dropped, as part of their line end (a {@code \r\n}, or a {@code \r} ending the file). */
    private static List<Rec> withoutFinalCr(List<Rec> lines) {
        return lines.stream().map(r -> r.bytes.endsWith("\r") ? new Rec(r.offset, r.bytes.substring(0, r.bytes.length() - 1),
                r.length - 1) : r).toList();
    }

    /** The lines as a reader bound to {@code keep} bytes gives them: a longer one keeps no bytes, only its length. */
    private static List<Rec> bounded(List<Rec> lines, int keep) {
        return lines.stream().map(r -> r.length > keep ? new Rec(r.offset, "", r.length) : r).toList();
    }

    /**
     * For JSON Lines only {@code \n} ends a line, a {@code \r} before it (or ending the file) being part of the line end:
     * a {@code \r} alone stays in its line, as JSON white space between a record's tokens ({@code json.loads} of the
     * {@code \n}-split line takes it). Taking every {@code \r} for a line end, the reader cut such a record in two malformed
     * rows. The oracle is Hadoop's reader with {@code \n} as its delimiter, each line's final {@code \r} dropped, split for
     * split, plain and bzip2, with a bound too (a line of the bound's bytes before its {@code \r} is kept).
     */
    @Test
    void forJsonLinesOnlyLfEndsALine(@TempDir Path tmp) throws Exception {
        Random random = new Random(20261206);
        Path file = tmp.resolve("lines.jsonl");
        int crInside = 0;
        for (int round = 0; round < 150; round++) {
            byte[] text = randomText(random);
            Files.write(file, text);
            int buffer = 1 + random.nextInt(16);
            TaskAttemptContext oracle = lfOnly(1 << 20, buffer, false);
            List<Rec> expected = withoutFinalCr(readAll(file, text.length, Math.max(1, text.length), false, oracle));
            for (long splitSize : new long[] {1 + random.nextInt(Math.max(1, text.length)), 5 + random.nextInt(20)}) {
                assertEquals(expected, withoutFinalCr(readAll(file, text.length, splitSize, false, oracle)), "Hadoop itself");
                assertEquals(expected, readAll(file, text.length, splitSize, true, lfOnly(1 << 20, buffer, true)),
                        "round " + round + ", split every " + splitSize + ": " + Arrays.toString(text));
                assertEquals(bounded(expected, 10), readAll(file, text.length, splitSize, true, lfOnly(10, buffer, true)),
                        "bound 10, round " + round + ", split every " + splitSize + ": " + Arrays.toString(text));
            }
            crInside += (int) expected.stream().filter(r -> r.bytes.contains("\r")).count();
        }
        assertTrue(crInside > 100, "lines holding a \\r: " + crInside);

        Path bz = tmp.resolve("lines.jsonl.bz2");
        String[] ends = {"\n", "\r", "\r\n", "\n\n", "\r\r\n"};
        for (int round = 0; round < 2; round++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (b.size() < 250_000) {
                int n = random.nextInt(12) == 0 ? 150 + random.nextInt(600) : random.nextInt(40);
                for (int k = 0; k < n; k++) {
                    b.write('a' + random.nextInt(26));
                }
                b.writeBytes(ends[random.nextInt(ends.length)].getBytes(StandardCharsets.US_ASCII));
            }
            b.writeBytes("\nx\r".getBytes(StandardCharsets.US_ASCII)); // a last line ending in a \r, and no \n
            bzip2(bz, b.toByteArray());
            long size = Files.size(bz);
            int buffer = round == 0 ? 1 + random.nextInt(8) : 4096 + random.nextInt(60_000);
            List<Rec> whole = withoutFinalCr(readBzip2(bz, size, false, lfOnly(1 << 20, buffer, false)));
            for (long splitSize : new long[] {size, 20_000 + random.nextInt(40_000)}) {
                // (a bzip2 line's offset is where its block starts in the compressed file, so it depends on the splits)
                List<Rec> expected = withoutFinalCr(readBzip2(bz, splitSize, false, lfOnly(1 << 20, buffer, false)));
                assertEquals(whole.stream().map(Rec::bytes).toList(), expected.stream().map(Rec::bytes).toList(), "Hadoop itself");
                assertEquals(expected, readBzip2(bz, splitSize, true, lfOnly(1 << 20, buffer, true)), "bzip2, split every " + splitSize);
                assertEquals(bounded(expected, 200), readBzip2(bz, splitSize, true, lfOnly(200, buffer, true)),
                        "bzip2 bound 200, split every " + splitSize);
            }
            assertEquals("x", whole.get(whole.size() - 1).bytes);
            assertTrue(whole.stream().anyMatch(r -> r.bytes.contains("\r")), "lines holding a \\r");
        }
    }

    /**
     * A line over the bound keeps no bytes (nor the array that held its first ones) and gives its whole length, in
     * whichever split it starts, and the lines around it are read as Hadoop reads them; a line at the bound is kept.
     */
    @Test
    void aLongLineKeepsOnlyItsBoundAndItsLength(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("long.txt");
        String big = "x".repeat(5000);
        byte[] text = ("before\n" + big + "\r\nafter\n" + "z".repeat(100) + "\n" + big + "y").getBytes(StandardCharsets.US_ASCII);
        Files.write(file, text);
        TaskAttemptContext bounded = context(100, 64);
        TaskAttemptContext unbounded = context(1 << 20, 64);
        for (long splitSize : new long[] {text.length, 1000, 7, 4999}) {
            List<Rec> expected = readAll(file, text.length, splitSize, false, unbounded);
            List<Rec> got = readAll(file, text.length, splitSize, true, bounded);
            assertEquals(expected.size(), got.size(), "split every " + splitSize);
            for (int i = 0; i < got.size(); i++) {
                Rec e = expected.get(i);
                Rec g = got.get(i);
                assertEquals(e.offset, g.offset);
                assertEquals(e.bytes.length(), g.length);
                assertEquals(e.bytes.length() > 100 ? "" : e.bytes, g.bytes, "kept bytes of line " + i);
            }
            assertEquals(List.of(7L + 5000 + 2, 7L + 5000 + 2 + 6 + 101, 5001L).toString(),
                    List.of(got.get(2).offset, got.get(4).offset, got.get(4).length).toString());
            assertEquals("z".repeat(100), got.get(3).bytes, "a line of exactly the bound is kept");
        }
    }

    /** A compressed file is read whole, offsets counted in its decompressed bytes, a long line bounded as well. */
    @Test
    void aGzipFilesLongLineIsBoundedToo(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("long.txt.gz");
        String big = "z".repeat(3000);
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(file))) {
            out.write(("\uFEFFfirst\n" + big + "\nlast").getBytes(StandardCharsets.UTF_8));
        }
        List<Rec> got = readSplit(new BoundedLineInputFormat.BoundedLines(),
                new FileSplit(new org.apache.hadoop.fs.Path(file.toUri()), 0, Files.size(file), new String[0]), context(10, 64));
        assertEquals(List.of(new Rec(0, "first", 5), new Rec(9, "", 3000), new Rec(3010, "last", 4)), got);
        // a first line over the bound that begins with a byte order mark: its length without the mark
        Path bom = tmp.resolve("bom.txt.gz");
        try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(bom))) {
            out.write(("\uFEFF" + big + "\nend").getBytes(StandardCharsets.UTF_8));
        }
        assertEquals(List.of(new Rec(0, "", 3000), new Rec(3004, "end", 3)), readSplit(new BoundedLineInputFormat.BoundedLines(),
                new FileSplit(new org.apache.hadoop.fs.Path(bom.toUri()), 0, Files.size(bom), new String[0]), context(10, 64)));
    }

    /** {@code text} as a bzip2 file of 100 kB blocks (the smallest), so that a few hundred kB make several splittable blocks. */
    private static void bzip2(Path file, byte[] text) throws Exception {
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(new byte[] {'B', 'Z'}); // as Hadoop's BZip2Codec writes it; the stream writes "h1" and the blocks
            try (OutputStream bz = new org.apache.hadoop.io.compress.bzip2.CBZip2OutputStream(out, 1)) {
                bz.write(text);
            }
        }
    }

    /** Every split of a bzip2 file, read by Hadoop's reader or {@link BoundedLineInputFormat.Bzip2Lines}. */
    private static List<Rec> readBzip2(Path file, long splitSize, boolean bounded, TaskAttemptContext ctx) throws Exception {
        List<Rec> out = new ArrayList<>();
        long size = Files.size(file);
        org.apache.hadoop.fs.Path path = new org.apache.hadoop.fs.Path(file.toUri());
        for (long s = 0; s < size; s += splitSize) {
            FileSplit split = new FileSplit(path, s, Math.min(splitSize, size - s), new String[0]);
            out.addAll(readSplit(bounded ? new BoundedLineInputFormat.Bzip2Lines() : hadoopReader(ctx), split, ctx));
        }
        return out;
    }

    /**
     * bzip2 files are read in splits as Hadoop reads them (the oracle), and a line over the bound keeps no bytes but
     * gives its exact length, whichever line end it has (\n, \r, \r\n, none), in whichever split or block it lies, and
     * with line ends across the reader's fills and the blocks' ends.
     */
    @Test
    void bzip2SplitsAreHadoopsAndTheirLongLinesBounded(@TempDir Path tmp) throws Exception {
        Random random = new Random(20261205);
        Path file = tmp.resolve("lines.txt.bz2");
        String[] ends = {"\n", "\r", "\r\n", "\n\n", "\r\r\n"};
        int longLines = 0;
        for (int round = 0; round < 6; round++) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            if (round % 2 == 0) {
                b.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
            }
            while (b.size() < 250_000) {
                // short lines, and now and then one over the bound (200 bytes), up to longer than a block
                int n = random.nextInt(12) == 0 ? 150 + random.nextInt(random.nextInt(40) == 0 ? 120_000 : 600) : random.nextInt(40);
                for (int k = 0; k < n; k++) {
                    b.write('a' + random.nextInt(26));
                }
                b.writeBytes(ends[random.nextInt(ends.length)].getBytes(StandardCharsets.US_ASCII));
            }
            if (round % 3 == 0) {
                b.writeBytes("x".repeat(300).getBytes(StandardCharsets.US_ASCII)); // a long last line with no end
            }
            bzip2(file, b.toByteArray());
            long size = Files.size(file);
            int buffer = round < 2 ? 1 + random.nextInt(8) : 4096 + random.nextInt(60_000);
            TaskAttemptContext ctx = context(1 << 20, buffer);
            TaskAttemptContext bounded = context(200, buffer);
            List<Rec> whole = readBzip2(file, size, false, ctx);
            for (long splitSize : new long[] {size, 20_000 + random.nextInt(40_000), 1 + random.nextInt((int) size)}) {
                List<Rec> expected = readBzip2(file, splitSize, false, ctx);
                assertEquals(whole.size(), expected.size(), "Hadoop itself, split every " + splitSize);
                assertEquals(expected, readBzip2(file, splitSize, true, ctx), "round " + round + ", split every " + splitSize);
                List<Rec> got = readBzip2(file, splitSize, true, bounded);
                assertEquals(expected.size(), got.size());
                for (int i = 0; i < got.size(); i++) {
                    Rec e = expected.get(i);
                    Rec g = got.get(i);
                    assertEquals(new Rec(e.offset, e.bytes.length() > 200 ? "" : e.bytes, e.bytes.length()), g,
                            "round " + round + ", split every " + splitSize + ", line " + i);
                    longLines += e.bytes.length() > 200 ? 1 : 0;
                }
            }
            assertTrue(whole.size() > 500, "lines: " + whole.size());
        }
        assertTrue(longLines > 100, "long lines checked: " + longLines);
    }

    /** Through Spark: the long line is its row's error with its whole length, the lines around it are rows. */
    @Test
    void lineSourceMakesTheLongLineItsRowsError(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("long.jsonl");
        String big = "{\"text\":\"" + "q".repeat(2000) + "\"}";
        Files.writeString(file, "{\"text\":\"a\"}\n" + big + "\n{\"text\":\"b\"}\n");
        List<org.apache.spark.sql.Row> rows = LineSource.read(dev.kindling.spark.TestSpark.session(), List.of(tmp.toString()), 1000)
                .orderBy(Columns.SOURCE_OFFSET).collectAsList();
        assertEquals(3, rows.size());
        assertEquals("{\"text\":\"a\"}", rows.get(0).getAs("value"));
        assertEquals("line of " + big.length() + " bytes, over the 1000 bytes a line may hold (its bytes are not kept)",
                rows.get(1).getAs(Columns.ERROR));
        assertEquals(2L, (long) rows.get(1).getAs(Columns.SOURCE_LINE));
        assertEquals("{\"text\":\"b\"}", rows.get(2).getAs("value"));
    }
}
