package dev.kindling.spark.distill;

import dev.kindling.inference.sample.RowSeeds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.inference.Prompts;
import dev.kindling.spark.inference.SamplingSpec;
import dev.kindling.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kindling distill sft / dpo / self-instruct on stories260K: the documented schemas, read back. */
class DistillTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path tmp;

    static Path model() {
        return SharedData.require("llama2c/stories260K.gguf");
    }

    static final List<String> PROMPTS = List.of("Once upon a time, there was a little dog named Max.", "Lily had a red ball. It was",
            "One day, Tom saw a big cat in the park.", "Sue and the bird went to", "The tree was very happy. Ben said",
            "Mia found a shiny key.");

    static Path prompts(String name, List<String> prompts, String extraLine) throws Exception {
        Path dir = tmp.resolve(name);
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "p" + i, "prompt", prompts.get(i))));
        }
        if (extraLine != null) {
            lines.add(extraLine);
        }
        Path f = dir.resolve("prompts.jsonl");
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    /** The prompt and generated tokens of the run's summary line, {@code teacher: N rows (F failed), P prompt tokens, G generated tokens}. */
    static long[] teacherTokens(String out) {
        return tokens(out, "teacher");
    }

    /** The prompt and generated tokens of the summary line of {@code who} (teacher, judge), as {@link #teacherTokens}. */
    static long[] tokens(String out, String who) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?m)^" + who + ": [\\d,]+ rows \\([\\d,]+ failed\\), ([\\d,]+) prompt "
                + "tokens, ([\\d,]+) generated tokens").matcher(out);
        assertTrue(m.find(), out);
        return new long[] {Long.parseLong(m.group(1).replace(",", "")), Long.parseLong(m.group(2).replace(",", ""))};
    }

    /**
     * A self-instruct run's {@code --stats}, checked against its summary: the candidate instructions in, kept (the rows
     * written) and dropped by reason (each a "dropped" line), and the teacher's tokens over every round, its summary line's
     * (which counted none: "teacher: N rows in T s").
     */
    static JsonNode selfInstructStats(Cli.Result r, Path stats, Path out) throws java.io.IOException {
        java.util.regex.Matcher summary = java.util.regex.Pattern.compile("(\\d+) (rounds?), (\\d+) (candidate instructions?), (\\d+) kept")
                .matcher(r.out());
        assertTrue(summary.find(), r.out());
        long rounds = Long.parseLong(summary.group(1));
        // "1 round", "1 candidate instruction": the summary said "1 rounds"
        assertEquals(List.of(rounds == 1 ? "round" : "rounds", summary.group(3).equals("1") ? "candidate instruction" : "candidate instructions"),
                List.of(summary.group(2), summary.group(4)), r.out());
        JsonNode report = JSON.readTree(stats.toFile());
        assertEquals("self-instruct", report.at("/stages/0/stage").asText(), report.toString());
        long dropped = 0;
        for (java.util.Iterator<Map.Entry<String, JsonNode>> it = report.at("/stages/0/reasons").fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            dropped += e.getValue().asLong();
            assertTrue(r.out().matches("(?s).*\\n  dropped " + e.getKey() + " +" + e.getValue().asLong() + "\\n.*"), e + " in " + r.out());
        }
        assertEquals(List.of(Long.parseLong(summary.group(3)), Long.parseLong(summary.group(5)), dropped, (long) Cli.outputRows(out).size()),
                List.of(report.get("documents_in").asLong(), report.get("documents_kept").asLong(), report.get("documents_dropped").asLong(),
                        report.get("documents_kept").asLong()), report.toString());
        long[] teacher = teacherTokens(r.out());
        assertTrue(teacher[0] > 0 && teacher[1] > 0, r.out());
        JsonNode metrics = report.get("metrics");
        assertEquals(List.of(teacher[0], teacher[1], rounds, 0L), List.of(metrics.path("teacher prompt tokens").asLong(-1),
                metrics.path("teacher generated tokens").asLong(-1), metrics.path("rounds").asLong(-1),
                metrics.path("failed teacher answers").asLong(-1)), metrics.toString());
        return report;
    }

    static final StructType MESSAGE = new StructType().add("content", DataTypes.StringType).add("role", DataTypes.StringType);

    @Test
    void sftRowsLoadBackWithTheDocumentedSchema() throws Exception {
        SparkSession spark = TestSpark.session();
        StringBuilder huge = new StringBuilder();
        for (int i = 0; i < 600; i++) {
            huge.append("Lily saw a big dog. ");
        }
        Path in = prompts("sft", PROMPTS, JSON.writeValueAsString(Map.of("id", "long", "prompt", huge.toString())));
        Path out = tmp.resolve("sft-out");
        Path stats = tmp.resolve("sft-stats.json");
        Cli.Result r = Cli.run("distill", "sft", "--no-progress", "--teacher", model().toString(), "--threads", "2", "--prompts",
                in.toString(), "--output", out.toString(), "--max-tokens", "10", "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        // the rows below record continuations of the prompts as assistant turns: the run says so
        assertTrue(r.out().contains("sft: the teacher reads the prompts as plain text (stories260K.gguf has no chat template, "
                + "--chat auto): its answers continue them, recorded as user and assistant turns"), r.out());
        // how the rows were made, beside them (Spark's reader passes over it, as over _SUCCESS)
        com.fasterxml.jackson.databind.JsonNode manifest = JSON.readTree(out.resolve("_manifest.json").toFile());
        assertEquals("kindling distill sft", manifest.get("command").asText());
        assertEquals(List.of(model().toString(), "stories260K.gguf", "auto"), List.of(manifest.at("/teacher/path").asText(),
                manifest.at("/teacher/name").asText(), manifest.at("/teacher/chat").asText()), manifest.toString());
        assertEquals(List.of(1, 10, 0.0, 0L), List.of(manifest.at("/sampling/n").asInt(), manifest.at("/sampling/max_tokens").asInt(),
                manifest.at("/sampling/temperature").asDouble(), manifest.at("/sampling/seed").asLong()), manifest.toString());
        assertTrue(manifest.at("/judge").isMissingNode(), manifest.toString());
        Dataset<Row> back = spark.read().json(out.toString());
        assertEquals(List.of("completion", "error", "finish_reason", "id", "messages", "model", "prompt", "prompt_id"),
                List.of(back.schema().fieldNames()));
        assertEquals(DataTypes.createArrayType(MESSAGE, true), back.schema().apply("messages").dataType());
        Map<String, Row> byPrompt = new HashMap<>();
        for (Row row : back.collectAsList()) {
            byPrompt.put(row.getAs("prompt"), row);
        }
        assertEquals(PROMPTS.size() + 1, byPrompt.size());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : PROMPTS) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(10));
        }
        List<Completion> alone;
        try (Engine e = Engine.open(model(), EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(reqs);
        }
        Set<String> finishReasons = new HashSet<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            Row row = byPrompt.get(PROMPTS.get(i));
            assertEquals(Prompts.sha256Hex(PROMPTS.get(i)), row.getAs("prompt_id"));
            assertEquals("p" + i, row.getAs("id"), "the prompt row's id, to join the output back to the prompts");
            assertEquals("stories260K.gguf", row.getAs("model"));
            assertNull(row.getAs("error"));
            List<Row> messages = row.getList(row.fieldIndex("messages"));
            assertEquals(2, messages.size());
            assertEquals(List.of("user", PROMPTS.get(i)), List.of(messages.get(0).getString(1), messages.get(0).getString(0)));
            // stories260K has no chat template: with --chat auto the teacher reads the prompt as it is (and --system, which
            // it would never see, is an error: DistillSystemPromptTest)
            assertEquals(List.of("assistant", alone.get(i).text()), List.of(messages.get(1).getString(1), messages.get(1).getString(0)));
            // TRL's standard prompt-completion form, and why the answer ended: a cut one can be filtered out afterwards
            assertEquals(alone.get(i).text(), row.getAs("completion"));
            assertEquals(alone.get(i).finishReason().label(), row.getAs("finish_reason"));
            finishReasons.add(row.getAs("finish_reason"));
        }
        assertTrue(finishReasons.contains("length"), "10 tokens cut some of the stories: " + finishReasons);
        // --stats holds the teacher's tokens, as the summary line counts them: the prompts' and the answers' (the long prompt
        // failed before any)
        JsonNode metrics = JSON.readTree(stats.toFile()).get("metrics");
        long[] teacher = teacherTokens(r.out());
        assertEquals(alone.stream().mapToLong(c -> c.promptTokens().length).sum(), teacher[0], r.out());
        assertEquals(alone.stream().mapToLong(c -> c.tokens().length).sum(), teacher[1], r.out());
        assertEquals(List.of(teacher[0], teacher[1], 1L), List.of(metrics.path("teacher prompt tokens").asLong(-1),
                metrics.path("teacher generated tokens").asLong(-1), metrics.path("rows with an error").asLong(-1)), metrics.toString());
        // and the prompts it answered, the long one failed, as the line says them (summed from the rows written)
        assertTrue(r.out().contains("\nteacher: 7 rows (1 failed), "), r.out());
        assertEquals(List.of(7L, 1L), List.of(metrics.path("teacher rows").asLong(-1), metrics.path("teacher failed rows").asLong(-1)),
                metrics.toString());
        Row bad = byPrompt.get(huge.toString());
        assertNull(bad.getAs("messages"));
        assertNull(bad.getAs("completion"));
        assertNull(bad.getAs("finish_reason"));
        assertTrue(((String) bad.getAs("error")).startsWith("generate: stories260K.gguf: the prompt has "), bad.toString());
        // the engine's advice (--truncate-prompts) is one distill refuses: the row says why distill does not cut prompts
        assertTrue(((String) bad.getAs("error")).contains("distill answers whole prompts only")
                && !((String) bad.getAs("error")).contains("--truncate-prompts"), bad.toString());
    }

    /**
     * A teacher's answer refused for the KV budget advises distill's flags (--kv-cache-type, --kv-budget-mb, which the
     * judge shares), not the Generate stage's setters, which a command-line user cannot call.
     */
    @Test
    void aTeachersAnswerPastTheKvBudgetAdvisesTheCommandsFlags() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = prompts("sft-kv", List.of(PROMPTS.get(0)), null);
        Path out = tmp.resolve("sft-kv-out");
        // stories260K takes 1,280 bytes a position: 1 MiB holds 51 blocks of 16, and 900 tokens after the prompt need more
        Cli.Result r = Cli.run("distill", "sft", "--no-progress", "--teacher", model().toString(), "--threads", "1", "--prompts",
                in.toString(), "--output", out.toString(), "--max-tokens", "900", "--kv-budget-mb", "1");
        assertEquals(0, r.code(), r.toString());
        String error = spark.read().json(out.toString()).first().getAs("error");
        assertTrue(error != null && error.contains("KV budget holds 51 (lower max tokens, halve what a position takes with "
                + "--kv-cache-type f16, or raise the budget: --kv-budget-mb,") && !error.contains("setKv"), String.valueOf(error));
    }

    /**
     * The README's load recipe reads the Parquet output: Hugging Face datasets types a column from the first file it reads,
     * so a JSON Lines part file whose errors (or conversations) are all null types it null and a later value fails the load.
     * Each Parquet part file, one whose rows all failed and one whose rows all succeeded, must carry the typed columns.
     */
    @Test
    void sftParquetPartFilesEachCarryTheTypedColumnsThatAreAllNullInThem() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("sft-parts");
        Files.createDirectories(in);
        Files.write(in.resolve("a.jsonl"), List.of(JSON.writeValueAsString(Map.of("id", "ok", "prompt", PROMPTS.get(0)))),
                StandardCharsets.UTF_8);
        Files.write(in.resolve("b.jsonl"), List.of(JSON.writeValueAsString(Map.of("id", "long", "prompt",
                "Lily saw a big dog. ".repeat(600)))), StandardCharsets.UTF_8);
        Path out = tmp.resolve("sft-parts-out");
        Cli.Result r = Cli.run("distill", "sft", "--no-progress", "--teacher", model().toString(), "--threads", "2", "--prompts",
                in.toString(), "--output", out.toString(), "--max-tokens", "4", "--format", "parquet");
        assertEquals(0, r.code(), r.toString());
        List<Path> parts;
        try (var files = Files.list(out)) {
            parts = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().toList();
        }
        assertEquals(2, parts.size(), parts.toString());
        Set<String> seen = new HashSet<>();
        for (Path part : parts) {
            Dataset<Row> one = spark.read().parquet(part.toString());
            assertEquals(DataTypes.StringType, one.schema().apply("error").dataType(), part.toString());
            assertEquals("array<struct<role:string,content:string>>", one.schema().apply("messages").dataType().simpleString(),
                    part.toString());
            assertEquals(DataTypes.StringType, one.schema().apply("completion").dataType(), part.toString());
            assertEquals(DataTypes.StringType, one.schema().apply("finish_reason").dataType(), part.toString());
            Row row = one.collectAsList().get(0);
            seen.add(row.getAs("id") + ":" + (row.getAs("error") == null) + ":" + (row.getAs("messages") == null) + ":"
                    + row.getAs("finish_reason"));
        }
        assertEquals(Set.of("ok:true:false:length", "long:false:true:null"), seen, "one part file all answered, one all failed");
    }

    @Test
    void dpoPairsTheBestAndWorstRatedSamples() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = prompts("dpo", PROMPTS, null);
        Path rubric = tmp.resolve("rubric.txt");
        Files.writeString(rubric, "Rate the answer from 1 to 5.\nQuestion: {instruction}\nAnswer: {response}\n");
        Path out = tmp.resolve("dpo-out");
        Path rejected = tmp.resolve("dpo-rejected");
        Cli.Result r = Cli.run("distill", "dpo", "--no-progress", "--teacher", model().toString(), "--judge", model().toString(),
                "--threads", "2", "--samples", "3", "--seed", "11", "--max-tokens", "10", "--rubric", rubric.toString(),
                "--judge-method", "logprobs", "--prompts", in.toString(), "--output", out.toString(), "--rejected", rejected.toString(),
                "--stats", tmp.resolve("dpo-stats.json").toString());
        assertEquals(0, r.code(), r.toString());
        // --stats holds the teacher's tokens as the summary line counts them (every sample's), and the judge's apart: it
        // read each prompt with each of its answers under the rubric (more than the teacher read and wrote), and wrote
        // nothing (logprobs)
        JsonNode metrics = JSON.readTree(tmp.resolve("dpo-stats.json").toFile()).get("metrics");
        long[] teacher = teacherTokens(r.out());
        assertTrue(teacher[0] > 0 && teacher[1] > PROMPTS.size() * 3 * 2, r.out());
        assertEquals(List.of(teacher[0], teacher[1], 0L), List.of(metrics.path("teacher prompt tokens").asLong(-1),
                metrics.path("teacher generated tokens").asLong(-1), metrics.path("judge generated tokens").asLong(-1)), metrics.toString());
        assertTrue(metrics.path("judge prompt tokens").asLong(-1) > teacher[0] + teacher[1], metrics.toString());
        // and the summary says the judge's in the teacher's format, the numbers of --stats
        long[] judge = tokens(r.out(), "judge");
        assertEquals(List.of(judge[0], judge[1]), List.of(metrics.path("judge prompt tokens").asLong(-1),
                metrics.path("judge generated tokens").asLong(-1)), r.out());
        Dataset<Row> back = spark.read().json(out.toString());
        assertEquals(List.of("chosen", "chosen_rating", "error", "id", "model", "prompt", "prompt_id", "rejected", "rejected_rating"),
                List.of(back.schema().fieldNames()));
        assertEquals(DataTypes.createArrayType(MESSAGE, true), back.schema().apply("chosen").dataType());
        assertEquals(DataTypes.createArrayType(MESSAGE, true), back.schema().apply("rejected").dataType());
        List<Row> rows = back.collectAsList();
        long tied = Files.exists(rejected) ? Cli.outputRows(rejected).size() : 0;
        assertEquals(PROMPTS.size(), rows.size() + tied, "every prompt is a pair or a rejected tie: " + r.out());
        assertTrue(rows.size() >= PROMPTS.size() / 2, "most prompts give a pair: " + r.out());
        // the manifest records how the pairs were made: the teacher's sampling, the default temperature too, and the judge
        com.fasterxml.jackson.databind.JsonNode manifest = JSON.readTree(out.resolve("_manifest.json").toFile());
        assertEquals("kindling distill dpo", manifest.get("command").asText());
        assertEquals(model().toString(), manifest.at("/teacher/path").asText());
        assertEquals("stories260K.gguf", manifest.at("/teacher/name").asText());
        assertEquals(List.of(3, 10, 0.8, 11L), List.of(manifest.at("/sampling/n").asInt(), manifest.at("/sampling/max_tokens").asInt(),
                manifest.at("/sampling/temperature").asDouble(), manifest.at("/sampling/seed").asLong()), manifest.toString());
        assertEquals(List.of(model().toString(), rubric.toString(), "logprobs"), List.of(manifest.at("/judge/path").asText(),
                manifest.at("/judge/rubric").asText(), manifest.at("/judge/method").asText()), manifest.toString());
        // the candidates are the teacher's samples with the per-row seeds, from the settings the manifest records
        float temperature = (float) manifest.at("/sampling/temperature").asDouble();
        long seed = manifest.at("/sampling/seed").asLong();
        int maxTokens = manifest.at("/sampling/max_tokens").asInt();
        try (Engine e = Engine.open(model(), EngineOptions.defaults().withThreads(2))) {
            for (Row row : rows) {
                String prompt = row.getAs("prompt");
                Set<String> samples = new HashSet<>();
                String id = new Prompts.Prompt(prompt, null).id();
                for (int i = 0; i < manifest.at("/sampling/n").asInt(); i++) {
                    samples.add(e.generate(GenerationRequest.of(prompt).withMaxTokens(maxTokens)
                            .withSampling(SamplingSpec.temperature(temperature, seed).params(RowSeeds.of(seed, id, i)))).text());
                }
                List<Row> chosen = row.getList(row.fieldIndex("chosen"));
                List<Row> rej = row.getList(row.fieldIndex("rejected"));
                assertEquals(List.of("user", "assistant"), List.of(chosen.get(0).getString(1), chosen.get(1).getString(1)));
                assertEquals(prompt, chosen.get(0).getString(0));
                assertEquals(prompt, rej.get(0).getString(0));
                assertTrue(samples.contains(chosen.get(1).getString(0)), "chosen is a sample: " + row);
                assertTrue(samples.contains(rej.get(1).getString(0)), "rejected is a sample: " + row);
                assertNotEquals(chosen.get(1).getString(0), rej.get(1).getString(0));
                double cr = row.getAs("chosen_rating");
                double rr = row.getAs("rejected_rating");
                assertTrue(cr > rr && cr <= 5 && rr >= 1, row.toString());
                assertEquals(Prompts.sha256Hex(prompt), row.getAs("prompt_id"));
                assertEquals("p" + PROMPTS.indexOf(prompt), row.getAs("id"));
                assertNull(row.getAs("error"));
            }
        }
    }

    /**
     * A prompt column whose name holds a dot is read as the reader read it (sft and dpo took it for a nested field and
     * failed with Spark's UNRESOLVED_COLUMN), and the id column given is the output's first.
     */
    @Test
    void sftReadsADottedPromptColumnAndCarriesTheIdColumnGiven() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("dotted.jsonl");
        Files.write(in, List.of(JSON.writeValueAsString(Map.of("key", "k1", "q.text", PROMPTS.get(0))),
                JSON.writeValueAsString(Map.of("key", "k2", "q.text", PROMPTS.get(1)))), StandardCharsets.UTF_8);
        Path out = tmp.resolve("dotted-out");
        Cli.Result r = Cli.run("distill", "sft", "--no-progress", "--teacher", model().toString(), "--threads", "2", "--prompts",
                in.toString(), "--prompt-column", "q.text", "--id-column", "key", "--output", out.toString(), "--max-tokens", "4");
        assertEquals(0, r.code(), r.toString());
        Path part = Files.list(out).filter(p -> p.getFileName().toString().startsWith("part-")).findFirst().orElseThrow();
        assertTrue(Files.readString(part).startsWith("{\"key\":\"k"), Files.readString(part)); // first in each row, as written
        Map<String, String> prompts = new HashMap<>();
        for (JsonNode row : Cli.outputRows(out)) {
            assertNull(Cli.text(row, "error"), row.toString());
            prompts.put(Cli.text(row, "key"), Cli.text(row, "prompt"));
        }
        assertEquals(Map.of("k1", PROMPTS.get(0), "k2", PROMPTS.get(1)), prompts);
    }

    /**
     * {@code --stop-token-ids} reaches the teacher: stories260K's greedy story ends at the BOS (id 1) llama2.c stops at,
     * the engine's answer with that stop id, where it ran on into another story.
     */
    @Test
    void sftTeacherStopsAtTheStopTokenIds() throws Exception {
        SparkSession spark = TestSpark.session();
        String prompt = "Once upon a time";
        Path in = prompts("sft-stop-ids", List.of(prompt), null);
        Path out = tmp.resolve("sft-stop-ids-out");
        Cli.Result r = Cli.run("distill", "sft", "--no-progress", "--teacher", model().toString(), "--threads", "2", "--prompts",
                in.toString(), "--output", out.toString(), "--max-tokens", "500", "--stop-token-ids", "1");
        assertEquals(0, r.code(), r.toString());
        Completion story;
        String runOn;
        try (Engine e = Engine.open(model(), EngineOptions.defaults().withThreads(2))) {
            story = e.generate(GenerationRequest.of(prompt).withMaxTokens(500).withStopTokens(1));
            runOn = e.generate(GenerationRequest.of(prompt).withMaxTokens(500)).text();
        }
        assertEquals(1, story.tokens()[story.tokens().length - 1], "the story ends at BOS");
        assertTrue(runOn.length() > story.text().length(), "without the id it runs on");
        JsonNode messages = Cli.outputRows(out).get(0).get("messages");
        assertEquals(story.text(), Cli.text(messages.get(1), "content"));
    }

    /**
     * {@code --generation-config auto} reaches the teacher: the options not typed take its generation_config.json values,
     * the answers those of typing them, and the run says which.
     */
    @Test
    void sftTeacherTakesTheCheckpointsSamplingDefaultsWithGenerationConfigAuto() throws Exception {
        SparkSession spark = TestSpark.session();
        Path teacher = tmp.resolve("authored-teacher");
        dev.kindling.inference.arch.TinyArchs.write(dev.kindling.inference.arch.TinyArchs.byName("llama"), teacher, null);
        dev.kindling.inference.hf.HfDirectoryTest.writeTokenizer(teacher);
        Files.writeString(teacher.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"temperature\": 0.9, \"top_k\": 20, \"max_new_tokens\": 12}");
        Path in = prompts("sft-auto", List.of("a b", "b a b"), null);
        List<Map<String, String>> answers = new ArrayList<>();
        for (String[] options : new String[][] {{"--generation-config", "auto"}, {"--temperature", "0.9", "--top-k", "20", "--max-tokens", "12"}}) {
            Path out = tmp.resolve("sft-auto-out-" + answers.size());
            List<String> args = new ArrayList<>(List.of("distill", "sft", "--no-progress", "--teacher", teacher.toString(), "--threads",
                    "1", "--prompts", in.toString(), "--output", out.toString(), "--seed", "5"));
            args.addAll(List.of(options));
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            if (answers.isEmpty()) {
                assertTrue(r.out().contains("sft: teacher --generation-config auto: --temperature 0.9, --top-k 20, --max-tokens 12 from "
                        + teacher + "/generation_config.json"), r.out());
            }
            Map<String, String> byId = new HashMap<>();
            for (JsonNode row : Cli.outputRows(out)) {
                JsonNode messages = row.get("messages");
                byId.put(Cli.text(row, "id"), messages == null || messages.isNull() ? null : Cli.text(messages.get(1), "content"));
            }
            answers.add(byId);
        }
        assertEquals(answers.get(1), answers.get(0));
    }

    /** Settings that make every dpo sample one answer, and options that would be ignored, are refused before Spark starts. */
    @Test
    void distillRefusesSettingsThatWouldWasteTheRun() throws Exception {
        Path in = prompts("refused", PROMPTS, null);
        String m = model().toString();
        Path noPlaceholder = Files.writeString(tmp.resolve("bad-rubric.txt"), "Rate this: {instruction}\n");
        Path notAModel = Files.writeString(tmp.resolve("fake.gguf"), "not a model");
        Map<List<String>, String> refused = new java.util.LinkedHashMap<>();
        refused.put(List.of("distill", "dpo", "-t", m, "--prompts", in.toString(), "-o", "x", "--min-p", "1"), "--min-p 1 (greedy)");
        refused.put(List.of("distill", "dpo", "-t", m, "--prompts", in.toString(), "-o", "x", "--max-tokens", "0"), "--max-tokens 0");
        refused.put(List.of("distill", "dpo", "-t", m, "--prompts", in.toString(), "-o", "x", "--samples", "100000"),
                "--samples must be in 2..1024, got 100000");
        refused.put(List.of("distill", "dpo", "-t", m, "--prompts", in.toString(), "-o", "x", "--rubric", noPlaceholder.toString()),
                "--rubric: rubric bad-rubric.txt has no {response} placeholder");
        // an id past stories260K's 512 is never sampled: the teacher would answer on as if no id were given
        refused.put(List.of("distill", "sft", "-t", m, "--prompts", in.toString(), "-o", "x", "--stop-token-ids", "1,512"),
                "--stop-token-ids 512 is outside the vocabulary of " + m + " (0..511)");
        refused.put(List.of("distill", "self-instruct", "-t", m, "--seed-tasks", in.toString(), "-o", "x", "--num", "2",
                "--instruction-column", "prompt", "--stop-token-ids", "600"), "--stop-token-ids 600 is outside the vocabulary of");
        // a teacher that answers nothing: every sft row was rejected as sft:empty_answer (exit 0), and self-instruct ran its
        // rounds to the end to keep none
        refused.put(List.of("distill", "sft", "-t", m, "--prompts", in.toString(), "-o", "x", "--max-tokens", "0"),
                "sft: --max-tokens 0 gives an empty answer to every prompt");
        refused.put(List.of("distill", "self-instruct", "-t", m, "--seed-tasks", in.toString(), "-o", "x", "--num", "2",
                "--instruction-column", "prompt", "--max-tokens", "0"), "self-instruct: --max-tokens 0 lets the teacher write no instruction");
        // the judge's written answer: its length was ignored with logprobs, and a negative one failed after Spark started
        refused.put(List.of("distill", "dpo", "-t", m, "--prompts", in.toString(), "-o", "x", "--judge-method", "logprobs",
                "--judge-max-tokens", "64"), "--judge-max-tokens applies with --judge-method auto");
        refused.put(List.of("distill", "dpo", "-t", m, "--prompts", in.toString(), "-o", "x", "--judge-max-tokens", "-1"),
                "--judge-max-tokens must be >= 0, got -1");
        refused.put(List.of("distill", "sft", "-t", notAModel.toString(), "--prompts", in.toString(), "-o", "x", "--chat", "on"),
                "--teacher " + notAModel + " is not a model: it starts with the bytes 6e 6f 74 20");
        refused.put(List.of("distill", "self-instruct", "-t", m, "--seed-tasks", in.toString(), "-o", "x", "--num", "2",
                "--instruction-column", "nosuch", "--text-column", "prompt"), "--instruction-column and --text-column name the same column");
        refused.put(List.of("distill", "self-instruct", "-t", m, "--seed-tasks", in.toString(), "-o", "x", "--num", "2",
                "--id-column", "id"), "--id-column: self-instruct writes new instructions");
        for (Map.Entry<List<String>, String> e : refused.entrySet()) {
            List<String> args = new ArrayList<>(e.getKey());
            args.addAll(List.of("--master", "bogus://x"));
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), e.getKey() + ": " + r);
            assertTrue(r.err().contains(e.getValue()), e.getKey() + ": " + r.err());
        }
    }

    static final List<String> SEEDS = List.of("Write a short story about a dog who finds a ball.",
            "Give three tips for making friends at school.", "Explain why the sky is blue to a five year old.",
            "Describe a rainy day in the park.", "List four animals that live on a farm.",
            "Tell a story about a girl and her red hat.", "Suggest a name for a friendly cat.",
            "Write a poem about the sun and the moon.", "Explain how to plant a seed in a garden.",
            "Describe what a bird sees when it flies over a town.");

    @Test
    void selfInstructKeepsNovelInstructionsOfSaneLength() throws Exception {
        SparkSession spark = TestSpark.session();
        Path seeds = tmp.resolve("seeds.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < SEEDS.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "seed_task_" + i, "instruction", SEEDS.get(i))));
        }
        Files.write(seeds, lines, StandardCharsets.UTF_8);
        List<List<String>> runs = new ArrayList<>();
        List<JsonNode> stats = new ArrayList<>();
        // the first run on 1 shuffle partition, the second with the seeds in three files (the first the shortest), on 7
        // without AQE and with every task's first attempt killed: the same seeds in the same order, and each round's answers
        // taken in prompt order, give the same instructions and counts
        Path seedFiles = jsonl("seeds-in-three", lines, 3);
        int killed = 0;
        for (String name : List.of("si-a", "si-b")) {
            Path out = tmp.resolve(name);
            Cli.Result[] ran = new Cli.Result[1];
            Runnable selfInstruct = () -> ran[0] = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", model().toString(),
                    "--threads", "2", "--seed-tasks", (name.equals("si-a") ? seeds : seedFiles).toString(), "--num", "4",
                    "--prompts-per-round", "3", "--max-rounds", "2", "--max-tokens", "40", "--seed", "3", "--stop", ".",
                    "--output", out.toString(), "--stats", tmp.resolve(name + ".json").toString());
            if (name.equals("si-a")) {
                onOnePartition(selfInstruct);
            } else {
                killed = onSevenPartitionsWithoutAqeKillingFirstAttempts(selfInstruct);
            }
            Cli.Result r = ran[0];
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("self-instruct: 10 seed tasks"), r.out());
            // --stats says what the summary says, and the teacher answered each round's 3 prompts
            stats.add(selfInstructStats(r, tmp.resolve(name + ".json"), out));
            assertTrue(r.out().contains("teacher: " + 3 * stats.get(stats.size() - 1).at("/metrics/rounds").asLong() + " rows (0 failed)"), r.out());
            // the line says how it counted: once, as the rows above show with every first attempt killed
            assertTrue(r.out().contains("(counted in each round's collect, each prompt once)"), r.out());
            List<String> kept = new ArrayList<>();
            for (JsonNode row : Cli.outputRows(out)) {
                String instruction = Cli.text(row, "instruction");
                kept.add(instruction);
                assertEquals(Prompts.sha256Hex(instruction), Cli.text(row, "id"));
                int words = instruction.split(" ").length;
                assertTrue(words >= 4 && words <= 150, instruction);
                assertNotNull(Cli.text(row, "round"));
                assertEquals("stories260K.gguf", Cli.text(row, "model"));
            }
            // stories260K never ends an answer within 40 tokens, and the cut last instruction of an answer is dropped: the
            // stop string ends answers, so that instructions are kept and the checks below check something
            assertTrue(kept.size() >= 1 && kept.size() <= 4, kept.toString());
            runs.add(kept);
        }
        assertTrue(killed > 0, "no first attempt was killed");
        assertEquals(runs.get(0), runs.get(1), "the same seed gives the same instructions");
        assertEquals(stats.get(0).get("stages"), stats.get(1).get("stages"), "and the same accounting");
        assertEquals(stats.get(0).get("seed_tasks"), stats.get(1).get("seed_tasks"));
        assertEquals(stats.get(0).get("metrics"), stats.get(1).get("metrics"), "the teacher's tokens too");
        assertTrue(stats.get(0).get("documents_dropped").asLong() > 0, "some candidates were dropped: " + stats.get(0));
        // novelty: every kept instruction is below 0.7 ROUGE-L against the seeds and the ones kept before it
        List<String> pool = new ArrayList<>(SEEDS);
        for (String k : runs.get(0)) {
            for (String p : pool) {
                assertTrue(RougeL.fmeasure(k, p) < 0.7, k + " vs " + p);
            }
            pool.add(k);
        }
    }

    /**
     * A corpus given as --seed-tasks is refused, exit 2, before it is collected whole onto the driver: by its bytes as listed,
     * before anything is read (a sparse file, never read), and by its rows, read no further than one past the bound.
     */
    @Test
    void selfInstructRefusesACorpusAsSeedTasks() throws Exception {
        TestSpark.session();
        Path big = tmp.resolve("corpus.jsonl");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(big.toFile(), "rw")) {
            f.setLength(DistillCommand.SelfInstructCommand.MAX_SEED_BYTES + 1);
        }
        Path many = Files.writeString(tmp.resolve("many-seeds.jsonl"),
                "{\"instruction\": \"Name a colour.\"}\n".repeat(DistillCommand.SelfInstructCommand.MAX_SEED_ROWS + 1));
        Map<Path, String> refused = Map.of(big, "--seed-tasks " + big + " holds 67,108,865 bytes, over the 64 MiB a seed file may hold",
                many, "--seed-tasks " + many + " holds over 10,000 rows, the most a seed file may hold");
        for (Map.Entry<Path, String> e : refused.entrySet()) {
            // an earlier run's output and --stats, which a refused run under --overwrite leaves as they were
            Path out = Files.createDirectories(tmp.resolve("si-" + e.getKey().getFileName()));
            Files.writeString(out.resolve("part-00000.json"), "{}\n");
            Files.writeString(out.resolve("_SUCCESS"), "");
            Path stats = Files.writeString(tmp.resolve("si-stats-" + e.getKey().getFileName()), "{}");
            Cli.Result r = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", model().toString(), "--seed-tasks",
                    e.getKey().toString(), "--num", "1", "--output", out.toString(), "--stats", stats.toString(), "--overwrite");
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(e.getValue()) && r.err().contains("(Self-Instruct's 175)"), r.err());
            assertTrue(Files.exists(stats) && Files.exists(out.resolve("part-00000.json")), "the earlier run's --stats and output are kept");
        }
        // a seed file whose name the glob misses is refused as an input is, with its escaped name: the size check globbed
        // unchecked, so corpus[1].jsonl was measured as corpus1.jsonl, another file, and refused for that file's bytes
        Path named = Files.writeString(tmp.resolve("corpus[1].jsonl"), "{\"instruction\": \"Name a colour.\"}\n");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(tmp.resolve("corpus1.jsonl").toFile(), "rw")) {
            f.setLength(DistillCommand.SelfInstructCommand.MAX_SEED_BYTES + 1);
        }
        Cli.Result r = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", model().toString(), "--seed-tasks",
                named.toString(), "--num", "1", "--output", tmp.resolve("si-named").toString());
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(named + " matches ") && r.err().contains("corpus1.jsonl as a glob")
                && r.err().contains(tmp.resolve("corpus\\[1\\].jsonl").toString()), r.err());
    }

    /**
     * Seed rows the reader sets aside are said, and with --on-error quarantine written aside: the quarantine was checked and
     * claimed but never written, so an unreadable seed was dropped unsaid.
     */
    @Test
    void selfInstructQuarantinesAndCountsTheSeedRowsItCannotRead() throws Exception {
        SparkSession spark = TestSpark.session();
        Path seeds = tmp.resolve("seeds-with-bad-rows.jsonl");
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        for (String s : SEEDS) {
            bytes.write((JSON.writeValueAsString(Map.of("instruction", s)) + "\n").getBytes(StandardCharsets.UTF_8));
        }
        bytes.write("{\"instruction\": \"Tell a story about a \u00ff".getBytes(StandardCharsets.ISO_8859_1)); // not UTF-8
        bytes.write(" boat.\"}\n{\"instruction\": \"\"}\n".getBytes(StandardCharsets.UTF_8));
        Files.write(seeds, bytes.toByteArray());
        Path out = tmp.resolve("si-quarantine");
        Path quarantine = tmp.resolve("si-quarantine-bad");
        Path stats = tmp.resolve("si-stats.json");
        Cli.Result r = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", model().toString(), "--threads", "2",
                "--seed-tasks", seeds.toString(), "--num", "1", "--prompts-per-round", "2", "--max-rounds", "2",
                "--max-tokens", "40", "--seed", "3", "--stop", ".", "--output", out.toString(),
                "--on-error", "quarantine", "--quarantine", quarantine.toString(), "--stats", stats.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("self-instruct: 10 seed tasks (2 rows set aside: read:empty_text 1, read:invalid_utf8 1)"), r.out());
        // --stats: the seed rows read and set aside beside the candidate instructions
        JsonNode report = selfInstructStats(r, stats, out);
        assertEquals(List.of(12L, 10L, 2L, 1L, 1L), List.of(report.at("/seed_tasks/in").asLong(), report.at("/seed_tasks/kept").asLong(),
                report.at("/seed_tasks/dropped").asLong(), report.at("/seed_tasks/reasons/empty_text").asLong(),
                report.at("/seed_tasks/reasons/invalid_utf8").asLong()), report.toString());
        assertTrue(r.out().contains("(bad rows: " + quarantine + ")"), r.out());
        List<JsonNode> bad = Cli.outputRows(quarantine);
        assertEquals(1, bad.size(), bad.toString());
        assertEquals("read:invalid_utf8", Cli.text(bad.get(0), "reason"));
        JsonNode line = bad.get(0).get("source_line");
        assertTrue(line != null && line.isIntegralNumber(), bad.toString());
        assertEquals(11L, line.longValue());
    }

    /** When every teacher generation of a round fails, the run stops with the first error (it exited 0 with no output). */
    @Test
    void selfInstructFailsWhenEveryGenerationFails() throws Exception {
        TestSpark.session();
        Path seeds = tmp.resolve("long-seeds.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "s" + i, "instruction", "Tell a story about a dog and a cat. ".repeat(150))));
        }
        Files.write(seeds, lines, StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", model().toString(), "--threads", "2",
                "--seed-tasks", seeds.toString(), "--num", "2", "--prompts-per-round", "2", "--max-rounds", "3",
                "--max-tokens", "8", "--output", tmp.resolve("si-fail").toString(), "--stats", tmp.resolve("si-fail.json").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("teacher generations of round 0 failed") && r.err().contains("context"), r.err());
        // the prompt is self-instruct's, built from the seed tasks and --shots: its remedies, not the Generate stage's setter
        assertTrue(r.err().contains(SelfInstruct.LONG_PROMPT_ADVICE) && !r.err().contains("setTruncatePrompts"), r.err());
        assertFalse(Files.exists(tmp.resolve("si-fail")), "no output left behind");
        assertFalse(Files.exists(tmp.resolve("si-fail.json")), "--stats only when the run succeeds");
        // the API's stage advises the same (its teacher is the caller's Generate, which would name its own setter)
        List<String> longSeeds = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            longSeeds.add("Tell a story about a dog and a cat. ".repeat(150));
        }
        dev.kindling.spark.inference.Generate teacher = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(8);
        dev.kindling.spark.KindlingException api = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> new SelfInstruct(teacher, "stories260K", SelfInstruct.Options.paper(2, 1)).run(TestSpark.session(), longSeeds));
        assertTrue(api.getMessage().contains(SelfInstruct.LONG_PROMPT_ADVICE), api.getMessage());

        // answers that all run out of tokens keep no instruction: a failure, not an empty output and exit 0
        Path shortSeeds = tmp.resolve("short-seeds.jsonl");
        Files.write(shortSeeds, List.of(JSON.writeValueAsString(Map.of("instruction", SEEDS.get(0))),
                JSON.writeValueAsString(Map.of("instruction", SEEDS.get(1)))), StandardCharsets.UTF_8);
        Cli.Result none = Cli.run("distill", "self-instruct", "--no-progress", "--teacher", model().toString(), "--threads", "2",
                "--seed-tasks", shortSeeds.toString(), "--num", "2", "--prompts-per-round", "2", "--max-rounds", "1",
                "--max-tokens", "6", "--output", tmp.resolve("si-none").toString());
        assertEquals(1, none.code(), none.toString());
        assertTrue(none.err().contains("self-instruct: kept none of") && none.err().contains(" after 1 round (dropped: truncated")
                && none.err().contains("nothing written"), none.err());
        assertFalse(Files.exists(tmp.resolve("si-none")), "no empty output");
    }

    /** Through the API as on the command line, a teacher limited to 0 tokens is refused: it answers nothing. */
    @Test
    void teacherThatAnswersNothingIsRefusedByTheStages() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time"), org.apache.spark.sql.Encoders.STRING()).toDF("prompt");
        dev.kindling.spark.inference.Generate g = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(0);
        dev.kindling.spark.KindlingException sft = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> new Sft(g, "stories260K").transform(prompts).collectAsList());
        assertTrue(sft.getMessage().contains("sft: maxTokens 0 gives an empty answer to every prompt"), sft.getMessage());
        dev.kindling.spark.KindlingException si = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> new SelfInstruct(g, "stories260K", SelfInstruct.Options.paper(2, 1)).run(spark, SEEDS));
        assertTrue(si.getMessage().contains("the teacher's maxTokens is 0"), si.getMessage());
    }

    /** The API form gives the documented columns only (a pipeline counter, _kindling_row_errors, leaked into it). */
    @Test
    void sftApiGivesTheDocumentedColumns() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time", "Tom had a ball."), org.apache.spark.sql.Encoders.STRING())
                .toDF("prompt");
        dev.kindling.spark.inference.Generate g = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(6);
        Dataset<Row> sft = new Sft(g, "stories260K").transform(prompts);
        assertEquals(List.of("prompt_id", "prompt", "messages", "completion", "finish_reason", "model", "error", "reason"),
                List.of(sft.columns()));
        assertEquals(2, sft.filter("error IS NULL AND reason IS NULL AND size(messages) = 2").count());
        // a null prompt is a rejected row with its reason (it came out empty, with no error and no reason, like a kept row)
        Dataset<Row> withNull = spark.createDataset(java.util.Arrays.asList("Once upon a time", null), org.apache.spark.sql.Encoders.STRING())
                .toDF("prompt");
        assertEquals(List.of("sft:null_prompt"), new Sft(g, "stories260K").transform(withNull).filter("reason IS NOT NULL")
                .select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        // so is an empty or blank one, as the CLI's reader sets it aside (read:empty_text): it was answered from BOS and
        // kept, a conversation whose user turn says nothing
        Dataset<Row> withBlank = spark.createDataset(List.of("Once upon a time", "", " \n\u00a0"), org.apache.spark.sql.Encoders.STRING())
                .toDF("prompt");
        assertEquals(List.of("sft:empty_prompt", "sft:empty_prompt"), new Sft(g, "stories260K").transform(withBlank)
                .filter("reason IS NOT NULL").select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
        dev.kindling.spark.inference.Generate sampler = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(6).setN(2).setTemperature(0.8);
        dev.kindling.spark.inference.Judge j = new dev.kindling.spark.inference.Judge().setModel(model().toString()).setThreads(2)
                .setMethod("logprobs");
        assertEquals(List.of("dpo:empty_prompt"), new Dpo(sampler, j, "stories260K").transform(withBlank.filter("prompt = ''"))
                .select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }

    /**
     * An answer with no text (the teacher ended at once, or a stop string cut it to nothing) is rejected as
     * sft:empty_answer: it was a kept row whose conversation ends in an empty assistant turn, which SFTTrainer trains on
     * as "answer nothing".
     */
    @Test
    void sftRejectsEmptyAnswers() {
        SparkSession spark = TestSpark.session();
        // stories260K greedily continues "Once upon a time" with ", there was", "One day, Tom saw a big cat in the park."
        // with " He was" and "Sue and the bird went to" with " the park.": the stop strings leave nothing, a space, and
        // an answer
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time", "One day, Tom saw a big cat in the park.",
                "Sue and the bird went to"), org.apache.spark.sql.Encoders.STRING()).toDF("prompt");
        dev.kindling.spark.inference.Generate g = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(6).setStop(",", "He");
        Map<String, Row> byPrompt = new HashMap<>();
        for (Row row : new Sft(g, "stories260K").transform(prompts).collectAsList()) {
            byPrompt.put(row.getAs("prompt"), row);
        }
        for (String p : List.of("Once upon a time", "One day, Tom saw a big cat in the park.")) {
            Row empty = byPrompt.get(p);
            assertEquals("sft:empty_answer", empty.getAs("reason"), empty.toString());
            assertNull(empty.getAs("error"));
        }
        Row kept = byPrompt.get("Sue and the bird went to");
        assertNull(kept.getAs("reason"), kept.toString());
        List<Row> messages = kept.getList(kept.fieldIndex("messages"));
        assertEquals(" the park. They", messages.get(1).getString(1), kept.toString());
    }

    /**
     * A blank sample is not a candidate: a judge that rated one highest made an empty answer the chosen one, and the
     * pair taught the policy to answer nothing. With the blank ones left out, fewer than two rated candidates carry no
     * pair, as for unrated ones.
     */
    @Test
    void dpoLeavesBlankSamplesOutOfThePair() {
        scala.collection.Seq<Row> judgments = judgments(5.0, 4.0, 3.0, 1.0);
        Row pair = Dpo.pick(seq("", "Two, three and five.", " \n", "Four."), judgments, null, 1);
        assertEquals(List.of("Two, three and five.", "Four.", 4.0, 1.0, "ok"), List.of(pair.get(0), pair.get(1), pair.get(2),
                pair.get(3), pair.get(4)));
        assertEquals("too_few_ratings", Dpo.pick(seq("", "Four.", "\t", " "), judgments, null, 1).getString(4));
    }

    /**
     * With setDropTruncated (--drop-truncated), a sample cut by the token limit is not a candidate: it ends mid-sentence,
     * and as the chosen answer (a judge rates a long cut answer well) the trainer's chat template closes the turn after it,
     * teaching the policy to stop there. Without the option, dpo had no way to keep such answers out of its pairs.
     */
    @Test
    void dpoDropTruncatedLeavesCutSamplesOutOfThePair() {
        Row pair = Dpo.pick(seq("Two, three and", "Two, three and five.", "Four."), judgments(5.0, 4.0, 1.0),
                seq("length", "stop", "stop"), 1);
        assertEquals(List.of("Two, three and five.", "Four.", "ok"), List.of(pair.get(0), pair.get(1), pair.get(4)));
        assertEquals("Two, three and", Dpo.pick(seq("Two, three and", "Two, three and five.", "Four."), judgments(5.0, 4.0, 1.0),
                null, 1).get(0), "kept without the option");

        // stories260K never ends an answer within 3 tokens: every sample is cut, no pair is left
        SparkSession spark = TestSpark.session();
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time"), org.apache.spark.sql.Encoders.STRING()).toDF("prompt");
        dev.kindling.spark.inference.Generate sampler = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(3).setN(3).setTemperature(1.0).setSeed(5);
        dev.kindling.spark.inference.Judge j = new dev.kindling.spark.inference.Judge().setModel(model().toString()).setThreads(2)
                .setMethod("logprobs");
        assertEquals(List.of("dpo:too_few_ratings"), new Dpo(sampler, j, "stories260K").setDropTruncated(true).transform(prompts)
                .select("reason").as(org.apache.spark.sql.Encoders.STRING()).collectAsList());
    }

    /**
     * Chosen and rejected are two different answers: a sample with the text of an earlier one is that answer again, so a
     * judge that rated the two copies differently (a judge whose numbers depend on what it ran beside, as a batched GPU
     * judge's can) made one answer both chosen and rejected, a pair with no preference in it.
     */
    @Test
    void dpoNeverPairsAnAnswerWithItself() {
        Row same = Dpo.pick(seq("Two, three and five.", "Two, three and five."), judgments(4.0, 3.0), null, 1);
        assertEquals(List.of("tied_ratings", 4.0, 4.0), List.of(same.get(4), same.get(2), same.get(3)),
                "the copy keeps its first rating: one answer, rated alike");
        Row pair = Dpo.pick(seq("Two, three and five.", "Four.", "Two, three and five."), judgments(5.0, 3.0, 1.0), null, 1);
        assertEquals(List.of("Two, three and five.", "Four.", 5.0, 3.0, "ok"), List.of(pair.get(0), pair.get(1), pair.get(2),
                pair.get(3), pair.get(4)));
    }

    private static scala.collection.Seq<String> seq(String... items) {
        return scala.jdk.CollectionConverters.ListHasAsScala(List.of(items)).asScala().toSeq();
    }

    private static scala.collection.Seq<Row> judgments(double... ratings) {
        List<Row> rows = new ArrayList<>();
        for (double r : ratings) {
            rows.add(org.apache.spark.sql.RowFactory.create(r, "parsed", String.valueOf((int) r), null));
        }
        return scala.jdk.CollectionConverters.ListHasAsScala(rows).asScala().toSeq();
    }

    /**
     * Sft and Dpo leave the stages they are given as they were (they set the teacher's output column, prompt column and n,
     * and the judge's columns, on the caller's objects: a later teacher.transform wrote "_answer"), and a system prompt
     * set on the teacher is the conversation's (Sft replaced it with none); the teacher reads it through its chat template.
     */
    @Test
    void sftAndDpoLeaveTheirTeacherAndJudgeAsTheyWere() throws Exception {
        SparkSession spark = TestSpark.session();
        Dataset<Row> prompts = spark.createDataset(List.of("Once upon a time"), org.apache.spark.sql.Encoders.STRING()).toDF("prompt");
        dev.kindling.spark.inference.Generate g = new dev.kindling.spark.inference.Generate()
                .setModel(dev.kindling.spark.inference.Stories.withChatTemplate(tmp).toString()).setChat("auto")
                .setThreads(2).setMaxTokens(4).setSystemPrompt("Tell a story.");
        Row sft = new Sft(g, "stories260K").transform(prompts).first();
        List<Row> messages = sft.getList(sft.fieldIndex("messages"));
        assertEquals(List.of("system", "user", "assistant"), List.of(messages.get(0).getString(0), messages.get(1).getString(0),
                messages.get(2).getString(0)));
        assertEquals("Tell a story.", messages.get(0).getString(1));
        assertEquals("generation", g.getOutputCol());
        assertEquals("Tell a story.", g.getOrDefault(g.systemPrompt()));
        assertEquals(List.of("prompt", "generation", "error"), List.of(g.transform(prompts).columns()));

        g.setN(2).setTemperature(0.8).setSeed(1).setSystemPrompt("");
        dev.kindling.spark.inference.Judge j = new dev.kindling.spark.inference.Judge().setModel(model().toString()).setThreads(2)
                .setMethod("logprobs");
        assertEquals(1, new Dpo(g, j, "stories260K").transform(prompts).count());
        assertEquals("generation", g.getOutputCol());
        assertEquals(List.of("completion", "judgment"), List.of(j.getOrDefault(j.responseCol()), j.getOrDefault(j.outputCol())));
    }

    /** Kills every task's first attempt as it starts (with an interrupt, as Spark kills a speculative copy), counting the kills. */
    static final class KillFirstAttempts extends org.apache.spark.scheduler.SparkListener {
        final java.util.concurrent.atomic.AtomicInteger killed = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public void onTaskStart(org.apache.spark.scheduler.SparkListenerTaskStart start) {
            if (start.taskInfo().attemptNumber() == 0) {
                TestSpark.session().sparkContext().killTaskAttempt(start.taskInfo().taskId(), true, "test: every first attempt killed");
            }
        }

        @Override
        public void onTaskEnd(org.apache.spark.scheduler.SparkListenerTaskEnd end) {
            if (end.reason() instanceof org.apache.spark.TaskKilled) {
                killed.incrementAndGet();
            }
        }
    }

    /** Runs {@code action} on 1 shuffle partition (the session's setting again after it). */
    static void onOnePartition(Runnable action) {
        org.apache.spark.sql.RuntimeConfig conf = TestSpark.session().conf();
        String partitions = conf.get("spark.sql.shuffle.partitions");
        try {
            conf.set("spark.sql.shuffle.partitions", "1");
            action.run();
        } finally {
            conf.set("spark.sql.shuffle.partitions", partitions);
        }
    }

    /**
     * Runs {@code action} on 7 shuffle partitions with AQE off (the session's settings again after it) and with every task's
     * first attempt killed; the attempts killed.
     */
    static int onSevenPartitionsWithoutAqeKillingFirstAttempts(Runnable action) {
        org.apache.spark.sql.RuntimeConfig conf = TestSpark.session().conf();
        String partitions = conf.get("spark.sql.shuffle.partitions");
        String aqe = conf.get("spark.sql.adaptive.enabled");
        KillFirstAttempts killer = new KillFirstAttempts();
        try {
            conf.set("spark.sql.shuffle.partitions", "7");
            conf.set("spark.sql.adaptive.enabled", "false");
            TestSpark.listening(killer, action);
        } finally {
            conf.set("spark.sql.shuffle.partitions", partitions);
            conf.set("spark.sql.adaptive.enabled", aqe);
        }
        return killer.killed.get();
    }

    /** {@code lines} as JSON Lines in {@code files} files of {@code dir}, the first file the shortest (a reader in size order reads it last). */
    static Path jsonl(String dir, List<String> lines, int files) throws Exception {
        Path d = tmp.resolve(dir);
        Files.createDirectories(d);
        for (int f = 0, from = 0; f < files; f++) {
            int to = f == files - 1 ? lines.size() : Math.min(lines.size(), from + f + 1);
            Files.write(d.resolve("part-" + f + ".jsonl"), lines.subList(from, to), StandardCharsets.UTF_8);
            from = to;
        }
        return d;
    }

    /** A folder's output rows as JSON text, sorted, and its manifest's; a --stats file without its seconds. */
    static List<String> outputOf(Path out, Path stats) throws Exception {
        List<String> rows = new ArrayList<>();
        for (JsonNode row : Cli.outputRows(out)) {
            rows.add(row.toString());
        }
        java.util.Collections.sort(rows);
        if (Files.exists(out.resolve("_manifest.json"))) {
            rows.add(JSON.readTree(out.resolve("_manifest.json").toFile()).toString());
        }
        com.fasterxml.jackson.databind.node.ObjectNode report = (com.fasterxml.jackson.databind.node.ObjectNode) JSON.readTree(stats.toFile());
        report.remove("seconds");
        rows.add(report.toString());
        return rows;
    }

    /**
     * With a seed, generate's samples, sft's answers and dpo's pairs, their manifests and --stats (teacher and judge tokens
     * included) are the same whether the input is one file or three, on 1 or 7 shuffle partitions with AQE on or off, and with
     * every task's first attempt killed: each row's seed derives from the seed and its prompt, never from its partition or
     * position, and a killed attempt counts nothing (self-instruct: selfInstructKeepsNovelInstructionsOfSaneLength).
     */
    @Test
    void generationAndDistillationGiveTheSameRowsWhateverTheFilesPartitionsAndRetries() throws Exception {
        SparkSession spark = TestSpark.session();
        List<String> prompts = new ArrayList<>();
        for (int i = 0; i < PROMPTS.size(); i++) {
            prompts.add(JSON.writeValueAsString(Map.of("id", "p" + i, "prompt", PROMPTS.get(i))));
        }
        Path rubric = tmp.resolve("same-rubric.txt");
        Files.writeString(rubric, "Rate the answer from 1 to 5.\nQuestion: {instruction}\nAnswer: {response}\n");
        List<List<String>> runs = new ArrayList<>();
        int killed = 0;
        for (int files : new int[] {1, 3}) {
            String run = "same-" + files;
            Path in = jsonl(run + "-prompts", prompts, files);
            List<String> got = new ArrayList<>();
            Runnable commands = () -> {
                for (String[] args : List.of(
                        new String[] {"generate", "--model", model().toString(), "-i", in.toString(), "--samples", "2",
                                "--temperature", "0.8", "--seed", "5", "--max-tokens", "12"},
                        new String[] {"distill", "sft", "--teacher", model().toString(), "--temperature", "0.8", "--seed", "7",
                                "--max-tokens", "10", "--prompts", in.toString()},
                        new String[] {"distill", "dpo", "--teacher", model().toString(), "--judge", model().toString(), "--samples", "3",
                                "--seed", "11", "--max-tokens", "10", "--rubric", rubric.toString(), "--judge-method", "logprobs",
                                "--prompts", in.toString()})) {
                    Path out = tmp.resolve(run + "-" + args[args[0].equals("distill") ? 1 : 0]);
                    Path stats = tmp.resolve(out.getFileName() + ".json");
                    List<String> all = new ArrayList<>(List.of(args));
                    all.addAll(List.of("--no-progress", "--threads", "2", "--output", out.toString(), "--stats", stats.toString()));
                    Cli.Result r = Cli.run(all.toArray(new String[0]));
                    assertEquals(0, r.code(), r.toString());
                    try {
                        got.addAll(outputOf(out, stats));
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }
            };
            if (files == 1) {
                onOnePartition(commands);
            } else {
                killed = onSevenPartitionsWithoutAqeKillingFirstAttempts(commands);
            }
            runs.add(got);
        }
        assertTrue(killed > 0, "no first attempt was killed");
        assertEquals(runs.get(0).size(), runs.get(1).size());
        for (int i = 0; i < runs.get(0).size(); i++) {
            assertEquals(runs.get(0).get(i).replace("same-1", "same-N"), runs.get(1).get(i).replace("same-3", "same-N"), "line " + i
                    + " (" + killed + " first attempts killed)");
        }
    }

    /** A later round failing entirely stops the run and keeps what the earlier rounds kept, saying why. */
    @Test
    void selfInstructKeepsEarlierRoundsWhenALaterRoundFails() {
        SparkSession spark = TestSpark.session();
        dev.kindling.spark.inference.Generate g = new dev.kindling.spark.inference.Generate().setModel(model().toString())
                .setThreads(2).setMaxTokens(40).setTemperature(0.7).setTopP(0.5).setSeed(3);
        SelfInstruct.Options o = new SelfInstruct.Options(100, 4, 5, 8, 2, 0.7, 3, 150, true, 3);
        // rounds after the first: every answer null with an error, as the teacher reports a failed row; the first round's
        // answers as if the teacher had ended them (stories260K runs to the token limit, and a cut answer's last
        // instruction, here its only one, is dropped)
        SelfInstruct si = new SelfInstruct(g, "stories260K.gguf", o, (teacher, df) -> {
            Dataset<Row> out = teacher.transform(df);
            org.apache.spark.sql.Column first = org.apache.spark.sql.functions.col("id").startsWith("r00000");
            return out.withColumn("_answer", org.apache.spark.sql.functions.when(first, out.col("_answer")
                            .withField("finish_reason", org.apache.spark.sql.functions.lit("stop"))))
                    .withColumn(teacher.getErrorCol(), org.apache.spark.sql.functions.when(first, out.col(teacher.getErrorCol()))
                            .otherwise("injected: the teacher is gone"));
        });
        SelfInstruct.Result r = si.run(spark, SEEDS);
        assertFalse(r.instructions().isEmpty(), "round 0 keeps some instructions");
        for (Row row : r.instructions()) {
            assertEquals(0, row.getInt(2), "the round column");
        }
        assertEquals(2, r.rounds());
        assertEquals(4, r.failedAnswers());
        assertEquals(null, r.dropped().get("generation_failed"), "answers are not candidates");
        assertEquals(r.candidates(), r.instructions().size() + r.dropped().values().stream().mapToLong(Long::longValue).sum(),
                "kept + dropped = candidates");
        assertEquals("all 4 teacher generations of round 1 failed, the first with: injected: the teacher is gone", r.stoppedBy());
        assertEquals(r.instructions().size(), r.toDataFrame(spark).count());
        // the teacher's counters add up both rounds' (the injected failures came after it, which answered every prompt)
        assertEquals(List.of(8L, 0L), List.of(si.teacherMetrics().rows(), si.teacherMetrics().failedRows()));
        assertTrue(si.teacherMetrics().promptTokens() > 0 && si.teacherMetrics().generatedTokens() > 0);
        // the caller's teacher is as it was (run() set its prompt column, chat mode, n and output column: "_answer")
        assertEquals("generation", g.getOutputCol());
    }

    @Test
    void selfInstructParsingAndFilters() {
        assertEquals(List.of("Write a poem about cats.", "Summarize the text below.", "List three colors."),
                SelfInstruct.parse(" Write a poem about cats.\nTask 10: Summarize the text below.\nTask 11:   List three   colors.\n"));
        // a task named inside an instruction is no marker: only one that starts a line is ("task 2." cut the first one short)
        assertEquals(List.of("Explain the difference between task 1 and task 2.", "Finish Task 3: then say what was hard."),
                SelfInstruct.parse(" Explain the difference between task 1 and task 2.\n  Task 10: Finish Task 3: then say what was hard."));
        SelfInstruct si = new SelfInstruct(null, "m", SelfInstruct.Options.paper(10, 1));
        assertEquals("empty", si.filter(""));
        assertEquals("too_short", si.filter("Write it."));
        assertEquals("punctuation", si.filter("- write a poem about the sea"));
        assertEquals("unsuitable", si.filter("Draw a picture of a house."));
        assertEquals("unsuitable", si.filter("Write a program that sorts numbers."));
        assertEquals("unsuitable", si.filter("Describe the image in detail please."));
        assertNull(si.filter("Write a poem about the sea at night."));
        StringBuilder longOne = new StringBuilder("Explain");
        for (int i = 0; i < 160; i++) {
            longOne.append(" more");
        }
        assertEquals("too_long", si.filter(longOne.toString()));
        String prompt = si.prompt(SEEDS, List.of("Generated one about a fox.", "Generated two about a hen."), 0, 0);
        assertTrue(prompt.startsWith("Come up with a series of tasks:\n\nTask 1: "), prompt);
        assertTrue(prompt.endsWith("\nTask 9:"), prompt);
        assertTrue(prompt.contains("Generated one about a fox.") && prompt.contains("Generated two about a hen."), prompt);
        assertEquals(prompt, si.prompt(SEEDS, List.of("Generated one about a fox.", "Generated two about a hen."), 0, 0));
        SelfInstruct.Novelty n = new SelfInstruct.Novelty(0.7);
        n.add("Write a poem about the sea.");
        n.add("Give three tips for staying healthy.");
        SelfInstruct.Novelty.Match m = n.nearest("Write a short poem about the sea.");
        assertEquals("Write a poem about the sea.", m.text());
        assertEquals(RougeL.fmeasure("Write a short poem about the sea.", "Write a poem about the sea."), m.score(), 1e-12);
        assertTrue(m.score() >= 0.7);
        assertEquals(List.of("dpo"), List.of(new Dpo(null, null, "m").name()));
        assertTrue(ArrayType.class.isInstance(DataTypes.createArrayType(MESSAGE)));
    }
}
