package dev.kindling.spark.stage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.ml.param.Params;
import org.apache.spark.ml.util.DefaultParamsWriter;
import org.apache.spark.ml.util.MLWritable;
import org.apache.spark.ml.util.MLWriter;

/**
 * The writer of a Kindling stage that holds other stages (a {@code PerplexityFilter} its {@code Score}, {@code Sft} its
 * teacher, {@code Dpo} its teacher and judge), as Spark's composite stages save theirs ({@code Pipeline} its stages under
 * {@code stages/}, {@code OneVsRest} its classifier under {@code classifier/}): the stage's own params in
 * {@code path/metadata}, written by Spark's {@code DefaultParamsWriter}, and each held stage with its own writer in a
 * named sub-directory, {@code path/<name>}. {@link StageReader#of(Class, StageReader.Maker)} reads it back.
 */
public final class StageWriter extends MLWriter {
    private final Params stage;
    private final Map<String, MLWritable> nested = new LinkedHashMap<>();

    private StageWriter(Params stage) {
        this.stage = stage;
    }

    /** A writer of {@code stage}'s params; add its held stages with {@link #nested}. */
    public static StageWriter of(Params stage) {
        return new StageWriter(stage);
    }

    /** Saves {@code held} in the sub-directory {@code name}, with its own writer. */
    public StageWriter nested(String name, MLWritable held) {
        nested.put(name, held);
        return this;
    }

    @Override
    public void saveImpl(String path) {
        DefaultParamsWriter.saveMetadata(stage, path, sparkSession());
        for (Map.Entry<String, MLWritable> e : nested.entrySet()) {
            String dir = new Path(path, e.getKey()).toString();
            try {
                e.getValue().write().session(sparkSession()).save(dir);
            } catch (IOException x) {
                throw new UncheckedIOException(ParamChecks.who(stage) + ": saving its " + e.getKey() + " at " + dir + ": " + x.getMessage(), x);
            }
        }
    }
}
