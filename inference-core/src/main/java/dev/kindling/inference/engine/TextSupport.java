package dev.kindling.inference.engine;

import dev.kindling.tokenizer.StreamingDecoder;
import dev.kindling.tokenizer.Tokenizer;

/**
 * What the scheduler needs from a tokenizer to turn generated ids into text and to find stop
 * strings (an adapter over {@code dev.kindling.tokenizer.Tokenizer}, {@link #of}). Absent when the engine runs
 * at the token level only.
 */
public interface TextSupport {
    /** The exact bytes a token contributes to decoded text (empty for control tokens). */
    byte[] tokenBytes(int id);

    /**
     * The ids this tokenizer has text for: {@code 0..vocabSize()-1}. A model's output layer may have more rows (an
     * embedding padded to a multiple of 64 or 128, as Qwen's 151,936 rows over 151,665 tokens); those ids are never sampled
     * but for a generation's end and stop ids among them, which end it and need no text.
     */
    default int vocabSize() {
        return Integer.MAX_VALUE;
    }

    /** Control/special tokens (left out of completion text). */
    boolean isSpecial(int id);

    /**
     * True when the tokenizer's decoding drops the space that the first word's token begins with (SentencePiece's
     * dummy prefix), so a generation right after BOS starts without it; a byte-level BPE (GPT-2, Llama 3) keeps it.
     */
    boolean dropsSpaceAfterBos();

    /** A streaming decoder for one generation; {@code stripLeadingSpace} after BOS, as {@link #dropsSpaceAfterBos}. */
    PieceDecoder newDecoder(boolean stripLeadingSpace);

    /** Incremental text of a token stream: only complete UTF-8 characters come out. */
    interface PieceDecoder {
        String next(int id);

        /** What is still held back when the stream ends: a character it ended inside comes out as U+FFFD. */
        String flush();
    }

    /** The text support of {@code tokenizer} (control tokens left out of the text). */
    static TextSupport of(Tokenizer tokenizer) {
        boolean dropsSpace = decodeDropsFirstSpace(tokenizer);
        return new TextSupport() {
            @Override
            public byte[] tokenBytes(int id) {
                return tokenizer.tokenBytes(id);
            }

            @Override
            public int vocabSize() {
                return tokenizer.vocabSize();
            }

            @Override
            public boolean isSpecial(int id) {
                return tokenizer.isSpecial(id);
            }

            @Override
            public boolean dropsSpaceAfterBos() {
                return dropsSpace;
            }

            @Override
            public PieceDecoder newDecoder(boolean stripLeadingSpace) {
                StreamingDecoder d = StreamingDecoder.ofTokenBytes(tokenizer, true, stripLeadingSpace);
                return new PieceDecoder() {
                    @Override
                    public String next(int id) {
                        return d.next(id);
                    }

                    @Override
                    public String flush() {
                        return d.flush();
                    }
                };
            }
        };
    }

    /**
     * Whether decoding the first token that is a space and a word loses the space: asked of the tokenizer itself, which
     * knows its kind and its settings (SentencePiece's {@code add_space_prefix}, a Metaspace decoder's prepend scheme).
     */
    private static boolean decodeDropsFirstSpace(Tokenizer tokenizer) {
        for (int id = 0; id < tokenizer.vocabSize(); id++) {
            if (!tokenizer.isSpecial(id)) {
                byte[] b = tokenizer.tokenBytes(id);
                if (b.length > 1 && b[0] == ' ' && b[1] != ' ') {
                    return !tokenizer.decode(new int[] {id}, true).startsWith(" ");
                }
            }
        }
        return false;
    }
}
