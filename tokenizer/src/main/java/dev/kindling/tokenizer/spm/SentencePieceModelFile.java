package dev.kindling.tokenizer.spm;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.WireFormat;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.EndOfGeneration;
import dev.kindling.tokenizer.hf.HfTokenizerJson;
import dev.kindling.tokenizer.normalize.PrecompiledCharsMap;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a SentencePiece {@code tokenizer.model} (Llama 2, Mistral v0.1, llama2.c's {@code tok512.model}): a serialized
 * {@code ModelProto} of sentencepiece_model.proto, read field by field with protobuf's {@link CodedInputStream} (no
 * generated code): {@code pieces} (piece, score, type), {@code trainer_spec} (model_type, byte_fallback, bos_id,
 * eos_id) and {@code normalizer_spec} (precompiled_charsmap, add_dummy_prefix, remove_extra_whitespaces,
 * escape_whitespaces). A BPE or UNIGRAM model becomes an {@link SpmTokenizer} with
 * {@link SpmTokenizer.Algorithm#SENTENCEPIECE}; a character map ({@code nmt_nfkc}, {@code nfkc_cf}, a rule TSV) is read
 * by {@link PrecompiledCharsMap} and applied as sentencepiece applies it ({@link CharsMapNormalizer}). What the
 * sentencepiece library would apply and Kindling does not implement is refused, naming the field: a denormalizer,
 * {@code treat_whitespace_as_suffix}, unused pieces in a BPE model, and the WORD and CHAR model types.
 *
 * <p>A {@code tokenizer_config.json} beside the file is read as transformers' LlamaTokenizer reads it: BOS/EOS texts,
 * {@code add_bos_token} (default true) and {@code add_eos_token} (default false), the chat template.
 */
public final class SentencePieceModelFile {
    private SentencePieceModelFile() {}

    // ModelProto
    private static final int PIECES = 1;
    private static final int TRAINER_SPEC = 2;
    private static final int NORMALIZER_SPEC = 3;
    private static final int DENORMALIZER_SPEC = 5;
    // ModelProto.SentencePiece
    private static final int PIECE_PIECE = 1;
    private static final int PIECE_SCORE = 2;
    private static final int PIECE_TYPE = 3;
    // TrainerSpec
    private static final int TRAINER_MODEL_TYPE = 3;
    private static final int TRAINER_TREAT_WHITESPACE_AS_SUFFIX = 24;
    private static final int TRAINER_BYTE_FALLBACK = 35;
    private static final int TRAINER_BOS_ID = 41;
    private static final int TRAINER_EOS_ID = 42;
    // NormalizerSpec
    private static final int NORMALIZER_NAME = 1;
    private static final int NORMALIZER_CHARSMAP = 2;
    private static final int NORMALIZER_ADD_DUMMY_PREFIX = 3;
    private static final int NORMALIZER_REMOVE_EXTRA_WHITESPACES = 4;
    private static final int NORMALIZER_ESCAPE_WHITESPACES = 5;

    /** TrainerSpec.ModelType. */
    static final int UNIGRAM = 1;
    static final int BPE = 2;
    static final int WORD = 3;
    static final int CHAR = 4;

    /** The tag of a length-delimited field 1: {@code pieces} in ModelProto, {@code piece} in SentencePiece. */
    private static final int FIELD_1_LENGTH_DELIMITED = (1 << 3) | WireFormat.WIRETYPE_LENGTH_DELIMITED;

    private static final String[] MODEL_TYPES = {"?", "UNIGRAM", "BPE", "WORD", "CHAR"};

    /** What the file says, before it becomes a tokenizer (the field defaults are sentencepiece_model.proto's). */
    record Model(String[] pieces, float[] scores, int[] types, int modelType, boolean byteFallback, int bosId, int eosId,
            boolean treatWhitespaceAsSuffix, String normalizerName, byte[] charsmap, boolean addDummyPrefix,
            boolean removeExtraWhitespaces, boolean escapeWhitespaces, int denormalizerCharsmapBytes) {}

    /**
     * True when the file starts as a ModelProto does: field 1 ({@code pieces}, length-delimited) holding field 1
     * ({@code piece}, a non-empty string) first. A llama2.c tokenizer.bin, GGUF or JSON file never starts so.
     */
    public static boolean looksLike(Path path) {
        byte[] head;
        try (InputStream in = Files.newInputStream(path)) {
            head = in.readNBytes(64);
        } catch (IOException e) {
            return false;
        }
        try {
            CodedInputStream in = CodedInputStream.newInstance(head);
            if (in.readTag() != FIELD_1_LENGTH_DELIMITED) {
                return false;
            }
            int len = in.readRawVarint32();
            if (len < 3 || in.readTag() != FIELD_1_LENGTH_DELIMITED) {
                return false;
            }
            int pieceLen = in.readRawVarint32();
            return pieceLen > 0 && pieceLen < len;
        } catch (IOException e) {
            return false;
        }
    }

    public static SpmTokenizer read(Path path) {
        return build(path, parse(path, ModelFormatException.readAllBytes(path)));
    }

    /** Parses the ModelProto; every error names the message and field (and the piece index) where it happened. */
    static Model parse(Path path, byte[] data) {
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        List<Integer> types = new ArrayList<>();
        int[] trainer = {UNIGRAM, 0, 1, 2, 0}; // model_type, byte_fallback, bos_id, eos_id, treat_whitespace_as_suffix
        Object[] normalizer = {"", new byte[0], true, true, true}; // name, charsmap, add_dummy_prefix, remove_extra_ws, escape
        int[] denormalizerCharsmap = {0};
        boolean[] specs = new boolean[2]; // trainer_spec, normalizer_spec seen
        String where = "ModelProto";
        try {
            CodedInputStream in = CodedInputStream.newInstance(data);
            int tag;
            while ((tag = in.readTag()) != 0) {
                int field = WireFormat.getTagFieldNumber(tag);
                switch (field) {
                    case PIECES -> {
                        where = "pieces[" + pieces.size() + "]";
                        int old = enter(in, tag, where);
                        readPiece(in, pieces, scores, types, where);
                        in.popLimit(old);
                    }
                    case TRAINER_SPEC -> {
                        where = "trainer_spec";
                        int old = enter(in, tag, where);
                        readTrainerSpec(in, trainer);
                        specs[0] = true;
                        in.popLimit(old);
                    }
                    case NORMALIZER_SPEC -> {
                        where = "normalizer_spec";
                        int old = enter(in, tag, where);
                        readNormalizerSpec(in, normalizer, where);
                        specs[1] = true;
                        in.popLimit(old);
                    }
                    case DENORMALIZER_SPEC -> {
                        where = "denormalizer_spec";
                        int old = enter(in, tag, where);
                        Object[] denorm = {"", new byte[0], true, true, true};
                        readNormalizerSpec(in, denorm, where);
                        denormalizerCharsmap[0] = ((byte[]) denorm[1]).length;
                        in.popLimit(old);
                    }
                    default -> in.skipField(tag);
                }
                where = "ModelProto";
            }
        } catch (FieldError e) {
            throw new ModelFormatException(path, "SentencePiece model: " + e.getMessage());
        } catch (IOException e) { // InvalidProtocolBufferException: truncated, a bad varint or length, a bad wire type
            throw new ModelFormatException(path, "SentencePiece model: malformed protobuf in " + where + ": " + e.getMessage(), e);
        }
        if (pieces.isEmpty()) {
            throw new ModelFormatException(path, "SentencePiece model: no pieces (ModelProto field 1)");
        }
        // the trainer writes both after the pieces: a file cut between two pieces is valid protobuf without them, and
        // would load with a part of its vocabulary and the specs' defaults (UNIGRAM, extra spaces removed)
        if (!specs[0] || !specs[1]) {
            throw new ModelFormatException(path, "SentencePiece model: no " + (specs[0] ? "normalizer_spec (ModelProto field 3)"
                    : "trainer_spec (ModelProto field 2)") + " after " + pieces.size() + " pieces: the file is cut short or "
                    + "is not a whole tokenizer.model");
        }
        float[] sc = new float[scores.size()];
        for (int i = 0; i < sc.length; i++) {
            sc[i] = scores.get(i);
        }
        return new Model(pieces.toArray(String[]::new), sc, types.stream().mapToInt(Integer::intValue).toArray(),
                trainer[0], trainer[1] != 0, trainer[2], trainer[3], trainer[4] != 0, (String) normalizer[0],
                (byte[]) normalizer[1], (boolean) normalizer[2], (boolean) normalizer[3], (boolean) normalizer[4],
                denormalizerCharsmap[0]);
    }

    /** A field whose value is wrong for it (the message names it). */
    private static final class FieldError extends RuntimeException {
        FieldError(String message) {
            super(message);
        }
    }

    /** Enters an embedded message (field {@code tag} must be length-delimited); returns the limit to restore. */
    private static int enter(CodedInputStream in, int tag, String where) throws IOException {
        expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, where);
        return in.pushLimit(in.readRawVarint32());
    }

    private static void expectWireType(int tag, int wireType, String where) {
        if (WireFormat.getTagWireType(tag) != wireType) {
            throw new FieldError(where + ": field " + WireFormat.getTagFieldNumber(tag) + " has wire type "
                    + WireFormat.getTagWireType(tag) + ", expected " + wireType);
        }
    }

    private static void readPiece(CodedInputStream in, List<String> pieces, List<Float> scores, List<Integer> types,
            String where) throws IOException {
        String piece = null;
        float score = 0f;
        int type = SpmTokenizer.NORMAL;
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case PIECE_PIECE -> {
                    expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, where + ".piece");
                    piece = utf8(in.readByteArray(), where + ".piece");
                }
                case PIECE_SCORE -> {
                    expectWireType(tag, WireFormat.WIRETYPE_FIXED32, where + ".score");
                    score = in.readFloat();
                }
                case PIECE_TYPE -> {
                    expectWireType(tag, WireFormat.WIRETYPE_VARINT, where + ".type");
                    type = in.readEnum();
                    if (type < SpmTokenizer.NORMAL || type > SpmTokenizer.BYTE) {
                        throw new FieldError(where + ".type: " + type + " is not a piece type (1 NORMAL .. 6 BYTE)");
                    }
                }
                default -> in.skipField(tag);
            }
        }
        if (piece == null || piece.isEmpty()) {
            throw new FieldError(where + ".piece: missing or empty");
        }
        pieces.add(piece);
        scores.add(score);
        types.add(type);
    }

    private static void readTrainerSpec(CodedInputStream in, int[] trainer) throws IOException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            int field = WireFormat.getTagFieldNumber(tag);
            int slot = switch (field) {
                case TRAINER_MODEL_TYPE -> 0;
                case TRAINER_BYTE_FALLBACK -> 1;
                case TRAINER_BOS_ID -> 2;
                case TRAINER_EOS_ID -> 3;
                case TRAINER_TREAT_WHITESPACE_AS_SUFFIX -> 4;
                default -> -1;
            };
            if (slot < 0) {
                in.skipField(tag);
                continue;
            }
            expectWireType(tag, WireFormat.WIRETYPE_VARINT, "trainer_spec");
            trainer[slot] = in.readInt32();
        }
    }

    private static void readNormalizerSpec(CodedInputStream in, Object[] spec, String where) throws IOException {
        int tag;
        while ((tag = in.readTag()) != 0) {
            switch (WireFormat.getTagFieldNumber(tag)) {
                case NORMALIZER_NAME -> {
                    expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, where + ".name");
                    spec[0] = utf8(in.readByteArray(), where + ".name");
                }
                case NORMALIZER_CHARSMAP -> {
                    expectWireType(tag, WireFormat.WIRETYPE_LENGTH_DELIMITED, where + ".precompiled_charsmap");
                    spec[1] = in.readByteArray();
                }
                case NORMALIZER_ADD_DUMMY_PREFIX, NORMALIZER_REMOVE_EXTRA_WHITESPACES, NORMALIZER_ESCAPE_WHITESPACES -> {
                    expectWireType(tag, WireFormat.WIRETYPE_VARINT, where);
                    spec[WireFormat.getTagFieldNumber(tag) - 1] = in.readBool();
                }
                default -> in.skipField(tag);
            }
        }
    }

    private static String utf8(byte[] b, String where) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw new FieldError(where + ": not valid UTF-8");
        }
    }

    /** Checks what sentencepiece checks when it loads a model, and refuses what Kindling does not implement. */
    static SpmTokenizer build(Path path, Model m) {
        String[] pieces = m.pieces();
        int n = pieces.length;
        int[] types = m.types();
        Map<String, Integer> seen = new HashMap<>(n * 2);
        int unk = -1;
        for (int i = 0; i < n; i++) {
            Integer prev = seen.putIfAbsent(pieces[i], i);
            if (prev != null) { // sentencepiece: "<piece> is already defined"
                throw error(path, "pieces[" + i + "] \"" + pieces[i] + "\" is already pieces[" + prev + "]");
            }
            if (types[i] == SpmTokenizer.UNKNOWN) {
                if (unk >= 0) {
                    throw error(path, "pieces[" + i + "] is a second UNKNOWN piece (pieces[" + unk + "] is one)");
                }
                unk = i;
            }
            if (types[i] == SpmTokenizer.BYTE && !m.byteFallback()) {
                throw error(path, "pieces[" + i + "] is a BYTE piece but trainer_spec.byte_fallback is false");
            }
            if (types[i] == SpmTokenizer.UNUSED && m.modelType() == BPE) {
                throw error(path, "pieces[" + i + "] \"" + pieces[i] + "\" is UNUSED, which Kindling's BPE does not "
                        + "resegment as sentencepiece does; unused pieces in a BPE model are not supported");
            }
        }
        if (unk < 0) {
            throw error(path, "no piece has type UNKNOWN (sentencepiece needs the unknown piece)");
        }
        if (m.modelType() != BPE && m.modelType() != UNIGRAM) {
            String type = m.modelType() >= 1 && m.modelType() <= 4 ? MODEL_TYPES[m.modelType()] : String.valueOf(m.modelType());
            throw error(path, "trainer_spec.model_type " + type + " is not supported (supported: BPE, UNIGRAM)");
        }
        PrecompiledCharsMap charsMap = null;
        if (m.charsmap().length > 0) {
            try {
                charsMap = PrecompiledCharsMap.parse(m.charsmap());
            } catch (PrecompiledCharsMap.Corrupt e) {
                throw error(path, "normalizer_spec.precompiled_charsmap (the \"" + m.normalizerName() + "\" normalizer, "
                        + m.charsmap().length + " bytes) is not a character map: " + e.getMessage());
            }
        }
        if (m.denormalizerCharsmapBytes() > 0) {
            throw error(path, "denormalizer_spec.precompiled_charsmap (" + m.denormalizerCharsmapBytes()
                    + " bytes) is not supported");
        }
        if (m.treatWhitespaceAsSuffix()) {
            throw error(path, "trainer_spec.treat_whitespace_as_suffix is not supported");
        }
        int bos = specialId(path, m.bosId(), n, "trainer_spec.bos_id");
        int eos = specialId(path, m.eosId(), n, "trainer_spec.eos_id");

        boolean addBos = true;
        boolean addEos = false;
        ChatTemplate template = null;
        HfTokenizerJson.SideConfig config = HfTokenizerJson.sideConfig(path);
        if (config != null) {
            Path cfg = path.toAbsolutePath().resolveSibling("tokenizer_config.json");
            bos = config.bosToken() == null ? bos : named(cfg, seen, config.bosToken(), "bos_token");
            eos = config.eosToken() == null ? eos : named(cfg, seen, config.eosToken(), "eos_token");
            addBos = config.addBosToken() == null ? addBos : config.addBosToken();
            addEos = config.addEosToken() == null ? addEos : config.addEosToken();
            if (config.chatTemplate() != null) {
                template = new ChatTemplate(config.chatTemplate(), config.specialTokens());
            }
        }
        return new SpmTokenizer(new SpmTokenizer.Spec(nameOf(path), SpmTokenizer.Algorithm.SENTENCEPIECE, pieces,
                m.scores(), types, bos, eos, unk, EndOfGeneration.ids(pieces, eos, -1, -1, -1, -1, -1), addBos, addEos,
                m.addDummyPrefix(), template, null, null, m.removeExtraWhitespaces(), m.escapeWhitespaces(),
                m.byteFallback(), m.modelType() == UNIGRAM, charsMap));
    }

    private static int specialId(Path path, int id, int n, String field) {
        if (id < -1 || id >= n) {
            throw error(path, field + " " + id + " is outside -1.." + (n - 1));
        }
        return id;
    }

    private static int named(Path config, Map<String, Integer> ids, String text, String field) {
        Integer id = ids.get(text);
        if (id == null) {
            throw new ModelFormatException(config, field + " \"" + text + "\" is not a piece of the tokenizer.model beside it");
        }
        return id;
    }

    private static ModelFormatException error(Path path, String message) {
        return new ModelFormatException(path, "SentencePiece model: " + message);
    }

    /** The folder's name for a {@code tokenizer.model}, else the file's. */
    static String nameOf(Path file) {
        String f = file.getFileName().toString();
        Path parent = file.toAbsolutePath().getParent();
        return f.equals("tokenizer.model") && parent != null && parent.getFileName() != null ? parent.getFileName().toString() : f;
    }
}
