package dev.kindling.tokenizer.tiktoken;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.tokenizer.AbstractTokenizer;
import dev.kindling.tokenizer.bpe.BpeMerger;
import dev.kindling.tokenizer.bpe.BytesMap;
import dev.kindling.tokenizer.bpe.IntBuffer;
import dev.kindling.tokenizer.bpe.PairTable;
import dev.kindling.tokenizer.bpe.WordCache;
import dev.kindling.tokenizer.bpe.Workspace;
import dev.kindling.tokenizer.pretokenize.Scanners;
import dev.kindling.tokenizer.pretokenize.Splits;
import dev.kindling.tokenizer.pretokenize.SplitPattern;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.text.StringTrie;
import dev.kindling.tokenizer.text.Utf8;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalInt;

/**
 * An OpenAI tiktoken encoding: a {@code .tiktoken} rank file ({@code <base64 bytes> <rank>} per line;
 * the rank is the id) plus the split pattern and special tokens that tiktoken's
 * {@code openai_public.py} defines for the encoding name, taken from the file name
 * ({@code cl100k_base}, {@code o200k_base}, {@code r50k_base}, {@code p50k_base}).
 *
 * <p>Encoding is tiktoken's {@code _encode_native}: special tokens are split off (all allowed; with
 * special parsing off it is {@code encode_ordinary}), the text is split by the pattern, a piece that
 * is itself a token is that token, otherwise its bytes merge by rank: the adjacent pair whose
 * concatenation has the lowest rank first, leftmost on ties ({@code _byte_pair_merge}). tiktoken
 * never adds BOS/EOS, so {@code addSpecialTokens} changes nothing.
 */
public final class TiktokenTokenizer extends AbstractTokenizer {
    /** What openai_public.py defines per encoding. */
    public record Encoding(String name, String pattern, Map<String, Integer> specialTokens) {}

    public static final Map<String, Encoding> ENCODINGS = Map.of(
            "r50k_base", new Encoding("r50k_base", Scanners.R50K_PATTERN, Map.of("<|endoftext|>", 50256)),
            "p50k_base", new Encoding("p50k_base", Scanners.R50K_PATTERN, Map.of("<|endoftext|>", 50256)),
            "cl100k_base", new Encoding("cl100k_base", Scanners.CL100K_PATTERN, orderedMap(
                    "<|endoftext|>", 100257, "<|fim_prefix|>", 100258, "<|fim_middle|>", 100259, "<|fim_suffix|>", 100260,
                    "<|endofprompt|>", 100276)),
            "o200k_base", new Encoding("o200k_base", Scanners.O200K_PATTERN, orderedMap(
                    "<|endoftext|>", 199999, "<|endofprompt|>", 200018)));

    private static Map<String, Integer> orderedMap(Object... kv) {
        Map<String, Integer> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], (Integer) kv[i + 1]);
        }
        return m;
    }

    private final byte[][] tokens; // by id; null where a rank is unused
    private final BytesMap encoder;
    private final BpeMerger merger;
    private final int[] byteIds = new int[256];
    private final Split splitter;
    private final StringTrie specials;
    private final Map<String, Integer> specialIds;
    private final boolean[] special;
    private final int vocabSize;
    private final ThreadLocal<WordCache> cache = ThreadLocal.withInitial(WordCache::new);
    private final ThreadLocal<Splits[]> splits = ThreadLocal.withInitial(() -> new Splits[] {new Splits(), new Splits()});

    private TiktokenTokenizer(String name, byte[][] ranks, Encoding enc) {
        super(name, -1, enc.specialTokens().getOrDefault("<|endoftext|>", -1),
                new int[] {enc.specialTokens().getOrDefault("<|endoftext|>", -1)}, null);
        int size = ranks.length;
        for (int id : enc.specialTokens().values()) {
            size = Math.max(size, id + 1);
        }
        this.vocabSize = size;
        this.tokens = ranks;
        this.encoder = BytesMap.of(ranks);
        java.util.Arrays.fill(byteIds, -1);
        PairTable.Builder pb = new PairTable.Builder(ranks.length * 4, PairTable.OnDuplicate.LOWEST_RANK);
        for (int id = 0; id < ranks.length; id++) {
            byte[] t = ranks[id];
            if (t == null) {
                continue;
            }
            if (t.length == 1) {
                byteIds[t[0] & 0xFF] = id;
                continue;
            }
            for (int k = 1; k < t.length; k++) {
                int a = encoder.get(t, 0, k);
                int b = encoder.get(t, k, t.length - k);
                if (a >= 0 && b >= 0) {
                    pb.put(a, b, id, id);
                }
            }
        }
        this.merger = new BpeMerger(pb.build());
        SplitPattern sp = Scanners.forPattern(enc.pattern());
        this.splitter = new Split(sp, Split.Behavior.ISOLATED, false);
        this.specialIds = enc.specialTokens();
        this.special = new boolean[size];
        List<String> keys = new ArrayList<>(specialIds.keySet());
        int[] vals = new int[keys.size()];
        for (int i = 0; i < vals.length; i++) {
            vals[i] = specialIds.get(keys.get(i));
            special[vals[i]] = true;
        }
        this.specials = StringTrie.build(keys, vals);
    }

    /** The encoding a file name names, or null. */
    public static Encoding encodingFor(Path path) {
        String f = path.getFileName().toString().toLowerCase(Locale.ROOT);
        for (String name : List.of("cl100k_base", "o200k_base", "r50k_base", "p50k_base")) {
            if (f.contains(name)) {
                return ENCODINGS.get(name);
            }
        }
        return null;
    }

    public static TiktokenTokenizer load(Path path) {
        Encoding enc = encodingFor(path);
        if (enc == null) {
            throw new ModelFormatException(path, "cannot tell the tiktoken encoding from the file name: expected it to contain "
                    + "cl100k_base, o200k_base, r50k_base or p50k_base (the split pattern and special tokens depend on it)");
        }
        return load(path, enc);
    }

    public static TiktokenTokenizer load(Path path, Encoding enc) {
        List<byte[]> byRank = new ArrayList<>();
        Base64.Decoder b64 = Base64.getDecoder();
        try (BufferedReader r = Files.newBufferedReader(path, StandardCharsets.US_ASCII)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isEmpty()) {
                    continue;
                }
                int sp = line.indexOf(' ');
                if (sp <= 0) {
                    throw new ModelFormatException(path, "line " + lineNo + ": expected \"<base64 token> <rank>\"");
                }
                byte[] token;
                int rank;
                try {
                    token = b64.decode(line.substring(0, sp));
                    rank = Integer.parseInt(line.substring(sp + 1).trim());
                } catch (IllegalArgumentException e) {
                    throw new ModelFormatException(path, "line " + lineNo + ": " + e.getMessage());
                }
                if (rank < 0 || rank > 10_000_000) {
                    throw new ModelFormatException(path, "line " + lineNo + ": rank " + rank + " is out of range");
                }
                while (byRank.size() <= rank) {
                    byRank.add(null);
                }
                if (byRank.get(rank) != null) {
                    throw new ModelFormatException(path, "line " + lineNo + ": rank " + rank + " appears twice");
                }
                byRank.set(rank, token);
            }
        } catch (java.io.UncheckedIOException | IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e, e);
        }
        if (byRank.isEmpty()) {
            throw new ModelFormatException(path, "no ranks in the file");
        }
        TiktokenTokenizer t = new TiktokenTokenizer(enc.name(), byRank.toArray(byte[][]::new), enc);
        // every byte must be a token: tiktoken's merge starts from single bytes (and fails on a missing one); here the
        // missing byte came out as id -1 in the output
        byte[] one = new byte[1];
        for (int b = 0; b < 256; b++) {
            one[0] = (byte) b;
            if (t.encoder.get(one, 0, 1) < 0) {
                throw new ModelFormatException(path, String.format(java.util.Locale.ROOT,
                        "no rank for the single byte 0x%02X (a tiktoken file ranks all 256 bytes)", b));
            }
        }
        return t;
    }

    @Override
    public int vocabSize() {
        return vocabSize;
    }

    @Override
    public int[] encode(String text, boolean addSpecialTokens, boolean parseSpecialTokens) {
        requireText(text);
        text = Utf8.scrubSurrogates(text);
        IntBuffer out = new IntBuffer();
        Workspace ws = Workspace.get();
        int start = 0;
        if (parseSpecialTokens) {
            for (int i = 0; i < text.length(); i++) {
                if (!specials.startsKey(text.charAt(i))) {
                    continue;
                }
                long m = specials.longestAt(text, i, text.length());
                if (m < 0) {
                    continue;
                }
                encodeOrdinary(text, start, i, out, ws);
                out.add((int) m);
                i += (int) (m >>> 32) - 1;
                start = i + 1;
            }
        }
        encodeOrdinary(text, start, text.length(), out, ws);
        return out.toArray();
    }

    private void encodeOrdinary(String text, int from, int to, IntBuffer out, Workspace ws) {
        if (from >= to) {
            return;
        }
        Splits[] s = splits.get();
        s[0].reset(text);
        s[0].add(from, to);
        splitter.apply(s[0], s[1]);
        WordCache c = cache.get();
        for (int i = 0; i < s[1].count; i++) {
            int a = s[1].start[i];
            int b = s[1].end[i];
            int hash = 0;
            if (b - a <= WordCache.MAX_KEY) {
                hash = WordCache.hash(text, a, b);
                int slot = c.find(text, a, b, hash);
                if (slot >= 0) {
                    c.appendTo(slot, out);
                    continue;
                }
            }
            int before = out.size();
            byte[] bytes = ws.bytes(3 * (b - a));
            int n = Utf8.encode(text, a, b, bytes, 0);
            int whole = encoder.get(bytes, 0, n);
            if (whole >= 0) {
                out.add(whole);
            } else {
                int[] sym = ws.symbols(n);
                for (int k = 0; k < n; k++) {
                    sym[k] = byteIds[bytes[k] & 0xFF];
                }
                int m = merger.merge(sym, n, ws);
                out.add(sym, 0, m);
            }
            if (b - a <= WordCache.MAX_KEY) {
                c.put(text, a, b, hash, out.array(), before, out.size() - before);
            }
        }
    }

    @Override
    public String decode(int[] ids, boolean skipSpecialTokens) {
        return concatDecode(ids, skipSpecialTokens, false);
    }

    @Override
    public byte[] tokenBytes(int id) {
        checkId(id);
        if (special[id]) {
            for (Map.Entry<String, Integer> e : specialIds.entrySet()) {
                if (e.getValue() == id) {
                    return e.getKey().getBytes(StandardCharsets.UTF_8);
                }
            }
        }
        return id < tokens.length && tokens[id] != null ? tokens[id].clone() : new byte[0];
    }

    @Override
    public String tokenText(int id) {
        checkId(id);
        if (special[id]) {
            return new String(tokenBytes(id), StandardCharsets.UTF_8);
        }
        byte[] b = id < tokens.length ? tokens[id] : null;
        return b == null ? null : Utf8.decodeLossy(b); // a gap in the ranks: no token, as convert_ids_to_tokens' None
    }

    @Override
    public OptionalInt tokenId(String tokenText) {
        Integer s = specialIds.get(tokenText);
        if (s != null) {
            return OptionalInt.of(s);
        }
        byte[] b = tokenText.getBytes(StandardCharsets.UTF_8);
        int id = encoder.get(b, 0, b.length);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    @Override
    public boolean isSpecial(int id) {
        checkId(id);
        return special[id];
    }

    @Override
    public boolean addsBos() {
        return false;
    }
}
