package dev.kindling.tokenizer.gguf;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.bpe.BpeModel;
import dev.kindling.tokenizer.bpe.VocabMap;
import dev.kindling.tokenizer.decode.Decoders;
import dev.kindling.tokenizer.hf.AddedToken;
import dev.kindling.tokenizer.hf.AddedVocabulary;
import dev.kindling.tokenizer.hf.HfTokenizer;
import dev.kindling.tokenizer.hf.PostProcessor;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.pretokenize.CharPattern;
import dev.kindling.tokenizer.pretokenize.ClassRun;
import dev.kindling.tokenizer.pretokenize.DeepSeekV3Scanner;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.RegexPattern;
import dev.kindling.tokenizer.pretokenize.Scanners;
import dev.kindling.tokenizer.pretokenize.SequencePreTokenizer;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.pretokenize.SplitPattern;
import dev.kindling.tokenizer.spm.SpmTokenizer;
import dev.kindling.tokenizer.text.Unicode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * GGUF {@code tokenizer.ggml.model = gpt2}: byte-level BPE with merges, pre-tokenized by the
 * regexes llama.cpp's {@code llm_tokenizer_bpe} uses for the {@code tokenizer.ggml.pre} name, each
 * applied in turn (every regex splits the pieces of the previous one, keeping unmatched text). For gpt-4o and tekken
 * they are the tokenizer's own (o200k's, Tekken's), where llama.cpp runs a rewritten form in which a combining mark is
 * no letter and a non-ASCII letter is both cases: its tokenizer cuts a mark off the letter before it
 * ({@code नमस्ते दुनिया} in 9 tokens, where Kindling, HF and tiktoken's o200k_base, the model's own, give 5), so
 * Kindling keeps the ids the model was trained on there (the README's tokenizer section). So too deepseek-llm's and
 * deepseek-coder's ranges hold the white space in them (U+0800 to U+4E00: U+1680, U+2028, U+3000, ...) as in HF's
 * tokenizer.json, where llama.cpp's std::wregex sees each non-ASCII white space character as U+000B, which no range
 * holds ({@code GgufOwnRegexTest}).
 * Control, unknown and user-defined tokens are split off first (user-defined ones even when special
 * parsing is off, as llama.cpp does); each token decodes as llama.cpp's token_to_piece gives it by its type
 * ({@link #pieces}): an unused or undefined token as nothing, a byte token as its byte.
 */
final class GgufBpe {
    private GgufBpe() {}

    /** llama.cpp's regex lists per pre-tokenizer type (llama-vocab.cpp, llm_tokenizer_bpe). */
    static List<String> regexes(String pre, GgufFile gguf) {
        String gpt2 = Scanners.GPT2_LLAMACPP_PATTERN;
        return switch (pre) {
            case "llama3", "llama-v3", "llama-bpe", "falcon3", "dbrx", "smaug-bpe", "chatglm-bpe" -> List.of(Scanners.LLAMA3_LLAMACPP_PATTERN);
            // the ranges are the cased letters; a few ends are written as \\u escapes because they are
            // Unicode singletons that NFC would silently change (U+1F7D, U+1FBE, U+1FD3, U+1FDB, U+2126, U+212A)
            case "deepseek-llm" -> List.of("[\r\n]",
                    "\\s?[A-Za-zµÀ-ÖØ-öø-ƺƼ-ƿǄ-ʓʕ-ʯͰ-ͳͶͷͻ-ͽͿΆΈ-ΊΌΎ-ΡΣ-ϵϷ-ҁҊ-ԯԱ-ՖႠ-ჅᎠ-Ᏽᏸ-ᏽᲐ-ᲺᲽ-Ჿᴀ-ᴫᵫ-ᵷᵹ-ᶚḀ-ἕἘ-Ἕἠ-ὅὈ-Ὅὐ-ὗὙὛὝὟ-\u1F7Dᾀ-ᾴᾶ-ᾼ\u1FBEῂ-ῄῆ-ῌῐ-\u1FD3ῖ-\u1FDBῠ-Ῥῲ-ῴῶ-ῼℂℇℊ-ℓℕℙ-ℝℤ\u2126ℨ\u212A-ℭℯ-ℴℹℼ-ℿⅅ-ⅉⅎↃↄⰀ-ⱻⱾ-ⳤⳫ-ⳮⳲⳳꙀ-ꙭꚀ-ꚛꜢ-ꝯꝱ-ꞇꞋ-ꞎꭰ-ꮿﬀ-ﬆﬓ-ﬗＡ-Ｚａ-ｚ𐐀-𐑏𐒰-𐓓𐓘-𐓻𐲀-𐲲𐳀-𐳲𑢠-𑣟𞤀-𞥃]+",
                    "\\s?[!-/:-~！-／：-～‘-‟　-。]+", "\\s+\\z", "[一-龥ࠀ-一가-퟿]+", "\\p{N}+");
            case "deepseek-coder" -> List.of("[\r\n]", "\\s?\\p{L}+", "\\s?\\p{P}+", "[一-龥ࠀ-一가-퟿]+", "\\p{N}");
            case "deepseek-v3" -> List.of("\\p{N}{1,3}", "[一-龥぀-ゟ゠-ヿ]+", DeepSeekV3Scanner.PATTERN);
            case "falcon" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|`]+", gpt2, "[0-9][0-9][0-9]");
            case "starcoder", "refact", "command-r", "smollm", "codeshell", "exaone", "minerva-7b" -> List.of("\\p{N}", gpt2);
            case "gpt-2", "phi-2", "jina-es", "jina-de", "gigachat", "jina-v1-en", "jina-v2-es", "jina-v2-de", "jina-v2-code",
                    "roberta-bpe", "mpt", "olmo", "jais" -> List.of(gpt2);
            case "qwen2", "deepseek-r1-qwen", "stablelm2" -> List.of(Scanners.QWEN2_LLAMACPP_PATTERN);
            case "poro-chat", "bloom", "gpt3-finnish" -> List.of(" ?[^(\\s|.,!?…。，、।۔،)]+");
            case "viking" -> List.of(" ?[^(\\s|.,!?…。，、।۔،)]+", "\\p{N}");
            case "tekken" -> List.of(Scanners.TEKKEN_PATTERN);
            case "gpt-4o" -> List.of(Scanners.O200K_PATTERN);
            case "chameleon" -> List.of("<sentinel:[0-9]+>", "(IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z", "([\\t\\n]|    |  )", "\\p{N}",
                    "[\\p{P}!-/:-@\\[-`{-~]", gpt2);
            case "default" -> List.of("[\\p{P}\\$\\+<=>\\^~\\|]+", gpt2, "\\p{N}+", "[0-9][0-9][0-9]");
            default -> throw new ModelFormatException(gguf.path(), "tokenizer.ggml.pre = \"" + pre
                    + "\" is not a pre-tokenizer llama.cpp knows");
        };
    }

    /**
     * A hand-made scanner for a known regex, {@code \p{N}} (starcoder's, refact's and others' first step: each number
     * alone) as a CharPattern of {@link Unicode#isNumber}, where java.util.regex searched each piece for it, a
     * {@link ClassRun} for a run of one character class (falcon's, deepseek's and others' other steps), else the regex.
     */
    static SplitPattern splitPattern(String re) {
        if (re.equals("\\p{N}")) {
            return new CharPattern(re, Unicode::isNumber);
        }
        if (Scanners.hasScanner(re)) {
            return Scanners.forPattern(re);
        }
        if (re.equals(DeepSeekV3Scanner.PATTERN)) {
            return new DeepSeekV3Scanner();
        }
        ClassRun run = ClassRun.of(re);
        return run != null ? run : new RegexPattern(re);
    }

    static Tokenizer load(GgufFile gguf) {
        String[] tokens = GgufTokenizers.tokens(gguf);
        int n = tokens.length;
        int[] types = GgufTokenizers.tokenTypes(gguf, n);
        String pre = gguf.getString("tokenizer.ggml.pre", "default");
        List<String> regexes = regexes(pre, gguf);
        if (!gguf.has("tokenizer.ggml.merges")) {
            // llama.cpp: "cannot find tokenizer merges in model file"; without them every text would be cut into bytes
            throw new ModelFormatException(gguf.path(), "tokenizer.ggml.merges is missing (a BPE vocabulary needs its merges)");
        }
        String[] merges = gguf.getStringArray("tokenizer.ggml.merges");
        // llama-vocab.cpp sets ignore_merges and add_bos (the default of tokenizer.ggml.add_bos_token, below) for these
        boolean ignoreMerges = List.of("llama3", "llama-v3", "llama-bpe", "falcon3", "tekken").contains(pre);

        VocabMap vocab = new VocabMap(n);
        for (int i = 0; i < n; i++) {
            // an unused token (the converter's [PADi] for an id no token has) has no text in llama.cpp's token_to_piece
            // and no token in the tokenizer.json: it decodes as nothing, and no merge makes it
            if (types[i] != SpmTokenizer.UNUSED) {
                vocab.put(tokens[i], i); // texts are distinct: GgufTokenizers.tokens refuses a duplicate, as llama.cpp does
            }
        }
        vocab.coverIds(n);
        String[] left = new String[merges.length];
        String[] right = new String[merges.length];
        for (int i = 0; i < merges.length; i++) {
            int sp = merges[i].indexOf(' ', 1);
            if (sp < 0) {
                throw new ModelFormatException(gguf.path(), "tokenizer.ggml.merges[" + i + "] = \"" + merges[i] + "\" is not \"left right\"");
            }
            left[i] = merges[i].substring(0, sp);
            right[i] = merges[i].substring(sp + 1);
        }
        BpeModel model = new BpeModel(new BpeModel.Spec(vocab, left, right, null, false, false, ignoreMerges, null, null, true, true), true);

        List<PreTokenizer> stages = new ArrayList<>();
        for (String re : regexes) {
            stages.add(new Split(splitPattern(re), Split.Behavior.ISOLATED, false));
        }
        PreTokenizer preTokenizer = stages.size() == 1 ? stages.get(0) : new SequencePreTokenizer(stages);

        List<AddedToken> specials = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            int t = types[i];
            if (t == SpmTokenizer.CONTROL || t == SpmTokenizer.UNKNOWN || t == SpmTokenizer.USER_DEFINED) {
                specials.add(new AddedToken(i, tokens[i], false, false, false, false, t != SpmTokenizer.USER_DEFINED));
            }
        }
        // no BOS/EOS without their keys, so then no BOS is added either; llama.cpp's gpt2 default is id 11 for both
        int bos = GgufTokenizers.optionalId(gguf, "tokenizer.ggml.bos_token_id", n, -1);
        int eos = GgufTokenizers.optionalId(gguf, "tokenizer.ggml.eos_token_id", n, -1);
        boolean addBos = gguf.getBool("tokenizer.ggml.add_bos_token", ignoreMerges);
        boolean addEos = gguf.getBool("tokenizer.ggml.add_eos_token", false);
        PostProcessor post = new PostProcessor(addBos && bos >= 0 ? new int[] {bos} : new int[0],
                addEos && eos >= 0 ? new int[] {eos} : new int[0]);
        return new HfTokenizer(GgufTokenizers.name(gguf), model, null, preTokenizer, post, Decoders.byteLevel(),
                new AddedVocabulary(specials), bos, eos, GgufTokenizers.stopIds(gguf, tokens, eos),
                GgufTokenizers.chatTemplate(gguf, tokens, bos, eos), OffsetAligner.Prefix.NONE, pieces(gguf, tokens, types, model));
    }

    /**
     * What each token decodes as, by its type, as llama.cpp's token_to_piece gives it for a BPE vocabulary: a control,
     * unknown or user-defined token its text as it is, a normal one its byte-level characters mapped back (one with a
     * character outside the byte map as its text's UTF-8, as HF's ByteLevel decoder gives it, where llama.cpp writes
     * that character as "[UNK_BYTE_0x...]"), a byte token the byte its {@code <0xXX>} names, and any other (undefined,
     * unused, a type llama.cpp does not know) nothing.
     */
    private static byte[][] pieces(GgufFile gguf, String[] tokens, int[] types, BpeModel model) {
        byte[][] pieces = new byte[tokens.length][];
        for (int i = 0; i < tokens.length; i++) {
            pieces[i] = switch (types[i]) {
                case SpmTokenizer.CONTROL, SpmTokenizer.UNKNOWN, SpmTokenizer.USER_DEFINED -> tokens[i].getBytes(StandardCharsets.UTF_8);
                // the model's own bytes, shared; it has none for a text a later id repeats (that id's in its map)
                case SpmTokenizer.NORMAL -> model.tokenBytes(i) != null ? model.tokenBytes(i) : Decoders.byteLevelBytes(tokens[i]);
                case SpmTokenizer.BYTE -> new byte[] {(byte) byteOf(gguf, tokens, i)};
                default -> new byte[0];
            };
        }
        return pieces;
    }

    /** The byte of byte token {@code i}; llama.cpp reads its 4th and 5th characters as hex whatever they are. */
    private static int byteOf(GgufFile gguf, String[] tokens, int i) {
        int b = Decoders.byteToken(tokens[i]);
        if (b < 0) {
            throw new ModelFormatException(gguf.path(), "tokenizer.ggml.tokens[" + i + "] = \"" + tokens[i]
                    + "\" has token type BYTE (6) but is not <0xXX>, the byte it stands for");
        }
        return b;
    }
}
