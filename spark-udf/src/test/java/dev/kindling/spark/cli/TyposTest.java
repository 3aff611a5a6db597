package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A mistyped command or option is a usage error that names the nearest one. None of these starts Spark (a bad --master
 * makes sure a check that does not fire fails fast too).
 */
class TyposTest {
    /** {@code kindling tokenise --help} printed the top-level help and exited 0, as if the word had not been typed. */
    @Test
    void aMistypedCommandWithHelpIsAnErrorSuggestingTheCommand() {
        ModeOptionsTest.Result r = ModeOptionsTest.run("tokenise", "--help");
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("'tokenise'") && r.err().contains("Did you mean: kindling tokenize"), r.err());
        ModeOptionsTest.Result sub = ModeOptionsTest.run("distill", "sfft", "--help");
        assertEquals(2, sub.code(), sub.out() + sub.err());
        assertTrue(sub.err().contains("Did you mean: kindling distill sft?"), sub.err());
    }

    /**
     * A word that is no command said "Unmatched argument at index 0" and suggested commands nothing like it
     * ({@code frobnicate}: curate, generate or filter; {@code tokenise}: tokenize, bench or distill): it is named as an
     * unknown command, the near ones are suggested, and where none is near the commands are listed.
     */
    @Test
    void anUnknownCommandIsNamedWithTheNearestCommands() {
        ModeOptionsTest.Result r = ModeOptionsTest.run("tokenise");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().startsWith("kindling: error: unknown command 'tokenise'\n"), r.err());
        assertTrue(r.err().contains("Did you mean: kindling tokenize?\n"), r.err());
        ModeOptionsTest.Result sub = ModeOptionsTest.run("bench", "tokeniser");
        assertEquals(2, sub.code(), sub.err());
        assertTrue(sub.err().startsWith("kindling: error: unknown command 'tokeniser' for 'kindling bench'"), sub.err());
        assertTrue(sub.err().contains("Did you mean: kindling bench tokenizer?\n"), sub.err());
        ModeOptionsTest.Result prefix = ModeOptionsTest.run("distill", "self");
        assertTrue(prefix.err().contains("Did you mean: kindling distill self-instruct?"), prefix.err());
        ModeOptionsTest.Result far = ModeOptionsTest.run("frobnicate");
        assertEquals(2, far.code(), far.err());
        assertTrue(!far.err().contains("Did you mean"), far.err());
        assertTrue(far.err().contains("Commands:") && far.err().contains("tokenize") && far.err().contains("distill"), far.err());
    }

    /** {@code kindling}, {@code kindling bench} and {@code kindling distill} alone said only "missing command". */
    @Test
    void aMissingCommandListsTheCommands() {
        for (String[] args : new String[][] {{}, {"bench"}, {"distill"}}) {
            ModeOptionsTest.Result r = ModeOptionsTest.run(args);
            String shown = "kindling " + String.join(" ", args) + ": " + r.err();
            assertEquals(2, r.code(), shown);
            assertEquals("", r.out(), shown);
            assertTrue(r.err().startsWith("kindling: error: missing command"), shown);
            assertTrue(r.err().contains("Commands:"), shown);
            picocli.CommandLine cl = KindlingCli.commandLine();
            for (String word : args) {
                cl = cl.getSubcommands().get(word);
            }
            for (String name : cl.getSubcommands().keySet()) {
                assertTrue(r.err().contains("\n  " + name + " "), name + " missing from " + shown);
            }
        }
    }

    /** {@code --version} printed nothing on any command but the top one (no version provider of their own). */
    @Test
    void everyCommandAnswersVersion() {
        List<List<String>> commands = new ArrayList<>();
        collect(KindlingCli.commandLine(), new ArrayList<>(), commands);
        assertTrue(commands.size() > 15, commands.toString());
        for (List<String> command : commands) {
            for (String flag : List.of("--version", "-V")) {
                List<String> args = new ArrayList<>(command);
                args.add(flag);
                ModeOptionsTest.Result r = ModeOptionsTest.run(args.toArray(String[]::new));
                assertEquals(0, r.code(), args + ": " + r.err());
                assertTrue(r.out().startsWith("kindling ") && r.out().contains("Spark "), args + " printed: " + r.out());
            }
        }
    }

    private static void collect(picocli.CommandLine cl, List<String> path, List<List<String>> into) {
        if (cl.getCommandSpec().findOption("--version") != null) {
            into.add(path);
        }
        for (Map.Entry<String, picocli.CommandLine> e : new java.util.TreeMap<>(cl.getSubcommands()).entrySet()) {
            if (!e.getKey().equals("help") && e.getValue().getCommandSpec().name().equals(e.getKey())) {
                List<String> sub = new ArrayList<>(path);
                sub.add(e.getKey());
                collect(e.getValue(), sub, into);
            }
        }
    }

    /** picocli suggests only options sharing the first two letters: {@code --treshold} got no suggestion. */
    @Test
    void aMistypedOptionSuggestsTheNearestOption() {
        ModeOptionsTest.Result r = ModeOptionsTest.run("dedup", "--master", "bogus://x", "-i", "in.jsonl", "-o", "out",
                "--treshold", "0.7");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("Unknown option") && r.err().contains("'--treshold'"), r.err());
        assertTrue(r.err().contains("Did you mean: kindling dedup --threshold?"), r.err());
        ModeOptionsTest.Result far = ModeOptionsTest.run("dedup", "--master", "bogus://x", "--colour");
        assertEquals(2, far.code(), far.err());
        assertTrue(!far.err().contains("Did you mean"), "no option is near --colour: " + far.err());
    }
}
