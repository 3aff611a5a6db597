package dev.kindling.tokenizer.pretokenize;

import java.util.function.IntPredicate;

/** Matches single code points with a property (digits, punctuation, whitespace, a delimiter char). */
public final class CharPattern implements SplitPattern {
    private final IntPredicate predicate;
    private final String name;

    public CharPattern(String name, IntPredicate predicate) {
        this.name = name;
        this.predicate = predicate;
    }

    @Override
    public long find(CharSequence text, int from, int to) {
        for (int i = from; i < to; ) {
            int cp = Character.codePointAt(text, i);
            int n = Character.charCount(cp);
            if (predicate.test(cp)) {
                return ((long) i << 32) | (i + n);
            }
            i += n;
        }
        return -1;
    }

    @Override
    public String source() {
        return name;
    }
}
