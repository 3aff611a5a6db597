package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.demo.SampleCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark jobs each CLI command starts on a small input, with their call sites, and its wall time: on a few hundred
 * documents a run is bound by the cost of each job (planning, code generation, scheduling), not by its work. Not a test
 * of the suite (its name does not end in Test); run it alone, with as many rounds as wanted:
 *
 * <pre>
 * mvn -o -pl spark-udf test -Dtest=JobsPerCommandBench -Dkindling.bench.rounds=3 -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * ({@code -Dkindling.bench.only=dedup,curate}: the commands whose names start so; {@code dedup --against-index} reads the
 * index {@code dedup --save-index} made in the same round). The commands take turns, round after round, in the tests' shared session (so the first round pays for code generation
 * and class loading; its times are left out of the medians). Prints, per command, the jobs of its last round by call
 * site and the median wall time; {@code target/jobs-per-command.tsv} holds every round.
 */
class JobsPerCommandBench {
    @TempDir static Path tmp;

    @Test
    void jobsAndWallTimePerCommand() throws Exception {
        int rounds = Integer.getInteger("kindling.bench.rounds", 3);
        Path docs = writeDocs(tmp.resolve("docs.jsonl"));
        Path earlier = tmp.resolve("earlier.jsonl");
        Path recent = tmp.resolve("recent.jsonl");
        splitLines(docs, earlier, recent);
        Path config = Files.writeString(tmp.resolve("curate.yaml"), "stages:\n  - exact_dedup: {}\n  - minhash_dedup: {}\n"
                + "  - gopher: {}\n  - c4: {}\n  - pii: {}\n");

        Map<String, Function<Path, String[]>> commands = new LinkedHashMap<>();
        commands.put("dedup --exact", o -> args("dedup", "--exact", "-i", docs, "-o", o));
        commands.put("dedup --minhash", o -> args("dedup", "--minhash", "-i", docs, "-o", o));
        commands.put("dedup (exact + minhash) --keep-duplicates --stats", o -> args("dedup", "--keep-duplicates", "-i", docs,
                "-o", o.resolve("out"), "--stats", o.resolve("stats.json")));
        commands.put("dedup --against", o -> args("dedup", "-i", recent, "-o", o, "--against", earlier));
        commands.put("dedup --save-index", o -> args("dedup", "-i", earlier, "-o", o.resolve("out"), "--save-index",
                o.resolve("index")));
        commands.put("dedup --against-index", o -> args("dedup", "-i", recent, "-o", o.resolve("out"), "--against-index",
                lastIndex[0]));
        commands.put("curate", o -> args("curate", "--config", config, "-i", docs, "-o", o));
        commands.put("demo", o -> args("demo", "--output", o));

        String only = System.getProperty("kindling.bench.only");
        if (only != null) {
            commands.keySet().removeIf(c -> java.util.Arrays.stream(only.split(",")).noneMatch(c::startsWith));
        }
        Map<String, List<Long>> millis = new LinkedHashMap<>();
        Map<String, List<String>> lastJobs = new LinkedHashMap<>();
        StringBuilder tsv = new StringBuilder("round\tcommand\tjobs\tmillis\n");
        int n = 0;
        for (int round = 0; round < rounds; round++) {
            for (Map.Entry<String, Function<Path, String[]>> c : commands.entrySet()) {
                Path out = tmp.resolve("out-" + n++);
                if (c.getKey().equals("dedup --save-index")) {
                    lastIndex[0] = out.resolve("index");
                }
                String[] a = c.getValue().apply(out);
                Cli.Result[] r = new Cli.Result[1];
                long start = System.nanoTime();
                List<String> jobs = TestSpark.jobsByCaller(() -> r[0] = Cli.run(a));
                long ms = (System.nanoTime() - start) / 1_000_000;
                assertEquals(0, r[0].code(), c.getKey() + ": " + r[0]);
                if (round > 0 || rounds == 1) {
                    millis.computeIfAbsent(c.getKey(), k -> new ArrayList<>()).add(ms);
                }
                lastJobs.put(c.getKey(), jobs);
                tsv.append(round).append('\t').append(c.getKey()).append('\t').append(jobs.size()).append('\t').append(ms).append('\n');
            }
        }
        StringBuilder report = new StringBuilder();
        for (String c : commands.keySet()) {
            List<Long> ms = new ArrayList<>(millis.get(c));
            Collections.sort(ms);
            report.append(String.format("%-52s %3d jobs  median %6d ms  %s%n", c, lastJobs.get(c).size(), ms.get(ms.size() / 2), ms));
            Map<String, Integer> bySite = new LinkedHashMap<>();
            lastJobs.get(c).forEach(j -> bySite.merge(j, 1, Integer::sum));
            bySite.forEach((site, count) -> report.append(String.format("    %3d  %s%n", count, site)));
        }
        System.out.print(report);
        Files.writeString(Path.of("target/jobs-per-command.tsv"), tsv);
        Files.writeString(Path.of("target/jobs-per-command.txt"), report);
    }

    private static final Path[] lastIndex = new Path[1];

    /** {@code command} with the paths as strings and {@code --no-progress}, as a run in a script would be. */
    private static String[] args(Object... a) {
        List<String> s = new ArrayList<>();
        s.add(a[0].toString());
        s.add("--no-progress");
        for (int i = 1; i < a.length; i++) {
            s.add(a[i].toString());
        }
        return s.toArray(new String[0]);
    }

    /** The demo's sample corpus, its documents that have an id, as JSON Lines {id, text, url}: input every command reads. */
    private static Path writeDocs(Path file) throws java.io.IOException {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        List<String> lines = new ArrayList<>();
        for (SampleCorpus.Doc d : SampleCorpus.load().documents(42)) {
            if (d.id() != null) {
                Map<String, String> row = new LinkedHashMap<>();
                row.put("id", d.id());
                row.put("text", d.text());
                row.put("url", d.url());
                lines.add(json.writeValueAsString(row));
            }
        }
        return Files.write(file, lines);
    }

    /** The first half of {@code docs}' lines into {@code first}, the rest into {@code second}. */
    private static void splitLines(Path docs, Path first, Path second) throws java.io.IOException {
        List<String> lines = Files.readAllLines(docs);
        Files.write(first, lines.subList(0, lines.size() / 2));
        Files.write(second, lines.subList(lines.size() / 2, lines.size()));
    }
}
