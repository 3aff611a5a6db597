package dev.kindling.inference.cuda;

import dev.kindling.inference.model.Rope;

/**
 * cos/sin of every (position, pair) as {@code float[position][pair][cos, sin]}, computed in double
 * and rounded exactly as {@code CpuBackend} does, so GPU and CPU rotate by the same floats.
 */
public final class RopeTable {
    private RopeTable() {}

    /** Rows for positions {@code [first, first+count)}. */
    public static float[] compute(Rope r, int first, int count) {
        int half = r.dims() / 2;
        float[] out = new float[count * half * 2];
        for (int p = 0; p < count; p++) {
            for (int i = 0; i < half; i++) {
                double a = r.angle(first + p, i);
                out[(p * half + i) * 2] = (float) Math.cos(a);
                out[(p * half + i) * 2 + 1] = (float) Math.sin(a);
            }
        }
        return out;
    }
}
