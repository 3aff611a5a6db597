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
 * list of parts), {@code add_generation_prompt}, {@code bos_token}, {@code eos_token}, {@code tools} and
 * {@code documents} (None unless given), plus any extra variables ({@code enable_thinking}, ...). A null
 * anywhere in them is Python's None, as a missing key is Jinja2's Undefined. Thread-safe.
 */
public final class ChatTemplate {
    private final String source;
    private final String bosToken;
    private final String eosToken;
    private volatile JinjaChatRenderer renderer; // built on first use: Jinjava takes a while to start

    public ChatTemplate(String source, String bosToken, String eosToken) {
        this.source = Objects.requireNonNull(source, "chat template source");
        this.bosToken = bosToken == null ? "" : bosToken;
        this.eosToken = eosToken == null ? "" : eosToken;
    }

    /** The Jinja source as stored in the file. */
    public String source() {
        return source;
    }

    public String bosToken() {
        return bosToken;
    }

    public String eosToken() {
        return eosToken;
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
        String rendered = render(messages, false, extraVariables);
        return JinjaChatRenderer.continueFinalMessage(rendered, messages.get(messages.size() - 1).get("content"));
    }

    /** Renders with extra template variables (they may override {@code bos_token}/{@code eos_token}). */
    public String render(List<? extends Map<String, ?>> messages, boolean addGenerationPrompt, Map<String, ?> extraVariables) {
        Objects.requireNonNull(messages, "messages");
        java.util.Map<String, Object> vars = new java.util.HashMap<>();
        vars.put("bos_token", bosToken);
        vars.put("eos_token", eosToken);
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
