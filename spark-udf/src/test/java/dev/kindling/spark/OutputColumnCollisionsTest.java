package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Score;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * An output or error column that names an existing column, or two outputs with one name, is refused when the schema is
 * checked. Before, PII counts or decontamination flags replaced the text (or the reasons), a tokenizer with one name for
 * ids and counts kept only the counts, and a generation whose error column was its prompt column lost its errors.
 */
class OutputColumnCollisionsTest {
    static final StructType DOCS = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
            .add("reason", DataTypes.StringType).add("prompt", DataTypes.StringType);

    static void refused(String expected, Executable e) {
        KindlingException x = assertThrows(KindlingException.class, e);
        assertTrue(x.getMessage().contains(expected), x.getMessage());
    }

    /**
     * Refused with a message naming the stage as its class and uid ({@code Generate(kindlingGenerate_3f2a): ...}, a pipeline may
     * hold two stages of one class), {@code stage} being the class and the uid's prefix, followed by {@code expected}.
     */
    static void refused(String stage, String expected, Executable e) {
        KindlingException x = assertThrows(KindlingException.class, e);
        String m = x.getMessage();
        int at = m.indexOf(stage);
        assertTrue(at >= 0 && m.indexOf(expected, at) > at, m);
    }

    /** Setters given null say which value is missing (they threw NullPointerExceptions, some only later in getModel). */
    @Test
    void nullSettingsAreNamed() {
        refused("Generate(kindlingGenerate_", "): the model path is null", () -> new Generate().setModel(null));
        refused("chat must be on, off or auto, not null", () -> new Generate().setChat((String) null));
        refused("a PII kind is null", () -> new PiiRedaction().setKinds(new String[] {"email", null}));
        refused("mode must be drop or flag", () -> new dev.kindling.spark.filter.Decontamination().setMode(null));
        // a usage error from the param's check, as for any value it refuses (was an IllegalArgumentException)
        refused(".normalize must be none, exact or near, got null", () -> new dev.kindling.spark.dedup.ExactDedup().setNormalize(null));
    }

    @Test
    void outputColumnsMayNotReplaceOthers() {
        refused("countsCol 'text' names an existing column", () -> new PiiRedaction().setCountsCol("text").transformSchema(DOCS));
        refused("countsCol 'reason' names an existing column", () -> new PiiRedaction().setCountsCol("reason").transformSchema(DOCS));
        Decontamination flag = new Decontamination().setBenchmark("bench.jsonl").setMode("flag").setFlagCol("text");
        refused("flagCol 'text' (a curate config's flag_column, filter's --flag-column) names an existing column", () -> flag.transformSchema(DOCS));
        // a name the stages keep for their own columns: theirs replaced it and was dropped, the output lost in silence
        refused("countsCol '_kd_pii' starts with _kd_, which Kindling keeps", () -> new PiiRedaction().setCountsCol("_kd_pii").transformSchema(DOCS));
        refused("countsCol '_KD_pii_email' starts with _kd_", () -> new PiiRedaction().setCountsCol("_KD_pii_email").transformSchema(DOCS));
        refused("countsCol '_kindling_row_errors' starts with _kindling_",
                () -> new PiiRedaction().setCountsCol("_kindling_row_errors").transformSchema(DOCS));
        Decontamination working = new Decontamination().setBenchmark("bench.jsonl").setMode("flag").setFlagCol("_kd_contaminated");
        refused("flagCol '_kd_contaminated' (a curate config's flag_column, filter's --flag-column) starts with _kd_", () -> working.transformSchema(DOCS));
        Decontamination bogus = new Decontamination().setBenchmark("bench.jsonl");
        // a value given through copy(ParamMap) (or a saved stage) is refused there, as setMode refuses it
        refused("mode must be drop or flag, got 'bogus'", () -> bogus.copy(new ParamMap().put(bogus.mode(), "bogus")));
        refused("outputCol and countCol are both 'x'",
                () -> new TokenizerTransformer().setTokenizer("byte-level").setInputCol("text").setOutputCol("x").setCountCol("x").transformSchema(DOCS));
        refused("error column 'prompt' is the prompt column",
                () -> new Generate().setModel("m.gguf").setErrorCol("prompt").transformSchema(DOCS));
        refused("is given for two outputs", () -> new Generate().setModel("m.gguf").setOutputCol("error").transformSchema(DOCS));
        refused("is given for two outputs",
                () -> new Score().setModel("m.gguf").setLogprobCol("x").setPerplexityCol("x").transformSchema(DOCS));
        StructType numericError = DOCS.add("error", DataTypes.IntegerType);
        refused("error column 'error' exists and is int", () -> new Score().setModel("m.gguf").transformSchema(numericError));
    }

    /**
     * With skipRejected (the default) an inference stage skips every row whose reason is not null; a user's int column
     * named reason made it skip all rows but the nulls, silently. It is refused as the curation stages refuse it.
     */
    @Test
    void aReasonColumnThatIsNotAStringIsRefused() {
        StructType numericReason = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType).add("Reason", DataTypes.IntegerType);
        refused("Score(kindlingScore_", "): column 'Reason' is int, but with skipRejected", () -> new Score().setModel("m.gguf").transformSchema(numericReason));
        refused("Generate(kindlingGenerate_", "): column 'Reason' is int", () -> new Generate().setModel("m.gguf").transformSchema(numericReason));
        refused("Embed(kindlingEmbed_", "): column 'Reason' is int", () -> new dev.kindling.spark.inference.Embed().setModel("m.gguf").transformSchema(numericReason));
        refused("Judge(kindlingJudge_", "): column 'Reason' is int", () -> new dev.kindling.spark.inference.Judge().setModel("m.gguf").transformSchema(numericReason));
        refused("exact_dedup: column 'reason' is int, expected string", () -> new dev.kindling.spark.dedup.ExactDedup().transformSchema(numericReason));
        // without skipping it is a column like any other
        new Score().setModel("m.gguf").setSkipRejected(false).transformSchema(numericReason);
    }

    /**
     * Spark resolves column names case-insensitively by default, so an output named like an input column in another case
     * collides with it too: the tokenizer's ids replaced the text they came from (withColumn("TEXT") over "text"), and an
     * inference stage's output beside "prompt" or "id" made every later reference to either ambiguous.
     */
    @Test
    void outputColumnsDifferingOnlyInCaseAreRefused() {
        refused("output column 'TEXT' already exists",
                () -> new TokenizerTransformer().setTokenizer("byte-level").setOutputCol("TEXT").transformSchema(DOCS));
        refused("output column 'Id' already exists",
                () -> new TokenizerTransformer().setTokenizer("byte-level").setCountCol("Id").transformSchema(DOCS));
        refused("output column 'PROMPT' already exists", () -> new Generate().setModel("m.gguf").setOutputCol("PROMPT").transformSchema(DOCS));
        refused("output column 'ID' already exists", () -> new Score().setModel("m.gguf").setPerplexityCol("ID").transformSchema(DOCS));
        refused("error column 'error' differs only in case from the column 'Error'",
                () -> new Score().setModel("m.gguf").transformSchema(DOCS.add("Error", DataTypes.StringType)));
        refused("countsCol 'TEXT' names an existing column", () -> new PiiRedaction().setCountsCol("TEXT").transformSchema(DOCS));
        Decontamination flagged = new Decontamination().setBenchmark("bench.jsonl").setMode("flag");
        refused("flagCol 'Reason' (a curate config's flag_column", () -> flagged.setFlagCol("Reason").transformSchema(DOCS));
        // and the tokenizer's transform keeps the text: the output it declares is the output it gives
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> docs = TestSpark.session().sql("SELECT 'a' AS id, 'hi' AS text");
        TokenizerTransformer tok = new TokenizerTransformer().setTokenizer("byte-level").setOutputCol("Ids");
        org.junit.jupiter.api.Assertions.assertEquals(tok.transformSchema(docs.schema()), tok.transform(docs).schema());
        // with spark.sql.caseSensitive the names are different columns to Spark, and so to the stages
        TestSpark.session().conf().set("spark.sql.caseSensitive", "true");
        try {
            new TokenizerTransformer().setTokenizer("byte-level").setOutputCol("TEXT").transformSchema(DOCS);
            new Score().setModel("m.gguf").setPerplexityCol("ID").transformSchema(DOCS.add("Error", DataTypes.StringType));
            // the PII counts and decontamination flags too, which compared names regardless of case under any setting
            org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("id", "text", "reason", "prompt", "TEXT"),
                    java.util.List.of(new PiiRedaction().setCountsCol("TEXT").transformSchema(DOCS).fieldNames()));
            org.junit.jupiter.api.Assertions.assertEquals(java.util.List.of("id", "text", "reason", "prompt", "Reason"),
                    java.util.List.of(flagged.setFlagCol("Reason").transformSchema(DOCS).fieldNames()));
            // and two outputs of one stage, or an output and the prompt, that differ in case (compared regardless of case
            // under any setting)
            new TokenizerTransformer().setTokenizer("byte-level").setOutputCol("ids").setCountCol("IDS").transformSchema(DOCS);
            new Score().setModel("m.gguf").setLogprobCol("x").setPerplexityCol("X").transformSchema(DOCS);
            new Score().setModel("m.gguf").setLogprobCol("Error").transformSchema(DOCS);
            new Generate().setModel("m.gguf").setErrorCol("Prompt").transformSchema(DOCS);
        } finally {
            TestSpark.session().conf().unset("spark.sql.caseSensitive");
        }
    }

    /**
     * A null or empty output column name is refused when the schema is checked: the inference stages and
     * Decontamination declared a StructField named null (or ""), which failed later far from the cause, and the
     * tokenizer threw a NullPointerException.
     */
    @Test
    void outputColumnsNeedANonEmptyName() {
        // refused when set (StageParamsTest), before the schema is checked
        refused("Generate(kindlingGenerate_", ").outputCol must be a column name, got null",
                () -> new Generate().setModel("m.gguf").setOutputCol(null).transformSchema(DOCS));
        refused("Embed(kindlingEmbed_", ").outputCol must be a column name, got null", () -> new dev.kindling.spark.inference.Embed()
                .setModel("m.gguf").setOutputCol(null).transformSchema(DOCS));
        refused("Score(kindlingScore_", ").countCol must be a column name, got ''",
                () -> new Score().setModel("m.gguf").setCountCol("").transformSchema(DOCS));
        refused("TokenizerTransformer(kindlingTokenizer_", ").outputCol must be a column name, got null",
                () -> new TokenizerTransformer().setTokenizer("byte-level").setOutputCol(null).transformSchema(DOCS));
        refused("Decontamination(", ").flagCol must be a column name, got null",
                () -> new Decontamination().setBenchmark("bench.jsonl").setMode("flag").setFlagCol(null).transformSchema(DOCS));
        // a null count column is none, as the empty one is (and as PiiRedaction's countsCol)
        org.junit.jupiter.api.Assertions.assertEquals(DOCS.size() + 1,
                new TokenizerTransformer().setTokenizer("byte-level").setCountCol(null).transformSchema(DOCS).size());
    }

    /** Parameter values refused when set or when the schema is checked, not in every row or inside a task. */
    @Test
    void parameterValues() {
        // a usage error naming the stage, as an empty stop string is
        org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class, () -> new Generate().setStop("a", null));
        // usage errors from the params' checks (were IllegalArgumentExceptions naming neither stage)
        refused(".allPairsMaxBucket must be >= 1, got 0", () -> new dev.kindling.spark.dedup.MinHashDedup().setAllPairsMaxBucket(0));
        refused(".minDocWords must be >= 0, got -5", () -> new dev.kindling.spark.dedup.SentenceDedupStage().setMinDocWords(-5));
        StructType judged = new StructType().add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType);
        refused("maxTokens must be >= 0",
                () -> new dev.kindling.spark.inference.Judge().setModel("m.gguf").setMaxTokens(-1).transformSchema(judged));
    }

    /** Filter names in any case, as stagesFor and kindling_quality_reason take them; "gopher" says how to get its two. */
    @Test
    void qualityFilterNames() {
        org.junit.jupiter.api.Assertions.assertEquals("c4", new dev.kindling.spark.filter.QualityFilter().setFilter("C4").getFilter());
        refused("'gopher' is two stages", () -> new dev.kindling.spark.filter.QualityFilter().setFilter("gopher"));
        refused("unknown quality filter 'nope': expected", () -> new dev.kindling.spark.filter.QualityFilter().setFilter("nope"));
    }
}
