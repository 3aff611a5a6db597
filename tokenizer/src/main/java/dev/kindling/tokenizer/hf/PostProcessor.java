package dev.kindling.tokenizer.hf;

/**
 * What a post-processor does to one sequence: ids before and after it when special tokens are
 * requested (TemplateProcessing's single template, RoBERTa/BERT's CLS ... SEP), and whether it trims
 * the offsets of the text's tokens ({@code trim_offsets} of ByteLevel and RobertaProcessing, which HF
 * applies with or without special tokens; see {@link #trimOffsets}).
 *
 * @param trimOffsets HF's {@code process_offsets}: a token's leading and trailing spaces are left out of its offsets
 * @param trimKeepsPrefixSpace that step's {@code add_prefix_space}: the one leading space of the first token is kept
 */
public record PostProcessor(int[] prefix, int[] suffix, boolean trimOffsets, boolean trimKeepsPrefixSpace) {
    public static final PostProcessor NONE = new PostProcessor(new int[0], new int[0]);

    public PostProcessor(int[] prefix, int[] suffix) {
        this(prefix, suffix, false, false);
    }

    /** Only the offsets trimming (ByteLevel), or nothing. */
    public static PostProcessor trimming(boolean trimOffsets, boolean addPrefixSpace) {
        return new PostProcessor(new int[0], new int[0], trimOffsets, addPrefixSpace);
    }

    /** This processor followed by {@code next} (a Sequence). */
    public PostProcessor then(PostProcessor next) {
        int[] p = new int[next.prefix.length + prefix.length];
        System.arraycopy(next.prefix, 0, p, 0, next.prefix.length);
        System.arraycopy(prefix, 0, p, next.prefix.length, prefix.length);
        int[] s = new int[suffix.length + next.suffix.length];
        System.arraycopy(suffix, 0, s, 0, suffix.length);
        System.arraycopy(next.suffix, 0, s, suffix.length, next.suffix.length);
        // two trimming steps in one Sequence: the first one trims, the second finds nothing more to trim
        // unless it keeps no prefix space where the first kept it; so the space stays only if every trimming
        // step keeps it (trimKeepsPrefixSpace means nothing without trimOffsets)
        boolean keep = (!trimOffsets || trimKeepsPrefixSpace) && (!next.trimOffsets || next.trimKeepsPrefixSpace);
        return new PostProcessor(p, s, trimOffsets || next.trimOffsets, keep);
    }
}
