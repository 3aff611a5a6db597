package dev.kindling.spark.stage;

import dev.kindling.spark.KindlingException;
import org.apache.spark.sql.Dataset;

/**
 * Structured Streaming and the stages: a stage that works row by row (the filters, PII redaction, decontamination,
 * tokenizing, the inference stages) runs on a streaming DataFrame as on a batch one; a stage that needs the whole dataset
 * refuses a streaming one here, saying so. It failed in Spark's planner ({@code NON_TIME_WINDOW_NOT_SUPPORTED_IN_STREAMING},
 * naming an inner column) or with "Queries with streaming sources must be executed with writeStream.start()", naming no
 * stage.
 */
public final class Streaming {
    private Streaming() {}

    /** Refuses a streaming {@code df} for the stage {@code who}, which needs the whole dataset because {@code why}. */
    public static void requireBatch(Dataset<?> df, String who, String why) {
        if (df.isStreaming()) {
            throw KindlingException.usage(who + " needs the whole dataset (" + why + ") and cannot run on a streaming DataFrame: "
                    + "run it as a batch job over the stream's output; inside foreachBatch it would look at each micro-batch "
                    + "alone");
        }
    }
}
