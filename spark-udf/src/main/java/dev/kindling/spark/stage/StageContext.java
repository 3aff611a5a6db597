package dev.kindling.spark.stage;

import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/**
 * What a stage may need from the run: the session, the id/text column names, and a place to
 * declare numeric columns whose sum over the kept rows is reported (e.g. {@code n_tokens} → tokens).
 */
public final class StageContext {
    private final SparkSession spark;
    private final String idColumn;
    private final String textColumn;
    private final Map<String, String> sumOverKept = new LinkedHashMap<>();

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
}
