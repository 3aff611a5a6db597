package dev.kindling.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.LlamaCppVectors;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every row of chat/jinja2-differential.jsonl, rendered by Kindling and compared byte for byte with what Python's
 * Jinja2 rendered for it (jinja2-differential.py beside it, in transformers' environment): an expression case renders
 * its template with its context; a chat case renders a conversation with a real chat template of data/tokenizers
 * (skipped with the reason when ../shared is absent). Where Jinja2 raised, Kindling must raise too, and its message
 * must hold Jinja2's, unless {@link #OTHER_MESSAGES} says why it words it otherwise.
 */
class ChatTemplateDifferentialTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** jinja2-differential.py's NOW: strftime_now reads this clock here, as there. */
    private static final ZonedDateTime NOW = ZonedDateTime.parse("2025-03-07T14:05:09Z");

    /** Cases where Kindling raises as Jinja2 does but with a message of its own, and why. */
    static final Map<String, String> OTHER_MESSAGES = Map.of("expression call_undefined_item",
            "the called value is Undefined from a list literal's missing item; Jinja2 says which item (\"list object has no "
            + "element 0\"), Kindling that the value called is undefined, as Jinjava's literal has no text to name it by");

    /** Cases, by "kind case", where Kindling renders otherwise than Jinja2, with the reason; reported as skipped. */
    static final Map<String, String> KNOWN_GAPS = gaps();

    private static Map<String, String> gaps() {
        Map<String, String> gaps = new LinkedHashMap<>();
        return gaps;
    }

    @SuppressWarnings("unchecked")
    static List<Map<String, Object>> rows() throws Exception {
        List<Map<String, Object>> rows = new ArrayList<>();
        try (InputStream in = ChatTemplateDifferentialTest.class.getResourceAsStream("/chat/jinja2-differential.jsonl")) {
            assertNotNull(in, "chat/jinja2-differential.jsonl is missing from the test resources");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            int line = 0;
            for (String text = r.readLine(); text != null; text = r.readLine()) {
                line++;
                if (!text.isBlank()) {
                    Map<String, Object> row = JSON.readValue(text, LinkedHashMap.class);
                    assertTrue(row.containsKey("expected") || row.containsKey("error"),
                            "jinja2-differential.jsonl line " + line + ": expected an \"expected\" or an \"error\" field");
                    rows.add(row);
                }
            }
        }
        return rows;
    }

    @TestFactory
    Stream<DynamicTest> rendersAsJinja2() throws Exception {
        List<Map<String, Object>> rows = rows();
        assertTrue(rows.size() >= 80, "jinja2-differential.jsonl holds " + rows.size() + " rows; expected at least 80");
        return rows.stream().map(row -> DynamicTest.dynamicTest(row.get("kind") + " " + row.get("case"), () -> check(row)));
    }

    @SuppressWarnings("unchecked")
    static void check(Map<String, Object> row) {
        String name = row.get("kind") + " " + row.get("case");
        Assumptions.assumeFalse(KNOWN_GAPS.containsKey(name), () -> "known gap: " + KNOWN_GAPS.get(name));
        ThrowingRender render;
        if ("expression".equals(row.get("kind"))) {
            JinjaChatRenderer renderer = new JinjaChatRenderer((String) row.get("template"));
            Map<String, Object> context = (Map<String, Object>) row.get("context");
            render = () -> ChatFunctions.withClock(NOW, () -> renderer.render(context));
        } else {
            ChatTemplate t = ChatTemplateParityTest.template((String) row.get("tokenizer"));
            List<Map<String, Object>> messages = (List<Map<String, Object>>) row.get("messages");
            Map<String, Object> options = new LinkedHashMap<>((Map<String, Object>) row.get("options"));
            boolean addGenerationPrompt = (Boolean) options.remove("add_generation_prompt");
            render = () -> ChatFunctions.withClock(NOW, () -> t.render(messages, addGenerationPrompt, options));
        }
        if (row.containsKey("expected")) {
            String want = (String) row.get("expected");
            String got = render.render();
            assertEquals(want, got, () -> name + "\n  expected " + LlamaCppVectors.escape(want)
                    + "\n  got      " + LlamaCppVectors.escape(got));
            return;
        }
        ChatTemplateException e = assertThrows(ChatTemplateException.class, render::render,
                () -> name + ": Jinja2 raised " + row.get("error") + ": " + row.get("message"));
        String message = (String) row.get("message");
        if (!OTHER_MESSAGES.containsKey(name)) {
            assertTrue(e.getMessage().contains(message), () -> name + ": expected a message holding Jinja2's \""
                    + message + "\", got \"" + e.getMessage() + "\"");
        }
    }

    private interface ThrowingRender {
        String render();
    }
}
