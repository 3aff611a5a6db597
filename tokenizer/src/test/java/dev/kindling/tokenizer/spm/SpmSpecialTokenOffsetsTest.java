package dev.kindling.tokenizer.spm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.OffsetAsserts;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A tokenizer.model that removes extra spaces (sentencepiece's default, tok512's) with a special token spelled in the
 * text right after spaces it dropped: the token covers its text and the fragments around it keep their places, as
 * each fragment is normalized on its own. Aligned as one text, the special token was looked for at the dropped space:
 * it got [0, 0) and the next token the rest ({@code b <s> x}: x covered "> x").
 */
class SpmSpecialTokenOffsetsTest {
    @TempDir
    Path tmp;

    @Test
    void aSpecialTokenAfterDroppedSpacesCoversItsText() throws Exception {
        Tokenizer t = Tokenizer.load(SpmModelWriter.small().write(tmp.resolve("tokenizer.model")));
        OffsetAsserts.assertIdsAndOffsets(t, "ab  </s>  ab", false, new int[] {4, 2, 4},
                new int[][] {{0, 2}, {4, 8}, {10, 12}});
        OffsetAsserts.assertIdsAndOffsets(t, "ab </s>ab </s>", false, new int[] {4, 2, 4, 2},
                new int[][] {{0, 2}, {3, 7}, {7, 9}, {10, 14}});
    }

    @Test
    void tok512() {
        Tokenizer t = Tokenizer.load(SharedData.require(SentencePieceModelTest.TOK512));
        String text = "b <s> x";
        Encoding e = t.encodeWithOffsets(text, true, true);
        assertArrayEquals(t.encode(text, true, true), e.ids());
        assertArrayEquals(new int[] {0, 0, 2, 5, 6}, e.starts(), "BOS, ▁b, <s>, ▁, x");
        assertArrayEquals(new int[] {0, 1, 5, 6, 7}, e.ends());
    }
}
