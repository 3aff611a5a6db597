package dev.kindling.tokenizer.text;

/**
 * UTF-8 helpers with one replacement policy everywhere: invalid input becomes U+FFFD.
 *
 * <ul>
 *   <li>bytes to text ({@link #decodeLossy}): like Rust's {@code String::from_utf8_lossy} (which
 *       Hugging Face tokenizers use when decoding): each <em>maximal subpart</em> of an ill-formed
 *       sequence becomes one U+FFFD (Unicode 15, section 3.9, "U+FFFD Substitution of Maximal
 *       Subparts"), so {@code E2 82 41} gives {@code "\uFFFDA"} and {@code C0 80} gives two U+FFFD;</li>
 *   <li>text to bytes ({@link #encode}): an unpaired surrogate is written as U+FFFD
 *       ({@code EF BF BD}), not as {@code '?'} like {@link String#getBytes}.</li>
 * </ul>
 */
public final class Utf8 {
    private Utf8() {}

    public static final char REPLACEMENT = '\uFFFD';

    /** Decodes UTF-8, replacing each maximal invalid subpart by U+FFFD. */
    public static String decodeLossy(byte[] b) {
        return decodeLossy(b, 0, b.length);
    }

    public static String decodeLossy(byte[] b, int off, int len) {
        StringBuilder sb = new StringBuilder(len);
        int i = off;
        int end = off + len;
        while (i < end) {
            int c = b[i] & 0xFF;
            if (c < 0x80) {
                sb.append((char) c);
                i++;
                continue;
            }
            int need;
            int lo = 0x80;
            int hi = 0xBF;
            int cp;
            if (c >= 0xC2 && c <= 0xDF) {
                need = 1;
                cp = c & 0x1F;
            } else if (c >= 0xE0 && c <= 0xEF) {
                need = 2;
                cp = c & 0x0F;
                if (c == 0xE0) {
                    lo = 0xA0;
                } else if (c == 0xED) {
                    hi = 0x9F;
                }
            } else if (c >= 0xF0 && c <= 0xF4) {
                need = 3;
                cp = c & 0x07;
                if (c == 0xF0) {
                    lo = 0x90;
                } else if (c == 0xF4) {
                    hi = 0x8F;
                }
            } else {
                sb.append(REPLACEMENT);
                i++;
                continue;
            }
            int j = i + 1;
            boolean ok = true;
            for (int k = 0; k < need; k++, j++) {
                if (j >= end) {
                    ok = false;
                    break;
                }
                int cc = b[j] & 0xFF;
                int l = k == 0 ? lo : 0x80;
                int h = k == 0 ? hi : 0xBF;
                if (cc < l || cc > h) {
                    ok = false;
                    break;
                }
                cp = (cp << 6) | (cc & 0x3F);
            }
            if (ok) {
                sb.appendCodePoint(cp);
            } else {
                sb.append(REPLACEMENT);
            }
            i = j;
        }
        return sb.toString();
    }

    /** Number of UTF-8 bytes of {@code s[from, to)} (unpaired surrogates count as U+FFFD). */
    public static int encodedLength(CharSequence s, int from, int to) {
        int n = 0;
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n++;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /**
     * Writes the UTF-8 of {@code s[from, to)} into {@code out} at {@code pos} (which must have room for
     * {@code 3 * (to - from)} bytes) and returns the new position.
     */
    public static int encode(CharSequence s, int from, int to, byte[] out, int pos) {
        for (int i = from; i < to; i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                out[pos++] = (byte) c;
            } else if (c < 0x800) {
                out[pos++] = (byte) (0xC0 | (c >> 6));
                out[pos++] = (byte) (0x80 | (c & 0x3F));
            } else if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < to && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    out[pos++] = (byte) (0xF0 | (cp >> 18));
                    out[pos++] = (byte) (0x80 | ((cp >> 12) & 0x3F));
                    out[pos++] = (byte) (0x80 | ((cp >> 6) & 0x3F));
                    out[pos++] = (byte) (0x80 | (cp & 0x3F));
                } else {
                    out[pos++] = (byte) 0xEF;
                    out[pos++] = (byte) 0xBF;
                    out[pos++] = (byte) 0xBD;
                }
            } else {
                out[pos++] = (byte) (0xE0 | (c >> 12));
                out[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
                out[pos++] = (byte) (0x80 | (c & 0x3F));
            }
        }
        return pos;
    }

    /** UTF-8 of a whole string (unpaired surrogates as U+FFFD). */
    public static byte[] encode(CharSequence s) {
        byte[] buf = new byte[s.length() * 3];
        int n = encode(s, 0, s.length(), buf, 0);
        return java.util.Arrays.copyOf(buf, n);
    }

    /** Length in bytes of the UTF-8 sequence that starts with {@code lead} (1 for invalid leads), as llama.cpp's unicode_len_utf8. */
    public static int sequenceLength(byte lead) {
        int hi = (lead & 0xFF) >> 4;
        return hi < 0x8 ? 1 : hi < 0xC ? 1 : hi < 0xE ? 2 : hi == 0xE ? 3 : 4;
    }

    /** Replaces unpaired surrogates in {@code s} by U+FFFD (returns {@code s} itself when there are none). */
    public static String scrubSurrogates(String s) {
        int n = s.length();
        int i = 0;
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    i++;
                    continue;
                }
                break;
            }
        }
        if (i == n) {
            return s;
        }
        StringBuilder sb = new StringBuilder(n);
        sb.append(s, 0, i);
        for (; i < n; i++) {
            char c = s.charAt(i);
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
                    sb.append(c).append(s.charAt(++i));
                } else {
                    sb.append(REPLACEMENT);
                }
            } else {
                sb.append(c);
            }
        }
        return sb.toString();
    }
}
