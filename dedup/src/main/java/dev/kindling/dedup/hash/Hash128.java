package dev.kindling.dedup.hash;

/**
 * A 128-bit digest as the two 64-bit halves of MurmurHash3 x64_128: {@code h1} (digest bytes 0..7,
 * little-endian) and {@code h2} (bytes 8..15).
 */
public record Hash128(long h1, long h2) implements Comparable<Hash128> {

    /** The 16 digest bytes as 32 lowercase hex digits (h1 little-endian, then h2 little-endian). */
    public String toHex() {
        StringBuilder sb = new StringBuilder(32);
        appendLE(sb, h1);
        appendLE(sb, h2);
        return sb.toString();
    }

    /** The 16 digest bytes, h1 little-endian then h2 little-endian. */
    public byte[] toBytes() {
        byte[] out = new byte[16];
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (h1 >>> (8 * i));
            out[8 + i] = (byte) (h2 >>> (8 * i));
        }
        return out;
    }

    private static void appendLE(StringBuilder sb, long v) {
        for (int i = 0; i < 8; i++) {
            int b = (int) (v >>> (8 * i)) & 0xFF;
            sb.append(Character.forDigit(b >>> 4, 16)).append(Character.forDigit(b & 15, 16));
        }
    }

    @Override
    public int compareTo(Hash128 o) {
        int c = Long.compareUnsigned(h1, o.h1);
        return c != 0 ? c : Long.compareUnsigned(h2, o.h2);
    }
}
