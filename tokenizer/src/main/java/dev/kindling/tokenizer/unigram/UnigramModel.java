package dev.kindling.tokenizer.unigram;

import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.hf.Model;
import dev.kindling.tokenizer.text.StringTrie;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Hugging Face's Unigram model (SentencePiece unigram: T5, ALBERT, XLM-R): the Viterbi best
 * segmentation of a piece under the pieces' log-probability scores, as {@code encode_optimized}
 * does: at each character, every vocabulary piece that starts there is a candidate; a character no
 * piece covers is an unknown node scored {@code min_score - 10}; consecutive unknown nodes (and the unk
 * piece itself, when the text holds its string) fuse;
 * unknown text becomes {@code <0xXX>} byte pieces with {@code byte_fallback}, else the unk id.
 */
public final class UnigramModel implements Model {
    private static final double UNK_PENALTY = 10.0;

    private final String[] pieces;
    private final double[] scores;
    private final Map<String, Integer> ids;
    /** The pieces of the lattice by text (all of {@link #ids} unless a mask left some out). */
    private final Map<String, Integer> latticeIds;
    private final StringTrie trie;
    private final int unkId;
    private final boolean byteFallback;
    private final boolean floatSums;
    private final double unkScore;
    private final int[] byteIds = new int[256];

    public UnigramModel(String[] pieces, double[] scores, int unkId, boolean byteFallback) {
        this(pieces, scores, unkId, byteFallback, null, false);
    }

    /**
     * A Unigram model whose lattice holds only the pieces {@code inLattice} marks (null: all), as the sentencepiece
     * library's holds its normal pieces alone (never a control, byte, unused or user-defined one); the unknown score is
     * then the lowest of theirs. With {@code floatSums} the best path score at each position is kept as a 32-bit float,
     * as sentencepiece's {@code best_path_score} is (HF's is 64-bit): over a long text the float loses the last
     * digits, so which of two nearly equal paths wins depends on it.
     */
    public UnigramModel(String[] pieces, double[] scores, int unkId, boolean byteFallback, boolean[] inLattice,
            boolean floatSums) {
        if (pieces.length != scores.length) {
            throw new IllegalArgumentException("pieces and scores differ in length");
        }
        if (unkId >= pieces.length) {
            throw new IllegalArgumentException("unk_id " + unkId + " is outside the vocab of " + pieces.length);
        }
        this.pieces = pieces;
        this.scores = scores;
        this.unkId = unkId;
        this.byteFallback = byteFallback;
        this.floatSums = floatSums;
        this.ids = new HashMap<>(pieces.length * 2);
        this.latticeIds = new HashMap<>(pieces.length * 2);
        List<String> keys = new ArrayList<>(pieces.length);
        List<Integer> vals = new ArrayList<>(pieces.length);
        double min = Double.MAX_VALUE;
        for (int i = 0; i < pieces.length; i++) {
            ids.putIfAbsent(pieces[i], i);
            if (inLattice == null || inLattice[i]) {
                latticeIds.putIfAbsent(pieces[i], i);
                keys.add(pieces[i]);
                vals.add(i);
                min = Math.min(min, scores[i]);
            }
        }
        this.unkScore = floatSums ? (double) ((float) min - (float) UNK_PENALTY) : min - UNK_PENALTY;
        this.trie = StringTrie.build(keys, vals.stream().mapToInt(Integer::intValue).toArray());
        Arrays.fill(byteIds, -1);
        for (int b = 0; b < 256; b++) {
            Integer id = ids.get(String.format("<0x%02X>", b));
            byteIds[b] = id == null ? -1 : id;
        }
    }

    @Override
    public void encode(CharSequence text, int from, int to, IntBuffer out, Workspace ws) {
        int n = to - from;
        if (n <= 0) {
            return;
        }
        double[] best = new double[n + 1];
        int[] startAt = new int[n + 1];
        int[] idAt = new int[n + 1];
        Arrays.fill(startAt, -1);
        int[] lens = new int[64];
        int[] vals = new int[64];
        for (int s = 0; s < n; ) {
            double here = best[s];
            int cp = Character.codePointAt(text, from + s);
            int charLen = Character.charCount(cp);
            boolean single = false;
            int m = trie.allPrefixes(text, from + s, to, lens, vals);
            if (m > lens.length) {
                lens = new int[m];
                vals = new int[m];
                m = trie.allPrefixes(text, from + s, to, lens, vals);
            }
            for (int k = 0; k < m; k++) {
                int end = s + lens[k];
                // sentencepiece: a double candidate (its score is a double there) against the float it stored
                double cand = here + scores[vals[k]];
                if (startAt[end] < 0 || cand > best[end]) {
                    best[end] = floatSums ? (float) cand : cand;
                    startAt[end] = s;
                    idAt[end] = vals[k];
                }
                single |= lens[k] == charLen;
            }
            if (!single) {
                int end = s + charLen;
                double cand = floatSums ? (double) ((float) here + (float) unkScore) : here + unkScore; // float + float there
                if (startAt[end] < 0 || cand > best[end]) {
                    best[end] = cand;
                    startAt[end] = s;
                    idAt[end] = -1; // unknown
                }
            }
            s += charLen;
        }
        // walk back; consecutive unknown nodes fuse into one piece. A node is unknown by its id, as in HF: the
        // unk piece itself ("<unk>" typed in the text) fuses with the unknown characters beside it
        List<int[]> spans = new ArrayList<>();
        int e = n;
        while (e > 0) {
            int s = startAt[e];
            int id = idAt[e] == unkId ? -1 : idAt[e];
            if (id < 0 && !spans.isEmpty() && spans.get(spans.size() - 1)[2] < 0) {
                spans.get(spans.size() - 1)[0] = s;
            } else {
                spans.add(new int[] {s, e, id});
            }
            e = s;
        }
        emit(text, from, spans, out);
    }

    /** Appends the ids of {@code spans} (last first; id -1: unknown text, as bytes with byte fallback, else unk). */
    private void emit(CharSequence text, int from, List<int[]> spans, IntBuffer out) {
        for (int i = spans.size() - 1; i >= 0; i--) {
            int[] sp = spans.get(i);
            if (sp[2] >= 0) {
                out.add(sp[2]);
                continue;
            }
            String piece = text.subSequence(from + sp[0], from + sp[1]).toString();
            Integer known = latticeIds.get(piece);
            if (known != null) {
                out.add(known);
            } else if (byteFallback && allBytes(piece)) {
                for (byte b : Utf8.encode(piece)) {
                    out.add(byteIds[b & 0xFF]);
                }
            } else if (unkId >= 0) {
                out.add(unkId);
            } else {
                throw new IllegalArgumentException("Unigram: \"" + piece + "\" has no piece and the model has no unk_id");
            }
        }
    }

    private boolean allBytes(String piece) {
        for (byte b : Utf8.encode(piece)) {
            if (byteIds[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    /** The unknown piece's id ({@code unk_id}), or -1. */
    public int unkId() {
        return unkId;
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < pieces.length ? pieces[id] : null;
    }

    @Override
    public int tokenToId(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    @Override
    public byte[] tokenBytes(int id) {
        String t = idToToken(id);
        if (t == null) {
            return null;
        }
        if (t.length() == 6 && t.startsWith("<0x") && t.endsWith(">")) {
            return new byte[] {(byte) Integer.parseInt(t.substring(3, 5), 16)};
        }
        return t.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }
}
