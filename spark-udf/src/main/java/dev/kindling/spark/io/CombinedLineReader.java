package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.BoundedLineInputFormat.Line;
import dev.kindling.spark.io.BoundedLineInputFormat.LinesReader;
import java.io.IOException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.io.LongWritable;
import org.apache.hadoop.mapreduce.InputSplit;
import org.apache.hadoop.mapreduce.RecordReader;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.hadoop.mapreduce.lib.input.CombineFileSplit;
import org.apache.hadoop.mapreduce.lib.input.FileSplit;

/**
 * The lines of a split of {@link BoundedLineInputFormat}: its parts (whole small files, or a part of a large one) one
 * after the other, in the split's order, each through the reader its file takes ({@link BoundedLineInputFormat#readerOf}),
 * opened when the part before is done. Each line says its file and, where its part starts at byte 0, its line number
 * there ({@link Line#file}, {@link Line#line}): a split holds many files, so a row's file is its line's, not the split's.
 *
 * <p>A file that stops being readable part-way (a truncated or corrupt .gz, a vanished file) fails naming it and the last
 * line read from it, where the reader's own error said only "Unexpected end of input stream". No policy can skip the
 * rest of a file.
 */
final class CombinedLineReader extends RecordReader<LongWritable, Line> {
    private CombineFileSplit split;
    private TaskAttemptContext context;
    /** The part being read, and its reader (null between parts). */
    private int part = -1;
    private LinesReader reader;
    private String file;
    private boolean exactLines;
    /** Lines read from the part so far, and the offset of the last. */
    private long lines;
    private long lastOffset;
    /** Bytes of the parts done, for {@link #getProgress}. */
    private long bytesDone;

    @Override
    public void initialize(InputSplit genericSplit, TaskAttemptContext context) {
        this.split = (CombineFileSplit) genericSplit;
        this.context = context;
    }

    @Override
    public boolean nextKeyValue() throws IOException {
        while (true) {
            if (reader == null) {
                if (part + 1 >= split.getNumPaths()) {
                    return false;
                }
                open(part + 1);
            }
            boolean more;
            try {
                more = reader.nextKeyValue();
            } catch (KindlingException e) {
                throw e; // names its file already (a part that could not be opened)
            } catch (IOException | RuntimeException e) {
                throw unreadable(e);
            }
            if (more) {
                lines++;
                lastOffset = reader.getCurrentKey().get();
                Line value = reader.getCurrentValue();
                value.file = file;
                value.line = exactLines ? lines : 0;
                return true;
            }
            bytesDone += split.getLength(part);
            closePart();
        }
    }

    /** Opens part {@code i}; a failure to open names its file ({@link LinesReader#initialize}). */
    private void open(int i) throws IOException {
        part = i;
        Path path = split.getPath(i);
        file = path.toString();
        exactLines = split.getOffset(i) == 0;
        lines = 0;
        lastOffset = split.getOffset(i);
        reader = BoundedLineInputFormat.readerOf(path, context.getConfiguration());
        try {
            reader.initialize(new FileSplit(path, split.getOffset(i), split.getLength(i), new String[0]), context);
        } catch (BoundedLineInputFormat.UncountableLineException e) {
            throw unreadable(e); // the line under way at a bzip2 part's start: the file is named as for any other line
        }
    }

    private BadInputException unreadable(Exception e) {
        // ("after line 0" named a line no file has)
        String where = !exactLines ? "after byte offset " + lastOffset : lines == 0 ? "before its first line" : "after line " + lines;
        return new BadInputException(BadInputException.shown(file) + ": unreadable " + where + ": " + e.getMessage()
                + (e instanceof BoundedLineInputFormat.UncountableLineException ? "" : LinesReader.compressedHint(file)));
    }

    private void closePart() throws IOException {
        LinesReader r = reader;
        reader = null;
        if (r != null) {
            r.close();
        }
    }

    @Override
    public LongWritable getCurrentKey() {
        return reader.getCurrentKey();
    }

    @Override
    public Line getCurrentValue() {
        return reader.getCurrentValue();
    }

    @Override
    public float getProgress() throws IOException {
        if (split.getLength() == 0) {
            return 1f;
        }
        float current = reader == null ? 0f : reader.getProgress() * split.getLength(part);
        return Math.min(1f, (bytesDone + current) / split.getLength());
    }

    @Override
    public void close() throws IOException {
        closePart();
    }
}
