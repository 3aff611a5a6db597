package dev.kindling.tokenizer.hf;

import dev.kindling.tokenizer.AbstractTokenizer;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.offsets.FormAlignment;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.bpe.BpeModel;
import dev.kindling.tokenizer.unigram.UnigramModel;
import dev.kindling.tokenizer.decode.Decoder;
import dev.kindling.tokenizer.decode.Decoders;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.NormalizedText;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.Splits;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * A Hugging Face {@code tokenizer.json} pipeline, in the order {@code tokenizers} runs it: split
 * off added tokens found in the raw text, normalize each remaining piece, split off added tokens
 * that match normalized text, pre-tokenize, run the model on each piece, and (with special tokens)
 * apply the post-processor's template. Decoding maps ids to token strings and runs the decoder
 * chain. Built by {@link HfTokenizerJson}.
 */
public final class HfTokenizer extends AbstractTokenizer {
    private final Model model;
    private final Normalizer normalizer;
    private final PreTokenizer preTokenizer;
    private final PostProcessor postProcessor;
    private final Decoder decoder;
    private final AddedVocabulary added;
    private final int vocabSize;
    private final boolean[] special;
    private final OffsetAligner.Prefix prefixSpace;
    /** llama.cpp's token_to_piece of each id, for a GGUF vocabulary; null for a tokenizer.json. */
    private final byte[][] pieces;
    private final ThreadLocal<State> state = ThreadLocal.withInitial(State::new);

    /** Per-thread buffers. */
    private static final class State {
        final Splits a = new Splits();
        final Splits b = new Splits();
        final IntBuffer segments = new IntBuffer();
        final IntBuffer normalizedSegments = new IntBuffer();
        final IntBuffer out = new IntBuffer();
    }

    public HfTokenizer(String name, Model model, Normalizer normalizer, PreTokenizer preTokenizer,
            PostProcessor postProcessor, Decoder decoder, AddedVocabulary added, int bosId, int eosId, int[] stopIds,
            ChatTemplate chatTemplate) {
        this(name, model, normalizer, preTokenizer, postProcessor, decoder, added, bosId, eosId, stopIds, chatTemplate,
                OffsetAligner.Prefix.NONE);
    }

    /** @param prefixSpace whether the pipeline puts a space in front of the text (for {@link #encodeWithOffsets}) */
    public HfTokenizer(String name, Model model, Normalizer normalizer, PreTokenizer preTokenizer,
            PostProcessor postProcessor, Decoder decoder, AddedVocabulary added, int bosId, int eosId, int[] stopIds,
            ChatTemplate chatTemplate, OffsetAligner.Prefix prefixSpace) {
        this(name, model, normalizer, preTokenizer, postProcessor, decoder, added, bosId, eosId, stopIds, chatTemplate,
                prefixSpace, null);
    }

    /**
     * @param pieces what each id decodes as, llama.cpp's token_to_piece for a GGUF vocabulary (an added token's text as
     *     it is, where HF reads its characters as byte-level ones and turns an added "ÿ" into the byte 0xFF; a byte
     *     token's byte; nothing for an undefined or unused token), or null to decode as HF does
     */
    public HfTokenizer(String name, Model model, Normalizer normalizer, PreTokenizer preTokenizer,
            PostProcessor postProcessor, Decoder decoder, AddedVocabulary added, int bosId, int eosId, int[] stopIds,
            ChatTemplate chatTemplate, OffsetAligner.Prefix prefixSpace, byte[][] pieces) {
        super(name, bosId, eosId, stopIds, chatTemplate);
        this.pieces = pieces;
        this.prefixSpace = prefixSpace;
        this.model = model;
        this.normalizer = normalizer;
        this.preTokenizer = preTokenizer;
        this.postProcessor = postProcessor == null ? PostProcessor.NONE : postProcessor;
        this.decoder = decoder;
        this.added = added;
        int size = model.vocabSize();
        for (AddedToken t : added.tokens()) {
            size = Math.max(size, t.id() + 1);
        }
        this.vocabSize = size;
        this.special = new boolean[size];
        for (AddedToken t : added.tokens()) {
            if (t.special()) {
                special[t.id()] = true;
            }
        }
    }

    public Model model() {
        return model;
    }

    public AddedVocabulary addedVocabulary() {
        return added;
    }

    public PostProcessor postProcessor() {
        return postProcessor;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        return encode(text, addSpecialTokens, parseSpecialTokens, null);
    }

    /**
     * As {@link #encode(String, boolean, boolean)}; with {@code marks}, appends per segment of the text (an added
     * token found in the raw text, or the text between them) its {@code start, end, id (-1: text)} and the number
     * of ids after it.
     */
    private int[] encode(String text, boolean addSpecialTokens, boolean parseSpecialTokens, IntBuffer marks) {
        requireText(text);
        text = Utf8.scrubSurrogates(text);
        State st = state.get();
        Workspace ws = Workspace.get();
        IntBuffer out = st.out;
        out.clear();
        if (addSpecialTokens) {
            for (int id : postProcessor.prefix()) {
                out.add(id);
            }
        }
        IntBuffer seg = st.segments;
        seg.clear();
        added.splitRaw(text, 0, text.length(), parseSpecialTokens, seg);
        for (int k = 0; k < seg.size(); k += 3) {
            int s = seg.get(k);
            int e = seg.get(k + 1);
            int id = seg.get(k + 2);
            if (id >= 0) {
                out.add(id);
            } else if (normalizer == null) {
                encodeNormalized(text, s, e, s == 0, parseSpecialTokens, st, ws);
            } else {
                CharSequence norm = normalizer.normalizedChars(text.substring(s, e));
                encodeNormalized(norm, 0, norm.length(), s == 0, parseSpecialTokens, st, ws);
            }
            if (marks != null) {
                marks.add(s);
                marks.add(e);
                marks.add(id);
                marks.add(out.size());
            }
        }
        if (addSpecialTokens) {
            for (int id : postProcessor.suffix()) {
                out.add(id);
            }
        }
        int[] result = out.toArray();
        if (out.array().length > (1 << 20)) {
            st.out.clear(); // let a huge buffer go (a 10 MB document)
            state.remove();
        }
        return result;
    }

    /**
     * Offsets per segment: an added token found in the raw text gets its span there, which, as in HF, includes
     * the whitespace its {@code lstrip}/{@code rstrip} swallowed; the text between them is aligned on its own
     * (each is normalized and pre-tokenized on its own, so a prefix space is added per segment). Aligning the
     * whole text at once lost its place at an added token whose bytes were not next (lstrip/rstrip), and did not
     * see a non-special added token as a segment boundary. Without {@code parseSpecialTokens} a special token's
     * spelling is text of its segment, as it is to {@code encode}. The tokens of a segment are aligned with its
     * normalized text, then mapped back through the normalizer's alignment, as HF maps them.
     */
    @Override
    public Encoding encodeWithOffsets(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        String t = Utf8.scrubSurrogates(requireText(text));
        IntBuffer marks = new IntBuffer();
        int[] ids = encode(t, addSpecialTokens, parseSpecialTokens, marks);
        int first = addSpecialTokens ? postProcessor.prefix().length : 0;
        int last = addSpecialTokens ? postProcessor.suffix().length : 0;
        int[] starts = new int[ids.length];
        int[] ends = new int[ids.length];
        String[] matched = new String[ids.length]; // an added token's text, with what lstrip/rstrip swallowed
        int from = first;
        CharRules rules = new CharRules(preTokenizer, model);
        int unknownId = model instanceof UnigramModel u ? u.unkId() : model instanceof BpeModel b ? b.unkId() : -1;
        for (int k = 0; k < marks.size(); k += 4) {
            int s = marks.get(k);
            int e = marks.get(k + 1);
            int to = marks.get(k + 3);
            if (marks.get(k + 2) >= 0) {
                starts[from] = s;
                ends[from] = e;
                matched[from] = t.substring(s, e);
            } else if (to > from) {
                OffsetAligner.Prefix p = prefixSpace == OffsetAligner.Prefix.FIRST_IF_NO_SPACE && s > 0
                        ? OffsetAligner.Prefix.NONE : prefixSpace; // Metaspace "first": only the segment at 0
                String segment = t.substring(s, e);
                FormAlignment composed = normalized(segment);
                Encoding seg = OffsetAligner.align(this, composed == null ? segment : composed.normalized(),
                        java.util.Arrays.copyOfRange(ids, from, to), p, rules, unknownId);
                for (int i = from; i < to; i++) {
                    int a = seg.start(i - from);
                    int b = seg.end(i - from);
                    starts[i] = s + (composed == null ? a : composed.start(a, b));
                    ends[i] = s + (composed == null ? b : composed.end(a, b));
                }
            }
            from = to;
        }
        Encoding enc = new Encoding(ids, starts, ends);
        if (postProcessor.trimOffsets()) {
            trimOffsets(enc, first, ids.length - last, matched);
        }
        return enc;
    }

    /**
     * {@code segment} through the normalizer with, per character, the range of the segment it came from, as HF's
     * NormalizedString keeps it through every step ({@link NormalizedText}); null when there is no normalizer or it
     * changed nothing.
     */
    private FormAlignment normalized(String segment) {
        if (normalizer == null) {
            return null;
        }
        NormalizedText n = NormalizedText.of(segment);
        normalizer.normalize(n);
        return n.unchanged() ? null : FormAlignment.of(n);
    }

    /**
     * HF's {@code process_offsets} (ByteLevel and RobertaProcessing with {@code trim_offsets}), on the text's tokens
     * {@code [from, to)}: the token's leading and trailing spaces ({@code Ġ} or whitespace in its string) are left out
     * of its offsets, except the one space the pre-tokenizer added in front of the first token when the step has
     * {@code add_prefix_space}. HF counts them in bytes; each is one byte and one UTF-16 unit here. The string of an
     * added token found in the text is the text it matched ({@code matched[i]}), whitespace that lstrip/rstrip
     * swallowed included, so that whitespace is trimmed off again (RoBERTa's {@code <mask>}).
     */
    private void trimOffsets(Encoding e, int from, int to, String[] matched) {
        for (int i = from; i < to; i++) {
            String token = matched[i] != null ? matched[i] : tokenText(e.ids()[i]);
            int lead = 0;
            while (lead < token.length() && trimmable(token.charAt(lead))) {
                lead++;
            }
            int trail = 0;
            while (trail < token.length() && trimmable(token.charAt(token.length() - 1 - trail))) {
                trail++;
            }
            if (lead > 0) {
                boolean isFirst = i == from || e.starts()[i] == 0;
                if (!(isFirst && postProcessor.trimKeepsPrefixSpace() && lead == 1)) {
                    e.starts()[i] = Math.min(e.starts()[i] + lead, e.ends()[i]);
                }
            }
            if (trail > 0 && e.ends()[i] >= trail) {
                e.ends()[i] = Math.max(e.ends()[i] - trail, e.starts()[i]);
            }
        }
    }

    private static boolean trimmable(char c) {
        return c == '\u0120' || dev.kindling.tokenizer.text.Unicode.isWhiteSpace(c); // 'Ġ' is the byte-level space
    }

    private void encodeNormalized(CharSequence t, int from, int to, boolean atOrigin, boolean parseSpecial, State st, Workspace ws) {
        if (!added.hasNormalizedTokens()) {
            preTokenizeAndEncode(t, from, to, atOrigin, st, ws);
            return;
        }
        IntBuffer seg = st.normalizedSegments;
        seg.clear();
        added.splitNormalized(t, from, to, parseSpecial, seg);
        for (int k = 0; k < seg.size(); k += 3) {
            int s = seg.get(k);
            int id = seg.get(k + 2);
            if (id >= 0) {
                st.out.add(id);
            } else {
                preTokenizeAndEncode(t, s, seg.get(k + 1), atOrigin && s == from, st, ws);
            }
        }
    }

    private void preTokenizeAndEncode(CharSequence t, int from, int to, boolean atOrigin, State st, Workspace ws) {
        if (from >= to) {
            return;
        }
        if (preTokenizer == null) {
            model.encode(t, from, to, st.out, ws);
            return;
        }
        Splits in = st.a;
        in.reset(t);
        in.add(from, to);
        in.origin = atOrigin ? 0 : -1;
        Splits out = st.b;
        preTokenizer.apply(in, out);
        for (int i = 0; i < out.count; i++) {
            model.encode(out.text, out.start[i], out.end[i], st.out, ws);
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        if (pieces != null || decoder == Decoders.BYTE_LEVEL && model instanceof BpeModel bpe && bpe.byteLevel()) {
            // the tokens' bytes joined: a GGUF vocabulary's pieces, or byte-level BPE's without a string per token
            return decodeBytes(ids, skipSpecialTokens);
        }
        List<String> tokens = new ArrayList<>(ids.length);
        for (int id : ids) {
            checkId(id);
            AddedToken a = added.byId(id);
            if (a != null) {
                if (skipSpecialTokens && a.special()) {
                    continue;
                }
                tokens.add(added.text(a)); // the normalized form of a normalized token, as HF decodes it
                continue;
            }
            String t = model.idToToken(id);
            if (t != null) {
                tokens.add(t);
            }
        }
        if (decoder == null) {
            return String.join(" ", tokens);
        }
        return String.join("", decoder.decodeChain(tokens));
    }

    private String decodeBytes(int[] ids, boolean skipSpecialTokens) {
        byte[] buf = new byte[Math.max(16, ids.length * 6)];
        int n = 0;
        for (int id : ids) {
            checkId(id);
            AddedToken a = added.byId(id);
            byte[] b;
            if (skipSpecialTokens && special[id]) {
                continue;
            } else if (pieces != null) {
                b = pieces[id];
            } else if (a != null) {
                b = Decoders.byteLevelBytes(added.text(a));
            } else {
                b = model.tokenBytes(id);
                if (b == null) {
                    continue;
                }
            }
            if (n + b.length > buf.length) {
                buf = java.util.Arrays.copyOf(buf, Math.max(buf.length * 2, n + b.length));
            }
            System.arraycopy(b, 0, buf, n, b.length);
            n += b.length;
        }
        return Utf8.decodeLossy(buf, 0, n);
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        if (pieces != null) {
            return pieces[id].clone();
        }
        AddedToken a = added.byId(id);
        if (a != null) {
            // added tokens hold raw text, except that a SentencePiece-style vocabulary may list its own
            // pieces as added tokens (Gemma's "▁▁"): those decode like the piece (spaces, not U+2581)
            boolean byteLevel = model instanceof BpeModel bpe && bpe.byteLevel();
            if (!byteLevel && a.content().equals(model.idToToken(id)) && model.tokenBytes(id) != null) {
                return model.tokenBytes(id).clone();
            }
            return a.content().getBytes(StandardCharsets.UTF_8);
        }
        byte[] b = model.tokenBytes(id);
        return b == null ? new byte[0] : b.clone();
    }

    @Override
    public byte[] encodedBytes(int id) {
        checkId(id);
        if (pieces != null && pieces[id].length == 0 && model.tokenBytes(id) != null) {
            return model.tokenBytes(id).clone(); // a GGUF token that decodes as nothing, its text in the vocabulary
        }
        return tokenBytes(id);
    }

    @Override
    public int fallbackByte(int id) {
        String t = decoder != null && decoder.joinsByteRuns() ? tokenText(id) : null;
        return t == null ? -1 : Decoders.byteToken(t);
    }

    @Override
    public String placedText(int id, boolean first) {
        checkId(id);
        AddedToken a = added.byId(id);
        String t = a != null ? added.text(a) : model.idToToken(id); // the strings decode hands its decoder
        if (t == null) {
            return null;
        }
        if (decoder == null) {
            return first ? t : " " + t; // HF joins the tokens with spaces
        }
        return decoder.placedText(t, first);
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        AddedToken a = added.byId(id);
        if (a != null) {
            return added.text(a);
        }
        return model.idToToken(id); // null for a gap in the vocab, as convert_ids_to_tokens' None ("" passed for a token)
    }

    @Override
    public OptionalInt tokenId(String tokenText) {
        AddedToken a = added.byContent(tokenText);
        if (a != null) {
            return OptionalInt.of(a.id());
        }
        int id = model.tokenToId(tokenText);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    @Override
    public boolean addsBos() {
        int[] p = postProcessor.prefix();
        return bosId() >= 0 && p.length > 0 && p[0] == bosId();
    }
}
