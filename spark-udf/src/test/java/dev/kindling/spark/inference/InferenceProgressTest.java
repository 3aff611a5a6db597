package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.RunReport;
import dev.kindling.spark.stage.StageContext;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class InferenceProgressTest {
    /**
     * The {@code teacher:} line of a pipeline reads the counts {@link InferenceStage#reportModelCounts} made metric columns
     * of; where a later step drops those columns, the write has no such metric, and the line is an error rather than
     * {@code teacher: 0 rows (0 failed), 0 prompt tokens, ...}.
     */
    @Test
    void aModelsCountColumnsDroppedBeforeTheWriteAreAnErrorNotZeroRows() {
        SparkSession spark = TestSpark.session();
        StructType schema = new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)
                .add(Columns.REASON, DataTypes.StringType);
        Dataset<Row> prompts = spark.createDataFrame(List.of(RowFactory.create("a", "Once upon a time", null),
                RowFactory.create("b", "The cat sat", null)), schema);
        StageContext ctx = new StageContext(spark, "id", "prompt");
        Generate teacher = new Generate().setModel(Stories.model().toString()).setMaxTokens(2);
        Dataset<Row> answered = new InferenceStage("generate", teacher).reportModelCounts("teacher").apply(prompts, ctx);
        String[] counts = Arrays.stream(answered.columns()).filter(c -> c.startsWith("_kindling_generate_counts")).toArray(String[]::new);
        assertTrue(counts.length == 4, Arrays.toString(answered.columns()));
        RunReport report = PipelineOutput.write(answered.drop(counts), ctx, new PipelineOutput.Targets(null, false, null, null),
                List.of("read", "generate"), Set.of(), System.nanoTime());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> new InferenceProgress(() -> null).summary("teacher", report.metrics()));
        assertTrue(e.getMessage().contains("teacher rows"), e.getMessage());
    }
}
