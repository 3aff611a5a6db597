package dev.kindling.spark.inference;

import static org.apache.spark.sql.functions.regexp_extract;

import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** A pipeline step that adds the first words of each document as a column (prompts for the demo's generation). */
public final class Openings {
    private Openings() {}

    /** Adds {@code column} = the first {@code words} whitespace-separated words of the text column. */
    public static PipelineStage stage(String column, int words) {
        return new PipelineStage() {
            @Override
            public String name() {
                return "opening";
            }

            @Override
            public boolean accounted() {
                return false; // adds the prompts' column and rejects nothing
            }

            @Override
            public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
                return docs.withColumn(column, regexp_extract(Columns.named(context.textColumn()), "^\\s*(\\S+(?:\\s+\\S+){0," + (words - 1) + "})", 1));
            }
        };
    }
}
