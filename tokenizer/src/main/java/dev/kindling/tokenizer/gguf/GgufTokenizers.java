package dev.kindling.tokenizer.gguf;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufValue;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.EndOfGeneration;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.spm.SpmTokenizer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The vocabulary stored in a GGUF file ({@code tokenizer.ggml.*}), read the way llama.cpp's
 * {@code llama_vocab::load} reads it: {@code tokenizer.ggml.model} selects the algorithm
 * ({@code llama} = SentencePiece, {@code gpt2} = byte-level BPE with the pre-tokenizer named by
 * {@code tokenizer.ggml.pre}, {@code bert} = WordPiece), token types, scores, merges, special ids,
 * {@code add_bos_token}/{@code add_eos_token}/{@code add_space_prefix} and the chat template.
 */
public final class GgufTokenizers {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(GgufTokenizers.class);

    private GgufTokenizers() {}

    public static final String KEY_MODEL = "tokenizer.ggml.model";

    public static Tokenizer fromGguf(GgufFile gguf) {
        Path path = gguf.path();
        if (!gguf.has(KEY_MODEL)) {
            throw new ModelFormatException(path, "metadata key " + KEY_MODEL + " is missing: this GGUF has no vocabulary");
        }
        String model = gguf.getString(KEY_MODEL);
        return switch (model) {
            case "llama" -> spm(gguf);
            case "gpt2" -> GgufBpe.load(gguf);
            case "bert" -> WpmTokenizer.load(gguf);
            case "no_vocab", "none" -> throw new ModelFormatException(path, KEY_MODEL + " = " + model + ": this GGUF has no vocabulary");
            default -> throw new ModelFormatException(path, KEY_MODEL + " = \"" + model
                    + "\" is not supported (supported: llama, gpt2, bert)");
        };
    }

    /**
     * Reads the token texts, an empty one as "[EMPTY_i]", as llama.cpp does; a text given to two ids is refused, as
     * llama.cpp refuses it (its load asserts one token_to_id entry per id): which id the text encodes to would be a guess.
     */
    static String[] tokens(GgufFile gguf) {
        String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens");
        if (tokens.length == 0) {
            throw new ModelFormatException(gguf.path(), "tokenizer.ggml.tokens is empty");
        }
        String[] t = tokens.clone();
        for (int i = 0; i < t.length; i++) {
            if (t[i].isEmpty()) {
                t[i] = "[EMPTY_" + i + "]";
            }
        }
        Map<String, Integer> ids = new HashMap<>(t.length * 2);
        for (int i = 0; i < t.length; i++) {
            Integer first = ids.putIfAbsent(t[i], i);
            if (first != null) {
                throw new ModelFormatException(gguf.path(), "tokenizer.ggml.tokens[" + first + "] and [" + i + "] are both \""
                        + t[i] + "\": a text may name one token only (llama.cpp refuses the vocabulary too)");
            }
        }
        return t;
    }

    static int[] tokenTypes(GgufFile gguf, int n) {
        if (!gguf.has("tokenizer.ggml.token_type")) {
            int[] a = new int[n];
            Arrays.fill(a, SpmTokenizer.NORMAL);
            return a;
        }
        int[] types = gguf.getIntArray("tokenizer.ggml.token_type");
        if (types.length != n) {
            throw new ModelFormatException(gguf.path(), "tokenizer.ggml.token_type has " + types.length
                    + " entries, expected " + n + " (one per token)");
        }
        return types;
    }

    /**
     * An optional token id: {@code dflt} when absent or out of range (a file's 0xFFFFFFFF too), as llama.cpp treats a
     * "bad special token" ("using default id"); the callers' defaults are llama.cpp's for SentencePiece vocabularies and
     * -1 (none) elsewhere. An out-of-range unknown id used to reach the output as -1.
     */
    static int optionalId(GgufFile gguf, String key, int n, int dflt) {
        if (!gguf.has(key)) {
            return dflt;
        }
        GgufValue v = gguf.get(key).orElseThrow();
        if (!(v.value() instanceof Long l)) {
            throw new ModelFormatException(gguf.path(), "metadata " + key + " is " + v.type() + ", expected an integer token id");
        }
        if (l >= 0 && l < n) {
            return (int) (long) l;
        }
        // llama.cpp's llama_vocab::load does the same, with a warning ("bad special token: ..., using default id"): it
        // was silent here, so a converter's off-by-one BOS started every generation from another token without a word
        LOG.warn("{}: {} = {} is outside the vocabulary (0..{}); using {}", gguf.path().getFileName(), key, l, n - 1,
                dflt < 0 ? "none" : "the default id " + dflt);
        return dflt;
    }

    static ChatTemplate chatTemplate(GgufFile gguf, String[] tokens, int bos, int eos) {
        if (!gguf.has("tokenizer.chat_template")) {
            return null;
        }
        return new ChatTemplate(gguf.getString("tokenizer.chat_template"), bos >= 0 ? tokens[bos] : "", eos >= 0 ? tokens[eos] : "");
    }

    /** llama.cpp's end-of-generation ids for a GGUF vocabulary, {@code eos} the EOS it uses (-1: none). */
    static int[] stopIds(GgufFile gguf, String[] tokens, int eos) {
        int n = tokens.length;
        return EndOfGeneration.ids(tokens, eos, optionalId(gguf, "tokenizer.ggml.eot_token_id", n, -1),
                optionalId(gguf, "tokenizer.ggml.eom_token_id", n, -1), optionalId(gguf, "tokenizer.ggml.fim_pad_token_id", n, -1),
                optionalId(gguf, "tokenizer.ggml.fim_rep_token_id", n, -1), optionalId(gguf, "tokenizer.ggml.fim_sep_token_id", n, -1));
    }

    static String name(GgufFile gguf) {
        String file = gguf.path() == null ? "gguf" : gguf.path().getFileName().toString();
        return gguf.getString("general.name", file);
    }

    private static Tokenizer spm(GgufFile gguf) {
        String[] tokens = tokens(gguf);
        int n = tokens.length;
        float[] scores = gguf.has("tokenizer.ggml.scores") ? gguf.getFloatArray("tokenizer.ggml.scores") : new float[n];
        if (scores.length != n) {
            throw new ModelFormatException(gguf.path(), "tokenizer.ggml.scores has " + scores.length + " entries, expected " + n);
        }
        int[] types = tokenTypes(gguf, n);
        int bos = optionalId(gguf, "tokenizer.ggml.bos_token_id", n, 1 < n ? 1 : -1);
        int eos = optionalId(gguf, "tokenizer.ggml.eos_token_id", n, 2 < n ? 2 : -1);
        int unk = optionalId(gguf, "tokenizer.ggml.unknown_token_id", n, 0);
        boolean addBos = gguf.getBool("tokenizer.ggml.add_bos_token", true);
        boolean addEos = gguf.getBool("tokenizer.ggml.add_eos_token", false);
        boolean addSpacePrefix = gguf.getBool("tokenizer.ggml.add_space_prefix", true);

        // llama.cpp sets attributes by model name: Phi-3 strips whitespace after its special tokens
        int[] rstrip = null;
        String modelName = gguf.getString("general.name", "").toLowerCase(Locale.ROOT);
        if (modelName.contains("phi-3") || modelName.contains("phi3")) {
            List<Integer> r = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                boolean special = types[i] == SpmTokenizer.CONTROL || types[i] == SpmTokenizer.USER_DEFINED
                        || types[i] == SpmTokenizer.UNKNOWN;
                if ((special || tokens[i].equals("</s>"))
                        && !Set.of("<unk>", "<s>", "<|endoftext|>").contains(tokens[i])) {
                    r.add(i);
                }
            }
            rstrip = r.stream().mapToInt(Integer::intValue).toArray();
        }
        return new SpmTokenizer(new SpmTokenizer.Spec(name(gguf), SpmTokenizer.Algorithm.LLAMA_CPP, tokens, scores, types,
                bos, eos, unk, stopIds(gguf, tokens, eos), addBos, addEos, addSpacePrefix,
                chatTemplate(gguf, tokens, bos, eos), rstrip, null));
    }
}
