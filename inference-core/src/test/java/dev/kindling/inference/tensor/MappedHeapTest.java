package dev.kindling.inference.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.formats.safetensors.SafetensorsDtype;
import dev.kindling.formats.safetensors.SafetensorsWriter;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The strongest evidence that F16 weights are not copied to the heap: a 246 MB Hugging Face
 * checkpoint (Llama, 8 layers of 1024, FFN 2816, vocabulary 16000, all F16) generates in a child JVM
 * with {@code -Xmx96m} — less than half its weights — the same greedy tokens as this JVM does. A
 * heap copy of the weights could not even be allocated there (on the heap-copy engine the child
 * stops at the loader's heap check: "the weights need about 0.23 GiB of Java heap but only 0.08 GiB
 * is available"). With {@code -Dkindling.weights=heap} the same child is refused by that check,
 * and with room it generates the same tokens. About 12 s on 2 cores (the file, four child JVMs).
 */
class MappedHeapTest {
    static final int DIM = 1024;
    static final int HEADS = 16;
    static final int KV_HEADS = 4;
    static final int FF = 2816;
    static final int LAYERS = 8;
    static final int VOCAB = 16000;
    static final int[] PROMPT = {1, 300, 4000, 77, 12000, 9};
    static final int TOKENS = 6;

    /** One checkpoint for the class (writing it is most of the time). */
    @TempDir
    static Path dir;
    static long weightBytes;

    @BeforeAll
    static void write() throws Exception {
        weightBytes = writeCheckpoint(dir);
    }

    @Test
    void generatesInAHeapSmallerThanItsWeights() throws Exception {
        assertTrue(weightBytes > 240_000_000L, "weights: " + weightBytes + " bytes");
        String here = Arrays.toString(generate(dir));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xmx96m", "--add-modules", "jdk.incubator.vector",
                "-cp", System.getProperty("java.class.path"), MappedHeapTest.class.getName(), dir.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor(), out);
        System.out.println("child JVM: " + out.lines().filter(l -> l.startsWith("max heap")).findFirst().orElse(out));
        assertTrue(out.contains("tokens " + here), "child JVM (-Xmx96m) printed:\n" + out + "\nexpected tokens " + here);
    }

    /**
     * {@code -Dkindling.weights=heap} really copies: in the same 96 MB heap the loader refuses the
     * checkpoint with its heap check (naming what it needs), and with room it generates the same tokens.
     */
    @Test
    void heapWeightsAreCopiedAndCounted() throws Exception {
        String here = Arrays.toString(generate(dir));
        String small = child("-Xmx96m", "-Dkindling.weights=heap");
        assertTrue(small.contains("of Java heap but only"), "child JVM (-Xmx96m, heap weights) printed:\n" + small);
        String big = child("-Xmx1g", "-Dkindling.weights=heap");
        assertTrue(big.contains("tokens " + here), "child JVM (-Xmx1g, heap weights) printed:\n" + big + "\nexpected tokens " + here);
    }

    @Test
    void unknownWeightsSettingIsRefused() {
        String before = System.getProperty(Tensors.WEIGHTS_PROPERTY);
        System.setProperty(Tensors.WEIGHTS_PROPERTY, "gpu");
        try {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, Tensors::weightsInHeap);
            assertTrue(e.getMessage().contains("-Dkindling.weights=gpu: expected mapped or heap"), e.getMessage());
        } finally {
            if (before == null) {
                System.clearProperty(Tensors.WEIGHTS_PROPERTY);
            } else {
                System.setProperty(Tensors.WEIGHTS_PROPERTY, before);
            }
        }
    }

    /** Runs {@link #main} on {@link #dir} in a child JVM with {@code options}; returns what it printed. */
    private static String child(String... options) throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        java.util.List<String> cmd = new java.util.ArrayList<>(java.util.List.of(javaBin, "--add-modules", "jdk.incubator.vector"));
        cmd.addAll(Arrays.asList(options));
        cmd.addAll(java.util.List.of("-cp", System.getProperty("java.class.path"), MappedHeapTest.class.getName(), dir.toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        return out;
    }

    /** The child JVM: greedy tokens of the checkpoint in {@code args[0]}. */
    public static void main(String[] args) {
        Runtime rt = Runtime.getRuntime();
        int[] tokens = generate(Path.of(args[0]));
        System.out.println("max heap " + rt.maxMemory() / (1 << 20) + " MiB, used " + (rt.totalMemory() - rt.freeMemory()) / (1 << 20) + " MiB");
        System.out.println("tokens " + Arrays.toString(tokens));
    }

    static int[] generate(Path model) {
        EngineOptions o = EngineOptions.defaults().withDevice("cpu").withThreads(2).withKvBudgetBytes(4L << 20)
                .withMaxBatchTokens(16).withMaxSequences(1);
        try (Engine e = Engine.open(model, o)) {
            return e.generate(GenerationRequest.ofTokens(PROMPT).withMaxTokens(TOKENS).withIgnoreEos(true)).tokens();
        }
    }

    /** Writes a random F16 Llama checkpoint (config.json + model.safetensors); returns the weights' bytes. */
    static long writeCheckpoint(Path dir) throws Exception {
        ObjectNode c = new ObjectMapper().createObjectNode();
        c.put("model_type", "llama").putArray("architectures").add("LlamaForCausalLM");
        c.put("vocab_size", VOCAB).put("hidden_size", DIM).put("intermediate_size", FF).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", KV_HEADS).put("max_position_embeddings", 256)
                .put("rms_norm_eps", 1e-5).put("rope_theta", 10000.0).put("hidden_act", "silu")
                .put("tie_word_embeddings", false).put("torch_dtype", "float16");
        Files.writeString(dir.resolve("config.json"), c.toPrettyString());
        SafetensorsWriter st = new SafetensorsWriter();
        SplittableRandom r = new SplittableRandom(7);
        long total = 0;
        int kv = DIM / HEADS * KV_HEADS;
        total += put(st, r, "model.embed_tokens.weight", VOCAB, DIM, 1f);
        for (int l = 0; l < LAYERS; l++) {
            String p = "model.layers." + l + ".";
            total += put(st, r, p + "self_attn.q_proj.weight", DIM, DIM, 1f);
            total += put(st, r, p + "self_attn.k_proj.weight", kv, DIM, 1f);
            total += put(st, r, p + "self_attn.v_proj.weight", kv, DIM, 1f);
            total += put(st, r, p + "self_attn.o_proj.weight", DIM, DIM, 1f);
            total += put(st, r, p + "mlp.gate_proj.weight", FF, DIM, 1f);
            total += put(st, r, p + "mlp.up_proj.weight", FF, DIM, 1f);
            total += put(st, r, p + "mlp.down_proj.weight", DIM, FF, 1f);
            st.put(p + "input_layernorm.weight", SafetensorsDtype.F16, new long[] {DIM}, ones(DIM));
            st.put(p + "post_attention_layernorm.weight", SafetensorsDtype.F16, new long[] {DIM}, ones(DIM));
        }
        st.put("model.norm.weight", SafetensorsDtype.F16, new long[] {DIM}, ones(DIM));
        total += put(st, r, "lm_head.weight", VOCAB, DIM, 3f);
        st.write(dir.resolve("model.safetensors"));
        return total;
    }

    private static float[] ones(int n) {
        float[] a = new float[n];
        Arrays.fill(a, 1f);
        return a;
    }

    /**
     * Random halves with std about {@code gain/sqrt(cols)} (sign and mantissa uniform, exponent so
     * that |w| lies in [s, 2s) with s a power of two near that std), fast enough for 120M values.
     */
    private static long put(SafetensorsWriter st, SplittableRandom r, String name, int rows, int cols, float gain) {
        int exp = Math.getExponent(gain / (float) Math.sqrt(cols)) + 15; // biased half exponent
        byte[] b = new byte[2 * rows * cols];
        for (int i = 0; i < b.length; i += 2) {
            int bits = r.nextInt();
            int h = (bits & 0x8000) | (exp << 10) | (bits & 0x3FF);
            b[i] = (byte) h;
            b[i + 1] = (byte) (h >>> 8);
        }
        st.putBytes(name, SafetensorsDtype.F16, new long[] {rows, cols}, b);
        return b.length;
    }
}
