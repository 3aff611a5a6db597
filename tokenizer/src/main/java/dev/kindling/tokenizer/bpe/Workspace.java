package dev.kindling.tokenizer.bpe;

/**
 * Reusable scratch arrays for one thread's encode calls (symbols, ranks, heap, UTF-8 bytes), so the
 * hot path allocates nothing per pre-token. Obtain one with {@link #get()}; never share it between
 * threads.
 */
public final class Workspace {
    public Workspace() {}

    private static final ThreadLocal<Workspace> LOCAL = ThreadLocal.withInitial(Workspace::new);

    private final int[][] ints = new int[4][64];
    private long[] longs = new long[256];
    private byte[] bytes = new byte[256];
    private int[] symbols = new int[256];
    /** Output id buffer for one encode call. */
    public final IntBuffer out = new IntBuffer();

    public static Workspace get() {
        return LOCAL.get();
    }

    /** Scratch int array number {@code which} (0..3) with room for {@code n}; contents undefined. */
    public int[] ints(int which, int n) {
        int[] a = ints[which];
        if (a.length < n) {
            a = new int[Math.max(n, a.length * 2)];
            ints[which] = a;
        }
        return a;
    }

    public long[] longs(int n) {
        if (longs.length < n) {
            longs = new long[Math.max(n, longs.length * 2)];
        }
        return longs;
    }

    public byte[] bytes(int n) {
        if (bytes.length < n) {
            bytes = new byte[Math.max(n, bytes.length * 2)];
        }
        return bytes;
    }

    /** The symbol array for one word, with room for {@code n}. */
    public int[] symbols(int n) {
        if (symbols.length < n) {
            symbols = new int[Math.max(n, symbols.length * 2)];
        }
        return symbols;
    }
}
