package dev.kindling.dedup.lsh;

/**
 * Union–find over {@code 0..n-1} with path halving and union by smallest index: the root of every
 * set is its smallest member, which is how the representative is made deterministic. For in-memory
 * use (tests, small data, and the Spark stage's graphs small enough to be finished on the driver; larger ones it
 * clusters with a distributed algorithm).
 */
public final class UnionFind {
    private final int[] parent;

    public UnionFind(int n) {
        parent = new int[n];
        for (int i = 0; i < n; i++) {
            parent[i] = i;
        }
    }

    public int find(int x) {
        while (parent[x] != x) {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }
        return x;
    }

    public void union(int x, int y) {
        int rx = find(x);
        int ry = find(y);
        if (rx < ry) {
            parent[ry] = rx;
        } else if (ry < rx) {
            parent[rx] = ry;
        }
    }
}
