package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

/** Checks an encoding's ids and [start, end) offsets together (the offset tests of several packages share it). */
public final class OffsetAsserts {
    private OffsetAsserts() {}

    public static void assertIdsAndOffsets(Tokenizer t, String text, boolean addSpecial, int[] ids, int[][] offsets) {
        Encoding e = t.encodeWithOffsets(text, addSpecial);
        assertArrayEquals(ids, e.ids(), text);
        int[][] got = new int[e.size()][];
        for (int i = 0; i < e.size(); i++) {
            got[i] = new int[] {e.start(i), e.end(i)};
        }
        assertArrayEquals(offsets, got, "offsets of \"" + text + "\"");
    }
}
