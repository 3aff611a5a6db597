package dev.kindling.tokenizer.hf;

/**
 * What a post-processor does to one sequence when special tokens are requested: ids before and
 * after it (TemplateProcessing's single template, RoBERTa/BERT's CLS ... SEP). ByteLevel only
 * touches offsets, so it is the identity here.
 */
public record PostProcessor(int[] prefix, int[] suffix) {
    public static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    /** This processor followed by {@code next} (a Sequence). */
    public PostProcessor then(PostProcessor next) {
        int[] p = new int[next.prefix.length + prefix.length];
        System.arraycopy(next.prefix, 0, p, 0, next.prefix.length);
        System.arraycopy(prefix, 0, p, next.prefix.length, prefix.length);
        int[] s = new int[suffix.length + next.suffix.length];
        System.arraycopy(suffix, 0, s, 0, suffix.length);
        System.arraycopy(next.suffix, 0, s, suffix.length, next.suffix.length);
        return new PostProcessor(p, s);
    }
}
