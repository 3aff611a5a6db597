package dev.kindling.tokenizer.pretokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.parallel.ResourceLock;

/** Its tests count {@code DeepStack.RETRIES}: DeepStackTest's retries, which run beside them, must wait. */
@ResourceLock("dev.kindling.tokenizer.text.DeepStack")
class RegexPatternTest {
    static List<String> pieces(Split split, String text) {
        Splits in = new Splits();
        in.single(text, true);
        Splits out = new Splits();
        split.apply(in, out);
        List<String> r = new ArrayList<>();
        for (int i = 0; i < out.count; i++) {
            r.add(out.piece(i));
        }
        return r;
    }

    /**
     * A regex's {@code \w}, {@code \d} and {@code \p{..}} know the letters and digits Unicode 14 to 16 added, as
     * Oniguruma and Rust's regex do in HF tokenizers 0.23.2 (Java 17's tables are Unicode 13): HF's Whitespace
     * pre-tokenizer ({@code \w+|[^\w\s]+}) gives ["a𞊐b", "𑽐1", "-", "𐵐", "."] for this text (Toto letter, Kawi
     * digit, Garay letter), where java.util.regex alone cut "a", "𞊐", "b", "𑽐", "1", "-𐵐.".
     */
    @Test
    void unicode16LettersAndDigitsAreWordCharacters() {
        assertEquals(List.of("a\uD838\uDE90b", "\uD807\uDF501", "-", "\uD803\uDD50", "."),
                pieces(PreTokenizers.whitespace(), "a\uD838\uDE90b \uD807\uDF501-\uD803\uDD50."));
        RegexPattern letters = new RegexPattern("\\p{L}+|\\d+|[^\\p{L}\\d]+");
        assertEquals(List.of("a\uD838\uDE90b", "\uD807\uDF50", "-"), pieces(new Split(letters, Split.Behavior.ISOLATED, false),
                "a\uD838\uDE90b\uD807\uDF50-"));
        RegexPattern notLetters = new RegexPattern("\\P{L}+");
        assertEquals(-1, notLetters.find("\uD838\uDE90", 0, 2), "a Toto letter is not \\P{L}");
        // HF's Digits(individual_digits=true), Rust's char::is_numeric
        assertEquals(List.of("a", "\uD807\uDF50", "\uD807\uDF51", "b"), pieces(PreTokenizers.digits(true), "a\uD807\uDF50\uD807\uDF51b"));
    }

    /**
     * A REMOVED split (WhitespaceSplit, BERT's first step; Whitespace inverted) adds its pieces as it finds them, where
     * it held every part of the text in arrays grown per call: 100 KB of short words took about 23 bytes per character.
     */
    @Test
    void aRemovedSplitKeepsNoArraysPerCall() {
        assertEquals(List.of("a", "bc", "d"), pieces(PreTokenizers.whitespaceSplit(), " a  bc\td "));
        assertEquals(List.of("a", "bc", "-", "d"), pieces(PreTokenizers.whitespace(), " a  bc- d "));
        assertEquals(List.of("a", "b", "c"), pieces(new Split(new RegexPattern("x*"), Split.Behavior.REMOVED, false), "axxbc"));
        Split split = PreTokenizers.whitespaceSplit();
        Splits in = new Splits();
        in.single("ab ".repeat(33_334), true);
        Splits out = new Splits();
        split.apply(in, out); // grows out's arrays
        com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        split.apply(in, out);
        double perChar = (threads.getCurrentThreadAllocatedBytes() - before) / 100_002.0;
        assertEquals(33_334, out.count);
        assertTrue(perChar < 1, "bytes allocated per character: " + perChar);
    }

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

    /**
     * A Replace normalizer's regex takes the same retry (it is run on whole texts), and so do its matches for offsets,
     * where the X, as in HF, covers the last character of the match.
     */
    @Test
    void aReplaceNormalizerRegexTakesTheDeepStackToo() {
        var n = dev.kindling.tokenizer.normalize.Normalizers.replaceRegex(java.util.regex.Pattern.compile("(?:a|b)+"), "X");
        int deep = dev.kindling.tokenizer.text.DeepStack.RETRIES.get();
        assertEquals("<X>", n.normalize("<" + "ab".repeat(50_000) + ">"));
        assertEquals(deep + 1, dev.kindling.tokenizer.text.DeepStack.RETRIES.get());
        var aligned = dev.kindling.tokenizer.normalize.NormalizedText.of("<" + "ab".repeat(50_000) + ">");
        n.normalize(aligned);
        assertEquals("<X>", aligned.text());
        assertEquals(List.of(100_000, 100_001), List.of(aligned.start(1), aligned.end(1)));
        assertEquals(deep + 2, dev.kindling.tokenizer.text.DeepStack.RETRIES.get());
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
