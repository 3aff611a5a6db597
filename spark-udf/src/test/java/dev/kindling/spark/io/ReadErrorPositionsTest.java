package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The reader's malformed-line messages count characters from 1 in code points, as SQL's {@code substring} does. They
 * counted UTF-16 units, so every emoji before the error moved the named character one too far.
 */
class ReadErrorPositionsTest {
    /** The 1-based character of the line where {@code what} starts, in code points. */
    static int characterOf(String line, String what) {
        return line.codePointCount(0, line.indexOf(what)) + 1;
    }

    @Test
    void moreAfterTheObjectNamesItsCharacterInCodePoints() {
        String line = "{\"text\":\"😀😀 party\"} tail";
        assertEquals(21, characterOf(line, "tail"));
        String error = DatasetReader.afterObject(line.getBytes(StandardCharsets.UTF_8));
        assertTrue(error.startsWith("more after the JSON object at character 21 of the line"), error);
    }

    @Test
    void anUnpairedSurrogateNamesItsCharacterInCodePoints() {
        String line = "{\"text\":\"😀 \\ud800\"}";
        assertEquals(12, characterOf(line, "\\ud800"));
        String error = DatasetReader.unpairedSurrogate(line);
        assertTrue(error.startsWith("unpaired surrogate escape \\uD800 at character 12 of the line"), error);
    }
}
