package dev.kindling.inference.hf;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.safetensors.SafetensorsDtype;
import dev.kindling.formats.safetensors.SafetensorsFile;
import dev.kindling.formats.safetensors.SafetensorsTensor;
import dev.kindling.formats.safetensors.SafetensorsWriter;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.arch.TinyArchs;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.BiFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Broken Hugging Face checkpoints fail with a {@link ModelFormatException} naming the file and the
 * tensor or key, and saying what was expected — never a crash or silently wrong weights.
 */
class BadCheckpointTest {
    @TempDir
    Path dir;

    /** A tensor as rewritten by a test: its name, dtype, shape and bytes (null drops it). */
    record Entry(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {}

    /** The GPT-NeoX case with each tensor passed through {@code edit}. */
    Path rewritten(String kase, BiFunction<SafetensorsTensor, byte[], Entry> edit) throws Exception {
        Path good = dir.resolve("good-" + kase);
        if (!Files.exists(good)) {
            TinyArchs.write(TinyArchs.byName(kase), good, null);
        }
        Path bad = Files.createTempDirectory(dir, "bad");
        Files.copy(good.resolve("config.json"), bad.resolve("config.json"));
        SafetensorsWriter w = new SafetensorsWriter();
        try (SafetensorsFile f = SafetensorsFile.open(good.resolve("model.safetensors"))) {
            for (SafetensorsTensor t : f.tensors().values()) {
                ByteBuffer b = f.map(t);
                byte[] data = new byte[b.remaining()];
                b.get(data);
                Entry e = edit.apply(t, data);
                if (e != null) {
                    w.putBytes(e.name, e.dtype, e.shape, e.data);
                }
            }
        }
        w.write(bad.resolve("model.safetensors"));
        return bad;
    }

    static String error(Path model) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Engine.open(model, EngineOptions.defaults()));
        return e.getMessage();
    }

    @Test
    void missingTensorIsNamed() throws Exception {
        Path m = rewritten("gptneox", (t, d) -> t.name().equals("gpt_neox.layers.1.attention.dense.weight") ? null
                : new Entry(t.name(), t.dtype(), t.shape(), d));
        String msg = error(m);
        assertTrue(msg.contains("gpt_neox.layers.1.attention.dense.weight") && msg.contains("missing"), msg);
    }

    @Test
    void wrongShapeIsNamed() throws Exception {
        // the MLP's up matrix with half its rows (its bytes cut to match, so the file itself is valid)
        Path m = rewritten("gptneox", (t, d) -> t.name().equals("gpt_neox.layers.0.mlp.dense_h_to_4h.weight")
                ? new Entry(t.name(), t.dtype(), new long[] {t.shape()[0] / 2, t.shape()[1]}, java.util.Arrays.copyOf(d, d.length / 2))
                : new Entry(t.name(), t.dtype(), t.shape(), d));
        String msg = error(m);
        assertTrue(msg.contains("ffn_up") && msg.contains("expected") && msg.contains("128"), msg);
    }

    @Test
    void integerWeightsAreRefused() throws Exception {
        Path m = rewritten("gptneox", (t, d) -> t.name().equals("gpt_neox.embed_in.weight")
                ? new Entry(t.name(), SafetensorsDtype.I32, t.shape(), d) : new Entry(t.name(), t.dtype(), t.shape(), d));
        String msg = error(m);
        assertTrue(msg.contains("gpt_neox.embed_in.weight") && msg.contains("I32"), msg);
    }

    @Test
    void inconsistentConfigIsNamed() throws Exception {
        Path m = dir.resolve("heads");
        TinyArchs.write(TinyArchs.byName("llama"), m, null);
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json"))
                .replace("\"num_key_value_heads\" : 2", "\"num_key_value_heads\" : 3"));
        String msg = error(m);
        assertTrue(msg.contains("config.json") && msg.contains("KV head count 3"), msg);
        Files.writeString(m.resolve("config.json"), "{\"model_type\": \"llama\"}");
        msg = error(m);
        assertTrue(msg.contains("config.json") && msg.contains("hidden_size"), msg);
    }

    /**
     * A {@code rope_scaling} that names no type, or a scaling type without its {@code factor}: transformers fails on
     * both (no RoPE function for type None; {@code rope_scaling["factor"]} is a KeyError). Before, the first ran as
     * plain RoPE and the second with factor 1, both without a word, so the model ran unscaled.
     */
    @Test
    void ropeScalingWithoutTypeOrFactorIsRefused() throws Exception {
        Path m = dir.resolve("rope");
        TinyArchs.write(TinyArchs.byName("llama"), m, null);
        String config = Files.readString(m.resolve("config.json"));
        String[][] cases = {
            {"{\"factor\": 4.0}", "names no rope_type"},
            {"{\"type\": \"linear\"}", "factor"},
            {"{\"rope_type\": \"llama3\", \"low_freq_factor\": 1.0}", "factor"},
            {"{\"type\": \"dynamic\", \"factor\": \"2\"}", "factor"},
        };
        for (String[] c : cases) {
            Files.writeString(m.resolve("config.json"), "{\"rope_scaling\": " + c[0] + ", " + config.substring(config.indexOf('{') + 1));
            String msg = error(m);
            assertTrue(msg.contains("config.json") && msg.contains("rope_scaling") && msg.contains(c[1]), c[0] + ": " + msg);
        }
    }

    /** rope_parameters' numbers are type-checked naming the key (a string theta read as 0.0, refused without its name). */
    @Test
    void ropeParametersThatAreNotNumbersNameTheKey() throws Exception {
        Path m = dir.resolve("rope-parameters");
        TinyArchs.write(TinyArchs.byName("stablelm"), m, null); // a family with partial RoPE
        String config = Files.readString(m.resolve("config.json"));
        for (String key : new String[] {"rope_theta", "partial_rotary_factor"}) {
            Files.writeString(m.resolve("config.json"), "{\"rope_parameters\": {\"rope_type\": \"default\", \"" + key
                    + "\": \"1e4\"}, " + config.substring(config.indexOf('{') + 1));
            String msg = error(m);
            assertTrue(msg.contains("config.json") && msg.contains("rope_parameters." + key + " = \"1e4\", expected a number"), msg);
        }
    }
}
