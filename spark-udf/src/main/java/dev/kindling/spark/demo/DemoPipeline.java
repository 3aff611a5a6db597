package dev.kindling.spark.demo;

import dev.kindling.spark.stage.PipelineStage;
import java.util.ArrayList;
import java.util.List;

/**
 * The stages {@code kindling demo} runs over the sample corpus, in order. Every pipeline stage
 * Kindling has is added here, so the demo always shows all of them working together.
 */
public final class DemoPipeline {
    private DemoPipeline() {}

    /** Settings the demo's stages may use. */
    public record Settings(String tokenizer, String model, long seed) {}

    public static List<PipelineStage> stages(Settings settings) {
        List<PipelineStage> stages = new ArrayList<>();
        return stages;
    }
}
