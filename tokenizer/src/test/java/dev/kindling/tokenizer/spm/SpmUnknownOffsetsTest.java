package dev.kindling.tokenizer.spm;

import dev.kindling.tokenizer.OffsetAsserts;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer.model without byte fallback gives {@code <unk>} for text no piece holds (T5, ALBERT and most models with
 * a character map): its range is that text, up to where the next piece matches or the end of the word, as HF gives an
 * unknown token's. The unknown piece is special (type UNKNOWN), and was taken for a token the template added: it got
 * {@code [0, 0)} and every token after it lost its place.
 */
class SpmUnknownOffsetsTest {
    @TempDir
    Path tmp;

    @Test
    void anUnknownPieceCoversTheTextItStandsFor() throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve("tokenizer.model")));
        OffsetAsserts.assertIdsAndOffsets(t, "a\u00e9b", false, new int[] {6, 7, 0, 8},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {2, 3}});
        // a run of unknown characters is one unknown piece; it ends with its word
        OffsetAsserts.assertIdsAndOffsets(t, "ab\u00e9\u00e9 c", false, new int[] {4, 0, 6, 9},
                new int[][] {{0, 2}, {2, 4}, {4, 5}, {5, 6}});
    }

    @Test
    void afterACharacterMapToo() throws Exception {
        SpmModelWriter w = SpmModelWriter.small();
        w.charsmap = SentencePieceCharsMapTest.MAP;
        Tokenizer t = Tokenizer.load(w.write(tmp.resolve("tokenizer.model")));
        // U+3000 is a space, é no piece holds, ﬁ is "fi" (f and i are no pieces either)
        OffsetAsserts.assertIdsAndOffsets(t, "a\u3000\u00e9\u00e9b \uFB01 c", false, new int[] {6, 7, 6, 0, 8, 6, 0, 6, 9},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {2, 4}, {4, 5}, {5, 6}, {6, 7}, {7, 8}, {8, 9}});
    }
}
