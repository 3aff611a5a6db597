package dev.kindling.dedup.minhash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.hash.WordHash;
import dev.kindling.dedup.normalize.NormalizeOptions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class ShinglerTest {

    /** The shingle of words w1..wn is combine(hash(w1)..hash(wn)): checked against a String-based oracle. */
    @Test
    void shinglesAreCombinedWordHashes() {
        Shingler sh = new Shingler(3, NormalizeOptions.NEAR);
        String text = "The cat, the HAT and the bat.";
        String[] words = "the cat the hat and the bat".split(" ");
        int c = sh.shingle(text);
        assertEquals(words.length - 2, c);
        for (int i = 0; i + 3 <= words.length; i++) {
            long[] w = {WordHash.of(words[i]), WordHash.of(words[i + 1]), WordHash.of(words[i + 2]), 0};
            assertEquals(WordHash.combine(w, 0, 3, 3), sh.buffer()[i], "shingle " + i);
        }
        // the set drops the repeated "the"-led duplicates only when equal
        assertEquals(c, sh.shingleSet(text).length);
    }

    /**
     * Fewer than n words give no shingle, as datatrove's MinhashDedupSignature: they used to give one shingle of all
     * their words, so "Page 1" and "page 2!" were near duplicates (Jaccard 1).
     */
    @Test
    void shortAndEmptyTexts() {
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        assertEquals(0, sh.shingle(""));
        assertEquals(0, sh.shingle("   \n\t "));
        assertEquals(0, sh.shingle("... !!! ---"));
        assertEquals(0, sh.shingle("two words"));
        assertEquals(0, sh.shingle("one two three four"));
        assertEquals(0.0, Jaccard.of(sh.shingleSet("Page 1"), sh.shingleSet("page 2!")));
        assertTrue(MinHasher.isEmpty(new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).signature("Page 1")));
        assertEquals(1, sh.shingle("one two three four five"));
        assertArrayEquals(sh.shingleSet("One, two  THREE four five!"), sh.shingleSet("one two three four five"));
        assertNotEquals(sh.shingleSet("one two three four five")[0], sh.shingleSet("five four three two one")[0]);
        assertThrows(IllegalArgumentException.class, () -> new Shingler(0, NormalizeOptions.NEAR));
    }

    /** Text without spaces (CJK) is shingled as character n-grams. */
    @Test
    void unspacedScriptsFallBackToCharacters() {
        Shingler sh = new Shingler(5, NormalizeOptions.NEAR);
        String zh = "我们今天去公园散步然后回家吃饭";   // 15 characters, no spaces
        assertEquals(15 - 4, sh.shingle(zh));
        String ja = "これはテストです";                 // 8 characters
        assertEquals(8 - 4, sh.shingle(ja));
        // mixed: "hello" is one token, then 3 Han characters, then "world"
        assertEquals(5 - 4, sh.shingle("hello 世界人 world"));
        // Two CJK texts differing in one character share most shingles
        double j = Jaccard.of(sh.shingleSet(zh), sh.shingleSet("我们今天去公园跑步然后回家吃饭"));
        assertEquals(6.0 / 16.0, j, 1e-12);
    }

    @Test
    void largeDocumentGrowsBuffer() {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < 200_000; i++) {
            sb.append("w").append(i % 1000).append(' ');
        }
        Shingler sh = new Shingler(5, NormalizeOptions.EXACT);
        assertEquals(200_000 - 4, sh.shingle(sb.toString()));
        assertEquals(1000, sh.shingleSet(sb.toString()).length);   // the text repeats with period 1000
        assertEquals(200_000 - 4, Arrays.stream(sh.buffer(), 0, 200_000 - 4).count());
    }
}
