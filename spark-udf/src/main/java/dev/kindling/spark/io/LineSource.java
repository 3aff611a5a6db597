package dev.kindling.spark.io;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.io.LongWritable;
import dev.kindling.spark.io.BoundedLineInputFormat.Line;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * Reads text files line by line as Hadoop's {@code TextInputFormat} does, each line's bytes held up to the
 * limit and no further ({@link BoundedLineInputFormat}: splittable, any Hadoop filesystem, {@code .gz}/{@code .bz2}
 * decompressed, files in name order, small files packed into shared splits as Spark's file sources pack
 * them) and keeps where each line came from: file, byte offset and, when the file's part starts at byte 0
 * (every file smaller than a split; every compressed file but a .bz2 larger than one), the exact 1-based line
 * number. Lines are decoded as strict UTF-8: a line that is
 * not valid UTF-8 keeps a null value and an error saying where, instead of being silently altered, and its
 * bytes in {@code raw} as ISO-8859-1 characters ({@link #rawBytes}).
 */
final class LineSource {
    static final StructType SCHEMA = new StructType()
            .add(Columns.SOURCE_FILE, DataTypes.StringType, false)
            .add(Columns.SOURCE_OFFSET, DataTypes.LongType, false)
            .add(Columns.SOURCE_LINE, DataTypes.LongType, true)
            .add("value", DataTypes.StringType, true)
            .add(Columns.RAW, DataTypes.StringType, true)
            .add(Columns.ERROR, DataTypes.StringType, true);

    /**
     * The longest line read as a row: 256 MiB, as the engine-alone {@code generate --input} and {@code --prompt-file}
     * take (the longest context of any open model, 10M tokens, is some 40 MB of text). A longer line is its row's error
     * ({@link #TOO_LONG}), its bytes not kept: decoded, JSON-inferred and parsed, a 270 MiB line took copies enough to
     * run a 6 GB driver out of memory, which failed the whole job.
     */
    static final int MAX_LINE_BYTES = 256 << 20;
    /** How the error of a line over {@link #MAX_LINE_BYTES} begins (the reader's reason {@code read:line_too_long}). */
    static final String TOO_LONG = "line of ";

    private LineSource() {}

    /** The reader's reason for a line {@link LineSource} could not read: its error says which (null when none). */
    static org.apache.spark.sql.Column reason(org.apache.spark.sql.Column error) {
        return org.apache.spark.sql.functions.when(error.startsWith(TOO_LONG), "read:line_too_long")
                .when(error.isNotNull(), "read:invalid_utf8");
    }

    static Dataset<Row> read(SparkSession spark, List<String> paths) {
        return read(spark, paths, MAX_LINE_BYTES);
    }

    /**
     * The lines of JSON Lines files: only {@code \n} ends a line, a {@code \r} before it being part of the line end
     * ({@link BoundedLineInputFormat#LF_ONLY}); a {@code \r} alone is JSON white space within the record.
     */
    static Dataset<Row> readJsonLines(SparkSession spark, List<String> paths) {
        return read(spark, paths, MAX_LINE_BYTES, true);
    }

    /** {@link #read} with another bound on a line's length (tests: lines over a few bytes instead of 256 MiB). */
    static Dataset<Row> read(SparkSession spark, List<String> paths, int maxLineBytes) {
        return read(spark, paths, maxLineBytes, false);
    }

    /** {@link #read}, or {@link #readJsonLines} when {@code lfOnly}, with another bound on a line's length. */
    static Dataset<Row> read(SparkSession spark, List<String> paths, int maxLineBytes, boolean lfOnly) {
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        Configuration conf = new Configuration(spark.sparkContext().hadoopConfiguration());
        conf.setInt(BoundedLineInputFormat.KEEP_BYTES, maxLineBytes);
        conf.setBoolean(BoundedLineInputFormat.LF_ONLY, lfOnly);
        packAsSparkDoes(spark, conf);
        String joined = String.join(",", paths);
        JavaPairRDD<LongWritable, Line> rdd = jsc.newAPIHadoopFile(joined, BoundedLineInputFormat.class, LongWritable.class,
                Line.class, conf);
        JavaRDD<Row> rows = rdd.mapPartitions(it -> new LineIterator(maxLineBytes, it), true);
        return spark.createDataFrame(rows, SCHEMA);
    }

    /**
     * Files are packed into splits as Spark's file sources pack theirs, by the session's settings, so that one setting
     * tunes both: {@code spark.sql.files.maxPartitionBytes} (default 128 MiB), {@code spark.sql.files.openCostInBytes}
     * (4 MiB), {@code spark.sql.files.minPartitionNum} (default the leaf-node parallelism, the cores) and
     * {@code spark.sql.files.maxPartitionNum} (no bound unless set).
     */
    static void packAsSparkDoes(SparkSession spark, Configuration conf) {
        org.apache.spark.sql.RuntimeConfig c = spark.conf();
        conf.setLong(BoundedLineInputFormat.MAX_SPLIT_BYTES, JavaUtils.byteStringAsBytes(c.get("spark.sql.files.maxPartitionBytes", "128m")));
        conf.setLong(BoundedLineInputFormat.OPEN_COST_BYTES, JavaUtils.byteStringAsBytes(c.get("spark.sql.files.openCostInBytes",
                String.valueOf(4L << 20))));
        String cores = c.get("spark.sql.leafNodeDefaultParallelism", String.valueOf(spark.sparkContext().defaultParallelism()));
        conf.setInt(BoundedLineInputFormat.MIN_SPLITS, Integer.parseInt(c.get("spark.sql.files.minPartitionNum", cores)));
        scala.Option<String> maxSplits = c.getOption("spark.sql.files.maxPartitionNum"); // unset: no bound (Spark refuses 0)
        conf.setInt(BoundedLineInputFormat.MAX_SPLITS, maxSplits.isDefined() ? Integer.parseInt(maxSplits.get()) : 0);
    }

    /** Each line as a row: its file, offset, line number (where known), text, or its error with its bytes in raw. */
    private static final class LineIterator implements Iterator<Row> {
        private final int maxLineBytes;
        private final Iterator<Tuple2<LongWritable, Line>> in;
        private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT).onUnmappableCharacter(CodingErrorAction.REPORT);

        LineIterator(int maxLineBytes, Iterator<Tuple2<LongWritable, Line>> in) {
            this.maxLineBytes = maxLineBytes;
            this.in = in;
        }

        @Override
        public boolean hasNext() {
            return in.hasNext(); // a file unreadable part-way fails here, named (CombinedLineReader)
        }

        @Override
        public Row next() {
            Tuple2<LongWritable, Line> t = in.next();
            long offset = t._1().get();
            Line text = t._2();
            String file = text.file;
            Long lineNo = text.line > 0 ? text.line : null;
            if (text.length > maxLineBytes) {
                return RowFactory.create(file, offset, lineNo, null, null, TOO_LONG + text.length + " bytes, over the "
                        + describe(maxLineBytes) + " a line may hold (its bytes are not kept)");
            }
            if (offset == 0 && text.size >= 2 && ((text.data[0] == (byte) 0xFF && text.data[1] == (byte) 0xFE)
                    || (text.data[0] == (byte) 0xFE && text.data[1] == (byte) 0xFF))) {
                // "invalid UTF-8 at byte 0" and then malformed lines did not say what the file is
                return RowFactory.create(file, offset, lineNo, null, rawBytes(text.data, text.size), "the file starts with a UTF-16 "
                        + "byte order mark: it is UTF-16, not UTF-8; convert it (iconv -f UTF-16 -t UTF-8)");
            }
            try {
                String s = utf8.decode(ByteBuffer.wrap(text.data, 0, text.size)).toString();
                return RowFactory.create(file, offset, lineNo, s, null, null);
            } catch (CharacterCodingException e) {
                int bad = firstInvalidUtf8(text.data, text.size);
                return RowFactory.create(file, offset, lineNo, null, rawBytes(text.data, text.size),
                        "invalid UTF-8 at byte " + bad + " of the line");
            }
        }
    }

    /** A bound on a line's length as its error gives it: "256 MiB", or its bytes. */
    static String describe(long maxLineBytes) {
        return maxLineBytes % (1 << 20) == 0 ? (maxLineBytes >> 20) + " MiB" : maxLineBytes + " bytes";
    }

    /**
     * Bytes that are not UTF-8 as a string that loses none of them: one ISO-8859-1 character per byte, so that
     * {@code raw.encode("latin-1")} (Python) or {@code raw.getBytes(ISO_8859_1)} gives the exact bytes back. A strict
     * or replacing UTF-8 decoding could not (the quarantine's {@code raw} used to be null for these rows).
     */
    static String rawBytes(byte[] b, int len) {
        return new String(b, 0, len, StandardCharsets.ISO_8859_1);
    }

    /** Index of the first byte that does not start or continue a valid UTF-8 sequence. */
    static int firstInvalidUtf8(byte[] b, int len) {
        int i = 0;
        while (i < len) {
            int c = b[i] & 0xFF;
            int n;
            if (c < 0x80) {
                n = 0;
            } else if (c >= 0xC2 && c <= 0xDF) {
                n = 1;
            } else if (c >= 0xE0 && c <= 0xEF) {
                n = 2;
            } else if (c >= 0xF0 && c <= 0xF4) {
                n = 3;
            } else {
                return i;
            }
            for (int k = 1; k <= n; k++) {
                if (i + k >= len || (b[i + k] & 0xC0) != 0x80) {
                    return i;
                }
            }
            // overlongs and surrogates: let the strict decoder's verdict stand, point at the lead byte
            if (n == 2) {
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) {
                    return i;
                }
            } else if (n == 3) {
                int c1 = b[i + 1] & 0xFF;
                if ((c == 0xF0 && c1 < 0x90) || (c == 0xF4 && c1 >= 0x90)) {
                    return i;
                }
            }
            i += n + 1;
        }
        return len;
    }
}
