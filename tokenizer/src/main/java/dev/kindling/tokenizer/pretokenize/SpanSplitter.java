package dev.kindling.tokenizer.pretokenize;

/** A pre-tokenizer that only cuts pieces into smaller pieces over the same text. */
public abstract class SpanSplitter implements PreTokenizer {

    /** Adds the sub-pieces of {@code text[from, to)} to {@code out}. */
    public abstract void split(CharSequence text, int from, int to, Splits out);

    @Override
    public final void apply(Splits in, Splits out) {
        out.reset(in.text);
        for (int i = 0; i < in.count; i++) {
            int before = out.count;
            split(in.text, in.start[i], in.end[i], out);
            if (i == in.origin && out.count > before && out.start[before] == in.start[i]) {
                out.origin = before;
            }
        }
    }
}
