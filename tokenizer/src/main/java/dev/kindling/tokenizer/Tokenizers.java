package dev.kindling.tokenizer;

import dev.kindling.tokenizer.bpe.BpeModel;
import dev.kindling.tokenizer.bpe.ByteLevel;
import dev.kindling.tokenizer.bpe.VocabMap;
import dev.kindling.tokenizer.decode.Decoders;
import dev.kindling.tokenizer.hf.AddedVocabulary;
import dev.kindling.tokenizer.hf.HfTokenizer;
import dev.kindling.tokenizer.hf.PostProcessor;
import dev.kindling.tokenizer.pretokenize.ByteLevelPreTokenizer;
import java.util.List;

/** Tokenizers that need no file. */
public final class Tokenizers {
    private Tokenizers() {}

    /**
     * One token per UTF-8 byte (ids 0..255, GPT-2's byte characters as the pieces, no merges): a
     * lossless tokenizer for counting bytes-as-tokens and for demos without a model file.
     */
    public static Tokenizer byteLevel() {
        VocabMap vocab = new VocabMap(256);
        for (int b = 0; b < 256; b++) {
            vocab.put(String.valueOf(ByteLevel.toChar(b)), b);
        }
        BpeModel model = new BpeModel(new BpeModel.Spec(vocab, new String[0], new String[0], null, false, false, false, null, null), true);
        return new HfTokenizer("byte-level", model, null, new ByteLevelPreTokenizer(false, true), PostProcessor.NONE,
                Decoders.byteLevel(), new AddedVocabulary(List.of()), -1, -1, new int[0], null);
    }
}
