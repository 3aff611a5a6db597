package dev.kindling.spark.inference;

/**
 * Per-row sampling seeds that do not depend on how the data is partitioned or batched: the seed of
 * sample {@code i} of a prompt is a mix (SplitMix64) of the stage's seed, the first 64 bits of the
 * prompt's SHA-256 and {@code i}. The same prompt with the same seed gives the same samples on any
 * executor, in any partition, in any batch (the engine's sampler is per request).
 */
public final class RowSeeds {
    private RowSeeds() {}

    public static long of(long seed, String promptSha256Hex, int sample) {
        long id = Long.parseUnsignedLong(promptSha256Hex.substring(0, 16), 16);
        return mix(mix(seed ^ mix(id)) + 0x9E3779B97F4A7C15L * (sample + 1L));
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
