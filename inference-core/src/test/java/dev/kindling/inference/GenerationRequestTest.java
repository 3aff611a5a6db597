package dev.kindling.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/** Request fields out of their range are refused when the request is built, naming the field. */
class GenerationRequestTest {
    @Test
    void topLogprobsBelowMinusOneIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenerationRequest.of("x").withLogprobs(-5));
        assertTrue(e.getMessage().contains("top log-probs") && e.getMessage().contains("-5"), e.getMessage());
        assertEquals(-1, GenerationRequest.of("x").withLogprobs(-1).topLogprobs());
        assertEquals(0, GenerationRequest.of("x").withLogprobs(0).topLogprobs());
    }

    /**
     * Half of a character (a string cut inside an emoji) is refused: no text contains it, and its UTF-8 encoding was "?",
     * so the generation stopped at the first question mark.
     */
    @Test
    void aStopStringWithHalfACharacterIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerationRequest.of("x").withStopStrings(List.of("ok", "end\uD83D")));
        assertTrue(e.getMessage().contains("stop string 1") && e.getMessage().contains("surrogate"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> GenerationRequest.of("x").withStopStrings(List.of("\uDE00!")));
        assertEquals(List.of("\uD83D\uDE00"), GenerationRequest.of("x").withStopStrings(List.of("\uD83D\uDE00")).stopStrings());
    }

    /**
     * A stop string holding U+FFFD is refused: stop strings are matched on the output's bytes, where the U+FFFD that the
     * text shows for invalid bytes is not, so it never stopped a generation at one.
     */
    @Test
    void aStopStringWithTheReplacementCharacterIsRefused() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GenerationRequest.of("x").withStopStrings(List.of("ok", "a\uFFFD")));
        assertTrue(e.getMessage().contains("stop string 1") && e.getMessage().contains("U+FFFD"), e.getMessage());
    }
}
