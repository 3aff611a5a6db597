package dev.kindling.spark.inference;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * The child JVM of {@link PipelinePersistenceTest}: loads a saved Pipeline, fits and runs it on a saved input and writes
 * each stage's class and uid, then the output rows as JSON sorted, to a file. Nothing of the saving JVM is here but the
 * files: what loads and runs the same is what a saved pipeline carries.
 *
 * <p>Arguments: the pipeline's directory, the input (Parquet), the file to write.
 */
public final class PipelineInNewJvm {
    private PipelineInNewJvm() {}

    /** The lines the parent and the child compare: the stages, then the rows. */
    static List<String> describe(PipelineModel model, Dataset<Row> input) {
        List<String> lines = new ArrayList<>();
        for (Transformer t : model.stages()) {
            lines.add(t.getClass().getName() + " " + t.uid());
        }
        lines.addAll(model.transform(input).toJSON().collectAsList().stream().sorted().toList());
        return lines;
    }

    public static void main(String[] args) throws Exception {
        SparkSession spark = SparkSession.builder().master("local[1]").appName("kindling-pipeline-child")
                .config("spark.ui.enabled", "false").config("spark.sql.shuffle.partitions", "1")
                .config("spark.driver.host", "127.0.0.1").config("spark.driver.bindAddress", "127.0.0.1")
                .getOrCreate();
        try {
            Dataset<Row> input = spark.read().parquet(args[1]);
            PipelineModel model = Pipeline.load(args[0]).fit(input);
            Files.write(Path.of(args[2]), describe(model, input), StandardCharsets.UTF_8);
        } finally {
            spark.stop();
        }
    }
}
