package dev.kindling.tokenizer;

import java.util.Arrays;

/**
 * Token ids with, per token, the {@code [start, end)} range of the input string it came from, as
 * Hugging Face {@code tokenizers} reports {@code encoding.offsets}, but in Java string indices
 * (UTF-16 units, so {@code text.substring(start(i), end(i))} works; HF counts code points, which
 * differs only after characters outside the BMP). A token that holds part of a multi-byte character
 * covers the whole character (its neighbours overlap it); tokens added by the template (BOS, EOS,
 * CLS, SEP) are {@code [0, 0)}; a space the tokenizer adds in front of the text (SentencePiece
 * {@code ▁}, ByteLevel {@code add_prefix_space}) belongs to the first character.
 *
 * <pre>{@code
 * Encoding e = tok.encodeWithOffsets("Hello world", false);
 * for (int i = 0; i < e.size(); i++) {
 *     System.out.println(e.ids()[i] + " " + text.substring(e.start(i), e.end(i)));
 * }
 * }</pre>
 */
public record Encoding(int[] ids, int[] starts, int[] ends) {
    public Encoding {
        if (ids.length != starts.length || ids.length != ends.length) {
            throw new IllegalArgumentException("ids, starts and ends differ in length: " + ids.length + ", "
                    + starts.length + ", " + ends.length);
        }
    }

    public int size() {
        return ids.length;
    }

    public int start(int i) {
        return starts[i];
    }

    public int end(int i) {
        return ends[i];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Encoding e && Arrays.equals(ids, e.ids) && Arrays.equals(starts, e.starts) && Arrays.equals(ends, e.ends);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * Arrays.hashCode(ids) + Arrays.hashCode(starts)) + Arrays.hashCode(ends);
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Encoding[");
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : ", ").append(ids[i]).append('@').append(starts[i]).append('-').append(ends[i]);
        }
        return sb.append(']').toString();
    }
}
