package dev.kindling.tokenizer.bpe;

import dev.kindling.tokenizer.hf.Model;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Hugging Face's BPE model ({@code "type": "BPE"} in tokenizer.json), in two input modes:
 *
 * <ul>
 *   <li><b>byte-level</b> (when the pre-tokenizer has a ByteLevel step: GPT-2, Llama 3, Qwen,
 *       GPT-4o, ...): a piece's symbols are its UTF-8 bytes; the vocabulary's byte-level strings are
 *       turned into byte strings once at load;</li>
 *   <li><b>character</b> (SentencePiece-converted vocabularies: Llama 2, Mistral, Gemma): symbols
 *       are code points; a code point outside the vocabulary becomes {@code <0xXX>} byte tokens
 *       ({@code byte_fallback}) or the unknown token (consecutive ones fused with
 *       {@code fuse_unk}).</li>
 * </ul>
 *
 * <p>Then the merges run ({@link BpeMerger}); {@code ignore_merges} first looks the whole piece
 * up in the vocabulary. Results are cached per thread ({@link WordCache}).
 *
 * <p>Long pieces without pre-tokenization (a whole document for Llama 2 / Gemma files) are cut at
 * <em>safe boundaries</em> first: between two code points that are never adjacent inside any
 * vocabulary string, no merge can ever join the two sides (a merge produces a vocabulary string
 * containing both), so the pieces merge independently with exactly the same result, and each small
 * piece can be cached. For the SentencePiece vocabularies that is before almost every U+2581.
 */
public final class BpeModel implements Model {
    private final String[] vocab;
    private final VocabMap ids;
    private final BpeMerger merger;
    private final boolean byteLevel;
    private final boolean ignoreMerges;
    /** A byte the vocabulary lacks stays a symbol while merging, so nothing merges across it (llama.cpp), then goes. */
    private final boolean missingBytesSplitWords;
    private final int unkId;
    private final boolean fuseUnk;
    private final boolean byteFallback;
    private final String prefix;
    private final String suffix;
    private final byte[][] tokenBytes;

    // byte-level lookups
    private final int[] byteIds = new int[256];
    /**
     * A byte's symbol by its place in the word, {@code (not first ? 1 : 0) | (last ? 2 : 0)}: with a
     * continuing_subword_prefix or an end_of_word_suffix (CLIP's "</w>") HF looks up prefix + char + suffix; without
     * them all four are {@link #byteIds}.
     */
    private final int[][] byteIdsByPlace = new int[4][];
    private final BytesMap wholeWords;
    // character-mode lookups
    private final int[] bmpIds;
    private final Map<Integer, Integer> supplementaryIds;
    private final int[] fallbackIds = new int[256];
    private final boolean allFallbackBytes;
    private final LongSet adjacentPairs;

    private final ThreadLocal<WordCache> cache = ThreadLocal.withInitial(WordCache::new);

    /** The tokenizer.json {@code model} section. */
    public record Spec(VocabMap vocab, String[] mergeLeft, String[] mergeRight, String unkToken,
            boolean fuseUnk, boolean byteFallback, boolean ignoreMerges, String continuingSubwordPrefix,
            String endOfWordSuffix, boolean skipBadMerges, boolean missingBytesSplitWords) {
        /**
         * A tokenizer.json model: a merge outside the vocabulary is an error, and a byte the vocabulary lacks is
         * left out before merging (without an unk token), as in HF.
         */
        public Spec(VocabMap vocab, String[] mergeLeft, String[] mergeRight, String unkToken, boolean fuseUnk,
                boolean byteFallback, boolean ignoreMerges, String continuingSubwordPrefix, String endOfWordSuffix) {
            this(vocab, mergeLeft, mergeRight, unkToken, fuseUnk, byteFallback, ignoreMerges, continuingSubwordPrefix,
                    endOfWordSuffix, false, false);
        }
    }

    /** A symbol for a byte the vocabulary lacks, while it keeps its neighbours apart (no merge has it). */
    private static final int MISSING_BYTE = Integer.MIN_VALUE;

    /**
     * Merges already resolved to ids by the loader, in rank order: {@code left[i] right[i] -> merged[i]}
     * (all valid ids). Spares the String work of {@link Spec#mergeLeft()}/{@link Spec#mergeRight()}.
     */
    public record Merges(int[] left, int[] right, int[] merged) {}

    /**
     * @param byteLevel whether the pipeline maps text to GPT-2 byte characters (a ByteLevel pre-tokenizer)
     * @throws IllegalArgumentException naming the merge when a merge refers to a string outside the vocabulary
     */
    public BpeModel(Spec spec, boolean byteLevel) {
        this(spec, null, byteLevel);
    }

    /**
     * @param resolved the merges as ids (then the spec's merge strings are ignored), or null to
     *     resolve the spec's merge strings
     */
    public BpeModel(Spec spec, Merges resolved, boolean byteLevel) {
        this.byteLevel = byteLevel;
        this.ignoreMerges = spec.ignoreMerges();
        this.missingBytesSplitWords = spec.missingBytesSplitWords();
        this.fuseUnk = spec.fuseUnk();
        this.byteFallback = spec.byteFallback();
        this.prefix = emptyToNull(spec.continuingSubwordPrefix());
        this.suffix = emptyToNull(spec.endOfWordSuffix());
        this.ids = spec.vocab();
        int size = ids.idLimit();
        this.vocab = ids.byId();
        int unk = spec.unkToken() == null ? -1 : ids.get(spec.unkToken());
        this.unkId = unk;

        // merges: (left, right) -> (rank, id of left + right without the right's subword prefix)
        int[] left;
        int[] right;
        int nm;
        PairTable.Builder pb;
        if (resolved != null) {
            left = resolved.left();
            right = resolved.right();
            nm = left.length;
            pb = new PairTable.Builder(nm, PairTable.OnDuplicate.LAST_WINS);
            int[] merged = resolved.merged();
            for (int i = 0; i < nm; i++) {
                pb.put(left[i], right[i], i, merged[i]);
            }
        } else {
            int prefixLen = prefix == null ? 0 : prefix.length();
            String[] ml = spec.mergeLeft();
            String[] mr = spec.mergeRight();
            // resolving 100k-500k merges to ids is most of a load: do it on all cores, then insert in order
            nm = ml.length;
            left = new int[nm];
            right = new int[nm];
            int[] merged = new int[nm];
            int[] fromIdx = new int[nm];
            int[] l = left;
            int[] r = right;
            java.util.stream.IntStream.range(0, (nm + 8191) / 8192).parallel().forEach(chunk -> {
                for (int i = chunk * 8192, end = Math.min(nm, i + 8192); i < end; i++) {
                    l[i] = ids.get(ml[i]);
                    r[i] = ids.get(mr[i]);
                    int from = prefixLen > 0 && mr[i].startsWith(prefix) ? prefixLen : 0;
                    fromIdx[i] = from;
                    merged[i] = l[i] < 0 || r[i] < 0 ? -1 : ids.getConcat(ml[i], mr[i], from);
                }
            });
            pb = new PairTable.Builder(nm, PairTable.OnDuplicate.LAST_WINS);
            for (int i = 0; i < nm; i++) {
                if (left[i] < 0 || right[i] < 0) {
                    if (spec.skipBadMerges()) {
                        left[i] = right[i] = -1;
                        continue;
                    }
                    throw new IllegalArgumentException("merge " + i + " (\"" + ml[i] + "\" \"" + mr[i] + "\") uses "
                            + (left[i] < 0 ? ml[i] : mr[i]) + ", which is not in the vocab");
                }
                if (merged[i] < 0) {
                    if (spec.skipBadMerges()) {
                        left[i] = right[i] = -1;
                        continue; // llama.cpp never forms a symbol it cannot look up
                    }
                    throw new IllegalArgumentException("merge " + i + " (\"" + ml[i] + "\" \"" + mr[i] + "\") produces \""
                            + ml[i] + mr[i].substring(fromIdx[i]) + "\", which is not in the vocab");
                }
                pb.put(left[i], right[i], i, merged[i]);
            }
        }
        this.merger = new BpeMerger(pb.build());

        this.tokenBytes = new byte[size][];
        // sequential: a parallel stream's start-up (lambda, pool) costs more than it saves in a cold JVM
        for (int i = 0; i < size; i++) {
            if (vocab[i] != null) {
                tokenBytes[i] = bytesOf(vocab[i]);
            }
        }

        java.util.Arrays.fill(byteIds, -1);
        java.util.Arrays.fill(fallbackIds, -1);
        if (byteLevel) {
            for (int b = 0; b < 256; b++) {
                byteIds[b] = ids.get(String.valueOf(ByteLevel.toChar(b)));
            }
            for (int place = 0; place < 4; place++) {
                String before = (place & 1) != 0 && prefix != null ? prefix : "";
                String after = (place & 2) != 0 && suffix != null ? suffix : "";
                if (before.isEmpty() && after.isEmpty()) {
                    byteIdsByPlace[place] = byteIds;
                    continue;
                }
                byteIdsByPlace[place] = new int[256];
                for (int b = 0; b < 256; b++) {
                    byteIdsByPlace[place][b] = ids.get(before + ByteLevel.toChar(b) + after);
                }
            }
            this.wholeWords = ignoreMerges ? BytesMap.of(tokenBytes) : null;
            this.bmpIds = null;
            this.supplementaryIds = null;
            this.adjacentPairs = null;
            this.allFallbackBytes = false;
        } else {
            this.wholeWords = null;
            this.bmpIds = new int[65536];
            java.util.Arrays.fill(bmpIds, -1);
            this.supplementaryIds = new HashMap<>();
            ids.forEach((k, id) -> {
                if (k.length() == 1) {
                    bmpIds[k.charAt(0)] = id;
                } else if (k.length() == 2 && k.codePointCount(0, 2) == 1) {
                    supplementaryIds.put(k.codePointAt(0), id);
                }
            });
            boolean all = true;
            for (int b = 0; b < 256; b++) {
                fallbackIds[b] = ids.get(byteTokenText(b));
                all &= fallbackIds[b] >= 0;
            }
            this.allFallbackBytes = all;
            this.adjacentPairs = prefix == null && suffix == null && !mergesTouch(left, right, nm) ? adjacentPairsOf(vocab) : null;
        }
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    /** Whether some merge involves a byte-fallback or unknown token (then safe boundaries are not used). */
    private boolean mergesTouch(int[] left, int[] right, int n) {
        boolean[] touching = new boolean[vocab.length]; // once per id, not once per merge side
        for (int id = 0; id < vocab.length; id++) {
            touching[id] = id == unkId || (vocab[id] != null && isByteToken(vocab[id]));
        }
        for (int i = 0; i < n; i++) {
            if ((left[i] >= 0 && touching[left[i]]) || (right[i] >= 0 && touching[right[i]])) {
                return true;
            }
        }
        return false;
    }

    /** {@code <0xAB>} (not String.format: the Formatter is slow to start in a cold JVM). */
    private static String byteTokenText(int b) {
        String hex = "0123456789ABCDEF";
        return "<0x" + hex.charAt(b >> 4) + hex.charAt(b & 15) + ">";
    }

    private static boolean isByteToken(String s) {
        return s.length() == 6 && s.startsWith("<0x") && s.endsWith(">");
    }

    private static LongSet adjacentPairsOf(String[] vocab) {
        LongSet set = new LongSet(1 << 16);
        for (String t : vocab) {
            if (t == null) {
                continue;
            }
            int prev = -1;
            for (int i = 0; i < t.length(); ) {
                int cp = t.codePointAt(i);
                if (prev >= 0) {
                    set.add(((long) prev << 32) | cp);
                }
                prev = cp;
                i += Character.charCount(cp);
            }
        }
        return set;
    }

    private byte[] bytesOf(String token) {
        if (byteLevel) {
            byte[] b = ByteLevel.decode(token);
            return b != null ? b : token.getBytes(StandardCharsets.UTF_8);
        }
        if (isByteToken(token)) {
            int hi = Character.digit(token.charAt(3), 16);
            int lo = Character.digit(token.charAt(4), 16);
            if (hi >= 0 && lo >= 0) {
                return new byte[] {(byte) (hi * 16 + lo)};
            }
        }
        return token.replace('\u2581', ' ').getBytes(StandardCharsets.UTF_8);
    }

    public boolean byteLevel() {
        return byteLevel;
    }

    public BpeMerger merger() {
        return merger;
    }

    /** The unknown token's id, or -1 when the model has none. */
    public int unkId() {
        return unkId;
    }

    @Override
    public int vocabSize() {
        return vocab.length;
    }

    @Override
    public String idToToken(int id) {
        return id >= 0 && id < vocab.length ? vocab[id] : null;
    }

    @Override
    public int tokenToId(String token) {
        return ids.get(token);
    }

    @Override
    public byte[] tokenBytes(int id) {
        return id >= 0 && id < tokenBytes.length ? tokenBytes[id] : null;
    }

    @Override
    public void encode(CharSequence text, int from, int to, IntBuffer out, Workspace ws) {
        if (from >= to) {
            return;
        }
        if (byteLevel || adjacentPairs == null) {
            encodeWord(text, from, to, out, ws, ignoreMerges);
            return;
        }
        if (ignoreMerges && to - from > 1) {
            int id = tokenToId(text.subSequence(from, to).toString());
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        // character mode: cut at boundaries no merge can cross, then merge each part
        int start = from;
        int prev = Character.codePointAt(text, from);
        int i = from + Character.charCount(prev);
        while (i < to) {
            int cp = Character.codePointAt(text, i);
            if (!adjacentPairs.contains(((long) prev << 32) | cp)) {
                encodeWord(text, start, i, out, ws, false);
                start = i;
            }
            prev = cp;
            i += Character.charCount(cp);
        }
        encodeWord(text, start, to, out, ws, false);
    }

    private void encodeWord(CharSequence text, int from, int to, IntBuffer out, Workspace ws, boolean wholeWordLookup) {
        int len = to - from;
        WordCache c = null;
        int hash = 0;
        if (len <= WordCache.MAX_KEY) {
            c = cache.get();
            hash = WordCache.hash(text, from, to);
            int slot = c.find(text, from, to, hash);
            if (slot >= 0) {
                c.appendTo(slot, out);
                return;
            }
        }
        int before = out.size();
        if (byteLevel) {
            mergeBytes(text, from, to, out, ws, wholeWordLookup);
        } else {
            if (wholeWordLookup) {
                int id = tokenToId(text.subSequence(from, to).toString());
                if (id >= 0) {
                    out.add(id);
                    if (c != null) {
                        c.put(text, from, to, hash, out.array(), before, 1);
                    }
                    return;
                }
            }
            mergeChars(text, from, to, out, ws);
        }
        if (c != null) {
            c.put(text, from, to, hash, out.array(), before, out.size() - before);
        }
    }

    private void mergeBytes(CharSequence text, int from, int to, IntBuffer out, Workspace ws, boolean wholeWordLookup) {
        byte[] bytes = ws.bytes(3 * (to - from));
        int n = Utf8.encode(text, from, to, bytes, 0);
        if (wholeWordLookup && n > 1) {
            int id = wholeWords.get(bytes, 0, n);
            if (id >= 0) {
                out.add(id);
                return;
            }
        }
        int[] sym = ws.symbols(n);
        int k = 0;
        for (int i = 0; i < n; i++) {
            // as HF's BPE over the byte-level characters: the prefix on every symbol but the first, the suffix on the last
            int id = byteIdsByPlace[(i > 0 ? 1 : 0) | (i == n - 1 ? 2 : 0)][bytes[i] & 0xFF];
            if (id >= 0) {
                sym[k++] = id;
            } else if (unkId >= 0) {
                sym[k++] = unkId; // a byte the vocabulary lacks (HF: the unknown token, else dropped)
            } else if (missingBytesSplitWords) {
                sym[k++] = MISSING_BYTE; // llama.cpp: a symbol no merge takes, dropped after merging
            }
        }
        k = merger.merge(sym, k, ws);
        if (missingBytesSplitWords) {
            int kept = 0;
            for (int i = 0; i < k; i++) {
                if (sym[i] != MISSING_BYTE) {
                    sym[kept++] = sym[i];
                }
            }
            k = kept;
        }
        out.add(sym, 0, k);
    }

    private void mergeChars(CharSequence text, int from, int to, IntBuffer out, Workspace ws) {
        int[] sym = ws.symbols(4 * (to - from) + 1);
        int k = 0;
        int pendingUnk = -1; // HF keeps one pending unknown symbol (fused with fuse_unk)
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(text, i);
            int next = i + Character.charCount(cp);
            if (Character.isSurrogate((char) cp) && cp < 65536) {
                cp = 0xFFFD;
            }
            int id;
            if (prefix != null || suffix != null) {
                String s = new String(Character.toChars(cp));
                if (i > from && prefix != null) {
                    s = prefix + s;
                }
                if (next >= to && suffix != null) {
                    s = s + suffix;
                }
                id = tokenToId(s);
            } else {
                id = cp < 65536 ? bmpIds[cp] : supplementaryIds.getOrDefault(cp, -1);
            }
            if (id >= 0) {
                if (pendingUnk >= 0) {
                    sym[k++] = pendingUnk;
                    pendingUnk = -1;
                }
                sym[k++] = id;
            } else if (byteFallback && allFallbackBytesFor(cp)) {
                // as HF: the bytes go in, a pending unknown symbol stays pending
                byte[] utf8 = Utf8.encode(new String(Character.toChars(cp)));
                for (byte b : utf8) {
                    sym[k++] = fallbackIds[b & 0xFF];
                }
            } else if (unkId >= 0) {
                if (pendingUnk >= 0 && !fuseUnk) {
                    sym[k++] = pendingUnk;
                }
                pendingUnk = unkId;
            }
            i = next;
        }
        if (pendingUnk >= 0) {
            sym[k++] = pendingUnk;
        }
        k = merger.merge(sym, k, ws);
        out.add(sym, 0, k);
    }

    private boolean allFallbackBytesFor(int cp) {
        if (allFallbackBytes) {
            return true;
        }
        for (byte b : Utf8.encode(new String(Character.toChars(cp)))) {
            if (fallbackIds[b & 0xFF] < 0) {
                return false;
            }
        }
        return true;
    }
}
