package dev.kindling.spark.stage;

import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.util.AccumulatorV2;

/**
 * A Spark accumulator counting rows by reason ({@code "kept"} for kept rows). Tasks add; the driver
 * reads the merged map after the action.
 */
public final class ReasonCounts extends AccumulatorV2<String, Map<String, Long>> {
    private static final long serialVersionUID = 1L;
    public static final String KEPT = "kept";

    private final TreeMap<String, Long> counts = new TreeMap<>();

    @Override
    public boolean isZero() {
        return counts.isEmpty();
    }

    @Override
    public ReasonCounts copy() {
        ReasonCounts c = new ReasonCounts();
        synchronized (this) {
            c.counts.putAll(counts);
        }
        return c;
    }

    @Override
    public synchronized void reset() {
        counts.clear();
    }

    @Override
    public synchronized void add(String reason) {
        counts.merge(reason == null ? KEPT : reason, 1L, Long::sum);
    }

    public synchronized void add(String reason, long n) {
        counts.merge(reason == null ? KEPT : reason, n, Long::sum);
    }

    @Override
    public void merge(AccumulatorV2<String, Map<String, Long>> other) {
        Map<String, Long> o = other.value();
        synchronized (this) {
            o.forEach((k, v) -> counts.merge(k, v, Long::sum));
        }
    }

    @Override
    public synchronized Map<String, Long> value() {
        return new TreeMap<>(counts);
    }
}
