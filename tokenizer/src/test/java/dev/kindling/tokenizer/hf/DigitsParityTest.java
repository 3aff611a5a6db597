package dev.kindling.tokenizer.hf;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HF's Digits pre-tokenizer splits at Rust's {@code char::is_numeric}, Unicode 17: the Tolong Siki digits
 * (U+11DE0..U+11DE9) and U+16FF4..U+16FF6, new in Unicode 17, are numbers to it; neither Java 17 nor Unicode 16
 * knows them. Expected ids: HF tokenizers 0.23.2 on the test WordPiece file with its
 * pre-tokenizer replaced by {@code {"type": "Digits", "individual_digits": true}}.
 */
class DigitsParityTest {
    @Test
    void digitsOfUnicode17AreSplitOff(@TempDir Path tmp) throws Exception {
        ObjectMapper json = new ObjectMapper();
        ObjectNode root = (ObjectNode) json.readTree(DigitsParityTest.class.getResource("/offsets/wordpiece-bert.json"));
        root.putObject("pre_tokenizer").put("type", "Digits").put("individual_digits", true);
        Path file = tmp.resolve("wordpiece-digits.json");
        json.writeValue(file.toFile(), root);
        Tokenizer t = Tokenizer.load(file);
        assertArrayEquals(new int[] {148, 1, 182}, t.encode("whale\uD807\uDDE0ship", false));
        assertArrayEquals(new int[] {182, 1, 148, 23}, t.encode("ship\uD81B\uDFF6whale7", false));
    }
}
