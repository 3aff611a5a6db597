package dev.kindling.spark.cli;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.CurateCommand;
import dev.kindling.spark.dedup.DedupCommand;
import dev.kindling.spark.demo.DemoCommand;
import dev.kindling.spark.filter.FilterCommand;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.stream.Collectors;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.Spec;

/**
 * {@code kindling}: the command line, also the {@code spark-submit --class} main class.
 *
 * <p>Exit codes: 0 success, 1 failure (bad data, I/O), 2 usage (bad option, missing input or column), 141 stopped as
 * nobody reads stdout ({@link ClosedStdout}).
 * Errors are one line on stderr; stack traces only with {@code --verbose}.
 */
@Command(name = "kindling", mixinStandardHelpOptions = true, versionProvider = KindlingCli.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = "LLM data work as Spark jobs: read, curate, tokenize, score and distill text datasets.",
        footer = {"", "Run 'kindling <command> --help' for a command's options.",
                "Exit codes: 0 ok, 1 failure (bad data, I/O), 2 usage error (an existing output without --overwrite too),",
                "52 a Spark task ran the JVM out of memory, 130/143 interrupted (Ctrl-C, SIGTERM),",
                "141 stopped as nobody reads stdout any more (a run that writes no output, as in kindling demo | head -1)."},
        subcommands = {DemoCommand.class, ConvertCommand.class, DedupCommand.class, FilterCommand.class, CurateCommand.class,
                dev.kindling.spark.tokenize.TokenizeCommand.class, dev.kindling.spark.tokenize.PackCommand.class,
                dev.kindling.spark.inference.GenerateCommand.class, dev.kindling.spark.inference.ScoreCommand.class,
                dev.kindling.spark.inference.EmbedCommand.class,
                dev.kindling.spark.inference.LogitsCommand.class, dev.kindling.spark.distill.DistillCommand.class,
                BenchCommand.class, CommandLine.HelpCommand.class})
public final class KindlingCli implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new MissingCommand(spec);
    }

    /**
     * What a command that only groups others ({@code kindling}, {@code bench}, {@code distill}) throws when run without
     * one: a usage error that lists its commands.
     */
    public static final class MissingCommand extends CommandLine.ParameterException {
        private static final long serialVersionUID = 1L;

        public MissingCommand(CommandSpec spec) {
            super(spec.commandLine(), "missing command");
        }
    }

    public static void main(String[] args) {
        // before anything touches log4j: Kindling's quiet console configuration, unless one is given
        if (System.getProperty("log4j2.configurationFile") == null && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "classpath:kindling-log4j2.properties");
            quietUnconfiguredLogging();
        }
        // UTF-8 out, err and arguments whatever the locale; a run whose output could not be written exits 1
        System.setOut(dev.kindling.inference.cli.Utf8Console.stdout());
        System.setErr(dev.kindling.inference.cli.Utf8Console.stderr());
        ClosedStdout.commandWritesProcessStdout();
        int code = run(dev.kindling.inference.cli.Utf8Console.args(args));
        System.out.flush();
        String failure = dev.kindling.inference.cli.Utf8Console.stdoutFailure();
        if (failure != null && SparkCommand.outputsWritten()) {
            System.err.println("kindling: warning: the summary could not be written to stdout (" + failure + "); the outputs are complete");
            System.exit(code);
        }
        System.exit(dev.kindling.inference.cli.Utf8Console.exitCode(code, System.out, System.err, "kindling: error"));
    }

    /**
     * Under {@code spark-submit} log4j is set up before this main runs: SparkSubmit starts it, then resets it to log4j's
     * bare default before calling the application, and the first Spark log after that loads Spark's own profile (INFO on
     * stderr: some 190 lines of SparkContext and executor news before Kindling's summary). A configuration that is that
     * bare default, or Spark's profile, is replaced with Kindling's here; one the user gave (a {@code log4j2.properties}
     * in {@code $SPARK_CONF_DIR}, {@code -Dlog4j2.configurationFile}) is kept.
     */
    static void quietUnconfiguredLogging() {
        try {
            Class.forName("org.apache.logging.log4j.core.LoggerContext");
            if (!(org.apache.logging.log4j.LogManager.getContext(false) instanceof org.apache.logging.log4j.core.LoggerContext context)) {
                return;
            }
            org.apache.logging.log4j.core.config.Configuration c = context.getConfiguration();
            String from = c.getConfigurationSource() == null ? null : c.getConfigurationSource().getLocation();
            if (c instanceof org.apache.logging.log4j.core.config.DefaultConfiguration
                    || (from != null && from.endsWith("org/apache/spark/log4j2-defaults.properties"))) {
                java.net.URL ours = KindlingCli.class.getResource("/kindling-log4j2.properties");
                if (ours != null) {
                    context.setConfigLocation(ours.toURI());
                    forgetSparksDefaultProfile();
                }
            }
        } catch (ClassNotFoundException | LinkageError | java.net.URISyntaxException e) {
            // no log4j-core: nothing to configure
        }
    }

    /**
     * Spark remembers that it loaded its profile (SparkSubmit did) and loads it again when the first SparkContext logs,
     * whatever is configured by then; the flag is its {@code Logging} object's, reached by reflection so that another
     * Spark version, without it, costs only the quiet console.
     */
    private static void forgetSparksDefaultProfile() {
        try {
            Class<?> logging = Class.forName("org.apache.spark.internal.Logging$");
            Object module = logging.getField("MODULE$").get(null);
            for (java.lang.reflect.Method m : logging.getMethods()) {
                if (m.getName().endsWith("defaultSparkLog4jConfig_$eq") && m.getParameterCount() == 1) {
                    m.invoke(module, false);
                }
            }
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            // not this Spark's Logging: Spark's profile comes back with its first log
        }
    }

    /** Runs the CLI in this JVM and returns the exit code (tests call this). */
    public static int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured picocli command line. */
    public static CommandLine commandLine() {
        CommandLine cl = new CommandLine(new KindlingCli());
        // picocli's own writers encode in the locale's charset (ASCII under LANG=C: every non-ASCII character a '?')
        cl.setOut(new PrintWriter(new java.io.OutputStreamWriter(System.out, java.nio.charset.StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(System.err, java.nio.charset.StandardCharsets.UTF_8), true));
        removeUnusedInheritedOptions(cl);
        // only the top command had a version provider: `kindling generate --version` printed nothing and exited 0
        giveVersion(cl, cl.getCommandSpec().versionProvider());
        cl.setCaseInsensitiveEnumValuesAllowed(true);
        cl.setExecutionExceptionHandler(KindlingCli::handle);
        // picocli answers --help (and --version) for the last command it recognised and drops the words it did not:
        // `kindling tokenise --help` printed the top-level help and exited 0
        cl.setExecutionStrategy(parsed -> {
            for (ParseResult r = parsed; r != null; r = r.subcommand()) {
                if (!r.unmatched().isEmpty()) {
                    throw new CommandLine.UnmatchedArgumentException(r.commandSpec().commandLine(), r.unmatched());
                }
            }
            return new CommandLine.RunLast().execute(parsed);
        });
        // a bad option is one line (and picocli's suggestion), not the whole usage: the README promises one-line errors,
        // and in an Airflow log the error was lost above 50 lines of help
        cl.setParameterExceptionHandler((ex, args) -> {
            CommandLine c = ex.getCommandLine();
            PrintWriter err = c.getErr();
            if (ex instanceof MissingCommand) {
                err.println("kindling: error: missing command");
                printCommands(c, err);
                err.println("kindling: see '" + c.getCommandSpec().qualifiedName() + " --help'");
                err.flush();
                return c.getCommandSpec().exitCodeOnInvalidInput();
            }
            String unknown = unknownCommand(ex);
            if (unknown != null) {
                String qualified = c.getCommandSpec().qualifiedName();
                err.println("kindling: error: unknown command '" + unknown + "'" + (c.getParent() == null ? "" : " for '" + qualified + "'"));
                List<String> near = nearestCommands(c, unknown);
                if (near.isEmpty()) {
                    printCommands(c, err);
                } else {
                    err.println("Did you mean: " + near.stream().map(n -> qualified + " " + n).collect(Collectors.joining(" or ")) + "?");
                }
                err.println("kindling: see '" + qualified + " --help'");
                err.flush();
                return c.getCommandSpec().exitCodeOnInvalidInput();
            }
            // picocli's group errors begin "Error: " themselves ("kindling: error: Error: Missing required argument ...")
            err.println("kindling: error: " + String.valueOf(ex.getMessage()).replaceFirst("^Error: ", "") + fileOptionHint(c, ex));
            if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
                String near = nearestOption(ex);
                if (near != null) {
                    err.println("Did you mean: " + c.getCommandSpec().qualifiedName() + " " + near + "?");
                }
            }
            err.println("kindling: see '" + c.getCommandSpec().qualifiedName() + " --help'");
            err.flush();
            return c.getCommandSpec().exitCodeOnInvalidInput();
        });
        return cl;
    }

    /**
     * For a value picocli took for an option's name ({@code --prompt=-h}, even attached): where the option has a file
     * twin ({@code --prompt-file}), how to give such a value; else empty.
     */
    private static String fileOptionHint(CommandLine c, CommandLine.ParameterException ex) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("^Expected parameter for option '([^']+)' but found '([^']+)'")
                .matcher(String.valueOf(ex.getMessage()));
        if (!m.find() || c.getCommandSpec().findOption(m.group(1) + "-file") == null) {
            return "";
        }
        return " (" + m.group(2) + " is an option; a value that is an option's name can be given in a file, with "
                + m.group(1) + "-file)";
    }

    /** Sets {@code provider} on every command below {@code cl} that has a --version option and no version of its own. */
    private static void giveVersion(CommandLine cl, CommandLine.IVersionProvider provider) {
        for (CommandLine sub : new java.util.LinkedHashSet<>(cl.getSubcommands().values())) {
            CommandSpec s = sub.getCommandSpec();
            if (s.versionProvider() == null && s.version().length == 0) {
                s.versionProvider(provider);
            }
            giveVersion(sub, provider);
        }
    }

    /** The "Commands:" section of {@code c}'s help. */
    private static void printCommands(CommandLine c, PrintWriter err) {
        CommandLine.Help help = new CommandLine.Help(c.getCommandSpec(), c.getColorScheme());
        err.print(help.commandListHeading());
        err.print(help.commandList());
    }

    /**
     * The word a command that takes no words of its own found where its subcommand goes, or null: picocli called it an
     * "Unmatched argument at index 0" and suggested commands with nothing in common with it.
     */
    static String unknownCommand(CommandLine.ParameterException ex) {
        CommandLine c = ex.getCommandLine();
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty() || c.getSubcommands().isEmpty()
                || !c.getCommandSpec().positionalParameters().isEmpty()) {
            return null;
        }
        String word = u.getUnmatched().get(0);
        return word.startsWith("-") ? null : word;
    }

    /**
     * The subcommands of {@code c} within two edits of {@code typed} (fewer than its length) or starting with it (three
     * letters at least), nearest first.
     */
    static List<String> nearestCommands(CommandLine c, String typed) {
        List<String> near = new ArrayList<>();
        java.util.Map<String, Integer> distance = new java.util.HashMap<>();
        for (String name : c.getSubcommands().keySet()) {
            int d = editDistance(typed.toLowerCase(java.util.Locale.ROOT), name);
            if ((d <= 2 && d < typed.length()) || (typed.length() >= 3 && name.startsWith(typed))) {
                near.add(name);
                distance.put(name, d);
            }
        }
        near.sort(java.util.Comparator.comparing(distance::get));
        return near;
    }

    /**
     * The option nearest an unknown one, within two edits (picocli suggests only options sharing its first two letters, so
     * {@code --treshold} got nothing), or null.
     */
    static String nearestOption(CommandLine.ParameterException ex) {
        if (!(ex instanceof CommandLine.UnmatchedArgumentException u) || u.getUnmatched().isEmpty()
                || !u.getUnmatched().get(0).startsWith("--")) {
            return null;
        }
        String typed = u.getUnmatched().get(0);
        int eq = typed.indexOf('=');
        if (eq > 0) {
            typed = typed.substring(0, eq);
        }
        String best = null;
        int bestDistance = 3;
        for (CommandLine.Model.OptionSpec option : ex.getCommandLine().getCommandSpec().options()) {
            if (option.hidden()) {
                continue;
            }
            for (String name : option.names()) {
                int d = editDistance(typed, name);
                if (d < bestDistance) {
                    best = name;
                    bestDistance = d;
                }
            }
        }
        return best;
    }

    /** Levenshtein distance: insertions, deletions and substitutions. */
    static int editDistance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        int[] cur = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int substitute = prev[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
                cur[j] = Math.min(substitute, Math.min(prev[j], cur[j - 1]) + 1);
            }
            int[] t = prev;
            prev = cur;
            cur = t;
        }
        return prev[b.length()];
    }

    /** Takes each Spark command's {@link SparkCommand#unusedInheritedOptions} out of its options, in every subcommand. */
    private static void removeUnusedInheritedOptions(CommandLine cl) {
        if (cl.getCommand() instanceof SparkCommand command) {
            CommandSpec spec = cl.getCommandSpec();
            for (String name : command.unusedInheritedOptions()) {
                CommandLine.Model.OptionSpec option = spec.findOption(name);
                if (option == null) {
                    throw new IllegalStateException(spec.qualifiedName() + " has no option " + name + " to remove");
                }
                spec.remove(option);
            }
            for (String name : command.hiddenInheritedOptions()) {
                CommandLine.Model.OptionSpec option = spec.findOption(name);
                if (option == null) {
                    throw new IllegalStateException(spec.qualifiedName() + " has no option " + name + " to hide");
                }
                spec.remove(option);
                spec.addOption(CommandLine.Model.OptionSpec.builder(option).hidden(true).build());
            }
            List<Object[]> help = new ArrayList<>();
            if (command.formatHelp() != null) {
                help.add(new Object[] {SparkJobOptions.FORMAT_HELP_KEY, command.formatHelp()});
            }
            if (command.outputHelp() != null) {
                help.add(new Object[] {SparkJobOptions.OUTPUT_HELP_KEY, command.outputHelp()});
            }
            if (command.onErrorHelp() != null) {
                help.add(new Object[] {SparkJobOptions.ON_ERROR_HELP_KEY, command.onErrorHelp()});
            }
            if (!help.isEmpty()) {
                spec.resourceBundle(new java.util.ListResourceBundle() {
                    @Override
                    protected Object[][] getContents() {
                        return help.toArray(new Object[0][]);
                    }
                });
            }
        }
        // once each: a command's aliases map to the same CommandLine (which compares by identity)
        new java.util.LinkedHashSet<>(cl.getSubcommands().values()).forEach(KindlingCli::removeUnusedInheritedOptions);
    }

    private static int handle(Exception e, CommandLine cl, ParseResult parsed) {
        PrintWriter err = cl.getErr();
        boolean verbose = verbose(parsed);
        KindlingException k = findKindling(e);
        String message;
        int code;
        if (k != null) {
            message = k.getMessage();
            code = k.exitCode();
        } else {
            String fromText = kindlingMessageInText(e);
            message = fromText != null ? fromText : describe(e);
            code = KindlingException.FAILURE;
        }
        err.println("kindling: error: " + message);
        for (Throwable s : e.getSuppressed()) {
            if (s instanceof SparkCommand.RemovedOutputs removed) {
                err.println("kindling: " + removed.getMessage());
            }
        }
        if (verbose) {
            e.printStackTrace(err);
        } else if (k == null && cl.getCommandSpec().findOption("--verbose") != null) {
            // only where the command has the option: bench tokenizer and the like would answer "Unknown option"
            err.println("kindling: (run with --verbose for the stack trace)");
        }
        err.flush();
        return code;
    }

    private static boolean verbose(ParseResult p) {
        for (ParseResult r = p; r != null; r = r.subcommand()) {
            if (r.hasMatchedOption("--verbose")) {
                return true;
            }
        }
        return false;
    }

    /** The first KindlingException in the cause chain (Spark wraps task failures). */
    static KindlingException findKindling(Throwable t) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            if (t instanceof KindlingException k) {
                return k;
            }
        }
        return null;
    }

    /** When a task's exception did not travel as a cause, its text still names it. */
    static String kindlingMessageInText(Throwable t) {
        for (int depth = 0; t != null && depth < 20; t = t.getCause(), depth++) {
            String m = t.getMessage();
            if (m == null) {
                continue;
            }
            int i = m.indexOf("BadInputException: ");
            if (i >= 0) {
                String rest = m.substring(i + "BadInputException: ".length());
                int nl = rest.indexOf('\n');
                return nl >= 0 ? rest.substring(0, nl) : rest;
            }
        }
        return null;
    }

    /** How Spark's error for a job that a task's failure aborted begins; the task's own error follows its ids. */
    private static final String STAGE_FAILURE = "Job aborted due to stage failure";
    private static final java.util.regex.Pattern TASK_ERROR_IN_TEXT = java.util.regex.Pattern.compile(
            "most recent failure: Lost task .*?\\): (?:[\\w$]+\\.)*([\\w$]+): (.*)");

    /**
     * One line for an error that is not Kindling's own. A failed task's error leads, without Spark's "Job aborted due to
     * stage failure: Task 0 in stage 0.0 failed 1 times, most recent failure: Lost task ..." before it (the stack trace
     * under {@code --verbose} still shows it): the task's message is what names the file or the row.
     */
    static String describe(Throwable e) {
        // a future's wrapper says only "java.lang.ArithmeticException: <the message>": the engine's error is its cause
        while ((e instanceof java.util.concurrent.CompletionException || e instanceof java.util.concurrent.ExecutionException)
                && e.getCause() != null) {
            e = e.getCause();
        }
        Throwable lead = e;
        while (lead.getCause() != null && lead.getCause() != lead && isStageFailure(lead)) {
            lead = lead.getCause();
        }
        String m;
        if (isStageFailure(lead)) {
            // the task's exception did not travel (it could not be deserialized on the driver): its text did
            java.util.regex.Matcher t = TASK_ERROR_IN_TEXT.matcher(firstLine(lead.getMessage()));
            m = t.find() ? t.group(2) + " (" + t.group(1) + " in a Spark task)" : firstLine(lead.getMessage());
        } else {
            m = lead.getMessage() != null ? firstLine(lead.getMessage()) : lead.getClass().getSimpleName();
            if (lead != e) {
                m += " (" + lead.getClass().getSimpleName() + " in a Spark task)";
            }
        }
        Throwable root = KindlingException.rootCause(lead);
        if (root != lead && root.getMessage() != null && !m.contains(firstLine(root.getMessage()))) {
            m += " (caused by " + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage()) + ")";
        }
        if (m.contains("OutOfMemoryError") && (m.contains("Java heap space") || m.contains("GC overhead"))) {
            // the job's failure can reach the driver before Spark's fatal-error handler exits the JVM (52), whose shutdown
            // line says what to raise; this line must say it too
            m += "; " + JobRun.memoryAdvice();
        }
        return m;
    }

    private static boolean isStageFailure(Throwable t) {
        return t.getMessage() != null && t.getMessage().startsWith(STAGE_FAILURE);
    }

    private static String firstLine(String s) {
        return s.lines().findFirst().orElse("");
    }

    /** Version from the build (kindling-build.properties). */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            Properties p = buildProperties();
            return new String[] {"kindling " + p.getProperty("version", "unknown"),
                    "Spark " + p.getProperty("spark.version", "?") + " (built against), Java " + System.getProperty("java.version")};
        }
    }

    /** Kindling's version, as {@code --version} gives it ("unknown" outside a build). */
    public static String version() {
        return buildProperties().getProperty("version", "unknown");
    }

    static Properties buildProperties() {
        Properties p = new Properties();
        try (InputStream in = KindlingCli.class.getResourceAsStream("/kindling-build.properties")) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException ignored) {
            // version unknown
        }
        return p;
    }
}
