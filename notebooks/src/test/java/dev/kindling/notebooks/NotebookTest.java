package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.kindling.testing.SharedData;
import org.apache.spark.launcher.JavaModuleOptions;
import org.junit.jupiter.api.Test;

/**
 * Executes {@code notebooks/kindling-tour.ipynb} headless, the way a user runs it: the kernel spec
 * is written by {@code notebooks/install-kernel.sh} (the user's installer) into a directory under
 * {@code target/}, then {@code jupyter nbconvert --execute} runs every cell in the Java kernel with
 * local Spark. Fails on any cell error, and checks the outputs against the sample corpus.
 *
 * <p>Nothing is written under the real home: the JUPYTER_* directories, the kernel's
 * {@code user.home} and {@code java.io.tmpdir} all point into {@code target/notebook-test}.
 * Skipped with a message when Jupyter is not installed ({@code .ci/run} installs it).
 */
class NotebookTest {
    private static final String KERNEL_NAME = "kindling-java";
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void committedNotebookHasNoOutputsAndNamesTheKernel() throws IOException {
        JsonNode nb = JSON.readTree(Commands.moduleDir().resolve("kindling-tour.ipynb").toFile());
        assertEquals(KERNEL_NAME, nb.path("metadata").path("kernelspec").path("name").asText(),
                "the notebook must name the kernel install-kernel.sh installs");
        for (JsonNode cell : nb.path("cells")) {
            if (cell.path("cell_type").asText().equals("code")) {
                assertTrue(cell.path("outputs").isEmpty() && cell.path("execution_count").isNull(),
                        "cell " + cell.path("id").asText() + " is committed with outputs; clear them");
            }
        }
        assertEquals("janino-fix", firstCodeCell(nb).path("id").asText(), "the Janino logger fix must run before Spark starts");
    }

    @Test
    void tourRunsHeadlessWithoutCellErrors() throws Exception {
        assumeTrue(Commands.onPath("jupyter"), "jupyter is not installed; skipping the notebook execution "
                + "(apt-get install jupyter-nbconvert python3-nbclient jupyter-client jupyter-core; .ci/run does)");
        assumeTrue(Commands.onPath("python3"), "python3 is not on the PATH; skipping the notebook execution");
        String kernelJar = System.getProperty("kindling.jupyter.kernel.jar");
        assertNotNull(kernelJar, "surefire passes kindling.jupyter.kernel.jar (see notebooks/pom.xml)");

        Path module = Commands.moduleDir();
        Path dir = module.resolve("target").resolve("notebook-test");
        Commands.deleteTree(dir);
        Path data = dir.resolve("jupyter-data");
        Map<String, String> env = new LinkedHashMap<>();
        env.put("JUPYTER_DATA_DIR", data.toString());
        env.put("JUPYTER_PATH", data.toString());
        env.put("JUPYTER_CONFIG_DIR", dir.resolve("jupyter-config").toString());
        env.put("JUPYTER_RUNTIME_DIR", dir.resolve("jupyter-runtime").toString());
        Files.createDirectories(dir.resolve("tmp"));
        Files.createDirectories(dir.resolve("home"));

        // the kernel spec, by the installer users run, with this build's classpath
        Path kernelLog = dir.resolve("kernel.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> installCommand = new ArrayList<>(List.of("bash", module.resolve("install-kernel.sh").toString(),
                        "--name", KERNEL_NAME,
                        "--kernels-dir", data.resolve("kernels").toString(),
                        "--classpath", System.getProperty("java.class.path"),
                        "--kernel-jar", kernelJar,
                        "--java", java,
                        "--log-file", kernelLog.toString(),
                        "--jvm-opt", "-Xmx2g",
                        // where the tour finds its model (stories260K), as the tests find the shared data
                        "--jvm-opt", "-Dkindling.shared=" + SharedData.root(),
                        "--jvm-opt", "-Djava.io.tmpdir=" + dir.resolve("tmp"),
                        "--jvm-opt", "-Duser.home=" + dir.resolve("home")));
        // the test JVMs' JIT (the root pom's spark.test.jit.flags): the kernel runs the same Spark work as they do
        for (String flag : TestJvm.jitFlags()) {
            installCommand.addAll(List.of("--jvm-opt", flag));
        }
        Commands.Result install = Commands.run(installCommand, module, env, dir.resolve("install-kernel.log"), Duration.ofMinutes(2));
        assertEquals(0, install.exitCode(), "install-kernel.sh failed:\n" + install.output());
        checkKernelSpec(data.resolve("kernels").resolve(KERNEL_NAME).resolve("kernel.json"), kernelJar);

        Path litter = module.resolve("spark-warehouse");
        Commands.deleteTree(litter);
        Path executed = runNotebook(module.resolve("kindling-tour.ipynb"), dir, env);
        assertFalse(Files.exists(litter), "the notebook left " + litter + " behind (its kernel runs in notebooks/)");
        JsonNode nb = JSON.readTree(executed.toFile());
        Map<String, String> stdout = new LinkedHashMap<>();
        for (JsonNode cell : nb.path("cells")) {
            if (!cell.path("cell_type").asText().equals("code")) {
                continue;
            }
            String id = cell.path("id").asText();
            StringBuilder text = new StringBuilder();
            for (JsonNode out : cell.path("outputs")) {
                if (out.path("output_type").asText().equals("error")) {
                    fail("cell " + id + " failed: " + out.path("ename").asText() + ": " + out.path("evalue").asText()
                            + "\n" + out.path("traceback"));
                }
                if (out.path("output_type").asText().equals("stream") && out.path("name").asText().equals("stdout")) {
                    text.append(joinText(out.path("text")));
                }
            }
            assertTrue(cell.path("execution_count").isInt(), "cell " + id + " was not executed");
            stdout.put(id, text.toString());
        }

        TourExpectations expect = TourExpectations.forSeed42();
        assertTrue(stdout.get("spark-session").startsWith("Spark 4."), stdout.get("spark-session"));
        assertTrue(stdout.get("corpus").contains("corpus.jsonl: " + expect.rowsIn() + " lines"), stdout.get("corpus"));
        assertTrue(stdout.get("read-rejected").contains("read:malformed_json"), stdout.get("read-rejected"));
        expect.assertCuration(stdout.get("curate-dedup"), stdout.get("curate-filter"));
        expect.assertModelSections(stdout.get("model"), stdout.get("score"), stdout.get("distill-sft"), stdout.get("distill-dpo"));
        long kept = expect.assertReportTable(stdout.get("pipeline"));
        Matcher written = Pattern.compile("written: kept (\\d+), rejected (\\d+) \\(of (\\d+) rows in\\)")
                .matcher(stdout.get("outputs"));
        assertTrue(written.find(), stdout.get("outputs"));
        assertEquals(kept, Long.parseLong(written.group(1)), "kept rows read back from the output");
        assertEquals(expect.rowsIn(), Long.parseLong(written.group(1)) + Long.parseLong(written.group(2)),
                "kept + rejected rows written = rows in: nothing lost");
        assertTrue(stdout.get("stats").contains("\"documents_in\" : " + expect.rowsIn()), stdout.get("stats"));
        expect.assertPipelineOutputs(stdout.get("outputs"), stdout.get("stats"));
        Matcher keptRow = Pattern.compile("\\|kept\\s*\\|(\\d+)\\s*\\|").matcher(stdout.get("sql"));
        assertTrue(keptRow.find(), stdout.get("sql"));
        assertEquals(kept, Long.parseLong(keptRow.group(1)), "SQL verdict count of kept documents");
        assertTrue(stdout.get("cleanup").contains("done"), stdout.get("cleanup"));

        // Spark's logs went to the kernel's log file, not into the cells' output
        assertTrue(Files.readString(kernelLog, StandardCharsets.UTF_8).contains("SparkContext"),
                "Spark's log lines are missing from " + kernelLog);
        assertTrue(stdout.values().stream().noneMatch(s -> s.contains(" INFO SparkContext")),
                "Spark's logs leaked into the cell outputs");
    }

    /** kernel.json: argv = java, log4j file config, the build's JVM flags in order, ..., -jar kernel. */
    private static void checkKernelSpec(Path kernelJson, String kernelJar) throws IOException {
        JsonNode spec = JSON.readTree(kernelJson.toFile());
        List<String> argv = new ArrayList<>();
        spec.path("argv").forEach(a -> argv.add(a.asText()));
        List<String> flags = buildJvmFlags();
        int at = argv.indexOf(flags.get(0));
        assertTrue(at > 0, "kernel argv lacks the JVM flags: " + argv);
        assertEquals(flags, argv.subList(at, at + flags.size()), "kernel argv must carry the build's JVM flags in order");
        assertTrue(argv.get(1).startsWith("-Dlog4j2.configurationFile="), argv.get(1));
        assertEquals(List.of("-jar", kernelJar, "{connection_file}"), argv.subList(argv.size() - 3, argv.size()));
        JsonNode env = spec.path("env");
        List<String> cp = Arrays.asList(env.path("RJK_CLASSPATH").asText().split(";"));
        List<String> ours = Arrays.asList(System.getProperty("java.class.path").split(File.pathSeparator));
        assertEquals(ours, cp, "RJK_CLASSPATH must be this build's classpath, ';'-separated");
        assertEquals("--add-modules jdk.incubator.vector", env.path("RJK_COMPILER_OPTIONS").asText());
        assertEquals("127.0.0.1", env.path("SPARK_LOCAL_IP").asText());
    }

    /** The JVM flags of the build: the root pom's spark.jvm.flags, as spark-udf's resources carry them. */
    static List<String> buildJvmFlags() throws IOException {
        try (InputStream in = NotebookTest.class.getResourceAsStream("/kindling-jvm-flags.txt")) {
            assertNotNull(in, "kindling-jvm-flags.txt is missing from the classpath (spark-udf resources)");
            String text = new String(in.readAllBytes(), StandardCharsets.UTF_8).trim();
            assertTrue(!text.isEmpty() && !text.contains("${"), "kindling-jvm-flags.txt was not filtered: " + text);
            return Arrays.asList(text.split("\\s+"));
        }
    }

    /** The build's JVM flags that spark-submit does not add itself (spark-launcher's {@code JavaModuleOptions}). */
    static List<String> jvmFlagsSparkSubmitLacks() throws IOException {
        List<String> missing = new ArrayList<>(buildJvmFlags());
        missing.removeAll(Arrays.asList(JavaModuleOptions.defaultModuleOptionArray()));
        assertTrue(missing.contains("-XX:PerMethodTrapLimit=1000"), "Kindling's flags beyond spark-submit's: " + missing);
        return missing;
    }

    /**
     * {@code jupyter nbconvert --execute}, retried when the kernel never got going; a cell error is
     * never retried. rapaio-jupyter-kernel 3.0.1 (2.3.0 too) binds its sockets before it registers
     * its message handlers, and Jupyter sends {@code kernel_info_request} at once (then every
     * second). A request landing in between is dropped ("Unhandled message": harmless, the next one
     * is answered), or kills the shell thread with a NullPointerException when the handler map does
     * not exist yet. And its {@code LoopThread.start()} starts the thread before setting its
     * {@code running} flag: a channel thread that gets to its loop first sees {@code false} and ends
     * at once, so the shell handles nothing at all after binding. Either way the kernel never answers,
     * and the busier the machine, the more often. {@link KernelStartWatch} spots both from the kernel's
     * log and the run starts again at once, instead of waiting out Jupyter's start-up timeout — which
     * stays long (60 s) because on a loaded machine reading the classpath before binding can itself
     * take more than the default.
     */
    private static Path runNotebook(Path notebook, Path dir, Map<String, String> env) throws Exception {
        Path out = dir.resolve("out");
        String name = "kindling-tour.executed.ipynb";
        List<String> cmd = List.of("jupyter", "nbconvert", "--to", "notebook", "--execute", notebook.toString(),
                "--output-dir", out.toString(), "--output", name,
                "--ExecutePreprocessor.startup_timeout=60", "--ExecutePreprocessor.timeout=300");
        Commands.Result r = null;
        int attempts = 8;
        for (int attempt = 1; attempt <= attempts; attempt++) {
            r = Commands.runWatched(cmd, notebook.getParent(), env, dir.resolve("nbconvert-" + attempt + ".log"),
                    Duration.ofMinutes(8), new KernelStartWatch());
            if (r.exitCode() == 0) {
                return out.resolve(name);
            }
            boolean startFailed = r.exitCode() == Commands.ABORTED || r.output().contains("Kernel didn't respond")
                    || r.output().contains("Kernel died before replying to kernel_info");
            if (!startFailed) {
                break;
            }
        }
        String why = r.output().contains("CellExecutionError") ? "a cell failed"
                : r.exitCode() == Commands.ABORTED ? "the kernel did not answer after starting, " + attempts + " times"
                : "nbconvert failed";
        throw new AssertionError(why + " (exit " + r.exitCode() + "):\n" + r.tail(80));
    }

    /** Watches nbconvert's output (the kernel's log included) for a kernel that will never answer. */
    private static final class KernelStartWatch implements java.util.function.Predicate<String> {
        /** What the kernel prints when the start-up race killed its shell thread. */
        private static final String SHELL_THREAD_DIED = "because \"this.handlers\" is null";
        /**
         * A shell channel that handled nothing this long after binding will not start handling: a live
         * shell thread polls every 50 ms and Jupyter repeats {@code kernel_info_request} every second, so
         * one answers within about a second of binding; a thread that ended at its start never does.
         * Each silent start waits this out before the next try (it was 20 s; two silent starts in one
         * CI run are common on 2 cores), so it is short, with room for a loaded machine's scheduling.
         */
        private static final long SILENT_SHELL_NANOS = Duration.ofSeconds(6).toNanos();
        private long shellBoundAt = -1;

        @Override
        public boolean test(String output) {
            if (output.contains(SHELL_THREAD_DIED)) {
                return true;
            }
            if (output.contains("[ShellChannel]: Handling message")) {
                return false;
            }
            if (shellBoundAt < 0 && output.contains("[ShellChannel]: Binding")) {
                shellBoundAt = System.nanoTime();
            }
            return shellBoundAt >= 0 && System.nanoTime() - shellBoundAt > SILENT_SHELL_NANOS;
        }
    }

    private static JsonNode firstCodeCell(JsonNode nb) {
        for (JsonNode cell : nb.path("cells")) {
            if (cell.path("cell_type").asText().equals("code")) {
                return cell;
            }
        }
        throw new AssertionError("the notebook has no code cell");
    }

    private static String joinText(JsonNode text) {
        if (text.isArray()) {
            StringBuilder sb = new StringBuilder();
            text.forEach(t -> sb.append(t.asText()));
            return sb.toString();
        }
        return text.asText();
    }
}
