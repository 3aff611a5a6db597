package dev.kindling.spark.dedup;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.bench.NearDuplicateCorpus;
import dev.kindling.spark.TestSpark;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/** Inputs for the dedup tests: the corpus near-duplicate benchmark as a DataFrame. */
final class DedupTestData {
    private static List<String> pool;

    private DedupTestData() {}

    static synchronized List<String> pool() {
        if (pool == null) {
            pool = NearDuplicateCorpus.wordPool(SharedData.require("corpus"));
        }
        return pool;
    }

    static List<Document> benchmark(int bases, int words, long seed) {
        return NearDuplicateCorpus.build(pool(), bases, words, seed);
    }

    static Dataset<Row> frame(List<Document> docs, int partitions) {
        List<Row> rows = new ArrayList<>();
        for (Document d : docs) {
            rows.add(RowFactory.create(d.id(), d.text()));
        }
        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        return TestSpark.session().createDataFrame(rows, schema).repartition(partitions);
    }
}
