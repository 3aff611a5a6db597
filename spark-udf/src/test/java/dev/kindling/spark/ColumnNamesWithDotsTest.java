package dev.kindling.spark;

import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.struct;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.tokenize.TokenizerTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The curation stages and the tokenizer read columns whose names hold a dot or a space. They referred to them with
 * {@code functions.col(name)}, which reads {@code body.text} as field {@code text} of a struct {@code body}: the
 * schema check passed and the transform failed with UNRESOLVED_COLUMN, or, beside such a struct, read its field instead.
 */
class ColumnNamesWithDotsTest {
    @TempDir Path tmp;

    static final String DOC = "The quick brown fox jumps over the lazy dog near the river bank today. "
            + "It was a sunny day and the birds were singing in the tall green trees. Write to jane.doe@example.com today.";

    /** `doc id` and `body.text`, and a struct `body` whose `text` is a decoy: a and b share their text, c differs. */
    static Dataset<Row> docs() {
        return TestSpark.session().sql("SELECT * FROM VALUES ('b', '" + DOC + "'), ('a', '" + DOC + "'), "
                        + "('c', 'Something else entirely, about gardens and spring and planting seeds in rows of rich dark soil.') "
                        + "AS t(`doc id`, `body.text`)")
                .withColumn("body", struct(lit("decoy text").as("text")));
    }

    static List<Row> byId(Dataset<Row> out, String column) {
        return out.selectExpr("`doc id`", "`" + column + "`").orderBy("`doc id`").collectAsList();
    }

    @Test
    void stagesReadTheColumnNamedWithADot() throws Exception {
        List<Row> tokens = byId(new TokenizerTransformer().setTokenizer("byte-level").setInputCol("body.text").setCountCol("n.bytes")
                .transform(docs()), "n.bytes");
        assertEquals(DOC.length(), tokens.get(0).getInt(1));

        List<Row> exact = byId(new ExactDedup().setIdCol("doc id").setTextCol("body.text").transform(docs()), "reason");
        assertEquals(java.util.Arrays.asList(null, "exact_dedup:duplicate", null), exact.stream().map(r -> r.getString(1)).toList());

        List<Row> near = byId(new MinHashDedup().setThreshold(0.5).setIdCol("doc id").setTextCol("body.text").transform(docs()), "reason");
        assertEquals(java.util.Arrays.asList(null, "minhash_dedup:near_duplicate", null), near.stream().map(r -> r.getString(1)).toList());

        List<Row> pii = byId(new PiiRedaction().setIdCol("doc id").setTextCol("body.text").transform(docs()), "body.text");
        assertEquals(DOC.replace("jane.doe@example.com", "<EMAIL>"), pii.get(0).getString(1));

        List<Row> c4 = byId(new QualityFilter().setFilter("c4").setIdCol("doc id").setTextCol("body.text").transform(docs()), "body.text");
        assertEquals(DOC, c4.get(0).getString(1));

        assertEquals(3, new SentenceDedupStage().setIdCol("doc id").setTextCol("body.text").transform(docs()).count());

        Path bench = tmp.resolve("bench.jsonl");
        Files.writeString(bench, "{\"q.text\": \"" + DOC + "\"}\n");
        List<Row> decon = byId(new Decontamination().setBenchmark(bench.toString()).setBenchmarkColumns(new String[] {"q.text"})
                .setIdCol("doc id").setTextCol("body.text").transform(docs()), "reason");
        assertEquals(java.util.Arrays.asList("decontaminate:ngram_overlap", "decontaminate:ngram_overlap", null),
                decon.stream().map(r -> r.getString(1)).toList());
    }
}
