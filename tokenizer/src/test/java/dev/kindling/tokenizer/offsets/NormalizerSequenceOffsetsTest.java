package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.normalize.CharsMapBlob;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Offsets through sequences of normalizer steps, each of which composes its mapping as HF's NormalizedString does: the
 * converter's ALBERT and XLNet layouts (Replace, NFKD, StripAccents, Lowercase before a Precompiled map, a Replace of
 * space runs after it), T5's, a Replace before NFC, BertNormalizer before NFKC, and Nmt, NFKC, Lowercase, Strip, Replace.
 * A Replace maps its content to the last character of the match (HF's "a   b" under Replace(" {2,}", " ") gives "▁b"
 * [3, 5), where Kindling gave [1, 5)), and a step after another maps through what that one made. The expected ids and
 * offsets are HF tokenizers 0.23.2's, written by {@code offsets/normalizer-sequences-hf.mjs} (the command is in its
 * header) with each layout's tokenizer.json, over a small Unigram vocabulary and the character map {@link #MAP}.
 */
class NormalizerSequenceOffsetsTest {
    /** ﬁ, half-width ｶ and ﾞ, full-width Ａ, U+3000 and U+00A0 spaces, ¨ a space and a mark, …, ½; BEL, U+200B deleted. */
    static final byte[] MAP = new CharsMapBlob().rule("\uFB01", "fi").rule("\uFF76", "\u30AB").rule("\uFF9E", "\u3099")
            .rule("\uFF21", "A").rule("\u3000", " ").rule("\u00A8", " \u0308").rule("\u2026", "...")
            .rule("\u00BD", "1\u20442").rule("\u0007", "").rule("\u200B", "").rule("\u00A0", " ").bytes();

    @TempDir
    static Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"albert", "xlnet", "t5", "replace-nfc", "bert-nfkc", "nmt-strip", "empty-matches"})
    void offsetsFollowEveryNormalizerStepAsHfs(String layout) throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode tokenizer = null;
        List<JsonNode> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(NormalizerSequenceOffsetsTest.class
                .getResourceAsStream("/offsets/normalizer-sequences-hf.jsonl"), StandardCharsets.UTF_8))) {
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                JsonNode row = json.readTree(line);
                if (!row.get("layout").asText().equals(layout)) {
                    continue;
                }
                if (row.has("tokenizer")) {
                    tokenizer = row.get("tokenizer");
                } else {
                    rows.add(row);
                }
            }
        }
        assertTrue(tokenizer != null, "no tokenizer.json for " + layout);
        for (JsonNode step : tokenizer.get("normalizer").get("normalizers")) {
            if (step.get("type").asText().equals("Precompiled")) { // HF ran on this test's own map
                assertEquals(Base64.getEncoder().encodeToString(MAP), step.get("precompiled_charsmap").asText());
            }
        }
        Path file = Files.writeString(dir.resolve(layout + ".json"), json.writeValueAsString(tokenizer));
        OffsetsParityTest.check(Tokenizer.load(file), rows, layout);
    }
}
