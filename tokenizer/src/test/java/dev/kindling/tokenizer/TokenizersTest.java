package dev.kindling.tokenizer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizersTest {
    @Test
    void byteLevelIsOneTokenPerUtf8Byte() {
        Tokenizer t = Tokenizers.byteLevel();
        String s = "h\u00e9llo \uD83E\uDD99!";
        byte[] utf8 = s.getBytes(StandardCharsets.UTF_8);
        int[] expected = new int[utf8.length];
        for (int i = 0; i < utf8.length; i++) {
            expected[i] = utf8[i] & 0xFF;
        }
        assertArrayEquals(expected, t.encode(s, true));
        assertEquals(s, t.decode(t.encode(s, false), false));
        assertEquals(256, t.vocabSize());
        assertEquals(-1, t.eosId());
    }
}
