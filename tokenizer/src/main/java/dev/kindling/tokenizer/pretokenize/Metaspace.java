package dev.kindling.tokenizer.pretokenize;

/**
 * HF's Metaspace pre-tokenizer: spaces become the replacement character (U+2581), the replacement
 * is prepended per {@link PrependScheme} ({@code FIRST}: only to the piece at the start of the
 * input), then pieces are split before each replacement character (MergedWithNext) when
 * {@code split} is on.
 */
public final class Metaspace implements PreTokenizer {
    public enum PrependScheme { ALWAYS, NEVER, FIRST }

    private final char replacement;
    private final PrependScheme prependScheme;
    private final boolean split;
    private final Split splitter;

    public Metaspace(char replacement, PrependScheme prependScheme, boolean split) {
        this.replacement = replacement;
        this.prependScheme = prependScheme;
        this.split = split;
        this.splitter = new Split(new CharPattern("'" + replacement + "'", c -> c == replacement), Split.Behavior.MERGED_WITH_NEXT, false);
    }

    public char replacement() {
        return replacement;
    }

    public PrependScheme prependScheme() {
        return prependScheme;
    }

    @Override
    public boolean rewritesText() {
        return true;
    }

    @Override
    public void apply(Splits in, Splits out) {
        StringBuilder sb = out.builder;
        sb.setLength(0);
        int[] ns = new int[in.count];
        int[] ne = new int[in.count];
        for (int i = 0; i < in.count; i++) {
            ns[i] = sb.length();
            char first = in.text.charAt(in.start[i]);
            boolean startsWithReplacement = first == replacement || first == ' '; // spaces are replaced first
            boolean prepend = switch (prependScheme) {
                case ALWAYS -> !startsWithReplacement;
                case FIRST -> !startsWithReplacement && i == in.origin;
                case NEVER -> false;
            };
            if (prepend) {
                sb.append(replacement);
            }
            for (int k = in.start[i]; k < in.end[i]; k++) {
                char c = in.text.charAt(k);
                sb.append(c == ' ' ? replacement : c);
            }
            ne[i] = sb.length();
        }
        out.reset(sb);
        int origin = -1;
        for (int i = 0; i < in.count; i++) {
            int before = out.count;
            if (split) {
                splitter.split(sb, ns[i], ne[i], out);
            } else {
                out.add(ns[i], ne[i]);
            }
            if (i == in.origin && out.count > before) {
                origin = before;
            }
        }
        out.origin = origin;
    }
}
