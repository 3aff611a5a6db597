package dev.kindling.spark.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.TestSpark;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import picocli.CommandLine;

/** Runs the CLI in-process against the shared test session and captures what it prints. */
public final class Cli {
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "\n--- err\n" + err;
        }
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    private Cli() {}

    /**
     * The rows of a command's JSON Lines output folder (its uncompressed part files, in order), read without a Spark job:
     * {@code spark.read().json(dir)} runs two (the schema's pass and the action's), seconds of a test's time for rows that
     * a test only counts or looks at.
     */
    public static List<JsonNode> outputRows(Path dir) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (var files = Files.list(dir)) {
            for (Path p : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(p, StandardCharsets.UTF_8)) {
                    rows.add(JSON.readTree(line));
                }
            }
        }
        return rows;
    }

    /**
     * {@link #outputRows(Path)} in the order of {@code orderBy} as Spark's orderBy gives it: a row without the field
     * first, numbers by value.
     */
    public static List<JsonNode> outputRows(Path dir, String orderBy) throws IOException {
        Comparator<JsonNode> byValue = (a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.asDouble(), b.asDouble())
                : a.asText().compareTo(b.asText());
        List<JsonNode> rows = new ArrayList<>(outputRows(dir));
        rows.sort(Comparator.comparing((JsonNode r) -> r.get(orderBy) == null || r.get(orderBy).isNull() ? null : r.get(orderBy),
                Comparator.nullsFirst(byValue)));
        return rows;
    }

    /**
     * A field of an {@link #outputRows} row as Spark reads it back: its text, or null where the row has none (JSON Lines
     * leaves a null field out) or it is null.
     */
    public static String text(JsonNode row, String field) {
        JsonNode v = row.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    /**
     * Every command of Kindling's CLI, once each (an alias is its command's), the top one and the groups ({@code bench},
     * {@code distill}) included, picocli's own {@code help} left out, in the order of the commands' help.
     */
    public static List<CommandLine> commands() {
        List<CommandLine> commands = new ArrayList<>();
        Deque<CommandLine> pending = new ArrayDeque<>(List.of(KindlingCli.commandLine()));
        Set<Object> seen = new HashSet<>();
        while (!pending.isEmpty()) {
            CommandLine cl = pending.pop();
            if (seen.add(cl.getCommand()) && cl.getCommand().getClass().getName().startsWith("dev.kindling.")) {
                commands.add(cl);
                pending.addAll(cl.getSubcommands().values());
            }
        }
        return commands;
    }

    public static Result run(String... args) {
        TestSpark.session();
        CommandLine cl = KindlingCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] withNoProgress = args;
        int code = cl.execute(withNoProgress);
        return new Result(code, out.toString(), err.toString());
    }
}
