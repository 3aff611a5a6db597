package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.cli.KindlingCli;
import dev.kindling.spark.session.SparkSessions;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * {@code examples/airflow/kindling_dag.py}, read by {@code python3} with {@code ast} (Airflow is
 * not installed; {@code src/test/python/dag_facts.py} prints the DAG's operator calls, their
 * arguments and the {@code >>} wiring as JSON) and checked here against Kindling itself: the main
 * class, the jar's name for this version, the S3A committer settings Kindling sets, the packages'
 * versions in the root pom, and every task's command line parsed by Kindling's picocli CLI (the
 * real {@code curate} and {@code distill sft} commands).
 */
class AirflowDagTest {
    /** SparkSubmitOperator's keyword arguments (apache-airflow-providers-apache-spark) and the
     *  BaseOperator ones this DAG may use. */
    private static final Set<String> OPERATOR_KWARGS = Set.of("application", "conf", "conn_id", "files", "py_files",
            "archives", "driver_class_path", "jars", "java_class", "packages", "exclude_packages", "repositories",
            "total_executor_cores", "executor_cores", "executor_memory", "driver_memory", "keytab", "principal",
            "proxy_user", "name", "num_executors", "status_poll_interval", "application_args", "env_vars", "verbose",
            "spark_binary", "properties_file", "yarn_queue", "deploy_mode", "use_krb5ccache",
            "task_id", "retries", "retry_delay", "execution_timeout", "doc_md", "pool", "trigger_rule");

    private static JsonNode facts;

    @BeforeAll
    static void readDag() throws Exception {
        assumeTrue(Commands.onPath("python3"), "python3 is not on the PATH; skipping the Airflow DAG checks");
        Path module = Commands.moduleDir();
        Path dag = module.getParent().resolve("examples/airflow/kindling_dag.py");
        Commands.Result r = Commands.run(List.of("python3", module.resolve("src/test/python/dag_facts.py").toString(),
                dag.toString()), module, Map.of(), module.resolve("target/airflow-dag-facts.json"), Duration.ofMinutes(1));
        assertEquals(0, r.exitCode(), "dag_facts.py failed on " + dag + ":\n" + r.output());
        facts = new ObjectMapper().readTree(r.output());
    }

    private static Map<String, JsonNode> tasksById() {
        Map<String, JsonNode> tasks = new LinkedHashMap<>();
        for (JsonNode t : facts.path("tasks")) {
            tasks.put(t.path("kwargs").path("task_id").asText(), t);
        }
        return tasks;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(a -> {
            assertTrue(a.isTextual(), "expected a string, got " + a);
            out.add(a.asText());
        });
        return out;
    }

    @Test
    void dagImportsTheSparkProviderAndWiresCurateBeforeDistill() {
        assertTrue(strings(facts.path("imports").path("SparkSubmitOperator"))
                .contains("airflow.providers.apache.spark.operators.spark_submit"), "SparkSubmitOperator import");
        assertTrue(strings(facts.path("imports").path("DAG")).contains("airflow.sdk"), "DAG from airflow.sdk (Airflow 3)");
        assertEquals(1, facts.path("dags").size(), "one DAG");
        JsonNode dag = facts.path("dags").get(0).path("kwargs");
        assertEquals("kindling_curate_distill", dag.path("dag_id").asText());
        assertTrue(dag.has("schedule") && !dag.has("schedule_interval"), "Airflow 2.4+/3 'schedule', not 'schedule_interval'");
        Map<String, JsonNode> tasks = tasksById();
        assertEquals(List.of("curate", "distill_sft"), new ArrayList<>(tasks.keySet()), "task ids");
        Map<String, String> varToId = new LinkedHashMap<>();
        tasks.forEach((id, t) -> varToId.put(t.path("var").asText(), id));
        List<List<String>> edges = new ArrayList<>();
        for (JsonNode e : facts.path("edges")) {
            edges.add(List.of(varToId.get(e.get(0).asText()), varToId.get(e.get(1).asText())));
        }
        assertEquals(List.of(List.of("curate", "distill_sft")), edges, "wiring: curate >> distill_sft, nothing else");
    }

    @Test
    void everyTaskSubmitsThisKindlingJarWithTheS3aCommitters() throws IOException {
        String version = buildProperties().getProperty("version");
        Map<String, String> rootPom = rootPomProperties();
        String packages = "org.apache.hadoop:hadoop-aws:" + rootPom.get("hadoop.version")
                + ",org.apache.spark:spark-hadoop-cloud_" + rootPom.get("scala.binary.version") + ":"
                + rootPom.get("spark-hadoop-cloud.version");
        Map<String, String> committers = new LinkedHashMap<>();
        SparkSessions.defaults("yarn").forEach((k, v) -> {
            if (k.contains("committer") || k.contains("commitProtocol")) {
                committers.put(k, v);
            }
        });
        assertEquals(5, committers.size(), "Kindling's S3A committer defaults: " + committers);
        for (JsonNode task : facts.path("tasks")) {
            String id = task.path("kwargs").path("task_id").asText();
            assertEquals("SparkSubmitOperator", task.path("operator").asText(), id);
            JsonNode kw = task.path("kwargs");
            kw.fieldNames().forEachRemaining(k ->
                    assertTrue(OPERATOR_KWARGS.contains(k), id + ": '" + k + "' is not a SparkSubmitOperator argument"));
            kw.fields().forEachRemaining(e -> assertTrue(!e.getValue().has("$expr"),
                    id + ": " + e.getKey() + " is not a constant the test can check: " + e.getValue()));
            assertEquals("spark_default", kw.path("conn_id").asText(), id);
            assertEquals(KindlingCli.class.getName(), kw.path("java_class").asText(), id);
            assertTrue(kw.path("application").asText().endsWith("/kindling-" + version + "-all.jar"),
                    id + ": application must be this version's shaded jar: " + kw.path("application"));
            assertEquals(packages, kw.path("packages").asText(), id + ": packages (root pom versions)");
            committers.forEach((k, v) -> assertEquals(v, kw.path("conf").path(k).asText(), id + ": conf " + k));
            kw.path("conf").fields().forEachRemaining(e -> assertTrue(e.getValue().isTextual(),
                    id + ": conf values are strings: " + e.getKey()));
        }
    }

    /**
     * spark-submit adds its own module options (spark-launcher's {@code JavaModuleOptions}) to the driver and the
     * executors; the flags of Kindling's list it lacks ({@code -XX:PerMethodTrapLimit=1000}: without it the Q4_K/Q5_K
     * decode kernels can compile slow) must come from the conf, as in the README's spark-submit example, since
     * {@code distill_sft} runs the teacher model on the executors.
     */
    @Test
    void everyTaskPassesTheJvmFlagsSparkSubmitLacks() throws IOException {
        List<String> missing = NotebookTest.jvmFlagsSparkSubmitLacks();
        for (JsonNode task : facts.path("tasks")) {
            String id = task.path("kwargs").path("task_id").asText();
            JsonNode conf = task.path("kwargs").path("conf");
            for (String key : List.of("spark.executor.extraJavaOptions", "spark.driver.extraJavaOptions")) {
                List<String> given = Arrays.asList(conf.path(key).asText().trim().split("\\s+"));
                assertTrue(given.containsAll(missing), id + ": conf " + key + " must carry " + missing + ", has " + given);
            }
        }
    }

    @Test
    void curateArgumentsParseWithKindlingsCli() {
        List<String> args = strings(tasksById().get("curate").path("kwargs").path("application_args"));
        assertEquals("curate", args.get(0));
        CommandLine.ParseResult parsed = parse(args);
        CommandLine.ParseResult curate = parsed.subcommand();
        for (String required : List.of("--config", "--input", "--output")) {
            assertTrue(curate.hasMatchedOption(required), "curate needs " + required + ": " + args);
        }
        assertTrue(curate.hasMatchedOption("--overwrite"), "retried tasks must replace their own output: --overwrite");
        assertTrue(String.valueOf((Object) curate.matchedOptionValue("--output", "")).contains("{{ ds }}"),
                "the output is partitioned by the run date");
    }

    @Test
    void distillSftArgumentsParseWithKindlingsCli() {
        List<String> args = strings(tasksById().get("distill_sft").path("kwargs").path("application_args"));
        assertEquals(List.of("distill", "sft"), args.subList(0, 2));
        CommandLine.ParseResult parsed = parse(args);
        CommandLine.ParseResult sft = parsed.subcommand().subcommand();
        assertEquals("sft", sft.commandSpec().name());
        for (String required : List.of("--teacher", "--prompts", "--output", "--overwrite")) {
            assertTrue(sft.hasMatchedOption(required), "distill sft needs " + required + ": " + args);
        }
        // --prompts is repeatable (a list of paths)
        List<?> promptPaths = sft.matchedOptionValue("--prompts", List.of());
        assertEquals(1, promptPaths.size(), "distill reads one prompts path: " + promptPaths);
        String prompts = String.valueOf(promptPaths.get(0));
        String curatedOutput = tasksById().get("curate").path("kwargs").path("application_args").get(
                strings(tasksById().get("curate").path("kwargs").path("application_args")).indexOf("--output") + 1).asText();
        assertEquals(curatedOutput, prompts, "distill reads what curate wrote");
        // and the column it wrote: curate's text column (default text) is distill's prompt column (default prompt); with
        // the defaults one of the two tasks failed on any input ("has no column")
        CommandLine.ParseResult curate = parse(strings(tasksById().get("curate").path("kwargs").path("application_args"))).subcommand();
        String curatedColumn = curate.matchedOptionValue("--text-column", "text");
        String promptColumn = sft.matchedOptionValue("--text-column", sft.matchedOptionValue("--prompt-column", "prompt"));
        assertEquals(curatedColumn, promptColumn, "distill sft reads its prompts from the column curate curated");
    }

    /** Parses {@code args} with Kindling's CLI, which must have the command. */
    private static CommandLine.ParseResult parse(List<String> args) {
        CommandLine cli = KindlingCli.commandLine();
        assertTrue(cli.getSubcommands().containsKey(args.get(0)), "Kindling's CLI has no command " + args.get(0));
        try {
            return cli.parseArgs(args.toArray(new String[0]));
        } catch (CommandLine.ParameterException e) {
            return fail("Kindling's CLI rejects " + args + ": " + e.getMessage());
        }
    }

    private static Properties buildProperties() throws IOException {
        Properties p = new Properties();
        try (InputStream in = AirflowDagTest.class.getResourceAsStream("/kindling-build.properties")) {
            p.load(in);
        }
        return p;
    }

    /** The few root-pom properties the DAG's packages must match. */
    private static Map<String, String> rootPomProperties() throws IOException {
        String pom = Files.readString(Commands.moduleDir().getParent().resolve("pom.xml"));
        Map<String, String> props = new LinkedHashMap<>();
        for (String name : List.of("hadoop.version", "scala.binary.version", "spark-hadoop-cloud.version")) {
            Matcher m = Pattern.compile("<" + Pattern.quote(name) + ">([^<]+)</").matcher(pom);
            assertTrue(m.find(), "root pom property " + name);
            props.put(name, m.group(1).trim());
        }
        return props;
    }
}
