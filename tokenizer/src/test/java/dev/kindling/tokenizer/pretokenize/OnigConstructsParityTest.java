package dev.kindling.tokenizer.pretokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

/**
 * Split regexes with the Oniguruma constructs Java reads otherwise or lacks, against Hugging Face tokenizers 0.23.2:
 * {@code \h} (hex digit; Java: horizontal space), POSIX brackets (Java: a plain class of the name's letters), property
 * names Java spells otherwise ({@code \p{Han}}, {@code \p{^Latin}}, {@code \p{Letter}}, {@code \p{Word}}), Ruby
 * syntax's {@code \pL} (the letters "pL"), {@code \v}, {@code \N}, {@code \O}, {@code ^ $ .} and {@code (?m)}
 * (line anchors at {@code \n} only, dot-all), {@code {,n}} and literal braces, lookbehinds, {@code \B} and {@code ^}
 * right after a match (they see the text before it), case-insensitivity in part of a pattern ({@code (?i:k)|ss},
 * {@code (?i)k(?-i)ss}), comments {@code (?#...)}, and the constructs Java has too.
 * Expected ids: {@code onig-constructs-hf.json}, written by {@code onig-constructs-hf.mjs} next to it. Where Java has
 * no equivalent ({@link #REFUSED}) loading must fail, naming the file, the pattern and the construct, never split
 * otherwise; where HF cannot load the pattern, neither may Kindling.
 */
class OnigConstructsParityTest {
    /** Patterns HF runs and Kindling refuses, with the construct its error must name. */
    static final Map<String, String> REFUSED = Map.of(
            "a\\Kb", "\\K",
            "(?i)straße", "case-insensitive ß",
            "(?i)ss", "case-insensitive \"ss\"",
            "(?i)fi", "case-insensitive \"fi\"",
            "(?i)x|ss", "case-insensitive \"ss\"",
            "a{1,2}+", "{1,2}+",
            "\\y", "\\y",
            "(?<a>x)\\g<a>", "\\g",
            "\\101", "\\10",
            "\\p{Emoji}+", "\\p{Emoji}");

    private static final ObjectMapper JSON = new ObjectMapper();

    @TestFactory
    Stream<DynamicTest> splitsAsOniguruma(@TempDir Path tmp) throws Exception {
        JsonNode root = JSON.readTree(OnigConstructsParityTest.class.getResource("/pretokenize/onig-constructs-hf.json"));
        List<String> texts = new ArrayList<>();
        root.get("texts").forEach(t -> texts.add(t.asText()));
        List<DynamicTest> tests = new ArrayList<>();
        int n = 0;
        for (JsonNode c : root.get("cases")) {
            String pattern = c.get("pattern").asText();
            Path file = tmp.resolve("onig-" + n++ + ".json");
            JSON.writeValue(file.toFile(), tokenizerJson(pattern, root.get("vocab")));
            tests.add(DynamicTest.dynamicTest("/" + pattern + "/", () -> check(c, pattern, file, texts)));
        }
        assertEquals(97, tests.size(), "cases in onig-constructs-hf.json");
        return tests.stream();
    }

    private static void check(JsonNode c, String pattern, Path file, List<String> texts) throws Exception {
        if (c.has("error") || REFUSED.containsKey(pattern)) {
            RuntimeException e = assertThrows(RuntimeException.class, () -> Tokenizer.load(file),
                    () -> "/" + pattern + "/ loaded; expected an error" + (c.has("error") ? " as HF's: " + c.get("error").asText() : ""));
            String message = e.getMessage();
            assertTrue(message.contains(file.toString()), () -> "the error names no file: " + message);
            assertTrue(message.contains(pattern), () -> "the error names no pattern: " + message);
            if (REFUSED.containsKey(pattern)) {
                assertTrue(message.contains(REFUSED.get(pattern)), () -> "the error names no " + REFUSED.get(pattern) + ": " + message);
            }
            return;
        }
        Tokenizer t = Tokenizer.load(file);
        for (int i = 0; i < texts.size(); i++) {
            String text = texts.get(i);
            int[] expected = JSON.treeToValue(c.get("ids").get(i), int[].class);
            assertNotNull(expected);
            assertArrayEquals(expected, t.encode(text, false), () -> "/" + pattern + "/ on " + LlamaCppVectors.escape(text));
        }
    }

    /** The tokenizer.json onig-constructs-hf.mjs builds for a pattern. */
    private static ObjectNode tokenizerJson(String pattern, JsonNode vocab) {
        ObjectNode j = JSON.createObjectNode();
        j.put("version", "1.0").putNull("truncation");
        j.putNull("padding");
        j.putArray("added_tokens");
        j.putNull("normalizer");
        ObjectNode pre = j.putObject("pre_tokenizer").put("type", "Split");
        pre.putObject("pattern").put("Regex", pattern);
        pre.put("behavior", "Isolated").put("invert", false);
        j.putNull("post_processor");
        j.putNull("decoder");
        ObjectNode model = j.putObject("model").put("type", "WordLevel");
        model.set("vocab", vocab);
        model.put("unk_token", "[UNK]");
        return j;
    }
}
