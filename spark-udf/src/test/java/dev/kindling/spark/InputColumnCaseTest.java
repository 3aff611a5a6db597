package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.inference.Embed;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.Score;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * A stage's input columns are found as Spark finds them: regardless of case unless {@code spark.sql.caseSensitive} is
 * set. Before, {@code setTextCol("TEXT")} over a column {@code text} was refused by every stage, though the stages' own
 * expressions read it that way, and a {@code Reason} column was wiped by the null {@code reason} a stage added.
 */
class InputColumnCaseTest {
    static final StructType DOCS = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
            .add("prompt", DataTypes.StringType).add("completion", DataTypes.StringType);

    static Dataset<Row> docs(SparkSession spark) {
        return spark.sql("SELECT * FROM VALUES ('a', 'same text, mail me at x@example.com'), ('b', 'same text, mail me at x@example.com'), "
                + "('c', 'other text') AS t(id, text)");
    }

    @Test
    void inputColumnsInAnotherCaseAreFound() throws Exception {
        SparkSession spark = TestSpark.session();
        Dataset<Row> out = new ExactDedup().setTextCol("TEXT").setIdCol("ID").transform(docs(spark));
        assertEquals(List.of("id", "text", "reason"), List.of(out.columns()));
        List<Row> rows = out.orderBy("id").collectAsList();
        assertEquals("exact_dedup:duplicate", rows.get(1).getString(2), rows.toString());
        assertEquals(2, rows.stream().filter(r -> r.isNullAt(2)).count(), rows.toString());

        // a stage that rewrites its text keeps the column's own name (withColumn("TEXT") renamed it)
        Dataset<Row> redacted = new PiiRedaction().setTextCol("Text").transform(docs(spark));
        assertEquals(List.of("id", "text", "reason"), List.of(redacted.columns()));
        assertTrue(redacted.orderBy("id").first().getString(1).contains("<EMAIL>"));

        // and a benchmark's columns
        java.nio.file.Path bench = java.nio.file.Files.createTempFile("bench", ".jsonl");
        String leaked = "the committee met on tuesday to review the annual budget of the city library and its branches";
        java.nio.file.Files.writeString(bench, "{\"question\": \"" + leaked + "?\"}\n");
        Row contaminated = new dev.kindling.spark.filter.Decontamination().setBenchmark(bench.toString())
                .setBenchmarkColumns(new String[] {"QUESTION"}).transform(spark.sql("SELECT 'x' AS id, 'Minutes. " + leaked + ".' AS text"))
                .first();
        assertEquals("decontaminate:ngram_overlap", contaminated.getString(2));
        java.nio.file.Files.delete(bench);

        StructType tokens = new TokenizerTransformer().setTokenizer("byte-level").setInputCol("TEXT").setOutputCol("ids")
                .transformSchema(DOCS);
        assertTrue(List.of(tokens.fieldNames()).contains("ids"));
        new Score().setModel("m.gguf").setInputCol("TEXT").transformSchema(DOCS);
        new Embed().setModel("m.gguf").setInputCol("Text").transformSchema(DOCS);
        new Generate().setModel("m.gguf").setPromptCol("PROMPT").transformSchema(DOCS);
        new Judge().setModel("m.gguf").setInstructionCol("Prompt").setResponseCol("COMPLETION").transformSchema(DOCS);
    }

    /** A user's {@code Reason} is the reason column Spark reads for {@code reason}: its rejections stand. */
    @Test
    void aReasonColumnInAnotherCaseIsTheReasonColumn() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = docs(spark).withColumn("Reason",
                org.apache.spark.sql.functions.expr("CASE WHEN id = 'a' THEN 'mine:rejected' END"));
        List<Row> rows = new ExactDedup().transform(in).orderBy("id").select("id", "reason").collectAsList();
        assertEquals("mine:rejected", rows.get(0).getString(1), rows.toString());
        // a is out of the running, so b is the first of its group and kept
        assertTrue(rows.get(1).isNullAt(1), rows.toString());
    }

    /**
     * The CLI's --id-column and --text-column likewise, the column named as given from then on. --id-column ID over "id"
     * replaced every input id with a generated one (withColumn("ID") resolved to "id"), and --text-column TEXT was refused.
     */
    @Test
    void cliColumnsInAnotherCaseAreFound(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path in = java.nio.file.Files.write(tmp.resolve("in.jsonl"),
                List.of("{\"id\":\"a1\",\"text\":\"hello\"}", "{\"id\":7,\"text\":\"world\"}", "{\"id\":\"c\",\"text\":5}"));
        java.nio.file.Path out = tmp.resolve("out");
        dev.kindling.spark.cli.Cli.Result r = dev.kindling.spark.cli.Cli.run("convert", "--no-progress", "-i", in.toString(),
                "-o", out.toString(), "--id-column", "ID", "--text-column", "Text", "--on-error", "skip", "--rejected", tmp.resolve("rej").toString());
        assertEquals(0, r.code(), r.toString());
        List<com.fasterxml.jackson.databind.JsonNode> written = dev.kindling.spark.cli.Cli.outputRows(out, "Text");
        java.util.TreeSet<String> columns = new java.util.TreeSet<>();   // as Spark reads them: every row's fields, sorted
        written.forEach(row -> row.fieldNames().forEachRemaining(columns::add));
        assertEquals(List.of("ID", "Text"), List.copyOf(columns));
        assertEquals(List.of("a1", "7"), written.stream().map(row -> dev.kindling.spark.cli.Cli.text(row, "ID")).toList());
        // the text's type is checked under the name the lines give it
        com.fasterxml.jackson.databind.JsonNode rejected = dev.kindling.spark.cli.Cli.outputRows(tmp.resolve("rej")).get(0);
        assertEquals("read:text_not_string", dev.kindling.spark.cli.Cli.text(rejected, "reason"));
        assertEquals("c", dev.kindling.spark.cli.Cli.text(rejected, "ID"));
    }

    @Test
    void twoColumnsDifferingInCaseAreAmbiguous() {
        StructType both = DOCS.add("Text", DataTypes.StringType);
        KindlingException e = assertThrows(KindlingException.class, () -> new ExactDedup().transformSchema(both));
        assertTrue(e.getMessage().contains("exact_dedup: column 'text' is ambiguous"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> new Score().setModel("m.gguf").transformSchema(both));
        assertTrue(e.getMessage().matches("Score\\(kindlingScore_\\w+\\): column 'text' is ambiguous.*"), e.getMessage());
    }

    @Test
    void caseSensitiveSessionsMatchExactly() {
        SparkSession spark = TestSpark.session();
        spark.conf().set("spark.sql.caseSensitive", "true");
        try {
            KindlingException e = assertThrows(KindlingException.class, () -> new ExactDedup().setTextCol("TEXT").transformSchema(DOCS));
            assertTrue(e.getMessage().contains("the input has no column 'TEXT'"), e.getMessage());
            e = assertThrows(KindlingException.class,
                    () -> new TokenizerTransformer().setTokenizer("byte-level").setInputCol("TEXT").transformSchema(DOCS));
            assertTrue(e.getMessage().contains("the input has no column 'TEXT'"), e.getMessage());
            // and two columns differing in case are two columns
            new ExactDedup().transformSchema(DOCS.add("Text", DataTypes.StringType));
        } finally {
            spark.conf().unset("spark.sql.caseSensitive");
        }
    }
}
