package dev.kindling.spark.io;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CodecPool;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.Decompressor;
import org.apache.hadoop.io.compress.SplittableCompressionCodec;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;
import org.apache.hadoop.mapreduce.lib.input.LineRecordReader;

/**
 * Text files as lines, as Hadoop's {@code TextInputFormat} reads them ({@code \n}, {@code \r} or {@code \r\n} end a
 * line; a split reads the lines that start in it; a UTF-8 byte order mark at the start of a file is dropped;
 * compressed files decompressed), except that a line longer than {@link #keepBytes} is measured, not kept: it
 * reports its whole length ({@link Line#length}) and no bytes, and no more than the bound is ever held for it. Hadoop's reader grows its buffer to hold any line, up to about
 * twice its size, before the caller can see how long it is: a 1 GiB line took 2 GiB or more of one task's heap on
 * its way to becoming an error row, and one over 2 GiB failed the read. Its only bound
 * ({@code mapreduce.input.linerecordreader.line.maxlength}) drops such lines without a trace.
 *
 * <p>Files are listed in name order ({@link #listStatus}). bzip2 files, the one splittable compressed format, are
 * read through Hadoop's own reader in splits (its block-boundary handling is not worth repeating here), so their long
 * lines are still held whole before they are refused.
 */
public final class BoundedLineInputFormat extends FileInputFormat<LongWritable, BoundedLineInputFormat.Line> {
    /** Setting: the longest line kept; a longer one keeps no bytes (the caller refuses it). */
    public static final String KEEP_BYTES = "kindling.line.keep.bytes";

    /**
     * A line: its bytes, unless it is longer than the bound (then none: the caller only refuses it), and its whole
     * length (without its terminator, and without a byte order mark).
     */
    public static final class Line {
        private static final byte[] NONE = new byte[0];
        /** The line's bytes are {@code data[0, size)}; {@code size} is 0 for a line over the bound. */
        public byte[] data = NONE;
        public int size;
        /** The whole line's length in bytes. */
        public long length;

        /** Appends {@code n} bytes, growing {@link #data} to at most {@code cap} bytes. */
        void append(byte[] b, int off, int n, int cap) {
            if (size + n > data.length) {
                data = java.util.Arrays.copyOf(data, (int) Math.min(cap, Math.max(size + n, 2L * data.length + 64)));
            }
            System.arraycopy(b, off, data, size, n);
            size += n;
        }

        /** Drops the kept bytes, and the array too where it is large (a line near the bound), for the lines after it. */
        void drop() {
            size = 0;
            if (data.length > (1 << 20)) {
                data = NONE;
            }
        }
    }

    /**
     * A folder is listed in the file system's own order (a local disk's directory order, S3's key order), and the
     * splits, and so the partitions, come in that order: which file went first into an output part or a pack shard
     * depended on the file system the same files were on. Sorted by name, they do not.
     */
    @Override
    protected List<FileStatus> listStatus(JobContext job) throws IOException {
        List<FileStatus> files = new ArrayList<>(super.listStatus(job));
        files.sort(Comparator.comparing((FileStatus s) -> s.getPath().toString()));
        return files;
    }

    /** As {@code TextInputFormat}: plain files and bzip2 are split, other compressed files read whole. */
    @Override
    protected boolean isSplitable(JobContext context, Path file) {
        CompressionCodec codec = new CompressionCodecFactory(context.getConfiguration()).getCodec(file);
        return codec == null || codec instanceof SplittableCompressionCodec;
    }

    @Override
    public RecordReader<LongWritable, Line> createRecordReader(InputSplit split, TaskAttemptContext context) {
        FileSplit fs = (FileSplit) split;
        CompressionCodec codec = new CompressionCodecFactory(context.getConfiguration()).getCodec(fs.getPath());
        return codec instanceof SplittableCompressionCodec ? new HadoopLines() : new BoundedLines();
    }

    static int keepBytes(Configuration conf) {
        return conf.getInt(KEEP_BYTES, LineSource.MAX_LINE_BYTES);
    }

    /**
     * Reads a stream line by line as Hadoop's {@code LineReader} splits it, keeping at most a given number of each
     * line's bytes and counting the rest.
     */
    static final class LineScanner {
        private final InputStream in;
        private final byte[] buffer;
        private int length;
        private int position;
        /** The length of the line {@link #readLine} last read, whole. */
        long lineLength;
        /** Its first three bytes (as many as it has), kept even where the line is not (a byte order mark's test). */
        final byte[] firstBytes = new byte[3];

        LineScanner(InputStream in, int bufferSize) {
            this.in = in;
            this.buffer = new byte[bufferSize];
        }

        /**
         * Reads the next line into {@code into}: its bytes when it has at most {@code keep}, else none (it is only
         * measured, and the array that held its first bytes let go); returns the bytes consumed, its terminator included,
         * or 0 at the end of the stream.
         */
        long readLine(Line into, int keep) throws IOException {
            into.size = 0;
            lineLength = 0;
            long consumed = 0;
            while (true) {
                if (position == length && !fill()) {
                    return consumed; // the stream ends: the last line had no terminator (or there is none)
                }
                int from = position;
                while (position < length && buffer[position] != '\n' && buffer[position] != '\r') {
                    position++;
                }
                int n = position - from;
                for (int i = 0; lineLength + i < firstBytes.length && i < n; i++) {
                    firstBytes[(int) lineLength + i] = buffer[from + i];
                }
                if (lineLength + n <= keep) {
                    into.append(buffer, from, n, keep);
                } else if (lineLength <= keep) {
                    into.drop(); // past the bound: nothing of it is kept
                }
                lineLength += n;
                consumed += n;
                if (position < length) {
                    byte end = buffer[position++];
                    consumed++;
                    // \r\n is one terminator, also when the \n is in the next buffer
                    if (end == '\r' && (position < length || fill()) && buffer[position] == '\n') {
                        position++;
                        consumed++;
                    }
                    return consumed;
                }
            }
        }

        private boolean fill() throws IOException {
            int n;
            do {
                n = in.read(buffer, 0, buffer.length);
            } while (n == 0);
            length = Math.max(n, 0);
            position = 0;
            return n > 0;
        }
    }

    /** Plain files and whole compressed files, each line's kept bytes bounded. */
    static final class BoundedLines extends RecordReader<LongWritable, Line> {
        private static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        private final LongWritable key = new LongWritable();
        private final Line value = new Line();
        private FSDataInputStream file;
        private InputStream stream;
        private Decompressor decompressor;
        private LineScanner lines;
        private int keep;
        private long start;
        private long end;
        private long splitLength;
        private long position;

        @Override
        public void initialize(InputSplit genericSplit, TaskAttemptContext context) throws IOException {
            FileSplit split = (FileSplit) genericSplit;
            Configuration conf = context.getConfiguration();
            keep = keepBytes(conf);
            start = split.getStart();
            splitLength = split.getLength();
            Path path = split.getPath();
            file = path.getFileSystem(conf).open(path);
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
            if (codec != null) { // read whole (isSplitable); offsets count decompressed bytes, as Hadoop's do
                decompressor = CodecPool.getDecompressor(codec);
                stream = codec.createInputStream(file, decompressor);
                start = 0;
                end = Long.MAX_VALUE;
            } else {
                file.seek(start);
                stream = file;
                end = start + splitLength;
            }
            lines = new LineScanner(stream, conf.getInt("io.file.buffer.size", 64 << 10));
            position = start;
            if (start != 0) { // the line under way at the split's start belongs to the split before
                position += lines.readLine(value, 0);
            }
        }

        @Override
        public boolean nextKeyValue() throws IOException {
            if (position > end) { // a line that starts at the split's end is this split's (the next one skips it)
                return false;
            }
            long at = position;
            boolean first = at == 0;
            long n = lines.readLine(value, first ? keep + BOM.length : keep);
            if (n == 0) {
                return false;
            }
            position += n;
            value.length = lines.lineLength;
            if (first && lines.lineLength >= BOM.length && startsWithBom(value)) {
                if (n == BOM.length) {
                    return false; // a file of a byte order mark alone has no line, as an empty one has none
                }
                value.length -= BOM.length;
                if (value.size > 0) {
                    System.arraycopy(value.data, BOM.length, value.data, 0, value.size - BOM.length);
                    value.size -= BOM.length;
                }
            }
            if (value.length > keep) {
                value.drop(); // a first line without a byte order mark may have kept up to 3 bytes more than the bound
            }
            key.set(at);
            return true;
        }

        /**
         * Whether the first line begins with a byte order mark. A first line over the bound keeps no bytes, so its first
         * three are read as they went by ({@link LineScanner#firstBytes}).
         */
        private boolean startsWithBom(Line line) {
            byte[] b = line.size >= BOM.length ? line.data : lines.firstBytes;
            return b[0] == BOM[0] && b[1] == BOM[1] && b[2] == BOM[2];
        }

        @Override
        public LongWritable getCurrentKey() {
            return key;
        }

        @Override
        public Line getCurrentValue() {
            return value;
        }

        @Override
        public float getProgress() throws IOException {
            if (splitLength == 0) {
                return 1f;
            }
            long done = end == Long.MAX_VALUE ? file.getPos() : position - start; // compressed: bytes of the file read
            return Math.min(1f, done / (float) splitLength);
        }

        @Override
        public void close() throws IOException {
            try {
                if (stream != null) {
                    stream.close();
                } else if (file != null) {
                    file.close();
                }
            } finally {
                if (decompressor != null) {
                    CodecPool.returnDecompressor(decompressor);
                    decompressor = null;
                }
            }
        }
    }

    /** bzip2 in splits: Hadoop's reader, each line whole. */
    static final class HadoopLines extends RecordReader<LongWritable, Line> {
        private final LineRecordReader hadoop = new LineRecordReader();
        private final Line value = new Line();

        @Override
        public void initialize(InputSplit split, TaskAttemptContext context) throws IOException {
            // the other files' reader splits lines at \n, \r and \r\n and drops none: so does this one, whatever a shared
            // configuration sets for Hadoop's (a custom delimiter, a length past which lines are skipped without a trace)
            Configuration conf = new Configuration(context.getConfiguration());
            conf.unset("textinputformat.record.delimiter");
            conf.unset(LineRecordReader.MAX_LINE_LENGTH);
            hadoop.initialize(split, new org.apache.hadoop.mapreduce.task.TaskAttemptContextImpl(conf, context.getTaskAttemptID()));
        }

        @Override
        public boolean nextKeyValue() throws IOException {
            if (!hadoop.nextKeyValue()) {
                return false;
            }
            Text t = hadoop.getCurrentValue();
            value.data = t.getBytes();
            value.size = t.getLength();
            value.length = t.getLength();
            return true;
        }

        @Override
        public LongWritable getCurrentKey() {
            return hadoop.getCurrentKey();
        }

        @Override
        public Line getCurrentValue() {
            return value;
        }

        @Override
        public float getProgress() throws IOException {
            return hadoop.getProgress();
        }

        @Override
        public void close() throws IOException {
            hadoop.close();
        }
    }
}
