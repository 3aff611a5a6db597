package dev.kindling.inference.arch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * OPT and Galactica against an independent reference: {@code src/test/resources/reference/opt_forward.py},
 * Hugging Face's {@code OPTForCausalLM} forward pass written in float64 numpy from transformers'
 * {@code modeling_opt.py} (llama.cpp has no OPT; the transformers check needs PyTorch). Each OPT case
 * of {@link TinyArchs} — OPT-125m style (ReLU, pre-norm), Galactica-125m..6.7b (GELU), OPT-350m
 * (post-norm, {@code word_embed_proj_dim} < {@code hidden_size} with project_in / project_out, no
 * final LayerNorm, a stray {@code final_layer_norm} in the file), a config that removes the final
 * LayerNorm ({@code _remove_final_layer_norm}, untied {@code lm_head}), Galactica-30b/120b (no
 * biases, LayerNorms without parameters) — is written as an HF directory; the reference reads it as a
 * subprocess ({@code python3}) and Kindling's CPU engine runs it, and the logits at every position of
 * a 16-token prompt must agree: relative error {@code max |kindling - reference| / max |reference - mean|}
 * per position below 1e-3 (raw logits, not log-softmax: no free constant). The reference is itself
 * checked against llama.cpp on Galactica's block ({@link #referenceAgreesWithLlamaCppOnGalactica}),
 * and against a config it must not agree with ({@link #referenceFollowsTheConfiguration}).
 *
 * <p>Skipped, with the reason, when {@code python3} (or {@code -Dkindling.python}) or numpy is not
 * available.
 */
class OptReferenceTest {
    /** 16 positions inside the tiny vocabulary. */
    static final int[] PROMPT = {2, 300, 261, 287, 13, 299, 270, 312, 259, 45, 301, 277, 5, 318, 260, 3};

    static final String PYTHON = System.getProperty("kindling.python", "python3");

    @TempDir
    static Path dir;

    static Path script;

    @BeforeAll
    static void referenceLogitsOfEveryModel() throws Exception {
        String why;
        try {
            Process p = new ProcessBuilder(PYTHON, "-c", "import numpy; print(numpy.__version__)").redirectErrorStream(true).start();
            boolean done = p.waitFor(60, TimeUnit.SECONDS);
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
            why = !done ? PYTHON + " did not answer in 60 s" : p.exitValue() != 0 ? PYTHON + " has no numpy: " + out : null;
            if (!done) {
                p.destroyForcibly();
            }
        } catch (IOException e) {
            why = "no " + PYTHON + " on the PATH (" + e.getMessage() + ")";
        }
        unavailable = why;
        if (why != null) {
            System.out.println("OptReferenceTest skipped: " + why);
            return;
        }
        script = dir.resolve("opt_forward.py");
        try (InputStream in = OptReferenceTest.class.getResourceAsStream("/reference/opt_forward.py")) {
            Files.copy(in, script);
        }
        // every model the tests compare, through one python process (its start is most of the cost)
        List<Path> models = new ArrayList<>();
        for (TinyArchs.Case c : optCases().toList()) {
            Path hf = dir.resolve("hf-" + c.name());
            TinyArchs.write(c, hf, null);
            models.add(hf);
        }
        Path control = dir.resolve("hf-opt");
        for (Map.Entry<String, Consumer<ObjectNode>> edit : CONTROL_EDITS.entrySet()) {
            Path edited = dir.resolve("hf-opt-edited-" + edit.getKey());
            ArchFormatsTest.copyWithConfig(control, edited, edit.getValue());
            models.add(edited);
        }
        references = reference(models, PROMPT);
    }

    /** Why the reference cannot run here (no python3 or no numpy), or null. */
    static String unavailable;

    /** Each test is reported as skipped, with the reason, where the reference cannot run. */
    @BeforeEach
    void referenceAvailable() {
        Assumptions.assumeTrue(unavailable == null, "the numpy reference of modeling_opt cannot run: " + unavailable);
    }

    /** Config edits the reference must follow ({@link #referenceFollowsTheConfiguration}). */
    static final Map<String, Consumer<ObjectNode>> CONTROL_EDITS = Map.of(
            "gelu", cfg -> cfg.put("activation_function", "gelu"),
            "post-norm", cfg -> cfg.put("do_layer_norm_before", false));

    /** The reference's logits per model directory. */
    static Map<Path, double[][]> references;

    /** The mean over positions of the reference's last_hidden_state, per model directory. */
    static final Map<Path, double[]> meanHidden = new HashMap<>();

    static Stream<TinyArchs.Case> optCases() {
        return TinyArchs.CASES.stream().filter(c -> c.name().startsWith("opt") || c.name().startsWith("galactica"));
    }

    /** The reference's logits after every prefix of {@code tokens}, [position][vocab], for each model directory. */
    static Map<Path, double[][]> reference(List<Path> models, int[] tokens) throws Exception {
        List<String> command = new ArrayList<>(List.of(PYTHON, script.toString()));
        models.forEach(m -> command.add(m.toString()));
        command.add("--tokens");
        command.add(Arrays.stream(tokens).mapToObj(Integer::toString).collect(Collectors.joining(",")));
        Path err = Files.createTempFile(dir, "opt_forward", ".stderr");
        Process p = new ProcessBuilder(command).redirectError(err.toFile()).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "opt_forward.py did not finish");
        String stderr = Files.readString(err);
        assertEquals(0, p.exitValue(), "opt_forward.py failed: " + stderr);
        System.out.print(stderr);
        Map<Path, double[][]> byModel = new HashMap<>();
        ObjectMapper json = new ObjectMapper();
        for (String line : new String(out, StandardCharsets.UTF_8).split("\n")) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode r = json.readTree(line);
            JsonNode logits = r.get("logits");
            double[][] l = new double[logits.size()][];
            for (int t = 0; t < l.length; t++) {
                l[t] = new double[logits.get(t).size()];
                for (int i = 0; i < l[t].length; i++) {
                    l[t][i] = logits.get(t).get(i).asDouble();
                }
            }
            byModel.put(Path.of(r.get("model").asText()), l);
            double[] mean = new double[r.get("mean_hidden").size()];
            for (int i = 0; i < mean.length; i++) {
                mean[i] = r.get("mean_hidden").get(i).asDouble();
            }
            meanHidden.put(Path.of(r.get("model").asText()), mean);
        }
        assertEquals(models.size(), byModel.size(), "opt_forward.py answered for " + byModel.keySet());
        return byModel;
    }

    /** Worst over positions of {@code max |ours - ref| / max |ref - mean(ref)|}. */
    static double relativeError(float[][] ours, double[][] ref) {
        double worst = 0;
        for (int t = 0; t < ref.length; t++) {
            assertEquals(ref[t].length, ours[t].length, "vocabulary size at position " + t);
            double mean = Arrays.stream(ref[t]).average().orElseThrow();
            double spread = 0;
            double diff = 0;
            for (int i = 0; i < ref[t].length; i++) {
                spread = Math.max(spread, Math.abs(ref[t][i] - mean));
                diff = Math.max(diff, Math.abs(ours[t][i] - ref[t][i]));
            }
            assertTrue(spread > 1, "position " + t + ": reference logits are nearly flat (spread " + spread + ")");
            worst = Math.max(worst, diff / spread);
        }
        return worst;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("optCases")
    void matchesTheNumpyReferenceOfModelingOpt(TinyArchs.Case c) throws Exception {
        Path hf = dir.resolve("hf-" + c.name());
        double[][] ref = references.get(hf);
        assertEquals(PROMPT.length, ref.length);
        float[][] ours = ArchFormatsTest.logitsPerPosition(hf, PROMPT);
        double rel = relativeError(ours, ref);
        int sameArgmax = 0;
        for (int t = 0; t < ref.length; t++) {
            double[] o = new double[ours[t].length];
            for (int i = 0; i < o.length; i++) {
                o[i] = ours[t][i];
            }
            sameArgmax += LlamaCppArchParityTest.argmax(o) == LlamaCppArchParityTest.argmax(ref[t]) ? 1 : 0;
        }
        System.out.printf("%s vs numpy modeling_opt: max relative error %.3g over %d positions, argmax equal %d/%d%n",
                c.name(), rel, PROMPT.length, sameArgmax, PROMPT.length);
        assertTrue(rel < 1e-3, c.name() + ": relative error vs the numpy reference of modeling_opt " + rel);
    }

    /**
     * An embedding is the mean of transformers' last_hidden_state, which for OPT-350m comes after project_out
     * ({@code word_embed_proj_dim} values): Kindling's was the 1024-wide state before it.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("optCases")
    void embeddingsAreTheMeanOfTheReferencesLastHiddenState(TinyArchs.Case c) throws Exception {
        Path hf = dir.resolve("hf-" + c.name());
        double[] ref = meanHidden.get(hf);
        float[] ours;
        try (dev.kindling.inference.Engine e = dev.kindling.inference.Engine.open(hf,
                dev.kindling.inference.EngineOptions.defaults().withThreads(1))) {
            ours = e.embedTokens(List.of(PROMPT))[0];
        }
        assertEquals(ref.length, ours.length, c.name() + ": embedding width");
        double scale = Arrays.stream(ref).map(Math::abs).max().orElseThrow();
        double diff = 0;
        for (int i = 0; i < ref.length; i++) {
            diff = Math.max(diff, Math.abs(ours[i] - ref[i]));
        }
        assertTrue(diff / scale < 1e-4, c.name() + ": embedding relative error " + diff / scale);
    }

    /**
     * The comparison can fail: the reference follows the configuration, so a config.json that says
     * GELU where the weights were made for ReLU, or post-norm where they were made pre-norm, moves its
     * logits far from Kindling's run of the unedited checkpoint.
     */
    @Test
    void referenceFollowsTheConfiguration() {
        float[][] ours = ArchFormatsTest.logitsPerPosition(dir.resolve("hf-opt"), PROMPT);
        for (String edit : CONTROL_EDITS.keySet()) {
            double rel = relativeError(ours, references.get(dir.resolve("hf-opt-edited-" + edit)));
            assertTrue(rel > 1e-2, "the reference of the " + edit + " config still agrees with Kindling's run of the"
                    + " unedited checkpoint (" + rel + "): the comparison could not fail");
        }
    }

    /**
     * The reference itself against a third implementation, without Kindling: Galactica's tiny model
     * run by llama.cpp as {@code gpt2} (the same weights; {@code LlamaCppArchParityTest} made and
     * checks those values) and by the numpy reference agree on log-softmax within 1e-3 relative to
     * the spread, as llama.cpp's F16-table GELU allows.
     */
    @Test
    void referenceAgreesWithLlamaCppOnGalactica() throws Exception {
        JsonNode exp = LlamaCppArchParityTest.expected("galactica");
        int[] tokens = new ObjectMapper().convertValue(exp.get("tokens"), int[].class);
        double[][] ref = reference(List.of(dir.resolve("hf-galactica")), tokens).values().iterator().next();
        double worst = 0;
        for (int t = 0; t < tokens.length; t++) {
            double max = Arrays.stream(ref[t]).max().orElseThrow();
            double lse = max + Math.log(Arrays.stream(ref[t]).map(v -> Math.exp(v - max)).sum());
            double[] logProbs = Arrays.stream(ref[t]).map(v -> v - lse).toArray();
            worst = Math.max(worst, LlamaCppArchParityTest.relativeError(logProbs, exp.get("logprobs").get(t)));
        }
        System.out.printf("galactica: numpy modeling_opt vs llama.cpp gpt2: max relative error %.3g over %d positions%n",
                worst, tokens.length);
        assertTrue(worst < 1e-3, "the numpy reference and llama.cpp disagree on Galactica: " + worst);
    }
}
