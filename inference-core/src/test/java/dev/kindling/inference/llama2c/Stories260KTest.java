package dev.kindling.inference.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.testing.SharedData;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** stories260K greedy from BOS gives llama2.c's token ids (listed in llama2c/PROVENANCE.md). */
class Stories260KTest {
    static int[] expectedGreedyIds() throws IOException {
        String md = Files.readString(SharedData.require("llama2c/PROVENANCE.md"));
        int at = md.indexOf("Greedy token ids for the first 256");
        int start = md.indexOf("```", at) + 3;
        int end = md.indexOf("```", start);
        return Arrays.stream(md.substring(start, end).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2c/stories260K.bin", "llama2c/stories260K.gguf"})
    void greedyIdsMatchLlama2c(String file) throws IOException {
        int[] expected = expectedGreedyIds();
        Path model = SharedData.require(file);
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(2))) {
            Completion c = e.generate(GenerationRequest.ofTokens(1).withMaxTokens(256).withIgnoreEos(true));
            assertArrayEquals(expected, c.tokens());
        }
    }
}
