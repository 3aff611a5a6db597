package dev.kindling.tokenizer.spm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.normalize.CharsMapBlob;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer.model with a character map ({@code nmt_nfkc} and the like), on a map written in the test whose rules
 * expand (ﬁ), narrow (full-width Ａ), delete (BEL), turn characters into spaces (U+3000, tab), compete for the longest
 * key (x, xy) and end inside a character (the first two bytes of €): normalization, ids and offsets worked by hand.
 * The parity with the sentencepiece library on trained models is bench/spm-charsmap-parity.py's.
 */
class SentencePieceCharsMapTest {
    @TempDir
    Path tmp;

    static final byte[] MAP = new CharsMapBlob().rule("\uFB01", "fi").rule("\uFF21", "A").rule("\u0007", "")
            .rule("\u3000", " ").rule("\t", " ").rule("x", "1").rule("xy", "2").rule("<", "[")
            .rule("\u00A8", " \u0308").rule(new byte[] {(byte) 0xE2, (byte) 0x82}, "E").bytes();

    /** BPE: 0 unk, 1 s, 2 /s, 3 {@code <sep>} (user-defined), 4 ▁, 5 f, 6 i, 7 fi, 8 A, 9 1, 10 2, 11 E, 12 U+FFFD, ... */
    private SpmModelWriter writer(Consumer<SpmModelWriter> change) {
        SpmModelWriter w = new SpmModelWriter();
        w.piece("<unk>", 0, SpmTokenizer.UNKNOWN).piece("<s>", 0, SpmTokenizer.CONTROL).piece("</s>", 0, SpmTokenizer.CONTROL)
                .piece("<sep>", 0, SpmTokenizer.USER_DEFINED);
        String[] normal = {"\u2581", "f", "i", "fi", "A", "1", "2", "E", "\uFFFD", "a", "[", "\u0308", " "};
        for (int i = 0; i < normal.length; i++) {
            w.piece(normal[i], i == 3 ? 0 : -1 - i, SpmTokenizer.NORMAL);
        }
        w.normalizerName = "test_map";
        w.charsmap = MAP;
        change.accept(w);
        return w;
    }

    private SpmTokenizer load(Consumer<SpmModelWriter> change) throws Exception {
        return (SpmTokenizer) Tokenizer.load(writer(change).write(tmp.resolve("m" + System.nanoTime() + ".model")));
    }

    private static String normalized(SpmTokenizer t, String text) {
        return t.normalize(text, 0, text.length());
    }

    static final String TEXT = "\uFB01\u0007\uFF21  xyx\u3000\u20AC";

    @Test
    void theMapRewritesLongestKeysFirstAndTheWhitespaceRulesWorkOnItsOutput() throws Exception {
        SpmTokenizer t = load(w -> {});
        // ﬁ expands, BEL goes, Ａ narrows, the second space goes, xy beats x, U+3000 is a space, € loses its first two
        // bytes to a rule and its third becomes U+FFFD
        assertEquals("\u2581fiA\u258121\u2581E\uFFFD", normalized(t, TEXT));
        assertArrayEquals(new int[] {4, 7, 8, 4, 10, 9, 4, 11, 12}, t.encode(TEXT, false, false));
        // a space the map makes counts as one: leading ones go, a run is one, trailing ones go
        assertEquals("\u2581A\u2581A", normalized(t, "\u3000\t \uFF21\t\u3000\uFF21\u3000 "));
        // an output's leading space goes after a space (¨ is " \u0308"), not after a letter
        assertEquals("\u2581a\u2581\u0308\u2581a\u2581\u0308", normalized(t, "a \u00A8 a\u00A8"));
        // text the map deletes entirely, or only spaces: nothing, not even the dummy prefix
        assertEquals("", normalized(t, "\u0007\u0007"));
        assertEquals("", normalized(t, "\u3000 \t"));
        assertArrayEquals(new int[0], t.encode("\u0007", false, false));
    }

    @Test
    void aUserDefinedPieceIsKeptAsItIsNotMapped() throws Exception {
        SpmTokenizer t = load(w -> {});
        assertEquals("\u2581a<sep>[a", normalized(t, "a<sep><a"));
        assertArrayEquals(new int[] {4, 13, 3, 14, 13}, t.encode("a<sep><a", false, false));
    }

    @Test
    void theSpecFlagsApplyToTheMapsOutput() throws Exception {
        SpmTokenizer keep = load(w -> {
            w.addDummyPrefix = false;
            w.removeExtraWhitespaces = false;
        });
        assertEquals("\u2581\u2581A\u2581\u2581", normalized(keep, "\u3000\t\uFF21 \u3000"));
        assertEquals("", normalized(keep, "\u0007"), "a deleted character leaves nothing");
        SpmTokenizer raw = load(w -> w.escapeWhitespaces = false);
        assertEquals(" A A", normalized(raw, "\uFF21\u3000\u3000\uFF21\t"));
    }

    /**
     * Offsets point into the text as given: ﬁ's "fi" covers the ligature, the deleted BEL belongs to no token, xy's
     * "2" covers both letters, the space U+3000 became covers it, and E and U+FFFD both cover the € they came from.
     */
    @Test
    void offsetsFollowTheMapBackToTheText() throws Exception {
        SpmTokenizer t = load(w -> {});
        Encoding e = t.encodeWithOffsets(TEXT, false, false);
        assertArrayEquals(new int[] {4, 7, 8, 4, 10, 9, 4, 11, 12}, e.ids());
        assertEquals("[0, 1) [0, 1) [2, 3) [3, 4) [5, 7) [7, 8) [8, 9) [9, 10) [9, 10)", ranges(e));
        Encoding s = t.encodeWithOffsets("\uFF21</s>\uFF21", false, true);
        assertArrayEquals(new int[] {4, 8, 2, 4, 8}, s.ids());
        assertEquals("[0, 1) [0, 1) [1, 5) [5, 6) [5, 6)", ranges(s));
    }

    private static String ranges(Encoding e) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < e.size(); i++) {
            sb.append(i == 0 ? "" : " ").append('[').append(e.start(i)).append(", ").append(e.end(i)).append(')');
        }
        return sb.toString();
    }

    @Test
    void aCorruptMapIsAnErrorNamingTheFileAndField() throws Exception {
        for (byte[] bad : new byte[][] {Arrays.copyOf(MAP, MAP.length - 1), Arrays.copyOf(MAP, 100),
                CharsMapBlob.withTrieSize(MAP, 7), {1, 2, 3, 4}}) {
            Path file = writer(w -> w.charsmap = bad).write(tmp.resolve("tokenizer.model"));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            assertTrue(e.getMessage().contains("normalizer_spec.precompiled_charsmap (the \"test_map\" normalizer, "
                    + bad.length + " bytes) is not a character map: "), e.getMessage());
        }
    }

    /** Random byte changes in the map: the model loads and encodes, or is an error naming the file; nothing else. */
    @Test
    void mutatedMapsLoadOrAreErrorsNamingTheFile() throws Exception {
        Random rnd = new Random(2027);
        Path file = tmp.resolve("tokenizer.model");
        int loaded = 0;
        int refused = 0;
        for (int round = 0; round < 200; round++) {
            byte[] m = MAP.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            }
            writer(w -> w.charsmap = m).write(file);
            try {
                Tokenizer t = Tokenizer.load(file);
                t.encodeWithOffsets(TEXT + " a<sep>\u00A8\t", true, true);
                loaded++;
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().startsWith(file.toString()), "round " + round + ": " + e.getMessage());
                refused++;
            }
        }
        assertTrue(loaded > 0 && refused > 0, "loaded " + loaded + ", refused " + refused);
    }
}
