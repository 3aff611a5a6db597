package dev.kindling.tokenizer.gguf;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.tokenizer.normalize.Normalizer;
import dev.kindling.tokenizer.normalize.Normalizers;
import dev.kindling.tokenizer.offsets.OffsetAligner;
import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.Unicode;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.IntPredicate;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;

/**
 * The character classes the tokenizers use, over every code point, in one pass each. The GGUF WordPiece rules and the
 * offsets' guess for tokenizers that give no rules agree with HF's classes ({@link HfUnicode}) everywhere; they had
 * read {@code Character.getType}, whose tables are the JDK's (Unicode 13 on Java 17, 16 on Java 25), so that ids and
 * offsets changed with the JDK. And every class, with the general category and HF's Lowercase and BERT normalization
 * of each code point alone, hashes to one value, measured the same on Java 17 (17.0.15) and Java 25 (temurin 25): a
 * class that reads a JDK table where it differs from HF's changes it on one of them. A deliberate change of a
 * table changes it too; then measure it again on both JDKs ({@code JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64 mvn ...}).
 */
class JdkIndependentClassesTest {
    private static final long DIGEST_ON_JAVA_17_AND_25 = 0x79E013BBL;

    private static String hex(int c) {
        return String.format("U+%04X", c);
    }

    private static boolean isSurrogate(int c) {
        return c >= Character.MIN_SURROGATE && c <= Character.MAX_SURROGATE;
    }

    @Test
    void wordPieceRulesAreHfs() {
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (isSurrogate(c)) {
                continue;
            }
            int code = c;
            assertEquals(c == 0 || c == 0xFFFD || HfUnicode.isBertControl(c) || HfUnicode.isBertNonSpacingMark(c),
                    WpmTokenizer.dropped(c), () -> hex(code) + " dropped");
            assertEquals(HfUnicode.isBertPunctuation(c) || Unicode.isChineseChar(c), WpmTokenizer.alone(c), () -> hex(code) + " alone");
        }
    }

    @Test
    void offsetGuessIsBertsWithHfsClasses() {
        OffsetAligner.Rules guess = OffsetAligner.Rules.GUESS;
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (isSurrogate(c)) {
                continue;
            }
            int code = c;
            assertEquals(HfUnicode.isBertPunctuation(c) || Unicode.isChineseChar(c), guess.isolated(c), () -> hex(code) + " isolated");
            assertEquals(Unicode.isWhiteSpace(c) || HfUnicode.isBertControl(c) || Unicode.isMark(c) || c == 0xFFFD,
                    guess.removed(c), () -> hex(code) + " removed");
            assertEquals(Unicode.isWhiteSpace(c), guess.breaksWord(c), () -> hex(code) + " breaks a word");
        }
    }

    static Map<String, IntPredicate> classes() {
        Map<String, IntPredicate> m = new LinkedHashMap<>();
        m.put("whitespace", Unicode::isWhiteSpace);
        m.put("letter", Unicode::isLetter);
        m.put("number", Unicode::isNumber);
        m.put("mark", Unicode::isMark);
        m.put("chinese", Unicode::isChineseChar);
        m.put("bertPunctuation", HfUnicode::isBertPunctuation);
        m.put("bertControl", HfUnicode::isBertControl);
        m.put("bertNonSpacingMark", HfUnicode::isBertNonSpacingMark);
        m.put("combiningMark", HfUnicode::isCombiningMark);
        m.put("numeric", HfUnicode::isNumeric);
        m.put("singleWordWord", HfUnicode::isWordCharacter);
        m.put("wpmDropped", WpmTokenizer::dropped);
        m.put("wpmAlone", WpmTokenizer::alone);
        m.put("guessIsolated", OffsetAligner.Rules.GUESS::isolated);
        m.put("guessRemoved", OffsetAligner.Rules.GUESS::removed);
        return m;
    }

    /** Every class, the general category, and HF's Lowercase and BertNormalizer of each code point, hashed. */
    static long digest() {
        IntPredicate[] cls = classes().values().toArray(IntPredicate[]::new);
        Normalizer lower = Normalizers.lowercase();
        Normalizer bert = Normalizers.bert(true, true, true, true);
        CRC32 crc = new CRC32();
        for (int c = 0; c <= Character.MAX_CODE_POINT; c++) {
            if (isSurrogate(c)) {
                continue;
            }
            int bits = Unicode.generalCategory(c);
            for (int i = 0; i < cls.length; i++) {
                bits |= cls[i].test(c) ? 1 << (8 + i) : 0;
            }
            crc.update(bits);
            crc.update(bits >>> 8);
            crc.update(bits >>> 16);
            crc.update(bits >>> 24);
            String s = Character.toString(c);
            crc.update(lower.normalize(s).getBytes(StandardCharsets.UTF_8));
            crc.update(0);
            crc.update(bert.normalize(s).getBytes(StandardCharsets.UTF_8));
            crc.update(0);
        }
        return crc.getValue();
    }

    @Test
    void everyClassIsTheSameOnEveryJdk() {
        long d = digest();
        assertEquals(DIGEST_ON_JAVA_17_AND_25, d, () -> String.format("the classes' digest on Java %d is 0x%X",
                Runtime.version().feature(), d));
    }
}
