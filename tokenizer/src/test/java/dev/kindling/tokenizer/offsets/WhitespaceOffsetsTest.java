package dev.kindling.tokenizer.offsets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.tokenizer.Encoding;
import dev.kindling.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;

/**
 * Whitespace as HF's normalizers and pre-tokenizers see it (Unicode White_Space, Rust's {@code char::is_whitespace}),
 * not as {@link Character#isWhitespace}: that one leaves out U+00A0 and U+2007/U+202F (so BERT's token after a
 * no-break space covered it) and takes in U+001C..U+001F (so an unknown token's trailing U+001F was cut off).
 * Expected: HF tokenizers 0.23.2 on the two files {@code offsets/make-hf-offsets.mjs} built, from
 * {@code ~/.cache/kindling-ref}:
 * {@code node -e 'const {Tokenizer}=require("tokenizers"); const t=Tokenizer.fromFile(process.argv[1]);
 * t.encode(process.argv[2],null,{addSpecialTokens:false}).then(e=>console.log(JSON.stringify([e.getIds(),e.getOffsets()])))'
 * .../offsets/wordpiece-bert.json "$(printf 'x\u00a0y\u2003z\u3000w')"} (and likewise for the Unigram file).
 */
class WhitespaceOffsetsTest {
    static void check(String name, String text, int[] ids, int[][] offsets) {
        Encoding e = OffsetsParityTest.tokenizer(name).encodeWithOffsets(text, false);
        assertArrayEquals(ids, e.ids(), text);
        int[][] got = new int[e.size()][];
        for (int i = 0; i < e.size(); i++) {
            got[i] = new int[] {e.start(i), e.end(i)};
        }
        assertArrayEquals(offsets, got, name + ": offsets of \"" + text + "\"");
    }

    @Test
    void noBreakSpacesAreWhitespace() {
        check("wordpiece-bert", "x\u00a0y\u2003z\u3000w", new int[] {54, 55, 56, 53}, new int[][] {{0, 1}, {2, 3}, {4, 5}, {6, 7}});
    }

    @Test
    void informationSeparatorsAreNotWhitespace() {
        check("unigram-metaspace", "\u0000ctl\u0007\u001f", new int[] {175, 0, 109, 143, 127, 0},
                new int[][] {{0, 1}, {0, 1}, {1, 2}, {2, 3}, {3, 4}, {4, 6}});
    }
}
