package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * llama.cpp's tokenizer test vectors ({@code models/ggml-vocab-*.gguf.inp/.out}, read as
 * {@code tests/test-tokenizer-0.cpp} reads them): the .inp strings are joined by
 * {@code "\n__ggml_vocab_test__\n"} (the file ends with one), the .out has one line of
 * space-separated ids per string, encoded with add_special=false, parse_special=false.
 */
public record LlamaCppVectors(List<String> texts, List<int[]> ids) {
    public static LlamaCppVectors read(Path inp, Path out) throws IOException {
        String all = Files.readString(inp, StandardCharsets.UTF_8);
        List<String> texts = new ArrayList<>(Arrays.asList(all.split("\n__ggml_vocab_test__\n", -1)));
        if (texts.get(texts.size() - 1).isEmpty()) {
            texts.remove(texts.size() - 1);
        }
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        List<int[]> ids = new ArrayList<>();
        for (String line : lines) {
            String t = line.trim();
            ids.add(t.isEmpty() ? new int[0] : Arrays.stream(t.split(" +")).mapToInt(Integer::parseInt).toArray());
        }
        assertEquals(texts.size(), ids.size(), "strings in " + inp + " vs lines in " + out);
        return new LlamaCppVectors(texts, ids);
    }

    /** Encodes every string and returns a report of the mismatches (empty when all pass). */
    public List<String> mismatches(java.util.function.Function<String, int[]> encoder) {
        List<String> bad = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] got = encoder.apply(texts.get(i));
            if (!Arrays.equals(got, ids.get(i))) {
                bad.add("#" + i + " " + escape(texts.get(i)) + "\n   expected " + Arrays.toString(ids.get(i))
                        + "\n   got      " + Arrays.toString(got));
            }
        }
        return bad;
    }

    public static String escape(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n') {
                sb.append("\\n");
            } else if (c == '\t') {
                sb.append("\\t");
            } else if (c < 0x20 || c > 0x7E) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
