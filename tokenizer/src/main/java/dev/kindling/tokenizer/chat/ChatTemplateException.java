package dev.kindling.tokenizer.chat;

/** A chat template that cannot be rendered for the given messages (including the template's own {@code raise_exception}). */
public class ChatTemplateException extends RuntimeException {
    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
