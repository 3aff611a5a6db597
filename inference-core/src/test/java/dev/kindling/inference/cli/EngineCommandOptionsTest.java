package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.testing.SharedData;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine-alone {@code generate} takes its options as {@code kindling generate} does: every {@code --stop} (only the
 * last was kept), {@code --seed} 0 by default with each prompt's own seed (it was the clock, and the seed as given), so
 * the same prompt gives the same text in every front end; {@code --opt=value}, {@code --help}, {@code --max-sequences}.
 */
class EngineCommandOptionsTest {
    private record Out(int code, String out, String err) {}

    private static Out generate(String... args) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = GenerateCommand.run(args, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Out(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private static List<JsonNode> rows(Path file) throws Exception {
        List<JsonNode> rows = new ArrayList<>();
        for (String line : Files.readAllLines(file)) {
            rows.add(new ObjectMapper().readTree(line));
        }
        return rows;
    }

    @Test
    void everyStopStringStopsTheRows(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = Files.write(dir.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"prompt\":\"Once upon a time\"}"));
        Out free = generate("--model", model, "--input", in.toString(), "--output", dir.resolve("free.jsonl").toString(),
                "--max-tokens", "24", "--threads", "1");
        assertEquals(0, free.code(), free.err());
        String text = rows(dir.resolve("free.jsonl")).get(0).get("completion").asText();
        assertTrue(text.contains(" girl"), text); // stories260K's greedy ", there was a little girl ..."
        for (List<String> stops : List.of(List.of(" girl", "zzz"), List.of("zzz", " girl"))) {
            Path o = dir.resolve("o" + stops.get(0).trim() + ".jsonl");
            Out r = generate("--model", model, "--input", in.toString(), "--output", o.toString(), "--max-tokens", "24",
                    "--threads", "1", "--stop", stops.get(0), "--stop=" + stops.get(1));
            assertEquals(0, r.code(), r.err());
            JsonNode row = rows(o).get(0);
            assertEquals(text.substring(0, text.indexOf(" girl")), row.get("completion").asText(), stops.toString());
            assertEquals("stop", row.get("finish_reason").asText());
        }
    }

    @Test
    void aSampledPromptGivesTheSameTextTwiceAndInBothForms(@TempDir Path dir) throws Exception {
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        Path in = Files.write(dir.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"prompt\":\"Once upon a time\"}",
                "{\"id\":\"b\",\"prompt\":\"Tom had a dog\"}"));
        String[] sampling = {"--temperature", "1.0", "--max-tokens", "40", "--threads", "1"};
        List<String> texts = new ArrayList<>();
        for (int run = 0; run < 2; run++) {
            Path o = dir.resolve("o" + run + ".jsonl");
            List<String> args = new ArrayList<>(List.of("--model", model, "--input", in.toString(), "--output", o.toString()));
            args.addAll(List.of(sampling));
            Out r = generate(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.err());
            for (JsonNode row : rows(o)) {
                texts.add(row.get("completion").asText());
            }
        }
        assertEquals(texts.subList(0, 2), texts.subList(2, 4), "no --seed is --seed 0, not the clock");
        assertFalse(texts.get(0).equals(texts.get(1)));
        // --prompt gives a prompt what its row got, and --seed 0 given is the default
        List<String> args = new ArrayList<>(List.of("--model", model, "--prompt", "Tom had a dog", "--seed", "0"));
        args.addAll(List.of(sampling));
        Out one = generate(args.toArray(new String[0]));
        assertEquals(0, one.code(), one.err());
        assertEquals(texts.get(1), one.out().stripTrailing());
        // another seed, other text
        args.set(args.indexOf("--seed") + 1, "1");
        assertFalse(texts.get(1).equals(generate(args.toArray(new String[0])).out().stripTrailing()));
    }

    @Test
    void helpMaxSequencesAndADirectoryInput(@TempDir Path dir) throws Exception {
        Out help = generate("--help");
        assertEquals(0, help.code());
        assertTrue(help.out().startsWith("Usage: generate --model M") && help.out().contains("--stop TEXT]..."), help.out());
        String model = SharedData.require("llama2c/stories260K.gguf").toString();
        // -h as a value is the value: a prompt, not a request for help
        Out dash = generate("--model", model, "--prompt", "-h", "--max-tokens", "3", "--threads", "1");
        assertEquals(0, dash.code(), dash.err());
        assertFalse(dash.out().contains("Usage"), dash.out());
        Out twice = generate("--model", model, "--model", model + ".other", "--prompt", "Hi");
        assertEquals(2, twice.code());
        assertTrue(twice.err().startsWith("generate: --model is given twice ("), twice.err());
        Out seqs = generate("--model", model, "--prompt", "Hi", "--max-sequences", "0");
        assertEquals(2, seqs.code());
        assertEquals("generate: --max-sequences must be 1 to 16384, got 0", seqs.err().strip());
        Out flight = generate("--model", model, "--prompt", "Hi", "--max-in-flight", "-1");
        assertEquals("generate: --max-in-flight must be 0 (2 x --max-sequences) or more, got -1", flight.err().strip());
        Out d = generate("--model", model, "--input", dir.toString(), "--output", dir.resolve("o.jsonl").toString());
        assertEquals(2, d.code());
        assertTrue(d.err().startsWith("generate: --input " + dir + " is a directory;"), d.err());
        Out fffd = generate("--model", model, "--prompt", "Hi", "--stop", "a\uFFFD");
        assertEquals(2, fffd.code());
        assertTrue(fffd.err().startsWith("generate: --stop 'a\uFFFD' holds U+FFFD, the replacement character"), fffd.err());
        Path o = dir.resolve("rows.jsonl");
        Path in = Files.write(dir.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"prompt\":\"Once\"}", "{\"id\":\"b\",\"prompt\":\"Tom\"}"));
        Out small = generate("--model", model, "--input", in.toString(), "--output", o.toString(), "--max-sequences", "1",
                "--max-in-flight", "1", "--max-tokens", "4", "--threads", "1");
        assertEquals(0, small.code(), small.err());
        assertEquals(2, rows(o).size());
        // a flag takes =true and =false, as the kindling launcher's picocli does (both were unknown options)
        String longPrompt = "Once upon a time ".repeat(600);
        Out on = generate("--model", model, "--prompt", longPrompt, "--max-tokens", "2", "--threads", "1", "--truncate-prompts=true");
        assertEquals(0, on.code(), on.err());
        Out off = generate("--model", model, "--prompt", longPrompt, "--max-tokens", "2", "--threads", "1", "--truncate-prompts=FALSE");
        assertEquals(2, off.code(), off.err());
        assertTrue(off.err().contains("context holds 2048"), off.err());
        // the advice is this command's flag, not the engine's Java option
        assertTrue(off.err().strip().endsWith("(shorten it; to keep a prompt's end instead: --truncate-prompts)"), off.err());
        Path longIn = Files.write(dir.resolve("long.jsonl"), List.of("{\"id\":\"a\",\"prompt\":\"" + longPrompt + "\"}"));
        Path longOut = dir.resolve("long-out.jsonl");
        generate("--model", model, "--input", longIn.toString(), "--output", longOut.toString(), "--max-tokens", "2", "--threads", "1");
        String rowError = rows(longOut).get(0).get("error").asText();
        assertTrue(rowError.contains("context holds 2048")
                && rowError.endsWith("(shorten it; to keep a prompt's end instead: --truncate-prompts)"), rowError);
        Out bad = generate("--model", model, "--prompt", "Hi", "--truncate-prompts=yes");
        assertEquals(2, bad.code());
        assertEquals("generate: --truncate-prompts takes no value, or =true or =false; got --truncate-prompts=yes", bad.err().strip());
        Out twiceFlag = generate("--model", model, "--prompt", "Hi", "--llama2c-sampler=false", "--llama2c-sampler");
        assertEquals(2, twiceFlag.code());
        assertEquals("generate: --llama2c-sampler is given twice; give it once", twiceFlag.err().strip());
        // a model without a tokenizer is a usage error, as logits and kindling generate give it (it was exit 1)
        Out noTokenizer = generate("--model", SharedData.require("llama2c/stories260K.bin").toString(), "--prompt", "Once",
                "--max-tokens", "3", "--threads", "1");
        assertEquals(2, noTokenizer.code(), noTokenizer.err());
        assertTrue(noTokenizer.err().startsWith("generate: stories260K.bin has no tokenizer: pass --tokenizer FILE"), noTokenizer.err());
    }
}
