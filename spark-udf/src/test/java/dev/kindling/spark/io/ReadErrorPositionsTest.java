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

    /**
     * Records separated by a \r alone (old Mac line ends) are one JSON Lines line, as JSON Lines lines end at \n alone (and
     * Python's json.loads of it says "Extra data"): the error says so and how to convert the file, as "more after the JSON
     * object" alone did not tell a file that Kindling read as records before from a line with two objects on it.
     */
    @Test
    void moreAfterTheObjectBehindACrSaysLinesEndAtLfAlone() {
        String line = "{\"id\":\"a\",\"text\":\"one\"}\r{\"id\":\"b\",\"text\":\"two\"}\r";
        String error = DatasetReader.afterObject(line.getBytes(StandardCharsets.UTF_8));
        assertEquals("more after the JSON object at character 25 of the line (JSON Lines holds one object per line; a \\r before "
                + "it: JSON Lines lines end at \\n alone, so records separated by \\r alone are one line; convert the file with "
                + "tr '\\r' '\\n')", error);
        // a \r that ends the line, or white space without one, says nothing of it
        assertEquals(null, DatasetReader.afterObject("{\"a\":1}\r".getBytes(StandardCharsets.UTF_8)));
        assertEquals("more after the JSON object at character 9 of the line (JSON Lines holds one object per line)",
                DatasetReader.afterObject("{\"a\":1} {\"b\":2}".getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void anUnpairedSurrogateNamesItsCharacterInCodePoints() {
        String line = "{\"text\":\"😀 \\ud800\"}";
        assertEquals(12, characterOf(line, "\\ud800"));
        String error = DatasetReader.unpairedSurrogate(line);
        assertTrue(error.startsWith("unpaired surrogate escape \\uD800 at character 12 of the line"), error);
    }
}
