package dev.kindling.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.formats.gguf.GgufValue;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.sample.LogProbs;
import dev.kindling.testing.SharedData;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.FieldSource;

/**
 * Log-probabilities far into the context against llama.cpp, for each RoPE variant a GGUF can hold: a 2048-token prompt
 * (context 4096) on make_gguf.py's tiny model (F32 weights, F32 KV cache), compared over the whole vocabulary at
 * positions from the first to the last ({@link #POSITIONS}), where RoPE angles reach 2047 radians and rounding in
 * their computation would show:
 * <ul>
 *   <li>{@code llama}: adjacent pairs, base 10000;</li>
 *   <li>{@code llama31}: base 500000 and Llama 3.1's {@code rope_freqs.weight} (factor 8, low/high frequency factors 1
 *       and 4, an original context of 512 so that the divisors of this 16-wide head differ: 1, 1, 1.375, 8 x 5);</li>
 *   <li>{@code linear}: {@code rope.scaling.type linear}, factor 4;</li>
 *   <li>{@code qwen2}: NEOX pairs (llama.cpp's rope type for qwen2), base 1000000, Q/K/V biases.</li>
 * </ul>
 * llama.cpp's values are committed in {@code src/test/resources/llamacpp/long-<variant>.json}, made by
 * {@code regenerate-long.sh} there; the test rebuilds the same model bytes (checked by sha256). Measured: at most
 * 5e-5 apart over all 4000 positions of a 4000-token prompt, no larger than llama.cpp's own distance from a float64
 * forward pass; the bound is the parity tests' 1e-3. Needs python3 (make_gguf.py); skipped without it.
 */
class LongContextParityTest {
    static final int SEED = 4343;
    static final int PROMPT = 2048;
    static final int[] POSITIONS = {0, 15, 16, 511, 1023, 1536, 2000, 2047};
    static final List<String> VARIANTS = List.of("llama", "llama31", "linear", "qwen2");

    @TempDir
    static Path dir;
    static Path makeGguf;

    @BeforeAll
    static void tools() {
        makeGguf = SharedData.requireShared("tools/ref/make_gguf.py");
        assumeTrue(LlamaCppParityTest.python3(), "skipped: python3 is not on the PATH (needed by make_gguf.py)");
    }

    /** BOS, then pseudo-random ids of make_gguf.py's vocabulary past its byte tokens (259..511; java.util.Random is specified). */
    static int[] prompt() {
        Random r = new Random(SEED);
        int[] p = new int[PROMPT];
        p[0] = 1;
        for (int i = 1; i < PROMPT; i++) {
            p[i] = 259 + r.nextInt(253);
        }
        return p;
    }

    /** Writes the model of {@code variant} into {@code dir}: make_gguf.py's tiny F32 model with a 4096 context, rewritten. */
    static Path model(Path makeGguf, Path dir, String variant) throws IOException, InterruptedException {
        Path base = dir.resolve("long-base.gguf");
        if (!Files.exists(base)) {
            TinyModels.runMakeGguf(makeGguf, base, List.of("--type", "f32", "--ctx", "4096", "--seed", Integer.toString(SEED)));
        }
        Path out = dir.resolve("long-" + variant + ".gguf");
        String arch = variant.equals("qwen2") ? "qwen2" : "llama";
        Random r = new Random(SEED);
        try (GgufFile in = GgufFile.open(base)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().entrySet()) {
                String key = e.getKey().startsWith("llama.") ? arch + e.getKey().substring("llama".length()) : e.getKey();
                if (key.equals("general.architecture")) {
                    w.putString(key, arch);
                } else if (key.equals(arch + ".rope.freq_base")) {
                    w.putF32(key, switch (variant) {
                        case "llama31" -> 500000f;
                        case "qwen2" -> 1000000f;
                        default -> 10000f;
                    });
                } else {
                    w.put(key, e.getValue());
                }
            }
            if (variant.equals("linear")) {
                w.putString(arch + ".rope.scaling.type", "linear");
                w.putF32(arch + ".rope.scaling.factor", 4f);
            }
            for (GgufTensorInfo t : in.tensorList()) {
                byte[] bytes = new byte[(int) t.byteSize()];
                in.map(t).get(bytes);
                w.tensor(t.name(), t.type(), t.dims(), bytes);
                if (variant.equals("qwen2") && t.name().matches("blk\\.\\d+\\.attn_[qkv]\\.weight")) {
                    float[] bias = new float[(int) t.dim(1)];
                    for (int i = 0; i < bias.length; i++) {
                        bias[i] = (float) (0.5 * r.nextGaussian());
                    }
                    w.tensorF32(t.name().replace(".weight", ".bias"), new long[] {bias.length}, bias);
                }
            }
            if (variant.equals("llama31")) {
                int dims = (int) in.getInt("llama.rope.dimension_count");
                w.tensorF32("rope_freqs.weight", new long[] {dims / 2}, llama3Divisors(dims, 500000, 8, 1, 4, 512));
            }
            w.write(out);
        }
        return out;
    }

    /** Llama 3.1's divisor per rotated pair, as llama.cpp's convert_hf_to_gguf.py writes {@code rope_freqs.weight}. */
    static float[] llama3Divisors(int dims, double base, double factor, double lowFreqFactor, double highFreqFactor, int oldContext) {
        float[] f = new float[dims / 2];
        for (int i = 0; i < f.length; i++) {
            double wavelen = 2 * Math.PI * Math.pow(base, 2.0 * i / dims);
            if (wavelen < oldContext / highFreqFactor) {
                f[i] = 1f;
            } else if (wavelen > oldContext / lowFreqFactor) {
                f[i] = (float) factor;
            } else {
                double smooth = (oldContext / wavelen - lowFreqFactor) / (highFreqFactor - lowFreqFactor);
                f[i] = (float) (1 / ((1 - smooth) / factor + smooth));
            }
        }
        return f;
    }

    @ParameterizedTest
    @FieldSource("VARIANTS")
    void matchesLlamaCppFarIntoTheContext(String variant) throws Exception {
        JsonNode exp;
        try (InputStream in = LongContextParityTest.class.getResourceAsStream("/llamacpp/long-" + variant + ".json")) {
            assertNotNull(in, "no expected output for " + variant + ": run regenerate-long.sh");
            exp = new ObjectMapper().readTree(in);
        }
        Path model = model(makeGguf, dir, variant);
        assertEquals(exp.get("model_sha256").asText(), LlamaCppParityTest.sha256(model),
                "the rebuilt " + model.getFileName() + " differs from the one llama.cpp ran; run regenerate-long.sh");
        int[] tokens = prompt();
        assertArrayEquals(new ObjectMapper().convertValue(exp.get("tokens"), int[].class), tokens);
        assertArrayEquals(new ObjectMapper().convertValue(exp.get("positions"), int[].class), POSITIONS);
        double worst = 0;
        int worstAt = -1;
        // one engine: each prefix after the first takes the blocks of the one before from the prefix cache
        try (Engine e = Engine.open(model, EngineOptions.defaults().withDevice("cpu").withThreads(2))) {
            for (int k = 0; k < POSITIONS.length; k++) {
                int pos = POSITIONS[k];
                float[] logits = e.logits(Arrays.copyOf(tokens, pos + 1));
                double lse = LogProbs.logSumExp(logits, 0, logits.length);
                JsonNode row = exp.get("logprobs").get(k);
                int argmax = 0;
                for (int i = 0; i < logits.length; i++) {
                    argmax = logits[i] > logits[argmax] ? i : argmax;
                    if (!row.get(i).isNull()) {
                        double d = Math.abs(logits[i] - lse - row.get(i).asDouble());
                        if (d > worst) {
                            worst = d;
                            worstAt = pos;
                        }
                    }
                }
                assertEquals(exp.get("argmax").get(k).asInt(), argmax, variant + ": argmax at position " + pos);
            }
        }
        System.out.printf("%s: max |ours - llama.cpp| %.3g (position %d) over positions %s of a %d-token prompt%n", variant, worst,
                worstAt, Arrays.toString(POSITIONS), PROMPT);
        assertTrue(worst < 1e-3, variant + ": max |log-prob difference| vs llama.cpp = " + worst + " at position " + worstAt);
    }

    /** Writes every variant's model into {@code args[0]} and the prompt into {@code tokens.txt} there (regenerate-long.sh). */
    public static void main(String[] args) throws Exception {
        Path out = Path.of(args[0]);
        List<String> ids = new ArrayList<>();
        for (int t : prompt()) {
            ids.add(Integer.toString(t));
        }
        Files.writeString(out.resolve("tokens.txt"), String.join(",", ids));
        for (String v : VARIANTS) {
            model(Path.of(args[1]), out, v);
        }
        Files.writeString(out.resolve("positions.txt"), Arrays.toString(POSITIONS));
    }
}
