package dev.kindling.inference.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.sample.LogProbs;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every GGUF architecture against llama.cpp: the tiny random model of each {@link TinyArchs} case
 * (llama, deci, mistral and mixtral as {@code llama}, qwen2, qwen, phi2, gptneox, stablelm, falcon
 * 7B- and 40B-style, mpt, bloom; and Galactica's OPT block as llama.cpp's {@code gpt2}, for the HF
 * checkpoint only) run by llama.cpp, whose log-probabilities at every position of a
 * 12-token prompt (full vocabulary, F32 KV cache) are committed in
 * {@code src/test/resources/llamacpp/arch-<case>.json}, made by {@code regenerate-archs.sh} there
 * (node-llama-cpp 3.21.1 = llama.cpp release v0.4.0). The test rebuilds the same model bytes (checked
 * by sha256), runs the HF checkpoint of the same weights as well as the GGUF, and requires at every
 * position:
 * <ul>
 *   <li>relative error below 1e-3: {@code max |ours - llama.cpp|} over the vocabulary, divided by the
 *       spread of llama.cpp's values ({@code max |v - mean(v)|}), on log-softmax (node-llama-cpp gives
 *       probabilities, so logits are known up to a constant per position);</li>
 *   <li>the same argmax, except where llama.cpp's two best are closer than the tolerance (qwen2 has
 *       such a near tie, 9e-5 apart).</li>
 * </ul>
 * Mistral's llama.cpp run ignores the sliding window ({@code llama} has none there), so its prompt is
 * compared only up to the window.
 */
class LlamaCppArchParityTest {
    @TempDir
    static Path dir;

    static Stream<TinyArchs.Case> withGguf() {
        return TinyArchs.CASES.stream().filter(c -> c.ggufArch() != null);
    }

    static JsonNode expected(String name) throws Exception {
        try (InputStream in = LlamaCppArchParityTest.class.getResourceAsStream("/llamacpp/arch-" + name + ".json")) {
            assertNotNull(in, "no expected output for " + name + ": run regenerate-archs.sh");
            return new ObjectMapper().readTree(in);
        }
    }

    static double[][] logSoftmaxPerPosition(Path model, int[] tokens) {
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(1))) {
            double[][] out = new double[tokens.length][];
            for (int p = 0; p < tokens.length; p++) {
                float[] logits = e.logits(Arrays.copyOf(tokens, p + 1));
                double lse = LogProbs.logSumExp(logits, 0, logits.length);
                out[p] = new double[logits.length];
                for (int i = 0; i < logits.length; i++) {
                    out[p][i] = logits[i] - lse;
                }
            }
            return out;
        }
    }

    /** {@code max |a - b| / max |b - mean(b)|} over the vocabulary (entries llama.cpp could not represent skipped). */
    static double relativeError(double[] ours, JsonNode ref) {
        double diff = 0;
        for (int i = 0; i < ours.length; i++) {
            JsonNode v = ref.get(i);
            if (!v.isNull()) {
                diff = Math.max(diff, Math.abs(ours[i] - v.asDouble()));
            }
        }
        return diff / spread(ref);
    }

    static double spread(JsonNode ref) {
        double mean = 0;
        int n = 0;
        for (JsonNode v : ref) {
            if (!v.isNull()) {
                mean += v.asDouble();
                n++;
            }
        }
        mean /= n;
        double spread = 0;
        for (JsonNode v : ref) {
            if (!v.isNull()) {
                spread = Math.max(spread, Math.abs(v.asDouble() - mean));
            }
        }
        return spread;
    }

    static int argmax(double[] a) {
        int best = 0;
        for (int i = 1; i < a.length; i++) {
            if (a[i] > a[best]) {
                best = i;
            }
        }
        return best;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("withGguf")
    void matchesLlamaCpp(TinyArchs.Case c) throws Exception {
        JsonNode exp = expected(c.name());
        Path hf = dir.resolve("hf-" + c.name());
        Path gguf = dir.resolve(c.name() + ".gguf");
        TinyArchs.write(c, hf, gguf);
        assertEquals(exp.get("model_sha256").asText(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                .digest(Files.readAllBytes(gguf))), "the rebuilt " + gguf.getFileName() + " differs from the one llama.cpp ran; run regenerate-archs.sh");
        int[] tokens = new ObjectMapper().convertValue(exp.get("tokens"), int[].class);
        int positions = c.name().equals("mistral") ? TinyArchs.WINDOW : tokens.length;
        // a reference-only GGUF (Galactica as gpt2) is llama.cpp's, not ours to read
        for (Path model : c.referenceOnly() ? new Path[] {hf} : new Path[] {gguf, hf}) {
            double[][] ours = logSoftmaxPerPosition(model, tokens);
            double worst = 0;
            double worstAbs = 0;
            for (int p = 0; p < positions; p++) {
                JsonNode row = exp.get("logprobs").get(p);
                worst = Math.max(worst, relativeError(ours[p], row));
                for (int i = 0; i < ours[p].length; i++) {
                    if (!row.get(i).isNull()) {
                        worstAbs = Math.max(worstAbs, Math.abs(ours[p][i] - row.get(i).asDouble()));
                    }
                }
                int theirs = exp.get("argmax").get(p).asInt();
                int mine = argmax(ours[p]);
                if (mine != theirs) {
                    // a near tie in llama.cpp's own values may fall either way: our pick must then be
                    // within the tolerance of llama.cpp's best
                    double gap = row.get(theirs).asDouble() - row.get(mine).asDouble();
                    assertTrue(gap < 1e-3 * spread(row), c.name() + " " + model.getFileName() + ": argmax at position " + p
                            + " is " + mine + ", llama.cpp's is " + theirs + " (" + gap + " higher in llama.cpp)");
                }
            }
            System.out.printf("%s %s vs llama.cpp: max relative error %.3g, max |log-prob difference| %.3g over %d positions%n",
                    c.name(), model.getFileName(), worst, worstAbs, positions);
            assertTrue(worst < 1e-3, c.name() + " " + model.getFileName() + ": relative error vs llama.cpp " + worst);
        }
    }
}
