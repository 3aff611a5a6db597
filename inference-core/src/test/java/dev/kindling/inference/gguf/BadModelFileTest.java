package dev.kindling.inference.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.formats.gguf.GgufValue;
import dev.kindling.formats.gguf.GgufValueType;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.testing.SharedData;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Corrupt and unusable model files fail with a {@link ModelFormatException} naming the file (and
 * the tensor or key), never with an OutOfMemoryError, a crash or a hang; prompts longer than the
 * context fail clearly or are truncated when asked.
 */
class BadModelFileTest {
    @TempDir
    Path dir;

    Path stories() {
        return SharedData.require("llama2c/stories260K.gguf");
    }

    Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    static ModelFormatException rejects(Path p) {
        return assertThrows(ModelFormatException.class, () -> {
            try (Engine e = Engine.open(p, EngineOptions.defaults().withThreads(1))) {
                e.logits(new int[] {1});
            }
        });
    }

    @Test
    void badMagicAndTruncation() throws IOException {
        byte[] good = Files.readAllBytes(stories());
        byte[] magic = good.clone();
        magic[0] = 'X';
        assertTrue(rejects(write("magic.gguf", magic)).getMessage().contains("magic.gguf"));
        // an empty file says so: it was "neither a GGUF file, a llama2.c checkpoint nor a Hugging Face checkpoint directory"
        Path empty = write("empty.gguf", new byte[0]);
        assertEquals(empty + ": the file is empty (0 bytes)", rejects(empty).getMessage());
        for (int cut : new int[] {10, 100, 5000, 14000, 14176 + 100, good.length - 1}) {
            ModelFormatException e = rejects(write("cut" + cut + ".gguf", Arrays.copyOf(good, cut)));
            assertTrue(e.getMessage().contains("cut" + cut + ".gguf"), e.getMessage());
        }
    }

    /** Rewrites stories260K with one tensor changed. */
    Path withTensor(String name, String tensor, GgmlType type, long[] dims, byte[] data) throws IOException {
        return rewrite(name, null, null, tensor, type, dims, data);
    }

    /** Rewrites stories260K with metadata {@code key} set to {@code value} (added when absent). */
    Path withMetadata(String name, String key, GgufValue value) throws IOException {
        return rewrite(name, key, value, null, null, null, null);
    }

    private Path rewrite(String name, String key, GgufValue value, String tensor, GgmlType type, long[] dims, byte[] data)
            throws IOException {
        try (GgufFile in = GgufFile.open(stories())) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().entrySet()) {
                if (!e.getKey().equals(key)) {
                    w.put(e.getKey(), e.getValue());
                }
            }
            if (key != null && value != null) { // a null value leaves the key out
                w.put(key, value);
            }
            for (GgufTensorInfo t : in.tensorList()) {
                if (t.name().equals(tensor)) {
                    w.tensor(t.name(), type, dims, data);
                } else {
                    byte[] b = new byte[(int) t.byteSize()];
                    in.map(t).get(b);
                    w.tensor(t.name(), t.type(), t.dims(), b);
                }
            }
            if (tensor != null && in.findTensor(tensor).isEmpty()) {
                w.tensor(tensor, type, dims, data); // a tensor the file did not have: added
            }
            Path p = dir.resolve(name);
            w.write(p);
            return p;
        }
    }

    /** llama.cpp's vocabulary-only GGUFs say what they are, whatever their architecture (a missing tensor, or an unknown one). */
    @Test
    void aVocabularyOnlyGgufIsNamedAsATokenizer() {
        for (String vocab : new String[] {"llamacpp-vocab/ggml-vocab-llama-spm.gguf", "llamacpp-vocab/ggml-vocab-gpt-2.gguf"}) {
            ModelFormatException e = rejects(SharedData.require(vocab));
            assertTrue(e.getMessage().contains("holds no tensors: a vocabulary-only GGUF (as llama.cpp's ggml-vocab-* files) is a"
                    + " tokenizer (--tokenizer, EngineOptions.withTokenizer), not a model"), e.getMessage());
        }
    }

    @Test
    void wrongShapeAndUnsupportedTypeNameTheTensor() throws IOException {
        Path shape = withTensor("shape.gguf", "blk.2.attn_q.weight", GgmlType.F32, new long[] {64, 32}, new byte[64 * 32 * 4]);
        ModelFormatException e = rejects(shape);
        assertTrue(e.getMessage().contains("blk.2.attn_q.weight") && e.getMessage().contains("expected"), e.getMessage());
        Path q2k = withTensor("q2k.gguf", "blk.0.ffn_up.weight", GgmlType.Q2_K, new long[] {256, 43}, new byte[84 * 43]);
        e = rejects(q2k);
        assertTrue(e.getMessage().contains("blk.0.ffn_up.weight") && e.getMessage().contains("Q2_K"), e.getMessage());
    }

    /**
     * Sizes of 0, negative or absurd, and non-finite numbers, in the hyper-parameters: an error naming the file and the
     * key. Before: an OutOfMemoryError (block_count 2^31-1 allocated per-layer arrays), "/ by zero" (0 heads), an
     * integer overflow in a tensor's expected shape (key_length 2^28), and NaN rope bases or epsilons ran, producing
     * NaN logits with no error.
     */
    @Test
    void absurdHyperParametersNameTheKey() throws IOException {
        Object[][] cases = {
            {"llama.block_count", new GgufValue(GgufValueType.UINT32, null, 0x7FFFFFFFL), "llama.block_count"},
            {"llama.block_count", new GgufValue(GgufValueType.UINT32, null, 0L), "llama.block_count"},
            {"llama.block_count", new GgufValue(GgufValueType.INT32, null, -1L), "llama.block_count"},
            {"llama.attention.head_count", new GgufValue(GgufValueType.UINT32, null, 0L), "llama.attention.head_count"},
            // 64 over 12 heads: it was blamed on blk.0.attn_q.weight's shape
            {"llama.attention.head_count", new GgufValue(GgufValueType.UINT32, null, 12L),
                    "llama.embedding_length 64 is not divisible by llama.attention.head_count 12"},
            {"llama.embedding_length", new GgufValue(GgufValueType.UINT32, null, 1L << 30), "llama.embedding_length"},
            {"llama.attention.key_length", new GgufValue(GgufValueType.UINT32, null, 1L << 28), "llama.attention.key_length"},
            {"llama.rope.freq_base", new GgufValue(GgufValueType.FLOAT32, null, 0f), "rope frequency base"},
            {"llama.rope.freq_base", new GgufValue(GgufValueType.FLOAT32, null, Float.NaN), "rope frequency base"},
            {"llama.rope.freq_base", new GgufValue(GgufValueType.FLOAT32, null, -10000f), "rope frequency base"},
            {"llama.attention.layer_norm_rms_epsilon", new GgufValue(GgufValueType.FLOAT32, null, Float.NaN), "norm epsilon"},
            {"llama.attention.layer_norm_rms_epsilon", new GgufValue(GgufValueType.FLOAT32, null, -1e-5f), "norm epsilon"},
            // absent: it ran with a guessed 1e-5 (llama.cpp refuses the file)
            {"llama.attention.layer_norm_rms_epsilon", null, "no llama.attention.layer_norm_rms_epsilon"},
        };
        for (int i = 0; i < cases.length; i++) {
            Path p = withMetadata("hparams" + i + ".gguf", (String) cases[i][0], (GgufValue) cases[i][1]);
            ModelFormatException e = rejects(p);
            assertTrue(e.getMessage().contains("hparams" + i + ".gguf") && e.getMessage().contains((String) cases[i][2]),
                    cases[i][0] + " = " + cases[i][1] + ": " + e.getMessage());
        }
    }

    /** A block count below the layers on disk: llama.cpp refuses the file; this engine ran without the rest. */
    @Test
    void layersPastTheBlockCount() throws IOException {
        Path p = withMetadata("blocks3.gguf", "llama.block_count", new GgufValue(GgufValueType.UINT32, null, 3L));
        ModelFormatException e = rejects(p);
        assertTrue(e.getMessage().contains("blocks3.gguf") && e.getMessage().contains("blk.3.")
                && e.getMessage().contains("block_count is 3"), e.getMessage());
    }

    /**
     * A tensor the model does not read (here a Q/K norm, as Qwen3 and OLMo 2 have): refused, as llama.cpp refuses it,
     * where the engine ran without it and gave plausible but wrong outputs.
     */
    @Test
    void tensorsTheModelWouldIgnoreAreRefused() throws IOException {
        Path p = withTensor("qknorm.gguf", "blk.0.attn_q_norm.weight", GgmlType.F32, new long[] {8}, new byte[8 * 4]);
        ModelFormatException e = rejects(p);
        assertTrue(e.getMessage().contains("qknorm.gguf") && e.getMessage().contains("blk.0.attn_q_norm.weight")
                && e.getMessage().contains("does not use"), e.getMessage());
    }

    /**
     * A NaN in a weight makes every logit NaN after that layer: generation, scoring and embedding fail with an error
     * saying so (before: an empty completion, finish reason "length", no error).
     */
    @Test
    void nanWeightsFailTheRequestInsteadOfReturningGarbage() throws IOException {
        byte[] q;
        try (GgufFile in = GgufFile.open(stories())) {
            GgufTensorInfo t = in.tensor("blk.1.attn_q.weight");
            q = new byte[(int) t.byteSize()];
            in.map(t).get(q);
            ByteBuffer.wrap(q).order(ByteOrder.LITTLE_ENDIAN).putFloat(4 * 70, Float.NaN);
            Path p = withTensor("nan.gguf", t.name(), t.type(), t.dims(), q);
            // the CPU backend (the device reductions return the chosen logit for the same check: ReferenceBackendTest)
            try (Engine e = Engine.open(p, EngineOptions.defaults().withThreads(1).withDevice("cpu"))) {
                java.util.concurrent.CompletionException x = assertThrows(java.util.concurrent.CompletionException.class,
                        () -> e.submit(GenerationRequest.of("Once upon a time").withMaxTokens(8), null).join());
                assertTrue(x.getCause().getMessage().contains("non-finite logit"), x.getCause().getMessage());
                int[] ids = e.encode("Once upon a time");
                x = assertThrows(java.util.concurrent.CompletionException.class, () -> e.submitScore(ids).join());
                assertTrue(x.getCause().getMessage().contains("non-finite log-probability"), x.getCause().getMessage());
                x = assertThrows(java.util.concurrent.CompletionException.class, () -> e.submitEmbed(ids).join());
                assertTrue(x.getCause().getMessage().contains("non-finite embedding"), x.getCause().getMessage());
            }
            java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
            int rc = dev.kindling.inference.cli.LogitsCommand.run(new String[] {"--model", p.toString(), "--prompt", "Once upon",
                    "--device", "cpu", "--threads", "1"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                    new java.io.PrintStream(err, true));
            assertEquals(1, rc, "kindling logits on NaN weights: an error, not \"NaN\" strings");
            assertTrue(err.toString().contains("non-finite logits"), err.toString());
            // --all-positions checks every row it prints, and says which (it checked the last only)
            err.reset();
            rc = dev.kindling.inference.cli.LogitsCommand.run(new String[] {"--model", p.toString(), "--prompt", "Once upon",
                    "--device", "cpu", "--threads", "1", "--all-positions"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                    new java.io.PrintStream(err, true));
            assertEquals(1, rc);
            assertTrue(err.toString().contains("after token 0"), err.toString());
            // generate --prompt: the model's failure is exit 1 (a prompt's own, past the context, is a usage error, 2)
            err.reset();
            rc = dev.kindling.inference.cli.GenerateCommand.run(new String[] {"--model", p.toString(), "--prompt", "Once upon",
                    "--device", "cpu", "--threads", "1", "--max-tokens", "4"}, new java.io.PrintStream(new java.io.ByteArrayOutputStream()),
                    new java.io.PrintStream(err, true));
            assertEquals(1, rc, err.toString());
            assertTrue(err.toString().startsWith("generate: ") && err.toString().contains("non-finite logit"), err.toString());
        }
    }

    @Test
    void offsetsPastTheEndAndAbsurdDimensions() throws IOException {
        byte[] good = Files.readAllBytes(stories());
        int at = indexOf(good, "blk.4.ffn_down.weight".getBytes());
        // name (8-byte length + text), n_dims u32, dims u64 x n, type u32, offset u64
        ByteBuffer b = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
        int dimsAt = at + "blk.4.ffn_down.weight".length() + 4;
        int nDims = b.getInt(dimsAt - 4);
        b.putLong(dimsAt + 8L * nDims > 0 ? dimsAt + 8 * nDims + 4 : 0, 1L << 40);
        ModelFormatException e = rejects(write("offset.gguf", b.array()));
        assertTrue(e.getMessage().contains("blk.4.ffn_down.weight"), e.getMessage());
        ByteBuffer d = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
        d.putLong(dimsAt, 1L << 33);
        e = rejects(write("dims.gguf", d.array()));
        assertTrue(e.getMessage().contains("blk.4.ffn_down.weight"), e.getMessage());
        ByteBuffer t = ByteBuffer.wrap(good.clone()).order(ByteOrder.LITTLE_ENDIAN);
        t.putInt(dimsAt + 8 * nDims, 77);
        e = rejects(write("type.gguf", t.array()));
        assertTrue(e.getMessage().contains("blk.4.ffn_down.weight") && e.getMessage().contains("77"), e.getMessage());
    }

    @Test
    void fuzzedHeadersFailCleanly() throws IOException {
        byte[] good = Files.readAllBytes(stories());
        Random r = new Random(20261130);
        int headerEnd = 14176;
        int rejected = 0;
        for (int i = 0; i < 250; i++) {
            byte[] m = good.clone();
            int flips = 1 + r.nextInt(4);
            for (int f = 0; f < flips; f++) {
                int pos = r.nextInt(10) == 0 ? r.nextInt(m.length) : r.nextInt(headerEnd);
                m[pos] = (byte) (r.nextInt(3) == 0 ? 0xFF : r.nextInt(256));
            }
            Path p = write("fuzz.gguf", m);
            try (Engine e = Engine.open(p, EngineOptions.defaults().withThreads(1).withKvBudgetBytes(8 << 20))) {
                e.generate(GenerationRequest.ofTokens(1).withMaxTokens(4).withIgnoreEos(true));
            } catch (ModelFormatException | IllegalArgumentException ok) {
                rejected++;
            } catch (ArithmeticException nonFinite) {
                // a mutated weight or scale that loads but computes NaN: the generation's own clear error
                assertTrue(nonFinite.getMessage().contains("non-finite"), nonFinite.getMessage());
            } catch (Throwable t) {
                fail("mutation " + i + " failed with " + t, t);
            }
        }
        assertTrue(rejected > 50, "most mutations of the header should be rejected, got " + rejected);
    }

    /**
     * A llama2.c checkpoint (no magic: a header of 7 int32s) with a damaged field is a header error naming the field.
     * Such a file was "not a model" (judged by its first bytes), or, when dim was intact, "implausible" with no word of
     * which field; random, text and zero-filled files are still no model.
     */
    @Test
    void llama2cHeadersWithADamagedFieldNameIt() throws IOException {
        byte[] good = Files.readAllBytes(SharedData.require("llama2c/stories260K.bin"));
        // dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512
        Object[][] cases = {
            {3, 0, "n_heads is 0 (it must be positive)"},
            {3, -5, "n_heads is -5 (it must be positive)"},
            {3, 7, "dim 64 is not divisible by n_heads 7"},
            {0, 0, "dim is 0 (it must be positive)"},
            {0, -5, "dim is -5 (it must be positive)"},
            {2, 0, "n_layers is 0 (it must be positive)"},
            {4, 3, "n_heads 8 is not divisible by n_kv_heads 3"},
            {5, 0, "vocab_size is 0 (it must be positive; negative means a separate classifier)"},
            {1, 1 << 20, "hidden_dim 1048576 is past what a llama2.c model has (at most 262144)"},
        };
        for (Object[] c : cases) {
            byte[] m = good.clone();
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putInt(4 * (int) c[0], (int) c[1]);
            Path p = write("header" + c[0] + "_" + c[1] + ".bin", m);
            String message = rejects(p).getMessage();
            assertTrue(message.startsWith(p + ": implausible llama2.c header: " + c[2] + " (dim="), message);
            assertTrue(dev.kindling.inference.llama2c.Llama2cLoader.looksLikeLlama2c(p), p.toString());
        }
        byte[] zeros = new byte[4096];
        byte[] noise = new byte[4096];
        new Random(7).nextBytes(noise);
        for (byte[] notAModel : new byte[][] {zeros, noise, "{\"id\":1,\"prompt\":\"a longer line of JSON\"}".getBytes()}) {
            Path p = write("other.bin", notAModel);
            assertTrue(!dev.kindling.inference.llama2c.Llama2cLoader.looksLikeLlama2c(p), Arrays.toString(Arrays.copyOf(notAModel, 8)));
            assertTrue(rejects(p).getMessage().contains("neither a GGUF file, a llama2.c checkpoint"));
        }
        // files whose first int32s are sizes too (the count above took them for damaged checkpoints): llama2.c's own
        // tokenizer.bin given as the model, and a pre-GGUF ggjt file (magic, version 3, then 6 sizes)
        Path tok = SharedData.require("llama2c/tok512.bin");
        assertTrue(!dev.kindling.inference.llama2c.Llama2cLoader.looksLikeLlama2c(tok));
        assertEquals(tok + ": this is a llama2.c tokenizer (tokenizer.bin), not a model: give it as the tokenizer (--tokenizer) of "
                + "a llama2.c checkpoint", rejects(tok).getMessage());
        ByteBuffer ggjt = ByteBuffer.allocate(4096).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : new int[] {0x67676a74, 3, 32000, 4096, 256, 32, 32, 128, 2}) {
            ggjt.putInt(v);
        }
        Path legacy = write("ggml-model-q4_0.bin", ggjt.array());
        assertTrue(!dev.kindling.inference.llama2c.Llama2cLoader.looksLikeLlama2c(legacy));
        assertTrue(rejects(legacy).getMessage().startsWith(legacy + ": this is a legacy GGML file (magic 'ggjt'), the format "
                + "before GGUF"), rejects(legacy).getMessage());
    }

    /**
     * An interrupt closes the channel a file is read through: a good model opened on an interrupted thread (a Spark task
     * killed as it opens the engine, a notebook cell interrupted) was "neither a GGUF file, a llama2.c checkpoint nor a
     * Hugging Face checkpoint directory". It is now said to be interrupted, and the file opens on a thread that is not.
     */
    @Test
    void anInterruptedOpenSaysSoAndBlamesNoFile() {
        for (Path m : new Path[] {stories(), SharedData.require("llama2c/stories260K.bin")}) {
            Thread.currentThread().interrupt();
            try {
                Exception x = assertThrows(java.util.concurrent.CancellationException.class,
                        () -> Engine.open(m, EngineOptions.defaults().withThreads(1)).close());
                assertEquals(m + ": opening the model was interrupted (the thread's interrupt closes the file it reads), so it"
                        + " was not read; nothing is known to be wrong with it", x.getMessage());
                assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left for the caller");
            } finally {
                Thread.interrupted();
            }
            try (Engine e = Engine.open(m, EngineOptions.defaults().withThreads(1))) {
                assertEquals(1, e.logits(new int[] {1}).length / e.config().vocabSize());
            }
        }
    }

    /**
     * The weights are read where the file is mapped: a model file written over in place under its engine (cut short here,
     * as a copy or a download to its path starts) failed the engine's steps with "java.lang.InternalError: a fault occurred
     * in a recent unsafe memory access operation in compiled Java code", naming no file; the error now says which file was
     * written over and how to replace a model. One moved into place (a rename) leaves the engine reading the old file.
     */
    @Test
    void aModelFileWrittenOverUnderItsEngineIsNamed() throws IOException {
        Path m = Files.copy(stories(), dir.resolve("served.gguf"));
        Path moved = Files.copy(stories(), dir.resolve("moved.gguf"));
        GenerationRequest r = GenerationRequest.of("Once").withMaxTokens(8);
        try (Engine e = Engine.open(m, EngineOptions.defaults().withThreads(1));
                Engine renamed = Engine.open(moved, EngineOptions.defaults().withThreads(1))) {
            String text = e.generate(r).text();
            Files.move(Files.write(dir.resolve("new.gguf"), new byte[] {1, 2, 3}), moved, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            assertEquals(text, renamed.generate(r).text(), "a file moved to the path leaves the open one's data as it was");
            long size = Files.size(m);
            assertTrue(m.toFile().setWritable(true), "a copy of a read-only file");
            try (var ch = java.nio.channels.FileChannel.open(m, java.nio.file.StandardOpenOption.WRITE)) {
                ch.truncate(size / 3);
            }
            Exception x = assertThrows(Exception.class, () -> e.generate(r));
            assertTrue(x.getMessage().contains("the model file " + m + " was written over while the engine had it open (" + size
                    + " bytes when it opened, " + size / 3 + " now)")
                    && x.getMessage().contains("(mv)") && x.getMessage().contains("unsafe memory access"), x.getMessage());
        }
    }

    @Test
    void promptLongerThanTheContext() {
        Path m = SharedData.require("llama2c/stories260K.bin");
        int[] prompt = new int[600];
        Arrays.fill(prompt, 300);
        prompt[0] = 1;
        try (Engine e = Engine.open(m, EngineOptions.defaults().withThreads(1))) {
            IllegalArgumentException x = assertThrows(IllegalArgumentException.class,
                    () -> e.generate(GenerationRequest.ofTokens(prompt).withMaxTokens(8)));
            assertTrue(x.getMessage().contains("600 tokens") && x.getMessage().contains("512"), x.getMessage());
        }
        try (Engine e = Engine.open(m, EngineOptions.defaults().withThreads(1).withTruncatePrompts(true))) {
            var c = e.generate(GenerationRequest.ofTokens(prompt).withMaxTokens(8).withIgnoreEos(true));
            assertEquals(8, c.tokens().length);
            assertEquals(512 - 8, c.promptTokens().length, "the end of the prompt is kept, room left for the output");
        }
    }

    static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
