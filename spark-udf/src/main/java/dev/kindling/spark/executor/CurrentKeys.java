package dev.kindling.spark.executor;

import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * For values in {@link PerJvm} keyed by the identity of their files ({@link LocalFiles#identity}): per name the value
 * is known by (a tokenizer's path, an engine's settings), the key loaded last. When a name's files change, the value of
 * the files before leaves the cache, handed to the owner's {@code retire}.
 */
public final class CurrentKeys {
    private final ConcurrentHashMap<String, String> current = new ConcurrentHashMap<>();
    private final Consumer<Object> retire;

    /** Values evicted as their names' files change are closed if AutoCloseable, as {@link PerJvm#evict(String)} closes them. */
    public CurrentKeys() {
        this(PerJvm::closeQuietly);
    }

    /** {@code retire} gets each value evicted because its name's files changed (see {@link PerJvm#evict(String, Consumer)}). */
    public CurrentKeys(Consumer<Object> retire) {
        this.retire = retire;
    }

    /**
     * {@code key} is now {@code name}'s: the value under the key before, if another, is evicted to retire. Returns that
     * key before, or null when there was none or it was {@code key}.
     */
    public String replace(String name, String key) {
        String before = current.put(name, key);
        if (before == null || before.equals(key)) {
            return null;
        }
        PerJvm.evict(before, retire);
        return before;
    }

    /**
     * Whether {@code key}, just loaded, is still {@code name}'s; if not it is evicted to retire: the files changed again
     * while it loaded, and the lookup that saw them did not find this key to evict, so it would stay with the JVM.
     */
    public boolean stillCurrent(String name, String key) {
        if (key.equals(current.get(name))) {
            return true;
        }
        PerJvm.evict(key, retire);
        return false;
    }
}
