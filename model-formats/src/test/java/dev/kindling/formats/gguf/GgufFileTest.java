package dev.kindling.formats.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufFileTest {
    @TempDir Path tmp;

    @Test
    void readsStories260K() {
        Path p = SharedData.require("llama2c/stories260K.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(3, f.version());
            assertEquals("llama", f.architecture());
            assertEquals(48, f.tensors().size());
            assertEquals(64, f.getInt("llama.embedding_length"));
            assertEquals(4, f.getInt("llama.attention.head_count_kv"));
            assertEquals(512, f.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals(14176, f.dataOffset());
            GgufTensorInfo emb = f.tensor("token_embd.weight");
            assertArrayEquals(new long[] {64, 512}, emb.dims());
            assertEquals(GgmlType.F32, emb.type());
            assertEquals(512, emb.rows());
            ByteBuffer b = f.map(emb);
            assertEquals(64 * 512 * 4, b.remaining());
        }
    }

    @Test
    void readsVocabOnlyFileWithLargeArrays() {
        Path p = SharedData.require("llamacpp-vocab/ggml-vocab-deepseek-llm.gguf");
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(0, f.tensors().size());
            assertEquals(102400, f.getStringArray("tokenizer.ggml.tokens").length);
            assertEquals("gpt2", f.getString("tokenizer.ggml.model"));
            assertTrue(f.getStringArray("tokenizer.ggml.merges").length > 90000);
        }
    }

    @Test
    void roundTripsWhatTheWriterWrites() throws Exception {
        Path p = tmp.resolve("t.gguf");
        float[] w = new float[8 * 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = i * 0.5f;
        }
        new GgufWriter().putString("general.architecture", "llama").putU32("llama.block_count", 1)
                .putStrings("tokenizer.ggml.tokens", "a", "b", "ü").putF32s("tokenizer.ggml.scores", 1f, 2f, 3f)
                .tensorF32("w", new long[] {8, 3}, w).tensorF32("v", new long[] {5}, new float[5]).write(p);
        try (GgufFile f = GgufFile.open(p)) {
            assertEquals(1, f.getInt("llama.block_count"));
            assertArrayEquals(new String[] {"a", "b", "ü"}, f.getStringArray("tokenizer.ggml.tokens"));
            ByteBuffer b = f.mapRows(f.tensor("w"), 1, 1);
            assertEquals(4f, b.getFloat(0));
            assertEquals(0, f.tensor("v").fileOffset() % 32);
        }
    }

    @Test
    void rejectsBadMagicTruncationAndAbsurdCounts() throws Exception {
        Path good = tmp.resolve("good.gguf");
        new GgufWriter().putString("general.architecture", "llama")
                .tensorF32("w", new long[] {32, 4}, new float[128]).write(good);
        byte[] bytes = Files.readAllBytes(good);

        Path bad = tmp.resolve("bad.gguf");
        Files.write(bad, "GGML....................".getBytes());
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(bad));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        assertTrue(e.getMessage().contains("bad.gguf"), e.getMessage());

        Path cut = tmp.resolve("cut.gguf");
        Files.write(cut, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        e = assertThrows(ModelFormatException.class, () -> GgufFile.open(cut));
        assertTrue(e.getMessage().contains("tensor w") && e.getMessage().contains("truncated"), e.getMessage());

        byte[] absurd = bytes.clone();
        ByteBuffer.wrap(absurd).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(16, Long.MAX_VALUE / 2);
        Path ab = tmp.resolve("absurd.gguf");
        Files.write(ab, absurd);
        e = assertThrows(ModelFormatException.class, () -> GgufFile.open(ab));
        assertTrue(e.getMessage().contains("metadata_kv_count"), e.getMessage());

        // tensor "w": name (u64 length, bytes), n_dims u32, 2 dims u64, type u32, then the data offset u64; an offset
        // past 2^63 that is a multiple of 32 was reported as "not a multiple of the alignment"
        int name = -1;
        for (int i = 0; i + 9 <= bytes.length && name < 0; i++) {
            if (bytes[i] == 1 && bytes[i + 1] == 0 && bytes[i + 7] == 0 && bytes[i + 8] == 'w') {
                name = i;
            }
        }
        byte[] far = bytes.clone();
        ByteBuffer.wrap(far).order(java.nio.ByteOrder.LITTLE_ENDIAN).putLong(name + 9 + 4 + 16 + 4, 0xFFFFFFFFFFFFFFE0L);
        Path fp = tmp.resolve("far.gguf");
        Files.write(fp, far);
        e = assertThrows(ModelFormatException.class, () -> GgufFile.open(fp));
        assertTrue(e.getMessage().contains("tensor w") && e.getMessage().contains("past the end"), e.getMessage());
    }

    @Test
    void mutatedFilesFailCleanly() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        new GgufWriter().putString("general.architecture", "llama").putStrings("tokenizer.ggml.tokens", "x", "y")
                .tensorF32("w", new long[] {32, 2}, new float[64]).write(bos);
        byte[] good = bos.toByteArray();
        Random rnd = new Random(42);
        Path p = tmp.resolve("m.gguf");
        int headerEnd = 200;
        for (int trial = 0; trial < 2000; trial++) {
            byte[] m = good.clone();
            int flips = 1 + rnd.nextInt(4);
            for (int k = 0; k < flips; k++) {
                m[rnd.nextInt(Math.min(headerEnd, m.length))] = (byte) rnd.nextInt(256);
            }
            Files.write(p, m);
            try (GgufFile f = GgufFile.open(p)) {
                for (GgufTensorInfo t : f.tensors().values()) {
                    assertTrue(t.fileOffset() + t.byteSize() <= f.fileSize());
                }
            } catch (ModelFormatException expected) {
                assertTrue(expected.getMessage().startsWith(p.toString()), expected.getMessage());
            }
        }
    }

    /**
     * A metadata key written twice: ggml's reader refuses the file ("duplicate key"); this one kept the last value
     * without a word (a second {@code llama.rope.freq_base} silently replaced the first).
     */
    @Test
    void duplicateMetadataKeyIsRefused() throws Exception {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        // a same-length twin of the key, renamed in the bytes below: the writer keeps keys in a map
        new GgufWriter().putString("general.architecture", "llama").putF32("llama.rope.freq_base", 10000f)
                .putF32("llama.rope.freq_basX", 3f).tensorF32("w", new long[] {32, 2}, new float[64]).write(bos);
        byte[] b = bos.toByteArray();
        String s = new String(b, java.nio.charset.StandardCharsets.ISO_8859_1);
        b[s.indexOf("llama.rope.freq_basX") + "llama.rope.freq_bas".length()] = 'e';
        Path p = Files.write(tmp.resolve("dup.gguf"), b);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> GgufFile.open(p));
        assertTrue(e.getMessage().contains("dup.gguf") && e.getMessage().contains("llama.rope.freq_base")
                && e.getMessage().contains("twice"), e.getMessage());
    }
}
