package dev.kindling.dedup.stats;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts of documents per stage and outcome ({@code kept}, or the drop reason), thread-safe, so
 * that every document a run saw is accounted for. Renders as JSON for {@code --stats FILE.json}.
 *
 * <pre>{@code
 * ReasonCounts c = new ReasonCounts();
 * c.add("gopher_quality", "gopher_short_doc");
 * c.toJson();   // {"gopher_quality":{"gopher_short_doc":1}}
 * }</pre>
 */
public final class ReasonCounts {
    private final Map<String, Map<String, LongAdder>> counts = new ConcurrentHashMap<>();

    public void add(String stage, String outcome) {
        add(stage, outcome, 1);
    }

    public void add(String stage, String outcome, long n) {
        counts.computeIfAbsent(stage, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(outcome, o -> new LongAdder()).add(n);
    }

    /** Adds every count of {@code other}. */
    public void merge(ReasonCounts other) {
        other.snapshot().forEach((stage, m) -> m.forEach((o, n) -> add(stage, o, n)));
    }

    public long get(String stage, String outcome) {
        Map<String, LongAdder> m = counts.get(stage);
        LongAdder a = m == null ? null : m.get(outcome);
        return a == null ? 0 : a.sum();
    }

    /** Sum over every outcome of a stage (the documents it saw). */
    public long total(String stage) {
        Map<String, LongAdder> m = counts.get(stage);
        return m == null ? 0 : m.values().stream().mapToLong(LongAdder::sum).sum();
    }

    /** Sorted copy. */
    public Map<String, Map<String, Long>> snapshot() {
        Map<String, Map<String, Long>> out = new TreeMap<>();
        counts.forEach((stage, m) -> {
            Map<String, Long> inner = new TreeMap<>();
            m.forEach((o, a) -> inner.put(o, a.sum()));
            out.put(stage, inner);
        });
        return out;
    }

    /** {@code {"stage":{"outcome":count,...},...}}, keys sorted. */
    public String toJson() {
        StringBuilder sb = new StringBuilder("{");
        boolean first = true;
        for (var e : snapshot().entrySet()) {
            if (!first) {
                sb.append(',');
            }
            first = false;
            quote(sb, e.getKey()).append(":{");
            boolean f2 = true;
            for (var o : e.getValue().entrySet()) {
                if (!f2) {
                    sb.append(',');
                }
                f2 = false;
                quote(sb, o.getKey()).append(':').append(o.getValue());
            }
            sb.append('}');
        }
        return sb.append('}').toString();
    }

    private static StringBuilder quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"');
    }
}
