package dev.kindling.inference.sample;

/**
 * Per-row sampling seeds that do not depend on how the data is partitioned or batched: the seed of
 * sample {@code i} of a prompt is a mix (SplitMix64) of the stage's seed, the first 64 bits of the
 * prompt's SHA-256 and {@code i}. The same prompt with the same seed gives the same samples on any
 * executor, in any partition, in any batch (the engine's sampler is per request), and in every front end:
 * the Spark stage, {@code kindling generate --prompt} and the engine-alone command.
 */
public final class RowSeeds {
    private RowSeeds() {}

    public static long of(long seed, String promptSha256Hex, int sample) {
        long id = Long.parseUnsignedLong(promptSha256Hex.substring(0, 16), 16);
        return mix(mix(seed ^ mix(id)) + 0x9E3779B97F4A7C15L * (sample + 1L));
    }

    /** {@link #of} for a prompt's text (its UTF-8 bytes' SHA-256). */
    public static long ofText(long seed, String prompt, int sample) {
        return of(seed, sha256Hex(prompt), sample);
    }

    /** The SHA-256 of a text's UTF-8 bytes, in hex: the id {@link #of} takes for a prompt. */
    public static String sha256Hex(String text) {
        try {
            byte[] d = java.security.MessageDigest.getInstance("SHA-256").digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(d);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }

    /** SplitMix64's finaliser. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
