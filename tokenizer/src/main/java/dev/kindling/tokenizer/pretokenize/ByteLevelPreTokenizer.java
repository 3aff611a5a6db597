package dev.kindling.tokenizer.pretokenize;

/**
 * HF's ByteLevel pre-tokenizer: optionally prepends a space to each piece that does not start with
 * one, optionally splits with the GPT-2 pattern. The byte-to-character mapping itself is not done
 * here: a byte-level model works on the UTF-8 bytes of each piece directly (same result, no
 * remapped strings).
 */
public final class ByteLevelPreTokenizer implements PreTokenizer {
    private final boolean addPrefixSpace;
    private final Split regexSplit;

    public ByteLevelPreTokenizer(boolean addPrefixSpace, boolean useRegex) {
        this.addPrefixSpace = addPrefixSpace;
        this.regexSplit = useRegex ? new Split(Scanners.forPattern(Scanners.GPT2_PATTERN), Split.Behavior.ISOLATED, false) : null;
    }

    public boolean addPrefixSpace() {
        return addPrefixSpace;
    }

    public boolean useRegex() {
        return regexSplit != null;
    }

    @Override
    public boolean rewritesText() {
        return addPrefixSpace;
    }

    @Override
    public void apply(Splits in, Splits out) {
        if (!addPrefixSpace) {
            if (regexSplit != null) {
                regexSplit.apply(in, out);
            } else {
                copy(in, out);
            }
            return;
        }
        StringBuilder sb = out.builder;
        sb.setLength(0);
        int[] ns = new int[in.count];
        int[] ne = new int[in.count];
        for (int i = 0; i < in.count; i++) {
            ns[i] = sb.length();
            if (in.text.charAt(in.start[i]) != ' ') {
                sb.append(' ');
            }
            sb.append(in.text, in.start[i], in.end[i]);
            ne[i] = sb.length();
        }
        out.reset(sb);
        int origin = -1;
        for (int i = 0; i < in.count; i++) {
            int before = out.count;
            if (regexSplit != null) {
                regexSplit.split(sb, ns[i], ne[i], out);
            } else {
                out.add(ns[i], ne[i]);
            }
            if (i == in.origin && out.count > before) {
                origin = before;
            }
        }
        out.origin = origin;
    }

    static void copy(Splits in, Splits out) {
        out.reset(in.text);
        for (int i = 0; i < in.count; i++) {
            out.add(in.start[i], in.end[i]);
        }
        out.origin = in.origin;
    }
}
