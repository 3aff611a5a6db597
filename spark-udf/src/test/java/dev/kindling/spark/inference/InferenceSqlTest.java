package dev.kindling.spark.inference;

import dev.kindling.inference.sample.RowSeeds;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.sql.KindlingFunctions;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The kindling_* inference SQL functions. */
class InferenceSqlTest {
    @TempDir static Path tmp;

    /** frequency_penalty and presence_penalty: numbers in [-2, 2] (vLLM's range), the error naming the option. */
    @Test
    void penaltyOptionsParse() {
        assertEquals(SamplingSpec.temperature(0.5f, 3).withPenalties(1.2f, 0.25f, -2f), InferenceFunctions.sampling(Map.of(
                "temperature", "0.5", "seed", "3", "repetition_penalty", "1.2", "frequency_penalty", "0.25", "presence_penalty", " -2 ")));
        assertEquals(SamplingSpec.temperature(0.5f, 3), InferenceFunctions.sampling(Map.of("temperature", "0.5", "seed", "3")),
                "0 (off) when not given");
        assertEquals(2f, InferenceFunctions.sampling(Map.of("frequency_penalty", "2.0")).frequencyPenalty());
        for (String[] bad : new String[][] {{"frequency_penalty", "2.5", "must be in [-2, 2], got '2.5'"},
                {"presence_penalty", "-3", "must be in [-2, 2], got '-3'"}, {"presence_penalty", "1e400", "must be in [-2, 2]"},
                {"frequency_penalty", "NaN", "must be a number, got 'NaN'"}, {"presence_penalty", "lots", "must be a number"}}) {
            KindlingException e = assertThrows(KindlingException.class, () -> InferenceFunctions.sampling(Map.of(bad[0], bad[1])));
            assertTrue(e.getMessage().startsWith("generation option " + bad[0] + " " + bad[2]), e.getMessage());
            assertEquals(KindlingException.USAGE, e.exitCode());
        }
    }

    /**
     * The 'system' option applies to kindling_chat, whose messages go through the chat template; kindling_generate_ex and
     * kindling_sample read their prompt as plain text and dropped it without a word.
     */
    @Test
    void systemOptionOnAPlainPromptIsAUsageError() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String m = Stories.model().toString();
        for (String f : List.of("kindling_generate_ex", "kindling_sample")) {
            Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT " + f + "('Once upon a time', '" + m
                    + "', map('max_tokens', '2', 'system', 'Tell a story.'))").collect());
            KindlingException k = null;
            for (Throwable c = e; c != null; c = c.getCause()) {
                if (c instanceof KindlingException ke) {
                    k = ke;
                }
            }
            assertNotNull(k, String.valueOf(e));
            assertTrue(k.getMessage().contains("kindling_chat"), k.getMessage());
        }
    }

    /**
     * kindling_chat on a model without a chat template names the function and the model, and asks for what SQL can give:
     * it said "the model has no chat template (tokenizer.chat_template); give plain prompts, or a tokenizer file with
     * one", naming no model, and the function takes no tokenizer.
     */
    @Test
    void chatOnAModelWithoutATemplateNamesTheModel() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String m = Stories.model().toString();
        Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_chat(array(named_struct('role', 'user', "
                + "'content', 'Hi')), '" + m + "', map('max_tokens', '2'))").collect());
        KindlingException k = null;
        for (Throwable c = e; c != null; c = c.getCause()) {
            if (c instanceof KindlingException ke) {
                k = ke;
            }
        }
        assertNotNull(k, String.valueOf(e));
        assertTrue(k.getMessage().startsWith("kindling_chat: the model " + m + " has no chat template"), k.getMessage());
        assertTrue(k.getMessage().contains("kindling_generate_ex") && !k.getMessage().contains("tokenizer file"), k.getMessage());
    }

    /**
     * A constant options map is checked as the query is analysed, with no model opened and no task run (a missing seed,
     * a bad value, an unknown option failed in a task, once per row, behind Spark's stack trace), its error naming the
     * function and argument as the other analysis-time errors do (it gave the option's error alone); a column's map is
     * left to the rows.
     */
    @Test
    void aConstantOptionsMapIsCheckedAtAnalysis() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String[][] bad = {
                {"kindling_generate_ex", "map('max_tokens', '5', 'temperature', 0.8)", "only with a 'seed' option"},
                {"kindling_generate_ex", "map('max_tokens', -1)", "max_tokens must be >= 0"},
                {"kindling_sample", "map('system', 'Be brief.')", "kindling_chat"},
                {"kindling_chat", "map('tempreature', '0.5')", "unknown generation option 'tempreature'"},
                {"kindling_embed_ex", "map('pooling', 'cls')", "unknown embedding option 'pooling' (known: truncate, normalize)"},
                {"kindling_embed_ex", "map('truncate', 'yes')", "embedding option truncate must be true or false, got 'yes'"}};
        for (String[] b : bad) {
            String first = b[0].equals("kindling_chat") ? "array(named_struct('role', 'user', 'content', 'Hi'))" : "'Once'";
            // spark.sql analyses the query; nothing is collected, and the model path names no file
            KindlingException e = assertThrows(KindlingException.class, () -> spark.sql("SELECT " + b[0] + "(" + first
                    + ", 'no-such-model.gguf', " + b[1] + ")"), b[0] + " " + b[1]);
            assertTrue(e.getMessage().startsWith(b[0] + ": argument 3 (options): ") && e.getMessage().contains(b[2]), e.getMessage());
            assertFalse(e.getMessage().substring(b[0].length()).contains(b[0]), "the function named once: " + e.getMessage());
            assertEquals(KindlingException.USAGE, e.exitCode(), e.getMessage());
        }
        // a map of other keys is the type check's to refuse, naming the type expected, not an option's check with key '1'
        KindlingException keys = assertThrows(KindlingException.class,
                () -> spark.sql("SELECT kindling_embed_ex('Once', 'no-such-model.gguf', map(1, 'a'))"));
        assertTrue(keys.getMessage().contains("MAP<INT, STRING>") && !keys.getMessage().contains("option '1'"), keys.getMessage());
        // valid constants pass analysis (the query is not run)
        spark.sql("SELECT kindling_generate_ex('Once', 'no-such-model.gguf', map('max_tokens', 5, 'temperature', 0.8, 'seed', 1))");
        spark.sql("SELECT kindling_embed_ex('Once', 'no-such-model.gguf', map('truncate', true, 'normalize', 'FALSE'))");
    }

    /**
     * A row past the KV budget: the functions' error says they cannot set their engine's budget and what does, where it
     * named the engine's Java option and the command line's flag, neither of which SQL has. (The functions' default
     * budget holds stories260K's whole context, so the refusal is made here.)
     */
    @Test
    void aRowPastTheKvBudgetSaysTheFunctionsCannotSetIt() {
        String error = InferenceFunctions.SQL_REFUSAL_ADVICE.describe(
                new dev.kindling.inference.KvBudgetRefusedException("m.gguf", 900, 57, 51, true));
        assertEquals("m.gguf: a sequence of 900 positions needs 57 KV blocks but the KV budget holds 51 (lower max tokens, "
                + InferenceFunctions.SQL_KV_BUDGET_ADVICE + ")", error);
    }

    /** The penalties in SQL: the engine's text with the same parameters and per-row seed, not the unpenalised one. */
    @Test
    void penaltyOptionsReachTheEngine() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String m = Stories.model().toString();
        String prompt = "Once upon a time";
        Row r = spark.sql("SELECT kindling_generate_ex('" + prompt + "', '" + m + "', map('max_tokens', 24, 'temperature', 0.8, "
                + "'seed', 9, 'presence_penalty', 1.5, 'frequency_penalty', 0.5))").first().getStruct(0);
        assertNull(r.get(4), "no error");
        long seed = RowSeeds.of(9, new Prompts.Prompt(prompt, null).id(), 0);
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            GenerationRequest g = GenerationRequest.of(prompt).withMaxTokens(24);
            Completion penalised = e.generate(g.withSampling(SamplingSpec.temperature(0.8f, 9).withPenalties(1f, 0.5f, 1.5f).params(seed)));
            Completion plain = e.generate(g.withSampling(SamplingSpec.temperature(0.8f, 9).params(seed)));
            assertEquals(penalised.text(), r.getString(0));
            assertTrue(!plain.text().equals(r.getString(0)), "the penalties change the text: " + plain.text());
        }
    }

    @Test
    void generateScoreEmbedJudgeFromSql() throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String m = Stories.model().toString();
        spark.createDataFrame(List.of(RowFactory.create("1", "Once upon a time"), RowFactory.create("2", null)),
                new StructType().add("id", DataTypes.StringType).add("prompt", DataTypes.StringType)).createOrReplaceTempView("prompts");
        List<Row> rows = spark.sql("SELECT id, kindling_generate(prompt, '" + m + "') AS g, "
                + "kindling_generate_ex(prompt, '" + m + "', map('max_tokens', '8', 'temperature', '0.9', 'seed', '5')) AS s, "
                + "kindling_score(prompt, '" + m + "') AS sc, kindling_perplexity(prompt, '" + m + "') AS ppl, "
                + "kindling_embed(prompt, '" + m + "') AS e FROM prompts ORDER BY id").collectAsList();
        Completion greedy;
        Completion sampled;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            greedy = e.generate(GenerationRequest.of("Once upon a time").withMaxTokens(256));
            String id = new Prompts.Prompt("Once upon a time", null).id();
            sampled = e.generate(GenerationRequest.of("Once upon a time").withMaxTokens(8)
                    .withSampling(SamplingSpec.temperature(0.9f, 5).params(RowSeeds.of(5, id, 0))));
            assertEquals(e.score(List.of("Once upon a time")).get(0).perplexity(), rows.get(0).getDouble(4), 1e-6);
        }
        Row r = rows.get(0);
        assertEquals(greedy.text(), r.getString(1));
        assertEquals(sampled.text(), r.getStruct(2).getString(0));
        assertNull(r.getStruct(2).get(4), "no error");
        // options as SQL numbers (Spark passes this map as decimals, uncast): the same as the strings
        Row numeric = spark.sql("SELECT kindling_generate_ex(prompt, '" + m + "', map('max_tokens', 8, 'temperature', 0.9, "
                + "'seed', 5)) FROM prompts WHERE id = '1'").first().getStruct(0);
        assertEquals(sampled.text(), numeric.getString(0));
        assertNull(numeric.get(4));
        assertEquals(r.getDouble(4), r.getStruct(3).getDouble(1), 1e-12);
        assertEquals(64, r.getList(5).size());
        Row nulls = rows.get(1);
        for (int i = 1; i < 6; i++) {
            assertTrue(nulls.isNullAt(i), "null prompt gives null in column " + i);
        }
        // a row error lands in the struct's error field
        Path shortContext = Stories.withContext(tmp, 64);
        // kindling_embed_ex: a text past the context is its row's error (kindling_embed failed the query), or its first
        // window with truncate; normalize gives a unit vector; the vector is kindling_embed's
        List<Row> embeds = spark.sql("SELECT kindling_embed_ex(t, '" + shortContext + "', map()) AS plain, "
                + "kindling_embed_ex(t, '" + shortContext + "', map('truncate', true, 'normalize', 'TRUE')) AS cut, "
                + "kindling_embed(t, '" + shortContext + "') AS scalar "
                + "FROM VALUES ('Once upon a time'), (repeat('Lily saw a dog. ', 30)) AS v(t) WHERE length(t) < 100").collectAsList();
        Row shortOne = embeds.get(0);
        assertEquals(shortOne.getList(2), shortOne.getStruct(0).getList(0));
        assertNull(shortOne.getStruct(0).get(1));
        double norm = 0;
        for (Object x : shortOne.getStruct(1).getList(0)) {
            norm += Math.pow((Float) x, 2);
        }
        assertEquals(1.0, norm, 1e-5);
        Row longOne = spark.sql("SELECT kindling_embed_ex(t, '" + shortContext + "', map()) AS plain, kindling_embed_ex(t, '"
                + shortContext + "', map('truncate', 'true')) AS cut FROM VALUES (repeat('Lily saw a dog. ', 30)) AS v(t)").first();
        assertNull(longOne.getStruct(0).get(0));
        // a row's error starts with the model's name, as kindling_generate_ex's below does
        String modelName = shortContext.getFileName() + ": ";
        assertTrue(longOne.getStruct(0).getString(1).startsWith(modelName + "the text has "), longOne.getStruct(0).getString(1));
        assertTrue(longOne.getStruct(0).getString(1).contains("context holds 64") && longOne.getStruct(0).getString(1)
                .contains("map('truncate', 'true')"), longOne.getStruct(0).getString(1));
        assertEquals(64, longOne.getStruct(1).getList(0).size());
        Exception unknown = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_embed_ex('x', '" + m
                + "', map('pooling', 'cls'))").collectAsList());
        assertTrue(String.valueOf(unknown.getMessage()).contains("unknown embedding option 'pooling' (known: truncate, normalize)")
                || String.valueOf(unknown.getCause()).contains("unknown embedding option 'pooling'"), String.valueOf(unknown));
        Row err = spark.sql("SELECT kindling_generate_ex(repeat('Lily saw a dog. ', 30), '" + shortContext
                + "', map('max_tokens', '4'))").first().getStruct(0);
        assertNull(err.get(0));
        assertTrue(err.getString(4).startsWith(modelName + "the prompt has ") && err.getString(4).contains("context holds 64"),
                err.getString(4));
        // SQL cannot cut a prompt: its advice says where that is done, not a setting the function has no way to take
        assertTrue(err.getString(4).endsWith("(" + InferenceFunctions.SQL_ADVICE + ")"), err.getString(4));
        // the option it names keeps the prompt's end, as the Generate stage's truncatePrompts does: the same text
        Row cut = spark.sql("SELECT kindling_generate_ex(repeat('Lily saw a dog. ', 30), '" + shortContext
                + "', map('max_tokens', '4', 'truncate_prompts', 'true'))").first().getStruct(0);
        assertNull(cut.get(4), String.valueOf(cut.get(4)));
        Row staged = new Generate().setModel(shortContext.toString()).setMaxTokens(4).setTruncatePrompts(true)
                .transform(spark.sql("SELECT repeat('Lily saw a dog. ', 30) AS prompt")).first();
        assertEquals(staged.getStruct(staged.fieldIndex("generation")).getString(0), cut.getString(0));
        // kindling_generate, which has no options, fails the query naming itself and the function that cuts the prompt (its
        // error was the engine's, advising GenerationRequest.withTruncatePrompt(true), a Java option a query cannot set)
        Exception tooLong = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_generate(repeat('Lily saw a dog. ', 30), '"
                + shortContext + "')").collectAsList());
        String tooLongChain = "";
        for (Throwable t = tooLong; t != null; t = t.getCause()) {
            tooLongChain += t.getMessage() + "\n";
        }
        assertTrue(tooLongChain.contains("kindling_generate: stories260K-ctx64.gguf: the prompt has ")
                && tooLongChain.contains("(" + InferenceFunctions.GENERATE_ADVICE + ")") && !tooLongChain.contains("GenerationRequest"),
                tooLongChain);
        Exception badFlag = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_generate_ex('x', '" + shortContext
                + "', map('truncate_prompts', 'yes'))").collectAsList());
        assertTrue(String.valueOf(badFlag.getMessage()).contains("generation option truncate_prompts must be true or false, got 'yes'")
                || String.valueOf(badFlag.getCause()).contains("truncate_prompts must be true or false"), String.valueOf(badFlag));
        // sampling without a seed: only kindling_sample, which Spark knows is nondeterministic
        Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_generate_ex(prompt, '" + m
                + "', map('temperature', '0.8')) FROM prompts").collectAsList());
        assertTrue(String.valueOf(e.getMessage()).contains("only with a 'seed'") || String.valueOf(e.getCause()).contains("only with a 'seed'"),
                String.valueOf(e));
        // an option that is not a number names the option (was a raw NumberFormatException, or "For input string")
        for (String[] bad : new String[][] {{"max_tokens", "abc", "must be a number"}, {"max_tokens", "2.5", "must be a whole number"},
                {"top_k", "x", "must be a number"}, {"seed", "1.5", "seed must be a whole number"},
                {"max_tokens", "1e12", "is out of range"}, {"seed", "99999999999999999999", "seed is out of range"},
                {"stop", "", "stop must not be empty"}, {"max_tokens", "-1", "max_tokens must be >= 0"}}) {
            Exception o = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_generate_ex(prompt, '" + m + "', map('"
                    + bad[0] + "', '" + bad[1] + "')) FROM prompts").collectAsList());
            String chain = "";
            for (Throwable t = o; t != null; t = t.getCause()) {
                chain += t.getMessage() + "\n";
            }
            assertTrue(chain.contains(bad[0]) && chain.contains(bad[2]), bad[0] + "=" + bad[1] + ": " + chain);
        }
        assertNotNull(spark.sql("SELECT kindling_sample(prompt, '" + m + "', map('temperature', '0.8', 'max_tokens', '4')) FROM prompts "
                + "WHERE id = '1'").first().getStruct(0).getString(0));
        assertTrue(!spark.sql("SELECT kindling_sample('a', '" + m + "', map())").queryExecution().analyzed().deterministic(),
                "kindling_sample is registered as nondeterministic");
        // without a temperature it samples (at 1, vLLM's default): its default of 0 gave every row the same greedy text
        long distinct = spark.sql("SELECT kindling_sample('Once upon a time', '" + m + "', map('max_tokens', '6')).text AS t "
                + "FROM range(0, 8, 1, 2)").distinct().count();
        assertTrue(distinct > 1, "8 unseeded samples gave " + distinct + " distinct texts");
        // a wrong argument type names the function and the argument as the query is analysed, as for the other kindling_*
        // functions (was a bare ClassCastException, in a task)
        for (String f : new String[] {"kindling_sample", "kindling_generate_ex"}) {
            Exception wrong = assertThrows(Exception.class, () -> spark.sql("SELECT " + f + "(42, '" + m + "', map('seed', '1'))"));
            String chain = "";
            for (Throwable t = wrong; t != null; t = t.getCause()) {
                chain += t.getMessage() + "\n";
            }
            assertTrue(chain.contains(f + ": argument 1 (prompt) is INT, expected STRING"), chain);
        }
        assertTrue(spark.sql("SELECT kindling_generate('a', '" + m + "')").queryExecution().analyzed().deterministic());
        Path rubric = tmp.resolve("rubric.txt");
        java.nio.file.Files.writeString(rubric, "Rate it from 1 to 5.\nQ: {instruction}\nA: {response}\n");
        Row judged = spark.sql("SELECT kindling_judge('Tell a story.', 'A dog ran.', '" + m + "', '" + rubric + "')").first().getStruct(0);
        double rating = judged.getDouble(0);
        assertTrue(rating >= 1 && rating <= 5, judged.toString());
        // the rubric file is read anew by a task, as the Judge stage reads it: a per-JVM cache kept its first text, even once
        // deleted; from a column (a constant one is checked as the query is analysed), named as the function's argument
        java.nio.file.Files.delete(rubric);
        Exception gone = assertThrows(Exception.class, () -> spark.sql("SELECT kindling_judge('Tell a story.', 'A dog ran.', '"
                + m + "', r) FROM VALUES ('" + rubric + "') AS t(r)").collectAsList());
        String goneChain = "";
        for (Throwable t = gone; t != null; t = t.getCause()) {
            goneChain += t.getMessage() + "\n";
        }
        assertTrue(goneChain.contains("kindling_judge: argument 4 (rubric) " + rubric + " is neither a built-in rubric"), goneChain);
        // chat messages through the template of a model that has one
        Path chat = Stories.withChatTemplate(tmp);
        Row c = spark.sql("SELECT kindling_chat(array(named_struct('role', 'user', 'content', 'Hi')), '" + chat
                + "', map('max_tokens', '4'))").first().getStruct(0);
        assertNull(c.get(4));
        assertEquals(4, c.getList(1).size());
        // messages no template can take are each their row's error, naming the message, beside a row that is answered
        Map<String, Row> chats = new java.util.HashMap<>();
        for (Row row : spark.sql("SELECT id, kindling_chat(m, '" + chat + "', map('max_tokens', '4')) FROM VALUES "
                + "('ok', array(named_struct('role', 'user', 'content', 'Hi'))), "
                + "('no-role', array(named_struct('role', CAST(NULL AS STRING), 'content', 'Hi'))), "
                + "('empty', CAST(array() AS ARRAY<STRUCT<role: STRING, content: STRING>>)), "
                + "('null-message', array(named_struct('role', 'user', 'content', 'Hi'), CAST(NULL AS STRUCT<role: STRING, content: STRING>))) "
                + "AS t(id, m)").collectAsList()) {
            chats.put(row.getString(0), row.getStruct(1));
        }
        assertEquals(java.util.Arrays.asList(c.get(0), null), java.util.Arrays.asList(chats.get("ok").get(0), chats.get("ok").get(4)));
        assertNull(chats.get("no-role").get(0));
        assertEquals("message 0 has no role", chats.get("no-role").get(4));
        assertEquals("the messages are empty: a chat template needs at least one message", chats.get("empty").get(4));
        assertEquals("message 1 is null", chats.get("null-message").get(4));
    }

    /**
     * The functions look their engine up once per task, not for every row: each lookup compares the model's files on disk
     * with the engine's (about 10 us, the cost of a short score), which the README promises once per task. Here the model
     * is moved away as the task reaches its third row: looked up per row, that row failed as "does not exist"; the task
     * keeps the engine it opened at its first row with input (the first row's text is null and opens nothing).
     */
    @Test
    void aTaskLooksItsEngineUpOnceNotForEveryRow() throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        Path model = java.nio.file.Files.copy(Stories.model(), tmp.resolve("per-task-stories.gguf"));
        Path movedAway = tmp.resolve("per-task-stories.moved");
        String from = model.toString();
        String to = movedAway.toString();
        spark.udf().register("move_model_at_c", (org.apache.spark.sql.api.java.UDF2<String, String, String>) (id, text) -> {
            if (id.equals("c") && java.nio.file.Files.exists(Path.of(from))) {
                java.nio.file.Files.move(Path.of(from), Path.of(to));
            }
            return text;
        }, DataTypes.StringType);
        spark.createDataFrame(List.of(RowFactory.create("a", null), RowFactory.create("b", "Once upon a time"),
                RowFactory.create("c", "Lily saw a dog")), new StructType().add("id", DataTypes.StringType)
                .add("text", DataTypes.StringType)).coalesce(1).createOrReplaceTempView("per_task_rows");
        List<Row> rows = spark.sql("SELECT id, kindling_score(move_model_at_c(id, text), '" + model + "') AS s FROM per_task_rows")
                .collectAsList();
        assertTrue(java.nio.file.Files.exists(movedAway), "the model was moved during the task");
        assertEquals(List.of("a", "b", "c"), rows.stream().map(r -> r.getString(0)).toList());
        assertTrue(rows.get(0).isNullAt(1), "a null text gives null");
        for (Row r : rows.subList(1, 3)) {
            assertNull(r.getStruct(1).get(3), "no error: " + r);
            assertTrue(r.getStruct(1).getDouble(1) > 1, r.toString());
        }
    }

    /**
     * kindling_chat's continue_final_message option: the final message left open (transformers' continue_final_message), the
     * text the continuation alone; refused on a text prompt and for a value that is not true or false. There was no option.
     */
    @Test
    void chatContinuesTheFinalMessage() throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        Path chat = Stories.withChatTemplate(tmp);
        String messages = "array(named_struct('role', 'user', 'content', 'Hi'), named_struct('role', 'assistant', 'content', 'Once upon a time'))";
        Row c = spark.sql("SELECT kindling_chat(" + messages + ", '" + chat + "', map('max_tokens', '6', 'continue_final_message', 'true'))")
                .first().getStruct(0);
        assertNull(c.get(4), c.toString());
        dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(chat);
        String rendered = tok.chatTemplate().orElseThrow().renderContinuingFinalMessage(
                List.of(Prompts.message("user", "Hi"), Prompts.message("assistant", "Once upon a time")), Map.of());
        assertEquals("<s>Q: Hi\nA: Once upon a time", rendered);
        try (Engine e = Engine.open(chat, EngineOptions.defaults().withThreads(2))) {
            Completion alone = e.generate(GenerationRequest.ofTokens(tok.encode(rendered, false)).withMaxTokens(6));
            assertEquals(alone.text(), c.getString(0));
        }
        // a SQL boolean is taken as written (a map's values share one type, so alone); false is the generation prompt, as without it
        Row closed = spark.sql("SELECT kindling_chat(" + messages + ", '" + chat + "', map('continue_final_message', false))")
                .first().getStruct(0);
        Row plain = spark.sql("SELECT kindling_chat(" + messages + ", '" + chat + "', map('max_tokens', '256'))").first().getStruct(0);
        assertEquals(plain.getString(0), closed.getString(0));
        for (String[] bad : new String[][] {
                {"kindling_generate_ex('Hi', '" + chat + "', map('continue_final_message', 'true'))", "applies to kindling_chat's messages only"},
                {"kindling_chat(" + messages + ", '" + chat + "', map('continue_final_message', 'yes'))", "must be true or false, got 'yes'"}}) {
            Exception e = assertThrows(Exception.class, () -> spark.sql("SELECT " + bad[0]).collectAsList());
            String chain = "";
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain += t.getMessage() + "\n";
            }
            assertTrue(chain.contains(bad[1]), chain);
        }
    }

    /**
     * A query cancelled with {@code spark.sql.execution.interruptOnCancel} false only flags its tasks: each function call
     * waited for its row's generation to end, holding the task and the engine (here two rows of 480 tokens).
     */
    @Test
    void aQueryCancelledWithoutInterruptingItsTasksStopsTheirGenerations() throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String m = Stories.model().toString();
        Stories.promptFrame(spark, Stories.prompts(4), 2).createOrReplaceTempView("cancelled_prompts");
        Engine e = ExecutorEngines.get(EngineSpec.of(m));
        long generated = GenerateSparkTest.tokensOfAJobCancelledWithoutInterrupting(spark, e, 40,
                () -> spark.sql("SELECT kindling_generate_ex(prompt, '" + m + "', map('max_tokens', 480)) FROM cancelled_prompts")
                        .write().format("noop").mode("overwrite").save());
        // each of the two calls in flight waited for its 480 tokens (at least 960 in all); a cancel Spark delivers late on a
        // loaded host may let one of them end (518 seen at load 8), not both
        assertTrue(generated < 2 * 480, "generated " + generated + " tokens");
    }
}
