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
        // token counts (n_tokens) and the token total: the given tokenizer, else the model's vocabulary,
        // else the built-in byte-level one (one token per UTF-8 byte)
        String tokenizer = settings.tokenizer() != null ? settings.tokenizer()
                : settings.model() != null ? settings.model() : dev.kindling.spark.tokenize.ExecutorTokenizers.BYTE_LEVEL;
        stages.add(new dev.kindling.spark.tokenize.TokenizeStage(tokenizer, false, false));
        return stages;
    }
}
