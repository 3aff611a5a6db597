package dev.kindling.tokenizer.hf;

import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.Splits;
import dev.kindling.tokenizer.wordpiece.WordPieceModel;
import java.util.HashMap;
import java.util.Map;

/**
 * What a tokenizer.json pipeline does to single characters, for {@link OffsetAligner}: each character is put between
 * two letters ({@code "a" + c + "a"}) through the normalizer, and that through the pre-tokenizer, and the answers are
 * kept. Between letters, not alone: alone, Prepend would put its {@code ▁} in front and Strip would remove a space.
 * One per {@link HfTokenizer#encodeWithOffsets} call (not thread-safe).
 */
final class CharRules implements OffsetAligner.Rules {
    private static final int BREAKS = 1;
    private static final int ISOLATED = 2;

    private record Probe(String normalized, int flags) {}

    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final int wordUnknownId;
    /** What the normalizer puts in front of a text's first letter (Prepend's {@code ▁}), or null when it changes "a". */
    private final String head;
    private final Map<Integer, Probe> known = new HashMap<>();
    private final Splits in = new Splits();
    private final Splits out = new Splits();

    CharRules(Normalizer normalizer, PreTokenizer preTokenizer, Model model) {
        this.normalizer = normalizer == null ? Normalizer.NONE : normalizer;
        this.preTokenizer = preTokenizer;
        this.wordUnknownId = model instanceof WordPieceModel wp ? wp.tokenToId(wp.unkToken()) : -1;
        String aa = this.normalizer.normalize("aa");
        this.head = aa.endsWith("aa") ? aa.substring(0, aa.length() - 1) : null;
    }

    @Override
    public boolean removed(int c) {
        return probe(c).normalized.isEmpty();
    }

    @Override
    public boolean removedAtEdge(int c) {
        return normalizer.normalize(Character.toString(c)).isEmpty();
    }

    @Override
    public boolean breaksWord(int c) {
        return (probe(c).flags & BREAKS) != 0;
    }

    @Override
    public boolean isolated(int c) {
        return (probe(c).flags & ISOLATED) != 0;
    }

    @Override
    public String normalized(int c) {
        return probe(c).normalized;
    }

    @Override
    public int wordUnknownId() {
        return wordUnknownId;
    }

    private Probe probe(int c) {
        Probe f = known.get(c);
        if (f == null) {
            f = probeNew(c);
            known.put(c, f);
        }
        return f;
    }

    /**
     * The normalizer's output for {@code c}: the middle of "a" + c + "a" normalized, without the spaces BERT puts around
     * a CJK ideograph (or alone where the middle cannot be told, as when NFC composes c with the "a" before it).
     * Between two letters the pre-tokenizer gives two words when {@code c} separates them (whitespace), three when
     * {@code c} is a word of its own (punctuation).
     */
    private Probe probeNew(int c) {
        String ch = Character.toString(c);
        String w = normalizer.normalize("a" + ch + "a");
        String n = normalizer.normalize(ch);
        if (head != null && w.startsWith(head) && w.endsWith("a") && w.length() > head.length()) {
            String middle = w.substring(head.length(), w.length() - 1);
            n = middle.strip().isEmpty() ? middle : middle.strip();
        }
        if (n.isEmpty() || preTokenizer == null || c == 'a') {
            return new Probe(n, 0);
        }
        in.single(w, false);
        preTokenizer.apply(in, out);
        return new Probe(n, out.count >= 3 ? ISOLATED : out.count == 2 ? BREAKS : 0);
    }
}
