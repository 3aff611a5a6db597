package dev.kindling.tokenizer.bpe;

import java.util.Arrays;

/** A growable int array (token ids), reused across calls. */
public final class IntBuffer {
    private int[] a = new int[1024];
    private int n;

    public void clear() {
        n = 0;
    }

    public int size() {
        return n;
    }

    public void add(int v) {
        if (n == a.length) {
            a = Arrays.copyOf(a, a.length * 2);
        }
        a[n++] = v;
    }

    public void add(int[] src, int off, int len) {
        if (n + len > a.length) {
            a = Arrays.copyOf(a, Math.max(n + len, a.length * 2));
        }
        System.arraycopy(src, off, a, n, len);
        n += len;
    }

    /** Drops everything after the first {@code size} ids. */
    public void truncate(int size) {
        if (size < 0 || size > n) {
            throw new IndexOutOfBoundsException(size);
        }
        n = size;
    }

    public int get(int i) {
        return a[i];
    }

    public void set(int i, int v) {
        a[i] = v;
    }

    /** Inserts {@code v} at index 0. */
    public void prepend(int v) {
        add(0);
        System.arraycopy(a, 0, a, 1, n - 1);
        a[0] = v;
    }

    public int[] array() {
        return a;
    }

    public int[] toArray() {
        return Arrays.copyOf(a, n);
    }
}
