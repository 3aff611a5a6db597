package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizer;
import dev.kindling.tokenizer.pretokenize.PreTokenizers;
import dev.kindling.tokenizer.pretokenize.Split;
import dev.kindling.tokenizer.pretokenize.Splits;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BERT's character rules as HF tokenizers 0.23.2 applies them: its BertNormalizer, BertPreTokenizer and Punctuation
 * take punctuation, controls and non-spacing marks from the {@code unicode_categories} crate, whose tables are
 * Unicode 8.0, not from a JDK's. Expected ids: HF on the WordPiece file {@code offsets/make-hf-offsets.mjs} built,
 * {@code t.encode(text, null, {addSpecialTokens: false})} from {@code ~/.cache/kindling-ref}.
 */
class BertUnicodeParityTest {
    static Tokenizer bert() throws Exception {
        return Tokenizer.load(Path.of(BertUnicodeParityTest.class.getResource("/offsets/wordpiece-bert.json").toURI()));
    }

    static String pieces(PreTokenizer p, String text) {
        Splits in = new Splits();
        in.single(text, true);
        Splits out = new Splits();
        p.apply(in, out);
        List<String> r = new ArrayList<>();
        for (int i = 0; i < out.count; i++) {
            r.add(out.piece(i));
        }
        return String.join("|", r);
    }

    /** U+2E4F (Po since Unicode 11) is no punctuation to HF; U+166D (Po until Unicode 11, So now) is. */
    @Test
    void punctuationIsUnicode8s() throws Exception {
        assertEquals("a\u2E4Fa", pieces(PreTokenizers.bert(), "a\u2E4Fa"));
        assertEquals("a|\u166D|a", pieces(PreTokenizers.bert(), "a\u166Da"));
        assertEquals("a\u2E4Fa", pieces(PreTokenizers.punctuation(Split.Behavior.ISOLATED), "a\u2E4Fa"));
        Tokenizer t = bert();
        assertArrayEquals(new int[] {130, 1, 148}, t.encode("the a\u2E4Fa whale", false));
        assertArrayEquals(new int[] {130, 1, 148}, t.encode("the\u166Dwhale", false));
    }

    /**
     * clean_text keeps the format characters of Unicode 9 and later (U+08E2, U+13430), and strip_accents the
     * non-spacing marks (U+07FD) but removes U+1112E, a non-spacing mark in Unicode 8 and a spacing one since.
     */
    @Test
    void controlsAndNonSpacingMarksAreUnicode8s() throws Exception {
        Tokenizer t = bert();
        assertArrayEquals(new int[] {130, 1}, t.encode("the whale\u08E2ship", false));
        assertArrayEquals(new int[] {130, 1}, t.encode("the ship\uD80D\uDC30whale", false));
        assertArrayEquals(new int[] {130, 1, 182}, t.encode("the whale\u07FD ship", false));
        assertArrayEquals(new int[] {148, 182}, t.encode("whale\uD804\uDD2E ship", false));
    }
}
