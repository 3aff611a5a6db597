package dev.kindling.tokenizer.gguf;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.gguf.GgufWriter;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * A GGUF {@code gpt2} vocabulary made from a byte-level BPE tokenizer.json (its vocabulary, merges and added tokens,
 * control where special and user-defined where not, an id of none an unused {@code [PADi]}, as llama.cpp's converter
 * writes them) under a
 * {@code tokenizer.ggml.pre} of the caller's, for the vectors and benchmarks of a pre-tokenizer whose GGUF data/ lacks.
 * Also a command, for {@code tokenizer/bench/OldNewEncode.java}: {@code java -cp tokenizer/target/test-classes:tokenizer/target/classes:DEPS
 * dev.kindling.tokenizer.gguf.GgufOfTokenizerJson TOKENIZER_JSON[.gz] PRE OUT.gguf}.
 */
public final class GgufOfTokenizerJson {
    private GgufOfTokenizerJson() {}

    public static void main(String[] a) throws IOException {
        write(Path.of(a[0]), a[1], Path.of(a[2]));
    }

    public static void write(Path tokenizerJson, String pre, Path out) throws IOException {
        JsonNode json;
        try (InputStream raw = Files.newInputStream(tokenizerJson);
                InputStream in = tokenizerJson.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            json = new ObjectMapper().readTree(in);
        }
        JsonNode vocab = json.get("model").get("vocab");
        JsonNode added = json.get("added_tokens");
        int n = vocab.size();
        for (JsonNode t : added) {
            n = Math.max(n, t.get("id").asInt() + 1);
        }
        String[] tokens = new String[n];
        int[] types = new int[n];
        vocab.fields().forEachRemaining(e -> {
            tokens[e.getValue().asInt()] = e.getKey();
            types[e.getValue().asInt()] = 1;
        });
        for (JsonNode t : added) {
            tokens[t.get("id").asInt()] = t.get("content").asText();
            types[t.get("id").asInt()] = t.get("special").asBoolean() ? 3 : 4;
        }
        for (int i = 0; i < n; i++) {
            if (tokens[i] == null) { // an id no token has: a pad, as llama.cpp's converter writes it
                tokens[i] = "[PAD" + i + "]";
                types[i] = 5;
            }
        }
        JsonNode list = json.get("model").get("merges");
        String[] merges = new String[list.size()];
        for (int i = 0; i < merges.length; i++) {
            JsonNode m = list.get(i);
            merges[i] = m.isArray() ? m.get(0).asText() + " " + m.get(1).asText() : m.asText();
        }
        new GgufWriter().putString("general.architecture", "gpt2").putString("tokenizer.ggml.model", "gpt2")
                .putString("tokenizer.ggml.pre", pre).putStrings("tokenizer.ggml.tokens", tokens)
                .putI32s("tokenizer.ggml.token_type", types).putStrings("tokenizer.ggml.merges", merges).write(out);
    }
}
