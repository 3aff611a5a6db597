package dev.kindling.spark.stage;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What a stage may need from the run: the session, the id/text column names, and places to report
 * numbers: numeric columns whose sum over the kept rows is reported (e.g. {@code n_tokens} →
 * tokens), internal metric columns summed over every row and then dropped (e.g. PII matches per
 * kind: counted once per row while the output is written, so recomputed partitions never count
 * twice), and values a stage computed itself (e.g. candidate pairs of near dedup).
 */
public final class StageContext {
    private final SparkSession spark;
    private final String idColumn;
    private final String textColumn;
    private final Map<String, String> sumOverKept = new LinkedHashMap<>();
    private final Map<String, String> metricColumns = new LinkedHashMap<>();
    private final Map<String, Long> values = new LinkedHashMap<>();
    private final Map<String, Double> measures = new LinkedHashMap<>();
    private final java.util.Set<String> keptInternal = new java.util.LinkedHashSet<>();

    public StageContext(SparkSession spark, String idColumn, String textColumn) {
        this.spark = spark;
        this.idColumn = idColumn;
        this.textColumn = textColumn;
    }

    public SparkSession spark() {
        return spark;
    }

    public String idColumn() {
        return idColumn;
    }

    public String textColumn() {
        return textColumn;
    }

    /** Reports the sum of numeric column {@code column} over the kept rows as metric {@code metric}. */
    public void reportSum(String column, String metric) {
        sumOverKept.put(column, metric);
    }

    /** column → metric name. */
    public Map<String, String> sums() {
        return Map.copyOf(sumOverKept);
    }

    /**
     * Reports the sum of numeric column {@code column} over every row (kept or rejected) as metric
     * {@code metric}; the column is internal and is dropped from every output.
     */
    public void reportMetricColumn(String column, String metric) {
        metricColumns.put(column, metric);
    }

    /** Internal metric columns: column → metric name. */
    public Map<String, String> metricColumns() {
        return Map.copyOf(metricColumns);
    }

    /** Reports a number the stage computed itself (added to the run's metrics). */
    public void reportValue(String metric, long value) {
        values.merge(metric, value, Long::sum);
    }

    /** Values reported with {@link #reportValue}. */
    public Map<String, Long> values() {
        return Map.copyOf(values);
    }

    /**
     * Reports a measured number that is not a count (e.g. the perplexity threshold a fraction to keep came to): kept as
     * given, where counts are whole numbers (a threshold scaled by 1,000 into one overflowed, and read as 1,000 times too big).
     */
    public void reportMeasure(String metric, double value) {
        measures.put(metric, value);
    }

    /** Values reported with {@link #reportMeasure}. */
    public Map<String, Double> measures() {
        return Map.copyOf(measures);
    }

    /**
     * Keeps {@code column} in the kept output although the reader uses that name for an internal
     * column: a stage that reports per-row failures in {@code error} (inference stages) fills it for
     * the kept rows, where the reader's value is always null.
     */
    public void keepInOutput(String column) {
        keptInternal.add(column);
    }

    /** Columns named with {@link #keepInOutput}. */
    public java.util.Set<String> keptInOutput() {
        return java.util.Set.copyOf(keptInternal);
    }
}
