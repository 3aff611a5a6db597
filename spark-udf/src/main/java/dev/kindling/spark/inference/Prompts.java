package dev.kindling.spark.inference;

import dev.kindling.inference.sample.RowSeeds;
import dev.kindling.inference.Engine;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.io.Columns;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Tokenizer;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * How a row becomes the model's prompt: a text column as it is (the engine adds BOS as the
 * vocabulary says), the same text as a user message through the model's chat template
 * ({@code chat}), or a {@code messages} column ({@code array<struct<role, content>>}, the content a string or
 * a list of OpenAI-style parts) through the chat template with the assistant header appended, or with its
 * final message left open for the model to continue ({@code continue_final_message}). A rendered chat prompt is encoded without adding special
 * tokens (the template holds BOS where the model wants it), as
 * {@code transformers.apply_chat_template(tokenize=True)} does.
 */
public final class Prompts implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The type of a messages column. */
    public static final DataType MESSAGES = DataTypes.createArrayType(new StructType()
            .add("role", DataTypes.StringType, true).add("content", DataTypes.StringType, true), true);

    /** The type of a messages column whose contents are OpenAI-style lists of parts ({@code [{type, text}]}). */
    public static final DataType MESSAGES_WITH_PARTS = DataTypes.createArrayType(new StructType()
            .add("role", DataTypes.StringType, true).add("content", DataTypes.createArrayType(new StructType()
                    .add("type", DataTypes.StringType, true).add("text", DataTypes.StringType, true), true), true), true);

    /**
     * The type of a messages column whose messages are maps ({@code [{"role": ..., "content": ...}]} written by pyarrow
     * from dicts with a map type, or a DataFrame typed so): each map is the message's dict, its keys read as a struct's
     * fields are.
     */
    public static final DataType MESSAGE_MAPS = DataTypes.createArrayType(
            DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType, true), true);

    /**
     * True for an array of structs with string {@code role} and {@code content} fields (strings of any collation, Spark 4's
     * {@code STRING COLLATE UTF8_LCASE}, too), in any order and with any other
     * fields ({@link #messages} reads them by name): chat data read from JSON has its fields sorted
     * ({@code struct<content, role>}) and may carry more keys ({@code name}), which the chat template sees as a Hugging Face
     * message dict's. The content may instead be a list of parts as OpenAI's API gives it (structs with a string
     * {@code type}: {@code [{"type": "text", "text": "..."}]}), which reaches the template as a list of dicts, as
     * transformers passes it: templates that iterate the parts (Gemma 3's) render them, and one that reads the content as a
     * string fails the row with its own error (Qwen3's) or prints the list (Llama 3's), as it does in transformers.
     */
    public static boolean isMessages(DataType type) {
        if (type instanceof org.apache.spark.sql.types.ArrayType a && isMessageMap(a.elementType())) {
            return true; // whether a map has a role and a content is each row's own check (checked)
        }
        if (!(type instanceof org.apache.spark.sql.types.ArrayType a) || !(a.elementType() instanceof StructType s)) {
            return false;
        }
        List<String> names = List.of(s.fieldNames());
        return names.contains("role") && names.contains("content") && Columns.isString(s.apply("role").dataType())
                && (Columns.isString(s.apply("content").dataType()) || isParts(s.apply("content").dataType()));
    }

    /** A map of strings to strings (of any collation): a message as a dict ({@link #MESSAGE_MAPS}). */
    public static boolean isMessageMap(DataType type) {
        return type instanceof org.apache.spark.sql.types.MapType m && Columns.isString(m.keyType()) && Columns.isString(m.valueType());
    }

    /** An array of structs with a string {@code type} field: OpenAI's content parts. */
    private static boolean isParts(DataType type) {
        return type instanceof org.apache.spark.sql.types.ArrayType a && a.elementType() instanceof StructType part
                && List.of(part.fieldNames()).contains("type") && Columns.isString(part.apply("type").dataType());
    }

    /** Whether a text prompt goes through the chat template. */
    public enum Chat {
        /** The text as it is. */
        OFF,
        /** As a user message through the chat template; a model without one fails the task. */
        ON,
        /** Through the chat template when the model has one (an instruct model), as it is otherwise (a base model). */
        AUTO;

        public static Chat parse(String s) {
            if (s == null) {
                throw dev.kindling.spark.KindlingException.usage("chat must be on, off or auto, not null");
            }
            return switch (s.toLowerCase(java.util.Locale.ROOT)) {
                case "off", "false", "no" -> OFF;
                case "on", "true", "yes" -> ON;
                case "auto" -> AUTO;
                default -> throw dev.kindling.spark.KindlingException.usage("chat must be on, off or auto, not " + s);
            };
        }
    }

    private final int textIndex;
    private final int messagesIndex;
    private final Chat chat;
    private final String systemPrompt;
    private final boolean continueFinalMessage;
    /** The stage or function, the model's path and the tokenizer file as given, for the messages; null where not named. */
    private String who;
    private String model;
    private String tokenizer;

    /**
     * @param textIndex     the prompt text column, or -1
     * @param messagesIndex the messages column, or -1 (exactly one of the two)
     * @param chat          whether the text goes through the chat template as a user message
     * @param systemPrompt  a system message put first (chat and messages only), or null; with text prompts the model
     *                      reads as they are (chat off, or auto on a model without a chat template) it is an error
     */
    public Prompts(int textIndex, int messagesIndex, Chat chat, String systemPrompt) {
        this(textIndex, messagesIndex, chat, systemPrompt, false);
    }

    /**
     * @param continueFinalMessage render the messages as transformers' {@code continue_final_message=True} (no generation
     *                             prompt, the final message left open: the model continues it, and the completion is the
     *                             continuation alone); messages only, as a text prompt is a user message followed by the
     *                             generation prompt, which transformers refuses together with it
     */
    public Prompts(int textIndex, int messagesIndex, Chat chat, String systemPrompt, boolean continueFinalMessage) {
        if ((textIndex < 0) == (messagesIndex < 0)) {
            throw new IllegalArgumentException("a prompt comes from a text column or a messages column");
        }
        if (continueFinalMessage && messagesIndex < 0) {
            throw new IllegalArgumentException("continue_final_message continues the final message of a messages column; a text "
                    + "prompt is a user message followed by the generation prompt (continue_final_message and add_generation_prompt "
                    + "are not compatible)");
        }
        this.textIndex = textIndex;
        this.messagesIndex = messagesIndex;
        this.chat = chat;
        this.systemPrompt = systemPrompt == null || systemPrompt.isEmpty() ? null : systemPrompt;
        this.continueFinalMessage = continueFinalMessage;
    }

    /**
     * Names {@code who} (the stage), {@code model} (its path as given) and {@code tokenizer} (a tokenizer file given for it,
     * or null or empty for the model's own vocabulary) in the chat template errors: they said "the model has no chat
     * template", and a pipeline of several Generate stages, or a job over several models, left which one to guess. Returns
     * this.
     */
    public Prompts forModel(String who, String model, String tokenizer) {
        this.who = who;
        this.model = model;
        this.tokenizer = tokenizer == null || tokenizer.isEmpty() ? null : tokenizer;
        return this;
    }

    /**
     * "the model M", or "the tokenizer T (given for the model M)": the one whose chat template is meant, as the engine takes
     * it from a tokenizer file given for the model rather than from the model.
     */
    private String whoseTemplate() {
        return tokenizer != null ? "the tokenizer " + tokenizer + (model == null ? "" : " (given for the model " + model + ")")
                : "the model" + (model == null ? "" : " " + model);
    }

    /** {@code message} after the stage's name, where it is known. */
    private String byWho(String message) {
        return who == null ? message : who + ": " + message;
    }

    public Prompts(int textIndex, int messagesIndex, boolean chat, String systemPrompt) {
        this(textIndex, messagesIndex, chat ? Chat.ON : Chat.OFF, systemPrompt);
    }

    /** True when {@code engine}'s model gets text prompts through its chat template. */
    public boolean templated(Engine engine) {
        return messagesIndex >= 0 || chat == Chat.ON
                || chat == Chat.AUTO && engine.tokenizer().flatMap(Tokenizer::chatTemplate).isPresent();
    }

    /**
     * A row's prompt for the model.
     *
     * @param text   what the model reads (the text, or the rendered chat prompt)
     * @param tokens the ids when the prompt was rendered from a chat template, else null (the
     *               engine encodes {@code text} with BOS)
     */
    public record Prompt(String text, int[] tokens) {
        /** A request for this prompt (sampling etc. still at their defaults). */
        public GenerationRequest request() {
            return tokens != null ? GenerationRequest.ofTokens(tokens) : GenerationRequest.of(text);
        }

        /** SHA-256 of the model-facing prompt text, hex: the row's identity for seeds. */
        public String id() {
            return sha256Hex(text);
        }
    }

    /** True when the row's prompt (or messages) column is null: it has no prompt. */
    public boolean isNull(Row row) {
        return row.isNullAt(textIndex >= 0 ? textIndex : messagesIndex);
    }

    /** The row's prompt, or null when its prompt (or messages) column is null. */
    public Prompt of(Engine engine, Row row) {
        if (textIndex >= 0) {
            if (row.isNullAt(textIndex)) {
                return null;
            }
            String text = row.getString(textIndex);
            if (!templated(engine)) {
                if (systemPrompt != null) {
                    // the model would read the prompt alone, and the system prompt would be lost without a trace (the
                    // distill stages wrote it into conversations the teacher answered without it)
                    throw dev.kindling.spark.KindlingException.usage(byWho("a system prompt is set, but " + whoseTemplate()
                            + " has no chat template (tokenizer.chat_template), so with chat auto the model reads the prompts as "
                            + "plain text and would never see the system prompt; give no system prompt, or a model or tokenizer "
                            + "file with a chat template"));
                }
                return new Prompt(text, null);
            }
            List<Map<String, Object>> messages = new ArrayList<>();
            messages.add(message("user", text));
            return render(engine, messages);
        }
        if (row.isNullAt(messagesIndex)) {
            return null;
        }
        Object value = row.get(messagesIndex);
        return render(engine, value instanceof String json ? messages(json) : messages(row.getList(messagesIndex)));
    }

    private Prompt render(Engine engine, List<Map<String, Object>> messages) {
        if (systemPrompt != null && (messages.isEmpty() || !"system".equals(messages.get(0).get("role")))) {
            messages.add(0, message("system", systemPrompt));
        }
        Tokenizer tok = engine.tokenizer().orElseThrow();
        ChatTemplate template = tok.chatTemplate().orElseThrow(() -> new dev.kindling.spark.KindlingException(
                byWho(whoseTemplate() + " has no chat template (tokenizer.chat_template); give plain prompts, or a tokenizer file "
                        + "with one")));
        // continuing: the final message (an assistant reply's start, "Sure, here is" or "{") is left open, and the
        // engine's completion is only what the model adds to it, as vLLM's continue_final_message returns new text only
        String rendered = continueFinalMessage ? template.renderContinuingFinalMessage(messages, Map.of()) : template.render(messages, true);
        return new Prompt(rendered, tok.encode(rendered, false));
    }

    static Map<String, Object> message(String role, String content) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("role", role);
        m.put("content", content);
        return m;
    }

    /**
     * A messages column's value as the template wants it: NULL fields other than {@code content} are absent, as keys missing
     * from a Hugging Face message dict (a struct cannot tell a key the JSON lacked from one it gave as null, and Spark's
     * reader gives every message every key of the file); nested structs are dicts and arrays lists ({@link #templateValue}).
     * A NULL content is None, as transformers passes a message's {@code "content": null}, in a message with tool calls
     * (OpenAI's assistant turn that only calls tools); in any other it is refused ({@link #checked}).
     */
    public static List<Map<String, Object>> messages(List<?> values) {
        List<Map<String, Object>> out = new ArrayList<>(values.size());
        for (Object v : values) {
            out.add(v == null ? null : v instanceof scala.collection.Map<?, ?> map ? messageOf(map) : messageOf((Row) v));
        }
        return checked(out);
    }

    /**
     * Messages given as their JSON text (an array of objects), as the template wants them: the dicts of
     * {@code json.loads}, as transformers passes them: the keys of every object in the text's order (Spark's structs from
     * JSON have them sorted by name, which a template printing {@code arguments | tojson} or iterating {@code .items()}
     * shows), a key given as {@code null} None and one the object lacks absent (Undefined), which templates tell apart
     * ({@code message.content is none}, {@code is defined}); the same checks.
     */
    public static List<Map<String, Object>> messages(String json) {
        Object parsed;
        try {
            parsed = JSON_MESSAGES.readValue(json, Object.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("the messages are not valid JSON: " + e.getOriginalMessage());
        }
        if (!(parsed instanceof List<?> list)) {
            throw new IllegalArgumentException("the messages are not a JSON array of {role, content} objects");
        }
        List<Map<String, Object>> out = new ArrayList<>(list.size());
        for (int i = 0; i < list.size(); i++) {
            Object m = list.get(i);
            if (m != null && !(m instanceof Map)) {
                throw new IllegalArgumentException("message " + i + " is not a {role, content} object");
            }
            @SuppressWarnings("unchecked")
            Map<String, Object> message = (Map<String, Object>) m;
            out.add(message);
        }
        return checked(out);
    }

    private static final com.fasterxml.jackson.databind.ObjectMapper JSON_MESSAGES = new com.fasterxml.jackson.databind.ObjectMapper()
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS.mappedFeature())
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_SINGLE_QUOTES.mappedFeature());

    /**
     * The messages' checks, each refusal naming the message: a NULL message, a role that is no string, a NULL or missing
     * content in a message without tool calls (a message that only calls tools has none, as OpenAI's API gives it).
     */
    private static List<Map<String, Object>> checked(List<Map<String, Object>> messages) {
        if (messages.isEmpty()) {
            // as transformers' apply_chat_template refuses it: templates rendered a bare assistant header (Llama 3) or
            // failed on an undefined messages[0]
            throw new IllegalArgumentException("the messages are empty: a chat template needs at least one message");
        }
        List<Map<String, Object>> out = new ArrayList<>(messages.size());
        for (int i = 0; i < messages.size(); i++) {
            Map<String, Object> m = messages.get(i);
            if (m == null) {
                throw new IllegalArgumentException("message " + i + " is null");
            }
            if (!(m.get("role") instanceof String role)) {
                throw new IllegalArgumentException("message " + i + (m.get("role") == null ? " has no role"
                        : "'s role is " + m.get("role").getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT) + " " + m.get("role")
                        + ", not text"));
            }
            if (m.get("content") == null && m.get("tool_calls") == null) {
                throw new IllegalArgumentException("message " + i + " (" + role + ") has " + (m.containsKey("content") ? "a NULL" : "no")
                        + " content and no tool calls; give its text (\"\" for an empty message): transformers would pass the template "
                        + (m.containsKey("content") ? "None, which chat templates print as \"None\"" : "Undefined, which chat templates print as \"\"")
                        + " or fail on");
            }
            out.add(m);
        }
        return out;
    }

    /** A struct as a dict: its NULL fields left out, as Spark gives NULL for the keys an object of the JSON lacks. */
    private static Map<String, Object> struct(Row r) {
        return struct(r, false);
    }

    /**
     * A message struct as a dict ({@link #struct}), a NULL {@code content} kept as None: every message has a content, so a
     * NULL one is a {@code "content": null} (a tool-calling turn), which transformers and Hugging Face datasets pass as None.
     */
    private static Map<String, Object> messageOf(Row r) {
        return struct(r, true);
    }

    /**
     * A message map ({@link #MESSAGE_MAPS}) as a dict, as {@link #messageOf(Row)} makes a struct one: a key with a NULL
     * value is absent, but for {@code content}, which is None; a key the map lacks is absent, which {@link #checked} names.
     */
    private static Map<String, Object> messageOf(scala.collection.Map<?, ?> map) {
        Map<String, Object> m = new LinkedHashMap<>();
        scala.jdk.CollectionConverters.MapHasAsJava(map).asJava().forEach((k, v) -> {
            if (v != null || "content".equals(k)) {
                m.put(String.valueOf(k), v);
            }
        });
        return m;
    }

    private static Map<String, Object> struct(Row r, boolean message) {
        Map<String, Object> m = new LinkedHashMap<>();
        String[] names = r.schema().fieldNames();
        for (int i = 0; i < names.length; i++) {
            if (!r.isNullAt(i)) {
                m.put(names[i], templateValue(r.get(i)));
            } else if (message && names[i].equals("content")) {
                m.put(names[i], null);
            }
        }
        return m;
    }

    /**
     * A Spark value as the chat template reads a JSON value: a struct (a message's {@code tool_calls[i].function}) a dict,
     * an array or a Spark map a list or dict, recursively. Spark hands them over as Row and Scala collections, which the
     * template saw as opaque objects: {@code tool_call.function.name} was undefined and Qwen3's template failed.
     */
    static Object templateValue(Object v) {
        if (v instanceof Row r) {
            return struct(r);
        }
        if (v instanceof scala.collection.Map<?, ?> map) {
            Map<Object, Object> out = new LinkedHashMap<>();
            scala.jdk.CollectionConverters.MapHasAsJava(map).asJava().forEach((k, x) -> out.put(templateValue(k), templateValue(x)));
            return out;
        }
        if (v instanceof scala.collection.Iterable<?> seq) {
            List<Object> out = new ArrayList<>();
            scala.jdk.CollectionConverters.IterableHasAsJava(seq).asJava().forEach(x -> out.add(templateValue(x)));
            return out;
        }
        return v;
    }

    /** Lower-case hex SHA-256 of the UTF-8 bytes of {@code s}. */
    public static String sha256Hex(String s) {
        return dev.kindling.inference.sample.RowSeeds.sha256Hex(s);
    }
}
