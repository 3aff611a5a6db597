package dev.kindling.tokenizer.hf;

import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.Splits;
import dev.kindling.tokenizer.wordpiece.WordPieceModel;
import java.util.HashMap;
import java.util.Map;

/**
 * What a tokenizer.json pipeline does to single characters, for {@link OffsetAligner}: each character is put through
 * the normalizer alone, and between two letters ({@code "a" + c + "a"}) through the normalizer and the pre-tokenizer,
 * and the answers are kept. One per {@link HfTokenizer#encodeWithOffsets} call (not thread-safe).
 */
final class CharRules implements OffsetAligner.Rules {
    private static final int REMOVED = 1;
    private static final int BREAKS = 2;
    private static final int ISOLATED = 4;

    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final int wordUnknownId;
    private final Map<Integer, Integer> known = new HashMap<>();
    private final Splits in = new Splits();
    private final Splits out = new Splits();

    CharRules(Normalizer normalizer, PreTokenizer preTokenizer, Model model) {
        this.normalizer = normalizer == null ? Normalizer.NONE : normalizer;
        this.preTokenizer = preTokenizer;
        this.wordUnknownId = model instanceof WordPieceModel wp ? wp.tokenToId(wp.unkToken()) : -1;
    }

    @Override
    public boolean removed(int c) {
        return (flags(c) & REMOVED) != 0;
    }

    @Override
    public boolean breaksWord(int c) {
        return (flags(c) & BREAKS) != 0;
    }

    @Override
    public boolean isolated(int c) {
        return (flags(c) & ISOLATED) != 0;
    }

    @Override
    public String normalized(int c) {
        return normalizer.normalize(Character.toString(c));
    }

    @Override
    public int wordUnknownId() {
        return wordUnknownId;
    }

    private int flags(int c) {
        Integer f = known.get(c);
        if (f == null) {
            f = probe(c);
            known.put(c, f);
        }
        return f;
    }

    /**
     * Removed: the normalizer gives nothing for {@code c}. Between two letters the pre-tokenizer gives two words when
     * {@code c} separates them (whitespace), three when {@code c} is a word of its own (punctuation).
     */
    private int probe(int c) {
        String ch = Character.toString(c);
        if (normalizer.normalize(ch).isEmpty()) {
            return REMOVED;
        }
        if (preTokenizer == null || c == 'a') {
            return 0;
        }
        in.single(normalizer.normalize("a" + ch + "a"), false);
        preTokenizer.apply(in, out);
        return out.count >= 3 ? ISOLATED : out.count == 2 ? BREAKS : 0;
    }
}
