package dev.kindling.inference;

/** Why a generation ended (the names OpenAI-style APIs use, in lower case, via {@link #label()}). */
public enum FinishReason {
    /** An end token (EOS/EOT or a requested stop token) or a stop string. */
    STOP,
    /** {@code maxTokens} generated, or the context is full. */
    LENGTH;

    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
