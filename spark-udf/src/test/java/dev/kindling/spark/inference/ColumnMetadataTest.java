package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.attribute.NominalAttribute;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * The stages keep the metadata of the input's columns, as their transformSchema says: the inference stages (through
 * mapPartitions) dropped it from every column, an ML label's nominal attributes among them, and the stages that rewrite
 * the text (quality filters, PII, sentence dedup; all through CurationStage.apply) dropped the text's.
 */
class ColumnMetadataTest {
    static final Metadata LABEL = NominalAttribute.defaultAttr().withName("label").withValues("bad", "good").toMetadata();
    static final Metadata TEXT = new MetadataBuilder().putString("comment", "the document body").build();

    static Dataset<Row> docs() {
        Dataset<Row> d = TestSpark.session().sql("SELECT * FROM VALUES ('a', 'Once upon a time, there was a little dog. "
                + "Mail jane.doe@example.com.', 1.0D), ('b', 'One day, Tom saw a big cat in the park.', 0.0D) AS t(id, text, label)");
        return d.withColumn("text", d.col("text").as("text", TEXT)).withColumn("label", d.col("label").as("label", LABEL));
    }

    @Test
    void stagesKeepTheInputColumnsMetadata() {
        Transformer[] stages = {
            new Score().setModel(Stories.model().toString()).setThreads(2),
            new QualityFilter().setFilter("c4"),
            new PiiRedaction(),
        };
        for (Transformer stage : stages) {
            StructType out = stage.transform(docs()).schema();
            String name = stage.getClass().getSimpleName();
            assertEquals(LABEL, out.apply("label").metadata(), name + ": label");
            assertEquals(TEXT, out.apply("text").metadata(), name + ": text");
            assertEquals(stage.transformSchema(docs().schema()).apply("text").metadata(), out.apply("text").metadata(), name + ": declared");
        }
    }

    /** A frame with a column name given twice (as after a join) still goes through: restoring metadata by name made it ambiguous. */
    @Test
    void aRepeatedColumnNameIsNoError() {
        Dataset<Row> d = docs();
        Dataset<Row> twice = d.select(d.col("id"), d.col("text"), d.col("label"), d.col("label").as("source"), d.col("id").as("source"));
        for (Transformer stage : new Transformer[] {new QualityFilter().setFilter("c4"), new PiiRedaction()}) {
            assertEquals(2, stage.transform(twice).collectAsList().size(), stage.getClass().getSimpleName());
        }
    }
}
