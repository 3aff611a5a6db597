package dev.kindling.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
}
