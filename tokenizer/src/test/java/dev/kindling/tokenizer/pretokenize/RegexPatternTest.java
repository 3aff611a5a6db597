package dev.kindling.tokenizer.pretokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RegexPatternTest {
    /**
     * java.util.regex recurses once per repetition of an alternation group: 20,000 characters overflowed the stack,
     * and in a Spark task the StackOverflowError took the whole context down. The match now finishes (HF's ids for
     * such a file are one piece per run).
     */
    @Test
    void aLongRepetitionOfAGroupMatchesInsteadOfOverflowing() {
        RegexPattern p = new RegexPattern("(?:a|b)+");
        String text = "x " + "ab".repeat(50_000) + " y";
        int deep = dev.kindling.tokenizer.text.DeepStack.RETRIES.get();
        long m = p.find(text, 0, text.length());
        assertEquals(deep + 1, dev.kindling.tokenizer.text.DeepStack.RETRIES.get(), "the default stack overflowed, the deep one matched");
        assertEquals(2, (int) (m >>> 32));
        assertEquals(2 + 100_000, (int) m);
        assertEquals(-1, p.find("xyz", 0, 3)); // the thread's own matcher still works after the fallback
    }

    /** A Replace normalizer's regex takes the same retry (it is run on whole texts). */
    @Test
    void aReplaceNormalizerRegexTakesTheDeepStackToo() {
        var n = dev.kindling.tokenizer.normalize.Normalizers.replaceRegex(java.util.regex.Pattern.compile("(?:a|b)+"), "X");
        int deep = dev.kindling.tokenizer.text.DeepStack.RETRIES.get();
        assertEquals("<X>", n.normalize("<" + "ab".repeat(50_000) + ">"));
        assertEquals(deep + 1, dev.kindling.tokenizer.text.DeepStack.RETRIES.get());
    }

    /** So does a decoder's Replace regex: after Fuse its one token is the whole decoded text. */
    @Test
    void aReplaceDecoderRegexTakesTheDeepStackToo() {
        var d = dev.kindling.tokenizer.decode.Decoders.replaceRegex(java.util.regex.Pattern.compile("(?:a|b)+"), "X");
        int deep = dev.kindling.tokenizer.text.DeepStack.RETRIES.get();
        assertEquals(java.util.List.of("<X>", "X"), d.decodeChain(java.util.List.of("<" + "ab".repeat(50_000) + ">", "ba")));
        assertEquals(deep + 1, dev.kindling.tokenizer.text.DeepStack.RETRIES.get());
        var hopeless = dev.kindling.tokenizer.decode.Decoders.replaceRegex(java.util.regex.Pattern.compile("(a|aa)+$"), "");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> hopeless.decodeChain(java.util.List.of("a".repeat(3_000_000))));
        assertTrue(e.getMessage().startsWith("the decoder's Replace regex /(a|aa)+$/"), e.getMessage());
    }

    @Test
    void pastTheDeepStackItIsAnErrorNamingTheRegex() {
        RegexPattern p = new RegexPattern("(a|aa)+$");
        String text = "a".repeat(3_000_000);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.find(text, 0, text.length()));
        assertTrue(e.getMessage().contains("/(a|aa)+$/ recursed too deeply") && e.getMessage().contains("3000000 characters"), e.getMessage());
    }
}
