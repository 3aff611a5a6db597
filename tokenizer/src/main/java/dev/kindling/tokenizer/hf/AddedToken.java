package dev.kindling.tokenizer.hf;

/** An entry of tokenizer.json {@code added_tokens}. */
public record AddedToken(int id, String content, boolean singleWord, boolean lstrip, boolean rstrip,
        boolean normalized, boolean special) {}
