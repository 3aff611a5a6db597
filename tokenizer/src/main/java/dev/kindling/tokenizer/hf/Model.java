package dev.kindling.tokenizer.hf;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.Workspace;

/** A Hugging Face tokenizer model (BPE, WordPiece, Unigram, WordLevel): one pre-tokenized piece to ids. */
public interface Model {
    /** Appends the ids of the piece {@code text[from, to)} to {@code out}. */
    void encode(CharSequence text, int from, int to, IntBuffer out, Workspace ws);

    /** The largest id + 1 of the model's own vocabulary. */
    int vocabSize();

    /** The vocabulary string of {@code id}, or null. */
    String idToToken(int id);

    /** The id of a vocabulary string, or -1. */
    int tokenToId(String token);

    /**
     * The bytes {@code id} stands for when decoded by the matching decoder (byte-level characters
     * mapped back, {@code <0xXX>} as the byte, U+2581 as a space), or null when unknown.
     */
    byte[] tokenBytes(int id);
}
