package dev.kindling.inference.sample;

/**
 * llama2.c's random number generator (xorshift64*): {@code random_u32} and {@code random_f32}
 * exactly as in {@code run.c}, so a seed reproduces its samples. One instance per request.
 */
public final class Xorshift {
    private long state;

    public Xorshift(long seed) {
        this.state = seed;
    }

    /** A generator whose state is the seed scrambled first (SplitMix64), so small or zero seeds work well. */
    public static Xorshift mixed(long seed) {
        long z = seed + 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        z ^= z >>> 31;
        return new Xorshift(z == 0 ? 0x2545F4914F6CDD1DL : z);
    }

    public int nextU32() {
        state ^= state >>> 12;
        state ^= state << 25;
        state ^= state >>> 27;
        return (int) ((state * 0x2545F4914F6CDD1DL) >>> 32);
    }

    /** A float in [0, 1) with 24 random bits. */
    public float nextFloat() {
        return (nextU32() >>> 8) / 16777216.0f;
    }
}
