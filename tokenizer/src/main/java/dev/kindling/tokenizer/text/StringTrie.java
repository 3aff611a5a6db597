package dev.kindling.tokenizer.text;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;

/**
 * A read-only char trie mapping strings to int values, for finding special/added tokens in text:
 * {@link #longestAt} gives the longest key that starts at a position in O(key length).
 * Thread-safe after construction.
 */
public final class StringTrie {
    // node i: children chars childChars[childStart[i] .. childStart[i+1]) sorted, targets childNode[..]
    private final int[] childStart;
    private final char[] childChars;
    private final int[] childNode;
    private final int[] value; // -1 when no key ends at the node
    private final boolean[] firstChar = new boolean[65536];
    private final int size;

    private StringTrie(int[] childStart, char[] childChars, int[] childNode, int[] value, int size) {
        this.childStart = childStart;
        this.childChars = childChars;
        this.childNode = childNode;
        this.value = value;
        this.size = size;
        for (int k = childStart[0]; k < childStart[1]; k++) {
            firstChar[childChars[k]] = true;
        }
    }

    /** Builds a trie; a key given twice keeps the later value. Empty keys are ignored. */
    public static StringTrie build(List<String> keys, int[] values) {
        List<TreeMap<Character, Integer>> kids = new ArrayList<>();
        List<Integer> vals = new ArrayList<>();
        kids.add(new TreeMap<>());
        vals.add(-1);
        int count = 0;
        for (int k = 0; k < keys.size(); k++) {
            String key = keys.get(k);
            if (key == null || key.isEmpty()) {
                continue;
            }
            int node = 0;
            for (int i = 0; i < key.length(); i++) {
                Integer nxt = kids.get(node).get(key.charAt(i));
                if (nxt == null) {
                    nxt = kids.size();
                    kids.add(new TreeMap<>());
                    vals.add(-1);
                    kids.get(node).put(key.charAt(i), nxt);
                }
                node = nxt;
            }
            if (vals.get(node) == -1) {
                count++;
            }
            vals.set(node, values[k]);
        }
        int n = kids.size();
        int[] start = new int[n + 1];
        int total = 0;
        for (int i = 0; i < n; i++) {
            start[i] = total;
            total += kids.get(i).size();
        }
        start[n] = total;
        char[] cc = new char[total];
        int[] cn = new int[total];
        for (int i = 0; i < n; i++) {
            int p = start[i];
            for (var e : kids.get(i).entrySet()) {
                cc[p] = e.getKey();
                cn[p] = e.getValue();
                p++;
            }
        }
        int[] v = new int[n];
        for (int i = 0; i < n; i++) {
            v[i] = vals.get(i);
        }
        return new StringTrie(start, cc, cn, v, count);
    }

    public int size() {
        return size;
    }

    public boolean isEmpty() {
        return size == 0;
    }

    /** Whether some key starts with {@code c} (a cheap pre-filter). */
    public boolean startsKey(char c) {
        return firstChar[c];
    }

    /**
     * The longest key that starts at {@code pos} and ends at or before {@code end}: returns
     * {@code (length << 32) | value}, or -1 when no key starts there.
     */
    public long longestAt(CharSequence s, int pos, int end) {
        if (pos >= end || !firstChar[s.charAt(pos)]) {
            return -1;
        }
        int node = 0;
        long best = -1;
        for (int i = pos; i < end; i++) {
            int lo = childStart[node];
            int hi = childStart[node + 1];
            int k = Arrays.binarySearch(childChars, lo, hi, s.charAt(i));
            if (k < 0) {
                break;
            }
            node = childNode[k];
            if (value[node] >= 0) {
                best = ((long) (i + 1 - pos) << 32) | value[node];
            }
        }
        return best;
    }

    /**
     * Every key that starts at {@code pos} (ending at or before {@code end}), shortest first: lengths
     * into {@code lens}, values into {@code vals}. Returns the number of keys, which may exceed the
     * arrays' length (then only that many were written; call again with larger arrays).
     */
    public int allPrefixes(CharSequence s, int pos, int end, int[] lens, int[] vals) {
        if (pos >= end || !firstChar[s.charAt(pos)]) {
            return 0;
        }
        int node = 0;
        int n = 0;
        for (int i = pos; i < end; i++) {
            int k = Arrays.binarySearch(childChars, childStart[node], childStart[node + 1], s.charAt(i));
            if (k < 0) {
                break;
            }
            node = childNode[k];
            if (value[node] >= 0) {
                if (n < lens.length) {
                    lens[n] = i + 1 - pos;
                    vals[n] = value[node];
                }
                n++;
            }
        }
        return n;
    }
}
