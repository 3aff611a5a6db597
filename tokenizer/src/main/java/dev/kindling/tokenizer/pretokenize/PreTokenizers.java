package dev.kindling.tokenizer.pretokenize;

import dev.kindling.tokenizer.text.HfUnicode;
import dev.kindling.tokenizer.text.Unicode;

/** Factories for HF's simple pre-tokenizers, expressed as {@link Split}s. */
public final class PreTokenizers {
    private PreTokenizers() {}

    /** {@code Digits}: each number character (Rust's {@code char::is_numeric}, Unicode 17) alone, or runs of them together. */
    public static Split digits(boolean individual) {
        return new Split(new CharPattern("digit", HfUnicode::isNumeric),
                individual ? Split.Behavior.ISOLATED : Split.Behavior.CONTIGUOUS, false);
    }

    /** {@code Punctuation}: ASCII punctuation and Unicode P*, with the given behaviour (default Isolated). */
    public static Split punctuation(Split.Behavior behavior) {
        return new Split(new CharPattern("punctuation", Unicode::isBertPunctuation), behavior, false);
    }

    /** {@code Whitespace}: the regex {@code \w+|[^\w\s]+} (HF runs it with Rust's regex crate), keeping only the matches. */
    public static Split whitespace() {
        return new Split(RegexPattern.rustRegex("\\w+|[^\\w\\s]+"), Split.Behavior.REMOVED, true);
    }

    /** {@code WhitespaceSplit}: split on Unicode whitespace, dropping it. */
    public static Split whitespaceSplit() {
        return new Split(new CharPattern("whitespace", Unicode::isWhiteSpace), Split.Behavior.REMOVED, false);
    }

    /** {@code CharDelimiterSplit}: split on one character, dropping it. */
    public static Split charDelimiter(int delimiter) {
        return new Split(new CharPattern("'" + new String(Character.toChars(delimiter)) + "'", c -> c == delimiter),
                Split.Behavior.REMOVED, false);
    }

    /** {@code BertPreTokenizer}: whitespace split, then every punctuation character alone. */
    public static PreTokenizer bert() {
        return new SequencePreTokenizer(java.util.List.of(whitespaceSplit(), punctuation(Split.Behavior.ISOLATED)));
    }
}
