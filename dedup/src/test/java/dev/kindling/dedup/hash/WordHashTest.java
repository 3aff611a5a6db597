package dev.kindling.dedup.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class WordHashTest {

    /** FNV-1a 64 test vectors published with the algorithm (Noll's FNV test suite / draft-eastlake-fnv). */
    @Test
    void fnv1a64PublishedVectors() {
        assertEquals(0xcbf29ce484222325L, WordHash.fnv1a64(""));
        assertEquals(0xaf63dc4c8601ec8cL, WordHash.fnv1a64("a"));
        assertEquals(0x85944171f73967e8L, WordHash.fnv1a64("foobar"));
    }

    /** Code points are fed as their UTF-8 bytes: the same as hashing the encoded bytes. */
    @Test
    void codePointsHashAsUtf8Bytes() {
        for (String s : new String[] {"café", "naïve", "日本語", "😀 emoji", "ǅ", "\u0800\uFFFF"}) {
            long h = WordHash.START;
            for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
                h = WordHash.updateByte(h, b);
            }
            assertEquals(h, WordHash.fnv1a64(s), s);
        }
    }

    @Test
    void combineIsOrderSensitive() {
        long[] ab = {WordHash.of("a"), WordHash.of("b"), 0, 0};
        long[] ba = {WordHash.of("b"), WordHash.of("a"), 0, 0};
        assertNotEquals(WordHash.combine(ab, 0, 2, 3), WordHash.combine(ba, 0, 2, 3));
        // ring indices wrap with the mask
        long[] ring = {ab[1], 0, 0, ab[0]};
        assertEquals(WordHash.combine(ab, 0, 2, 3), WordHash.combine(ring, 3, 2, 3));
    }
}
