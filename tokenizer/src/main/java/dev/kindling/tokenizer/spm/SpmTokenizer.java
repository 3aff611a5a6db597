package dev.kindling.tokenizer.spm;

import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.AbstractTokenizer;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.bpe.BpeMerger;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.PairTable;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.normalize.PrecompiledCharsMap;
import dev.kindling.tokenizer.offsets.FormAlignment;
import dev.kindling.tokenizer.text.StringTrie;
import dev.kindling.tokenizer.unigram.UnigramModel;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A SentencePiece-style vocabulary of scored pieces, encoded by greedy score merging: start from
 * single characters and repeatedly merge the adjacent pair whose concatenation is a piece with the
 * highest score (the leftmost on ties); characters that never form a piece fall back to
 * {@code <0xXX>} byte pieces. Two flavours of the same rule:
 *
 * <ul>
 *   <li>{@link Algorithm#LLAMA_CPP}: llama.cpp's {@code llm_tokenizer_spm} for GGUF
 *       {@code tokenizer.ggml.model = llama}: spaces become U+2581, a U+2581 is prepended to the
 *       first text fragment and to each fragment after a special token ({@code add_space_prefix}),
 *       control/user-defined token text is split off first, unknown characters become byte tokens
 *       after merging;</li>
 *   <li>{@link Algorithm#LLAMA2C}: llama2.c's {@code run.c encode()} for {@code tokenizer.bin}:
 *       pieces hold plain spaces, a {@code " "} dummy-prefix token starts non-empty text, unknown
 *       code points become byte ids {@code byte + 3} before merging, BOS is id 1;</li>
 *   <li>{@link Algorithm#SENTENCEPIECE}: the {@code sentencepiece} library's BPE model for a {@code tokenizer.model}
 *       ({@link SentencePieceModelFile}): each text fragment is normalized as its normalizer spec says (extra
 *       spaces removed, a dummy-prefix space, spaces as U+2581) before merging, only normal, user-defined and
 *       unused pieces are merge results (never a control or byte piece), user-defined pieces are matched in the
 *       normalized text and never merged further, and a character no piece holds becomes its {@code <0xXX>} byte
 *       pieces with byte fallback, else one unknown id per run of such characters.</li>
 * </ul>
 *
 * <p>Scores are turned into ranks (higher score = lower rank, equal scores = equal rank) so the
 * shared {@link BpeMerger} runs the loop; ties are broken leftmost exactly as both originals do.
 */
public final class SpmTokenizer extends AbstractTokenizer {
    // llama.cpp / GGUF token types
    /** A GGUF token type of none of the others (llama.cpp's LLAMA_TOKEN_TYPE_UNDEFINED); sentencepiece has none. */
    public static final int UNDEFINED = 0;
    public static final int NORMAL = 1;
    public static final int UNKNOWN = 2;
    public static final int CONTROL = 3;
    public static final int USER_DEFINED = 4;
    public static final int UNUSED = 5;
    public static final int BYTE = 6;

    private static final char SPACE_MARK = '\u2581';

    public enum Algorithm { LLAMA_CPP, LLAMA2C, SENTENCEPIECE }

    private final Algorithm algorithm;
    private final String[] pieces;
    private final int[] types;
    private final Map<String, Integer> pieceIds;
    private final int[] bmpIds;
    private final Map<Integer, Integer> supplementaryIds;
    private final int[] virtualCps;
    private final Map<Integer, Integer> virtualIds;
    private final int[] byteIds = new int[256];
    private final byte[][] tokenBytes;
    private final BpeMerger merger;
    private final boolean addSpacePrefix;
    private final boolean addBos;
    private final boolean addEos;
    private final int unkId;
    private final StringTrie specialTrie;
    /** SENTENCEPIECE: the user-defined pieces, matched in the normalized text of each fragment. */
    private final StringTrie userDefinedTrie;
    private final boolean removeExtraWhitespaces;
    private final boolean escapeWhitespaces;
    private final boolean byteFallback;
    /** SENTENCEPIECE with a character map in its normalizer spec; null without one (and for the other algorithms). */
    private final CharsMapNormalizer charsMapNormalizer;
    /** SENTENCEPIECE with model type UNIGRAM: segments instead of the merger; null for BPE. */
    private final UnigramModel unigram;
    private final boolean[] rstrip;
    private final boolean[] lstrip;

    /**
     * Everything a vocabulary file says. {@code addSpacePrefix} is SentencePiece's {@code add_dummy_prefix};
     * {@code removeExtraWhitespaces}, {@code escapeWhitespaces} and {@code byteFallback} are read by
     * {@link Algorithm#SENTENCEPIECE} only (the others escape spaces and fall back to bytes always), and so is
     * {@code unigram}: a sentencepiece UNIGRAM model, each stretch between user-defined pieces segmented by
     * {@link UnigramModel}'s Viterbi over the normal pieces' scores instead of merged; and so is {@code charsMap},
     * the normalizer spec's character map (null: none), which {@link CharsMapNormalizer} applies.
     */
    public record Spec(String name, Algorithm algorithm, String[] pieces, float[] scores, int[] types,
            int bosId, int eosId, int unkId, int[] stopIds, boolean addBos, boolean addEos,
            boolean addSpacePrefix, ChatTemplate chatTemplate, int[] rstripIds, int[] lstripIds,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces, boolean byteFallback, boolean unigram,
            PrecompiledCharsMap charsMap) {

        /** A GGUF or llama2.c vocabulary, which has no normalizer spec. */
        public Spec(String name, Algorithm algorithm, String[] pieces, float[] scores, int[] types,
                int bosId, int eosId, int unkId, int[] stopIds, boolean addBos, boolean addEos,
                boolean addSpacePrefix, ChatTemplate chatTemplate, int[] rstripIds, int[] lstripIds) {
            this(name, algorithm, pieces, scores, types, bosId, eosId, unkId, stopIds, addBos, addEos, addSpacePrefix,
                    chatTemplate, rstripIds, lstripIds, false, true, true, false, null);
        }
    }

    public SpmTokenizer(Spec s) {
        super(s.name(), s.bosId(), s.eosId(), s.stopIds(), s.chatTemplate());
        this.algorithm = s.algorithm();
        this.pieces = s.pieces();
        int n = pieces.length;
        this.types = s.types() != null ? s.types() : filled(n, NORMAL);
        this.addSpacePrefix = s.addSpacePrefix();
        this.addBos = s.addBos();
        this.addEos = s.addEos();
        this.unkId = s.unkId();
        this.removeExtraWhitespaces = s.removeExtraWhitespaces();
        this.escapeWhitespaces = s.escapeWhitespaces();
        this.byteFallback = s.byteFallback();
        this.unigram = s.unigram() && algorithm == Algorithm.SENTENCEPIECE ? unigramOf(s) : null;
        this.pieceIds = new HashMap<>(n * 2);
        for (int i = 0; i < n; i++) {
            // a duplicate piece maps to its last id (a GGUF's is refused when read, as llama.cpp refuses it)
            pieceIds.put(pieces[i], i);
        }
        this.bmpIds = new int[65536];
        Arrays.fill(bmpIds, -1);
        this.supplementaryIds = new HashMap<>();
        for (Map.Entry<String, Integer> e : pieceIds.entrySet()) {
            if (!mergeable(e.getValue())) {
                continue;
            }
            String p = e.getKey();
            if (p.length() == 1) {
                bmpIds[p.charAt(0)] = e.getValue();
            } else if (p.length() == 2 && p.codePointCount(0, 2) == 1) {
                supplementaryIds.put(p.codePointAt(0), e.getValue());
            }
        }
        Arrays.fill(byteIds, -1);
        for (int i = 0; i < n; i++) {
            int b = parseByteToken(pieces[i]);
            if (b >= 0 && (algorithm == Algorithm.LLAMA2C || types[i] == BYTE)) {
                if (byteIds[b] < 0) {
                    byteIds[b] = i;
                }
            }
        }
        if (algorithm == Algorithm.LLAMA_CPP) {
            // llama.cpp's byte_to_token falls back to the byte as a one-character piece
            for (int b = 0; b < 256; b++) {
                if (byteIds[b] < 0 && b < 0x80 && bmpIds[b] >= 0) {
                    byteIds[b] = bmpIds[b];
                }
            }
        }
        this.tokenBytes = new byte[n][];
        for (int i = 0; i < n; i++) {
            tokenBytes[i] = computeTokenBytes(i);
        }

        // virtual symbols: single code points that occur as one side of a piece split but are not pieces
        this.virtualIds = new HashMap<>();
        List<Integer> virt = new ArrayList<>();
        float[] scores = s.scores() != null ? s.scores() : new float[n];
        int[] rank = scoreRanks(scores);
        PairTable.Builder pb = new PairTable.Builder(n * 2, PairTable.OnDuplicate.LOWEST_RANK);
        for (int t = 0; t < n; t++) {
            if (pieceIds.get(pieces[t]) != t || !mergeable(t)) {
                continue; // shadowed duplicate: never produced by a lookup; or a piece sentencepiece never merges into
            }
            if (algorithm == Algorithm.LLAMA2C && !(scores[t] > -1e10f)) {
                continue; // run.c only merges when the score beats its initial best of -1e10
            }
            String p = pieces[t];
            int cps = p.codePointCount(0, p.length());
            if (cps < 2) {
                continue;
            }
            int k = p.offsetByCodePoints(0, 1);
            while (k < p.length()) {
                int left = symbolOf(p, 0, k, virt, true);
                int right = symbolOf(p, k, p.length(), virt, true);
                if (left >= 0 && right >= 0) {
                    pb.put(left, right, rank[t], t);
                }
                k = p.offsetByCodePoints(k, 1);
            }
        }
        this.virtualCps = virt.stream().mapToInt(Integer::intValue).toArray();
        this.merger = new BpeMerger(pb.build());

        // special text split off before merging (llama.cpp: CONTROL, USER_DEFINED and UNKNOWN tokens)
        List<String> keys = new ArrayList<>();
        List<Integer> vals = new ArrayList<>();
        List<String> userKeys = new ArrayList<>();
        List<Integer> userVals = new ArrayList<>();
        if (algorithm != Algorithm.LLAMA2C) {
            for (int i = 0; i < n; i++) {
                if (algorithm == Algorithm.SENTENCEPIECE && types[i] == USER_DEFINED) {
                    userKeys.add(pieces[i]);
                    userVals.add(i);
                } else if (types[i] == CONTROL || types[i] == USER_DEFINED || types[i] == UNKNOWN) {
                    keys.add(pieces[i]);
                    vals.add(i);
                }
            }
        }
        this.specialTrie = StringTrie.build(keys, vals.stream().mapToInt(Integer::intValue).toArray());
        this.userDefinedTrie = StringTrie.build(userKeys, userVals.stream().mapToInt(Integer::intValue).toArray());
        this.charsMapNormalizer = s.charsMap() != null && algorithm == Algorithm.SENTENCEPIECE ? new CharsMapNormalizer(
                s.charsMap(), userDefinedTrie, addSpacePrefix, removeExtraWhitespaces, escapeWhitespaces) : null;
        this.rstrip = new boolean[n];
        this.lstrip = new boolean[n];
        if (s.rstripIds() != null) {
            for (int id : s.rstripIds()) {
                rstrip[id] = true;
            }
        }
        if (s.lstripIds() != null) {
            for (int id : s.lstripIds()) {
                lstrip[id] = true;
            }
        }
    }

    /**
     * Whether a merge may produce piece {@code id}, or an initial symbol be it: sentencepiece merges into normal,
     * user-defined and unused pieces only (its {@code pieces_}); control, unknown and byte pieces are reserved.
     */
    private boolean mergeable(int id) {
        return algorithm != Algorithm.SENTENCEPIECE || types[id] == NORMAL || types[id] == USER_DEFINED || types[id] == UNUSED;
    }

    /** The lattice of sentencepiece's unigram model: its normal pieces (user-defined ones are split off before). */
    private UnigramModel unigramOf(Spec s) {
        int n = pieces.length;
        double[] scores = new double[n];
        boolean[] inLattice = new boolean[n];
        for (int i = 0; i < n; i++) {
            scores[i] = s.scores() != null ? s.scores()[i] : 0;
            inLattice[i] = types[i] == NORMAL;
        }
        return new UnigramModel(pieces, scores, unkId, byteFallback, inLattice, true);
    }

    private static int[] filled(int n, int v) {
        int[] a = new int[n];
        Arrays.fill(a, v);
        return a;
    }

    /** Dense ranks: the highest score gets rank 0; equal scores share a rank. */
    static int[] scoreRanks(float[] scores) {
        int n = scores.length;
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = scores[i] == 0f ? 0f : scores[i]; // -0.0 counts as 0.0, as C's comparison does
        }
        float[] asc = v.clone();
        Arrays.sort(asc);
        float[] desc = new float[n];
        int m = 0;
        for (int i = n - 1; i >= 0; i--) {
            if (m == 0 || Float.compare(desc[m - 1], asc[i]) != 0) {
                desc[m++] = asc[i];
            }
        }
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) {
            int lo = 0;
            int hi = m - 1;
            while (lo < hi) { // first index whose value is <= v[i] in the strictly decreasing desc
                int mid = (lo + hi) >>> 1;
                if (Float.compare(desc[mid], v[i]) > 0) {
                    lo = mid + 1;
                } else {
                    hi = mid;
                }
            }
            rank[i] = lo;
        }
        return rank;
    }

    /**
     * The merge symbol of {@code p[from, to)}: the piece id, or for a single code point that is not a
     * piece, a virtual id (registered when {@code register}); -1 when it can be no symbol.
     */
    private int symbolOf(String p, int from, int to, List<Integer> virt, boolean register) {
        Integer id = pieceIds.get(p.substring(from, to));
        if (id != null && mergeable(id)) {
            return id;
        }
        int cp = p.codePointAt(from);
        if (Character.charCount(cp) != to - from) {
            return -1;
        }
        Integer v = virtualIds.get(cp);
        if (v == null) {
            if (!register) {
                return -1;
            }
            v = pieces.length + virt.size();
            virt.add(cp);
            virtualIds.put(cp, v);
        }
        return v;
    }

    /** Parses {@code <0xHH>}; -1 when the piece is not a byte piece. */
    static int parseByteToken(String p) {
        if (p.length() != 6 || !p.startsWith("<0x") || p.charAt(5) != '>') {
            return -1;
        }
        int hi = Character.digit(p.charAt(3), 16);
        int lo = Character.digit(p.charAt(4), 16);
        return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
    }

    private byte[] computeTokenBytes(int id) {
        String p = pieces[id];
        int b = parseByteToken(p);
        if (algorithm == Algorithm.LLAMA2C) {
            return b >= 0 ? new byte[] {(byte) b} : p.getBytes(StandardCharsets.UTF_8);
        }
        switch (types[id]) {
            case BYTE:
                if (b >= 0) {
                    return new byte[] {(byte) b};
                }
                return p.getBytes(StandardCharsets.UTF_8);
            case UNUSED:
                // llama.cpp's token_to_piece gives an unused token (a converter's [PADi]) no text; sentencepiece a piece's
                return algorithm == Algorithm.LLAMA_CPP ? new byte[0] : p.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case CONTROL:
            case UNKNOWN:
                return p.getBytes(StandardCharsets.UTF_8);
            case NORMAL:
                return p.replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8);
            case USER_DEFINED:
                // sentencepiece decodes a user-defined piece's U+2581 as a space, llama.cpp keeps its text
                return (algorithm == Algorithm.SENTENCEPIECE ? p.replace(SPACE_MARK, ' ') : p).getBytes(StandardCharsets.UTF_8);
            case UNDEFINED:
            default: // a type number llama.cpp does not know, which it reads as UNDEFINED
                // llama.cpp's token_to_piece gives text only to normal, control, unknown, user-defined and byte tokens
                return algorithm == Algorithm.LLAMA_CPP ? new byte[0] : p.getBytes(StandardCharsets.UTF_8);
        }
    }

    /** The merge symbol of one code point of the text. */
    private int symbolOfCodePoint(int cp) {
        int id = cp < 65536 ? bmpIds[cp] : supplementaryIds.getOrDefault(cp, -1);
        if (id >= 0) {
            return id;
        }
        Integer v = virtualIds.get(cp);
        return v != null ? v : -(cp + 1);
    }

    public Algorithm algorithm() {
        return algorithm;
    }

    @Override
    public int vocabSize() {
        return pieces.length;
    }

    /**
     * The BOS and EOS that {@code addSpecialTokens} adds are [0, 0), and the text's tokens are aligned without them: the
     * aligner, given the BOS too, matched it to a {@code <s>} the text starts with, which then got [0, 0), as HF gives
     * neither.
     */
    @Override
    public Encoding encodeWithOffsets(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        String t = Utf8.scrubSurrogates(requireText(text));
        if (algorithm == Algorithm.SENTENCEPIECE) {
            return sentencePieceOffsets(t, addSpecialTokens, parseSpecialTokens);
        }
        int[] ids = encode(t, addSpecialTokens, parseSpecialTokens);
        int head = addSpecialTokens && addsBos() && ids.length > 0 && ids[0] == bosId() ? 1 : 0;
        int tail = addSpecialTokens && algorithm != Algorithm.LLAMA2C && addsEos() && ids.length > head
                && ids[ids.length - 1] == eosId() ? 1 : 0;
        // llama.cpp puts the space in front of the first fragment and of each one after a special token
        Encoding e = OffsetAligner.align(this, t, Arrays.copyOfRange(ids, head, ids.length - tail),
                addSpacePrefix ? OffsetAligner.Prefix.ALWAYS : OffsetAligner.Prefix.NONE, OffsetAligner.Rules.GUESS, unkId);
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        System.arraycopy(e.starts(), 0, starts, head, e.size());
        System.arraycopy(e.ends(), 0, ends, head, e.size());
        return new Encoding(ids, starts, ends);
    }

    /**
     * {@link Algorithm#SENTENCEPIECE}: the text is split at the special tokens as {@link #encodeSentencePiece} splits
     * it, a special token covers its text, and each fragment between them is encoded and aligned on its own, as it is
     * normalized on its own. Aligned as one text, a special token spelled after spaces that {@code
     * remove_extra_whitespaces} dropped ({@code b <s> x}) was looked for at the first of them: it got [0, 0) and the
     * next token the rest. With a character map each fragment's tokens are aligned with its mapped text, then taken
     * back to the text through the map.
     */
    private Encoding sentencePieceOffsets(String t, boolean addSpecial, boolean parseSpecial) {
        Workspace ws = Workspace.get();
        IntBuffer ids = new IntBuffer();
        IntBuffer starts = new IntBuffer();
        IntBuffer ends = new IntBuffer();
        if (addSpecial && addBos && bosId() >= 0) {
            ids.add(bosId());
            starts.add(0);
            ends.add(0);
        }
        int n = t.length();
        int start = 0;
        int i = 0;
        while (parseSpecial && i < n && !specialTrie.isEmpty()) {
            long m = specialTrie.longestAt(t, i, n);
            if (m < 0) {
                i++;
                continue;
            }
            if (i > start) {
                alignFragment(t, start, i, ids, starts, ends, ws);
            }
            int end = i + (int) (m >>> 32);
            ids.add((int) m);
            starts.add(i);
            ends.add(end);
            i = end;
            start = i;
        }
        if (n > start) {
            alignFragment(t, start, n, ids, starts, ends, ws);
        }
        if (addSpecial && addEos && eosId() >= 0) {
            ids.add(eosId());
            starts.add(0);
            ends.add(0);
        }
        return new Encoding(ids.toArray(), starts.toArray(), ends.toArray());
    }

    private void alignFragment(String t, int from, int to, IntBuffer ids, IntBuffer starts, IntBuffer ends, Workspace ws) {
        IntBuffer fragment = new IntBuffer();
        encodeNormalized(normalize(t, from, to), fragment, ws);
        String segment = t.substring(from, to);
        FormAlignment mapped = null;
        if (charsMapNormalizer != null) {
            StringBuilder out = new StringBuilder(segment.length() + 8);
            IntBuffer st = new IntBuffer();
            IntBuffer en = new IntBuffer();
            charsMapNormalizer.mapped(segment, 0, segment.length(), out, st, en);
            mapped = CharsMapNormalizer.alignment(out, st, en, segment.length());
        }
        Encoding e = OffsetAligner.align(this, mapped == null ? segment : mapped.normalized(), fragment.toArray(),
                addSpacePrefix ? OffsetAligner.Prefix.ALWAYS : OffsetAligner.Prefix.NONE, OffsetAligner.Rules.GUESS, unkId);
        for (int k = 0; k < e.size(); k++) {
            int a = e.start(k);
            int b = e.end(k);
            ids.add(fragment.get(k));
            starts.add(from + (mapped == null ? a : mapped.start(a, b)));
            ends.add(from + (mapped == null ? b : mapped.end(a, b)));
        }
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        requireText(text);
        Workspace ws = Workspace.get();
        IntBuffer out = new IntBuffer();
        switch (algorithm) {
            case LLAMA2C -> encodeLlama2c(text, addSpecialTokens, out, ws);
            case LLAMA_CPP -> encodeLlamaCpp(text, addSpecialTokens, parseSpecialTokens, out, ws);
            case SENTENCEPIECE -> encodeSentencePiece(text, addSpecialTokens, parseSpecialTokens, out, ws);
        }
        return out.toArray();
    }

    private void encodeLlamaCpp(String text, boolean addSpecial, boolean parseSpecial, IntBuffer out, Workspace ws) {
        if (addSpecial && addBos && bosId() >= 0) {
            out.add(bosId());
        }
        boolean prevSpecial = true;
        int n = text.length();
        int start = 0;
        int i = 0;
        while (i < n && !specialTrie.isEmpty()) {
            long m = specialTrie.longestAt(text, i, n);
            if (m < 0) {
                i++;
                continue;
            }
            int id = (int) m;
            int len = (int) (m >>> 32);
            if (!parseSpecial && types[id] != USER_DEFINED) {
                i++;
                continue;
            }
            int fragEnd = i;
            if (lstrip[id]) {
                while (fragEnd > start && isAsciiSpace(text.charAt(fragEnd - 1))) {
                    fragEnd--;
                }
            }
            if (fragEnd > start) {
                encodeFragment(text, start, fragEnd, prevSpecial, out, ws);
            }
            out.add(id);
            prevSpecial = true;
            i += len;
            if (rstrip[id]) {
                while (i < n && isAsciiSpace(text.charAt(i))) {
                    i++;
                }
            }
            start = i;
        }
        if (n > start) {
            encodeFragment(text, start, n, prevSpecial, out, ws);
        }
        if (addSpecial && addEos && eosId() >= 0) {
            out.add(eosId());
        }
    }

    private static boolean isAsciiSpace(char c) {
        return c == ' ' || (c >= '\t' && c <= '\r');
    }

    private void encodeFragment(String text, int from, int to, boolean prependSpace, IntBuffer out, Workspace ws) {
        int[] sym = ws.symbols(to - from + 1);
        int k = 0;
        if (addSpacePrefix && prependSpace) {
            sym[k++] = symbolOfCodePoint(SPACE_MARK);
        }
        for (int i = from; i < to; ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && cp < 65536) {
                cp = 0xFFFD;
            }
            sym[k++] = symbolOfCodePoint(cp == ' ' ? SPACE_MARK : cp);
        }
        k = merger.merge(sym, k, ws);
        emit(sym, k, out);
    }

    private void emit(int[] sym, int k, IntBuffer out) {
        int n = pieces.length;
        for (int j = 0; j < k; j++) {
            int s = sym[j];
            if (s >= 0 && s < n) {
                out.add(s);
                continue;
            }
            int cp = s >= n ? virtualCps[s - n] : -(s + 1);
            byte[] utf8 = new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8);
            for (byte b : utf8) {
                int id = algorithm == Algorithm.LLAMA2C ? (b & 0xFF) + 3 : byteIds[b & 0xFF];
                out.add(id >= 0 ? id : unkId);
            }
        }
    }

    /**
     * sentencepiece's {@code Encode} of each fragment between control tokens (split off only with {@code parseSpecial},
     * as Hugging Face's LlamaTokenizer and llama.cpp split them; sentencepiece itself never does): the fragment is
     * normalized on its own, so each one gets the dummy prefix, as in both of those.
     */
    private void encodeSentencePiece(String text, boolean addSpecial, boolean parseSpecial, IntBuffer out, Workspace ws) {
        if (addSpecial && addBos && bosId() >= 0) {
            out.add(bosId());
        }
        int n = text.length();
        int start = 0;
        int i = 0;
        while (parseSpecial && i < n && !specialTrie.isEmpty()) {
            long m = specialTrie.longestAt(text, i, n);
            if (m < 0) {
                i++;
                continue;
            }
            if (i > start) {
                encodeNormalized(normalize(text, start, i), out, ws);
            }
            out.add((int) m);
            i += (int) (m >>> 32);
            start = i;
        }
        if (n > start) {
            encodeNormalized(normalize(text, start, n), out, ws);
        }
        if (addSpecial && addEos && eosId() >= 0) {
            out.add(eosId());
        }
    }

    /**
     * sentencepiece's normalizer ({@link CharsMapNormalizer} with a character map); without one: with {@code remove_extra_whitespaces} leading and trailing
     * spaces go and runs of spaces become one, then ({@code add_dummy_prefix}) a space goes in front of text that is
     * left, and ({@code escape_whitespaces}) every space becomes U+2581. Only U+0020 is a space here, as there.
     */
    String normalize(String text, int from, int to) {
        if (charsMapNormalizer != null) {
            return charsMapNormalizer.normalize(text, from, to);
        }
        StringBuilder sb = new StringBuilder(to - from + 1);
        if (addSpacePrefix) {
            sb.append(' ');
        }
        boolean prevSpace = true;
        for (int i = from; i < to; i++) {
            char c = text.charAt(i);
            if (c == ' ' && removeExtraWhitespaces && prevSpace) {
                continue;
            }
            prevSpace = c == ' ';
            sb.append(Character.isSurrogate(c) && !isPairedAt(text, i, from, to) ? '\uFFFD' : c);
        }
        int len = sb.length();
        if (removeExtraWhitespaces) {
            while (len > 0 && sb.charAt(len - 1) == ' ') {
                len--;
            }
        }
        if (len <= (addSpacePrefix ? 1 : 0)) {
            return ""; // nothing but spaces, or nothing: no dummy prefix either
        }
        sb.setLength(len);
        String s = sb.toString();
        return escapeWhitespaces ? s.replace(' ', SPACE_MARK) : s;
    }

    private static boolean isPairedAt(String s, int i, int from, int to) {
        char c = s.charAt(i);
        return Character.isHighSurrogate(c) ? i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))
                : i > from && Character.isHighSurrogate(s.charAt(i - 1));
    }

    /** Merges normalized text; user-defined pieces are matched first and split it, as they are never merged. */
    private void encodeNormalized(String s, IntBuffer out, Workspace ws) {
        int n = s.length();
        int start = 0;
        int i = 0;
        while (i < n && !userDefinedTrie.isEmpty()) {
            long m = userDefinedTrie.longestAt(s, i, n);
            if (m < 0) {
                i++;
                continue;
            }
            mergeAndEmit(s, start, i, out, ws);
            out.add((int) m);
            i += (int) (m >>> 32);
            start = i;
        }
        mergeAndEmit(s, start, n, out, ws);
    }

    private void mergeAndEmit(String s, int from, int to, IntBuffer out, Workspace ws) {
        if (to <= from) {
            return;
        }
        if (unigram != null) {
            unigram.encode(s, from, to, out, ws);
            return;
        }
        int[] sym = ws.symbols(to - from);
        int k = 0;
        for (int i = from; i < to; ) {
            int cp = s.codePointAt(i);
            i += Character.charCount(cp);
            sym[k++] = symbolOfCodePoint(cp);
        }
        k = merger.merge(sym, k, ws);
        int n = pieces.length;
        boolean prevUnknown = false;
        for (int j = 0; j < k; j++) {
            int sy = sym[j];
            if (sy >= 0 && sy < n) {
                out.add(sy);
                prevUnknown = false;
                continue;
            }
            int cp = sy >= n ? virtualCps[sy - n] : -(sy + 1);
            String ch = new String(Character.toChars(cp));
            Integer reserved = pieceIds.get(ch); // sentencepiece's PieceToId looks among control and byte pieces first
            if (reserved != null) {
                out.add(reserved);
                prevUnknown = false;
            } else if (byteFallback) {
                for (byte b : ch.getBytes(StandardCharsets.UTF_8)) {
                    out.add(byteIds[b & 0xFF] >= 0 ? byteIds[b & 0xFF] : unkId);
                }
                prevUnknown = false;
            } else if (!prevUnknown) {
                out.add(unkId); // sentencepiece merges a run of unknown characters into one unknown piece
                prevUnknown = true;
            }
        }
    }

    private void encodeLlama2c(String text, boolean addSpecial, IntBuffer out, Workspace ws) {
        int[] sym = ws.symbols(text.length() * 4 + 2);
        int k = 0;
        if (addSpecial && addBos) {
            sym[k++] = bosId(); // run.c keeps BOS in the merge loop
        }
        if (!text.isEmpty()) {
            Integer dummy = pieceIds.get(" ");
            if (dummy != null) {
                sym[k++] = dummy;
            }
        }
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (cp < 65536 && Character.isSurrogate((char) cp)) {
                cp = 0xFFFD;
            }
            int id = cp < 65536 ? bmpIds[cp] : supplementaryIds.getOrDefault(cp, -1);
            if (id >= 0) {
                sym[k++] = id;
            } else {
                for (byte b : new String(Character.toChars(cp)).getBytes(StandardCharsets.UTF_8)) {
                    sym[k++] = (b & 0xFF) + 3;
                }
            }
        }
        k = merger.merge(sym, k, ws);
        out.add(sym, 0, k);
        if (addSpecial && addEos && eosId() >= 0) {
            out.add(eosId());
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return concatDecode(ids, skipSpecialTokens, addSpacePrefix);
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        return tokenBytes[id].clone();
    }

    /** A piece llama.cpp decodes as nothing (an undefined type) covers its text where an encoding holds it. */
    @Override
    public byte[] encodedBytes(int id) {
        checkId(id);
        return tokenBytes[id].length == 0 ? pieces[id].replace(SPACE_MARK, ' ').getBytes(StandardCharsets.UTF_8) : tokenBytes[id].clone();
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        return pieces[id];
    }

    @Override
    public OptionalInt tokenId(String tokenText) {
        Integer id = pieceIds.get(tokenText);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** The llama.cpp token type of {@code id} ({@link #NORMAL}, {@link #CONTROL}, ...). */
    public int tokenType(int id) {
        checkId(id);
        return types[id];
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        if (algorithm == Algorithm.LLAMA2C) {
            return id == unkId || id == bosId() || id == eosId();
        }
        return types[id] == CONTROL || types[id] == UNKNOWN;
    }

    @Override
    public boolean addsBos() {
        return addBos && bosId() >= 0;
    }

    /** Whether {@code encode(text, true)} appends EOS. */
    public boolean addsEos() {
        return addEos && eosId() >= 0;
    }
}
