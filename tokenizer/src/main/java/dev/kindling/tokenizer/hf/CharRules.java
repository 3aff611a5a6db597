package dev.kindling.tokenizer.hf;

import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.Splits;
import dev.kindling.tokenizer.wordpiece.WordPieceModel;
import java.util.HashMap;
import java.util.Map;

/**
 * What a tokenizer.json pipeline's pre-tokenizer does to single characters, for {@link OffsetAligner}, which aligns the
 * tokens with the normalized text ({@link HfTokenizer#encodeWithOffsets}: nothing is removed or changed there, the
 * normalizer already ran): each character is put between two letters ({@code "a" + c + "a"}) through the pre-tokenizer,
 * and the answers are kept. One per {@link HfTokenizer#encodeWithOffsets} call (not thread-safe).
 */
final class CharRules implements OffsetAligner.Rules {
    private static final int BREAKS = 1;
    private static final int ISOLATED = 2;

    private final PreTokenizer preTokenizer;
    private final int wordUnknownId;
    private final Map<Integer, Integer> known = new HashMap<>();
    private final Splits in = new Splits();
    private final Splits out = new Splits();

    CharRules(PreTokenizer preTokenizer, Model model) {
        this.preTokenizer = preTokenizer;
        this.wordUnknownId = model instanceof WordPieceModel wp ? wp.tokenToId(wp.unkToken()) : -1;
    }

    @Override
    public boolean removed(int c) {
        return false;
    }

    @Override
    public boolean breaksWord(int c) {
        return (probe(c) & BREAKS) != 0;
    }

    @Override
    public boolean isolated(int c) {
        return (probe(c) & ISOLATED) != 0;
    }

    @Override
    public String normalized(int c) {
        return Character.toString(c);
    }

    @Override
    public int wordUnknownId() {
        return wordUnknownId;
    }

    /**
     * Between two letters the pre-tokenizer gives two words when {@code c} separates them (whitespace), three when
     * {@code c} is a word of its own (punctuation).
     */
    private int probe(int c) {
        Integer f = known.get(c);
        if (f == null) {
            f = 0;
            if (preTokenizer != null && c != 'a') {
                in.single("a" + Character.toString(c) + "a", false);
                preTokenizer.apply(in, out);
                f = out.count >= 3 ? ISOLATED : out.count == 2 ? BREAKS : 0;
            }
            known.put(c, f);
        }
        return f;
    }
}
