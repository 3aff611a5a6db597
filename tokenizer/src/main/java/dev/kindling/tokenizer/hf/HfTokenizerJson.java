package dev.kindling.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.bpe.BpeModel;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.VocabMap;
import dev.kindling.tokenizer.decode.Decoder;
import dev.kindling.tokenizer.decode.Decoders;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.pretokenize.ByteLevelPreTokenizer;
import dev.kindling.tokenizer.pretokenize.LiteralPattern;
import dev.kindling.tokenizer.pretokenize.Metaspace;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizers;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
        List<AddedToken> addedTokens = readAddedTokens(sections.get("added_tokens"));
        JsonNode preNode = sections.get("pre_tokenizer");
        List<PreTokenizer> preStages = new ArrayList<>();
        boolean byteLevel = preNode != null && !preNode.isNull() && flattenPreTokenizers(preNode, "pre_tokenizer", preStages);
        PreTokenizer pre = preStages.isEmpty() ? null : preStages.size() == 1 ? preStages.get(0) : new SequencePreTokenizer(preStages);
        Model m = buildModel(model, byteLevel);
        Normalizer normalizer = normalizer(sections.get("normalizer"), "normalizer");
        AddedVocabulary added = new AddedVocabulary(addedTokens);
        PostProcessor post = postProcessor(sections.get("post_processor"), "post_processor", added, m);
        Decoder decoder = decoder(sections.get("decoder"), "decoder");

        // tokenizer_config.json: BOS/EOS names and the chat template
        JsonNode config = readConfig();
        String bosName = tokenName(config, "bos_token");
        String eosName = tokenName(config, "eos_token");
        int bos = idOf(bosName, added, m);
        if (bos < 0 && post.prefix().length > 0 && config == null) {
            bos = post.prefix()[0];
        }
        int eos = idOf(eosName, added, m);
        Set<Integer> stops = new LinkedHashSet<>();
        if (eos >= 0) {
            stops.add(eos);
        }
        for (AddedToken t : addedTokens) {
            if (t.special() && STOP_TEXTS.contains(t.content())) {
                stops.add(t.id());
            }
        }
        ChatTemplate template = null;
        if (config != null && config.has("chat_template") && !config.get("chat_template").isNull()) {
            String src = chatTemplateSource(config.get("chat_template"));
            if (src != null) {
                template = new ChatTemplate(src, bosName, eosName);
            }
        }
        String name = nameOf(path);
        return new HfTokenizer(name, m, normalizer, pre, post, decoder, added, bos, eos,
                stops.stream().mapToInt(Integer::intValue).toArray(), template,
                prefixSpace(sections.get("normalizer"), preNode));
    }

    /** Where the pipeline puts a space in front of the text, for offsets: a Prepend normalizer, Metaspace, ByteLevel. */
    private static OffsetAligner.Prefix prefixSpace(JsonNode normalizer, JsonNode pre) {
        if (hasStep(normalizer, "normalizers", "Prepend")) {
            return OffsetAligner.Prefix.ALWAYS;
        }
        JsonNode meta = step(pre, "pretokenizers", "Metaspace");
        if (meta != null) {
            JsonNode ps = meta.get("prepend_scheme");
            String scheme = ps == null || ps.isNull() ? (bool(meta.get("add_prefix_space"), true) ? "always" : "never") : ps.asText();
            return switch (scheme) {
                case "always" -> OffsetAligner.Prefix.IF_NO_SPACE;
                case "first" -> OffsetAligner.Prefix.FIRST_IF_NO_SPACE;
                default -> OffsetAligner.Prefix.NONE;
            };
        }
        JsonNode bl = step(pre, "pretokenizers", "ByteLevel");
        return bl != null && bool(bl.get("add_prefix_space"), true) ? OffsetAligner.Prefix.IF_NO_SPACE : OffsetAligner.Prefix.NONE;
    }

    private static boolean hasStep(JsonNode n, String list, String type) {
        return step(n, list, type) != null;
    }

    /** The first step of {@code type} in {@code n} or its (nested) Sequence. */
    private static JsonNode step(JsonNode n, String list, String type) {
        if (n == null || n.isNull()) {
            return null;
        }
        if (type.equals(n.path("type").asText())) {
            return n;
        }
        for (JsonNode c : n.path(list)) {
            JsonNode s = step(c, list, type);
            if (s != null) {
                return s;
            }
        }
        return null;
    }

    /** Token texts that end generation when they are special added tokens (as llama.cpp's list, plus common EOS names). */
    static final Set<String> STOP_TEXTS = Set.of("<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
            "<|eom_id|>", "<EOT>", "<|end_of_text|>", "</s>", "<eos>", "<|return|>", "<|call|>");

    static String nameOf(Path file) {
        String f = file.getFileName().toString();
        if ((f.equals("tokenizer.json") || f.equals("tokenizer.json.gz")) && file.getParent() != null
                && file.getParent().getFileName() != null) {
            return file.getParent().getFileName().toString();
        }
        return f;
    }

    private JsonNode readConfig() {
        Path dir = path.toAbsolutePath().getParent();
        if (dir == null) {
            return null;
        }
        Path cfg = dir.resolve("tokenizer_config.json");
        if (!Files.exists(cfg)) {
            return null;
        }
        try {
            JsonScanner js = new JsonScanner(Files.readAllBytes(cfg));
            JsonNode n = js.tree();
            if (js.peek() != -1) {
                throw js.error("unexpected data after the JSON value");
            }
            return n;
        } catch (IOException e) {
            throw new ModelFormatException(cfg, "cannot read: " + e, e);
        } catch (IllegalArgumentException e) {
            throw new ModelFormatException(cfg, "malformed JSON: " + e.getMessage(), e);
        }
    }

    private static String tokenName(JsonNode config, String field) {
        if (config == null || !config.has(field) || config.get(field).isNull()) {
            return null;
        }
        JsonNode v = config.get(field);
        return v.isTextual() ? v.asText() : v.path("content").asText(null);
    }

    private static String chatTemplateSource(JsonNode n) {
        if (n.isTextual()) {
            return n.asText();
        }
        if (n.isArray()) { // [{"name": "default", "template": ...}, {"name": "tool_use", ...}]
            for (JsonNode t : n) {
                if ("default".equals(t.path("name").asText())) {
                    return t.path("template").asText();
                }
            }
            return n.size() > 0 ? n.get(0).path("template").asText() : null;
        }
        return null;
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
                                js.expect('[');
                                m.unigramPieces.add(js.string());
                                js.expect(',');
                                m.unigramScores.add(js.number());
                                js.expect(']');
                            } while (js.accept(','));
                            js.expect(']');
                        }
                    } else {
                        throw error("model.vocab", "expected an object or an array");
                    }
                }
                case "merges" -> readMerges(js, m);
                default -> m.options.put(f, js.tree());
            }
        } while (js.accept(','));
        js.expect('}');
        JsonNode type = m.options.get("type");
        m.type = type == null ? null : type.asText();
        return m;
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
        long id = js.integer();
        if (id < 0 || id > Integer.MAX_VALUE) {
            throw error("model.vocab[\"" + k + "\"]", "id " + id + " is not a valid token id");
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
        JsonNode prefixNode = m.options.get("continuing_subword_prefix");
        boolean resolve = m.rawVocab != null && (prefixNode == null || prefixNode.isNull() || prefixNode.asText().isEmpty());
        if (resolve) {
            m.mergeLeftIds = new IntBuffer();
            m.mergeRightIds = new IntBuffer();
            m.mergedIds = new IntBuffer();
        }
        js.expect('[');
        if (js.accept(']')) {
            return;
        }
        // the loop stays tiny and each step is its own small method: the JIT compiles small methods
        // quickly, while one big loop body costs seconds of C2 time in a cold JVM
        do {
            if (!resolve) {
                readMergeStrings(js, m);
            } else if (!readMergeResolved(js, m)) {
                resolveMergeSlowly(js, m);
            }
        } while (js.accept(','));
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
                    if (m.vocab == null) {
                        throw error("model.vocab", "missing");
                    }
                    if (m.options.containsKey("dropout") && !m.options.get("dropout").isNull()
                            && m.options.get("dropout").asDouble() > 0) {
                        throw error("model.dropout", "BPE dropout is not supported (it makes encoding random)");
                    }
                    BpeModel.Spec spec = new BpeModel.Spec(m.vocab, m.mergeLeft.toArray(String[]::new),
                            m.mergeRight.toArray(String[]::new), text(m.options.get("unk_token")),
                            bool(m.options.get("fuse_unk"), false), bool(m.options.get("byte_fallback"), false),
                            bool(m.options.get("ignore_merges"), false), text(m.options.get("continuing_subword_prefix")),
                            text(m.options.get("end_of_word_suffix")));
                    BpeModel.Merges resolved = m.mergeLeftIds == null ? null
                            : new BpeModel.Merges(m.mergeLeftIds.toArray(), m.mergeRightIds.toArray(), m.mergedIds.toArray());
                    return new BpeModel(spec, resolved, byteLevel);
                }
                case "WordPiece":
                    if (m.vocab == null) {
                        throw error("model.vocab", "missing");
                    }
                    return new WordPieceModel(m.vocab.toMap(), textOr(m.options.get("unk_token"), "[UNK]"),
                            textOr(m.options.get("continuing_subword_prefix"), "##"),
                            m.options.containsKey("max_input_chars_per_word") ? m.options.get("max_input_chars_per_word").asInt() : 100);
                case "WordLevel":
                    if (m.vocab == null) {
                        throw error("model.vocab", "missing");
                    }
                    return new WordLevelModel(m.vocab.toMap(), text(m.options.get("unk_token")));
                case "Unigram": {
                    if (m.unigramPieces == null) {
                        throw error("model.vocab", "a Unigram model needs a [piece, score] array");
                    }
                    double[] scores = m.unigramScores.stream().mapToDouble(Double::doubleValue).toArray();
                    JsonNode unk = m.options.get("unk_id");
                    return new UnigramModel(m.unigramPieces.toArray(String[]::new), scores,
                            unk == null || unk.isNull() ? -1 : unk.asInt(), bool(m.options.get("byte_fallback"), false));
                }
                default:
                    throw error("model.type", "\"" + type + "\" is not supported (supported: BPE, WordPiece, WordLevel, Unigram)");
            }
        } catch (IllegalArgumentException e) {
            throw error("model", e.getMessage());
        }
    }

    private static String text(JsonNode n) {
        return n == null || n.isNull() ? null : n.asText();
    }

    private static String textOr(JsonNode n, String dflt) {
        String s = text(n);
        return s == null ? dflt : s;
    }

    private static boolean bool(JsonNode n, boolean dflt) {
        return n == null || n.isNull() ? dflt : n.asBoolean();
    }

    private List<AddedToken> readAddedTokens(JsonNode n) {
        List<AddedToken> out = new ArrayList<>();
        if (n == null || n.isNull()) {
            return out;
        }
        if (!n.isArray()) {
            throw error("added_tokens", "expected an array");
        }
        int i = 0;
        for (JsonNode t : n) {
            String f = "added_tokens[" + i++ + "]";
            if (!t.has("id") || !t.get("id").canConvertToInt() || t.get("id").asInt() < 0 || !t.has("content")) {
                throw error(f, "expected {\"id\": <int>, \"content\": <string>, ...}");
            }
            out.add(new AddedToken(t.get("id").asInt(), t.get("content").asText(), bool(t.get("single_word"), false),
                    bool(t.get("lstrip"), false), bool(t.get("rstrip"), false), bool(t.get("normalized"), !bool(t.get("special"), false)),
                    bool(t.get("special"), false)));
        }
        return out;
    }

    // ---------------------------------------------------------------- normalizers

    private Normalizer normalizer(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "NFC" -> Normalizers.unicode(java.text.Normalizer.Form.NFC);
            case "NFD" -> Normalizers.unicode(java.text.Normalizer.Form.NFD);
            case "NFKC" -> Normalizers.unicode(java.text.Normalizer.Form.NFKC);
            case "NFKD" -> Normalizers.unicode(java.text.Normalizer.Form.NFKD);
            case "Lowercase" -> Normalizers.lowercase();
            case "Strip" -> Normalizers.strip(bool(n.get("strip_left"), true), bool(n.get("strip_right"), true));
            case "StripAccents" -> Normalizers.stripAccents();
            case "Nmt" -> Normalizers.nmt();
            case "Prepend" -> Normalizers.prepend(n.path("prepend").asText());
            case "Replace" -> {
                JsonNode pat = n.get("pattern");
                String content = n.path("content").asText();
                if (pat != null && pat.has("String")) {
                    yield Normalizers.replaceLiteral(pat.get("String").asText(), content);
                } else if (pat != null && pat.has("Regex")) {
                    yield Normalizers.replaceRegex(compile(pat.get("Regex").asText(), field + ".pattern.Regex"), content);
                }
                throw error(field + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
            }
            case "BertNormalizer" -> {
                boolean lower = bool(n.get("lowercase"), true);
                JsonNode sa = n.get("strip_accents");
                boolean strip = sa == null || sa.isNull() ? lower : sa.asBoolean();
                yield Normalizers.bert(bool(n.get("clean_text"), true), bool(n.get("handle_chinese_chars"), true), strip, lower);
            }
            case "Precompiled" -> {
                if (n.path("precompiled_charsmap").asText("").isEmpty()) {
                    yield null;
                }
                throw error(field + ".type", "the SentencePiece Precompiled normalizer (precompiled_charsmap) is not supported");
            }
            case "Sequence" -> {
                List<Normalizer> parts = new ArrayList<>();
                int i = 0;
                for (JsonNode c : n.path("normalizers")) {
                    Normalizer x = normalizer(c, field + ".normalizers[" + i++ + "]");
                    if (x != null) {
                        parts.add(x);
                    }
                }
                yield parts.isEmpty() ? null : Normalizers.sequence(parts);
            }
            default -> throw error(field + ".type", "\"" + type + "\" is not supported (supported: NFC, NFD, NFKC, NFKD, "
                    + "Lowercase, Strip, StripAccents, Replace, Prepend, BertNormalizer, Nmt, Sequence)");
        };
    }

    private Pattern compile(String regex, String field) {
        try {
            return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw error(field, "regex does not compile: " + e.getDescription());
        }
    }

    // ---------------------------------------------------------------- pre-tokenizers

    /** Adds the stages of {@code n} (nested Sequences flattened); returns whether one of them is ByteLevel. */
    private boolean flattenPreTokenizers(JsonNode n, String field, List<PreTokenizer> out) {
        String type = n.path("type").asText("");
        if (type.equals("Sequence")) {
            boolean bl = false;
            int i = 0;
            for (JsonNode c : n.path("pretokenizers")) {
                bl |= flattenPreTokenizers(c, field + ".pretokenizers[" + i++ + "]", out);
            }
            return bl;
        }
        if (!out.isEmpty() && out.get(out.size() - 1) instanceof ByteLevelPreTokenizer) {
            throw error(field, "a " + type + " pre-tokenizer after ByteLevel is not supported (ByteLevel must be the last step)");
        }
        switch (type) {
            case "ByteLevel" -> {
                out.add(new ByteLevelPreTokenizer(bool(n.get("add_prefix_space"), true), bool(n.get("use_regex"), true)));
                return true;
            }
            case "Split" -> {
                JsonNode pat = n.get("pattern");
                SplitPattern sp;
                if (pat != null && pat.has("String")) {
                    sp = new LiteralPattern(pat.get("String").asText());
                } else if (pat != null && pat.has("Regex")) {
                    String re = pat.get("Regex").asText();
                    compile(re, field + ".pattern.Regex");
                    sp = Scanners.forPattern(re);
                } else {
                    throw error(field + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
                }
                out.add(new Split(sp, behavior(n.path("behavior").asText("Isolated"), field + ".behavior"), bool(n.get("invert"), false)));
            }
            case "Metaspace" -> {
                String rep = n.path("replacement").asText("\u2581");
                if (rep.length() != 1) {
                    throw error(field + ".replacement", "expected one character, got \"" + rep + "\"");
                }
                out.add(new Metaspace(rep.charAt(0), prependScheme(n, field), bool(n.get("split"), true)));
            }
            case "Digits" -> out.add(PreTokenizers.digits(bool(n.get("individual_digits"), false)));
            case "Punctuation" -> out.add(PreTokenizers.punctuation(behavior(n.path("behavior").asText("Isolated"), field + ".behavior")));
            case "Whitespace" -> out.add(PreTokenizers.whitespace());
            case "WhitespaceSplit" -> out.add(PreTokenizers.whitespaceSplit());
            case "BertPreTokenizer" -> out.add(PreTokenizers.bert());
            case "CharDelimiterSplit" -> {
                String d = n.path("delimiter").asText("");
                if (d.codePointCount(0, d.length()) != 1) {
                    throw error(field + ".delimiter", "expected one character");
                }
                out.add(PreTokenizers.charDelimiter(d.codePointAt(0)));
            }
            default -> throw error(field + ".type", "\"" + type + "\" is not supported (supported: ByteLevel, Split, Metaspace, "
                    + "Digits, Punctuation, Whitespace, WhitespaceSplit, BertPreTokenizer, CharDelimiterSplit, Sequence)");
        }
        return false;
    }

    private Split.Behavior behavior(String b, String field) {
        return switch (b) {
            case "Removed" -> Split.Behavior.REMOVED;
            case "Isolated" -> Split.Behavior.ISOLATED;
            case "MergedWithPrevious" -> Split.Behavior.MERGED_WITH_PREVIOUS;
            case "MergedWithNext" -> Split.Behavior.MERGED_WITH_NEXT;
            case "Contiguous" -> Split.Behavior.CONTIGUOUS;
            default -> throw error(field, "\"" + b + "\" is not a split behavior (Removed, Isolated, MergedWithPrevious, MergedWithNext, Contiguous)");
        };
    }

    private Metaspace.PrependScheme prependScheme(JsonNode n, String field) {
        JsonNode ps = n.get("prepend_scheme");
        if (ps == null || ps.isNull()) { // older files: add_prefix_space
            return bool(n.get("add_prefix_space"), true) ? Metaspace.PrependScheme.ALWAYS : Metaspace.PrependScheme.NEVER;
        }
        return switch (ps.asText()) {
            case "always" -> Metaspace.PrependScheme.ALWAYS;
            case "never" -> Metaspace.PrependScheme.NEVER;
            case "first" -> Metaspace.PrependScheme.FIRST;
            default -> throw error(field + ".prepend_scheme", "\"" + ps.asText() + "\" is not always, never or first");
        };
    }

    // ---------------------------------------------------------------- post-processors

    private PostProcessor postProcessor(JsonNode n, String field, AddedVocabulary added, Model m) {
        if (n == null || n.isNull()) {
            return PostProcessor.NONE;
        }
        String type = n.path("type").asText("");
        switch (type) {
            case "ByteLevel":
                return PostProcessor.NONE;
            case "TemplateProcessing": {
                JsonNode single = n.get("single");
                if (single == null || !single.isArray()) {
                    throw error(field + ".single", "expected the single-sequence template");
                }
                Map<String, int[]> specials = new HashMap<>();
                n.path("special_tokens").fields().forEachRemaining(e -> {
                    JsonNode ids = e.getValue().path("ids");
                    int[] a = new int[ids.size()];
                    for (int i = 0; i < a.length; i++) {
                        a[i] = ids.get(i).asInt();
                    }
                    specials.put(e.getKey(), a);
                });
                List<Integer> prefix = new ArrayList<>();
                List<Integer> suffix = new ArrayList<>();
                boolean seenSequence = false;
                int i = 0;
                for (JsonNode item : single) {
                    String f = field + ".single[" + i++ + "]";
                    if (item.has("Sequence")) {
                        if (seenSequence) {
                            throw error(f, "the single template has two sequences");
                        }
                        seenSequence = true;
                    } else if (item.has("SpecialToken")) {
                        String id = item.get("SpecialToken").path("id").asText();
                        int[] ids = specials.get(id);
                        if (ids == null) {
                            throw error(f, "special token \"" + id + "\" is not in special_tokens");
                        }
                        for (int x : ids) {
                            (seenSequence ? suffix : prefix).add(x);
                        }
                    } else {
                        throw error(f, "expected {\"Sequence\": ...} or {\"SpecialToken\": ...}");
                    }
                }
                return new PostProcessor(prefix.stream().mapToInt(Integer::intValue).toArray(),
                        suffix.stream().mapToInt(Integer::intValue).toArray());
            }
            case "RobertaProcessing":
            case "BertProcessing": {
                JsonNode cls = n.get("cls");
                JsonNode sep = n.get("sep");
                if (cls == null || sep == null || cls.size() != 2 || sep.size() != 2) {
                    throw error(field, "expected \"cls\": [token, id] and \"sep\": [token, id]");
                }
                return new PostProcessor(new int[] {cls.get(1).asInt()}, new int[] {sep.get(1).asInt()});
            }
            case "Sequence": {
                PostProcessor p = PostProcessor.NONE;
                int i = 0;
                for (JsonNode c : n.path("processors")) {
                    p = p.then(postProcessor(c, field + ".processors[" + i++ + "]", added, m));
                }
                return p;
            }
            default:
                throw error(field + ".type", "\"" + type + "\" is not supported (supported: TemplateProcessing, ByteLevel, "
                        + "RobertaProcessing, BertProcessing, Sequence)");
        }
    }

    // ---------------------------------------------------------------- decoders

    private Decoder decoder(JsonNode n, String field) {
        if (n == null || n.isNull()) {
            return null;
        }
        String type = n.path("type").asText("");
        return switch (type) {
            case "ByteLevel" -> Decoders.byteLevel();
            case "Metaspace" -> {
                String rep = n.path("replacement").asText("\u2581");
                yield Decoders.metaspace(rep.isEmpty() ? '\u2581' : rep.charAt(0), prependScheme(n, field) != Metaspace.PrependScheme.NEVER);
            }
            case "WordPiece" -> Decoders.wordPiece(n.path("prefix").asText("##"), bool(n.get("cleanup"), true));
            case "ByteFallback" -> Decoders.byteFallback();
            case "Fuse" -> Decoders.fuse();
            case "Strip" -> {
                String c = n.path("content").asText(" ");
                yield Decoders.strip(c.isEmpty() ? ' ' : c.charAt(0), n.path("start").asInt(0), n.path("stop").asInt(0));
            }
            case "Replace" -> {
                JsonNode pat = n.get("pattern");
                String content = n.path("content").asText();
                if (pat != null && pat.has("String")) {
                    yield Decoders.replaceLiteral(pat.get("String").asText(), content);
                } else if (pat != null && pat.has("Regex")) {
                    yield Decoders.replaceRegex(compile(pat.get("Regex").asText(), field + ".pattern.Regex"), content);
                }
                throw error(field + ".pattern", "expected {\"String\": ...} or {\"Regex\": ...}");
            }
            case "BPEDecoder" -> Decoders.bpe(n.path("suffix").asText("</w>"));
            case "Sequence" -> {
                List<Decoder> parts = new ArrayList<>();
                int i = 0;
                for (JsonNode c : n.path("decoders")) {
                    parts.add(decoder(c, field + ".decoders[" + i++ + "]"));
                }
                yield Decoders.sequence(parts);
            }
            default -> throw error(field + ".type", "\"" + type + "\" is not supported (supported: ByteLevel, Metaspace, "
                    + "WordPiece, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence)");
        };
    }
}
