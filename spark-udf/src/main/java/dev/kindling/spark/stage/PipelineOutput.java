package dev.kindling.spark.stage;

import static org.apache.spark.sql.functions.col;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.io.DatasetWriter;
import dev.kindling.spark.io.RowEncoders;
import dev.kindling.spark.io.WriteOptions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.apache.spark.util.LongAccumulator;

/**
 * The end of a pipeline: counts every row by reason (a Spark accumulator filled during the write of
 * the kept rows), writes the kept rows, the rejected rows ({@code --rejected}) and the unreadable
 * input rows ({@code --on-error quarantine}) and returns the {@link RunReport}. The rows are computed once: in the
 * write's own job when nothing else is written, else cached for the outputs that read them again.
 */
public final class PipelineOutput {
    private PipelineOutput() {}

    /**
     * @param kept          where the kept rows go, or null to only count
     * @param keepRejected  write every row to {@code kept}, with its {@code reason} column, instead of
     *                      dropping the rejected ones
     * @param rejectedPath  where rejected rows go (with reason and source), or null
     * @param quarantinePath where unreadable input rows go (id, file, line, raw line, error), or null
     */
    public record Targets(WriteOptions kept, boolean keepRejected, String rejectedPath, String quarantinePath) {}

    /**
     * Counts, writes and reports the rows {@code context}'s stages annotated. What the stages reported through the
     * context comes from it, all of it: the sums over the kept rows, the internal metric columns (summed over every row,
     * then dropped from every output), the values, and the internal columns kept in the output. It takes the context
     * whole, not its parts, so that no caller can leave some out: given the sums alone, the {@code _kd_*} metric
     * columns were written into the outputs and the stages' metrics left out of the report.
     *
     * @param stageOrder   the stages' names in their order, {@code read} first, for the report
     * @param rejectedOnly columns written with the rejected rows only (e.g. {@code duplicate_of} for {@code --rejected}
     *                     without {@code --keep-duplicates}): the kept output stays as without them
     * @param startNanos   when the run began ({@link System#nanoTime}), for the report's seconds
     */
    public static RunReport write(Dataset<Row> annotated, StageContext context, Targets targets, List<String> stageOrder,
            Set<String> rejectedOnly, long startNanos) {
        return write(annotated, context, targets, stageOrder, rejectedOnly, Set.of(), startNanos);
    }

    /**
     * As {@link #write(Dataset, StageContext, Targets, List, Set, long)}, with {@code keptOnly}: columns left out of
     * {@code --rejected}, the results a command's stages compute for the rows no earlier step rejected (tokenize's
     * {@code ids}), null in every rejected row where those stages reject none themselves.
     */
    public static RunReport write(Dataset<Row> annotated, StageContext context, Targets targets, List<String> stageOrder,
            Set<String> rejectedOnly, Set<String> keptOnly, long startNanos) {
        SparkSession spark = context.spark();
        Map<String, String> sumsOverKept = context.sums();
        Map<String, String> metricColumns = context.metricColumns();
        // cached only for a second output that reads the rows again (--rejected, the quarantine): for one, Spark's
        // adaptive plan built the cache in a job of its own and the write read it back, a job and a copy of every row
        // for nothing
        boolean readAgain = targets.rejectedPath() != null || targets.quarantinePath() != null;
        Dataset<Row> docs = readAgain ? annotated.persist(StorageLevel.MEMORY_AND_DISK()) : annotated;
        try {
            ReasonCounts counts = new ReasonCounts();
            spark.sparkContext().register(counts, "kindling rows by reason");
            Map<String, LongAccumulator> sums = new LinkedHashMap<>();
            Map<String, Integer> sumIndex = new LinkedHashMap<>();
            List<String> cols = Arrays.asList(docs.columns());
            for (Map.Entry<String, String> e : sumsOverKept.entrySet()) {
                int idx = cols.indexOf(e.getKey());
                if (idx >= 0) {
                    sums.put(e.getValue(), spark.sparkContext().longAccumulator("kindling " + e.getValue()));
                    sumIndex.put(e.getValue(), idx);
                }
            }
            Map<String, LongAccumulator> all = new LinkedHashMap<>();
            Map<String, Integer> allIndex = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : metricColumns.entrySet()) {
                int idx = cols.indexOf(e.getKey());
                if (idx >= 0) {
                    all.put(e.getValue(), spark.sparkContext().longAccumulator("kindling " + e.getValue()));
                    allIndex.put(e.getValue(), idx);
                }
            }
            int reasonIdx = cols.indexOf(Columns.REASON);
            CountingPass pass = new CountingPass(counts, reasonIdx, sums, sumIndex, all, allIndex);
            // the exact encoders keep a user's dates as they are (1582-10-10 stayed 1582-10-10 only through them)
            Dataset<Row> counted = RowEncoders.exactRows(docs).mapPartitions(pass, RowEncoders.exact(docs.schema()));
            List<String> dropped = new ArrayList<>(Arrays.asList(DatasetReader.internalColumns()));
            dropped.removeAll(context.keptInOutput());
            dropped.addAll(metricColumns.keySet());
            String[] internal = dropped.toArray(new String[0]);
            String[] notKept = rejectedOnly.toArray(new String[0]);
            if (targets.kept() != null) {
                Dataset<Row> out = targets.keepRejected()
                        ? withInputIds(counted, context.idColumn(), context.textColumn(), "--keep-rejected").drop(internal).drop(notKept)
                        : counted.filter(col(Columns.REASON).isNull()).drop(Columns.REASON).drop(internal).drop(notKept);
                DatasetWriter.write(out, targets.kept());
            } else {
                counted.foreach(r -> { });
            }
            if (targets.rejectedPath() != null) {
                WriteOptions ro = targets.kept() != null ? targets.kept().withPath(targets.rejectedPath())
                        : new WriteOptions(targets.rejectedPath(), DataFormat.JSONL, false, null);
                Set<String> leftOut = new java.util.LinkedHashSet<>(metricColumns.keySet());
                leftOut.addAll(keptOnly);
                writeRejected(docs, ro, leftOut, context.idColumn(), context.textColumn());
            }
            if (targets.quarantinePath() != null) {
                writeQuarantine(docs, targets.quarantinePath(), targets.kept() != null && targets.kept().overwrite(), context.idColumn(),
                        context.textColumn());
            }
            Map<String, Long> metrics = new LinkedHashMap<>(context.values());
            sums.forEach((k, v) -> metrics.put(k, v.value()));
            all.forEach((k, v) -> metrics.put(k, v.value()));
            double seconds = (System.nanoTime() - startNanos) / 1e9;
            List<String> order = new ArrayList<>(stageOrder);
            return RunReport.of(order, counts.value(), metrics, context.measures(), seconds);
        } finally {
            if (readAgain) {
                docs.unpersist(false);
            }
        }
    }

    /**
     * Writes the rejected rows of {@code docs} (a reason set), every column with them but the raw line (the quarantine
     * holds it) and {@code leftOut} (the internal metric columns, a command's results no rejected row holds), to {@code
     * where}: {@code --rejected}. An unreadable row's {@code idColumn} is the quarantine's, the id the input gave it (null
     * where the reader made one).
     */
    public static void writeRejected(Dataset<Row> docs, WriteOptions where, java.util.Collection<String> leftOut,
            String idColumn, String textColumn) {
        Dataset<Row> rejected = withInputIds(docs.filter(col(Columns.REASON).isNotNull()), idColumn, textColumn, "--rejected");
        DatasetWriter.write(rejected.drop(Columns.RAW).drop(leftOut.toArray(new String[0])), where);
    }

    /**
     * {@code rows} with the {@code idColumn} of each unreadable row the quarantine's, the id the input gave it (null
     * where the reader made one), in the id column's type: what {@code --rejected} and {@code --keep-rejected} write.
     * {@code option} names the output for an id column {@code rows} lacks.
     */
    static Dataset<Row> withInputIds(Dataset<Row> rows, String idColumn, String textColumn, String option) {
        String id = idColumn == null ? null : Columns.resolve(rows.schema(), idColumn, option);
        java.util.List<String> names = java.util.Arrays.asList(rows.columns());
        // only rows the reader read have a made id (of their file and offset); a frame of the Spark API has none
        if (id == null || !names.contains(Columns.SOURCE_FILE) || !names.contains(Columns.SOURCE_OFFSET)) {
            return rows;
        }
        // the made id of a line that did not parse is one of its file and offset, which neither the input nor the
        // quarantine holds: the files named the same row differently. Cast back to the id's type, so that the id column
        // keeps the input's type (a Parquet long id stays a long; without ANSI mode a CASE of a string and a long is a string)
        org.apache.spark.sql.types.DataType type = rows.schema().apply(id).dataType();
        return rows.withColumn(id, org.apache.spark.sql.functions.when(col(Columns.REASON).isin(DatasetReader.READ_ERRORS.toArray()),
                DatasetReader.idAsRead(rows, idColumn, textColumn).cast(type)).otherwise(Columns.named(id)));
    }

    /**
     * Writes the rows of {@code docs} that could not be read to {@code path} as JSON Lines: the row's id under
     * {@code idColumn} (the input's, where the row had one that could be read; else null), its file, offset and line,
     * its raw line, reason and error.
     */
    public static void writeQuarantine(Dataset<Row> docs, String path, boolean overwrite, String idColumn, String textColumn) {
        Dataset<Row> bad = docs.filter(col(Columns.REASON).isin(DatasetReader.READ_ERRORS.toArray()))
                .select(DatasetReader.idAsRead(docs, idColumn, textColumn).as(idColumn == null ? "id" : idColumn),
                        col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET), col(Columns.SOURCE_LINE), col(Columns.RAW),
                        col(Columns.REASON), col(Columns.ERROR));
        DatasetWriter.write(bad, new WriteOptions(path, DataFormat.JSONL, overwrite, null));
    }

    /**
     * Counts rows by reason, sums numeric columns over kept rows and metric columns over all rows
     * while passing rows through.
     */
    private static final class CountingPass implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final ReasonCounts counts;
        private final int reasonIdx;
        private final Map<String, LongAccumulator> sums;
        private final Map<String, Integer> sumIndex;
        private final Map<String, LongAccumulator> all;
        private final Map<String, Integer> allIndex;

        CountingPass(ReasonCounts counts, int reasonIdx, Map<String, LongAccumulator> sums, Map<String, Integer> sumIndex,
                Map<String, LongAccumulator> all, Map<String, Integer> allIndex) {
            this.counts = counts;
            this.reasonIdx = reasonIdx;
            this.sums = sums;
            this.sumIndex = sumIndex;
            this.all = all;
            this.allIndex = allIndex;
        }

        @Override
        public Iterator<Row> call(Iterator<Row> in) {
            return new Iterator<>() {
                @Override
                public boolean hasNext() {
                    return in.hasNext();
                }

                @Override
                public Row next() {
                    Row r = in.next();
                    String reason = reasonIdx >= 0 ? r.getString(reasonIdx) : null;
                    counts.add(reason);
                    for (Map.Entry<String, LongAccumulator> e : all.entrySet()) {
                        int i = allIndex.get(e.getKey());
                        if (!r.isNullAt(i)) {
                            e.getValue().add(((Number) r.get(i)).longValue());
                        }
                    }
                    if (reason == null) {
                        for (Map.Entry<String, LongAccumulator> e : sums.entrySet()) {
                            int i = sumIndex.get(e.getKey());
                            if (!r.isNullAt(i)) {
                                e.getValue().add(((Number) r.get(i)).longValue());
                            }
                        }
                    }
                    return r;
                }
            };
        }
    }
}
