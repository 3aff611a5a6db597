package dev.kindling.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.EndOfGeneration;
import dev.kindling.tokenizer.bpe.BpeModel;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.VocabMap;
import dev.kindling.tokenizer.decode.Decoder;
import dev.kindling.tokenizer.decode.Decoders;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.normalize.PrecompiledCharsMap;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.pretokenize.ByteLevelPreTokenizer;
import dev.kindling.tokenizer.pretokenize.LiteralPattern;
import dev.kindling.tokenizer.pretokenize.Metaspace;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizers;
import dev.kindling.tokenizer.pretokenize.RegexPattern;
import dev.kindling.tokenizer.pretokenize.Scanners;
import dev.kindling.tokenizer.pretokenize.SequencePreTokenizer;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.pretokenize.SplitPattern;
import dev.kindling.tokenizer.unigram.UnigramModel;
import dev.kindling.tokenizer.wordlevel.WordLevelModel;
import dev.kindling.tokenizer.wordpiece.WordPieceModel;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.zip.GZIPInputStream;

/**
 * Reads a Hugging Face {@code tokenizer.json} (plain or gzipped) and the {@code tokenizer_config.json}
 * beside it (BOS/EOS names and the chat template). The large {@code model} section (vocab, merges)
 * is read by a small byte-level scanner ({@link JsonScanner}: quick in a cold JVM); the rest is
 * read as Jackson trees. Anything unsupported or malformed is a
 * {@link ModelFormatException} naming the file and the JSON field.
 */
public final class HfTokenizerJson {

    private final Path path;

    private HfTokenizerJson(Path path) {
        this.path = path;
    }

    /** Loads {@code tokenizer.json}, {@code tokenizer.json.gz}, or a directory holding one of them. */
    public static HfTokenizer load(Path path) {
        Path file = path;
        if (Files.isDirectory(path)) {
            file = Files.exists(path.resolve("tokenizer.json")) ? path.resolve("tokenizer.json") : path.resolve("tokenizer.json.gz");
            if (!Files.exists(file)) {
                throw new ModelFormatException(path, "directory holds no tokenizer.json or tokenizer.json.gz");
            }
        }
        return new HfTokenizerJson(file).read();
    }

    /** True when {@code path} looks like a (gzipped) JSON object. */
    public static boolean looksLike(Path path) {
        try (InputStream in = open(path)) {
            int c;
            do {
                c = in.read();
            } while (c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == 0xEF || c == 0xBB || c == 0xBF);
            return c == '{';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    static InputStream open(Path p) throws IOException {
        InputStream in = new BufferedInputStream(Files.newInputStream(p), 1 << 16);
        in.mark(2);
        int a = in.read();
        int b = in.read();
        in.reset();
        if (a == 0x1f && b == 0x8b) {
            return new BufferedInputStream(new GZIPInputStream(in, 1 << 16), 1 << 16);
        }
        return in;
    }

    private ModelFormatException error(String field, String message) {
        return new ModelFormatException(path, field + ": " + message);
    }

    /** The streamed model section. */
    private static final class ModelSection {
        String type;
        VocabMap vocab;
        List<String> unigramPieces;
        List<Double> unigramScores;
        List<String> mergeLeft = new ArrayList<>();
        List<String> mergeRight = new ArrayList<>();
        /** The vocab keys as raw byte ranges (null when the vocab is not a {"token": id} object). */
        RawVocab rawVocab;
        /** Merges resolved to ids while scanning (left, right, merged), when the vocab came first. */
        IntBuffer mergeLeftIds;
        IntBuffer mergeRightIds;
        IntBuffer mergedIds;

        int mergeCount() {
            return mergeLeftIds != null ? mergeLeftIds.size() : mergeLeft.size();
        }
        Map<String, JsonNode> options = new HashMap<>();
        boolean sawMerges;
    }

    private HfTokenizer read() {
        ModelSection model = null;
        Map<String, JsonNode> sections = new HashMap<>();
        byte[] bytes;
        try (InputStream in = open(path)) {
            bytes = in.readAllBytes();
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e, e);
        }
        JsonScanner js = new JsonScanner(bytes);
        String field = "(top level)";
        try {
            js.expect('{');
            if (!js.accept('}')) {
                do {
                    field = js.string();
                    js.expect(':');
                    if (field.equals("model")) {
                        model = readModel(js);
                    } else {
                        sections.put(field, js.tree());
                    }
                } while (js.accept(','));
                js.expect('}');
            }
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(path, "malformed JSON in " + field + ": " + e.getMessage(), e);
        }
        if (model == null) {
            throw error("model", "missing");
        }
        List<AddedToken> addedTokens = readAddedTokens(section(sections, "added_tokens"));
        JsonField preNode = section(sections, "pre_tokenizer");
        List<PreTokenizer> preStages = new ArrayList<>();
        boolean byteLevel = !preNode.isNull() && flattenPreTokenizers(preNode, preStages);
        PreTokenizer pre = preStages.isEmpty() ? null : preStages.size() == 1 ? preStages.get(0) : new SequencePreTokenizer(preStages);
        Model m = buildModel(model, byteLevel);
        addedTokens = withHfIds(addedTokens, m);
        JsonField normNode = section(sections, "normalizer");
        Normalizer normalizer = normNode.isNull() ? null : normalizer(normNode);
        AddedVocabulary added = new AddedVocabulary(addedTokens, normalizer);
        JsonField postNode = section(sections, "post_processor");
        PostProcessor post = postNode.isNull() ? PostProcessor.NONE : postProcessor(postNode, added, m);
        JsonField decNode = section(sections, "decoder");
        Decoder decoder = decNode.isNull() ? null : decoder(decNode);

        // tokenizer_config.json: BOS/EOS names and the chat template
        JsonField config = readConfig(path);
        String bosName = tokenName(config, "bos_token");
        String eosName = tokenName(config, "eos_token");
        int bos = idOf(bosName, added, m);
        if (bos < 0 && post.prefix().length > 0 && config == null) {
            bos = post.prefix()[0];
        }
        int eos = idOf(eosName, added, m);
        int[] stops = stopIds(addedTokens, eos, eosName);
        ChatTemplate template = null;
        if (config != null && !config.get("chat_template").isNull()) {
            String src = chatTemplateSource(config.get("chat_template"));
            if (src != null) {
                template = new ChatTemplate(src, specialTokens(config));
            }
        }
        String name = nameOf(path);
        return new HfTokenizer(name, m, normalizer, pre, post, decoder, added, bos, eos,
                stops, template, prefixSpace(preNode));
    }

    /** A top-level section (absent when the file has none), for strict reading. */
    private JsonField section(Map<String, JsonNode> sections, String name) {
        return JsonField.of(path, sections.get(name), name);
    }

    /**
     * Where the pre-tokenizer puts a space in front of the normalized text, for offsets: Metaspace, ByteLevel (the
     * offsets align the tokens with the normalized text, which holds what a Prepend normalizer put there). Runs after
     * the sections were read, so their shape is already checked.
     */
    private OffsetAligner.Prefix prefixSpace(JsonField pre) {
        JsonField meta = step(pre, "pretokenizers", "Metaspace");
        if (meta != null) {
            return switch (prependScheme(meta)) {
                case ALWAYS -> OffsetAligner.Prefix.IF_NO_SPACE_OR_MARK;
                case FIRST -> OffsetAligner.Prefix.FIRST_IF_NO_SPACE;
                case NEVER -> OffsetAligner.Prefix.NONE;
            };
        }
        JsonField bl = step(pre, "pretokenizers", "ByteLevel");
        return bl != null && bl.get("add_prefix_space").bool() ? OffsetAligner.Prefix.IF_NO_SPACE : OffsetAligner.Prefix.NONE;
    }

    /** The first step of {@code type} in {@code n} or its (nested) Sequence. */
    private static JsonField step(JsonField n, String list, String type) {
        if (n.isNull()) {
            return null;
        }
        String t = n.get("type").string();
        if (type.equals(t)) {
            return n;
        }
        if (t.equals("Sequence")) {
            for (JsonField c : n.get(list).elements()) {
                JsonField s = step(c, list, type);
                if (s != null) {
                    return s;
                }
            }
        }
        return null;
    }

    /**
     * llama.cpp's end-of-generation set ({@link EndOfGeneration}) over the added tokens the file marks special, and the
     * EOS tokenizer_config.json names. llama.cpp looks for its texts in every token of a vocabulary, but a tokenizer.json
     * says which tokens are control tokens: Qwen3's plain-text {@code </s>} and its non-special FIM tokens, and Gemma
     * 3's non-special {@code </s>}, are text there (transformers and vLLM do not stop at them either).
     */
    private static int[] stopIds(List<AddedToken> addedTokens, int eos, String eosName) {
        int size = eos + 1;
        for (AddedToken t : addedTokens) {
            size = Math.max(size, t.id() + 1);
        }
        String[] texts = new String[size];
        for (AddedToken t : addedTokens) {
            if (t.special()) {
                texts[t.id()] = t.content();
            }
        }
        if (eos >= 0) {
            texts[eos] = eosName;
        }
        return EndOfGeneration.ids(texts, eos, -1, -1, -1, -1, -1);
    }

    static String nameOf(Path file) {
        String f = file.getFileName().toString();
        if ((f.equals("tokenizer.json") || f.equals("tokenizer.json.gz")) && file.getParent() != null
                && file.getParent().getFileName() != null) {
            return file.getParent().getFileName().toString();
        }
        return f;
    }

    /**
     * What the tokenizer_config.json beside a vocabulary that is not a tokenizer.json (a SentencePiece
     * {@code tokenizer.model}) says: BOS/EOS texts, {@code add_bos_token}/{@code add_eos_token} (null when absent), the
     * chat template with the special tokens transformers passes it (null when none). Null when there is no such file.
     */
    public record SideConfig(String bosToken, String eosToken, Boolean addBosToken, Boolean addEosToken,
            String chatTemplate, Map<String, Object> specialTokens) {}

    /** The {@link SideConfig} of {@code file}'s folder, or null when it holds no tokenizer_config.json. */
    public static SideConfig sideConfig(Path file) {
        JsonField config = readConfig(file);
        if (config == null) {
            return null;
        }
        JsonField addBos = config.get("add_bos_token");
        JsonField addEos = config.get("add_eos_token");
        JsonField template = config.get("chat_template");
        return new SideConfig(tokenName(config, "bos_token"), tokenName(config, "eos_token"),
                addBos.isNull() ? null : addBos.bool(), addEos.isNull() ? null : addEos.bool(),
                template.isNull() ? null : chatTemplateSource(template), specialTokens(config));
    }

    /** The tokenizer_config.json beside {@code path} (its root object), or null. */
    private static JsonField readConfig(Path path) {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.exists(cfg)) {
            return null;
        }
        try {
            JsonScanner js = new JsonScanner(ModelFormatException.readAllBytes(cfg));
            JsonNode n = js.tree();
            if (js.peek() != -1) {
                throw js.error("unexpected data after the JSON value");
            }
            return JsonField.of(cfg, n, "").object();
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(cfg, "malformed JSON: " + e.getMessage(), e);
        }
    }

    /** The special tokens transformers' {@code special_tokens_map} holds, as tokenizer_config.json sets them. */
    private static final List<String> SPECIAL_TOKENS = List.of("bos_token", "eos_token", "unk_token", "sep_token",
            "pad_token", "cls_token", "mask_token");

    /**
     * What transformers passes a chat template of the tokenizer's special tokens ({@code special_tokens_map}):
     * each one set to a non-empty text, and {@code additional_special_tokens} when not empty.
     */
    private static Map<String, Object> specialTokens(JsonField config) {
        Map<String, Object> out = new HashMap<>();
        for (String name : SPECIAL_TOKENS) {
            String token = tokenName(config, name);
            if (token != null && !token.isEmpty()) {
                out.put(name, token);
            }
        }
        JsonField extra = config.get("additional_special_tokens");
        if (extra.isArray()) {
            List<String> tokens = new ArrayList<>();
            for (JsonField t : extra.elements()) {
                tokens.add(t.isString() ? t.string() : t.get("content").string());
            }
            if (!tokens.isEmpty()) {
                out.put("additional_special_tokens", tokens);
            }
        }
        return out;
    }

    /** {@code "bos_token": "<s>"} or {@code {"content": "<s>", ...}} (null or absent: none). */
    private static String tokenName(JsonField config, String name) {
        JsonField v = config == null ? null : config.get(name);
        if (v == null || v.isNull()) {
            return null;
        }
        return v.isString() ? v.string() : v.get("content").string();
    }

    /** A template string, or {@code [{"name": "default", "template": ...}, {"name": "tool_use", ...}]}. */
    private static String chatTemplateSource(JsonField n) {
        if (!n.isArray()) {
            return n.string();
        }
        List<JsonField> named = n.elements();
        for (JsonField t : named) {
            if (t.get("name").string().equals("default")) {
                return t.get("template").string();
            }
        }
        return named.isEmpty() ? null : named.get(0).get("template").string();
    }

    private static int idOf(String token, AddedVocabulary added, Model m) {
        if (token == null) {
            return -1;
        }
        AddedToken a = added.byContent(token);
        return a != null ? a.id() : m.tokenToId(token);
    }

    // ---------------------------------------------------------------- model

    private ModelSection readModel(JsonScanner js) {
        ModelSection m = new ModelSection();
        if (js.peek() != '{') {
            throw JsonField.of(path, js.tree(), "model").expected("an object");
        }
        js.expect('{');
        if (js.accept('}')) {
            return m;
        }
        do {
            String f = js.string();
            js.expect(':');
            switch (f) {
                case "vocab" -> {
                    if (js.peek() == '{') {
                        int expected = expectedVocabSize(js.bytes().length);
                        m.rawVocab = new RawVocab(js.bytes(), expected);
                        m.vocab = readVocab(js, m.rawVocab, expected);
                    } else if (js.peek() == '[') { // Unigram: [[piece, score], ...]
                        js.expect('[');
                        m.unigramPieces = new ArrayList<>();
                        m.unigramScores = new ArrayList<>();
                        if (!js.accept(']')) {
                            do {
                                readUnigramEntry(js, m);
                            } while (js.accept(','));
                            js.expect(']');
                        }
                    } else {
                        throw JsonField.of(path, js.tree(), "model.vocab").expected("an object or an array");
                    }
                }
                case "merges" -> {
                    m.sawMerges = true;
                    readMerges(js, m);
                }
                default -> m.options.put(f, js.tree());
            }
        } while (js.accept(','));
        js.expect('}');
        JsonField type = option(m, "type");
        m.type = type.isAbsent() ? null : type.string(); // absent: guessed from the fields; null: an error
        return m;
    }

    /** {@code model.name}, for strict reading. */
    private JsonField option(ModelSection m, String name) {
        return JsonField.of(path, m.options.get(name), "model." + name);
    }

    /** One Unigram {@code [piece, score]}. */
    private void readUnigramEntry(JsonScanner js, ModelSection m) {
        int i = m.unigramPieces.size();
        try {
            js.expect('[');
            m.unigramPieces.add(js.string());
            js.expect(',');
            m.unigramScores.add(js.number());
            js.expect(']');
        } catch (IllegalArgumentException e) {
            throw error("model.vocab[" + i + "]", "expected [piece, score] (" + e.getMessage() + ")");
        }
    }

    /** Reads {@code model.vocab} as {@code {"token": id, ...}}; a small loop over a small method, for the JIT. */
    /**
     * A guess of the vocabulary size from the file size (a vocab entry and a merge take about 20
     * bytes each), so the tables start near their final size without over-allocating for small files.
     */
    private static int expectedVocabSize(int fileBytes) {
        return Math.max(1 << 10, Math.min(1 << 19, fileBytes / 40));
    }

    private VocabMap readVocab(JsonScanner js, RawVocab raw, int expected) {
        js.expect('{');
        VocabMap v = new VocabMap(expected);
        if (!js.accept('}')) {
            do {
                readVocabEntry(js, v, raw);
            } while (js.accept(','));
            js.expect('}');
        }
        return v;
    }

    private void readVocabEntry(JsonScanner js, VocabMap v, RawVocab raw) {
        int keyStart = js.peek() == '"' ? js.pos() + 1 : -1;
        String k = js.string();
        int keyEnd = js.pos() - 1;
        js.expect(':');
        long id;
        try {
            id = js.integer();
        } catch (IllegalArgumentException e) {
            throw error("model.vocab[\"" + k + "\"]", "expected a whole number token id (" + e.getMessage() + ")");
        }
        if (id < 0 || id >= JsonField.TOKEN_ID_LIMIT) {
            throw error("model.vocab[\"" + k + "\"]", "id " + id + " is not a valid token id (0 to "
                    + (JsonField.TOKEN_ID_LIMIT - 1) + ")");
        }
        v.put(k, (int) id);
        byte[] b = js.bytes();
        boolean escaped = false;
        for (int i = keyStart; i < keyEnd && !escaped; i++) {
            escaped = b[i] == '\\';
        }
        if (!escaped) {
            raw.put(keyStart, keyEnd, (int) id);
        }
    }

    /**
     * Reads {@code model.merges} ({@code "left right"} strings or {@code [left, right]} pairs). When
     * the vocab came first and there is no continuing-subword prefix (every tokenizer.json written by
     * HF), each merge is resolved to ids straight from the file's bytes: no String per merge, which
     * is a third of a cold load for a 200k vocabulary. Otherwise the strings are kept for
     * {@link BpeModel} to resolve.
     */
    private void readMerges(JsonScanner js, ModelSection m) {
        JsonField prefix = option(m, "continuing_subword_prefix"); // a wrong type is reported by buildModel
        boolean resolve = m.rawVocab != null && (prefix.isNull() || (prefix.isString() && prefix.string().isEmpty()));
        if (resolve) {
            m.mergeLeftIds = new IntBuffer();
            m.mergeRightIds = new IntBuffer();
            m.mergedIds = new IntBuffer();
        }
        if (js.peek() != '[') {
            throw JsonField.of(path, js.tree(), "model.merges").expected("an array");
        }
        js.expect('[');
        if (js.accept(']')) {
            return;
        }
        try {
            // the loop stays tiny and each step is its own small method: the JIT compiles small methods
            // quickly, while one big loop body costs seconds of C2 time in a cold JVM
            do {
                if (!resolve) {
                    readMergeStrings(js, m);
                } else if (!readMergeResolved(js, m)) {
                    resolveMergeSlowly(js, m);
                }
            } while (js.accept(','));
        } catch (IllegalArgumentException e) {
            throw error("model.merges[" + m.mergeCount() + "]", "expected \"left right\" or [left, right] (" + e.getMessage() + ")");
        }
        js.expect(']');
    }

    /** One merge as two strings, for {@link BpeModel} to resolve. */
    private void readMergeStrings(JsonScanner js, ModelSection m) {
        String[] lr = mergeStrings(js, m.mergeCount());
        m.mergeLeft.add(lr[0]);
        m.mergeRight.add(lr[1]);
    }

    private String[] mergeStrings(JsonScanner js, int i) {
        if (js.peek() == '"') {
            String s = js.string();
            int sp = s.indexOf(' ');
            if (sp < 0) {
                throw error("model.merges[" + i + "]", "\"" + s + "\" is not \"left right\"");
            }
            return new String[] {s.substring(0, sp), s.substring(sp + 1)};
        }
        js.expect('[');
        String l = js.string();
        js.expect(',');
        String r = js.string();
        js.expect(']');
        return new String[] {l, r};
    }

    /**
     * One merge resolved to ids from the raw bytes; false (with nothing consumed) when that needs
     * Strings: escapes, bytes that are not UTF-8, or a merge outside the vocabulary (an error).
     */
    private static boolean readMergeResolved(JsonScanner js, ModelSection m) {
        int start = js.pos();
        byte[] b = js.bytes();
        int lFrom;
        int lTo;
        int rFrom;
        int rTo;
        if (js.peek() == '"') {
            long whole = js.rawString();
            if (whole < 0) {
                return false;
            }
            lFrom = (int) (whole >>> 32);
            rTo = (int) whole;
            lTo = lFrom;
            while (lTo < rTo && b[lTo] != ' ') {
                lTo++;
            }
            if (lTo == rTo) {
                js.seek(start);
                return false;
            }
            rFrom = lTo + 1;
        } else {
            js.expect('[');
            long l = js.rawString();
            if (l < 0) {
                js.seek(start);
                return false;
            }
            js.expect(',');
            long r = js.rawString();
            if (r < 0) {
                js.seek(start);
                return false;
            }
            js.expect(']');
            lFrom = (int) (l >>> 32);
            lTo = (int) l;
            rFrom = (int) (r >>> 32);
            rTo = (int) r;
        }
        RawVocab v = m.rawVocab;
        int lh = v.hash(lFrom, lTo);
        int rh = v.hash(rFrom, rTo);
        int lid = v.get(lFrom, lTo, lh);
        int rid = v.get(rFrom, rTo, rh);
        int mid = lid < 0 || rid < 0 ? -1 : v.getConcat(lFrom, lTo, lh, rFrom, rTo, rh);
        if (mid < 0) {
            js.seek(start);
            return false;
        }
        m.mergeLeftIds.add(lid);
        m.mergeRightIds.add(rid);
        m.mergedIds.add(mid);
        return true;
    }

    /** The String path of {@link #readMergeResolved}, which also reports a merge outside the vocabulary. */
    private void resolveMergeSlowly(JsonScanner js, ModelSection m) {
        int i = m.mergeCount();
        String[] lr = mergeStrings(js, i);
        int lid = m.vocab.get(lr[0]);
        int rid = m.vocab.get(lr[1]);
        if (lid < 0 || rid < 0) {
            throw error("model", "merge " + i + " (\"" + lr[0] + "\" \"" + lr[1] + "\") uses " + (lid < 0 ? lr[0] : lr[1])
                    + ", which is not in the vocab");
        }
        int mid = m.vocab.getConcat(lr[0], lr[1], 0);
        if (mid < 0) {
            throw error("model", "merge " + i + " (\"" + lr[0] + "\" \"" + lr[1] + "\") produces \"" + lr[0] + lr[1]
                    + "\", which is not in the vocab");
        }
        m.mergeLeftIds.add(lid);
        m.mergeRightIds.add(rid);
        m.mergedIds.add(mid);
    }

    private Model buildModel(ModelSection m, boolean byteLevel) {
        String type = m.type;
        if (type == null) { // old files without "type": guess from the fields
            type = m.unigramPieces != null ? "Unigram" : m.mergeCount() > 0 ? "BPE"
                    : m.options.containsKey("max_input_chars_per_word") ? "WordPiece" : "WordLevel";
        }
        try {
            switch (type) {
                case "BPE": {
                    VocabMap vocab = tokenVocab(m, type);
                    if (!m.sawMerges) {
                        throw error("model.merges", "missing");
                    }
                    double dropout = option(m, "dropout").nullableNumber(0);
                    if (dropout < 0 || dropout > 1) {
                        throw error("model.dropout", dropout + " is not between 0 and 1");
                    }
                    if (dropout > 0) {
                        throw error("model.dropout", "BPE dropout is not supported (it makes encoding random)");
                    }
                    // serde Option<T> and bools that default when null (BPE's own deserializer)
                    BpeModel.Spec spec = new BpeModel.Spec(vocab, m.mergeLeft.toArray(String[]::new),
                            m.mergeRight.toArray(String[]::new), option(m, "unk_token").nullableString(),
                            option(m, "fuse_unk").nullableBool(false), option(m, "byte_fallback").nullableBool(false),
                            option(m, "ignore_merges").nullableBool(false), option(m, "continuing_subword_prefix").nullableString(),
                            option(m, "end_of_word_suffix").nullableString());
                    BpeModel.Merges resolved = m.mergeLeftIds == null ? null
                            : new BpeModel.Merges(m.mergeLeftIds.toArray(), m.mergeRightIds.toArray(), m.mergedIds.toArray());
                    return new BpeModel(spec, resolved, byteLevel);
                }
                case "WordPiece":
                    return new WordPieceModel(tokenVocab(m, type).toMap(), option(m, "unk_token").string(),
                            option(m, "continuing_subword_prefix").string(), option(m, "max_input_chars_per_word").nonNegativeInt());
                case "WordLevel":
                    return new WordLevelModel(tokenVocab(m, type).toMap(), option(m, "unk_token").string());
                case "Unigram": {
                    if (m.unigramPieces == null) {
                        throw error("model.vocab", m.vocab != null ? "a Unigram model needs a [piece, score] array" : "missing");
                    }
                    double[] scores = m.unigramScores.stream().mapToDouble(Double::doubleValue).toArray();
                    JsonField unk = option(m, "unk_id");
                    int unkId = unk.isNull() ? -1 : unk.nonNegativeInt();
                    if (unkId >= m.unigramPieces.size()) {
                        throw unk.error("unk_id " + unkId + " is outside the vocab of " + m.unigramPieces.size());
                    }
                    return new UnigramModel(m.unigramPieces.toArray(String[]::new), scores, unkId,
                            option(m, "byte_fallback").boolOr(false));
                }
                default:
                    throw error("model.type", "\"" + type + "\" is not supported (supported: BPE, WordPiece, WordLevel, Unigram)");
            }
        } catch (IllegalArgumentException e) {
            throw error("model", e.getMessage());
        }
    }

    /** The {@code {"token": id}} vocab a BPE, WordPiece or WordLevel model needs. */
    private VocabMap tokenVocab(ModelSection m, String type) {
        if (m.vocab == null) {
            throw error("model.vocab", m.unigramPieces != null ? "a " + type + " model needs a {\"token\": id} object" : "missing");
        }
        return m.vocab;
    }

    /** {@code added_tokens}: every field is required (HF's AddedTokenWithId); absent means none, null is an error. */
    private List<AddedToken> readAddedTokens(JsonField n) {
        List<AddedToken> out = new ArrayList<>();
        if (n.isAbsent()) {
            return out;
        }
        for (JsonField t : n.elements()) {
            out.add(new AddedToken(t.get("id").tokenId(), t.get("content").string(), t.get("single_word").bool(),
                    t.get("lstrip").bool(), t.get("rstrip").bool(), t.get("normalized").bool(), t.get("special").bool()));
        }
        return out;
    }

    /**
     * The added tokens with the ids HF gives them ({@code AddedVocabulary::add_tokens}, in the file's order): a content
     * added before keeps that id, a content the model has takes the model's id, whatever id the file declares ("@@"
     * declared 32000 in a Llama 2 file is 15168, and 32000 is then no token). A new content ignores its declared id
     * too: it takes the model's vocabulary size, or one more than the highest id given so far when that is at least
     * the vocabulary size, so declared ids 10 and 7 after a 3-token vocabulary become 3 and 4. (An empty content,
     * which HF skips, keeps its declared id.)
     */
    private static List<AddedToken> withHfIds(List<AddedToken> tokens, Model m) {
        Map<String, Integer> ids = new HashMap<>();
        List<AddedToken> out = new ArrayList<>(tokens.size());
        int vocabSize = m.vocabSize();
        int highest = -1; // the highest id given to an added token so far (HF's added_tokens_map)
        for (AddedToken t : tokens) {
            Integer before = ids.get(t.content());
            int id = before != null ? before : t.content().isEmpty() ? -1 : m.tokenToId(t.content());
            if (id < 0 && !t.content().isEmpty()) {
                id = Math.max(vocabSize, highest + 1); // HF's rule (max >= vocab size ? max + 1 : vocab size), in one
            } else if (id < 0) {
                id = t.id();
            }
            if (!t.content().isEmpty()) {
                highest = Math.max(highest, id);
            }
            ids.putIfAbsent(t.content(), id);
            out.add(id == t.id() ? t : new AddedToken(id, t.content(), t.singleWord(), t.lstrip(), t.rstrip(), t.normalized(), t.special()));
        }
        return out;
    }

    // ---------------------------------------------------------------- normalizers

    private Normalizer normalizer(JsonField n) {
        JsonField typeField = n.get("type");
        String type = typeField.string();
        return switch (type) {
            case "NFC" -> Normalizers.unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> Normalizers.unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> Normalizers.unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> Normalizers.unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> Normalizers.lowercase();
            case "Strip" -> Normalizers.strip(n.get("strip_left").bool(), n.get("strip_right").bool());
            case "StripAccents" -> Normalizers.stripAccents();
            case "Nmt" -> Normalizers.nmt();
            case "Prepend" -> Normalizers.prepend(n.get("prepend").string());
            case "Replace" -> {
                StringOrRegex pat = pattern(n.get("pattern"));
                String content = n.get("content").string();
                yield pat.regex() ? Normalizers.replaceRegex(compile(pat.value()), content)
                        : Normalizers.replaceLiteral(pat.value().string(), content);
            }
            case "BertNormalizer" -> {
                boolean clean = n.get("clean_text").bool();
                boolean chinese = n.get("handle_chinese_chars").bool();
                boolean lower = n.get("lowercase").bool();
                boolean strip = n.get("strip_accents").nullableBool(lower); // Option<bool>: null follows lowercase
                yield Normalizers.bert(clean, chinese, strip, lower);
            }
            case "Precompiled" -> {
                // an empty or null map is no normalizer: transformers.js exports (opus-mt-*, speecht5) carry null, which
                // HF's Rust library cannot load but Kindling always has
                JsonField field = n.get("precompiled_charsmap");
                String map = field.nullableString();
                if (map == null || map.isEmpty()) {
                    yield null;
                }
                byte[] blob;
                try {
                    blob = java.util.Base64.getDecoder().decode(map);
                } catch (IllegalArgumentException e) {
                    throw field.error("not base64: " + e.getMessage());
                }
                try {
                    yield Normalizers.precompiled(PrecompiledCharsMap.parse(blob));
                } catch (PrecompiledCharsMap.Corrupt e) {
                    throw field.error("not a SentencePiece character map (" + blob.length + " bytes): " + e.getMessage());
                }
            }
            case "Sequence" -> {
                List<Normalizer> parts = new ArrayList<>();
                for (JsonField c : n.get("normalizers").elements()) {
                    Normalizer x = normalizer(c);
                    if (x != null) {
                        parts.add(x);
                    }
                }
                yield parts.isEmpty() ? null : Normalizers.sequence(parts);
            }
            default -> throw typeField.error("\"" + type + "\" is not supported (supported: NFC, NFD, NFKC, NFKD, "
                    + "Lowercase, Strip, StripAccents, Replace, Prepend, BertNormalizer, Nmt, Precompiled, Sequence)");
        };
    }

    /** A Replace or Split pattern: {@code {"String": "..."}} or {@code {"Regex": "..."}}; {@code value} is that string. */
    private record StringOrRegex(JsonField value, boolean regex) {}

    private static StringOrRegex pattern(JsonField p) {
        String tag = p.variant("String", "Regex");
        JsonField value = p.get(tag);
        value.string();
        return new StringOrRegex(value, tag.equals("Regex"));
    }

    private static Pattern compile(JsonField regex) {
        try {
            return RegexPattern.compile(regex.string());
        } catch (java.util.regex.PatternSyntaxException e) {
            throw regex.error("regex /" + regex.string() + "/ does not compile: " + e.getDescription());
        }
    }

    // ---------------------------------------------------------------- pre-tokenizers

    /** Adds the stages of {@code n} (nested Sequences flattened); returns whether one of them is ByteLevel. */
    private boolean flattenPreTokenizers(JsonField n, List<PreTokenizer> out) {
        JsonField typeField = n.get("type");
        String type = typeField.string();
        if (type.equals("Sequence")) {
            boolean bl = false;
            for (JsonField c : n.get("pretokenizers").elements()) {
                bl |= flattenPreTokenizers(c, out);
            }
            return bl;
        }
        if (!out.isEmpty() && out.get(out.size() - 1) instanceof ByteLevelPreTokenizer) {
            throw n.error("a " + type + " pre-tokenizer after ByteLevel is not supported (ByteLevel must be the last step)");
        }
        switch (type) {
            case "ByteLevel" -> {
                out.add(byteLevel(n));
                return true;
            }
            case "Split" -> {
                StringOrRegex pat = pattern(n.get("pattern"));
                SplitPattern sp;
                if (pat.regex()) {
                    if (!Scanners.hasScanner(pat.value().string())) {
                        // a known pattern compiles (the scanners' tests compile it): translating it again here took
                        // load time, and asked Character.getType about characters of every plane (see UnicodeAdditions)
                        compile(pat.value());
                    }
                    sp = Scanners.forPattern(pat.value().string());
                } else {
                    sp = new LiteralPattern(pat.value().string());
                }
                out.add(new Split(sp, behavior(n.get("behavior")), n.get("invert").bool()));
            }
            case "Metaspace" -> out.add(new Metaspace(n.get("replacement").character(), prependScheme(n),
                    n.get("split").nullableBool(true)));
            case "Digits" -> out.add(PreTokenizers.digits(n.get("individual_digits").bool()));
            case "Punctuation" -> {
                JsonField b = n.get("behavior");
                out.add(PreTokenizers.punctuation(b.isAbsent() ? Split.Behavior.ISOLATED : behavior(b)));
            }
            case "Whitespace" -> out.add(PreTokenizers.whitespace());
            case "WhitespaceSplit" -> out.add(PreTokenizers.whitespaceSplit());
            case "BertPreTokenizer" -> out.add(PreTokenizers.bert());
            case "CharDelimiterSplit" -> out.add(PreTokenizers.charDelimiter(n.get("delimiter").codePoint()));
            default -> throw typeField.error("\"" + type + "\" is not supported (supported: ByteLevel, Split, Metaspace, "
                    + "Digits, Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit, Sequence)");
        }
        return false;
    }

    /**
     * ByteLevel's fields, shared by the pre-tokenizer, post-processor and decoder: add_prefix_space and
     * trim_offsets are required, use_regex defaults to true.
     */
    private static ByteLevelPreTokenizer byteLevel(JsonField n) {
        boolean addPrefixSpace = n.get("add_prefix_space").bool();
        n.get("trim_offsets").bool();
        return new ByteLevelPreTokenizer(addPrefixSpace, n.get("use_regex").boolOr(true));
    }

    private static Split.Behavior behavior(JsonField b) {
        return switch (b.oneOf("Removed", "Isolated", "MergedWithPrevious", "MergedWithNext", "Contiguous")) {
            case "Removed" -> Split.Behavior.REMOVED;
            case "Isolated" -> Split.Behavior.ISOLATED;
            case "MergedWithPrevious" -> Split.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Split.Behavior.MERGED_WITH_NEXT;
            default -> Split.Behavior.CONTIGUOUS;
        };
    }

    /**
     * Metaspace's prepend scheme (pre-tokenizer and decoder): {@code prepend_scheme} defaults to always;
     * the older {@code add_prefix_space} may be absent, null or true, but false only with "never" (as HF).
     */
    private static Metaspace.PrependScheme prependScheme(JsonField n) {
        JsonField ps = n.get("prepend_scheme");
        Metaspace.PrependScheme scheme = ps.isAbsent() ? Metaspace.PrependScheme.ALWAYS : switch (ps.oneOf("always", "never", "first")) {
            case "always" -> Metaspace.PrependScheme.ALWAYS;
            case "never" -> Metaspace.PrependScheme.NEVER;
            default -> Metaspace.PrependScheme.FIRST;
        };
        JsonField aps = n.get("add_prefix_space");
        if (!aps.nullableBool(true) && scheme != Metaspace.PrependScheme.NEVER) {
            throw aps.error("false does not match prepend_scheme \"" + scheme.name().toLowerCase()
                    + "\"" + (ps.isAbsent() ? " (the default)" : ""));
        }
        return scheme;
    }

    // ---------------------------------------------------------------- post-processors

    private PostProcessor postProcessor(JsonField n, AddedVocabulary added, Model m) {
        JsonField typeField = n.get("type");
        String type = typeField.string();
        switch (type) {
            case "ByteLevel":
                byteLevel(n);
                return PostProcessor.trimming(n.get("trim_offsets").bool(), n.get("add_prefix_space").bool());
            case "TemplateProcessing": {
                Map<String, int[]> specials = new HashMap<>();
                for (Map.Entry<String, JsonField> e : n.get("special_tokens").entries().entrySet()) {
                    JsonField st = e.getValue();
                    st.get("id").string();
                    for (JsonField t : st.get("tokens").elements()) {
                        t.string();
                    }
                    List<JsonField> ids = st.get("ids").elements();
                    int[] a = new int[ids.size()];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = vocabularyId(ids.get(i), added, m);
                    }
                    specials.put(e.getKey(), a);
                }
                for (JsonField piece : n.get("pair").elements()) {
                    templatePiece(piece);
                }
                List<Integer> prefix = new ArrayList<>();
                List<Integer> suffix = new ArrayList<>();
                boolean seenSequence = false;
                JsonField single = n.get("single");
                for (JsonField item : single.elements()) {
                    TemplatePiece piece = templatePiece(item);
                    if (piece.sequence()) {
                        if (!piece.id().equals("A")) {
                            throw item.error("the single template can only use sequence A, not " + piece.id());
                        }
                        if (seenSequence) {
                            throw item.error("the single template has two sequences");
                        }
                        seenSequence = true;
                    } else {
                        int[] ids = specials.get(piece.id());
                        if (ids == null) {
                            throw item.error("special token \"" + piece.id() + "\" is not in special_tokens");
                        }
                        for (int x : ids) {
                            (seenSequence ? suffix : prefix).add(x);
                        }
                    }
                }
                if (!seenSequence) {
                    throw single.error("the single template has no {\"Sequence\": {\"id\": \"A\"}}, so the text would be dropped");
                }
                return new PostProcessor(prefix.stream().mapToInt(Integer::intValue).toArray(),
                        suffix.stream().mapToInt(Integer::intValue).toArray());
            }
            case "RobertaProcessing":
            case "BertProcessing": {
                int cls = tokenAndId(n.get("cls"), added, m);
                int sep = tokenAndId(n.get("sep"), added, m);
                if (type.equals("RobertaProcessing")) {
                    return new PostProcessor(new int[] {cls}, new int[] {sep}, n.get("trim_offsets").nullableBool(true),
                            n.get("add_prefix_space").nullableBool(true));
                }
                return new PostProcessor(new int[] {cls}, new int[] {sep});
            }
            case "Sequence": {
                PostProcessor p = PostProcessor.NONE;
                for (JsonField c : n.get("processors").elements()) {
                    p = p.then(postProcessor(c, added, m));
                }
                return p;
            }
            default:
                throw typeField.error("\"" + type + "\" is not supported (supported: TemplateProcessing, ByteLevel, "
                        + "RobertaProcessing, BertProcessing, Sequence)");
        }
    }

    /** One piece of a template: a sequence ("A" or "B") or a special token (its name in special_tokens). */
    private record TemplatePiece(boolean sequence, String id) {}

    /** {@code {"Sequence": {"id": "A" or "B", "type_id": n}}} or {@code {"SpecialToken": {"id": "name", "type_id": n}}}. */
    private static TemplatePiece templatePiece(JsonField item) {
        String tag = item.variant("Sequence", "SpecialToken");
        boolean sequence = tag.equals("Sequence");
        JsonField body = item.get(tag);
        String id = sequence ? body.get("id").oneOf("A", "B") : body.get("id").string();
        body.get("type_id").integer(0, 0xFFFF_FFFFL);
        return new TemplatePiece(sequence, id);
    }

    /** BERT/RoBERTa's {@code ["[CLS]", 101]}: the token's id, which must be in the vocabulary. */
    private static int tokenAndId(JsonField f, AddedVocabulary added, Model m) {
        List<JsonField> pair = f.elements();
        if (pair.size() != 2) {
            throw f.error("expected [token, id], got " + pair.size() + " elements");
        }
        pair.get(0).string();
        return vocabularyId(pair.get(1), added, m);
    }

    /** A token id a post-processor adds: a whole number naming a token of the model or added_tokens. */
    private static int vocabularyId(JsonField f, AddedVocabulary added, Model m) {
        int id = f.tokenId();
        if (added.byId(id) == null && m.idToToken(id) == null) {
            throw f.error("token id " + id + " is not in the vocabulary (model.vocab or added_tokens)");
        }
        return id;
    }

    // ---------------------------------------------------------------- decoders

    private Decoder decoder(JsonField n) {
        JsonField typeField = n.get("type");
        String type = typeField.string();
        return switch (type) {
            case "ByteLevel" -> {
                byteLevel(n);
                yield Decoders.byteLevel();
            }
            case "Metaspace" -> {
                char rep = n.get("replacement").character();
                n.get("split").nullableBool(true);
                yield Decoders.metaspace(rep, prependScheme(n) != Metaspace.PrependScheme.NEVER);
            }
            case "WordPiece" -> Decoders.wordPiece(n.get("prefix").string(), n.get("cleanup").bool());
            case "ByteFallback" -> Decoders.byteFallback();
            case "Fuse" -> Decoders.fuse();
            case "Strip" -> Decoders.strip(n.get("content").character(), n.get("start").nonNegativeInt(), n.get("stop").nonNegativeInt());
            case "Replace" -> {
                StringOrRegex pat = pattern(n.get("pattern"));
                String content = n.get("content").string();
                yield pat.regex() ? Decoders.replaceRegex(compile(pat.value()), content)
                        : Decoders.replaceLiteral(pat.value().string(), content);
            }
            case "BPEDecoder" -> Decoders.bpe(n.get("suffix").string());
            case "Sequence" -> {
                List<Decoder> parts = new ArrayList<>();
                for (JsonField c : n.get("decoders").elements()) {
                    parts.add(decoder(c));
                }
                yield Decoders.sequence(parts);
            }
            default -> throw typeField.error("\"" + type + "\" is not supported (supported: ByteLevel, Metaspace, "
                    + "WordPiece, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence)");
        };
    }
}
