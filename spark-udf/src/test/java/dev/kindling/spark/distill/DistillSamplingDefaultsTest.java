package dev.kindling.spark.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.cli.KindlingCli;
import picocli.CommandLine;
import org.junit.jupiter.api.Test;

/**
 * {@code distill dpo} and {@code distill self-instruct} sample by default (the README's engine options table), and
 * their {@code --help} says so: it used to print the greedy defaults of {@code generate} ("0 = greedy (default)").
 * Parsing only, no Spark.
 */
class DistillSamplingDefaultsTest {
    private static CommandLine distill(String name) {
        return KindlingCli.commandLine().getSubcommands().get("distill").getSubcommands().get(name);
    }

    private static String optionHelp(CommandLine cl, String option) {
        String usage = cl.getUsageMessage(CommandLine.Help.Ansi.OFF).replaceAll("\\s+", " ");
        int at = usage.lastIndexOf(option + "="); // the option list, after the synopsis
        assertTrue(at >= 0, usage);
        int next = usage.indexOf(" --", at + option.length());
        return usage.substring(at, next < 0 ? usage.length() : next);
    }

    @Test
    void helpShowsTheDefaultsEachCommandSamplesWith() {
        assertTrue(optionHelp(distill("dpo"), "--temperature").contains("(default: 0.8)"), optionHelp(distill("dpo"), "--temperature"));
        assertTrue(optionHelp(distill("self-instruct"), "--temperature").contains("(default: 0.7)"),
                optionHelp(distill("self-instruct"), "--temperature"));
        assertTrue(optionHelp(distill("self-instruct"), "--top-p").contains("(default: 0.5)"), optionHelp(distill("self-instruct"), "--top-p"));
        // bootstrap_instructions.py asks for presence_penalty=2 with them
        assertTrue(optionHelp(distill("self-instruct"), "--presence-penalty").contains("(default: 2;"),
                optionHelp(distill("self-instruct"), "--presence-penalty"));
        assertTrue(optionHelp(distill("sft"), "--presence-penalty").contains("(default: 0;"), optionHelp(distill("sft"), "--presence-penalty"));
        // the greedy commands keep theirs
        assertTrue(optionHelp(distill("sft"), "--temperature").contains("(default: 0)"), optionHelp(distill("sft"), "--temperature"));
        assertTrue(optionHelp(distill("dpo"), "--top-p").contains("(default: 1)"), optionHelp(distill("dpo"), "--top-p"));
        CommandLine generate = KindlingCli.commandLine().getSubcommands().get("generate");
        assertTrue(optionHelp(generate, "--temperature").contains("(default: 0)"), optionHelp(generate, "--temperature"));
    }

    /** Parses a distill command line as the CLI does and returns the subcommand's object. */
    private static Object parsed(String... args) {
        CommandLine cl = KindlingCli.commandLine();
        cl.parseArgs(args);
        return cl.getSubcommands().get("distill").getSubcommands().get(args[1]).getCommand();
    }

    @Test
    void theDefaultsApplyUnlessGivenAndAGivenZeroStaysGreedy() {
        var dpo = (DistillCommand.DpoCommand) parsed("distill", "dpo", "--teacher", "t.gguf", "--prompts", "p.jsonl", "--output", "out");
        assertEquals(0.8, dpo.sampling.temperature);
        dpo = (DistillCommand.DpoCommand) parsed("distill", "dpo", "--teacher", "t.gguf", "--prompts", "p.jsonl", "--output", "out",
                "--temperature", "0");
        assertEquals(0.0, dpo.sampling.temperature);

        var si = (DistillCommand.SelfInstructCommand) parsed("distill", "self-instruct", "--teacher", "t.gguf", "--seed-tasks", "s.jsonl",
                "--num", "3", "--output", "out", "--top-p", "0.9");
        assertEquals(0.7, si.sampling.temperature);
        assertEquals(0.9, si.sampling.topP);
        assertEquals(2.0, si.sampling.presencePenalty);

        var sft = (DistillCommand.SftCommand) parsed("distill", "sft", "--teacher", "t.gguf", "--prompts", "p.jsonl", "--output", "out");
        assertEquals(0.0, sft.sampling.temperature);
        assertEquals(0.0, sft.sampling.presencePenalty);
    }

    /**
     * Greedy sampling gives a prompt's samples as one answer, every prompt then rated the same and rejected as
     * dpo:tied_ratings: a run of hours wrote no pair. It is a usage error, before Spark starts (and in the API form).
     */
    @Test
    void dpoRefusesGreedySampling() {
        String model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf").toString();
        for (String[] greedy : new String[][] {{"--temperature", "0"}, {"--top-k", "1"}}) {
            dev.kindling.spark.cli.Cli.Result r = dev.kindling.spark.cli.Cli.run("distill", "dpo", "--teacher", model, "--prompts",
                    "p.jsonl", "--output", "out", greedy[0], greedy[1]);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("greedy") && r.err().contains("dpo:tied_ratings"), r.err());
        }
        dev.kindling.spark.KindlingException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> new Dpo(new dev.kindling.spark.inference.Generate().setN(4), null, "m").apply(null, null));
        assertTrue(e.getMessage().contains("greedy"), e.getMessage());
    }
}
