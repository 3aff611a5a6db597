package dev.kindling.tokenizer.pretokenize;

/** A Split pattern given as {@code {"String": "..."}}: the literal text. */
public final class LiteralPattern implements SplitPattern {
    private final String literal;

    public LiteralPattern(String literal) {
        this.literal = literal;
    }

    @Override
    public long find(CharSequence text, int from, int to) {
        int n = literal.length();
        if (n == 0) {
            return -1;
        }
        char first = literal.charAt(0);
        outer:
        for (int i = from; i + n <= to; i++) {
            if (text.charAt(i) != first) {
                continue;
            }
            for (int k = 1; k < n; k++) {
                if (text.charAt(i + k) != literal.charAt(k)) {
                    continue outer;
                }
            }
            return ((long) i << 32) | (i + n);
        }
        return -1;
    }

    @Override
    public String source() {
        return literal;
    }
}
