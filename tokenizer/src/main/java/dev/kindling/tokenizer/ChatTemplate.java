package dev.kindling.tokenizer;

import dev.kindling.tokenizer.chat.JinjaChatRenderer;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A Hugging Face / GGUF chat template (Jinja), rendered with Jinjava the way
 * {@code transformers.apply_chat_template} renders it.
 *
 * <pre>{@code
 * ChatTemplate t = tokenizer.chatTemplate().orElseThrow();
 * String prompt = t.render(List.of(Map.of("role", "user", "content", "Hi!")), true);
 * int[] ids = tokenizer.encode(prompt, false);   // the template already holds BOS where the model wants it
 * }</pre>
 *
 * <p>Variables: {@code messages} (a list of {@code {role, content}} maps; content may also be a
 * list of parts), {@code add_generation_prompt}, the special tokens ({@code bos_token}, {@code eos_token},
 * {@code unk_token}, {@code pad_token}, ..., {@code additional_special_tokens}), {@code tools} and
 * {@code documents} (None unless given), plus any extra variables ({@code enable_thinking}, ...). A null
 * anywhere in them is Python's None, as a missing key is Jinja2's Undefined. Thread-safe.
 */
public final class ChatTemplate {
    private final String source;
    private final Map<String, Object> specialTokens;
    private volatile JinjaChatRenderer renderer; // built on first use: Jinjava takes a while to start

    /** A template given {@code bos_token} and {@code eos_token} ("" for null). */
    public ChatTemplate(String source, String bosToken, String eosToken) {
        this(source, Map.of("bos_token", bosToken == null ? "" : bosToken, "eos_token", eosToken == null ? "" : eosToken));
    }

    /**
     * A template given the tokenizer's special tokens as transformers passes them ({@code special_tokens_map}):
     * {@code bos_token}, {@code eos_token}, {@code unk_token}, {@code pad_token}, ... as strings,
     * {@code additional_special_tokens} as a list; a token the tokenizer does not set is left out (undefined).
     */
    public ChatTemplate(String source, Map<String, ?> specialTokens) {
        this.source = Objects.requireNonNull(source, "chat template source");
        this.specialTokens = Map.copyOf(specialTokens);
    }

    /** The special tokens the template sees (see {@link #ChatTemplate(String, Map)}). */
    public Map<String, Object> specialTokens() {
        return specialTokens;
    }

    /** The Jinja source as stored in the file. */
    public String source() {
        return source;
    }

    /** {@code bos_token}, "" when the tokenizer sets none. */
    public String bosToken() {
        return String.valueOf(specialTokens.getOrDefault("bos_token", ""));
    }

    /** {@code eos_token}, "" when the tokenizer sets none. */
    public String eosToken() {
        return String.valueOf(specialTokens.getOrDefault("eos_token", ""));
    }

    /** Renders {@code messages}; with {@code addGenerationPrompt} the assistant header is appended. */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt) {
        return render(messages, addGenerationPrompt, Map.of());
    }

    /**
     * Renders {@code messages} for the model to continue their final message (a prefilled assistant
     * reply), as {@code apply_chat_template(..., continue_final_message=True)}: without the generation
     * prompt, and cut right after the final message's text, so that whatever the template writes after a
     * message (an end-of-turn token) is left out. Fails when the final message has no text or the
     * template does not output it.
     */
    public String renderContinuingFinalMessage(List<? extends Map<String, ?>> messages, Map<String, ?> extraVariables) {
        if (messages.isEmpty()) {
            throw new IllegalArgumentException("continuing the final message needs a final message");
        }
        return JinjaChatRenderer.continueFinalMessage(messages, chat -> render(chat, false, extraVariables));
    }

    /** Renders with extra template variables (they may override the special tokens). */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
        Objects.requireNonNull(messages, "messages");

        java.util.Map<String, Object> vars = new java.util.HashMap<>();
        vars.putAll(specialTokens);
        // transformers passes these as None when the caller gives none: defined, and none
        vars.put("tools", null);
        vars.put("documents", null);
        vars.putAll(extraVariables);
        vars.put("messages", messages);
        vars.put("add_generation_prompt", addGenerationPrompt);
        JinjaChatRenderer r = renderer;
        if (r == null) {
            synchronized (this) {
                if (renderer == null) {
                    renderer = new JinjaChatRenderer(source);
                }
                r = renderer;
            }
        }
        return r.render(vars);
    }
}
