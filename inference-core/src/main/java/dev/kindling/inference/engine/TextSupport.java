package dev.kindling.inference.engine;

/**
 * What the scheduler needs from a tokenizer to turn generated ids into text and to find stop
 * strings (an adapter over {@code dev.kindling.tokenizer.Tokenizer}). Absent when the engine runs
 * at the token level only.
 */
public interface TextSupport {
    /** The exact bytes a token contributes to decoded text (empty for control tokens). */
    byte[] tokenBytes(int id);

    /** Control/special tokens (left out of completion text). */
    boolean isSpecial(int id);

    /** A streaming decoder for one generation; {@code stripLeadingSpace} after BOS, as SentencePiece. */
    PieceDecoder newDecoder(boolean stripLeadingSpace);

    /** Incremental text of a token stream: only complete UTF-8 characters come out. */
    interface PieceDecoder {
        String next(int id);

        /** What is still held back when the stream ends: a character it ended inside comes out as U+FFFD. */
        String flush();
    }
}
