package dev.kindling.tokenizer.normalize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The darts-clone character map reader against maps written by {@link CharsMapBlob}. */
class PrecompiledCharsMapTest {
    static final byte[] BLOB = new CharsMapBlob().rule("x", "1").rule("xy", "2").rule("xyz", "3").rule("\uFB01", "fi")
            .rule("\u0007", "").rule("\uFF21", "A").bytes();

    private static String longest(PrecompiledCharsMap m, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        long r = m.longestPrefix(b, 0, b.length);
        return r < 0 ? null : PrecompiledCharsMap.keyLength(r) + ":" + m.output(r);
    }

    private static String shortest(PrecompiledCharsMap m, String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        long r = m.shortestPrefix(b, 0, b.length);
        return r < 0 ? null : PrecompiledCharsMap.keyLength(r) + ":" + m.output(r);
    }

    @Test
    void theLongestAndTheShortestKeyAPrefixHolds() {
        PrecompiledCharsMap m = PrecompiledCharsMap.parse(BLOB);
        assertEquals("3:3", longest(m, "xyzzy"));
        assertEquals("2:2", longest(m, "xyx"));
        assertEquals("1:1", longest(m, "x"));
        assertEquals("1:1", shortest(m, "xyzzy"));
        assertEquals("3:fi", longest(m, "\uFB01ne"), "ﬁ is 3 bytes");
        assertEquals("3:A", longest(m, "\uFF21"));
        assertEquals("1:", longest(m, "\u0007"), "a deletion: an empty output");
        assertEquals(null, longest(m, "yx"));
        assertEquals(null, longest(m, ""));
        byte[] b = {'x', 0, 'y'};
        assertEquals(1, PrecompiledCharsMap.keyLength(m.longestPrefix(b, 0, 3)), "a NUL ends the search");
        assertEquals(-1, m.longestPrefix(b, 1, 3));
    }

    @Test
    void aBlobThatIsNotAMapIsRefusedSayingWhy() {
        assertMessage(new byte[] {1, 2, 3, 4}, "4 bytes: too short");
        assertMessage(CharsMapBlob.withTrieSize(BLOB, 6), "trie size 6 is not a whole number of 4-byte units");
        assertMessage(CharsMapBlob.withTrieSize(BLOB, 1 << 20), "trie size 1048576");
        assertMessage(CharsMapBlob.withTrieSize(BLOB, 0), "trie size 0");
        byte[] notUtf8 = new CharsMapBlob().rule("a", "\u00e9").bytes();
        notUtf8[notUtf8.length - 2] = (byte) 0xFF; // the second byte of é
        assertMessage(notUtf8, "output at offset 0 is not valid UTF-8");
        byte[] noNul = BLOB.clone();
        noNul[noNul.length - 1] = 'z';
        assertMessage(noNul, "has no terminating NUL");
    }

    private static void assertMessage(byte[] blob, String part) {
        PrecompiledCharsMap.Corrupt e = assertThrows(PrecompiledCharsMap.Corrupt.class, () -> PrecompiledCharsMap.parse(blob));
        assertTrue(e.getMessage().contains(part), e.getMessage());
    }

    /** A blob cut anywhere loses its trie's end or an output's NUL: every cut is refused. */
    @Test
    void everyTruncationIsRefused() {
        for (int len = 0; len < BLOB.length; len++) {
            byte[] cut = Arrays.copyOf(BLOB, len);
            assertThrows(PrecompiledCharsMap.Corrupt.class, () -> PrecompiledCharsMap.parse(cut), "length " + len);
        }
    }

    /** Random byte changes: the blob is read (and looks up any text) or refused; nothing else escapes. */
    @Test
    void mutatedBlobsAreReadOrRefused() {
        Random rnd = new Random(7);
        byte[] text = "xyz \uFB01\uFF21\u0007 abc".getBytes(StandardCharsets.UTF_8);
        int read = 0;
        int refused = 0;
        for (int round = 0; round < 2000; round++) {
            byte[] m = BLOB.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            }
            try {
                PrecompiledCharsMap map = PrecompiledCharsMap.parse(m);
                for (int i = 0; i < text.length; i++) {
                    long r = map.longestPrefix(text, i, text.length);
                    assertTrue(r < 0 || map.output(r) != null, "round " + round);
                    r = map.shortestPrefix(text, i, text.length);
                    assertTrue(r < 0 || map.output(r) != null, "round " + round);
                }
                read++;
            } catch (PrecompiledCharsMap.Corrupt e) {
                refused++;
            }
        }
        assertTrue(read > 0 && refused > 0, "read " + read + ", refused " + refused);
    }
}
