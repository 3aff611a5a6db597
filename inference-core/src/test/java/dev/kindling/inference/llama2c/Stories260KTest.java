package dev.kindling.inference.llama2c;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.FinishReason;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.testing.SharedData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * stories260K reproduces llama2.c ({@code run.c}) exactly: greedy token ids from BOS (listed in
 * llama2c/PROVENANCE.md), the greedy texts for 200 and 256 steps, and the sampled text of
 * {@code -t 1.0 -p 0.9 -s 133742} — from the llama2.c checkpoint (+ tok512.bin) and from the GGUF.
 */
class Stories260KTest {
    static int[] expectedGreedyIds() throws IOException {
        String md = Files.readString(SharedData.require("llama2c/PROVENANCE.md"));
        int at = md.indexOf("Greedy token ids for the first 256");
        int start = md.indexOf("```", at) + 3;
        int end = md.indexOf("```", start);
        return Arrays.stream(md.substring(start, end).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    static Engine open(String file) {
        Path model = SharedData.require(file);
        EngineOptions o = EngineOptions.defaults().withThreads(2);
        if (file.endsWith(".bin")) {
            o = o.withTokenizer(SharedData.require("llama2c/tok512.bin"));
        }
        return Engine.open(model, o);
    }

    static String expected(String name) throws IOException {
        return Files.readString(SharedData.require("llama2c/" + name), StandardCharsets.UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2c/stories260K.bin", "llama2c/stories260K.gguf"})
    void greedyMatchesLlama2c(String file) throws IOException {
        try (Engine e = open(file)) {
            // run.c stops only if it samples BOS; EOS is an ordinary token there
            Completion c256 = e.generate(GenerationRequest.of("").withMaxTokens(256).withIgnoreEos(true));
            assertArrayEquals(expectedGreedyIds(), c256.tokens());
            assertEquals(expected("stories260K.expected-greedy-256steps.txt"), c256.text());
            assertEquals(FinishReason.LENGTH, c256.finishReason());
            Completion c200 = e.generate(GenerationRequest.of("").withMaxTokens(200).withIgnoreEos(true));
            assertEquals(expected("stories260K.expected-greedy-200steps.txt"), c200.text());
            assertEquals(1, c200.promptTokens().length, "an empty prompt is BOS alone");
        }
    }

    /**
     * run.c's rule, EOS an ordinary token and BOS the end of the story: stop token ids apply with ignoreEos (vLLM's too),
     * the id ends the tokens and is not in the text. An id past the vocabulary is the request's error: never sampled, it
     * let the generation run on to max tokens.
     */
    @ParameterizedTest
    @ValueSource(strings = {"llama2c/stories260K.bin", "llama2c/stories260K.gguf"})
    void stopTokenIdsEndWithIgnoreEosAndMustBeInTheVocabulary(String file) throws IOException {
        try (Engine e = open(file)) {
            int[] runOn = e.generate(GenerationRequest.of("").withMaxTokens(500).withIgnoreEos(true)).tokens();
            int bosAt = Arrays.stream(runOn).boxed().toList().indexOf(1);
            Completion story = e.generate(GenerationRequest.of("").withMaxTokens(500).withIgnoreEos(true).withStopTokens(1));
            assertArrayEquals(Arrays.copyOf(runOn, bosAt + 1), story.tokens());
            assertArrayEquals(expectedGreedyIds(), Arrays.copyOf(story.tokens(), 256));
            assertEquals(FinishReason.STOP, story.finishReason());
            assertEquals(e.decode(Arrays.copyOf(runOn, bosAt)).stripLeading(), story.text());
            org.junit.jupiter.api.Assertions.assertTrue(story.text().startsWith(expected("stories260K.expected-greedy-256steps.txt")));
            dev.kindling.inference.RequestRefusedException refused = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.kindling.inference.RequestRefusedException.class,
                    () -> e.generate(GenerationRequest.of("").withMaxTokens(4).withStopTokens(2, 512)));
            org.junit.jupiter.api.Assertions.assertTrue(refused.getMessage().contains("stop token id 512 is outside the vocabulary (0..511)"),
                    refused.getMessage());
            org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                    () -> GenerationRequest.of("").withStopTokens(-1));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2c/stories260K.bin", "llama2c/stories260K.gguf"})
    void llama2cSamplerReproducesSeed133742(String file) throws IOException {
        try (Engine e = open(file)) {
            GenerationRequest r = GenerationRequest.of("").withMaxTokens(256).withIgnoreEos(true)
                    .withSampling(SamplingParams.llama2c(1.0f, 0.9f, 133742));
            assertEquals(expected("stories260K.expected-t1.0-p0.9-s133742-256steps.txt"), e.generate(r).text());
        }
    }

    @Test
    void versionOneHeaderGivesTheSameModel(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        Path legacy = SharedData.require("llama2c/stories260K.bin");
        Path v1 = Llama2cFiles.toVersion1(legacy, dir.resolve("stories260K-v1.bin"));
        try (Engine a = Engine.open(legacy, EngineOptions.defaults().withThreads(1));
                Engine b = Engine.open(v1, EngineOptions.defaults().withThreads(1))) {
            int[] prompt = {1, 403, 407, 261};
            assertArrayEquals(a.logits(prompt), b.logits(prompt));
        }
    }

    @Test
    void aHeaderThatDisagreesWithTheFileSizeIsRefused(@org.junit.jupiter.api.io.TempDir Path dir) throws IOException {
        byte[] good = Files.readAllBytes(SharedData.require("llama2c/stories260K.bin"));
        // hidden_dim, n_layers, vocab_size, seq_len made smaller: each loaded and generated garbage from shifted weights
        int[][] edits = {{4, 3}, {8, 3}, {20, 7}, {24, 7}};
        for (int[] edit : edits) {
            byte[] m = good.clone();
            java.nio.ByteBuffer.wrap(m).order(java.nio.ByteOrder.LITTLE_ENDIAN).putInt(edit[0], edit[1]);
            Path p = Files.write(dir.resolve("mutated-" + edit[0] + ".bin"), m);
            dev.kindling.formats.ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.kindling.formats.ModelFormatException.class, () -> Engine.open(p, EngineOptions.defaults().withThreads(1)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(p.toString())
                    && e.getMessage().contains("the file has " + good.length), e.getMessage());
        }
        Path longer = Files.write(dir.resolve("trailing.bin"), Arrays.copyOf(good, good.length + 4));
        org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.formats.ModelFormatException.class,
                () -> Engine.open(longer, EngineOptions.defaults().withThreads(1)));
        // a truncated file names the tensor it ends inside, as a truncated GGUF does (it gave the sizes alone): the
        // embedding is bytes 28 to 131,100, the 5 attention norms 1,280 more, then wq.0
        Object[][] cuts = {{100_000, "token_embedding (bytes 28 to 131100)"}, {140_000, "wq.0 (bytes 132380 to 148764)"},
                {good.length - 100, "freq_cis_real and freq_cis_imag"}};
        for (Object[] cut : cuts) {
            Path p = Files.write(dir.resolve("cut-" + cut[0] + ".bin"), Arrays.copyOf(good, (int) cut[0]));
            dev.kindling.formats.ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.kindling.formats.ModelFormatException.class, () -> Engine.open(p, EngineOptions.defaults().withThreads(1)));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().startsWith(p + ": truncated: the header (dim=64 ")
                    && e.getMessage().contains("needs " + good.length + " bytes, the file has " + cut[0] + ": it ends inside " + cut[1]),
                    e.getMessage());
        }
    }

    /**
     * llama2.c's default tokenizer.bin (Llama 2's 32000 tokens) given to stories260K (512): the engine opened, and a
     * text whose ids all stayed under 512 ("the" is [1, 278] there) was scored and continued as if the
     * tokenizer were the model's, while the others failed one by one. Refused when the engine opens, naming both.
     */
    @Test
    void aTokenizerWithMoreIdsThanTheModelIsRefused() {
        Path model = SharedData.require("llama2c/stories260K.bin");
        Path llama2 = SharedData.require("llama2c/llama2-tokenizer/tokenizer.bin");
        dev.kindling.formats.ModelFormatException e = org.junit.jupiter.api.Assertions.assertThrows(
                dev.kindling.formats.ModelFormatException.class,
                () -> Engine.open(model, EngineOptions.defaults().withThreads(1).withTokenizer(llama2)).close());
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains(llama2.toString())
                && e.getMessage().contains("stories260K.bin") && e.getMessage().contains("32000")
                && e.getMessage().contains("512"), e.getMessage());
    }

    @Test
    void batchedGenerationsEqualSingleOnes() {
        try (Engine e = open("llama2c/stories260K.gguf")) {
            List<GenerationRequest> reqs = new java.util.ArrayList<>();
            for (int i = 0; i < 12; i++) {
                SamplingParams sp = i % 3 == 0 ? SamplingParams.greedy()
                        : SamplingParams.temperature(0.9f, 1000 + i).withTopP(0.95f).withTopK(40);
                String prompt = i % 2 == 0 ? "Once upon a time" : "The little dog";
                reqs.add(GenerationRequest.of(prompt).withMaxTokens(40 + 7 * i).withSampling(sp));
            }
            List<Completion> batched = e.generate(reqs);
            for (int i = 0; i < reqs.size(); i++) {
                Completion single = e.generate(reqs.get(i));
                assertArrayEquals(single.tokens(), batched.get(i).tokens(), "request " + i);
                assertEquals(single.text(), batched.get(i).text());
            }
            assertEquals(true, e.stats().cachedPromptTokens >= 0);
        }
    }
}
