package dev.kindling.inference.arch;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.formats.safetensors.SafetensorsDtype;
import dev.kindling.formats.safetensors.SafetensorsWriter;
import dev.kindling.inference.cpu.ScalarKernels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * Tiny random checkpoints of every family, written twice from the same random weights: as a Hugging
 * Face directory (config.json + model.safetensors, the names and fused layouts Transformers uses) and
 * as a GGUF file the way llama.cpp's {@code convert_hf_to_gguf.py} converts that directory (its
 * tensor names and metadata keys; Llama/DeciLM Q and K rows permuted to adjacent RoPE pairs; fused
 * QKV reordered to Q, K, V; experts stacked). The HF layouts are written here from the model
 * definitions, independently of the reader's {@link TensorNames} / {@link Layouts}, so a test that
 * compares the two files checks the reader's mapping against this one.
 *
 * <p>Every GGUF gets a small SentencePiece vocabulary (so llama.cpp loads it). Weights are random
 * normal with std gain/sqrt(fan-in); values are rounded to what the HF dtype of the case holds (BF16,
 * F16 or F32), and the GGUF holds the same values in F32. Deterministic for a case.
 *
 * <p>{@code main(dir)} writes every case's GGUF into {@code dir} (used by
 * {@code src/test/resources/llamacpp/regenerate-archs.sh}).
 */
public final class TinyArchs {
    static final int DIM = 64;
    static final int HEADS = 4;
    static final int HD = DIM / HEADS;
    static final int FF = 128;
    static final int LAYERS = 2;
    static final int VOCAB = 320;
    static final int CTX = 64;
    static final float EPS = 1e-5f;

    /**
     * A case: its name, the GGUF architecture it converts to (null: none) and the HF dtype. With
     * {@code referenceOnly}, Kindling does not read that GGUF: it exists for llama.cpp to run as the
     * reference for the HF checkpoint (Galactica's OPT block is llama.cpp's {@code gpt2} block with
     * OPT's position offset undone).
     */
    public record Case(String name, String ggufArch, SafetensorsDtype dtype, boolean referenceOnly) {
        Case(String name, String ggufArch, SafetensorsDtype dtype) {
            this(name, ggufArch, dtype, false);
        }

        @Override
        public String toString() {
            return name;
        }
    }

    public static final List<Case> CASES = List.of(
            new Case("llama", "llama", SafetensorsDtype.BF16),
            new Case("llama31", "llama", SafetensorsDtype.F32),
            new Case("deci", "deci", SafetensorsDtype.F32),
            new Case("mistral", "llama", SafetensorsDtype.F32),
            new Case("mixtral", "llama", SafetensorsDtype.F32),
            new Case("mixtral-stacked", "llama", SafetensorsDtype.F32),
            new Case("qwen2", "qwen2", SafetensorsDtype.F16),
            new Case("qwen", "qwen", SafetensorsDtype.F32),
            new Case("phi2", "phi2", SafetensorsDtype.F32),
            new Case("gptneox", "gptneox", SafetensorsDtype.F32),
            new Case("stablelm", "stablelm", SafetensorsDtype.F32),
            new Case("falcon", "falcon", SafetensorsDtype.F32),
            new Case("falcon40b", "falcon", SafetensorsDtype.F32),
            new Case("mpt", "mpt", SafetensorsDtype.F32),
            new Case("bloom", "bloom", SafetensorsDtype.F32),
            new Case("opt", null, SafetensorsDtype.F32),
            new Case("galactica", "gpt2", SafetensorsDtype.F32, true),
            new Case("opt350m", null, SafetensorsDtype.F32),
            new Case("opt-no-final-norm", null, SafetensorsDtype.F32),
            new Case("galactica30b", null, SafetensorsDtype.F32));

    public static Case byName(String name) {
        return CASES.stream().filter(c -> c.name.equals(name)).findFirst().orElseThrow();
    }

    /** Mistral's sliding window in its case (shorter than the test prompts, so it matters). */
    static final int WINDOW = 6;

    private final Case kase;
    private final Random random;
    private final GgufWriter gguf = new GgufWriter();
    private final SafetensorsWriter st = new SafetensorsWriter();
    private final ObjectNode config = new ObjectMapper().createObjectNode();

    /** False only to write what a converter that forgot llama.cpp's Q/K permutation would. */
    private final boolean permuteLlama;

    private TinyArchs(Case kase, boolean permuteLlama) {
        this.kase = kase;
        this.permuteLlama = permuteLlama;
        this.random = new Random(kase.name.hashCode() * 1_000_003L + 17);
    }

    /** Writes the case's HF directory at {@code hfDir} (created) and, when it has one, its GGUF at {@code ggufFile}. */
    public static void write(Case kase, Path hfDir, Path ggufFile) throws IOException {
        write(kase, hfDir, ggufFile, true);
    }

    /** As {@link #write(Case, Path, Path)}; {@code permuteLlama = false} leaves Llama's Q/K rows as HF has them. */
    static void write(Case kase, Path hfDir, Path ggufFile, boolean permuteLlama) throws IOException {
        TinyArchs w = new TinyArchs(kase, permuteLlama);
        w.build();
        if (hfDir != null) {
            Files.createDirectories(hfDir);
            Files.writeString(hfDir.resolve("config.json"), w.config.toPrettyString());
            w.st.write(hfDir.resolve("model.safetensors"));
        }
        if (ggufFile != null && kase.ggufArch != null) {
            w.gguf.write(ggufFile);
        }
    }

    /**
     * The case's HF directory with its weights in two shards and {@code model.safetensors.index.json}
     * (tensors alternate between the shards), as {@code save_pretrained} writes large models.
     */
    public static void writeSharded(Case kase, Path hfDir) throws IOException {
        TinyArchs w = new TinyArchs(kase, true);
        w.shardOf = new java.util.LinkedHashMap<>();
        w.shards = new SafetensorsWriter[] {new SafetensorsWriter(), new SafetensorsWriter()};
        w.build();
        Files.createDirectories(hfDir);
        Files.writeString(hfDir.resolve("config.json"), w.config.toPrettyString());
        String[] names = {"model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"};
        ObjectNode index = new ObjectMapper().createObjectNode();
        index.putObject("metadata").put("total_size", 0);
        ObjectNode map = index.putObject("weight_map");
        w.shardOf.forEach((tensor, shard) -> map.put(tensor, names[shard]));
        for (int i = 0; i < 2; i++) {
            w.shards[i].write(hfDir.resolve(names[i]));
        }
        Files.writeString(hfDir.resolve("model.safetensors.index.json"), index.toPrettyString());
    }

    /** Sharded writing only: the shards and which shard holds each tensor. */
    private SafetensorsWriter[] shards;
    private java.util.Map<String, Integer> shardOf;

    private void hfPut(String name, long[] shape, float[] values) {
        if (shards == null) {
            st.put(name, kase.dtype, shape, values);
            return;
        }
        int shard = shardOf.size() % 2;
        shardOf.put(name, shard);
        shards[shard].put(name, kase.dtype, shape, values);
    }


    public static void main(String[] args) throws IOException {
        Path dir = Path.of(args[0]);
        Files.createDirectories(dir);
        for (Case c : CASES) {
            if (c.ggufArch != null) {
                write(c, null, dir.resolve(c.name + ".gguf"));
            }
        }
    }

    // ---------------------------------------------------------------- random values

    /** Rounded to what the HF dtype holds, so both files carry exactly the same numbers. */
    private float round(float v) {
        return switch (kase.dtype) {
            case BF16 -> ScalarKernels.bf16ToFloat(SafetensorsWriter.toBf16(v));
            case F16 -> ScalarKernels.halfToFloat(SafetensorsWriter.toHalf(v));
            default -> v;
        };
    }

    private float[] matrix(int rows, int cols, double gain) {
        float[] m = new float[rows * cols];
        double std = gain / Math.sqrt(cols);
        for (int i = 0; i < m.length; i++) {
            m[i] = round((float) (random.nextGaussian() * std));
        }
        return m;
    }

    private float[] matrix(int rows, int cols) {
        return matrix(rows, cols, 1.0);
    }

    private float[] normWeight(int n) {
        float[] w = new float[n];
        for (int i = 0; i < n; i++) {
            w[i] = round((float) (1 + 0.1 * random.nextGaussian()));
        }
        return w;
    }

    private float[] bias(int n) {
        float[] b = new float[n];
        for (int i = 0; i < n; i++) {
            b[i] = round((float) (0.1 * random.nextGaussian()));
        }
        return b;
    }

    // ---------------------------------------------------------------- writing both files

    /** A matrix into both files (HF shape [rows, cols], GGUF dims [cols, rows]); null names skip a file. */
    private void both(String ggufName, float[] ggufValues, String hfName, float[] hfValues, int rows, int cols) {
        if (ggufName != null) {
            ggufMatrix(ggufName, new long[] {cols, rows}, ggufValues);
        }
        if (hfName != null) {
            hfPut(hfName, new long[] {rows, cols}, hfValues);
        }
    }

    /**
     * A GGUF matrix in the case's dtype, as the converter keeps it (so both files compute alike:
     * F16/BF16 weights also round the activations they multiply, in llama.cpp and here).
     */
    private void ggufMatrix(String name, long[] dims, float[] values) {
        if (kase.dtype == SafetensorsDtype.F32) {
            gguf.tensorF32(name, dims, values);
            return;
        }
        java.nio.ByteBuffer b = java.nio.ByteBuffer.allocate(values.length * 2).order(java.nio.ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putShort(kase.dtype == SafetensorsDtype.F16 ? SafetensorsWriter.toHalf(v) : SafetensorsWriter.toBf16(v));
        }
        gguf.tensor(name, kase.dtype == SafetensorsDtype.F16 ? dev.kindling.formats.gguf.GgmlType.F16
                : dev.kindling.formats.gguf.GgmlType.BF16, dims, b.array());
    }

    private void both(String ggufName, String hfName, float[] values, int rows, int cols) {
        both(ggufName, values, hfName, values, rows, cols);
    }

    /** A vector into both files. */
    private void vector(String ggufName, String hfName, float[] values) {
        if (ggufName != null) {
            gguf.tensorF32(ggufName, new long[] {values.length}, values);
        }
        if (hfName != null) {
            hfPut(hfName, new long[] {values.length}, values);
        }
    }

    /** A norm (weight and, with {@code withBias}, bias). */
    private void norm(String ggufPrefix, String hfPrefix, boolean withBias) {
        vector(suffix(ggufPrefix, ".weight"), hfPrefix + ".weight", normWeight(DIM));
        if (withBias) {
            vector(suffix(ggufPrefix, ".bias"), hfPrefix + ".bias", bias(DIM));
        }
    }

    private static String suffix(String prefix, String s) {
        return prefix == null ? null : prefix + s;
    }

    /** A linear layer (weight and, with {@code withBias}, bias) under the same layout in both files. */
    private void linear(String ggufPrefix, String hfPrefix, int rows, int cols, boolean withBias) {
        both(suffix(ggufPrefix, ".weight"), hfPrefix + ".weight", matrix(rows, cols), rows, cols);
        if (withBias) {
            vector(suffix(ggufPrefix, ".bias"), hfPrefix + ".bias", bias(rows));
        }
    }

    /**
     * llama.cpp's {@code LlamaModel.permute}: {@code w.reshape(heads, 2, rows/heads/2, cols).swapaxes(1, 2)}
     * — within each head, the rotate_half halves [x0..x(d/2-1) | y0..] become adjacent pairs (x0 y0 x1 y1 ...).
     */
    static float[] permute(float[] w, int heads, int cols) {
        int rows = w.length / cols;
        int hd = rows / heads;
        float[] out = new float[w.length];
        for (int h = 0; h < heads; h++) {
            for (int i = 0; i < hd / 2; i++) {
                for (int s = 0; s < 2; s++) {
                    int dst = h * hd + 2 * i + s;
                    int src = h * hd + s * (hd / 2) + i;
                    System.arraycopy(w, src * cols, out, dst * cols, cols);
                }
            }
        }
        return out;
    }

    /** Concatenates row blocks. */
    static float[] concat(float[]... parts) {
        int n = 0;
        for (float[] p : parts) {
            n += p.length;
        }
        float[] out = new float[n];
        int o = 0;
        for (float[] p : parts) {
            System.arraycopy(p, 0, out, o, p.length);
            o += p.length;
        }
        return out;
    }

    /** Rows {@code [first, first + count)} of a row-major matrix with {@code cols} columns. */
    static float[] rows(float[] m, int cols, int first, int count) {
        float[] out = new float[count * cols];
        System.arraycopy(m, first * cols, out, 0, count * cols);
        return out;
    }

    /**
     * GPT-NeoX / BLOOM / Falcon (neither multi-query nor new architecture) fused QKV:
     * {@code view(heads, 3, headDim)}, i.e. per head its q rows, k rows, v rows.
     */
    static float[] interleavePerHead(float[] q, float[] k, float[] v, int cols) {
        List<float[]> parts = new ArrayList<>();
        for (int h = 0; h < HEADS; h++) {
            parts.add(rows(q, cols, h * HD, HD));
            parts.add(rows(k, cols, h * HD, HD));
            parts.add(rows(v, cols, h * HD, HD));
        }
        return concat(parts.toArray(new float[0][]));
    }

    // ---------------------------------------------------------------- metadata

    private void ggufCommon(String arch, int kvHeads) {
        ggufCommon(arch, kvHeads, FF);
    }

    private void ggufCommon(String arch, int kvHeads, int ff) {
        String p = arch + ".";
        gguf.putString("general.architecture", arch).putString("general.name", "tiny-" + kase.name)
                .putU32("general.file_type", kase.dtype == SafetensorsDtype.F32 ? 0 : kase.dtype == SafetensorsDtype.F16 ? 1 : 32)
                .putU32(p + "context_length", CTX).putU32(p + "embedding_length", DIM).putU32(p + "block_count", LAYERS)
                .putU32(p + "feed_forward_length", ff).putU32(p + "attention.head_count", HEADS);
        if (kvHeads > 0) {
            gguf.putU32(p + "attention.head_count_kv", kvHeads);
        }
        // a small SentencePiece vocabulary: llama.cpp needs one to load the model
        String[] tokens = vocabulary();
        float[] scores = new float[VOCAB];
        int[] types = new int[VOCAB];
        types[0] = 2;
        types[1] = 3;
        types[2] = 3;
        for (int b = 0; b < 256; b++) {
            types[3 + b] = 6;
        }
        for (int i = 259; i < VOCAB; i++) {
            types[i] = 1;
            scores[i] = -(i - 259);
        }
        gguf.putString("tokenizer.ggml.model", "llama").putStrings("tokenizer.ggml.tokens", tokens)
                .putF32s("tokenizer.ggml.scores", scores).putI32s("tokenizer.ggml.token_type", types)
                .putU32("tokenizer.ggml.unknown_token_id", 0).putU32("tokenizer.ggml.bos_token_id", 1)
                .putU32("tokenizer.ggml.eos_token_id", 2);
    }

    /**
     * The tiny vocabulary: {@code <unk>}, {@code <s>}, {@code </s>}, the 256 byte tokens
     * {@code <0xXX>}, then {@code ▁}, {@code a}..{@code z}, {@code ▁a}..{@code ▁z}, {@code ▁aa}...
     */
    public static String[] vocabulary() {
        String[] tokens = new String[VOCAB];
        tokens[0] = "<unk>";
        tokens[1] = "<s>";
        tokens[2] = "</s>";
        for (int b = 0; b < 256; b++) {
            tokens[3 + b] = String.format("<0x%02X>", b);
        }
        int id = 259;
        tokens[id++] = "\u2581";
        for (char ch = 'a'; ch <= 'z'; ch++) {
            tokens[id++] = String.valueOf(ch);
        }
        for (char ch = 'a'; ch <= 'z' && id < VOCAB; ch++) {
            tokens[id++] = "\u2581" + ch;
        }
        for (char ch = 'a'; id < VOCAB; ch++) {
            tokens[id++] = "\u2581" + ch + ch;
        }
        return tokens;
    }

    private void hfCommon(String modelType, String architecture) {
        config.put("model_type", modelType);
        config.putArray("architectures").add(architecture);
        config.put("vocab_size", VOCAB);
        config.put("torch_dtype", kase.dtype == SafetensorsDtype.BF16 ? "bfloat16" : kase.dtype == SafetensorsDtype.F16 ? "float16" : "float32");
    }

    // ---------------------------------------------------------------- the families

    private void build() {
        switch (kase.name) {
            case "llama", "llama31" -> llama("llama", 2, null, 0, false);
            case "deci" -> llama("deci", 0, new int[] {2, 1}, 0, false);
            case "mistral" -> llama("mistral", 2, null, 0, false);
            case "mixtral", "mixtral-stacked" -> llama("mixtral", 2, null, 4, false);
            case "qwen2" -> llama("qwen2", 2, null, 0, true);
            case "qwen" -> qwen();
            case "phi2" -> phi2();
            case "gptneox" -> gptNeoX();
            case "stablelm" -> stableLm();
            case "falcon" -> falcon(false);
            case "falcon40b" -> falcon(true);
            case "mpt" -> mpt();
            case "bloom" -> bloom();
            case "opt" -> opt(OptShape.OPT_125M, false);
            case "galactica" -> opt(OptShape.OPT_125M.withActivation("gelu"), true);
            case "opt350m" -> opt(OptShape.OPT_350M, false);
            case "opt-no-final-norm" -> opt(OptShape.NO_FINAL_NORM, false);
            case "galactica30b" -> opt(OptShape.GALACTICA_30B, false);
            default -> throw new IllegalArgumentException(kase.name);
        }
    }

    /**
     * Llama-block families. Llama, DeciLM (per-layer KV heads), Mistral (sliding window) and Mixtral
     * (experts) convert to {@code llama}/{@code deci} with Q/K permuted; Qwen2 (QKV bias, tied
     * embeddings) to {@code qwen2}, unpermuted (NEOX rope in llama.cpp).
     */
    private void llama(String type, int kvHeads, int[] kvPerLayer, int experts, boolean qwen2) {
        String arch = kase.ggufArch;
        boolean permute = !qwen2 && permuteLlama;
        ggufCommon(arch, kvPerLayer == null ? kvHeads : 0);
        if (kvPerLayer != null) {
            gguf.putI32s(arch + ".attention.head_count_kv", kvPerLayer);
        }
        gguf.putU32(arch + ".rope.dimension_count", HD).putF32(arch + ".rope.freq_base", 10000f)
                .putF32(arch + ".attention.layer_norm_rms_epsilon", EPS);
        hfCommon(type, switch (type) {
            case "deci" -> "DeciLMForCausalLM";
            case "mistral" -> "MistralForCausalLM";
            case "mixtral" -> "MixtralForCausalLM";
            case "qwen2" -> "Qwen2ForCausalLM";
            default -> "LlamaForCausalLM";
        });
        config.put("hidden_size", DIM).put("intermediate_size", FF).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("max_position_embeddings", CTX).put("rms_norm_eps", EPS)
                .put("rope_theta", 10000.0).put("hidden_act", "silu").put("tie_word_embeddings", qwen2);
        if (kvPerLayer != null) {
            config.putArray("num_key_value_heads_per_layer").add(kvPerLayer[0]).add(kvPerLayer[1]);
        } else {
            config.put("num_key_value_heads", kvHeads);
        }
        if (kase.name.equals("llama31")) {
            // Llama 3.1's RoPE scaling; the converter writes its per-pair divisors as rope_freqs.weight
            double factor = 8;
            double low = 1;
            double high = 4;
            int old = 16;
            config.putObject("rope_scaling").put("rope_type", "llama3").put("factor", factor).put("low_freq_factor", low)
                    .put("high_freq_factor", high).put("original_max_position_embeddings", old);
            float[] divisors = new float[HD / 2];
            for (int i = 0; i < HD / 2; i++) {
                double freq = 1 / Math.pow(10000, 2.0 * i / HD);
                double wavelen = 2 * Math.PI / freq;
                if (wavelen < old / high) {
                    divisors[i] = 1;
                } else if (wavelen > old / low) {
                    divisors[i] = (float) factor;
                } else {
                    double smooth = (old / wavelen - low) / (high - low);
                    divisors[i] = (float) (1 / ((1 - smooth) / factor + smooth));
                }
            }
            gguf.tensorF32("rope_freqs.weight", new long[] {HD / 2}, divisors);
        }
        if (type.equals("mistral")) {
            config.put("sliding_window", WINDOW);
            gguf.putU32(arch + ".attention.sliding_window", WINDOW);
        }
        if (experts > 0) {
            config.put("num_local_experts", experts).put("num_experts_per_tok", 2);
            gguf.putU32(arch + ".expert_count", experts).putU32(arch + ".expert_used_count", 2);
        }
        if (qwen2) {
            config.put("use_sliding_window", false);
        }
        both("token_embd.weight", "model.embed_tokens.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "model.layers." + l + ".";
            int kv = kvPerLayer != null ? kvPerLayer[l] : kvHeads;
            norm(g + "attn_norm", h + "input_layernorm", false);
            float[] q = matrix(HEADS * HD, DIM);
            float[] k = matrix(kv * HD, DIM);
            both(g + "attn_q.weight", permute ? permute(q, HEADS, DIM) : q, h + "self_attn.q_proj.weight", q, HEADS * HD, DIM);
            both(g + "attn_k.weight", permute ? permute(k, kv, DIM) : k, h + "self_attn.k_proj.weight", k, kv * HD, DIM);
            linear(g + "attn_v", h + "self_attn.v_proj", kv * HD, DIM, qwen2);
            if (qwen2) {
                vector(g + "attn_q.bias", h + "self_attn.q_proj.bias", bias(HEADS * HD));
                vector(g + "attn_k.bias", h + "self_attn.k_proj.bias", bias(kv * HD));
            }
            linear(g + "attn_output", h + "self_attn.o_proj", DIM, HEADS * HD, false);
            norm(g + "ffn_norm", h + "post_attention_layernorm", false);
            if (experts == 0) {
                linear(g + "ffn_gate", h + "mlp.gate_proj", FF, DIM, false);
                linear(g + "ffn_up", h + "mlp.up_proj", FF, DIM, false);
                linear(g + "ffn_down", h + "mlp.down_proj", DIM, FF, false);
                continue;
            }
            // Transformers 4 saves one module per expert (block_sparse_moe.experts.E.w1/w3/w2); Transformers 5
            // keeps them stacked: mlp.experts.gate_up_proj [experts, 2 * ff, dim] (gate rows, then up rows)
            // and mlp.experts.down_proj [experts, dim, ff], with the router at mlp.gate
            boolean stacked = kase.name.endsWith("-stacked");
            both(g + "ffn_gate_inp.weight", h + (stacked ? "mlp.gate.weight" : "block_sparse_moe.gate.weight"),
                    matrix(experts, DIM), experts, DIM);
            float[][] gate = new float[experts][];
            float[][] up = new float[experts][];
            float[][] down = new float[experts][];
            List<float[]> gateUp = new ArrayList<>();
            for (int e = 0; e < experts; e++) {
                String x = h + "block_sparse_moe.experts." + e + ".";
                gate[e] = matrix(FF, DIM);
                up[e] = matrix(FF, DIM);
                down[e] = matrix(DIM, FF);
                if (!stacked) {
                    both(null, x + "w1.weight", gate[e], FF, DIM);
                    both(null, x + "w3.weight", up[e], FF, DIM);
                    both(null, x + "w2.weight", down[e], DIM, FF);
                }
                gateUp.add(gate[e]);
                gateUp.add(up[e]);
            }
            if (stacked) {
                hfPut(h + "mlp.experts.gate_up_proj", new long[] {experts, 2 * FF, DIM}, concat(gateUp.toArray(new float[0][])));
                hfPut(h + "mlp.experts.down_proj", new long[] {experts, DIM, FF}, concat(down));
            }
            // llama.cpp stacks the experts: ne = [cols, rows, experts]
            ggufMatrix(g + "ffn_gate_exps.weight", new long[] {DIM, FF, experts}, concat(gate));
            ggufMatrix(g + "ffn_up_exps.weight", new long[] {DIM, FF, experts}, concat(up));
            ggufMatrix(g + "ffn_down_exps.weight", new long[] {FF, DIM, experts}, concat(down));
        }
        norm("output_norm", "model.norm", false);
        if (!qwen2) {
            both("output.weight", "lm_head.weight", matrix(VOCAB, DIM, 3), VOCAB, DIM);
        }
    }

    /** Qwen v1: fused c_attn (Q, K, V rows, with bias), MLP w1 (up) * silu(w2 (gate)). */
    private void qwen() {
        ggufCommon("qwen", 0, 2 * FF);
        gguf.putU32("qwen.rope.dimension_count", HD).putF32("qwen.rope.freq_base", 10000f)
                .putF32("qwen.attention.layer_norm_rms_epsilon", EPS);
        // Qwen's intermediate_size counts both MLP halves; llama.cpp keeps it so and halves it itself
        hfCommon("qwen", "QWenLMHeadModel");
        config.put("hidden_size", DIM).put("intermediate_size", 2 * FF).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("kv_channels", HD).put("seq_length", CTX)
                .put("max_position_embeddings", CTX).put("layer_norm_epsilon", EPS).put("rotary_pct", 1.0)
                .put("rotary_emb_base", 10000).put("tie_word_embeddings", false);
        both("token_embd.weight", "transformer.wte.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "transformer.h." + l + ".";
            norm(g + "attn_norm", h + "ln_1", false);
            linear(g + "attn_qkv", h + "attn.c_attn", 3 * DIM, DIM, true);
            linear(g + "attn_output", h + "attn.c_proj", DIM, DIM, false);
            norm(g + "ffn_norm", h + "ln_2", false);
            linear(g + "ffn_up", h + "mlp.w1", FF, DIM, false);
            linear(g + "ffn_gate", h + "mlp.w2", FF, DIM, false);
            linear(g + "ffn_down", h + "mlp.c_proj", DIM, FF, false);
        }
        norm("output_norm", "transformer.ln_f", false);
        both("output.weight", "lm_head.weight", matrix(VOCAB, DIM, 3), VOCAB, DIM);
    }

    /** Phi-2: one LayerNorm, parallel attention and MLP, partial rotary 0.5, biases everywhere. */
    private void phi2() {
        int rot = HD / 2;
        ggufCommon("phi2", HEADS);
        gguf.putU32("phi2.rope.dimension_count", rot).putF32("phi2.attention.layer_norm_epsilon", EPS);
        hfCommon("phi", "PhiForCausalLM");
        config.put("hidden_size", DIM).put("intermediate_size", FF).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", HEADS).put("max_position_embeddings", CTX)
                .put("layer_norm_eps", EPS).put("partial_rotary_factor", 0.5).put("rope_theta", 10000.0)
                .put("hidden_act", "gelu_new").put("qk_layernorm", false).put("tie_word_embeddings", false);
        both("token_embd.weight", "model.embed_tokens.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "model.layers." + l + ".";
            norm(g + "attn_norm", h + "input_layernorm", true);
            linear(g + "attn_q", h + "self_attn.q_proj", DIM, DIM, true);
            linear(g + "attn_k", h + "self_attn.k_proj", DIM, DIM, true);
            linear(g + "attn_v", h + "self_attn.v_proj", DIM, DIM, true);
            linear(g + "attn_output", h + "self_attn.dense", DIM, DIM, true);
            linear(g + "ffn_up", h + "mlp.fc1", FF, DIM, true);
            linear(g + "ffn_down", h + "mlp.fc2", DIM, FF, true);
        }
        norm("output_norm", "model.final_layernorm", true);
        linear("output", "lm_head", VOCAB, DIM, true);
    }

    /** A fused QKV written per-head interleaved in HF and as Q, K, V in GGUF (GPT-NeoX, BLOOM). */
    private void qkvInterleaved(String g, String hfName, boolean withBias) {
        float[] q = matrix(DIM, DIM);
        float[] k = matrix(DIM, DIM);
        float[] v = matrix(DIM, DIM);
        both(g + "attn_qkv.weight", concat(q, k, v), hfName + ".weight", interleavePerHead(q, k, v, DIM), 3 * DIM, DIM);
        if (withBias) {
            float[] qb = bias(DIM);
            float[] kb = bias(DIM);
            float[] vb = bias(DIM);
            gguf.tensorF32(g + "attn_qkv.bias", new long[] {3 * DIM}, concat(qb, kb, vb));
            hfPut(hfName + ".bias", new long[] {3 * DIM}, interleavePerHead(qb, kb, vb, 1));
        }
    }

    /** GPT-NeoX / Pythia: rotary_pct 0.25, parallel residual with two norms, QKV interleaved per head. */
    private void gptNeoX() {
        int rot = HD / 4;
        ggufCommon("gptneox", HEADS);
        gguf.putU32("gptneox.rope.dimension_count", rot).putF32("gptneox.rope.freq_base", 10000f)
                .putBool("gptneox.use_parallel_residual", true).putF32("gptneox.attention.layer_norm_epsilon", EPS);
        hfCommon("gpt_neox", "GPTNeoXForCausalLM");
        config.put("hidden_size", DIM).put("intermediate_size", FF).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("max_position_embeddings", CTX).put("layer_norm_eps", EPS)
                .put("rotary_pct", 0.25).put("rotary_emb_base", 10000).put("hidden_act", "gelu")
                .put("use_parallel_residual", true).put("tie_word_embeddings", false);
        both("token_embd.weight", "gpt_neox.embed_in.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "gpt_neox.layers." + l + ".";
            norm(g + "attn_norm", h + "input_layernorm", true);
            qkvInterleaved(g, h + "attention.query_key_value", true);
            linear(g + "attn_output", h + "attention.dense", DIM, DIM, true);
            norm(g + "ffn_norm", h + "post_attention_layernorm", true);
            linear(g + "ffn_up", h + "mlp.dense_h_to_4h", FF, DIM, true);
            linear(g + "ffn_down", h + "mlp.dense_4h_to_h", DIM, FF, true);
        }
        norm("output_norm", "gpt_neox.final_layer_norm", true);
        both("output.weight", "embed_out.weight", matrix(VOCAB, DIM, 3), VOCAB, DIM);
    }

    /** StableLM 2: LayerNorms with bias, partial rotary 0.25, QKV bias, SwiGLU, sequential residual, GQA. */
    private void stableLm() {
        int rot = HD / 4;
        int kv = 2;
        ggufCommon("stablelm", kv);
        gguf.putU32("stablelm.rope.dimension_count", rot).putF32("stablelm.rope.freq_base", 10000f)
                .putBool("stablelm.use_parallel_residual", false).putF32("stablelm.attention.layer_norm_epsilon", EPS);
        hfCommon("stablelm", "StableLmForCausalLM");
        config.put("hidden_size", DIM).put("intermediate_size", FF).put("num_hidden_layers", LAYERS)
                .put("num_attention_heads", HEADS).put("num_key_value_heads", kv).put("max_position_embeddings", CTX)
                .put("layer_norm_eps", EPS).put("partial_rotary_factor", 0.25).put("rope_theta", 10000.0)
                .put("hidden_act", "silu").put("use_qkv_bias", true).put("use_parallel_residual", false)
                .put("qk_layernorm", false).put("tie_word_embeddings", false);
        both("token_embd.weight", "model.embed_tokens.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "model.layers." + l + ".";
            norm(g + "attn_norm", h + "input_layernorm", true);
            linear(g + "attn_q", h + "self_attn.q_proj", DIM, DIM, true);
            linear(g + "attn_k", h + "self_attn.k_proj", kv * HD, DIM, true);
            linear(g + "attn_v", h + "self_attn.v_proj", kv * HD, DIM, true);
            linear(g + "attn_output", h + "self_attn.o_proj", DIM, DIM, false);
            norm(g + "ffn_norm", h + "post_attention_layernorm", true);
            linear(g + "ffn_gate", h + "mlp.gate_proj", FF, DIM, false);
            linear(g + "ffn_up", h + "mlp.up_proj", FF, DIM, false);
            linear(g + "ffn_down", h + "mlp.down_proj", DIM, FF, false);
        }
        norm("output_norm", "model.norm", true);
        both("output.weight", "lm_head.weight", matrix(VOCAB, DIM, 3), VOCAB, DIM);
    }

    /**
     * Falcon-7B style (multi-query: QKV rows are all Q heads, then the K head, then the V head; one
     * norm) or Falcon-40B style (new decoder architecture: 2 KV heads, QKV grouped per KV head as
     * [q.., k, v], ln_attn / ln_mlp — which the converter writes as attn_norm_2 / attn_norm).
     */
    private void falcon(boolean newArch) {
        int kv = newArch ? 2 : 1;
        ggufCommon("falcon", kv);
        gguf.putF32("falcon.attention.layer_norm_epsilon", EPS).putF32("falcon.rope.freq_base", 10000f);
        hfCommon("falcon", "FalconForCausalLM");
        config.put("hidden_size", DIM).put("num_hidden_layers", LAYERS).put("num_attention_heads", HEADS)
                .put("max_position_embeddings", CTX).put("layer_norm_epsilon", EPS).put("rope_theta", 10000.0)
                .put("alibi", false).put("bias", false).put("parallel_attn", true).put("new_decoder_architecture", newArch)
                .put("multi_query", !newArch).put("ffn_hidden_size", FF).put("tie_word_embeddings", false);
        if (newArch) {
            config.put("num_kv_heads", kv);
        }
        both("token_embd.weight", "transformer.word_embeddings.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "transformer.h." + l + ".";
            if (newArch) {
                norm(g + "attn_norm_2", h + "ln_attn", true);
                norm(g + "attn_norm", h + "ln_mlp", true);
            } else {
                norm(g + "attn_norm", h + "input_layernorm", true);
            }
            float[] q = matrix(DIM, DIM);
            float[] k = matrix(kv * HD, DIM);
            float[] v = matrix(kv * HD, DIM);
            float[] stored;
            if (newArch) {
                List<float[]> parts = new ArrayList<>();
                int qPerKv = HEADS / kv;
                for (int g2 = 0; g2 < kv; g2++) {
                    parts.add(rows(q, DIM, g2 * qPerKv * HD, qPerKv * HD));
                    parts.add(rows(k, DIM, g2 * HD, HD));
                    parts.add(rows(v, DIM, g2 * HD, HD));
                }
                stored = concat(parts.toArray(new float[0][]));
            } else {
                stored = concat(q, k, v);
            }
            both(g + "attn_qkv.weight", concat(q, k, v), h + "self_attention.query_key_value.weight", stored,
                    DIM + 2 * kv * HD, DIM);
            linear(g + "attn_output", h + "self_attention.dense", DIM, DIM, false);
            linear(g + "ffn_up", h + "mlp.dense_h_to_4h", FF, DIM, false);
            linear(g + "ffn_down", h + "mlp.dense_4h_to_h", DIM, FF, false);
        }
        norm("output_norm", "transformer.ln_f", true);
        both("output.weight", "lm_head.weight", matrix(VOCAB, DIM, 3), VOCAB, DIM);
    }

    /** MPT: ALiBi (max bias 8), LayerNorms without bias, fused Wqkv (Q, K, V), GELU, no biases, tied embeddings. */
    private void mpt() {
        ggufCommon("mpt", HEADS);
        gguf.putF32("mpt.attention.layer_norm_epsilon", EPS).putF32("mpt.attention.max_alibi_bias", 8f);
        hfCommon("mpt", "MptForCausalLM");
        config.put("d_model", DIM).put("n_heads", HEADS).put("n_layers", LAYERS).put("expansion_ratio", FF / DIM)
                .put("max_seq_len", CTX).put("layer_norm_epsilon", EPS).put("no_bias", true);
        config.putObject("attn_config").put("alibi", true).put("alibi_bias_max", 8).put("qk_ln", false)
                .putNull("clip_qkv").putNull("softmax_scale");
        both("token_embd.weight", "transformer.wte.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "transformer.blocks." + l + ".";
            norm(g + "attn_norm", h + "norm_1", false);
            linear(g + "attn_qkv", h + "attn.Wqkv", 3 * DIM, DIM, false);
            linear(g + "attn_output", h + "attn.out_proj", DIM, DIM, false);
            norm(g + "ffn_norm", h + "norm_2", false);
            linear(g + "ffn_up", h + "ffn.up_proj", FF, DIM, false);
            linear(g + "ffn_down", h + "ffn.down_proj", DIM, FF, false);
        }
        norm("output_norm", "transformer.norm_f", false);
    }

    /** BLOOM: embedding LayerNorm, ALiBi, QKV interleaved per head, biases everywhere, tied embeddings. */
    private void bloom() {
        ggufCommon("bloom", HEADS, 4 * DIM);
        gguf.putF32("bloom.attention.layer_norm_epsilon", EPS);
        hfCommon("bloom", "BloomForCausalLM");
        config.put("hidden_size", DIM).put("n_head", HEADS).put("n_layer", LAYERS).put("layer_norm_epsilon", EPS)
                .put("apply_residual_connection_post_layernorm", false).put("tie_word_embeddings", true);
        both("token_embd.weight", "transformer.word_embeddings.weight", matrix(VOCAB, DIM), VOCAB, DIM);
        norm("token_embd_norm", "transformer.word_embeddings_layernorm", true);
        for (int l = 0; l < LAYERS; l++) {
            String g = "blk." + l + ".";
            String h = "transformer.h." + l + ".";
            norm(g + "attn_norm", h + "input_layernorm", true);
            qkvInterleaved(g, h + "self_attention.query_key_value", true);
            linear(g + "attn_output", h + "self_attention.dense", DIM, DIM, true);
            norm(g + "ffn_norm", h + "post_attention_layernorm", true);
            linear(g + "ffn_up", h + "mlp.dense_h_to_4h", 4 * DIM, DIM, true);
            linear(g + "ffn_down", h + "mlp.dense_4h_to_h", DIM, 4 * DIM, true);
        }
        norm("output_norm", "transformer.ln_f", true);
    }

    /** OPT's word embedding width in its OPT-350m case ({@code word_embed_proj_dim} < {@code hidden_size}). */
    static final int OPT_PROJ = 32;

    /**
     * The {@code config.json} switches of an OPT case, as {@code OPTConfig} names them.
     *
     * @param activation      {@code activation_function}
     * @param preNorm         {@code do_layer_norm_before}
     * @param embDim          {@code word_embed_proj_dim} (project_in / project_out when it is not {@code hidden_size})
     * @param bias            {@code enable_bias}: biases of q/k/v/out_proj, fc1, fc2
     * @param affine          {@code layer_norm_elementwise_affine}: LayerNorm weights and biases
     * @param removeFinalNorm {@code _remove_final_layer_norm}
     * @param strayFinalNorm  the file holds a {@code decoder.final_layer_norm} the configuration does
     *                        not build (post-norm, or {@code _remove_final_layer_norm}):
     *                        {@code from_pretrained} ignores it, so must a reader
     * @param tied            {@code tie_word_embeddings} (false: an {@code lm_head.weight} of its own)
     */
    record OptShape(String activation, boolean preNorm, int embDim, boolean bias, boolean affine, boolean removeFinalNorm,
            boolean strayFinalNorm, boolean tied) {
        /** OPT-125m .. 175B: ReLU, pre-norm, biases, tied embeddings. */
        static final OptShape OPT_125M = new OptShape("relu", true, DIM, true, true, false, false, true);
        /** OPT-350m: post-norm (so no final LayerNorm), narrower word embeddings projected in and out. */
        static final OptShape OPT_350M = new OptShape("relu", false, OPT_PROJ, true, true, false, true, true);
        /** A pre-norm checkpoint whose config removes the final LayerNorm (fine-tunes from before transformers 4.20.1), untied. */
        static final OptShape NO_FINAL_NORM = new OptShape("relu", true, DIM, true, true, true, true, false);
        /**
         * Galactica-30b / 120b: GELU, no biases and LayerNorms without parameters ({@code enable_bias} and
         * {@code layer_norm_elementwise_affine} false, the switches transformers PR #20390 added for them).
         */
        static final OptShape GALACTICA_30B = new OptShape("gelu", true, DIM, false, false, false, false, true);

        OptShape withActivation(String a) {
            return new OptShape(a, preNorm, embDim, bias, affine, removeFinalNorm, strayFinalNorm, tied);
        }
    }

    /** An OPT LayerNorm (weight and bias), unless the shape's LayerNorms have no parameters. */
    private void optNorm(String ggufPrefix, String hfPrefix, OptShape s) {
        if (s.affine()) {
            norm(ggufPrefix, hfPrefix, true);
        }
    }

    /**
     * OPT (activation ReLU) and Galactica (GELU): learned positions with offset 2, LayerNorms, biases,
     * pre-norm, tied embeddings — or the variations of {@link OptShape}. With {@code asGpt2}, also the
     * GGUF llama.cpp runs as its reference: {@code gpt2} names, Q/K/V fused, position rows from 2 on
     * (OPT's offset), no output matrix. The random draws of the default shape are in the order the
     * committed llama.cpp outputs were made from.
     */
    private void opt(OptShape s, boolean asGpt2) {
        String g0 = asGpt2 ? "" : null;
        if (asGpt2) {
            ggufCommon("gpt2", 0);
            gguf.putF32("gpt2.attention.layer_norm_epsilon", EPS);
        }
        hfCommon("opt", "OPTForCausalLM");
        config.put("hidden_size", DIM).put("ffn_dim", FF).put("num_hidden_layers", LAYERS).put("num_attention_heads", HEADS)
                .put("max_position_embeddings", CTX).put("activation_function", s.activation())
                .put("do_layer_norm_before", s.preNorm()).put("word_embed_proj_dim", s.embDim()).put("enable_bias", s.bias())
                .put("tie_word_embeddings", s.tied());
        if (!s.affine()) {
            config.put("layer_norm_elementwise_affine", false);
        }
        if (s.removeFinalNorm()) {
            config.put("_remove_final_layer_norm", true);
        }
        int emb = s.embDim();
        both(suffix(g0, "token_embd.weight"), "model.decoder.embed_tokens.weight", matrix(VOCAB, emb), VOCAB, emb);
        float[] positions = matrix(CTX + 2, DIM);
        both(null, "model.decoder.embed_positions.weight", positions, CTX + 2, DIM);
        if (asGpt2) {
            ggufMatrix("position_embd.weight", new long[] {DIM, CTX}, rows(positions, DIM, 2, CTX));
        }
        if (emb != DIM) {
            both(null, "model.decoder.project_in.weight", matrix(DIM, emb), DIM, emb);
        }
        for (int l = 0; l < LAYERS; l++) {
            String g = asGpt2 ? "blk." + l + "." : null;
            String h = "model.decoder.layers." + l + ".";
            optNorm(suffix(g, "attn_norm"), h + "self_attn_layer_norm", s);
            float[] q = matrix(DIM, DIM);
            float[] k = matrix(DIM, DIM);
            float[] v = matrix(DIM, DIM);
            both(null, h + "self_attn.q_proj.weight", q, DIM, DIM);
            both(null, h + "self_attn.k_proj.weight", k, DIM, DIM);
            both(null, h + "self_attn.v_proj.weight", v, DIM, DIM);
            float[] qb = s.bias() ? bias(DIM) : null;
            float[] kb = s.bias() ? bias(DIM) : null;
            float[] vb = s.bias() ? bias(DIM) : null;
            if (s.bias()) {
                vector(null, h + "self_attn.q_proj.bias", qb);
                vector(null, h + "self_attn.k_proj.bias", kb);
                vector(null, h + "self_attn.v_proj.bias", vb);
            }
            if (asGpt2) {
                // Galactica's case only, which has biases (so does llama.cpp's gpt2)
                ggufMatrix(g + "attn_qkv.weight", new long[] {DIM, 3 * DIM}, concat(q, k, v));
                gguf.tensorF32(g + "attn_qkv.bias", new long[] {3 * DIM}, concat(qb, kb, vb));
            }
            linear(suffix(g, "attn_output"), h + "self_attn.out_proj", DIM, DIM, s.bias());
            optNorm(suffix(g, "ffn_norm"), h + "final_layer_norm", s);
            linear(suffix(g, "ffn_up"), h + "fc1", FF, DIM, s.bias());
            linear(suffix(g, "ffn_down"), h + "fc2", DIM, FF, s.bias());
        }
        if ((s.preNorm() && !s.removeFinalNorm()) || s.strayFinalNorm()) {
            optNorm(suffix(g0, "output_norm"), "model.decoder.final_layer_norm", s);
        }
        if (emb != DIM) {
            both(null, "model.decoder.project_out.weight", matrix(emb, DIM), emb, DIM);
        }
        if (!s.tied()) {
            both(null, "lm_head.weight", matrix(VOCAB, emb, 3), VOCAB, emb);
        }
    }
}
