package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.LlamaCppVectors;
import dev.kindling.tokenizer.Tokenizer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.Arguments;
import java.util.stream.Stream;

/**
 * A GGUF WordPiece vocabulary (bert-bge) takes its character classes from HF's BERT rules ({@code HfUnicode}: the
 * {@code unicode_categories} crate's Unicode 8.0 punctuation, controls and non-spacing marks), as HF tokenizers 0.23.2
 * gives them for the same vocabulary, not from the JDK's tables: with {@code Character.getType} the ids changed
 * between Java 17 (Unicode 13) and Java 25 (Unicode 16), "a⹓a" and "a᜴b" among them. Expected ids: the
 * tokenizer.json built from the GGUF's tokens ({@link WpmOffsetsTest} says how) through HF, no special tokens.
 */
class WpmUnicodeTest {
    private static Tokenizer bge;

    @BeforeAll
    static void load() {
        bge = Tokenizer.load(SharedData.require("llamacpp-vocab/ggml-vocab-bert-bge.gguf"));
    }

    static Stream<Arguments> texts() {
        return Stream.of(
                // U+2E4F, Po since Unicode 11, and U+2E53, Po since 14 (Java 25's, not Java 17's): no punctuation to HF
                Arguments.of("a\u2E4Fa", new int[] {100}),
                Arguments.of("a\u2E53a", new int[] {100}),
                // U+166D, Po in Unicode 8 and So since 11: punctuation to HF
                Arguments.of("a\u166Da", new int[] {1037, 100, 1037}),
                // U+08E2 and U+13430, format characters since Unicode 9 and 12: clean_text keeps them
                Arguments.of("the whale\u08E2ship", new int[] {1996, 100}),
                Arguments.of("the ship\uD80D\uDC30whale", new int[] {1996, 100}),
                // controls that are also whitespace: clean_text removes them before whitespace splits the words
                Arguments.of("a\u000Bb", new int[] {11113}),
                Arguments.of("a\u000Cb a\u001Fb a\u0085b", new int[] {11113, 11113, 11113}),
                // U+07FD, a non-spacing mark since Unicode 11: strip_accents keeps it; U+1112E, Mn in Unicode 8 (Mc
                // since), and U+1734, Mn in Unicode 8 (Mc since 14, Java 25's): stripped
                Arguments.of("whale\u07FD ship", new int[] {100, 2911}),
                Arguments.of("whale\uD804\uDD2E ship", new int[] {13156, 2911}),
                Arguments.of("a\u1734b", new int[] {11113}),
                // accents, capitals, CJK ideographs, ASCII punctuation; white space of other kinds
                Arguments.of("Caf\u00E9 NA\u00CFVE \u4E2D\u6587!", new int[] {7668, 15743, 1746, 1861, 999}),
                Arguments.of("x\u00A0y\u3000z\u2028w", new int[] {1060, 1061, 1062, 1059}));
    }

    @ParameterizedTest
    @MethodSource("texts")
    void idsAreHfs(String text, int[] expected) {
        assertArrayEquals(expected, bge.encode(text, false, false), () -> LlamaCppVectors.escape(text));
    }
}
