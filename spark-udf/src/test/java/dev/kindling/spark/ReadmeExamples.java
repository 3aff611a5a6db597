package dev.kindling.spark;

import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * The README's code examples, compiled: the lines between a {@code // README <name>} and the next {@code // README end}
 * are, less their indent, the README's code block of that name ({@link ReadmeExamplesTest} checks that and runs them).
 */
final class ReadmeExamples {
    private ReadmeExamples() {}

    /** What the pipeline example leaves. */
    record Saved(Dataset<Row> curated, MinHashDedup minhash) {}

    /** "A stage saves and loads as Spark's own do": {@code docs} of {@code id} and {@code text}, {@code dir} any directory. */
    static Saved pipeline(Dataset<Row> docs, String dir) throws java.io.IOException {
        // README pipeline
        PipelineModel curation = new Pipeline().setStages(new PipelineStage[] {
                new ExactDedup(), new QualityFilter().setFilter("c4"), new PiiRedaction().setCountsCol("pii")}).fit(docs);
        curation.write().overwrite().save(dir + "/curation");
        Dataset<Row> curated = PipelineModel.load(dir + "/curation").transform(docs);
        new MinHashDedup().setThreshold(0.7).write().overwrite().save(dir + "/minhash");
        MinHashDedup minhash = MinHashDedup.load(dir + "/minhash");   // same uid and params
        // README end
        return new Saved(curated, minhash);
    }
}
