package dev.kindling.inference.cuda.ref;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.Completion;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cpu.CpuBackend;
import dev.kindling.inference.cuda.RandomModels;
import dev.kindling.inference.engine.Scheduler;
import dev.kindling.inference.model.Model;
import dev.kindling.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The GPU data path, run in Java, against the CPU backend: the tolerances of issue 7 (relative
 * error of the logits below 1e-3 for F32 models, 1e-2 for 16-bit activations), llama2.c's greedy
 * tokens for stories260K, and batch invariance (a token's logits do not depend on its step).
 */
class ReferenceBackendTest {
    @TempDir
    Path tmp;

    static int[] prompt(int n, int vocab, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int[] t = new int[n];
        t[0] = 1;
        for (int i = 1; i < n; i++) {
            t[i] = r.nextInt(vocab);
        }
        return t;
    }

    @ParameterizedTest
    @ValueSource(strings = {"llama2c/stories260K.bin", "llama2c/stories260K.gguf"})
    void stories260KLogitsMatchTheCpu(String file) {
        Model m = Models.load(SharedData.require(file));
        int[] tokens = prompt(40, m.config().vocabSize(), 7);
        try (CpuBackend cpu = new CpuBackend(m, 2, 64, 16, 64L << 20); ReferenceBackend ref = Models.reference(m, 64, 64)) {
            float[] want = Models.prefillLogits(cpu, tokens);
            float[] got = Models.prefillLogits(ref, tokens);
            double err = Models.worstRowError(got, want, m.config().vocabSize());
            System.out.printf("%s: worst row relative error %.3e%n", file, err);
            assertTrue(err < 1e-3, "F32 model: worst row relative error " + err);
        }
    }

    @Test
    void llama2TinyRandomWithHeadSize4MatchesTheCpu() {
        // head size 4: the KV cache is F32 (the attention kernel moves 16 bytes at a time), F16 activations
        Model m = Models.load(SharedData.require("gguf-models/llama-2-tiny-random.gguf"));
        int[] tokens = prompt(30, m.config().vocabSize(), 11);
        try (CpuBackend cpu = new CpuBackend(m, 2, 64, 16, 64L << 20); ReferenceBackend ref = Models.reference(m, 64, 64)) {
            assertTrue(ref.describe().contains("F16 activations, F32 KV"), ref.describe());
            double err = Models.worstRowError(Models.prefillLogits(ref, tokens), Models.prefillLogits(cpu, tokens), m.config().vocabSize());
            System.out.printf("llama-2-tiny-random: worst row relative error %.3e%n", err);
            assertTrue(err < 1e-2, "worst row relative error " + err);
        }
    }

    @Test
    void stories260KGreedyIsLlama2c() throws Exception {
        int[] expected = expectedGreedyIds();
        Model m = Models.load(SharedData.require("llama2c/stories260K.bin"));
        try (ReferenceBackend ref = Models.reference(m, 64, 64); Scheduler s = new Scheduler(ref, null, new int[] {2}, 1, 4)) {
            Completion c = s.generate(new int[] {1}, GenerationRequest.ofTokens(1).withMaxTokens(256).withIgnoreEos(true), null).get();
            assertArrayEquals(expected, c.tokens());
        }
    }

    /**
     * A NaN weight makes every logit NaN. The CUDA backend picks tokens on the device and copied back only the token,
     * so greedy and sampled generation ran on with token 0 and no error where the CPU backend fails the request; the
     * reduction now returns the chosen token's logit, which the scheduler checks as it does a full row's.
     */
    @Test
    void aModelComputingNanFailsTheRequestWhenTheBackendReducesTheLogits() throws Exception {
        Path nan = tmp.resolve("nan-stories260K.bin");
        Files.copy(SharedData.require("llama2c/stories260K.bin"), nan);
        Model clean = Models.load(nan);
        try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(nan, java.nio.file.StandardOpenOption.WRITE)) {
            // the 7-int header, then the token embeddings: element 5 of BOS's (token 1) row
            ch.write(java.nio.ByteBuffer.allocate(4).order(java.nio.ByteOrder.LITTLE_ENDIAN).putFloat(0, Float.NaN),
                    28 + 4L * (clean.config().dim() + 5));
        }
        Model m = Models.load(nan);
        for (var sampling : new dev.kindling.inference.sample.SamplingParams[] {dev.kindling.inference.sample.SamplingParams.greedy(),
                dev.kindling.inference.sample.SamplingParams.temperature(0.8f, 7)}) {
            try (ReferenceBackend ref = Models.reference(m, 64, 64); Scheduler s = new Scheduler(ref, null, new int[] {2}, 1, 4)) {
                var x = org.junit.jupiter.api.Assertions.assertThrows(java.util.concurrent.ExecutionException.class,
                        () -> s.generate(new int[] {1}, GenerationRequest.ofTokens(1).withMaxTokens(8).withSampling(sampling), null).get());
                assertTrue(x.getCause().getMessage().contains("non-finite logit"), sampling + ": " + x.getCause().getMessage());
            }
        }
    }

    static int[] expectedGreedyIds() throws Exception {
        String md = Files.readString(SharedData.require("llama2c/PROVENANCE.md"));
        int at = md.indexOf("Greedy token ids for the first 256");
        int start = md.indexOf("```", at) + 3;
        int end = md.indexOf("```", start);
        return Arrays.stream(md.substring(start, end).trim().split("\\s+")).mapToInt(Integer::parseInt).toArray();
    }

    /**
     * 16-bit models: relative error below 1e-2 (issue 7). Quantized models: the GPU rounds product
     * inputs as the CPU engine and llama.cpp do (Q8_0 / Q8_K blocks), and that rounding is
     * discontinuous: a last-bit difference upstream (F16 tiles vs exact floats) can move a value to
     * the next quantization step. On these small random models (chaotic by construction, see
     * llama.cpp's own 0.2 log-prob error in inference-core's README) that shows as a few percent,
     * and an occasional near-tie resolved the other way; the bounds: 5e-2, and the same next token at
     * 90% of the positions or more (llama.cpp's CUDA path, which also multiplies F16-dequantized
     * tiles for batches, differs from its CPU path the same way).
     */
    @ParameterizedTest
    @EnumSource(value = GgmlType.class, names = {"F16", "BF16", "Q8_0", "Q4_0", "Q4_K"})
    void randomModelsMatchTheCpu(GgmlType type) throws Exception {
        Path f = tmp.resolve(type + ".gguf");
        RandomModels.small().write(f, type, 42, type == GgmlType.Q4_0);
        Model m = Models.load(f);
        int[] tokens = prompt(24, m.config().vocabSize(), 3);
        try (CpuBackend cpu = new CpuBackend(m, 2, 64, 16, 64L << 20); ReferenceBackend ref = Models.reference(m, 64, 64)) {
            float[] want = Models.prefillLogits(cpu, tokens);
            float[] got = Models.prefillLogits(ref, tokens);
            double err = Models.worstRowError(got, want, m.config().vocabSize());
            System.out.printf("random %s: worst row relative error %.3e%n", type, err);
            boolean quantized = type != GgmlType.F16 && type != GgmlType.BF16;
            assertTrue(err < (quantized ? 5e-2 : 1e-2), type + ": worst row relative error " + err);
            int vocab = m.config().vocabSize();
            int same = 0;
            for (int r = 0; r < tokens.length; r++) {
                same += argmax(got, r * vocab, vocab) == argmax(want, r * vocab, vocab) ? 1 : 0;
            }
            System.out.printf("random %s: argmax agrees at %d of %d positions%n", type, same, tokens.length);
            if (quantized) {
                assertTrue(same >= 0.9 * tokens.length, type + ": argmax agrees at " + same + " of " + tokens.length);
            } else {
                assertEquals(tokens.length, same, type + ": argmax agrees at every position");
            }
        }
    }

    @Test
    void longContextsAndSlidingWindowsMatchTheCpu() throws Exception {
        // 1100 positions: three flash-decoding splits; window 300 masks the start of most rows
        for (int window : new int[] {0, 300}) {
            Path f = tmp.resolve("long" + window + ".gguf");
            new RandomModels(1, 64, 4, 2, 128, 96, 2048, window).write(f, GgmlType.F32, 9, false);
            Model m = Models.load(f);
            int[] tokens = prompt(1100, m.config().vocabSize(), 5);
            try (CpuBackend cpu = new CpuBackend(m, 2, 1100, 16, 64L << 20); ReferenceBackend ref = Models.reference(m, 1100, 80)) {
                float[] want = Models.prefillLogits(cpu, tokens);
                float[] got = Models.prefillLogits(ref, tokens);
                double err = Models.worstRowError(got, want, m.config().vocabSize());
                System.out.printf("1100 positions, window %d: worst row relative error %.3e%n", window, err);
                assertTrue(err < 1e-3, "window " + window + ": worst row relative error " + err);
            }
        }
    }

    @Test
    void aTokensLogitsDoNotDependOnItsStep() throws Exception {
        Path f = tmp.resolve("inv.gguf");
        new RandomModels(2, 128, 4, 1, 256, 200, 2048, 0).write(f, GgmlType.Q8_0, 4, false);
        Model m = Models.load(f);
        int vocab = m.config().vocabSize();
        int[] a = prompt(600, vocab, 1);
        int[] b = prompt(37, vocab, 2);
        // 1) both sequences prefilled together, logits everywhere
        ReferenceBackend together = Models.reference(m, 700, 64);
        Step s = new Step(700);
        int sa = s.addSequence(table(0, 38));
        int sb = s.addSequence(table(40, 3));
        for (int i = 0; i < a.length; i++) {
            s.addToken(sa, a[i], i, true);
        }
        for (int i = 0; i < b.length; i++) {
            s.addToken(sb, b[i], i, true);
        }
        together.forward(s);
        float[] both = s.logits.clone();
        // 2) sequence a alone in chunks of 100, then its last token again as a decode step
        ReferenceBackend alone = Models.reference(m, 700, 64);
        float[] solo = new float[a.length * vocab];
        for (int from = 0; from < a.length; from += 100) {
            Step c = new Step(100);
            int q = c.addSequence(table(0, 38));
            for (int i = from; i < Math.min(a.length, from + 100); i++) {
                c.addToken(q, a[i], i, true);
            }
            alone.forward(c);
            System.arraycopy(c.logits, 0, solo, from * vocab, c.tokenCount() * vocab);
        }
        for (int i = 0; i < a.length * vocab; i++) {
            assertEquals(Float.floatToRawIntBits(both[i]), Float.floatToRawIntBits(solo[i]), "logit " + i + " of sequence a");
        }
        // 3) b's logits as single-token decode steps after a one-token prefill
        ReferenceBackend dec = Models.reference(m, 700, 64);
        for (int i = 0; i < b.length; i++) {
            Step d = new Step(1);
            d.addToken(d.addSequence(table(40, 3)), b[i], i, true);
            dec.forward(d);
            for (int v = 0; v < vocab; v++) {
                assertEquals(Float.floatToRawIntBits(both[(a.length + i) * vocab + v]), Float.floatToRawIntBits(d.logits[v]),
                        "sequence b position " + i);
            }
        }
    }

    static int[] table(int first, int n) {
        int[] t = new int[n];
        for (int i = 0; i < n; i++) {
            t[i] = first + i;
        }
        return t;
    }

    static int argmax(float[] a, int off, int n) {
        int best = 0;
        for (int i = 1; i < n; i++) {
            if (a[off + i] > a[off + best]) {
                best = i;
            }
        }
        return best;
    }

    @Test
    void reductionsAreComputedForTheRowsThatAskForThem() throws Exception {
        Path f = tmp.resolve("red.gguf");
        RandomModels.small().write(f, GgmlType.F16, 8, false);
        Model m = Models.load(f);
        Backend ref = Models.reference(m, 8, 8);
        Step s = new Step(8);
        int q = s.addSequence(table(0, 1));
        for (int i = 0; i < 4; i++) {
            s.addToken(q, 10 + i, i, true);
        }
        s.reductions = new dev.kindling.inference.backend.LogitReduction[] {
            dev.kindling.inference.backend.LogitReduction.argmax(), null,
            dev.kindling.inference.backend.LogitReduction.logprob(5),
            dev.kindling.inference.backend.LogitReduction.sample(0.8f, 10, 0.9f, 0f, 0.5f)};
        ref.forward(s);
        int vocab = m.config().vocabSize();
        assertEquals(argmax(s.logits, 0, vocab), s.reducedTokens[0]);
        assertEquals(s.reductions[2].value(s.logits, 2 * vocab, vocab), s.reducedValues[2], 0f);
        assertEquals(s.reductions[3].token(s.logits, 3 * vocab, vocab), s.reducedTokens[3]);
    }
}
