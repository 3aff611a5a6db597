package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.List;
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
        String error = DatasetReader.objectLineError(line.getBytes(StandardCharsets.UTF_8));
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
        String error = DatasetReader.objectLineError(line.getBytes(StandardCharsets.UTF_8));
        assertEquals("more after the JSON object at character 25 of the line (JSON Lines holds one object per line; a \\r before "
                + "it: JSON Lines lines end at \\n alone, so records separated by \\r alone are one line; convert the file with "
                + "tr '\\r' '\\n')", error);
        // a \r that ends the line, or white space without one, says nothing of it
        assertEquals(null, DatasetReader.objectLineError("{\"a\":1}\r".getBytes(StandardCharsets.UTF_8)));
        assertEquals("more after the JSON object at character 9 of the line (JSON Lines holds one object per line)",
                DatasetReader.objectLineError("{\"a\":1} {\"b\":2}".getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * A key given twice in one object: Spark's parser kept the last value without a word ({"text":"a","text":"b"} read as
     * "b"), where pyarrow refuses the row. Found at any depth, with escapes and single quotes read as the parser reads them;
     * the same key in sibling objects, and a key's name as a value, are no repeat.
     */
    @Test
    void aKeyGivenTwiceInOneObjectNamesTheKeyAndBothCharacters() {
        assertEquals("key 'text' given twice in the line's object, at characters 9 and 20 of the line (a reader keeps one of "
                + "its values and loses the other)", scan("{\"id\":1,\"text\":\"a\",\"text\":\"b\"}"));
        String emoji = "{\"text\":\"😀😀\",\"id\":1,\"id\":2}";
        assertEquals(characterOf(emoji, "\"id\":2"), 21);
        assertTrue(scan(emoji).startsWith("key 'id' given twice in the line's object, at characters 14 and 21 "), scan(emoji));
        assertTrue(scan("{\"id\":1,\"meta\":{\"lang\":\"en\",\"lang\":\"fr\"}}").startsWith(
                "key 'lang' given twice in an object nested in the line's, at characters 17 and 29 "), "nested");
        assertTrue(scan("{\"a\":[{\"k\":1},{\"k\":2,\"k\":3}]}").startsWith("key 'k' given twice in an object nested"), "in an array");
        assertTrue(scan("{\"text\":\"a\",\"\\u0074ext\":\"b\"}").startsWith("key 'text' given twice in the line's object"), "escaped");
        assertTrue(scan("{'text':'a',\"text\":'b'}").startsWith("key 'text' given twice in the line's object"), "single-quoted");
        StringBuilder wide = new StringBuilder("{");
        for (int k = 0; k < 40; k++) {
            wide.append("\"f").append(k).append("\":").append(k).append(',');
        }
        assertEquals(null, scan(wide + "\"f40\":40}"), "40 keys, none twice");
        assertTrue(scan(wide + "\"f3\":3}").startsWith("key 'f3' given twice"), "in a wide object too");
        for (String clean : List.of("{\"a\":[{\"k\":1},{\"k\":2}],\"b\":{\"k\":3},\"k\":4}",
                "{\"text\":\"text\",\"meta\":\"text\",\"list\":[\"text\",\"text\"]}",
                "{\"text\":\"a, \\\"text\\\": b\",\"n\":{}}", "{\"Text\":\"a\",\"text\":\"b\"}", "{}")) {
            assertEquals(null, scan(clean), clean);
        }
    }

    /**
     * An object of more than {@link dev.kindling.formats.JsonLines#WIDE_OBJECT} keys is looked up through a hash table: a repeat is found
     * wherever it is, keys of one String hash but different bytes ("Aa", "BB") are no repeat, and an object nested in a
     * wide one, and the wide one's keys after it, are checked as in a narrow one. 20,000 keys are checked as 20,000
     * lookups (compared each with each, 200 million comparisons).
     */
    @Test
    void aWideObjectIsCheckedThroughItsKeysHashes() {
        assertEquals("Aa".hashCode(), "BB".hashCode());
        StringBuilder wide = new StringBuilder("{\"Aa\":0,\"BB\":1,");
        for (int k = 0; k < 20_000; k++) {
            wide.append("\"f").append(k).append("\":").append(k).append(',');
        }
        assertEquals(null, scan(wide + "\"AaBB\":2,\"BBAa\":3}"), "colliding hashes, different keys");
        assertTrue(scan(wide + "\"BB\":2}").startsWith("key 'BB' given twice in the line's object, at characters 9 and "),
                scan(wide + "\"BB\":2}"));
        assertTrue(scan(wide + "\"f19999\":2}").startsWith("key 'f19999' given twice in the line's object"), "the last");
        assertTrue(scan(wide + "\"n\":{\"f1\":1,\"Aa\":2,\"Aa\":3}}").startsWith("key 'Aa' given twice in an object nested"),
                "an object nested in a wide one");
        assertEquals(null, scan(wide + "\"n\":{\"f1\":1,\"Aa\":2},\"m\":0}"), "its keys are its own");
        assertTrue(scan(wide + "\"n\":{\"f1\":1},\"f7\":0}").startsWith("key 'f7' given twice in the line's object"),
                "the wide object's keys after a nested one");
    }

    private static String scan(String line) {
        return DatasetReader.objectLineError(line.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void anUnpairedSurrogateNamesItsCharacterInCodePoints() {
        String line = "{\"text\":\"😀 \\ud800\"}";
        assertEquals(12, characterOf(line, "\\ud800"));
        String error = DatasetReader.unpairedSurrogate(line);
        assertTrue(error.startsWith("unpaired surrogate escape \\uD800 at character 12 of the line"), error);
    }
}
