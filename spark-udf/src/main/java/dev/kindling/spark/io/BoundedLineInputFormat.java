package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.BlockLocation;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.io.Text;
import org.apache.hadoop.io.compress.CodecPool;
import org.apache.hadoop.io.compress.CompressionCodec;
import org.apache.hadoop.io.compress.CompressionCodecFactory;
import org.apache.hadoop.io.compress.Decompressor;
import org.apache.hadoop.io.compress.SplitCompressionInputStream;
import org.apache.hadoop.io.compress.SplittableCompressionCodec;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.CombineFileSplit;
import org.apache.hadoop.mapreduce.lib.input.CompressedSplitLineReader;
import org.apache.hadoop.mapreduce.lib.input.FileInputFormat;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;

/**
 * Text files as lines, as Hadoop's {@code TextInputFormat} reads them ({@code \n}, {@code \r} or {@code \r\n} end a
 * line, or {@code \n} alone for JSON Lines: {@link #LF_ONLY}; a split reads the lines that start in it; a UTF-8 byte
 * order mark at the start of a file is dropped; compressed files decompressed), except that a line longer than {@link #keepBytes} is measured, not kept: it
 * reports its whole length ({@link Line#length}) and no bytes, and no more than the bound is ever held for it. Hadoop's reader grows its buffer to hold any line, up to about
 * twice its size, before the caller can see how long it is: a 1 GiB line took 2 GiB or more of one task's heap on
 * its way to becoming an error row, and one over 2 GiB failed the read. Its only bound
 * ({@code mapreduce.input.linerecordreader.line.maxlength}) drops such lines without a trace.
 *
 * <p>Files are listed in name order ({@link #listStatus}) and packed into splits as Spark's own file sources pack them
 * ({@link #getSplits}): small files share a split, a large one that can be split is cut into parts. A split per file
 * made 5,000 one-line files 5,000 tasks in every pass over the input. {@link CombinedLineReader} reads a split's parts
 * one after the other. bzip2 files, the one splittable compressed format, are read in splits through Hadoop's own
 * split-aware reader (its block-boundary handling is not worth repeating here), bounded the same way ({@link Bzip2Lines}).
 */
public final class BoundedLineInputFormat extends FileInputFormat<LongWritable, BoundedLineInputFormat.Line> {
    /**
     * Setting: only {@code \n} ends a line, and a {@code \r} just before it (or at the file's end) belongs to the line end:
     * JSON Lines, where a {@code \r} alone is JSON white space inside a record ({@code json.loads} of the line takes it),
     * and Hadoop's reader, taking it for a line end, cut the record in two malformed rows and numbered every line after it
     * one too far. Otherwise {@code \n}, {@code \r} and {@code \r\n} end a line, as in Hadoop (text lines).
     */
    public static final String LF_ONLY = "kindling.line.lf.only";
    /** Setting: the longest line kept; a longer one keeps no bytes (the caller refuses it). */
    public static final String KEEP_BYTES = "kindling.line.keep.bytes";
    /** Setting: the most bytes a split holds, as Spark's {@code spark.sql.files.maxPartitionBytes} (LineSource sets it from that). */
    public static final String MAX_SPLIT_BYTES = "kindling.split.max.bytes";
    /** Setting: what opening a file costs, counted as so many bytes, as Spark's {@code spark.sql.files.openCostInBytes}. */
    public static final String OPEN_COST_BYTES = "kindling.split.open.cost.bytes";
    /** Setting: the splits wanted at least, as Spark's {@code spark.sql.files.minPartitionNum} (default: the cores). */
    public static final String MIN_SPLITS = "kindling.split.min.count";
    /** Setting: the splits wanted at most, as Spark's {@code spark.sql.files.maxPartitionNum} (0: no bound, the default). */
    public static final String MAX_SPLITS = "kindling.split.max.count";

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
        /** The file it is in (its path as the split names it); set by {@link CombinedLineReader}. */
        public String file;
        /**
         * Its 1-based number in {@link #file}, where the part read starts at byte 0 (every small or compressed file);
         * 0 where it does not, as the lines before the part are not read. Set by {@link CombinedLineReader}.
         */
        public long line;

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
     * The input's files, folders walked recursively, in name order. A folder is listed in the file system's own order (a
     * local disk's directory order, S3's key order), and the splits, and so the partitions, came in that order: which
     * file went first into an output part or a pack shard depended on the file system the same files were on. Sorted by
     * name, they do not.
     *
     * <p>Folders are walked with {@code listStatus} ({@link DataFormat#dataFiles}), not Hadoop's own walk: that one makes a
     * located status of each file, which on a local disk starts an {@code ls} process for the file's permissions (10 ms
     * and more a file: 2,000 small files took 20 s to list). As Hadoop's walk, it skips {@code _} and {@code .} names
     * (and what such a folder holds) below an input and among a glob's matches, not the input a path names itself, and says
     * which inputs match nothing.
     */
    @Override
    protected List<FileStatus> listStatus(JobContext job) throws IOException {
        Configuration conf = job.getConfiguration();
        Path[] inputs = getInputPaths(job);
        org.apache.hadoop.mapreduce.security.TokenCache.obtainTokensForNamenodes(job.getCredentials(), inputs, conf);
        List<FileStatus> files = new ArrayList<>();
        List<IOException> errors = new ArrayList<>();
        for (Path input : inputs) {
            org.apache.hadoop.fs.FileSystem fs = input.getFileSystem(conf);
            // a glob's hidden matches are passed over, as a folder's files are; a path named as it is (a folder named _data)
            // is read: it was "Input path does not exist", where the Parquet and text-files readers read such a folder
            boolean glob = DataFormat.isGlob(input.toString());
            FileStatus[] matches = fs.globStatus(input, p -> !glob || !DataFormat.isHidden(p.getName()));
            if (matches == null) {
                errors.add(new IOException("Input path does not exist: " + input));
            } else if (matches.length == 0) {
                errors.add(new IOException("Input Pattern " + input + " matches 0 files"));
            } else {
                for (FileStatus m : matches) {
                    if (m.isDirectory()) {
                        files.addAll(DataFormat.dataFiles(fs, m.getPath()));
                    } else {
                        files.add(m);
                    }
                }
            }
        }
        if (!errors.isEmpty()) {
            throw new org.apache.hadoop.mapreduce.lib.input.InvalidInputException(errors);
        }
        files.sort(Comparator.comparing((FileStatus s) -> s.getPath().toString()));
        for (FileStatus f : files) {
            if (f.getLen() == 0 && EMPTY_IS_CORRUPT.matcher(f.getPath().getName().toLowerCase(java.util.Locale.ROOT)).matches()) {
                // no gzip, bzip2 or zlib stream is 0 bytes (each has a header), as gzip -t says; Spark leaves a 0-byte
                // file's split out before any reader opens it, so it was read as no lines, dropped from the input in silence
                throw new BadInputException(BadInputException.shown(f.getPath().toString()) + ": unreadable at its start: the file is "
                        + "empty (0 bytes), not a compressed stream" + LinesReader.compressedHint(f.getPath().getName()));
            }
        }
        return files;
    }

    /** The names of compressed files whose format has a header, so that 0 bytes is a broken file, not an empty one. */
    private static final java.util.regex.Pattern EMPTY_IS_CORRUPT = java.util.regex.Pattern.compile(".*\\.(gz|bz2|deflate)$");

    /** As {@code TextInputFormat}: plain files and bzip2 are split, other compressed files read whole. */
    @Override
    protected boolean isSplitable(JobContext context, Path file) {
        return splittable(new CompressionCodecFactory(context.getConfiguration()).getCodec(file));
    }

    private static boolean splittable(CompressionCodec codec) {
        return codec == null || codec instanceof SplittableCompressionCodec;
    }

    /**
     * The files in name order, packed into splits as Spark's file sources pack theirs ({@code FilePartition}), so that a
     * folder of small files is a few tasks, not one a file, and the two are tuned alike: a file that can be split is cut
     * into parts of at most {@code maxSplit} bytes, and the parts go into a split in turn until the next would take it
     * past {@code maxSplit}, each counted with {@link #OPEN_COST_BYTES} more for opening its file. {@code maxSplit} is
     * {@link #MAX_SPLIT_BYTES}, or less where that leaves fewer than {@link #MIN_SPLITS} splits (a small input still
     * uses every core). Unlike Spark's, the parts stay in name order (Spark sorts them by size first), so the rows come
     * in the order of their files, whatever the file system lists. A split's hosts are those holding most of its bytes
     * (HDFS; other file systems name none that matter). When that makes more than {@link #MAX_SPLITS} splits, the same
     * parts are packed again into splits of their total over that many bytes, as Spark does.
     */
    @Override
    public List<InputSplit> getSplits(JobContext job) throws IOException {
        Configuration conf = job.getConfiguration();
        List<FileStatus> files = listStatus(job);
        long openCost = Math.max(0, conf.getLong(OPEN_COST_BYTES, 4L << 20));
        long total = 0;
        for (FileStatus f : files) {
            total += f.getLen() + openCost;
        }
        long perCore = total / Math.max(1, conf.getInt(MIN_SPLITS, 1));
        long maxSplit = Math.max(1, Math.min(conf.getLong(MAX_SPLIT_BYTES, 128L << 20), Math.max(openCost, perCore)));
        CompressionCodecFactory codecs = new CompressionCodecFactory(conf);
        List<Part> all = new ArrayList<>();
        long partBytes = 0; // the parts' bytes, each with its opening cost, for a second packing under MAX_SPLITS
        for (FileStatus f : files) {
            Path path = f.getPath();
            BlockLocation[] blocks = path.getFileSystem(conf).getFileBlockLocations(f, 0, f.getLen());
            long step = splittable(codecs.getCodec(path)) ? maxSplit : Math.max(1, f.getLen());
            for (long start = 0; start < f.getLen() || start == 0; start += step) {
                Part part = new Part(path, start, Math.min(step, f.getLen() - start), blocks);
                all.add(part);
                partBytes += part.length + openCost;
                if (f.getLen() == 0) {
                    break; // an empty file is a part too, read as nothing (a .gz of no bytes is an error, as it was)
                }
            }
        }
        List<InputSplit> splits = pack(all, maxSplit, openCost);
        int maxSplits = conf.getInt(MAX_SPLITS, 0);
        if (maxSplits > 0 && splits.size() > maxSplits) {
            splits = pack(all, Math.max(1, (partBytes + maxSplits - 1) / maxSplits), openCost);
        }
        return splits;
    }

    /** {@code parts} in turn into splits, each taking parts until the next would take it past {@code maxSplit} bytes. */
    private static List<InputSplit> pack(List<Part> all, long maxSplit, long openCost) throws IOException {
        List<InputSplit> splits = new ArrayList<>();
        List<Part> parts = new ArrayList<>();
        long size = 0;
        for (Part part : all) {
            if (!parts.isEmpty() && size + part.length > maxSplit) {
                splits.add(combined(parts));
                parts.clear();
                size = 0;
            }
            parts.add(part);
            size += part.length + openCost;
        }
        if (!parts.isEmpty()) {
            splits.add(combined(parts));
        }
        return splits;
    }

    /** A part of a file that a split reads: its bytes {@code [start, start + length)}, and its file's blocks. */
    private record Part(Path path, long start, long length, BlockLocation[] blocks) {}

    /** One split of {@code parts}, whose hosts are the (at most three) that hold most of its bytes, as Spark's. */
    private static CombineFileSplit combined(List<Part> parts) throws IOException {
        java.util.Map<String, Long> bytesOn = new java.util.HashMap<>();
        for (Part p : parts) {
            for (BlockLocation b : p.blocks) {
                long overlap = Math.min(b.getOffset() + b.getLength(), p.start + p.length) - Math.max(b.getOffset(), p.start);
                for (String host : overlap > 0 ? b.getHosts() : new String[0]) {
                    if (!host.equals("localhost")) {
                        bytesOn.merge(host, overlap, Long::sum);
                    }
                }
            }
        }
        String[] hosts = bytesOn.entrySet().stream()
                .sorted(java.util.Map.Entry.<String, Long>comparingByValue().reversed().thenComparing(java.util.Map.Entry.comparingByKey()))
                .limit(3).map(java.util.Map.Entry::getKey).toArray(String[]::new);
        return new CombineFileSplit(parts.stream().map(Part::path).toArray(Path[]::new),
                parts.stream().mapToLong(Part::start).toArray(), parts.stream().mapToLong(Part::length).toArray(), hosts);
    }

    @Override
    public RecordReader<LongWritable, Line> createRecordReader(InputSplit split, TaskAttemptContext context) {
        return new CombinedLineReader();
    }

    /** The reader of one file's part: bzip2 through Hadoop's split-aware reader, the others through {@link BoundedLines}. */
    static LinesReader readerOf(Path file, Configuration conf) {
        CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(file);
        return codec instanceof SplittableCompressionCodec ? new Bzip2Lines() : new BoundedLines();
    }

    /**
     * What both readers share: the record they hand out, the file and decompressor they open, and closing them. Hadoop
     * reuses one key and one value per reader, as {@code LineRecordReader} does.
     */
    abstract static class LinesReader extends RecordReader<LongWritable, Line> {
        static final byte[] BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
        final LongWritable key = new LongWritable();
        final Line value = new Line();
        FSDataInputStream file;
        Decompressor decompressor;

        /** Whether {@code b} begins with a UTF-8 byte order mark (it holds at least three bytes). */
        static boolean startsWithBom(byte[] b) {
            return b[0] == BOM[0] && b[1] == BOM[1] && b[2] == BOM[2];
        }

        @Override
        public abstract boolean nextKeyValue() throws IOException;

        @Override
        public abstract float getProgress() throws IOException;

        /** The stream read from, whose closing closes {@link #file}; null before one was made. */
        abstract java.io.Closeable stream();

        /** Opens the split: {@link #initialize} with the file's name on its failure. */
        abstract void open(FileSplit split, Configuration conf) throws IOException;

        /**
         * Opens the split; a failure names the file, as a failure part-way does (LineSource): a .bz2 cut short failed
         * here, as Hadoop reads its first block, with "unexpected end of stream" and no file. zstd-compressed input,
         * which Hadoop reads only with a native library that its jars lack, is refused saying so.
         */
        @Override
        public final void initialize(InputSplit genericSplit, TaskAttemptContext context) throws IOException {
            FileSplit split = (FileSplit) genericSplit;
            String name = split.getPath().getName().toLowerCase(java.util.Locale.ROOT);
            if (name.endsWith(".zst") || name.endsWith(".zstd")) {
                throw new BadInputException(BadInputException.shown(split.getPath().toString()) + ": zstd-compressed input is not read (Hadoop reads it only with "
                        + "its native library, which its jars do not have); decompress it (zstd -d) or compress it as .gz or .bz2");
            }
            try {
                open(split, context.getConfiguration());
            } catch (IOException | RuntimeException e) {
                if (e instanceof UncountableLineException || e instanceof KindlingException) {
                    throw e;
                }
                throw new BadInputException(BadInputException.shown(split.getPath().toString()) + ": unreadable at " + (split.getStart() == 0 ? "its start" : "byte "
                        + split.getStart()) + ": " + e.getMessage() + compressedHint(name));
            }
        }

        /** What an unreadable file's error adds when its name says it is compressed (its reader's message says neither). */
        static String compressedHint(String file) {
            return file.toLowerCase(java.util.Locale.ROOT).matches(".*\\.(gz|bz2|deflate|lz4|snappy)$")
                    ? " (a truncated or corrupt compressed file?)" : "";
        }

        @Override
        public LongWritable getCurrentKey() {
            return key;
        }

        @Override
        public Line getCurrentValue() {
            return value;
        }

        /** Closes the stream (or the file when no stream was made) and returns the decompressor to Hadoop's pool. */
        @Override
        public void close() throws IOException {
            Decompressor d = decompressor;
            decompressor = null;
            try {
                if (stream() != null) {
                    stream().close();
                } else if (file != null) {
                    file.close();
                }
            } finally {
                if (d != null) {
                    CodecPool.returnDecompressor(d);
                }
            }
        }
    }

    static int keepBytes(Configuration conf) {
        return conf.getInt(KEEP_BYTES, LineSource.MAX_LINE_BYTES);
    }

    /**
     * Reads a stream line by line as Hadoop's {@code LineReader} splits it (or, {@code lfOnly}, at {@code \n} alone:
     * {@link #LF_ONLY}), keeping at most a given number of each line's bytes and counting the rest.
     */
    static final class LineScanner {
        private final InputStream in;
        private final boolean lfOnly;
        private final byte[] buffer;
        private int length;
        private int position;
        /** The length of the line {@link #readLine} last read, whole. */
        long lineLength;
        /** Its first three bytes (as many as it has), kept even where the line is not (a byte order mark's test). */
        final byte[] firstBytes = new byte[3];

        LineScanner(InputStream in, int bufferSize) {
            this(in, bufferSize, false);
        }

        LineScanner(InputStream in, int bufferSize, boolean lfOnly) {
            this.in = in;
            this.lfOnly = lfOnly;
            this.buffer = new byte[bufferSize];
        }

        /**
         * Reads the next line into {@code into}: its bytes when it has at most {@code keep}, else none (it is only
         * measured, and the array that held its first bytes let go); returns the bytes consumed, its terminator included,
         * or 0 at the end of the stream. {@code lfOnly}, a {@code \r} that ends the line (before its {@code \n}, or the
         * stream's end) is part of the terminator, so {@code keep} must leave room for it.
         */
        long readLine(Line into, int keep) throws IOException {
            into.size = 0;
            lineLength = 0;
            long consumed = 0;
            int last = -1; // the line's last byte so far
            while (true) {
                if (position == length && !fill()) {
                    // the stream ends: the last line had no terminator (or there is none)
                    return consumed == 0 || !lfOnly ? consumed : endsWithCr(into, last, consumed);
                }
                int from = position;
                while (position < length && buffer[position] != '\n' && (lfOnly || buffer[position] != '\r')) {
                    position++;
                }
                int n = position - from;
                if (n > 0) {
                    last = buffer[position - 1];
                }
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
                    if (lfOnly) {
                        return endsWithCr(into, last, consumed);
                    }
                    // \r\n is one terminator, also when the \n is in the next buffer
                    if (end == '\r' && (position < length || fill()) && buffer[position] == '\n') {
                        position++;
                        consumed++;
                    }
                    return consumed;
                }
            }
        }

        /** Drops a final {@code \r} (byte {@code last}) from the line just read, as part of its end; returns {@code consumed}. */
        private long endsWithCr(Line into, int last, long consumed) {
            if (last == '\r' && lineLength > 0) {
                if (into.size == lineLength) {
                    into.size--;
                }
                lineLength--;
            }
            return consumed;
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
    static final class BoundedLines extends LinesReader {
        private InputStream stream;
        private LineScanner lines;
        private int keep;
        /** What a line may hold while it is read: one byte more where a {@code \r} may end it ({@link #LF_ONLY}). */
        private int keepWhileRead;
        private long start;
        private long end;
        private long splitLength;
        private long position;

        @Override
        void open(FileSplit split, Configuration conf) throws IOException {
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
            boolean lfOnly = conf.getBoolean(LF_ONLY, false);
            keepWhileRead = lfOnly ? keep + 1 : keep;
            lines = new LineScanner(stream, conf.getInt("io.file.buffer.size", 64 << 10), lfOnly);
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
            long n = lines.readLine(value, first ? keepWhileRead + BOM.length : keepWhileRead);
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
            return startsWithBom(line.size >= BOM.length ? line.data : lines.firstBytes);
        }

        @Override
        java.io.Closeable stream() {
            return stream;
        }

        @Override
        public float getProgress() throws IOException {
            if (splitLength == 0) {
                return 1f;
            }
            long done = end == Long.MAX_VALUE ? file.getPos() : position - start; // compressed: bytes of the file read
            return Math.min(1f, done / (float) splitLength);
        }

    }

    /**
     * bzip2 in splits: Hadoop's own split logic (its block boundaries and the extra record a split reads past them are
     * {@code CompressedSplitLineReader}'s, as {@code LineRecordReader} uses it), with a bound on what a line keeps. Hadoop's
     * reader keeps at most the bound's bytes of a longer line and counts the rest; its whole length is then the bytes
     * consumed less the line end, which {@link EndAwareReader} reads off the reader's buffer.
     */
    static final class Bzip2Lines extends LinesReader {
        private Text text = new Text();
        private SplitCompressionInputStream split;
        private EndAwareReader in;
        private int keep;
        private long start;
        private long end;
        private long position;

        @Override
        void open(FileSplit fs, Configuration conf) throws IOException {
            keep = keepBytes(conf);
            Path path = fs.getPath();
            file = path.getFileSystem(conf).open(path);
            CompressionCodec codec = new CompressionCodecFactory(conf).getCodec(path);
            decompressor = CodecPool.getDecompressor(codec);
            split = ((SplittableCompressionCodec) codec).createInputStream(file, decompressor, fs.getStart(),
                    fs.getStart() + fs.getLength(), SplittableCompressionCodec.READ_MODE.BYBLOCK);
            // \n, \r and \r\n end a line, or \n alone (LF_ONLY), as in the other files, whatever a shared configuration sets
            in = new EndAwareReader(split, conf, conf.getBoolean(LF_ONLY, false));
            start = split.getAdjustedStart();
            end = split.getAdjustedEnd();
            if (start != 0) { // the line under way at the split's start belongs to the split before
                start += readLine(new Text(), 0, start, true);
            }
            position = start;
        }

        /**
         * Reads a line into {@code into}, keeping at most {@code max} of its bytes; {@code at} and {@code underWay} (the
         * split's first, partial line) say which it is in an error.
         */
        private int readLine(Text into, int max, long at, boolean underWay) throws IOException {
            try {
                return in.readLine(into, max, Integer.MAX_VALUE);
            } catch (IOException e) {
                if (e.getMessage() != null && e.getMessage().startsWith("Too many bytes before newline")) {
                    // Hadoop's reader counts a line in an int: say where the line is and what to do
                    String line = underWay ? "the line under way at the split's start (offset " + at + ")" : "the line at offset " + at;
                    throw new UncountableLineException(line + " is over 2 GiB, more than Hadoop's bzip2 reader can count (" + e.getMessage()
                            + "); decompress the file, or break the line", e);
                }
                throw e;
            }
        }

        @Override
        public boolean nextKeyValue() throws IOException {
            // a split reads the line that starts at its end, and one more where its last block ended inside a line end
            if (!(split.getPos() <= end || in.needAdditionalRecordAfterSplit())) {
                return false;
            }
            long at = position;
            boolean first = at == 0;
            int n = readLine(text, first ? keep + 1 + BOM.length : keep + 1, at, false);
            if (n == 0) {
                return false;
            }
            position += n;
            int from = 0;
            int size = text.getLength();
            long length = n - in.lastLineEnd();
            if (first && size >= BOM.length && startsWithBom(text.getBytes())) {
                if (n == BOM.length) {
                    return false; // a file of a byte order mark alone has no line, as an empty one has none
                }
                from = BOM.length;
                size -= BOM.length;
                length -= BOM.length;
            }
            // with \n alone as the delimiter (LF_ONLY) the reader keeps a \r that ends the line; lastLineEnd counts it
            size = (int) Math.min(size, Math.max(0, length));
            value.length = length;
            if (length > keep) {
                value.drop();
                if (text.getBytes().length > (1 << 20)) {
                    text = new Text(); // the bound's bytes (and Text's growth past them) go with the line
                }
            } else {
                // the line's bytes stay in the Text they were read into (a copy doubled the memory a long line takes),
                // which is reused for the next line as the other reader reuses its array
                byte[] bytes = text.getBytes();
                if (from > 0) {
                    System.arraycopy(bytes, from, bytes, 0, size);
                }
                value.data = bytes;
                value.size = size;
            }
            key.set(at);
            return true;
        }

        @Override
        java.io.Closeable stream() {
            return in;
        }

        @Override
        public float getProgress() throws IOException {
            return start == end ? 0f : Math.min(1f, (split.getPos() - start) / (float) (end - start));
        }

    }

    /** A line in a bzip2 file too long for Hadoop's reader to count (over 2 GiB): the file is sound, the line is not. */
    public static final class UncountableLineException extends IOException {
        private static final long serialVersionUID = 1L;

        UncountableLineException(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /**
     * Hadoop's split-aware line reader for compressed splits, which also says how many bytes ended the line it last
     * read (0 at the end of the file, 1 for {@code \n} or {@code \r}, 2 for {@code \r\n}): {@code readLine} returns the
     * bytes consumed, end included, and keeps only {@code maxLineLength} of the line, so for a line over the bound the
     * end is read off the buffer it left. A {@code \r\n} may straddle two fills, so the last byte of the fill before is
     * kept too.
     */
    static final class EndAwareReader extends CompressedSplitLineReader {
        private byte[] buffer;
        private int filled;
        private int beforeFill = -1;

        EndAwareReader(SplitCompressionInputStream in, Configuration conf, boolean lfOnly) throws IOException {
            super(in, conf, lfOnly ? new byte[] {'\n'} : null);
        }

        @Override
        protected int fillBuffer(InputStream in, byte[] into, boolean inDelimiter) throws IOException {
            beforeFill = filled > 0 ? into[filled - 1] : -1;
            int n = super.fillBuffer(in, into, inDelimiter);
            buffer = into;
            filled = n;
            return n;
        }

        /** The bytes that ended the line {@code readLine} last returned. */
        int lastLineEnd() {
            int p = getBufferPosn();
            if (p == 0 || filled <= 0) {
                // nothing of the current fill was consumed: the line ended with the fill before (a \r there, with
                // what followed not \n or the file's end), or at the file's end with no line end
                return beforeFill == '\r' ? 1 : 0;
            }
            byte last = buffer[p - 1];
            if (last == '\n') {
                int before = p >= 2 ? buffer[p - 2] : beforeFill;
                return before == '\r' ? 2 : 1;
            }
            return last == '\r' ? 1 : 0;
        }
    }
}
