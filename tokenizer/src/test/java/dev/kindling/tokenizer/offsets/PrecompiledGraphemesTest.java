package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.normalize.CharsMapBlob;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.normalize.PrecompiledCharsMap;
import dev.kindling.tokenizer.text.GraphemeBreaks;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.BitSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Precompiled normalizer cuts grapheme clusters where HF tokenizers 0.23.2 does (unicode-segmentation 1.13.3,
 * Unicode 17), not where Java 17's {@code \X} does: "ª" + U+1AC1 (a mark of Unicode 14) is one cluster under 6 bytes, so
 * HF maps it whole by ª's key and the mark is lost, where Java 17 cut it in two and kept the mark. The expected rows are
 * HF's, written by {@code offsets/graphemes-hf.mjs} (the command is in its header): which code points join after "a",
 * which "b" joins after and which U+0300 does not join, every code point checked against {@link GraphemeBreaks}; and
 * the normalized text, ids and offsets of lines where the two Unicode versions cut otherwise and of random strings,
 * under {@link #LEAD} (each cluster of under 6 bytes one "#") and under {@link #RULES}.
 */
class PrecompiledGraphemesTest {
    /** "#" for every byte that starts a character, but "b" and LF. */
    static final byte[] LEAD;

    static {
        CharsMapBlob m = new CharsMapBlob();
        for (int b = 1; b < 0xF5; b = b == 0x7F ? 0xC2 : b + 1) {
            if (b != 'b' && b != '\n') {
                m.rule(new byte[] {(byte) b}, "#");
            }
        }
        LEAD = m.bytes();
    }

    /** Keys a cluster may start with: ª, ², ¼, U+00A0, µ, ﬁ, Ω, ©, a soft hyphen, decomposed letters, Hangul L + V. */
    static final byte[] RULES = new CharsMapBlob().rule("\u00AA", "a").rule("\u00B2", "2").rule("\u00BC", "1\u20444")
            .rule("\u00A0", " ").rule("\u00B5", "\u03BC").rule("\uFB01", "fi").rule("\u2126", "\u03A9")
            .rule("e\u0301", "\u00E9").rule("a\u0308", "\u00E4").rule("o\u0302", "\u00F4").rule("n\u0303", "\u00F1")
            .rule("A\u030A", "\u00C5").rule("\u00A9", "(c)").rule("\u00AD", "").rule("\u1100\u1161", "\uAC00").bytes();

    static final Map<String, JsonNode> TOKENIZERS = new HashMap<>();
    static final Map<String, List<JsonNode>> ROWS = new HashMap<>();
    static final Map<String, BitSet> PROPERTIES = new HashMap<>();

    @TempDir
    static Path dir;

    @BeforeAll
    static void read() throws IOException {
        ObjectMapper json = new ObjectMapper();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(PrecompiledGraphemesTest.class
                .getResourceAsStream("/offsets/graphemes-hf.jsonl"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode row = json.readTree(line);
                if (row.has("property")) {
                    BitSet set = new BitSet();
                    row.get("ranges").forEach(x -> set.set(x.get(0).asInt(), x.get(1).asInt() + 1));
                    PROPERTIES.put(row.get("property").asText(), set);
                } else if (row.has("tokenizer")) {
                    TOKENIZERS.put(row.get("layout").asText(), row.get("tokenizer"));
                } else {
                    ROWS.computeIfAbsent(row.get("layout").asText(), k -> new ArrayList<>()).add(row);
                }
            }
        }
    }

    @Test
    void everyCodePointJoinsItsNeighbourAsInHf() {
        List<String> bad = new ArrayList<>();
        StringBuilder s = new StringBuilder();
        for (int c = 1; c <= Character.MAX_CODE_POINT; c++) {
            if (c >= 0xD800 && c <= 0xDFFF) {
                continue;
            }
            s.setLength(0);
            check(bad, c, s.append('a').appendCodePoint(c), PROPERTIES.get("E").get(c), "joins after a");
            if (c != 'b') {
                s.setLength(0);
                check(bad, c, s.appendCodePoint(c).append('b'), PROPERTIES.get("P").get(c), "b joins after it");
            }
            if (c < 0x10000 && c != 'b' && c != '\n') { // at most 3 UTF-8 bytes
                s.setLength(0);
                check(bad, c, s.appendCodePoint(c).append('\u0300'), !PROPERTIES.get("C").get(c), "U+0300 joins after it");
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(10, bad.size())), bad.size() + " differ from HF");
    }

    private static void check(List<String> bad, int c, CharSequence s, boolean hf, String what) {
        if ((GraphemeBreaks.next(s, 0) == s.length()) != hf) {
            bad.add(String.format("U+%04X: %s in HF %s", c, what, hf ? "yes" : "no"));
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"clusters", "rules"})
    void precompiledGivesHfsTextIdsAndOffsets(String layout) throws Exception {
        JsonNode tokenizer = TOKENIZERS.get(layout);
        JsonNode step = tokenizer.get("normalizer").get("normalizers").get(0);
        byte[] map = layout.equals("clusters") ? LEAD : RULES;
        assertEquals(Base64.getEncoder().encodeToString(map), step.get("precompiled_charsmap").asText()); // this test's
        Normalizer precompiled = Normalizers.precompiled(PrecompiledCharsMap.parse(map));
        List<JsonNode> rows = ROWS.get(layout);
        List<String> bad = new ArrayList<>();
        for (JsonNode row : rows) {
            String text = row.get("text").asText();
            String hf = row.get("normalized").asText();
            String normalized = layout.equals("rules") ? precompiled.normalize(text).replaceAll(" {2,}", " ")
                    : precompiled.normalize(text);
            if (!normalized.equals(hf)) {
                bad.add(escape(text) + ": " + escape(normalized) + ", HF " + escape(hf));
            }
        }
        assertEquals(List.of(), bad.subList(0, Math.min(8, bad.size())), bad.size() + "/" + rows.size() + " differ");
        assertTrue(rows.size() > 200);
        Path file = Files.writeString(dir.resolve(layout + ".json"), new ObjectMapper().writeValueAsString(tokenizer));
        OffsetsParityTest.check(Tokenizer.load(file), rows, layout);
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        s.codePoints().forEach(c -> b.append(c >= 0x20 && c < 0x7F ? Character.toString(c) : String.format("\\u%04X", c)));
        return b.toString();
    }
}
