package dev.kindling.spark.inference;

import static org.apache.spark.sql.functions.col;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Generate stage on stories260K: the Spark job's texts are the engine's alone, in order, per row. */
class GenerateSparkTest {
    @TempDir static Path tmp;

    static Generate generate() {
        return new Generate().setModel(Stories.model().toString()).setThreads(2);
    }

    /** Every row's output struct, by id. */
    static Map<String, Row> byId(Dataset<Row> out, String column) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : out.select(col("id"), col(column)).collectAsList()) {
            assertNull(m.put(r.getString(0), r.getStruct(1)), "duplicate id " + r.getString(0));
        }
        return m;
    }

    @Test
    void sparkTextsEqualTheEngineAloneOnThreeHundredPrompts() {
        SparkSession spark = TestSpark.session();
        List<String> prompts = Stories.prompts(300);
        Dataset<Row> out = generate().setMaxTokens(24).transform(Stories.promptFrame(spark, prompts, 3));
        List<Row> rows = out.select("id", "prompt", "generation", "error").collectAsList();
        assertEquals(300, rows.size());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(24));
        }
        List<Completion> alone;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(reqs);
        }
        Map<String, Row> got = new HashMap<>();
        for (Row r : rows) {
            got.put(r.getString(0), r);
        }
        for (int i = 0; i < prompts.size(); i++) {
            Row r = got.get(String.format("p%03d", i));
            assertNull(r.get(3), "no error expected: " + r);
            Row g = r.getStruct(2);
            Completion c = alone.get(i);
            assertEquals(c.text(), g.getString(0), "text of prompt " + i);
            assertArrayEquals(c.tokens(), toInts(g.getList(1)), "tokens of prompt " + i);
            assertEquals(c.finishReason().label(), g.getString(2));
            assertTrue(g.getDouble(3) < 0, "a log-probability");
        }
    }

    static int[] toInts(List<Integer> l) {
        int[] a = new int[l.size()];
        for (int i = 0; i < a.length; i++) {
            a[i] = l.get(i);
        }
        return a;
    }
}
