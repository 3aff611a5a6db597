package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandsTest {
    @Test
    void generatePromptPrintsOnlyTheCompletion() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = GenerateCommand.run(new String[] {"--model", SharedData.require("llama2c/stories260K.bin").toString(),
                "--tokenizer", SharedData.require("llama2c/tok512.bin").toString(), "--prompt", "", "--max-tokens", "200",
                "--threads", "1"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        String expected = Files.readString(SharedData.require("llama2c/stories260K.expected-greedy-200steps.txt"));
        // EOS ends it here (run.c continues past EOS): the text is the expected one up to there
        String got = out.toString(StandardCharsets.UTF_8).stripTrailing();
        assertTrue(expected.startsWith(got) && got.length() > 50, got);
    }

    /**
     * {@code generate --prompt ... | head -c 10}: once stdout fails (its reader has gone), the generation stops and the
     * command exits 141 quietly, as {@code yes | head -1} does. A PrintStream swallows the broken pipe, and the engine
     * generated on to --max-tokens, writing each token to no one (minutes on a large model).
     */
    @Test
    void aPromptStopsGeneratingWhenNobodyReadsStdout() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        int[] attemptsAfterFailure = {0};
        java.io.OutputStream headOf10 = new java.io.OutputStream() {
            int accepted;
            boolean failed;

            @Override
            public void write(int b) throws java.io.IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws java.io.IOException {
                if (failed) {
                    attemptsAfterFailure[0]++;
                }
                if (accepted + len > 10) {
                    failed = true;
                    throw new java.io.IOException("Broken pipe");
                }
                accepted += len;
            }
        };
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = GenerateCommand.run(new String[] {"--model", model, "--prompt", "Once upon a time", "--max-tokens", "300",
                "--threads", "1"}, new PrintStream(headOf10, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(Utf8Console.STDOUT_CLOSED_EXIT, rc, err.toString(StandardCharsets.UTF_8));
        assertEquals("", err.toString(StandardCharsets.UTF_8), "a quiet stop");
        assertEquals(0, attemptsAfterFailure[0], "writes after stdout failed");
    }

    /**
     * A --prompt holding U+FFFD generates, with one warning line on stderr: the JVM replaces an argument's bytes that are
     * not UTF-8 by U+FFFD before any code sees them, which was silent. stdout is still the completion alone.
     */
    @Test
    void aPromptWithTheReplacementCharacterWarns() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--prompt", "Once \uFFFD time", "--max-tokens", "3",
                "--threads", "1"}, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("generate: warning: --prompt holds U+FFFD (the replacement "
                + "character) at character 6: "), err.toString(StandardCharsets.UTF_8));
        assertTrue(!out.toString(StandardCharsets.UTF_8).contains("warning"));
        err.reset();
        assertEquals(0, LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once upon", "--top", "1"},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertEquals("", err.toString(StandardCharsets.UTF_8), "no warning without U+FFFD");
    }

    @Test
    void generateRowsInAndOut(@TempDir Path dir) throws Exception {
        Path in = Files.write(dir.resolve("in.jsonl"), List.of("{\"id\":1,\"prompt\":\"Once upon\"}", "{\"id\":\"b\",\"prompt\":\"Tom\"}",
                "{\"id\":3}"));
        Path outFile = dir.resolve("out.jsonl");
        int rc = GenerateCommand.run(new String[] {"--model", SharedData.require("llama2c/stories260K.gguf").toString(),
                "--input", in.toString(), "--output", outFile.toString(), "--max-tokens", "16"}, System.out, System.err);
        assertEquals(0, rc);
        List<String> lines = Files.readAllLines(outFile);
        assertEquals(3, lines.size());
        ObjectMapper json = new ObjectMapper();
        JsonNode a = json.readTree(lines.get(0));
        assertEquals(1, a.get("id").asInt());
        assertEquals("Once upon", a.get("prompt").asText());
        assertTrue(a.get("n_tokens").asInt() > 0 && a.has("completion") && a.has("finish_reason"));
        assertEquals("b", json.readTree(lines.get(1)).get("id").asText());
        assertTrue(json.readTree(lines.get(2)).has("error"));
    }

    /**
     * stories260K ends a story by sampling BOS (id 1): llama2.c's run.c stops there, and Kindling, as llama.cpp, ran on into
     * the next story. With {@code --stop-token-ids 1} the greedy story from BOS ends there, BOS the last of its tokens (as
     * an end token is counted) and not in its text, {@code finish_reason} {@code stop}; its text begins with run.c's
     * 256-step greedy text, and the 200- and 256-step texts are reproduced as before (no BOS comes before step 345).
     */
    @Test
    void stopTokenIdsEndTheStoryWhereLlama2cStops(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.bin").toString();
        String tokenizer = SharedData.require("llama2c/tok512.bin").toString();
        Path in = Files.write(dir.resolve("in.jsonl"), List.of("{\"id\":\"story\",\"prompt\":\"\"}"));
        ObjectMapper json = new ObjectMapper();
        JsonNode[] rows = new JsonNode[2];
        String[][] stopIds = {{}, {"--stop-token-ids", "1"}};
        for (int i = 0; i < 2; i++) {
            Path out = dir.resolve("out" + i + ".jsonl");
            List<String> args = new java.util.ArrayList<>(List.of("--model", model, "--tokenizer", tokenizer, "--input", in.toString(),
                    "--output", out.toString(), "--max-tokens", "500", "--threads", "1"));
            args.addAll(List.of(stopIds[i]));
            assertEquals(0, GenerateCommand.run(args.toArray(new String[0]), System.out, System.err));
            rows[i] = json.readTree(Files.readAllLines(out).get(0));
        }
        JsonNode runOn = rows[0];
        JsonNode stopped = rows[1];
        assertEquals("length", runOn.get("finish_reason").asText(), "past BOS without stop ids");
        assertEquals(500, runOn.get("n_tokens").asInt());
        int bosAt;
        try (dev.kindling.inference.Engine e = dev.kindling.inference.Engine.open(Path.of(model),
                dev.kindling.inference.EngineOptions.defaults().withThreads(1).withTokenizer(Path.of(tokenizer)))) {
            int[] tokens = e.generate(dev.kindling.inference.GenerationRequest.of("").withMaxTokens(500)).tokens();
            bosAt = java.util.stream.IntStream.range(0, tokens.length).filter(t -> tokens[t] == 1).findFirst().orElseThrow();
        }
        assertEquals("stop", stopped.get("finish_reason").asText(), stopped.toString());
        assertEquals(bosAt + 1, stopped.get("n_tokens").asInt(), "BOS counted, as the end token is");
        String story = stopped.get("completion").asText();
        String expected256 = Files.readString(SharedData.require("llama2c/stories260K.expected-greedy-256steps.txt"));
        assertTrue(story.startsWith(expected256) && !story.contains("<s>"), story);
        String next = runOn.get("completion").asText();
        assertTrue(next.startsWith(story) && next.length() > story.length(), "the story runs on into another without the stop id");
        for (String steps : new String[] {"200", "256"}) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--tokenizer", tokenizer, "--prompt", "",
                    "--stop-token-ids", "1", "--max-tokens", steps, "--threads", "1"}, new PrintStream(out, true, StandardCharsets.UTF_8),
                    System.err));
            assertEquals(Files.readString(SharedData.require("llama2c/stories260K.expected-greedy-" + steps + "steps.txt")) + "\n",
                    out.toString(StandardCharsets.UTF_8));
        }
    }

    @Test
    void badOptionValuesAreOneUsageLineBeforeTheModelLoads() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        // each names the option as typed (the engine's own messages said "temperature must be a finite number >= 0, got NaN", without dashes)
        String[][] generate = {{"--temperature", "-1", "--temperature must be a finite number >= 0, got -1"}, {"--temperature", "hot", "--temperature"},
                {"--temperature", "NaN", "--temperature must be a finite number >= 0, got NaN"},
                {"--temperature", "1e308", "--temperature is 1e308, past the largest value it takes (3.4e38)"},
                {"--top-p", "0", "--top-p must be in (0, 1], got 0"}, {"--top-p", "1.5", "--top-p must be in (0, 1], got 1.5"},
                {"--top-k", "-3", "--top-k must be 0 or -1 (off) or at least 1, got -3"}, {"--min-p", "2", "--min-p must be in [0, 1], got 2"},
                {"--min-p", "-0.5", "--min-p must be"},
                {"--repetition-penalty", "0", "--repetition-penalty must be a finite number > 0, got 0"},
                {"--repetition-penalty", "Infinity", "--repetition-penalty must be"}, {"--frequency-penalty", "2.5", "--frequency-penalty"},
                {"--presence-penalty", "-3", "--presence-penalty"}, {"--presence-penalty", "NaN", "--presence-penalty"},
                {"--frequency-penalty", "some", "--frequency-penalty"}, {"--max-tokens", "-2", "--max-tokens"},
                {"--max-tokens", "ten", "--max-tokens"}, {"--seed", "x", "--seed"}, {"--stop", "", "--stop"},
                // stories260K has 512 ids: 512 was never sampled, and the generation ran on as if no id were given
                {"--stop-token-ids", "512", "--stop-token-ids 512 is outside the vocabulary of " + model + " (0..511)"},
                {"--stop-token-ids", "1,x", "--stop-token-ids takes token ids (integers >= 0) separated by commas, got '1,x'"},
                {"--stop-token-ids", "-1", "--stop-token-ids takes token ids"}, {"--stop-token-ids", "1,", "--stop-token-ids takes"},
                {"--kv-budget-mb", "-1", "--kv-budget-mb"}, {"--kv-budget-mb", "lots", "--kv-budget-mb"},
                // more threads than processors spun on each other: 1000 on 2 cores made a token in over 10 s, as if hung
                {"--threads", String.valueOf(Runtime.getRuntime().availableProcessors() + 1), "--threads must be 0 (every processor) to"},
                {"--threads", "-1", "--threads"}};
        for (String[] c : generate) {
            for (String[] sampler : new String[][] {{}, {"--llama2c-sampler"}}) {
                if (sampler.length > 0 && !c[0].equals("--temperature") && !c[0].equals("--top-p")) {
                    continue; // llama2.c's sampler takes temperature and top-p only
                }
                ByteArrayOutputStream err = new ByteArrayOutputStream();
                List<String> args = new java.util.ArrayList<>(List.of("--model", model, "--prompt", "Once", c[0], c[1]));
                args.addAll(List.of(sampler));
                int rc = GenerateCommand.run(args.toArray(new String[0]), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
                String line = err.toString(StandardCharsets.UTF_8);
                assertEquals(2, rc, args + ": " + line);
                assertTrue(line.startsWith("generate: ") && line.contains(c[2]) && line.strip().lines().count() == 1, args + ": " + line);
            }
        }
        // --threads 0 is every processor, as llama.cpp's -t 0 (it was "threads must be in 1..1024, got 0", not naming the option)
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--prompt", "Once", "--max-tokens", "2", "--threads", "0"},
                new PrintStream(new ByteArrayOutputStream()), System.err));
        ByteArrayOutputStream threadsErr = new ByteArrayOutputStream();
        assertEquals(2, LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once", "--threads", "1000"}, System.out,
                new PrintStream(threadsErr, true, StandardCharsets.UTF_8)));
        assertTrue(threadsErr.toString(StandardCharsets.UTF_8).startsWith("logits: --threads must be"), threadsErr.toString(StandardCharsets.UTF_8));
        for (String top : new String[] {"-1", "many"}) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once", "--top", top}, System.out,
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, rc, top + ": " + line);
            assertTrue(line.startsWith("logits: --top") && line.strip().lines().count() == 1, line);
        }
    }

    /** --llama2c-sampler with --top-k, --min-p or a penalty: they were dropped and run.c's sampler ran without them. */
    @Test
    void llama2cSamplerWithOptionsItLacksIsAUsageError() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String[][] cases = {{"--top-k", "40"}, {"--min-p", "0.1"}, {"--repetition-penalty", "1.3"}, {"--presence-penalty", "1"}};
        for (String[] c : cases) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = GenerateCommand.run(new String[] {"--model", model, "--prompt", "Once", "--llama2c-sampler", "--temperature",
                    "1", c[0], c[1]}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, rc, c[0] + ": " + line);
            assertTrue(line.startsWith("generate: llama2.c's sampler") && line.strip().lines().count() == 1, line);
        }
    }

    @Test
    void filesAndRequestsThatFailAreOneLine(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = Files.write(dir.resolve("in.jsonl"), List.of("{\"id\":1,\"prompt\":\"Once\"}", "", "{\"id\":[2],\"text\":\"x\"}"));
        Object[][] cases = {
                {new String[] {"--input", in.toString(), "--output", dir.resolve("no/such/dir/out.jsonl").toString()}, 2, "no/such/dir/out.jsonl"},
                {new String[] {"--input", in.toString(), "--output", dir.toString()}, 2, dir.toString()},
                {new String[] {"--input", dir.resolve("missing.jsonl").toString(), "--output", dir.resolve("o.jsonl").toString()}, 2, "missing.jsonl"},
                {new String[] {"--prompt", "Once upon a time ".repeat(600)}, 2, "stories260K.gguf: the prompt has"},
                {new String[] {"--prompt", "Once upon a time ".repeat(600)}, 2, "context holds 2048"},
        };
        for (Object[] c : cases) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            List<String> args = new java.util.ArrayList<>(List.of("--model", model, "--max-tokens", "4"));
            args.addAll(List.of((String[]) c[0]));
            int rc = GenerateCommand.run(args.toArray(new String[0]), System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(c[1], rc, line);
            assertTrue(line.startsWith("generate: ") && line.contains((String) c[2]) && line.strip().lines().count() == 1, line);
        }
        // a missing model is a usage error naming --model (it was exit 1, the engine's message naming no option)
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, GenerateCommand.run(new String[] {"--model", dir.resolve("nope.gguf").toString(), "--prompt", "x"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).strip().lines().count() == 1, err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("generate: --model " + dir.resolve("nope.gguf") + ": no such file"),
                err.toString(StandardCharsets.UTF_8));
        // a row without a string prompt names its line (3: blank lines count) and keeps its id as given
        Path out = dir.resolve("out.jsonl");
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--max-tokens", "4", "--input", in.toString(), "--output",
                out.toString()}, System.out, new PrintStream(new ByteArrayOutputStream())));
        JsonNode bad = new ObjectMapper().readTree(Files.readAllLines(out).get(1));
        assertTrue(bad.get("error").asText().contains("line 3"), bad.toString());
        // a logits request the engine refuses names the model (ids past its vocabulary)
        ByteArrayOutputStream logitsErr = new ByteArrayOutputStream();
        assertEquals(2, LogitsCommand.run(new String[] {"--model", model, "--tokens", "1,600"}, System.out,
                new PrintStream(logitsErr, true, StandardCharsets.UTF_8)));
        assertTrue(logitsErr.toString(StandardCharsets.UTF_8).startsWith("logits: stories260K.gguf: token id 600 is outside the vocabulary"),
                logitsErr.toString(StandardCharsets.UTF_8));
        assertEquals("[2]", bad.get("id").toString());
        // an id that is no integer, in Kindling's words before the model loads (it was 'For input string: "abc"')
        logitsErr.reset();
        assertEquals(2, LogitsCommand.run(new String[] {"--model", model, "--tokens", "1, abc"}, System.out,
                new PrintStream(logitsErr, true, StandardCharsets.UTF_8)));
        assertEquals("logits: --tokens must be comma-separated token ids; item 2 is 'abc'", logitsErr.toString(StandardCharsets.UTF_8).strip());

        // a line that is not UTF-8, not JSON or not an object is its row's error, with its line; the other rows are generated
        // (one such line stopped the whole file, the UTF-8 one as "MalformedInputException: Input length = 1"); a byte that is
        // not UTF-8 is named by its offset in the line, as --prompt-file names it in the file
        Path mixed = dir.resolve("mixed.jsonl");
        Files.write(mixed, ("{\"id\":1,\"prompt\":\"Once\"}\n{\"id\":2,\"prompt\":\"Tom \u00ff\"}\n".getBytes(StandardCharsets.UTF_8)));
        Files.write(mixed, new byte[] {'{', '"', 'p', 'r', 'o', 'm', 'p', 't', '"', ':', '"', (byte) 0xff, '"', '}', '\n'},
                java.nio.file.StandardOpenOption.APPEND);
        Files.write(mixed, ("{\"id\":4,\"prompt\"\n[1]\r\n{\"id\":6,\"prompt\":\"Lily\"}\r\n{\"id\":7,\"text\":\"Tom\"}\n"
                + "{\"id\":8,\"prompt\":5}\n").getBytes(StandardCharsets.UTF_8), java.nio.file.StandardOpenOption.APPEND);
        ByteArrayOutputStream mixedErr = new ByteArrayOutputStream();
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--max-tokens", "2", "--input", mixed.toString(), "--output",
                out.toString()}, System.out, new PrintStream(mixedErr, true, StandardCharsets.UTF_8)));
        List<JsonNode> rows = new java.util.ArrayList<>();
        for (String l : Files.readAllLines(out)) {
            rows.add(new ObjectMapper().readTree(l));
        }
        assertEquals(8, rows.size(), rows.toString());
        for (int i : new int[] {0, 1, 5}) {
            assertTrue(rows.get(i).has("completion") && !rows.get(i).has("error"), rows.get(i).toString());
        }
        assertEquals(mixed + " line 3 is not valid UTF-8: byte offset 11 (0xff)", rows.get(2).get("error").asText());
        assertTrue(rows.get(3).get("error").asText().startsWith(mixed + " line 4 is not JSON: "), rows.get(3).toString());
        assertEquals(mixed + " line 5 is not a JSON object", rows.get(4).get("error").asText());
        // a row without a string prompt names the file too, and what it has instead (it said only "line 7 has no string field prompt")
        assertEquals(mixed + " line 7 has no string field prompt (fields: id, text)", rows.get(6).get("error").asText());
        assertEquals(mixed + " line 8 has no string field prompt (it holds a number)", rows.get(7).get("error").asText());
        assertTrue(mixedErr.toString(StandardCharsets.UTF_8).contains("5 of 8 rows failed"), mixedErr.toString(StandardCharsets.UTF_8));
    }

    @Test
    void aRowWithHalfASurrogatePairIsItsErrorAndALongPromptIsJson(@TempDir Path dir) throws Exception {
        // "\ud800" is valid JSON but no text: writing the row back threw MalformedInputException out of the command, the
        // output ended inside that row and the rows after it were lost; and a prompt over Jackson's default 20 MB string
        // limit was "not JSON", its id lost, under the 256 MiB a line may have
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = dir.resolve("surrogates.jsonl");
        Path out = dir.resolve("out.jsonl");
        String longPrompt = "Once upon a time. ".repeat(1_200_000); // 21.6 MB
        Files.writeString(in, "{\"id\":\"a\",\"prompt\":\"Hello\"}\n"
                + "{\"id\":\"b\",\"prompt\":\"\\ud800 lone\"}\n"
                + "{\"id\":\"\\udc01\",\"prompt\":\"x\"}\n"
                + "{\"id\":\"pair\",\"prompt\":\"\\ud83d\\ude00 ok\"}\n"
                + "{\"id\":\"long\",\"prompt\":\"" + longPrompt + "\"}\n"
                + "{\"id\":\"c\",\"prompt\":\"World\"}\n", StandardCharsets.UTF_8);
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--max-tokens", "2", "--truncate-prompts", "--input",
                in.toString(), "--output", out.toString()}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8)));
        List<String> lines = Files.readAllLines(out, StandardCharsets.UTF_8);
        assertEquals(6, lines.size(), err.toString(StandardCharsets.UTF_8));
        ObjectMapper json = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
                .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
                .build());
        assertEquals(in + " line 2 is not text: field prompt holds an unpaired surrogate escape \\uD800 at character 1 of its string",
                json.readTree(lines.get(1)).get("error").asText());
        assertTrue(json.readTree(lines.get(2)).get("error").asText().contains("field id holds an unpaired surrogate escape \\uDC01"),
                lines.get(2));
        for (int i : new int[] {0, 3, 4, 5}) {
            JsonNode row = json.readTree(lines.get(i));
            assertTrue(row.has("completion") && !row.has("error"), lines.get(i).substring(0, Math.min(200, lines.get(i).length())));
        }
        assertEquals("long", json.readTree(lines.get(4)).get("id").asText());
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("2 of 6 rows failed"), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void logitsOfTokensTheModelCannotTakeIsOneLine(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String[][] cases = {{"--tokens", "1,99999", "99999"}, {"--tokens", "1,-4", "-4"}, {"--prompt", "Once upon a time ".repeat(600), "2048"}};
        for (String[] c : cases) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = LogitsCommand.run(new String[] {"--model", model, c[0], c[1]}, System.out, new PrintStream(err, true, StandardCharsets.UTF_8));
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, rc, line);
            assertTrue(line.startsWith("logits: ") && line.contains(c[2]) && line.strip().lines().count() == 1, line);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, LogitsCommand.run(new String[] {"--model", dir.resolve("nope.gguf").toString(), "--prompt", "x"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("logits: --model " + dir.resolve("nope.gguf")),
                err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void logitsPrintsTokensAndTheFullLastRow() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int rc = LogitsCommand.run(new String[] {"--model", SharedData.require("llama2c/stories260K.gguf").toString(),
                "--prompt", "Once upon a time", "--top", "5"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
        assertEquals(0, rc);
        JsonNode j = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8));
        assertEquals(1, j.get("tokens").get(0).asInt());
        assertEquals(512, j.get("logits").size());
        assertEquals(5, j.get("top").size());
        assertEquals(2, GenerateCommand.run(new String[] {"--prompt", "x"}, System.out, new PrintStream(new ByteArrayOutputStream())));
    }

    @Test
    void logitsTopListsIdsATokenizerSmallerThanTheModelLacksWithANullPiece(@TempDir Path dir) throws Exception {
        // a padded output layer: the model (512 ids) scores ids the tokenizer (4, id 2 a gap in its vocab) has no text for
        Path tok = dir.resolve("tokenizer.json");
        Files.writeString(tok, "{\"version\":\"1.0\",\"added_tokens\":[],\"model\":{\"type\":\"WordLevel\","
                + "\"vocab\":{\"<unk>\":0,\"Once\":1,\"upon\":3},\"unk_token\":\"<unk>\"},"
                + "\"pre_tokenizer\":{\"type\":\"Whitespace\"}}");
        String model = SharedData.require("llama2c/stories260K.bin").toString();
        JsonNode top = logitsTop(model, "--tokenizer", tok.toString(), "--prompt", "Once upon", "--top", "512");
        assertEquals(512, top.size());
        for (JsonNode n : top) {
            // all 512 rows, as a Transformers model's logits; an id no token has (past the tokenizer's, or the gap, whose
            // piece was "") is a null piece, as convert_ids_to_tokens' None (it was left out)
            int id = n.get("id").asInt();
            assertEquals(id == 2 || id >= 4, n.get("piece").isNull(), n.toString());
        }
        // without a tokenizer no id has a piece: null too, as generate's token without one (the key was left out)
        JsonNode bare = logitsTop(model, "--tokens", "1,2", "--top", "3");
        assertEquals(3, bare.size());
        for (JsonNode n : bare) {
            assertTrue(n.has("piece") && n.get("piece").isNull(), n.toString());
        }
    }

    /** The {@code top} array of {@code kindling logits} run with {@code args} (exit 0). */
    private static JsonNode logitsTop(String model, String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> all = new java.util.ArrayList<>(List.of("--model", model));
        all.addAll(List.of(args));
        int rc = LogitsCommand.run(all.toArray(new String[0]), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, err.toString(StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("top");
    }

    @Test
    void kvCacheTypeOptionReachesTheEngine() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        String[] texts = new String[2];
        String[] types = {"f32", "F16"};
        for (int i = 0; i < 2; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int rc = LogitsCommand.run(new String[] {"--model", model, "--prompt", "Once upon a time", "--top", "3", "--kv-cache-type",
                    types[i]}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err);
            assertEquals(0, rc);
            texts[i] = new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("logits").toString();
        }
        // the F16 cache rounds K, V, queries and weights: the same model gives other (close) logits
        assertTrue(!texts[0].equals(texts[1]), "f16 changed no logit");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertEquals(2, GenerateCommand.run(new String[] {"--model", model, "--prompt", "x", "--kv-cache-type", "q8"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--kv-cache-type must be f32 or f16, got q8"), err.toString(StandardCharsets.UTF_8));
        err.reset();
        assertEquals(2, GenerateCommand.run(new String[] {"--model", model, "--prompt", "x", "--device", "tpu"}, System.out,
                new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--device must be auto, cpu or cuda, got tpu"), err.toString(StandardCharsets.UTF_8));
    }

    /**
     * The engine's KV-budget refusal as logits prints it advises what logits has ({@code --kv-cache-type}, the heap), where
     * it named {@code EngineOptions.withKvCacheType}. A logits run cannot be refused here: it has no {@code --kv-budget-mb},
     * and the default budget holds one full-context sequence unless the heap is within about 1 MiB of full.
     */
    @Test
    void logitsAdvisesItsOwnFlagsForAKvBudgetRefusal() {
        String m = LogitsCommand.describe(new dev.kindling.inference.KvBudgetRefusedException("stories260K.gguf", 512, 32, 20, false));
        assertTrue(m.startsWith("stories260K.gguf: a sequence of 512 positions needs 32 KV blocks but the KV budget holds 20"
                + " (shorten the text, halve what a position takes with --kv-cache-type f16"), m);
        assertTrue(m.contains("-Xmx") && !m.contains("EngineOptions") && !m.contains("--kv-budget-mb"), m);
    }

    /**
     * {@code --kv-budget-mb} reaches the engine of {@code generate --prompt} (the README gives generate every engine
     * option; it was not an option here, and {@code kindling generate --prompt} dropped it, so a budget raised for a long
     * generation or lowered to fit the heap did nothing).
     */
    @Test
    void kvBudgetOptionReachesTheEngine() throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        // stories260K: 5 layers x K,V x 32 values x 4 bytes = 1,280 bytes a position, so 1 MiB holds 816 positions (51 blocks)
        String[] args = {"--model", model, "--prompt", "", "--max-tokens", "900", "--threads", "1"};
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] small = java.util.Arrays.copyOf(args, args.length + 2);
        small[args.length] = "--kv-budget-mb";
        small[args.length + 1] = "1";
        // the options cannot serve the request (as a prompt past the context): a usage error
        assertEquals(2, GenerateCommand.run(small, new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("needs 57 KV blocks but the KV budget holds 51"), err.toString(StandardCharsets.UTF_8));
        assertTrue(err.toString(StandardCharsets.UTF_8).startsWith("generate: stories260K.gguf: a sequence of "), err.toString(StandardCharsets.UTF_8));
        // its advice is this command's flags, not the Java options
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--kv-cache-type f16, or raise the budget: --kv-budget-mb")
                && !err.toString(StandardCharsets.UTF_8).contains("EngineOptions"), err.toString(StandardCharsets.UTF_8));
        small[args.length + 1] = "2";
        assertEquals(0, GenerateCommand.run(small, new PrintStream(new ByteArrayOutputStream()), System.err));
    }

    /**
     * {@code --prompt-file} (llama.cpp's {@code -f}) is the file's text less one final newline, as llama.cpp's {@code -f}
     * drops it: the tokens of a file an editor saved are those of the text typed with {@code --prompt}.
     */
    @Test
    void promptFileIsItsTextLessOneFinalNewline(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.bin").toString();
        String tok = SharedData.require("llama2c/tok512.bin").toString();
        String[][] cases = {{"Once upon a time\n", "Once upon a time"}, {"Once upon a time", "Once upon a time"},
                {"Once upon a time\n\n", "Once upon a time\n"}, {"Tom said \"hi\".\r\n", "Tom said \"hi\".\r"},
                {"\n", ""}, {"", ""}, {"  Lily \u00e9t\u00e9 \u2014 \ud83d\ude00\t", "  Lily \u00e9t\u00e9 \u2014 \ud83d\ude00\t"}};
        for (String[] c : cases) {
            Path f = Files.write(dir.resolve("prompt.txt"), c[0].getBytes(StandardCharsets.UTF_8));
            assertEquals(logitsTokens(model, tok, "--prompt", c[1]), logitsTokens(model, tok, "--prompt-file", f.toString()), c[0]);
        }
        // the newline matters: without dropping it the tokens differed
        assertTrue(!logitsTokens(model, tok, "--prompt", "Once upon a time").equals(logitsTokens(model, tok, "--prompt", "Once upon a time\n")));
        Path f = Files.write(dir.resolve("story.txt"), "Once upon a time\n".getBytes(StandardCharsets.UTF_8));
        String[] texts = new String[2];
        String[][] given = {{"--prompt", "Once upon a time"}, {"--prompt-file", f.toString()}};
        for (int i = 0; i < 2; i++) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--tokenizer", tok, given[i][0], given[i][1], "--max-tokens",
                    "24", "--threads", "1"}, new PrintStream(out, true, StandardCharsets.UTF_8), System.err));
            texts[i] = out.toString(StandardCharsets.UTF_8);
        }
        assertEquals(texts[0], texts[1]);
        assertTrue(texts[0].strip().length() > 10, texts[0]);
    }

    private static String logitsTokens(String model, String tok, String option, String value) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int rc = LogitsCommand.run(new String[] {"--model", model, "--tokenizer", tok, option, value, "--top", "0"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertEquals(0, rc, option + " " + value + ": " + err.toString(StandardCharsets.UTF_8));
        return new ObjectMapper().readTree(out.toString(StandardCharsets.UTF_8)).get("tokens").toString();
    }

    /** A prompt file that is not a file of UTF-8 text, or given with another prompt, is one usage line naming it (exit 2). */
    @Test
    void promptFileThatCannotBeAPromptIsOneUsageLine(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path text = Files.writeString(dir.resolve("ok.txt"), "Once");
        Path latin1 = Files.write(dir.resolve("latin1.txt"), new byte[] {'O', 'n', 'c', 'e', ' ', (byte) 0xe9, 't', 'a', 'i', 't', '\n'});
        Path cut = Files.write(dir.resolve("cut.txt"), new byte[] {'a', 'b', (byte) 0xe2, (byte) 0x82, '\n'});
        Path binary = Files.write(dir.resolve("model.bin"), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0});
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"prompt\":\"x\"}\n");
        // sparse, so they cost no disk: one byte over the bound is refused unread, and 3 GiB was an OutOfMemoryError
        // ("Required array size too large") out of run()
        Path over = dir.resolve("over.txt");
        Path huge = dir.resolve("huge.txt");
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(over.toFile(), "rw")) {
            f.setLength(PromptFile.MAX_BYTES + 1L);
        }
        try (java.io.RandomAccessFile f = new java.io.RandomAccessFile(huge.toFile(), "rw")) {
            f.setLength(3L << 30);
        }
        Object[][] cases = {
                {new String[] {"--prompt-file", over.toString()}, "over.txt is 268435457 bytes, over the 256 MiB a prompt file may have"},
                {new String[] {"--prompt-file", huge.toString()}, "huge.txt is 3221225472 bytes, over the 256 MiB a prompt file may have"},
                {new String[] {"--prompt-file", dir.resolve("missing.txt").toString()}, "missing.txt: no such file"},
                {new String[] {"--prompt-file", dir.toString()}, dir + " is a directory"},
                {new String[] {"--prompt-file", latin1.toString()}, "latin1.txt is not valid UTF-8: byte offset 5 (0xe9)"},
                {new String[] {"--prompt-file", cut.toString()}, "cut.txt is not valid UTF-8: byte offset 2 (0xe2)"},
                {new String[] {"--prompt-file", binary.toString()}, "model.bin is binary (a NUL byte at offset 5)"},
                {new String[] {"--prompt-file", text.toString(), "--prompt", "Once"}, "--prompt-file"},
        };
        for (Object[] c : cases) {
            for (String command : new String[] {"generate", "logits"}) {
                List<String> args = new java.util.ArrayList<>(List.of("--model", model));
                args.addAll(List.of((String[]) c[0]));
                String line = usageError(command, args);
                assertTrue(line.startsWith(command + ": ") && line.contains((String) c[1]) && line.strip().lines().count() == 1,
                        command + " " + args + ": " + line);
            }
        }
        String[][] both = {{"--prompt-file", text.toString(), "--input", in.toString(), "--output", dir.resolve("o.jsonl").toString()}};
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        List<String> args = new java.util.ArrayList<>(List.of("--model", model));
        args.addAll(List.of(both[0]));
        assertEquals(2, GenerateCommand.run(args.toArray(new String[0]), System.out, new PrintStream(err, true, StandardCharsets.UTF_8)));
        assertTrue(err.toString(StandardCharsets.UTF_8).contains("--prompt-file"), err.toString(StandardCharsets.UTF_8));
        ByteArrayOutputStream logitsErr = new ByteArrayOutputStream();
        assertEquals(2, LogitsCommand.run(new String[] {"--model", model, "--prompt-file", text.toString(), "--tokens", "1,2"}, System.out,
                new PrintStream(logitsErr, true, StandardCharsets.UTF_8)));
        assertTrue(logitsErr.toString(StandardCharsets.UTF_8).contains("--prompt-file"), logitsErr.toString(StandardCharsets.UTF_8));
    }

    /**
     * A model file that is empty, or starts with neither GGUF's magic nor a llama2.c header, and a --tokenizer that is not
     * there, are one usage line (exit 2) naming the option, the path and what was expected, before the model is opened
     * (generate and logits; it was exit 1, the engine's message naming no option, and an empty file said only "the file
     * is empty").
     */
    @Test
    void modelFilesThatAreNoModelAreOneUsageLineNamingTheOption(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path empty = Files.createFile(dir.resolve("empty.gguf"));
        Path json = Files.writeString(dir.resolve("model.gguf"), "{\"id\":1,\"prompt\":\"x\"}\n");
        Path html = Files.writeString(dir.resolve("download.gguf"), "<!DOCTYPE html><html>Not Found</html>");
        Path noCheckpoint = Files.createDirectories(dir.resolve("folder"));
        String expected = "expected a GGUF file (starting with the bytes \"GGUF\"), a llama2.c checkpoint";
        Object[][] cases = {
                {new String[] {"--model", empty.toString()}, "--model " + empty + " is empty (0 bytes); " + expected},
                {new String[] {"--model", json.toString()}, "--model " + json + " is not a model: it starts with the bytes 7b 22 69 64 "
                        + "(\"{\"id\"); " + expected},
                {new String[] {"--model", html.toString()}, "--model " + html + " is not a model: it starts with the bytes 3c 21 44 4f"},
                {new String[] {"--model", noCheckpoint.toString()}, "--model " + noCheckpoint + ": the directory holds no model"},
                {new String[] {"--model", model, "--tokenizer", dir.resolve("tok.json").toString()},
                        "--tokenizer " + dir.resolve("tok.json") + ": no such file or directory"},
        };
        for (Object[] c : cases) {
            for (String command : new String[] {"generate", "logits"}) {
                List<String> args = new java.util.ArrayList<>(List.of((String[]) c[0]));
                args.addAll(List.of("--prompt", "x"));
                String line = usageError(command, args);
                assertTrue(line.startsWith(command + ": " + c[1]) && line.strip().lines().count() == 1, command + " " + args + ": " + line);
            }
        }
        // the real files pass: GGUF, llama2.c (no magic: a plausible header)
        LocalModel.checkLocalModel("--model", Path.of(model));
        LocalModel.checkLocalModel("--model", SharedData.require("llama2c/stories260K.bin"));
    }

    /**
     * An output that cannot be written, or that is the input, is one usage line before the model loads (the model here
     * cannot be loaded: its error would come first otherwise). The output's checks came after the model loaded, and an
     * output that was the input overwrote it. (An input of any size is read: {@link GenerateStreamingTest}.)
     */
    @Test
    void inputAndOutputThatCannotWorkAreOneUsageLineBeforeTheModelLoads(@TempDir Path dir) throws Exception {
        // GGUF's magic and nothing after it: it passes the check of --model, and fails if the engine tries to load it
        String model = Files.write(dir.resolve("cut.gguf"), new byte[] {'G', 'G', 'U', 'F', 3, 0, 0, 0}).toString();
        Path in = Files.writeString(dir.resolve("in.jsonl"), "{\"id\":1,\"prompt\":\"Once\"}\n");
        String[][] cases = {
                {in.toString(), dir.resolve("no/such/dir/out.jsonl").toString(), "cannot write " + dir.resolve("no/such/dir/out.jsonl")
                        + ": no such directory " + dir.resolve("no/such/dir")},
                {in.toString(), dir.toString(), "cannot write " + dir + ": it is a directory"},
                {in.toString(), in.toString(), "--output " + in + " is the input file"},
                {in.toString(), dir.resolve(".").resolve("in.jsonl").toString(), " is the input file"},
        };
        for (String[] c : cases) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int rc = GenerateCommand.run(new String[] {"--model", model, "--input", c[0], "--output", c[1]}, System.out,
                    new PrintStream(err, true, StandardCharsets.UTF_8));
            String line = err.toString(StandardCharsets.UTF_8);
            assertEquals(2, rc, line);
            assertTrue(line.startsWith("generate: ") && line.contains(c[2]) && line.strip().lines().count() == 1, line);
        }
        assertEquals("{\"id\":1,\"prompt\":\"Once\"}\n", Files.readString(in));
    }

    /**
     * A UTF-8 byte order mark starting the file is skipped, as the Spark job's reader (Hadoop's line reader) and Python's
     * {@code json.loads} of the bytes skip it (an editor on Windows writes one); it made line 1 "not JSON". Elsewhere it is
     * not white space in JSON, and the line is not JSON (Python's json too). CRLF lines and a last line without its newline
     * are rows like the others, a line with more after its object is not JSON; an input without rows writes an empty output
     * and says so.
     */
    @Test
    void inputWithByteOrderMarkCrlfAndNoFinalNewlineReadsEveryRow(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = Files.write(dir.resolve("in.jsonl"), ("\ufeff{\"id\":1,\"prompt\":\"Once\"}\r\n{\"id\":2,\"prompt\":\"Tom\"}\r\n"
                + "\ufeff{\"id\":3,\"prompt\":\"Lily\"}\n{\"id\":4,\"prompt\":\"Once\"}").getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("out.jsonl");
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--max-tokens", "4", "--input", in.toString(), "--output",
                out.toString()}, System.out, new PrintStream(new ByteArrayOutputStream())));
        List<String> lines = Files.readAllLines(out);
        assertEquals(4, lines.size(), lines.toString());
        ObjectMapper json = new ObjectMapper();
        for (int i : new int[] {0, 1, 3}) {
            JsonNode row = json.readTree(lines.get(i));
            assertTrue(row.has("completion") && !row.has("error") && row.get("id").asInt() == i + 1, row.toString());
        }
        assertEquals(json.readTree(lines.get(0)).get("completion"), json.readTree(lines.get(3)).get("completion"));
        assertTrue(json.readTree(lines.get(2)).get("error").asText().startsWith(in + " line 3 is not JSON: "), lines.get(2));

        // two rows on one line (a newline lost) are not JSON, as Python's json.loads says "Extra data": the second was dropped
        Files.writeString(in, "{\"id\":1,\"prompt\":\"Once\"} {\"id\":2,\"prompt\":\"Tom\"}\n{\"id\":3,\"prompt\":\"Lily\"} x\n");
        assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--max-tokens", "4", "--input", in.toString(), "--output",
                out.toString()}, System.out, new PrintStream(new ByteArrayOutputStream())));
        lines = Files.readAllLines(out);
        assertEquals(2, lines.size(), lines.toString());
        for (int i = 0; i < 2; i++) {
            assertTrue(json.readTree(lines.get(i)).path("error").asText().startsWith(in + " line " + (i + 1) + " is not JSON: "),
                    lines.get(i));
        }

        for (String empty : new String[] {"", "\n\n", "\ufeff", " \r\n"}) {
            Files.writeString(in, empty);
            Files.writeString(out, "old\n");
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            assertEquals(0, GenerateCommand.run(new String[] {"--model", model, "--input", in.toString(), "--output", out.toString()},
                    System.out, new PrintStream(err, true, StandardCharsets.UTF_8)));
            assertEquals("", Files.readString(out));
            assertEquals("generate: " + in + " has no rows (it is empty or blank); wrote an empty " + out,
                    err.toString(StandardCharsets.UTF_8).strip());
        }
    }

    /** Runs the engine command {@code command} ("generate" or "logits") and returns what it printed for a usage error (exit 2). */
    private static String usageError(String command, List<String> args) throws java.io.IOException {
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        int rc = command.equals("generate") ? GenerateCommand.run(args.toArray(new String[0]), System.out, e)
                : LogitsCommand.run(args.toArray(new String[0]), System.out, e);
        String line = err.toString(StandardCharsets.UTF_8);
        assertEquals(2, rc, command + " " + args + ": " + line);
        return line;
    }
}
