package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;

/**
 * README.md's CLI reference and the commands' options, read from the README at test time, name the same options: an
 * option added to a command without a word in the README, or renamed or dropped while the README still gives it, fails
 * here naming the command, the option and the README's line. No Spark: the commands' picocli specs and the README's text.
 */
class ReadmeOptionsTest {
    /** An option as the README writes it: a dash or two and its whole name (`--seed-tasks` is not `--seed`), not inside another word. */
    private static final Pattern OPTION = Pattern.compile("(?<![\\w-])--?[A-Za-z][\\w-]*");
    /** A row of the README's command table: its first cell a command line, `kindling CMD [OPTIONS]`. */
    private static final Pattern COMMAND_ROW = Pattern.compile("^\\| `(kindling[^`]*)`");
    /** A row of one of the README's option tables: its first cell options, `--device D` or `--top-p P`, `--top-k K`. */
    private static final Pattern OPTION_ROW = Pattern.compile("^\\| (`-[^|]*)\\|");

    /**
     * Every option a command shows in its help (not hidden, not --help or --version) is named in README.md; each row of
     * the README's command table names a command there is and only options of that command (so a synopsis cannot keep an
     * option renamed since), every command that runs has a row; and each option of the option tables (the shared Spark,
     * engine and sampling options) is an option of some command.
     */
    @Test
    void theReadmeAndTheCommandsNameTheSameOptions() throws Exception {
        List<String> readme = Files.readAllLines(Path.of("../README.md"));
        Set<String> named = new HashSet<>(); // every option-like word of the README (`--seed` and `--seed-tasks` two)
        OPTION.matcher(String.join("\n", readme)).results().forEach(m -> named.add(m.group()));
        Map<String, Set<String>> optionsOf = new LinkedHashMap<>(); // "kindling bench dedup" -> every name of its options
        Set<String> everyOption = new HashSet<>();
        List<String> wrong = new ArrayList<>();
        for (CommandLine cl : Cli.commands()) {
            Set<String> names = new HashSet<>();
            for (OptionSpec o : cl.getCommandSpec().options()) {
                names.addAll(List.of(o.names()));
                if (!o.hidden() && !o.usageHelp() && !o.versionHelp() && !named.contains(o.longestName())) {
                    wrong.add("README.md does not name " + cl.getCommandSpec().qualifiedName() + "'s " + o.longestName());
                }
            }
            optionsOf.put(cl.getCommandSpec().qualifiedName(), names);
            everyOption.addAll(names);
        }
        assertTrue(optionsOf.containsKey("kindling generate") && optionsOf.get("kindling generate").contains("--max-tokens"),
                "walked the commands: " + optionsOf.keySet());

        Set<String> withARow = new HashSet<>();
        int commandRows = 0;
        int optionRows = 0;
        for (int i = 0; i < readme.size(); i++) {
            String at = "README.md:" + (i + 1) + ": ";
            Matcher row = COMMAND_ROW.matcher(readme.get(i));
            if (row.find()) {
                commandRows++;
                String synopsis = row.group(1).replace("\\|", "|");
                // the longest command name the synopsis starts with (`kindling bench dedup` before `kindling bench`)
                String command = optionsOf.keySet().stream()
                        .filter(c -> synopsis.equals(c) || synopsis.startsWith(c + " "))
                        .reduce((a, b) -> a.length() >= b.length() ? a : b).orElse("kindling");
                String after = synopsis.substring(command.length()).strip();
                if (!after.isEmpty() && Character.isLetter(after.charAt(0))) {
                    wrong.add(at + "`" + synopsis + "`: no command '" + command + " " + after.split("\\s")[0] + "'");
                    continue;
                }
                withARow.add(command);
                Matcher option = OPTION.matcher(after);
                while (option.find()) {
                    if (!optionsOf.get(command).contains(option.group())) {
                        wrong.add(at + "`" + command + "` has no option " + option.group());
                    }
                }
            }
            Matcher options = OPTION_ROW.matcher(readme.get(i));
            if (options.find()) {
                optionRows++;
                Matcher option = Pattern.compile("`(--?[A-Za-z][\\w-]*)").matcher(options.group(1));
                while (option.find()) {
                    if (!everyOption.contains(option.group(1))) {
                        wrong.add(at + "no command has the option " + option.group(1));
                    }
                }
            }
        }
        assertTrue(commandRows >= 20 && optionRows >= 20, "README.md's command and option tables were not found: "
                + commandRows + " command rows, " + optionRows + " option rows");
        Cli.commands().stream().filter(cl -> cl.getSubcommands().isEmpty()).map(cl -> cl.getCommandSpec().qualifiedName())
                .filter(c -> !withARow.contains(c)).forEach(c -> wrong.add("README.md's command table has no row for " + c));
        assertEquals("", String.join("\n", wrong), "README.md's CLI reference and the commands' options");
    }
}
