import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.EndOfGeneration;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizers;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.pretokenize.Splits;
import dev.kindling.tokenizer.text.Unicode;
import dev.kindling.tokenizer.text.Utf8;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Kindling's side of the differential fuzz (a single-file program: {@code java -cp CLASSPATH FuzzCompare.java ...};
 * fuzz-vs-reference.sh runs it).
 *
 * <pre>
 * texts TOKENIZER REF.jsonl [--tiktoken|--gguf [--regex-form TOKENIZER_JSON --regex-own TOKENIZER_JSON]]
 *                                          compare with texts_ref.mjs output: ids with and without special tokens
 *                                          (and of the byte entry point where the text came from invalid UTF-8),
 *                                          decode of those ids (skip_special_tokens both ways) and of random ids,
 *                                          and the offsets with special tokens where the reference has them
 * codepoints REF.json                      compare with codepoints_ref.mjs output, every code point
 * </pre>
 *
 * Prints the first mismatches and one SUMMARY line per run; exits 1 if anything differed but the known differences
 * against llama.cpp (--gguf; README, tokenizer section), each recognised by a rule of its own and counted apart per
 * check and class ({@code known-differences=}): {@code clean_spaces} (decode), {@code leading-space-after-skipped-special}
 * (decode), {@code control-looking} (ids and skipping decodes that the vocabulary with its fill-in-the-middle and
 * end-of-generation markers made control, as llama.cpp makes them, gives exactly), {@code unicode16} (ids that part only in words holding a character
 * new in Unicode 16), {@code regex-form}
 * (ids that llama.cpp's rewritten form of the vocabulary's regex, in the tokenizer.json {@code --regex-form} names,
 * gives too, where the same vocabulary with its own regex, the tokenizer.json {@code --regex-own} names, gives
 * Kindling's ids) and {@code ranged-white-space} (deepseek-llm's and deepseek-coder's ids that part only in white space
 * holding a character of a range in their regexes and the word after it). Each known id difference also tests its
 * rule: the same reference ids with one more token at the end must be refused ({@link #ids}).
 */
public class FuzzCompare {
    static final int SHOW = 8;

    public static void main(String[] args) throws Exception {
        int bad = switch (args[0]) {
            case "texts" -> texts(Path.of(args[1]), Path.of(args[2]), Arrays.asList(args).contains("--tiktoken"),
                    Arrays.asList(args).contains("--gguf"), option(args, "--regex-form"), option(args, "--regex-own"));
            case "codepoints" -> codePoints(Path.of(args[1]));
            default -> throw new IllegalArgumentException("texts or codepoints, not " + args[0]);
        };
        System.exit(bad == 0 ? 0 : 1);
    }

    /**
     * tiktoken has no skip_special_tokens, and its encode_ordinary (the reference's "plain") is Kindling's
     * encode(text, false, false); its encode(text, "all") is encode(text, add) with either add. llama.cpp's (--gguf) are
     * without BOS/EOS, parse_special false / true: encode(text, false, false) / encode(text, false, true).
     */
    static int texts(Path tokenizerFile, Path ref, boolean tiktoken, boolean gguf, String regexForm, String regexOwn)
            throws Exception {
        if ((regexForm == null) != (regexOwn == null)) {
            throw new IllegalArgumentException("--regex-form and --regex-own go together: the regex-form rule needs both");
        }
        Tokenizer tok = Tokenizer.load(tokenizerFile);
        Tokenizer form = regexForm == null ? null : Tokenizer.load(Path.of(regexForm));
        Tokenizer own = regexOwn == null ? null : Tokenizer.load(Path.of(regexOwn));
        Tokenizer controlLooking = gguf ? controlLooking(tokenizerFile) : null;
        boolean rangedWhiteSpace = gguf && RANGED_WHITE_SPACE_PRE.contains(pre(tokenizerFile));
        ObjectMapper json = new ObjectMapper();
        Map<String, Integer> byCheck = new TreeMap<>();
        Map<String, Integer> byKind = new TreeMap<>();
        Map<String, Integer> known = new TreeMap<>();
        int n = 0;
        int bad = 0;
        for (String line : Files.readAllLines(ref)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode r = json.readTree(line);
            n++;
            String text = r.get("text").asText();
            int[] plain = ints(r.get("plain"));
            int[] special = ints(r.get("special"));
            List<String> failed = new ArrayList<>();
            StringBuilder detail = new StringBuilder();
            try {
                Known plainKnown = gguf ? new Known(tok, text, t -> t.encode(text, false, false), controlLooking, form, own,
                        rangedWhiteSpace) : null;
                ids(failed, detail, "plain", plain, tiktoken || gguf ? tok.encode(text, false, false) : tok.encode(text, false),
                        plainKnown, known);
                Known specialKnown = gguf ? new Known(tok, text, t -> t.encode(text, false, true), controlLooking, form, own,
                        rangedWhiteSpace) : null;
                ids(failed, detail, "special", special, gguf ? tok.encode(text, false, true) : tok.encode(text, true),
                        specialKnown, known);
                if (r.hasNonNull("bytes")) {
                    byte[] utf8 = java.util.Base64.getDecoder().decode(r.get("bytes").asText());
                    text(failed, detail, "utf8Lossy", text, Utf8.decodeLossy(utf8));
                    Known bytesKnown = gguf ? new Known(tok, Utf8.decodeLossy(utf8), t -> t.encode(utf8, false), controlLooking,
                            form, own, rangedWhiteSpace) : null;
                    ids(failed, detail, "bytes", special, tok.encode(utf8, !gguf), bytesKnown, known);
                }
                if (r.hasNonNull("offsets")) {
                    offsets(failed, detail, text, r.get("offsets"), tok.encodeWithOffsets(text, true));
                }
                if (tiktoken) {
                    ids(failed, detail, "specialWithoutAdd", special, tok.encode(text, false), null, known);
                }
                decoded(failed, detail, "decKeep", r.get("decKeep").asText(), tok.decode(special, false), gguf, known);
                if (!tiktoken) {
                    skipped(failed, detail, "decSkip", r.get("decSkip").asText(), tok, special, gguf, controlLooking, known);
                }
                decoded(failed, detail, "decPlain", r.get("decPlain").asText(), tok.decode(plain, false), gguf, known);
                int[] rids = ints(r.get("rids"));
                decoded(failed, detail, "ridKeep " + Arrays.toString(rids), r.get("ridKeep").asText(), tok.decode(rids, false), gguf, known);
                if (!tiktoken) {
                    skipped(failed, detail, "ridSkip " + Arrays.toString(rids), r.get("ridSkip").asText(), tok, rids, gguf, controlLooking, known);
                }
            } catch (RuntimeException | StackOverflowError e) {
                failed.add("exception");
                detail.append("\n  ").append(e);
            }
            if (!failed.isEmpty()) {
                failed.forEach(f -> byCheck.merge(f.replaceAll(" .*", ""), 1, Integer::sum));
                byKind.merge(r.get("kind").asText().startsWith("mix:") ? "mix" : r.get("kind").asText(), 1, Integer::sum);
                if (bad++ < SHOW) {
                    String shown = text.length() > 300 ? text.substring(0, 300) + "..." : text;
                    System.out.println("#" + r.get("i") + " " + r.get("kind").asText() + " " + failed + " text=" + quote(shown) + detail);
                }
            }
        }
        Path name = tokenizerFile.getParent() == null ? tokenizerFile : tokenizerFile.getParent().getFileName().resolve(tokenizerFile.getFileName());
        System.out.println("SUMMARY " + name + " texts=" + n + " mismatched=" + bad + " by-check=" + byCheck
                + " by-kind=" + byKind + (known.isEmpty() ? "" : " known-differences=" + known));
        return bad;
    }

    /**
     * Ids compared; where they differ by a {@link Known} class ({@code known} not null), that class is counted apart.
     * Each such difference also checks its rule (the rules' own test): the same reference ids with one more token at
     * the end, a difference past the known one, must be refused; where it is not, the check fails as "WHAT-self-check".
     */
    static void ids(List<String> failed, StringBuilder detail, String what, int[] expected, int[] got, Known known,
            Map<String, Integer> knownCounts) {
        if (!Arrays.equals(expected, got)) {
            String kind = known == null ? null : known.classOf(expected, got);
            if (kind != null) {
                knownCounts.merge(what + ":" + kind, 1, Integer::sum);
                int[] later = Arrays.copyOf(expected, expected.length + 1);
                later[expected.length] = got[0];
                String laterKind = known.classOf(later, got);
                if (laterKind != null) {
                    failed.add(what + "-self-check");
                    detail.append("\n  ").append(what).append("-self-check: ").append(laterKind)
                            .append(" takes a reference with one more token at the end for known too");
                }
                return;
            }
            failed.add(what);
            int d = 0;
            while (d < Math.min(expected.length, got.length) && expected[d] == got[d]) {
                d++;
            }
            int from = Math.max(0, d - 3);
            detail.append("\n  ").append(what).append(" first difference at ").append(d).append(": reference ")
                    .append(Arrays.toString(Arrays.copyOfRange(expected, from, Math.min(expected.length, d + 8))))
                    .append(" kindling ").append(Arrays.toString(Arrays.copyOfRange(got, from, Math.min(got.length, d + 8))));
        }
    }

    /**
     * The known differences of ids against llama.cpp, each by a rule that accounts for all of the ids:
     * <ul>
     * <li>{@code control-looking}: the vocabulary with llama.cpp's fill-in-the-middle and end-of-generation markers
     *     made control ({@link #controlLooking}) gives llama.cpp's ids exactly: llama.cpp does not read such a marker in
     *     a text without special tokens (it pre-tokenizes the marker's text with the text before it), Kindling keeps it
     *     user-defined (deepseek-coder's FIM markers, phi-3's {@code </s>});</li>
     * <li>{@code unicode16}: the ids part only in the words holding a character new in Unicode 16 (a Garay letter or
     *     digit, an Egyptian hieroglyph of Extended-A, a legacy computing symbol: {@link #UNICODE_16}), which llama.cpp's
     *     Unicode 15.1 tables take for unassigned, where Kindling's (and HF's Oniguruma's) are Unicode 16's: each part
     *     starts in such a character, in a code point next to one (the digit after one) or in the white space right
     *     before one (the space a word takes), it ends where tokens of both sides end first at or after the end of the
     *     word holding that character (its run of non-white-space), and the ids after it are the same (or part again
     *     the same way);</li>
     * <li>{@code regex-form}: the tokenizer.json of {@code --regex-form} (the same vocabulary with llama.cpp's rewritten
     *     form of the regex in its Split, run by Kindling) gives llama.cpp's ids and the tokenizer.json of
     *     {@code --regex-own} (the same vocabulary with its own regex) gives Kindling's, so the difference is the regex's
     *     alone (gpt-4o's and tekken's: a combining mark cut off its letter), and Kindling's ids are the vocabulary's own
     *     regex's, not another pre-tokenizer's;</li>
     * <li>{@code regex-form+unicode16}: that tokenizer.json's ids part from llama.cpp's as {@code unicode16} says (and
     *     the own regex's give Kindling's);</li>
     * <li>{@code ranged-white-space}: for a pre-tokenizer of {@link #RANGED_WHITE_SPACE_PRE}, the ids part only in runs
     *     of white space that hold a character of {@link #isRangedWhiteSpace}, which llama.cpp's regex steps do not see
     *     in the range that holds it: each part starts in such a run or right after it, ends where tokens of both sides
     *     end first at or after the end of the word after the run ({@link #rangedWhiteSpaceEnd}), and the ids after it
     *     are the same (or part again the same way).</li>
     * </ul>
     * {@code encode} is the entry point compared (text or bytes, with or without special tokens), run on any of the
     * tokenizers.
     */
    record Known(Tokenizer tok, String text, java.util.function.Function<Tokenizer, int[]> encode, Tokenizer controlLooking,
            Tokenizer form, Tokenizer own, boolean rangedWhiteSpace) {
        String classOf(int[] expected, int[] got) {
            if (controlLooking != null && Arrays.equals(expected, encode.apply(controlLooking))) {
                return "control-looking";
            }
            if (partsAtUnicode16(expected, got)) {
                return "unicode16";
            }
            if (rangedWhiteSpace && partsOnlyIn(expected, got, FuzzCompare::rangedWhiteSpaceEnd)) {
                return "ranged-white-space";
            }
            if (form == null || !Arrays.equals(got, encode.apply(own))) {
                return null;
            }
            int[] formIds = encode.apply(form);
            return Arrays.equals(expected, formIds) ? "regex-form" : partsAtUnicode16(expected, formIds) ? "regex-form+unicode16" : null;
        }

        /** Whether the ids part only in the words {@link #unicode16WordEnd} finds. */
        private boolean partsAtUnicode16(int[] expected, int[] got) {
            return partsOnlyIn(expected, got, Known::unicode16WordEnd);
        }

        /**
         * Walks both ids over the text's UTF-8 bytes; each part must start where {@code partEnd} gives the byte it may
         * run to (not -1) and end where tokens of both sides end first at or after that byte, the rest equal.
         */
        private boolean partsOnlyIn(int[] expected, int[] got, java.util.function.ToLongBiFunction<int[], Long> partEnd) {
            int[] t = Utf8.scrubSurrogates(text).codePoints().toArray();
            int i = 0;
            int j = 0;
            long at = 0; // UTF-8 bytes of the tokens both have so far
            while (true) {
                while (i < expected.length && j < got.length && expected[i] == got[j]) {
                    at += tok.tokenBytes(expected[i++]).length;
                    j++;
                }
                if (i == expected.length && j == got.length) {
                    return true;
                }
                long end = partEnd.applyAsLong(t, at);
                if (end <= at) {
                    return false;
                }
                long e = at; // bytes of expected[..i), then got[..j): both on to the word's end, then to where a token
                long g = at; // of each ends (a punctuation piece may take the line break after the word)
                while (e < end || g < end || e != g) {
                    if (e <= g && i < expected.length) {
                        e += tok.tokenBytes(expected[i++]).length;
                    } else if (g < e && j < got.length || e == g && j < got.length) {
                        g += tok.tokenBytes(got[j++]).length;
                    } else {
                        return false;
                    }
                }
                at = e;
            }
        }

        /**
         * Where a part that starts at UTF-8 byte {@code at} of code points {@code t} starts in a character new in
         * Unicode 16, next to one or in the white space right before one: the byte where the run of non-white-space
         * holding that character ends; -1 where the part starts elsewhere.
         */
        private static long unicode16WordEnd(int[] t, long at) {
            long pos = 0; // UTF-8 byte where t[i] starts
            for (int i = 0; i < t.length; i++) {
                int len = Utf8.encode(Character.toString(t[i])).length;
                if (at < pos + len) { // the part starts in t[i]
                    int next = i + 1;
                    while (next < t.length && Unicode.isWhiteSpace(t[next]) && Unicode.isWhiteSpace(t[i])) {
                        next++; // a run of white space before the character: the regexes give a word one space of it
                    }
                    int c = isUnicode16(t[i]) ? i : i > 0 && isUnicode16(t[i - 1]) ? i - 1
                            : next < t.length && isUnicode16(t[next]) ? next : -1;
                    if (c < 0) {
                        return -1;
                    }
                    long end = pos;
                    for (int k = i; k < c; k++) {
                        end += Utf8.encode(Character.toString(t[k])).length;
                    }
                    if (c == i - 1) {
                        end -= Utf8.encode(Character.toString(t[c])).length;
                    }
                    for (int k = c; k < t.length && !Unicode.isWhiteSpace(t[k]); k++) {
                        end += Utf8.encode(Character.toString(t[k])).length;
                    }
                    return end;
                }
                pos += len;
            }
            return -1;
        }
    }

    /**
     * The pre-tokenizers with a step that names a range of code points holding white space: deepseek-llm's and
     * deepseek-coder's {@code [一-龥ࠀ-一가-퟿]+} (U+0800 to U+4E00), deepseek-llm's {@code \s?[...　-。]+} (U+3000 to
     * U+3002). llama.cpp runs such a step (one without {@code \p{..}}) with std::wregex over the text with every non-ASCII
     * white space character made U+000B first, so that {@code \s} matches it (unicode.cpp, unicode_regex_split: "std::wregex
     * \s does not mach non-ASCII whitespaces, using 0x0B as fallback"); the range then no longer holds that character.
     * HF's Oniguruma and Kindling match it, as the model's own tokenizer.json does: {@code "\u1680\u2029 "} is one piece in
     * llama.cpp ([155, 95300, 350, 20535], its last token {@code \xA9 }), two in Kindling ({@code \u1680\u2029} and the
     * space: [155, 95300, 350, 102, 207]).
     */
    static final java.util.Set<String> RANGED_WHITE_SPACE_PRE = java.util.Set.of("deepseek-llm", "deepseek-coder");

    /** The white space characters of {@link #RANGED_WHITE_SPACE_PRE}'s ranges (all of them lie in U+0800 to U+4E00). */
    static boolean isRangedWhiteSpace(int c) {
        return c >= 0x0800 && c <= 0x4E00 && Unicode.isWhiteSpace(c);
    }

    /**
     * Where a part that starts at UTF-8 byte {@code at} of code points {@code t} starts in a run of white space holding a
     * character of {@link #isRangedWhiteSpace}, or right after such a run: the byte where the run of non-white-space
     * after it ends (llama.cpp keeps the run with what follows it where the range cuts it, and Kindling's range may take
     * the CJK word after it); -1 where the part starts elsewhere.
     */
    static long rangedWhiteSpaceEnd(int[] t, long at) {
        long pos = 0; // UTF-8 byte where t[i] starts
        int i = 0;
        while (i < t.length && at >= pos + Utf8.encode(Character.toString(t[i])).length) {
            pos += Utf8.encode(Character.toString(t[i++])).length;
        }
        if (i == t.length || !Unicode.isWhiteSpace(t[i]) && (i == 0 || !Unicode.isWhiteSpace(t[i - 1]))) {
            return -1;
        }
        int from = Unicode.isWhiteSpace(t[i]) ? i : i - 1;
        while (from > 0 && Unicode.isWhiteSpace(t[from - 1])) {
            from--;
        }
        boolean ranged = false;
        int k = from;
        while (k < t.length && Unicode.isWhiteSpace(t[k])) {
            ranged |= isRangedWhiteSpace(t[k]);
            k++;
        }
        if (!ranged) {
            return -1;
        }
        while (k < t.length && !Unicode.isWhiteSpace(t[k])) {
            k++; // on to the end of the word after the run
        }
        long end = pos; // t[i] starts at pos: on from there to t[k]
        for (int c = i; c < k; c++) {
            end += Utf8.encode(Character.toString(t[c])).length;
        }
        return end;
    }

    /** A GGUF's tokenizer.ggml.pre ("default" where it has none, as llama.cpp), or null for any other file. */
    static String pre(Path file) {
        if (!dev.kindling.formats.gguf.GgufFile.looksLikeGguf(file)) {
            return null;
        }
        try (dev.kindling.formats.gguf.GgufFile g = dev.kindling.formats.gguf.GgufFile.open(file)) {
            return g.getString("tokenizer.ggml.pre", "default");
        }
    }

    /**
     * The ranges (first, last) of the characters new in Unicode 16.0 (age 16.0 in its DerivedAge.txt), whole blocks where
     * the block is new (a code point the block leaves unassigned is so to both sides, so it makes no difference): an
     * Arabic mark, Balinese punctuation, two Cyrillic letters, control pictures, CJK strokes, Latin letters, Todhri,
     * Garay, Arabic Extended-C letters and a mark, Tulu-Tigalari, Myanmar Extended-C, Sunuwar, a Kawi sign, Egyptian
     * Hieroglyphs Extended-A, Gurung Khema, Kirat Rai, a Khitan character, Symbols for Legacy Computing Supplement, Ol
     * Onal, arrows, emoji and legacy computing symbols. Checked: the code points of these ranges that JDK 25 (Unicode
     * 16.0) assigns are exactly those it assigns and the llama.cpp of node-llama-cpp 3.21.1 (src/unicode-data.cpp,
     * unicode_ranges_flags) takes for UNDEFINED, 5,185, the number of characters Unicode 16.0 added; that llama.cpp
     * assigns none JDK 25 leaves unassigned, and the 5,116 JDK 25 assigns beyond Python 3.11's Unicode 14.0 and llama.cpp
     * does not take for UNDEFINED are the 4,489 + 627 of Unicode 15.0 and 15.1, so its tables are 15.1's.
     */
    static final int[] UNICODE_16 = {0x0897, 0x0897, 0x1B4E, 0x1B4F, 0x1B7F, 0x1B7F, 0x1C89, 0x1C8A, 0x2427, 0x2429,
        0x31E4, 0x31E5, 0xA7CB, 0xA7CD, 0xA7DA, 0xA7DC, 0x105C0, 0x105FF, 0x10D40, 0x10D8F, 0x10EC2, 0x10EC4, 0x10EFC, 0x10EFC,
        0x11380, 0x113FF, 0x116D0, 0x116FF, 0x11BC0, 0x11BFF, 0x11F5A, 0x11F5A, 0x13460, 0x143FF, 0x16100, 0x1613F,
        0x16D40, 0x16D7F, 0x18CFF, 0x18CFF, 0x1CC00, 0x1CEBF, 0x1E5D0, 0x1E5FF, 0x1F8B2, 0x1F8BB, 0x1F8C0, 0x1F8C1,
        0x1FA89, 0x1FA89, 0x1FA8F, 0x1FA8F, 0x1FABE, 0x1FABE, 0x1FAC6, 0x1FAC6, 0x1FADC, 0x1FADC, 0x1FADF, 0x1FADF,
        0x1FAE9, 0x1FAE9, 0x1FBCB, 0x1FBEF};

    static boolean isUnicode16(int c) {
        for (int i = 0; i < UNICODE_16.length; i += 2) {
            if (c >= UNICODE_16[i] && c <= UNICODE_16[i + 1]) {
                return true;
            }
        }
        return false;
    }

    /**
     * The fill-in-the-middle texts llama.cpp looks for (llama_vocab::impl::load: prefix, suffix, middle, pad, repo and
     * file separator), per kind, in node-llama-cpp 3.21.1's llama.cpp (its libllama holds these strings).
     */
    static final Map<String, List<String>> FIM_TEXTS = Map.of(
            "fim_pre", List.of("<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<\uFF5Cfim\u2581begin\uFF5C>", "<PRE>",
                    "\u2581<PRE>", "<|code_prefix|>", "<|prefix|>"),
            "fim_suf", List.of("<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<\uFF5Cfim\u2581hole\uFF5C>", "<SUF>",
                    "\u2581<SUF>", "<|code_suffix|>", "<|suffix|>"),
            "fim_mid", List.of("<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<\uFF5Cfim\u2581end\uFF5C>", "<MID>",
                    "\u2581<MID>", "<|code_middle|>", "<|middle|>"),
            "fim_pad", List.of("<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"),
            "fim_rep", List.of("<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"),
            "fim_sep", List.of("<|file_sep|>"));

    /**
     * The GGUF's vocabulary with its fill-in-the-middle and end-of-generation markers made control, as llama.cpp's load
     * does ("control-looking token ... its type will be overridden"): per kind whose {@code tokenizer.ggml.KIND_token_id}
     * key the GGUF lacks, the first token whose text is one of {@link #FIM_TEXTS} (llama.cpp takes the first in its hash
     * map's order; where a vocabulary has several of one kind this takes the lowest id and says so), and every token of
     * the end-of-generation set whose text is one llama.cpp ends on ({@link EndOfGeneration#TEXTS}: phi-3's
     * {@code </s>}; the set leaves out the {@code <|end|>} and {@code </s>} llama.cpp takes out of it again, for gpt-oss
     * and Gemma 4, which it makes user-defined and normal). Null where no token changes.
     */
    static Tokenizer controlLooking(Path ggufPath) throws java.io.IOException {
        try (dev.kindling.formats.gguf.GgufFile gguf = dev.kindling.formats.gguf.GgufFile.open(ggufPath)) {
            String[] tokens = gguf.getStringArray("tokenizer.ggml.tokens");
            int[] types = gguf.getIntArray("tokenizer.ggml.token_type").clone();
            boolean changed = false;
            for (var kind : FIM_TEXTS.entrySet()) {
                if (gguf.has("tokenizer.ggml." + kind.getKey() + "_token_id")) {
                    continue;
                }
                List<Integer> ids = new ArrayList<>();
                for (int id = 0; id < tokens.length; id++) {
                    if (kind.getValue().contains(tokens[id])) {
                        ids.add(id);
                    }
                }
                if (ids.size() > 1) {
                    System.out.println("control-looking: " + kind.getKey() + " matches ids " + ids + ", taking " + ids.get(0));
                }
                if (!ids.isEmpty() && types[ids.get(0)] != dev.kindling.tokenizer.spm.SpmTokenizer.CONTROL) {
                    types[ids.get(0)] = dev.kindling.tokenizer.spm.SpmTokenizer.CONTROL;
                    changed = true;
                }
            }
            for (int id : EndOfGeneration.ids(tokens, -1, -1, -1, -1, -1, -1)) {
                if (EndOfGeneration.TEXTS.contains(tokens[id]) && types[id] != dev.kindling.tokenizer.spm.SpmTokenizer.CONTROL) {
                    types[id] = dev.kindling.tokenizer.spm.SpmTokenizer.CONTROL;
                    changed = true;
                }
            }
            if (!changed) {
                return null;
            }
            dev.kindling.formats.gguf.GgufWriter w = new dev.kindling.formats.gguf.GgufWriter();
            gguf.metadata().forEach((k, v) -> {
                if (!k.equals("tokenizer.ggml.token_type")) {
                    w.put(k, v);
                }
            });
            w.putI32s("tokenizer.ggml.token_type", types);
            Path variant = Files.createTempFile("control-looking", ".gguf");
            try {
                w.write(variant);
                return Tokenizer.load(variant);
            } finally {
                Files.delete(variant);
            }
        }
    }

    static String option(String[] args, String name) {
        int i = Arrays.asList(args).indexOf(name);
        return i < 0 ? null : args[i + 1];
    }

    /** HF's offsets count code points; Kindling's are UTF-16 indices (texts_ref.mjs --offsets 1 writes them). */
    static void offsets(List<String> failed, StringBuilder detail, String text, JsonNode expected, Encoding got) {
        String t = Utf8.scrubSurrogates(text);
        int n = Math.min(expected.size(), got.size());
        for (int i = 0; i < n; i++) {
            int s = t.codePointCount(0, got.start(i));
            int e = t.codePointCount(0, got.end(i));
            JsonNode x = expected.get(i);
            if (x.get(0).asInt() != s || x.get(1).asInt() != e) {
                failed.add("offsets");
                detail.append("\n  offsets first difference at token ").append(i).append(" (id ").append(got.ids()[i])
                        .append("): reference ").append(x).append(" kindling [").append(s).append(',').append(e).append(']');
                return;
            }
        }
    }

    /**
     * A decode that skips special tokens. llama.cpp (--gguf) skips a control token as an empty piece that still counts
     * as the first one, so a SentencePiece vocabulary keeps the space of the word after it ("</s>▁word" gives " word");
     * Kindling drops it as HF's Strip decoder does ("word"). That difference is counted apart, as known; so is a decode
     * that the vocabulary with its control-looking markers made control ({@link #controlLooking}) gives, where llama.cpp
     * skips those markers, and one where both hold ("</s>▁word" of phi-3, whose {@code </s>} is user-defined).
     */
    static void skipped(List<String> failed, StringBuilder detail, String what, String expected, Tokenizer tok, int[] ids,
            boolean gguf, Tokenizer controlLooking, Map<String, Integer> known) {
        String got = tok.decode(ids, true);
        String check = what.replaceAll(" .*", "");
        if (gguf && leadingSpaceAfterSkipped(expected, got, tok, ids)) {
            known.merge(check + ":leading-space-after-skipped-special", 1, Integer::sum);
            return;
        }
        if (controlLooking != null && !expected.equals(got)) {
            String asControl = controlLooking.decode(ids, true);
            if (expected.equals(asControl)) {
                known.merge(check + ":control-looking", 1, Integer::sum);
                return;
            }
            if (leadingSpaceAfterSkipped(expected, asControl, controlLooking, ids)) {
                known.merge(check + ":control-looking+leading-space-after-skipped-special", 1, Integer::sum);
                return;
            }
        }
        decoded(failed, detail, what, expected, got, gguf, known);
    }

    /** llama.cpp's decode is {@code got} with the space that {@code tok} skipping the special first id dropped. */
    static boolean leadingSpaceAfterSkipped(String expected, String got, Tokenizer tok, int[] ids) {
        return !expected.equals(got) && expected.equals(" " + got) && ids.length > 0 && tok.isSpecial(ids[0]);
    }

    /**
     * A decode compared with llama.cpp's (--gguf) or HF's. llama.cpp's detokenize applies {@code clean_spaces} for BPE
     * vocabularies whose pre-tokenizer keeps the default (llama3, gpt-4o, qwen2, ...; deepseek-llm/-coder/-v3 set it
     * off) and for WordPiece; Kindling decodes as HF's tokenizers does (README "Exactness"). Where llama.cpp's text is
     * exactly {@link #cleanSpaces} of Kindling's, that difference is counted apart, as known; anything else is a mismatch.
     */
    static void decoded(List<String> failed, StringBuilder detail, String what, String expected, String got, boolean gguf,
            Map<String, Integer> known) {
        if (gguf && !expected.equals(got) && expected.equals(cleanSpaces(got))) {
            known.merge(what.replaceAll(" .*", "") + ":clean_spaces", 1, Integer::sum);
            return;
        }
        text(failed, detail, what, expected, got);
    }

    /**
     * llama.cpp's {@code clean_spaces} (llama_vocab::impl::detokenize), its three passes over the text as they are: the
     * space before ? ! . , goes; " ' " becomes "'" (the space after it is overwritten, so it does not count as the space
     * before what follows); the space before 's 'm 're 've goes ('t 'd 'll keep it). All ASCII, so UTF-16 units serve
     * as UTF-8 bytes would.
     */
    static String cleanSpaces(String s) {
        char[] t = s.toCharArray();
        int total = t.length;
        int n = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            char x = t[i];
            if (t[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) {
                total--;
            }
            t[total++] = x;
        }
        n = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            char x = t[i];
            if (x == '\'' && i + 1 < n && t[i - 1] == ' ' && t[i + 1] == ' ') {
                total--;
                t[++i] = '\0';
            }
            t[total++] = x;
        }
        n = total;
        total = total > 0 ? 1 : 0;
        for (int i = 1; i < n; i++) {
            char x = t[i];
            if (t[i - 1] == ' ' && x == '\'' && i + 1 < n) {
                char x1 = t[i + 1];
                if (x1 == 's' || x1 == 'm') {
                    total--;
                } else if (x1 != 't' && x1 != 'd' && i + 2 < n) {
                    char x2 = t[i + 2];
                    if ((x1 == 'r' || x1 == 'v') && x2 == 'e') {
                        total--;
                    }
                }
            }
            t[total++] = x;
        }
        return new String(t, 0, total);
    }

    static void text(List<String> failed, StringBuilder detail, String what, String expected, String got) {
        if (!expected.equals(got)) {
            failed.add(what);
            detail.append("\n  ").append(what).append(": reference ").append(quote(expected)).append(" kindling ").append(quote(got));
        }
    }

    static int codePoints(Path ref) throws Exception {
        JsonNode hf = new ObjectMapper().readTree(ref.toFile());
        Map<String, Normalizer> normalizers = new LinkedHashMap<>();
        normalizers.put("bert", Normalizers.bert(true, true, true, true));
        normalizers.put("bertKeepAccents", Normalizers.bert(true, false, false, false));
        normalizers.put("stripAccents", Normalizers.stripAccents());
        normalizers.put("lowercase", Normalizers.lowercase());
        normalizers.put("nfc", Normalizers.unicode(java.text.Normalizer.Form.NFC));
        normalizers.put("nfd", Normalizers.unicode(java.text.Normalizer.Form.NFD));
        normalizers.put("nfkc", Normalizers.unicode(java.text.Normalizer.Form.NFKC));
        normalizers.put("nfkd", Normalizers.unicode(java.text.Normalizer.Form.NFKD));
        normalizers.put("nmt", Normalizers.nmt());
        Map<String, PreTokenizer> preTokenizers = new LinkedHashMap<>();
        preTokenizers.put("bert", PreTokenizers.bert());
        preTokenizers.put("punct", PreTokenizers.punctuation(Split.Behavior.ISOLATED));
        preTokenizers.put("ws", PreTokenizers.whitespace());
        preTokenizers.put("wsSplit", PreTokenizers.whitespaceSplit());
        preTokenizers.put("digits", PreTokenizers.digits(true));
        int bad = 0;
        for (var e : normalizers.entrySet()) {
            JsonNode changed = hf.get("n_" + e.getKey());
            List<String> diffs = new ArrayList<>();
            for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
                if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                    continue;
                }
                String s = Character.toString(c);
                JsonNode exp = changed.get(Integer.toString(c));
                String expected = exp == null ? s : exp.asText();
                String got = e.getValue().normalize(s);
                if (!expected.equals(got)) {
                    diffs.add(String.format("U+%04X reference %s kindling %s", c, quote(expected), quote(got)));
                }
            }
            bad += report("normalizer " + e.getKey(), diffs);
        }
        for (var e : preTokenizers.entrySet()) {
            JsonNode changed = hf.get("p_" + e.getKey());
            List<String> diffs = new ArrayList<>();
            for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
                if (c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE) {
                    continue;
                }
                String w = "a" + Character.toString(c) + "a";
                JsonNode exp = changed.get(Integer.toString(c));
                String expected = exp == null ? w : exp.asText();
                Splits in = new Splits();
                in.single(w, true);
                Splits out = new Splits();
                e.getValue().apply(in, out);
                List<String> pieces = new ArrayList<>();
                for (int i = 0; i < out.count; i++) {
                    pieces.add(out.piece(i));
                }
                String got = String.join("|", pieces);
                if (!expected.equals(got)) {
                    diffs.add(String.format("U+%04X reference %s kindling %s", c, quote(expected), quote(got)));
                }
            }
            bad += report("pre-tokenizer " + e.getKey(), diffs);
        }
        System.out.println("SUMMARY code points: " + bad + " (component, code point) pairs differ");
        return bad;
    }

    static int report(String what, List<String> diffs) {
        System.out.println(what + ": " + diffs.size() + " code points differ" + (diffs.isEmpty() ? "" : ", first "
                + String.join("; ", diffs.subList(0, Math.min(SHOW, diffs.size())))));
        return diffs.size();
    }

    static int[] ints(JsonNode a) {
        int[] r = new int[a.size()];
        for (int i = 0; i < r.length; i++) {
            r[i] = a.get(i).asInt();
        }
        return r;
    }

    /** The text in quotes, with controls, invisible and combining characters and unpaired surrogates escaped. */
    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); ) {
            int c = s.codePointAt(i);
            i += Character.charCount(c);
            int type = Character.getType(c);
            boolean visible = c == ' ' || !(type == Character.CONTROL || type == Character.FORMAT || type == Character.SURROGATE
                    || type == Character.SPACE_SEPARATOR || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR
                    || type == Character.NON_SPACING_MARK || type == Character.ENCLOSING_MARK || type == Character.UNASSIGNED
                    || c == 0xFE0F || c == 0xFE0E);
            if (visible) {
                b.appendCodePoint(c);
            } else {
                b.append(String.format(c > 0xFFFF ? "\\U%08x" : "\\u%04x", c));
            }
        }
        return b.append('"').toString();
    }
}
