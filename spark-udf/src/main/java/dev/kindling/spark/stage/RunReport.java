package dev.kindling.spark.stage;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a pipeline run did to the data, datatrove-style: per stage, documents in, kept and dropped by
 * reason, plus run metrics (e.g. tokens). Built from the reason counts of the final pass, so the
 * numbers add up: {@code in(stage i+1) = kept(stage i)} and {@code documents_in = kept + dropped}.
 */
public record RunReport(long documentsIn, long documentsKept, List<StageReport> stages, Map<String, Long> metrics,
        Map<String, Double> measures, double seconds) {

    /** A report without measures (numbers that are not counts). */
    public RunReport(long documentsIn, long documentsKept, List<StageReport> stages, Map<String, Long> metrics, double seconds) {
        this(documentsIn, documentsKept, stages, metrics, Map.of(), seconds);
    }

    /** One stage's accounting. */
    public record StageReport(String stage, long in, long kept, Map<String, Long> dropped) {
        public long droppedTotal() {
            return dropped.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /**
     * @param stageOrder stage names in pipeline order ({@code read} first)
     * @param counts     rows by reason ({@link ReasonCounts#KEPT} for kept rows), reasons as
     *                   {@code "stage:why"}
     */
    public static RunReport of(List<String> stageOrder, Map<String, Long> counts, Map<String, Long> metrics, double seconds) {
        return of(stageOrder, counts, metrics, Map.of(), seconds);
    }

    /** As {@link #of(List, Map, Map, double)}, with {@code measures}: numbers a stage measured that are not counts. */
    public static RunReport of(List<String> stageOrder, Map<String, Long> counts, Map<String, Long> metrics,
            Map<String, Double> measures, double seconds) {
        Map<String, Map<String, Long>> byStage = new LinkedHashMap<>();
        for (String s : stageOrder) {
            byStage.put(s, new TreeMap<>());
        }
        long total = 0;
        long kept = 0;
        for (Map.Entry<String, Long> e : counts.entrySet()) {
            total += e.getValue();
            if (e.getKey().equals(ReasonCounts.KEPT)) {
                kept += e.getValue();
                continue;
            }
            // after the stage's name, which may hold a colon itself (exact_dedup_src:url, from a column "src:url")
            int colon = stageEnd(stageOrder, e.getKey());
            String stage = colon > 0 ? e.getKey().substring(0, colon) : e.getKey();
            String why = colon > 0 ? e.getKey().substring(colon + 1) : e.getKey();
            byStage.computeIfAbsent(stage, k -> new TreeMap<>()).merge(why, e.getValue(), Long::sum);
        }
        List<StageReport> stages = new ArrayList<>();
        long in = total;
        for (Map.Entry<String, Map<String, Long>> e : byStage.entrySet()) {
            long dropped = e.getValue().values().stream().mapToLong(Long::longValue).sum();
            stages.add(new StageReport(e.getKey(), in, in - dropped, e.getValue()));
            in -= dropped;
        }
        return new RunReport(total, kept, List.copyOf(stages), Map.copyOf(metrics), Map.copyOf(measures), seconds);
    }

    /** Where the stage's name ends in a reason: after the longest known stage name it starts with, else at its first colon. */
    private static int stageEnd(List<String> stageOrder, String reason) {
        int end = -1;
        for (String s : stageOrder) {
            if (reason.startsWith(s + ":") && s.length() > end) {
                end = s.length();
            }
        }
        return end > 0 ? end : reason.indexOf(':');
    }

    public long documentsDropped() {
        return documentsIn - documentsKept;
    }

    /** The summary table printed at the end of a run. */
    public String toTable() {
        StringBuilder sb = new StringBuilder();
        int w = Math.max(12, stages.stream().mapToInt(s -> s.stage().length()).max().orElse(0) + 2);
        sb.append(String.format(Locale.ROOT, "%-" + w + "s %10s %10s %10s  %s%n", "stage", "in", "kept", "dropped", "dropped by reason"));
        for (StageReport s : stages) {
            StringBuilder reasons = new StringBuilder();
            s.dropped().forEach((k, v) -> reasons.append(reasons.length() == 0 ? "" : ", ").append(k).append(' ').append(fmt(v)));
            sb.append(String.format(Locale.ROOT, "%-" + w + "s %10s %10s %10s  %s%n", s.stage(), fmt(s.in()), fmt(s.kept()),
                    fmt(s.droppedTotal()), reasons));
        }
        sb.append(String.format(Locale.ROOT, "documents: %s in, %s kept, %s dropped", fmt(documentsIn), fmt(documentsKept),
                fmt(documentsDropped())));
        new TreeMap<>(metrics).forEach((k, v) -> sb.append(", ").append(counted(v, k)));
        new TreeMap<>(measures).forEach((k, v) -> sb.append(", ").append(k).append(' ').append(fmt(v)));
        sb.append(String.format(Locale.ROOT, " (%.1f s)%n", seconds));
        return sb.toString();
    }

    /**
     * A metric's count as the summary says it: "2 rows with an error", "1 row with an error", "1 generated token". The
     * metrics named in words are in the plural ("1 rows with an error" was printed); a name with an underscore
     * ({@code decontaminate_matches}) is an identifier, as {@code --stats} keys every metric, and is left as it is.
     */
    static String counted(long n, String metric) {
        String name = n == 1 && metric.indexOf('_') < 0 ? metric.replaceFirst("\\b(row|token)s\\b", "$1") : metric;
        return fmt(n) + " " + name;
    }

    private static String fmt(long v) {
        return String.format(Locale.ROOT, "%,d", v);
    }

    /** A measure as read: 2,266.482 or 2.266e+84. */
    private static String fmt(double v) {
        return Math.abs(v) < 1e9 ? String.format(Locale.ROOT, "%,.3f", v) : String.format(Locale.ROOT, "%.4g", v);
    }

    /** {@code --stats FILE.json}. */
    public Map<String, Object> toJsonMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("documents_in", documentsIn);
        m.put("documents_kept", documentsKept);
        m.put("documents_dropped", documentsDropped());
        List<Map<String, Object>> st = new ArrayList<>();
        for (StageReport s : stages) {
            Map<String, Object> sm = new LinkedHashMap<>();
            sm.put("stage", s.stage());
            sm.put("in", s.in());
            sm.put("kept", s.kept());
            sm.put("dropped", s.droppedTotal());
            sm.put("reasons", s.dropped());
            st.add(sm);
        }
        m.put("stages", st);
        Map<String, Object> all = new TreeMap<>(metrics);
        all.putAll(measures); // one map of numbers for a reader of the file: counts whole, measures as measured
        m.put("metrics", all);
        m.put("seconds", seconds);
        return m;
    }

    public String toJson() {
        return json(toJsonMap());
    }

    /** {@code m} as the indented JSON of {@code --stats}: a report's {@link #toJsonMap}, with what a command adds to it. */
    public static String json(Map<String, Object> m) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(m);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    public void writeJson(Path file) throws IOException {
        writeJson(toJson(), file);
    }

    /** Writes {@code json} to {@code file} whole or not at all. */
    public static void writeJson(String json, Path file) throws IOException {
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        // written beside it and moved into place: written in place, a full disk left an empty file, which the rerun then
        // refused as an existing --stats, while the README says a failed run never leaves one
        Path partial = file.resolveSibling("." + file.getFileName() + ".partial");
        try {
            Files.writeString(partial, json + "\n");
            Files.move(partial, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(partial);
        }
    }
}
