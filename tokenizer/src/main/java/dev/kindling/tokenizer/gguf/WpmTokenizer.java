package dev.kindling.tokenizer.gguf;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.tokenizer.AbstractTokenizer;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.decode.Decoder;
import dev.kindling.tokenizer.decode.Decoders;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.spm.SpmTokenizer;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.StringTrie;
import dev.kindling.tokenizer.text.Unicode;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * GGUF {@code tokenizer.ggml.model = bert}: llama.cpp's WordPiece ({@code llm_tokenizer_wpm}), with the text
 * prepared as HF's BertNormalizer and BertPreTokenizer prepare it for the same vocabulary (llama.cpp's own
 * preprocessing departs from them, README). The converter stores the vocabulary with a "phantom space": word-initial
 * pieces start with U+2581 and {@code ##} continuations lose their prefix. NUL, U+FFFD and controls are dropped,
 * CJK ideographs padded with spaces, the text NFD-normalized without its non-spacing marks and lowercased
 * ({@link Normalizers#bert}), split at whitespace, and each punctuation character becomes a word of its own; the
 * character classes are HF's ({@link HfUnicode}: Unicode 8.0 for punctuation, controls and non-spacing marks), the
 * same on every JDK. Each word, with U+2581 prepended, is covered greedily by the longest pieces, or becomes
 * {@code [UNK]} as a whole. Special text is split off first; {@code addSpecialTokens} wraps the ids in CLS ... SEP.
 */
final class WpmTokenizer extends AbstractTokenizer {
    private static final char PHANTOM = '\u2581';
    private static final Normalizer BERT = Normalizers.bert(true, true, true, true);
    /** HF's decoder for BERT's tokenizer.json: WordPiece, prefix "##", cleanup. */
    private static final Decoder WORD_PIECE = Decoders.wordPiece("##", true);

    private final String[] tokens;
    private final int[] types;
    private final Map<String, Integer> ids;
    private final int maxTokenChars;
    private final int unkId;
    private final int clsId;
    private final int sepId;
    private final StringTrie specialTrie;
    /** What {@link #preprocess} does to single characters, for the offsets. */
    private final OffsetAligner.Rules rules = new OffsetAligner.Rules() {
        @Override
        public boolean removed(int c) {
            return Unicode.isWhiteSpace(c) || dropped(c);
        }

        @Override
        public boolean breaksWord(int c) {
            return Unicode.isWhiteSpace(c) && !dropped(c); // U+000B, U+0085: controls, removed before the split
        }

        @Override
        public boolean isolated(int c) {
            return alone(c);
        }

        @Override
        public String normalized(int c) {
            return null; // NFD and lowercase: the aligner's guess
        }

        @Override
        public int wordUnknownId() {
            return unkId;
        }
    };

    private WpmTokenizer(String name, String[] tokens, int[] types, int unk, int cls, int sep, int[] stops, ChatTemplate t) {
        super(name, cls, sep, stops, t);
        this.tokens = tokens;
        this.types = types;
        this.unkId = unk;
        this.clsId = cls;
        this.sepId = sep;
        this.ids = new HashMap<>(tokens.length * 2);
        int max = 0;
        List<String> keys = new ArrayList<>();
        List<Integer> vals = new ArrayList<>();
        for (int i = 0; i < tokens.length; i++) {
            ids.put(tokens[i], i);
            max = Math.max(max, tokens[i].length());
            if (types[i] == SpmTokenizer.CONTROL || types[i] == SpmTokenizer.USER_DEFINED || types[i] == SpmTokenizer.UNKNOWN) {
                keys.add(tokens[i]);
                vals.add(i);
            }
        }
        this.maxTokenChars = max;
        this.specialTrie = StringTrie.build(keys, vals.stream().mapToInt(Integer::intValue).toArray());
    }

    static WpmTokenizer load(GgufFile gguf) {
        String[] tokens = GgufTokenizers.tokens(gguf);
        int n = tokens.length;
        int[] types = GgufTokenizers.tokenTypes(gguf, n);
        for (int i = 0; i < n; i++) {
            if (types[i] == SpmTokenizer.BYTE) {
                // llama.cpp aborts loading it: its token_to_byte has no byte for a WordPiece vocabulary
                throw new ModelFormatException(gguf.path(), "tokenizer.ggml.token_type[" + i + "] is BYTE (6), token \""
                        + tokens[i] + "\": a bert (WordPiece) vocabulary has no byte tokens");
            }
        }
        int unk = GgufTokenizers.optionalId(gguf, "tokenizer.ggml.unknown_token_id", n, 100 < n ? 100 : -1);
        int cls = GgufTokenizers.optionalId(gguf, "tokenizer.ggml.cls_token_id", n,
                GgufTokenizers.optionalId(gguf, "tokenizer.ggml.bos_token_id", n, 101 < n ? 101 : -1));
        int sep = GgufTokenizers.optionalId(gguf, "tokenizer.ggml.seperator_token_id", n,
                GgufTokenizers.optionalId(gguf, "tokenizer.ggml.eos_token_id", n, 102 < n ? 102 : -1));
        return new WpmTokenizer(GgufTokenizers.name(gguf), tokens, types, unk, cls, sep,
                // llama.cpp gives a WordPiece vocabulary no EOS unless the metadata names one (the separator is not one)
                GgufTokenizers.stopIds(gguf, tokens, GgufTokenizers.optionalId(gguf, "tokenizer.ggml.eos_token_id", n, -1)),
                GgufTokenizers.chatTemplate(gguf, tokens, cls, sep));
    }

    @Override
    public int vocabSize() {
        return tokens.length;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        requireText(text);
        text = Utf8.scrubSurrogates(text);
        IntBuffer out = new IntBuffer();
        if (addSpecialTokens && clsId >= 0) {
            out.add(clsId);
        }
        int start = 0;
        int i = 0;
        while (i < text.length()) {
            long m = specialTrie.longestAt(text, i, text.length());
            if (m < 0 || (!parseSpecialTokens && types[(int) m] != SpmTokenizer.USER_DEFINED)) {
                i++;
                continue;
            }
            encodeText(text.substring(start, i), out);
            out.add((int) m);
            i += (int) (m >>> 32);
            start = i;
        }
        encodeText(text.substring(start), out);
        if (addSpecialTokens && sepId >= 0) {
            out.add(sepId);
        }
        return out.toArray();
    }

    private void encodeText(String text, IntBuffer out) {
        for (String word : preprocess(text)) {
            String w = PHANTOM + word;
            int mark = out.size();
            boolean ok = true;
            for (int i = 0; i < w.length(); ) {
                boolean match = false;
                for (int j = Math.min(w.length(), i + maxTokenChars); j > i; j--) {
                    Integer id = ids.get(w.substring(i, j));
                    if (id != null) {
                        out.add(id);
                        i = j;
                        match = true;
                        break;
                    }
                }
                if (!match) {
                    ok = false;
                    break;
                }
            }
            if (!ok) {
                out.truncate(mark);
            }
            if (out.size() == mark) {
                out.add(unkId);
            }
        }
    }

    /** HF's BertNormalizer (clean_text, handle_chinese_chars, strip_accents and lowercase) and BertPreTokenizer. */
    static List<String> preprocess(String text) {
        String normalized = BERT.normalize(text);
        List<String> words = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < normalized.length(); ) {
            int cp = normalized.codePointAt(i);
            i += Character.charCount(cp);
            if (Unicode.isWhiteSpace(cp)) {
                flush(cur, words);
            } else if (HfUnicode.isBertPunctuation(cp)) {
                flush(cur, words);
                words.add(Character.toString(cp));
            } else {
                cur.appendCodePoint(cp);
            }
        }
        flush(cur, words);
        return words;
    }

    /** Removed by {@link #BERT}: NUL, U+FFFD, BERT's controls and non-spacing marks (after NFD). */
    static boolean dropped(int cp) {
        return cp == 0 || cp == 0xFFFD || HfUnicode.isBertControl(cp) || HfUnicode.isBertNonSpacingMark(cp);
    }

    /** A word of its own: BERT's punctuation (ASCII symbols included) and the CJK ideographs BERT pads with spaces. */
    static boolean alone(int cp) {
        return HfUnicode.isBertPunctuation(cp) || Unicode.isChineseChar(cp);
    }

    private static void flush(StringBuilder cur, List<String> words) {
        if (cur.length() > 0) {
            words.add(cur.toString());
            cur.setLength(0);
        }
    }

    /**
     * As HF decodes the tokenizer.json of this vocabulary: each id becomes its HF token ({@link #hfToken}), the special
     * ones skipped if asked and those llama.cpp gives no text ({@link #hasText}) always, and HF's WordPiece decoder with
     * cleanup joins them (a space before each word, none before a continuation or the first token; a first
     * continuation keeps its "##"; the space before {@code . ? ! ,} goes).
     * llama.cpp differs: it starts the text with a space and cleans the whole text, not each token (README).
     */
    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        List<String> pieces = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkId(id);
            if (hasText(id) && !(skipSpecialTokens && isSpecial(id))) {
                pieces.add(hfToken(id));
            }
        }
        return String.join("", WORD_PIECE.decodeChain(pieces));
    }

    /**
     * Whether llama.cpp's token_to_piece gives the token text: a normal, control, unknown or user-defined one; an
     * undefined or unused token (or one of a type llama.cpp does not know) decodes as nothing.
     */
    private boolean hasText(int id) {
        int t = types[id];
        return t == SpmTokenizer.NORMAL || t == SpmTokenizer.CONTROL || t == SpmTokenizer.UNKNOWN || t == SpmTokenizer.USER_DEFINED;
    }

    /**
     * The token of HF's vocabulary that llama.cpp's converter stored as this one: it keeps special tokens and
     * {@code [...]} tokens as they are, drops the "##" of a continuation and puts U+2581 before a word-initial piece.
     */
    private String hfToken(int id) {
        String t = tokens[id];
        if (types[id] != SpmTokenizer.NORMAL || (t.length() > 1 && t.startsWith("[") && t.endsWith("]"))) {
            return t;
        }
        return t.startsWith("\u2581") ? t.substring(1) : "##" + t;
    }

    /** As {@link #decode} gives the token there: HF's WordPiece decoder's text of its HF token. */
    @Override
    public String placedText(int id, boolean first) {
        checkId(id);
        return !hasText(id) ? null : WORD_PIECE.placedText(hfToken(id), first);
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id); // before hasText reads the id's type
        return hasText(id) ? encodedBytes(id) : new byte[0];
    }

    /** The text a word's piece covers, U+2581 the word's start: a token's without text ({@link #hasText}) too. */
    @Override
    public byte[] encodedBytes(int id) {
        checkId(id);
        String t = tokens[id];
        if (types[id] == SpmTokenizer.NORMAL || !hasText(id)) {
            t = t.replace(PHANTOM, ' ');
        }
        return t.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        return tokens[id];
    }

    @Override
    public OptionalInt tokenId(String tokenText) {
        Integer id = ids.get(tokenText);
        return id == null ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /**
     * As HF's WordPiece gives them (a tokenizer.json with this vocabulary): a word-initial piece's U+2581 is the word's
     * start, not the whitespace or dropped characters before it, a special token of the text is found after whitespace,
     * the template's CLS and SEP are [0, 0), and [UNK] covers its word, without the marks {@link #preprocess} drops at
     * its end (a Devanagari virama; spacing vowel signs stay).
     */
    @Override
    public Encoding encodeWithOffsets(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        String t = Utf8.scrubSurrogates(java.util.Objects.requireNonNull(text, "text to encode is null"));
        int[] ids = encode(t, addSpecialTokens, parseSpecialTokens);
        int head = addSpecialTokens && clsId >= 0 ? 1 : 0; // CLS and SEP of the template: [0, 0)
        int tail = addSpecialTokens && sepId >= 0 ? 1 : 0;
        Encoding e = OffsetAligner.align(this, t, java.util.Arrays.copyOfRange(ids, head, ids.length - tail),
                OffsetAligner.Prefix.NONE, rules);
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        for (int i = 0; i < e.size(); i++) {
            int id = e.ids()[i];
            int s = e.start(i);
            if ((types[id] == SpmTokenizer.NORMAL || !hasText(id)) && tokens[id].startsWith("\u2581")) {
                while (s < e.end(i) && rules.removed(t.codePointAt(s))) {
                    s += Character.charCount(t.codePointAt(s));
                }
            }
            starts[head + i] = s;
            ends[head + i] = e.end(i);
        }
        return new Encoding(ids, starts, ends);
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        return types[id] == SpmTokenizer.CONTROL || types[id] == SpmTokenizer.UNKNOWN;
    }

    @Override
    public boolean addsBos() {
        return clsId >= 0;
    }
}
