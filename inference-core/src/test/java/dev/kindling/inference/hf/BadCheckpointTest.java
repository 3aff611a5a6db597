package dev.kindling.inference.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
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
        return rewritten(kase, edit, java.util.List.of());
    }

    /** {@link #rewritten(String, BiFunction)} with {@code extra} tensors added. */
    Path rewritten(String kase, BiFunction<SafetensorsTensor, byte[], Entry> edit, java.util.List<Entry> extra) throws Exception {
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
        for (Entry e : extra) {
            w.putBytes(e.name, e.dtype, e.shape, e.data);
        }
        w.write(bad.resolve("model.safetensors"));
        return bad;
    }

    /** F32 little-endian bytes of {@code n} values, not all zero. */
    static byte[] f32(int n, float scale) {
        ByteBuffer b = ByteBuffer.allocate(4 * n).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            b.putFloat(scale * (float) Math.sin(i + 1));
        }
        return b.array();
    }

    static Entry same(SafetensorsTensor t, byte[] d) {
        return new Entry(t.name(), t.dtype(), t.shape(), d);
    }

    /**
     * Bias tensors beside a Llama whose config.json gives its projections none (attention_bias, mlp_bias: false by
     * default) are left out, as transformers leaves them out; they were read whenever present, and the logits moved by up
     * to 11 against transformers'. With attention_bias true they are the model's.
     */
    @Test
    void biasTensorsTheConfigDoesNotGiveAreNotRead() throws Exception {
        Path plain = rewritten("llama", BadCheckpointTest::same);
        java.util.List<Entry> biases = new java.util.ArrayList<>();
        for (int l = 0; l < 2; l++) {
            for (String p : new String[] {"q_proj", "k_proj", "v_proj", "o_proj"}) {
                // k and v: 2 KV heads of 16; q and o: the model's 64
                int n = p.equals("k_proj") || p.equals("v_proj") ? 32 : 64;
                biases.add(new Entry("model.layers." + l + ".self_attn." + p + ".bias", SafetensorsDtype.F32, new long[] {n}, f32(n, 3)));
            }
            biases.add(new Entry("model.layers." + l + ".mlp.down_proj.bias", SafetensorsDtype.F32, new long[] {64}, f32(64, 3)));
        }
        Path withBiases = rewritten("llama", BadCheckpointTest::same, biases);
        org.junit.jupiter.api.Assertions.assertArrayEquals(HfDirectoryTest.lastLogits(plain), HfDirectoryTest.lastLogits(withBiases));
        String config = Files.readString(withBiases.resolve("config.json"));
        Files.writeString(withBiases.resolve("config.json"), "{\"attention_bias\": true, " + config.substring(config.indexOf('{') + 1));
        float[] biased = HfDirectoryTest.lastLogits(withBiases);
        float[] base = HfDirectoryTest.lastLogits(plain);
        double most = 0;
        for (int i = 0; i < base.length; i++) {
            most = Math.max(most, Math.abs(biased[i] - base[i]));
        }
        assertTrue(most > 1e-3, "attention_bias true: the biases are read (largest change " + most + ")");
    }

    /** A hidden_size that does not fit the embedding named a tensor only OPT-350m has ("missing tensor proj_in.weight"). */
    @Test
    void aHiddenSizeTheEmbeddingDoesNotHaveIsNamed() throws Exception {
        Path m = rewritten("llama", BadCheckpointTest::same);
        String config = Files.readString(m.resolve("config.json"));
        Files.writeString(m.resolve("config.json"), config.replace("\"hidden_size\" : 64", "\"hidden_size\" : 32"));
        String msg = error(m);
        assertTrue(msg.contains("model.embed_tokens.weight") && msg.contains("64 columns") && msg.contains("dimension is 32")
                && !msg.contains("proj_in"), msg);
    }

    /** A matrix stored with three dimensions, or a vector with two, was read with its dimensions folded; transformers refuses both. */
    @Test
    void tensorsWithTheWrongNumberOfDimensionsAreRefused() throws Exception {
        Path q = rewritten("llama", (t, d) -> t.name().equals("model.layers.0.self_attn.q_proj.weight")
                ? new Entry(t.name(), t.dtype(), new long[] {4, 16, 64}, d) : same(t, d));
        String msg = error(q);
        assertTrue(msg.contains("model.layers.0.self_attn.q_proj.weight has shape [4, 16, 64]") && msg.contains("is a matrix"), msg);
        Path norm = rewritten("llama", (t, d) -> t.name().equals("model.norm.weight")
                ? new Entry(t.name(), t.dtype(), new long[] {8, 8}, d) : same(t, d));
        msg = error(norm);
        assertTrue(msg.contains("model.norm.weight has shape [8, 8]") && msg.contains("is a vector"), msg);
    }

    /** model.safetensors beside an index of other shards: two models in one folder, which transformers and vLLM read differently. */
    @Test
    void aSingleFileBesideAnIndexOfOtherShardsIsRefused() throws Exception {
        Path m = dir.resolve("both");
        TinyArchs.writeSharded(TinyArchs.byName("llama"), m);
        TinyArchs.write(TinyArchs.byName("llama"), dir.resolve("single"), null);
        Files.copy(dir.resolve("single/model.safetensors"), m.resolve("model.safetensors"));
        String msg = error(m);
        assertTrue(msg.contains("holds both model.safetensors and model.safetensors.index.json"), msg);
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
     * A head count of 0 is refused naming the file and key in every family: each divided the hidden size by it, an
     * ArithmeticException ("/ by zero") that named neither.
     */
    @Test
    void zeroAttentionHeadsNameTheKey() throws Exception {
        for (String kase : new String[] {"llama", "qwen2", "qwen", "phi2", "gptneox", "stablelm", "falcon", "mpt", "bloom", "opt"}) {
            Path m = dir.resolve("zero-heads-" + kase);
            TinyArchs.write(TinyArchs.byName(kase), m, null);
            com.fasterxml.jackson.databind.node.ObjectNode config = (com.fasterxml.jackson.databind.node.ObjectNode)
                    new com.fasterxml.jackson.databind.ObjectMapper().readTree(m.resolve("config.json").toFile());
            String key = java.util.stream.Stream.of("num_attention_heads", "n_head", "n_heads").filter(config::has).findFirst().orElseThrow();
            config.put(key, 0);
            Files.writeString(m.resolve("config.json"), config.toString());
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Engine.open(m, EngineOptions.defaults()), kase);
            assertTrue(e.getMessage().equals(m.resolve("config.json") + ": " + key + " = 0, expected an integer >= 1"), kase + ": " + e.getMessage());
        }
    }

    /**
     * A layer count past the layers the weights hold is refused naming the key and how many layers the weights hold: a
     * num_hidden_layers of 2000000000 sized the layers' array first, an OutOfMemoryError.
     */
    @Test
    void aLayerCountPastTheWeightsIsRefusedNotAnOutOfMemoryError() throws Exception {
        Path m = dir.resolve("layers");
        TinyArchs.write(TinyArchs.byName("qwen2"), m, null);
        String config = Files.readString(m.resolve("config.json"));
        for (int layers : new int[] {2000000000, 3}) {
            Files.writeString(m.resolve("config.json"), config.replaceFirst("\"num_hidden_layers\" : \\d+", "\"num_hidden_layers\" : " + layers));
            String msg = error(m);
            assertTrue(msg.equals(m + ": the configuration gives " + layers + " layers (num_hidden_layers, or block_count in a GGUF), but the "
                    + "weights hold 2: there is no model.layers.2.self_attn.o_proj.weight (blk.2.attn_output.weight)"), msg);
        }
    }

    /**
     * Qwen2's hidden_act is read: Transformers applies it (ACT2FN), and a config that names another activation than the
     * silu Kindling runs for Qwen2 ran silu without a word, a plausible but wrong model; an unknown one was not looked at.
     */
    @Test
    void aQwen2ActivationOtherThanSiluIsRefused() throws Exception {
        Path m = dir.resolve("qwen2-act");
        TinyArchs.write(TinyArchs.byName("qwen2"), m, null);
        String config = Files.readString(m.resolve("config.json"));
        String[][] cases = {{"\"gelu\"", "hidden_act = gelu: Qwen2 models use silu"},
                {"12", "hidden_act = 12 is not supported (supported: gelu, gelu_new, gelu_pytorch_tanh, gelu_fast, relu, silu)"}};
        for (String[] c : cases) {
            Files.writeString(m.resolve("config.json"), config.replace("\"hidden_act\" : \"silu\"", "\"hidden_act\" : " + c[0]));
            assertTrue(error(m).equals(m.resolve("config.json") + ": " + c[1]), c[0] + ": " + error(m));
        }
    }

    /** A head_dim whose width over the heads no int holds is refused as such: the overflow was blamed on q_proj's shape. */
    @Test
    void aHeadSizePastAnIntsWidthIsNamed() throws Exception {
        Path m = dir.resolve("head-dim");
        TinyArchs.write(TinyArchs.byName("qwen2"), m, null);
        Files.writeString(m.resolve("config.json"), "{\"head_dim\": 2000000000, " + Files.readString(m.resolve("config.json")).substring(1));
        assertEquals(m.resolve("config.json") + ": inconsistent hyper-parameters: head count 4 x head size 2000000000 = 8000000000 is "
                + "past the largest width a model can have, 2147483647", error(m));
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
