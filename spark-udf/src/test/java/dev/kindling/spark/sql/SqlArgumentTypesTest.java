package dev.kindling.spark.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

/**
 * Every kindling_* SQL function checks its arguments' SQL types as the query is analysed, naming the argument: a Java
 * UDF carries no input types, so a wrong one reached the function in a task as a ClassCastException that named no
 * argument, after the job had started.
 */
class SqlArgumentTypesTest {
    /**
     * A NULL of each argument type the README's "SQL functions" table gives: right-typed, and no check of its value runs
     * (but for an argument that refuses a NULL).
     */
    private static final Map<String, String> NULL_OF = Map.of(
            "s", "CAST(NULL AS STRING)",
            // kindling_quality_reason's filters: a NULL is refused (its NULL answer would read as kept)
            "filters", "'gopher'",
            "b", "CAST(NULL AS BOOLEAN)",
            "ids", "CAST(NULL AS ARRAY<INT>)",
            "msgs", "CAST(NULL AS ARRAY<STRUCT<role: STRING, content: STRING>>)",
            "opts", "CAST(NULL AS MAP<STRING, STRING>)");

    /** Each function's arguments, as name:kind, in the README's order and names. */
    private static final Map<String, String[]> FUNCTIONS = new LinkedHashMap<>();

    static {
        FUNCTIONS.put("kindling_tokenize", new String[] {"text:s", "tokenizer:s"});
        FUNCTIONS.put("kindling_tokenize_ex", new String[] {"text:s", "tokenizer:s", "add_special:b"});
        FUNCTIONS.put("kindling_tokenize_split_special", new String[] {"text:s", "tokenizer:s", "add_special:b", "split_special_tokens:b"});
        FUNCTIONS.put("kindling_tokenize_offsets", new String[] {"text:s", "tokenizer:s", "add_special:b"});
        FUNCTIONS.put("kindling_tokenize_offsets_split_special",
                new String[] {"text:s", "tokenizer:s", "add_special:b", "split_special_tokens:b"});
        FUNCTIONS.put("kindling_count_tokens", new String[] {"text:s", "tokenizer:s"});
        FUNCTIONS.put("kindling_count_tokens_ex", new String[] {"text:s", "tokenizer:s", "add_special:b"});
        FUNCTIONS.put("kindling_count_tokens_split_special", new String[] {"text:s", "tokenizer:s", "add_special:b", "split_special_tokens:b"});
        FUNCTIONS.put("kindling_detokenize", new String[] {"ids:ids", "tokenizer:s"});
        FUNCTIONS.put("kindling_apply_chat_template", new String[] {"messages:msgs", "tokenizer:s"});
        FUNCTIONS.put("kindling_apply_chat_template_ex",
                new String[] {"messages:msgs", "tokenizer:s", "add_generation_prompt:b", "continue_final_message:b"});
        FUNCTIONS.put("kindling_minhash", new String[] {"text:s"});
        FUNCTIONS.put("kindling_jaccard", new String[] {"text_a:s", "text_b:s"});
        FUNCTIONS.put("kindling_text_hash", new String[] {"text:s"});
        FUNCTIONS.put("kindling_normalize", new String[] {"text:s", "mode:s"});
        FUNCTIONS.put("kindling_quality_reason", new String[] {"text:s", "filters:filters"});
        FUNCTIONS.put("kindling_redact_pii", new String[] {"text:s"});
        FUNCTIONS.put("kindling_generate", new String[] {"prompt:s", "model:s"});
        FUNCTIONS.put("kindling_generate_ex", new String[] {"prompt:s", "model:s", "options:opts"});
        FUNCTIONS.put("kindling_chat", new String[] {"messages:msgs", "model:s", "options:opts"});
        FUNCTIONS.put("kindling_sample", new String[] {"prompt:s", "model:s", "options:opts"});
        FUNCTIONS.put("kindling_score", new String[] {"text:s", "model:s"});
        FUNCTIONS.put("kindling_perplexity", new String[] {"text:s", "model:s"});
        FUNCTIONS.put("kindling_embed", new String[] {"text:s", "model:s"});
        FUNCTIONS.put("kindling_embed_ex", new String[] {"text:s", "model:s", "options:opts"});
        FUNCTIONS.put("kindling_judge", new String[] {"instruction:s", "response:s", "model:s", "rubric:s"});
    }

    private static String chain(Throwable e) {
        StringBuilder s = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause()) {
            s.append(t.getMessage()).append('\n');
        }
        return s.toString();
    }

    private static String call(String function, String[] args, int wrong, String wrongValue) {
        List<String> values = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            values.add(i == wrong ? wrongValue : NULL_OF.get(args[i].split(":")[1]));
        }
        return "SELECT " + function + "(" + String.join(", ", values) + ")";
    }

    @Test
    void everyArgumentOfEveryFunctionIsCheckedWhenTheQueryIsAnalysed() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        // the table covers every registered function: one added later is checked here too
        assertEquals(new TreeSet<>(FUNCTIONS.keySet()), registered(spark));
        for (Map.Entry<String, String[]> f : FUNCTIONS.entrySet()) {
            String[] args = f.getValue();
            // the right types, as NULLs, are analysed without complaint (nothing runs: no tokenizer or model is loaded)
            spark.sql(call(f.getKey(), args, -1, null)).queryExecution().analyzed();
            // DESCRIBE FUNCTION gives the arguments and what it returns (it said "Usage: N/A.")
            String described = String.join("\n", spark.sql("DESCRIBE FUNCTION EXTENDED " + f.getKey()).as(
                    org.apache.spark.sql.Encoders.STRING()).collectAsList());
            List<String> names = new ArrayList<>();
            for (String a : args) {
                names.add(a.split(":")[0]);
            }
            assertTrue(described.contains("Usage: " + f.getKey() + "(" + String.join(", ", names) + ") - returns "), described);
            assertTrue(described.contains("* " + names.get(0) + " - "), described);
            for (int i = 0; i < args.length; i++) {
                String name = args[i].split(":")[0];
                // an INT, or (every other argument, to keep the test short) a STRING where the argument is not one and a
                // BOOLEAN where it is
                String[] wrong = i % 2 == 0 ? new String[] {"42", "INT"}
                        : args[i].endsWith(":s") || args[i].endsWith(":filters") ? new String[] {"true", "BOOLEAN"}
                        : new String[] {"'x'", "STRING"};
                {
                    String sql = call(f.getKey(), args, i, wrong[0]);
                    // spark.sql analyses the query: the error comes before any action, so before any task
                    Exception e = assertThrows(Exception.class, () -> spark.sql(sql), sql);
                    String expected = f.getKey() + ": argument " + (i + 1) + " (" + name + ") is " + wrong[1] + ", expected ";
                    assertTrue(chain(e).contains(expected), sql + ": " + chain(e));
                }
            }
        }
    }

    /** The kindling_* functions registered in {@code spark}, by name. */
    private static TreeSet<String> registered(SparkSession spark) {
        TreeSet<String> registered = new TreeSet<>();
        for (Row r : spark.sql("SHOW USER FUNCTIONS LIKE 'kindling_*'").collectAsList()) {
            String name = r.getString(0);
            registered.add(name.substring(name.lastIndexOf('.') + 1));
        }
        return registered;
    }

    /**
     * Every registered kindling_* function that takes a model, a tokenizer or a rubric (its arguments as DESCRIBE FUNCTION
     * names them: one registered later is walked too) refuses a constant path that is not there as the query is analysed,
     * naming the function and the argument, before any task. The check was registered from a list of the functions' names
     * apart from their registrations, which a function could miss; kindling_judge's rubric was not checked (its first task
     * failed, naming no function).
     */
    @Test
    void everyConstantModelTokenizerOrRubricIsLookedUpWhenTheQueryIsAnalysed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp)
            throws java.io.IOException {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String missing = tmp.resolve("missing").toString();
        java.util.regex.Pattern argument = java.util.regex.Pattern.compile("^\\s*\\* (\\w+) - ");
        TreeSet<String> kinds = new TreeSet<>();
        for (String f : registered(spark)) {
            List<String> names = new ArrayList<>();
            for (String line : spark.sql("DESCRIBE FUNCTION EXTENDED " + f).as(org.apache.spark.sql.Encoders.STRING()).collectAsList()) {
                for (String l : line.split("\n")) {
                    java.util.regex.Matcher m = argument.matcher(l);
                    if (m.find()) {
                        names.add(m.group(1));
                    }
                }
            }
            for (int i = 0; i < names.size(); i++) {
                if (!List.of("model", "tokenizer", "rubric").contains(names.get(i))) {
                    continue;
                }
                List<String> values = new ArrayList<>(java.util.Collections.nCopies(names.size(), "NULL"));
                values.set(i, "'" + missing + "'");
                String sql = "SELECT " + f + "(" + String.join(", ", values) + ")";
                dev.kindling.spark.KindlingException e = assertThrows(dev.kindling.spark.KindlingException.class, () -> spark.sql(sql), sql);
                assertTrue(e.getMessage().startsWith(f + ": argument " + (i + 1) + " (" + names.get(i) + ") " + missing
                        + (names.get(i).equals("rubric") ? " is neither a built-in rubric (helpfulness, " : " does not exist")),
                        sql + ": " + e.getMessage());
                assertEquals(dev.kindling.spark.KindlingException.USAGE, e.exitCode(), e.getMessage());
                kinds.add(names.get(i));
            }
        }
        assertEquals(new TreeSet<>(List.of("model", "rubric", "tokenizer")), kinds, "the functions' arguments as DESCRIBE FUNCTION gives them");
        // a rubric is read as the tasks read it: a template without {response} is refused too
        java.nio.file.Path noResponse = tmp.resolve("no-response.txt");
        java.nio.file.Files.writeString(noResponse, "Rate it: {instruction}");
        String sql = "SELECT kindling_judge(NULL, NULL, NULL, '" + noResponse + "')";
        dev.kindling.spark.KindlingException e = assertThrows(dev.kindling.spark.KindlingException.class, () -> spark.sql(sql), sql);
        assertEquals("kindling_judge: argument 4 (rubric): rubric no-response.txt has no {response} placeholder", e.getMessage());
    }

    /**
     * A function's errors take an argument's position from the function's arguments, asked for by name: a name it lacks
     * (an argument renamed, a function copied from another) fails at registration, as does a lambda of another number of
     * arguments, where a name and an index written beside the registration named the wrong argument once they drifted.
     */
    @Test
    void aFunctionsArgumentsAreAskedForByNameAndRegisteredWithTheirNumber() {
        SqlFunction f = SqlUdfs.function("kindling_drift", SqlUdfs.Arg.string("prompt"), SqlUdfs.Arg.options("options"));
        assertEquals("kindling_drift: argument 2 (options)", f.argument("options").named());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.argument("model"));
        assertEquals("kindling_drift has no argument named model (its arguments: prompt, options)", e.getMessage());
        SparkSession spark = TestSpark.session();
        e = assertThrows(IllegalArgumentException.class, () -> SqlUdfs.register(spark, f,
                (org.apache.spark.sql.api.java.UDF1<String, String>) p -> p, org.apache.spark.sql.types.DataTypes.StringType));
        assertEquals("kindling_drift declares 2 arguments but is registered with a function of 1", e.getMessage());
        assertTrue(!registered(spark).contains("kindling_drift"), "registered without its checks");
    }

    @Test
    void theDataFrameApiIsCheckedAsSqlIs() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        Exception e = assertThrows(Exception.class, () -> spark.range(3).select(
                functions.call_function("kindling_text_hash", functions.col("id"))));
        assertTrue(chain(e).contains("kindling_text_hash: argument 1 (text) is BIGINT, expected STRING (e.g. CAST(x AS STRING))"),
                chain(e));
        // the cast the message suggests is what makes it work
        assertEquals(3, spark.range(3).select(functions.call_function("kindling_text_hash", functions.col("id").cast("string")))
                .collectAsList().size());
    }

    /** CHAR and VARCHAR are strings (Spark 4 types them as StringType subclasses), also where Spark keeps their types. */
    @Test
    void charAndVarcharAreStrings() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String sql = "SELECT kindling_text_hash(CAST('Hello' AS VARCHAR(10))), kindling_text_hash(CAST('Hello' AS CHAR(5))), "
                + "kindling_text_hash('Hello')";
        spark.conf().set("spark.sql.preserveCharVarcharTypeInfo", "true");
        try {
            Row r = spark.sql(sql).first();
            assertEquals(r.getString(2), r.getString(0));
            assertEquals(r.getString(2), r.getString(1));
        } finally {
            spark.conf().unset("spark.sql.preserveCharVarcharTypeInfo");
        }
    }

    /** Token ids are often BIGINT (Parquet written from Python): they detokenize as INT ids do, and one past INT is refused. */
    @Test
    void detokenizeTakesIdsOfAnyIntegerType() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        for (String type : new String[] {"INT", "BIGINT", "SMALLINT"}) {
            assertEquals("Hi", spark.sql("SELECT kindling_detokenize(CAST(array(72, 105) AS ARRAY<" + type + ">), 'byte-level')")
                    .first().getString(0), type);
        }
        assertEquals("Hi", spark.sql("SELECT kindling_detokenize(array(72L, NULL, 105L), 'byte-level')").first().getString(0));
        Exception e = assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_detokenize(array(72L, 4294967368L), 'byte-level')").collectAsList());
        assertTrue(chain(e).contains("kindling_detokenize: argument 1 (ids): element 1 is 4294967368, not a token id"), chain(e));
    }

    /**
     * KindlingFunctions.register from several threads on one session while others call the functions: each function was
     * registered, then dropped and registered again with its checks, so a thread that looked it up in between found none
     * (a registration's NoSuchElementException, a query's internal error, the catalog's no such function), one that came after the first step called
     * it unchecked, and two registrations could interleave so that the last left a function without its type check. Every
     * call resolves, checked, while they run and after. A race: on the code before, about one run in three met it (on a
     * busy 2-core host); nothing in Spark's registry lets a test hold a thread in the gap.
     */
    @Test
    void concurrentRegistrationsAndCallsAlwaysFindEveryFunctionChecked() throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String right = "SELECT kindling_text_hash('a'), kindling_normalize('A b', 'near')";
        String wrong = "SELECT kindling_text_hash(42)";
        String wrongSays = "kindling_text_hash: argument 1 (text) is INT, expected STRING";
        spark.sql(right).queryExecution().analyzed(); // Spark's SQL parser loads (seconds on a busy host) before the race
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(8);
        java.util.concurrent.atomic.AtomicInteger registering = new java.util.concurrent.atomic.AtomicInteger(4);
        java.util.Queue<String> failures = new java.util.concurrent.ConcurrentLinkedQueue<>();
        java.util.concurrent.atomic.AtomicInteger calls = new java.util.concurrent.atomic.AtomicInteger();
        List<java.util.concurrent.Future<?>> running = new ArrayList<>();
        try {
            for (int t = 0; t < 4; t++) {
                running.add(pool.submit(() -> {
                    try {
                        for (int i = 0; i < 50; i++) {
                            KindlingFunctions.register(spark);
                        }
                    } catch (Exception e) { // Spark's SparkException too, which Scala throws unchecked
                        failures.add("register: " + e);
                    } finally {
                        registering.decrementAndGet();
                    }
                }));
            }
            for (int t = 0; t < 2; t++) {
                running.add(pool.submit(() -> {
                    while (registering.get() > 0) {
                        try {
                            spark.sql(right).queryExecution().analyzed();
                        } catch (Exception e) {
                            failures.add(right + ": " + chain(e));
                        }
                        try {
                            spark.sql(wrong);
                            failures.add(wrong + ": analysed without the type check");
                        } catch (Exception e) {
                            if (!chain(e).contains(wrongSays)) {
                                failures.add(wrong + ": " + chain(e));
                            }
                        }
                        calls.incrementAndGet();
                    }
                }));
                // the catalog's quick look-up, many times as often: a function missing for a moment is found missing
                running.add(pool.submit(() -> {
                    while (registering.get() > 0) {
                        if (!spark.catalog().functionExists("kindling_text_hash")) {
                            failures.add("kindling_text_hash: not in the catalog");
                        }
                        calls.incrementAndGet();
                    }
                }));
            }
            for (java.util.concurrent.Future<?> f : running) {
                f.get(120, java.util.concurrent.TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures in " + calls.get() + " rounds of calls, the first: "
                + failures.peek());
        // and after: every argument still checked
        Exception e = assertThrows(Exception.class, () -> spark.sql(wrong));
        assertTrue(chain(e).contains(wrongSays), chain(e));
        e = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_normalize('a', 'x')"));
        assertTrue(chain(e).contains("kindling_normalize: argument 2 (mode) 'x'"), chain(e));
    }
}
