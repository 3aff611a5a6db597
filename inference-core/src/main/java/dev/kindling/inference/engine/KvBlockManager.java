package dev.kindling.inference.engine;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Accounting of the backend's KV blocks: which are free, which are held by how many sequences, and
 * which hold a known prompt prefix (so a system prompt shared by many requests is computed once).
 *
 * <p>A full block of prompt tokens is registered under a key that chains the keys of the blocks
 * before it (64-bit hash, with the block's own tokens compared exactly on lookup); a later request
 * whose prompt starts with the same blocks takes them instead of recomputing. Blocks nobody holds
 * but whose prefix is known stay cached until the space is needed (least recently released first).
 *
 * <p>A prompt block a sequence reserved but has not computed yet is <em>in flight</em> under its key:
 * a request whose next prefix block is in flight waits for it ({@link #WAIT_FOR_PREFIX}) rather than
 * computing it a second time, so requests admitted together with the same system prompt compute it
 * once. A block stops being in flight when it is registered, or released uncomputed (its sequence
 * cancelled or failed; a waiting request then computes it).
 * Only the engine's step thread uses this class.
 */
final class KvBlockManager {
    private final int blockSize;
    private final int capacity;
    private final int[] refs;
    private final ArrayDeque<Integer> free = new ArrayDeque<>();
    /** prefix key -> block, for blocks with a known prefix. */
    private final Map<Long, Integer> byKey = new HashMap<>();
    private final long[] keyOf;
    private final int[][] tokensOf;
    /** unreferenced blocks with a known prefix, least recently released first. */
    private final LinkedHashMap<Integer, Boolean> evictable = new LinkedHashMap<>();
    /** prefix key -> block, for prompt blocks reserved by a sequence that has not computed them yet. */
    private final Map<Long, Integer> inFlight = new HashMap<>();
    private final long[] inFlightKeyOf;
    private final int[][] inFlightTokensOf;
    private long prefixHits;

    /** What {@link #reserve} returns when the prompt's next prefix block is being computed by another sequence. */
    static final Reservation WAIT_FOR_PREFIX = new Reservation(new int[0], 0, 0);

    KvBlockManager(int blockSize, int capacity) {
        this.blockSize = blockSize;
        this.capacity = capacity;
        this.refs = new int[capacity];
        this.keyOf = new long[capacity];
        this.tokensOf = new int[capacity][];
        this.inFlightKeyOf = new long[capacity];
        this.inFlightTokensOf = new int[capacity][];
        for (int i = 0; i < capacity; i++) {
            free.add(i);
        }
    }

    int blockSize() {
        return blockSize;
    }

    int capacity() {
        return capacity;
    }

    /** Blocks that can be handed out now (free, or cached and unreferenced). */
    int available() {
        return free.size() + evictable.size();
    }

    long prefixHits() {
        return prefixHits;
    }

    static int blocksFor(int positions, int blockSize) {
        return (positions + blockSize - 1) / blockSize;
    }

    /** Chained key of the full block {@code tokens[start, start+blockSize)} after {@code parentKey}. */
    static long chainKey(long parentKey, int[] tokens, int start, int blockSize) {
        long h = parentKey * 0x9E3779B97F4A7C15L + 0x632BE59BD9B4E019L;
        for (int i = 0; i < blockSize; i++) {
            h ^= tokens[start + i] & 0xFFFFFFFFL;
            h *= 0xFF51AFD7ED558CCDL;
            h ^= h >>> 29;
        }
        return h;
    }

    /**
     * Reserves the blocks for a sequence of {@code totalPositions} positions whose tokens start with
     * its prompt ({@code tokens} may be longer: room for the output after the prompt): cached prefix
     * blocks first (at most {@code maxSharedBlocks}, and only full prompt blocks), new blocks after.
     * The new blocks among the first {@code promptBlocks} (the full prompt blocks the sequence will
     * register) are in flight until registered.
     *
     * @return the block table and the number of positions already computed; {@link #WAIT_FOR_PREFIX}
     *         when the next prefix block is in flight (another sequence computes it now); null when the
     *         blocks do not fit now (nothing is reserved in either case)
     */
    Reservation reserve(int[] tokens, int totalPositions, int maxSharedBlocks, int promptBlocks) {
        int need = blocksFor(totalPositions, blockSize);
        int[] table = new int[need];
        int shared = 0;
        long key = 0;
        while (shared < maxSharedBlocks && shared < need && shared < promptBlocks) {
            long k = chainKey(key, tokens, shared * blockSize, blockSize);
            Integer b = byKey.get(k);
            if (b == null || !Arrays.equals(tokensOf[b], 0, blockSize, tokens, shared * blockSize, (shared + 1) * blockSize)) {
                Integer f = inFlight.get(k);
                if (f != null && Arrays.equals(inFlightTokensOf[f], 0, blockSize, tokens, shared * blockSize, (shared + 1) * blockSize)) {
                    return WAIT_FOR_PREFIX;
                }
                break;
            }
            table[shared++] = b;
            key = k;
        }
        int evictableShared = 0;
        for (int i = 0; i < shared; i++) {
            if (refs[table[i]] == 0) {
                evictableShared++;
            }
        }
        if (need - shared > available() - evictableShared) {
            return null;
        }
        for (int i = 0; i < shared; i++) {
            if (refs[table[i]]++ == 0) {
                evictable.remove(table[i]);
            }
        }
        for (int i = shared; i < need; i++) {
            table[i] = take();
        }
        if (shared > 0) {
            prefixHits += shared;
        }
        long k = key;
        for (int i = shared; i < Math.min(promptBlocks, need); i++) {
            k = chainKey(k, tokens, i * blockSize, blockSize);
            if (!byKey.containsKey(k) && inFlight.putIfAbsent(k, table[i]) == null) {
                inFlightKeyOf[table[i]] = k;
                inFlightTokensOf[table[i]] = Arrays.copyOfRange(tokens, i * blockSize, (i + 1) * blockSize);
            }
        }
        return new Reservation(table, shared * blockSize, key);
    }

    /** Ends block {@code b}'s time in flight, if it is. */
    private void landed(int b) {
        if (inFlightTokensOf[b] != null) {
            inFlight.remove(inFlightKeyOf[b], b);
            inFlightTokensOf[b] = null;
        }
    }

    private int take() {
        int b;
        if (!free.isEmpty()) {
            b = free.poll();
        } else {
            var it = evictable.keySet().iterator();
            b = it.next();
            it.remove();
            byKey.remove(keyOf[b]);
            tokensOf[b] = null;
        }
        refs[b] = 1;
        return b;
    }

    /** Records that block {@code index} of {@code table} now holds {@code prompt}'s full block there. */
    long register(int[] table, int index, int[] prompt, long parentKey) {
        long k = chainKey(parentKey, prompt, index * blockSize, blockSize);
        int b = table[index];
        landed(b);
        if (!byKey.containsKey(k) && tokensOf[b] == null) {
            byKey.put(k, b);
            keyOf[b] = k;
            tokensOf[b] = Arrays.copyOfRange(prompt, index * blockSize, (index + 1) * blockSize);
        }
        return k;
    }

    /** Releases a sequence's blocks. */
    void release(int[] table) {
        for (int b : table) {
            if (--refs[b] == 0) {
                landed(b);
                if (tokensOf[b] != null) {
                    evictable.put(b, Boolean.TRUE);
                } else {
                    free.add(b);
                }
            }
        }
    }

    /** A sequence's reserved blocks. */
    record Reservation(int[] table, int cachedPositions, long lastKey) {
    }
}
