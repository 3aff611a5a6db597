package dev.kindling.inference.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The rates of one repetition of {@link GenerateBench}, from the times its tokens came. */
class GenerateBenchTest {
    private static final long S = 1_000_000_000L;

    /** All prompts in one step: every token after the first is a decode token, over the time from the first to the last. */
    @Test
    void promptsInOneStep() {
        long[][] at = {{2 * S, 3 * S, 4 * S}, {2 * S, 3 * S, 4 * S}};
        double[] r = GenerateBench.rates(0, at, 10);
        assertEquals(20 / 2.0, r[0], 1e-9); // 2 x 10 prompt tokens in 2 s
        assertEquals(4 / 2.0, r[1], 1e-9); // 4 tokens in the 2 s after the last first token
    }

    /**
     * Prompts over several steps: the first sequence decoded while the second was prefilled. Its tokens before the
     * second's first one are not in the decode window, and were counted (6 tokens in 2 s, where 3 came in it).
     */
    @Test
    void tokensBeforeEverySequenceStartedAreNotDecodeTokens() {
        long[][] at = {{1 * S, 2 * S, 3 * S, 4 * S}, {3 * S, 4 * S, 5 * S, 6 * S}};
        double[] r = GenerateBench.rates(0, at, 10);
        assertEquals(20 / 3.0, r[0], 1e-9);
        assertEquals(4 / 3.0, r[1], 1e-9); // sequence 0's token at 4 s, sequence 1's at 4, 5 and 6 s: 4 tokens in 3 s
    }

    /** A model path with a quote, a backslash or a tab made the line invalid JSON (or was printed altered). */
    @Test
    void theJsonLineHoldsTheModelPathAsGiven() throws Exception {
        String path = "dir\\a\"b\tc.gguf";
        String line = new GenerateBench.Result(path, "Q8_0", 2, 16, 1, 2, 3, 4, 1, 5, 6, "f32").toJson();
        com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(line);
        assertEquals(path, json.get("model").asText());
        assertEquals(16, json.get("batch").asInt());
    }
}
