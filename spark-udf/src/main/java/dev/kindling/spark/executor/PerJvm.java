package dev.kindling.spark.executor;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Things loaded once per JVM (one per executor), shared by every task thread there, and closed when
 * the JVM ends: tokenizers, inference engines. Keyed by what identifies them (path + options), never
 * serialised with tasks. Loading happens at most once per key even when many tasks ask at the same
 * time; a failed load is not cached, so a later task can retry.
 *
 * <pre>{@code
 * Tokenizer t = PerJvm.get("tokenizer:" + path, k -> Tokenizer.load(LocalFiles.localize(path)));
 * }</pre>
 */
public final class PerJvm {
    private static final ConcurrentHashMap<String, Object> VALUES = new ConcurrentHashMap<>();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(PerJvm::closeAll, "kindling-per-jvm-close"));
    }

    private PerJvm() {}

    @SuppressWarnings("unchecked")
    public static <T> T get(String key, Function<String, T> loader) {
        return (T) VALUES.computeIfAbsent(key, loader::apply);
    }

    /** Removes (and closes, if AutoCloseable) the value for {@code key}. */
    public static void evict(String key) {
        Object v = VALUES.remove(key);
        closeQuietly(v);
    }

    static void closeAll() {
        for (String k : VALUES.keySet()) {
            evict(k);
        }
    }

    private static void closeQuietly(Object v) {
        if (v instanceof AutoCloseable c) {
            try {
                c.close();
            } catch (Exception ignored) {
                // the JVM is going away or the value is being replaced
            }
        }
    }
}
