package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JSON Lines reader decides each line's reason once. Its reason expression (a chain of conditions with UDF calls)
 * used to be written into every field's condition, three times in each: a file of 22 fields carried 66 copies through
 * Spark's analysis, optimisation and code generation.
 */
class JsonReadPlanTest {
    @TempDir Path tmp;

    @Test
    void theReasonIsComputedOnceWhateverTheNumberOfFields() throws Exception {
        Dataset<Row> narrow = read("narrow.jsonl", 0);
        Dataset<Row> wide = read("wide.jsonl", 20);
        int udfCallsNarrow = occurrences(optimizedPlan(narrow), "UDF(");
        int udfCallsWide = occurrences(optimizedPlan(wide), "UDF(");
        assertTrue(udfCallsNarrow > 0, optimizedPlan(narrow));
        assertEquals(udfCallsNarrow, udfCallsWide, "the reader's checks, once, not once per field:\n" + optimizedPlan(wide));
        // and the rows are as before: the object read with every field, the two bad lines rejected with their reason
        List<Row> rows = wide.orderBy("source_line").select("id", "field19", "reason", "error").collectAsList();
        assertEquals(3, rows.size());
        assertEquals("a", rows.get(0).getString(0));
        assertEquals(19L, rows.get(0).getLong(1));
        assertTrue(rows.get(0).isNullAt(2) && rows.get(0).isNullAt(3), rows.get(0).toString());
        assertEquals("read:malformed_json", rows.get(1).getString(2));
        assertTrue(rows.get(1).getString(3).startsWith("malformed JSON: Unrecognized token"), rows.get(1).toString());
        assertTrue(rows.get(1).isNullAt(1), "an unparsed line has no fields: " + rows.get(1));
        assertEquals("read:not_an_object", rows.get(2).getString(2));
        assertEquals("not a JSON object" + DatasetReader.ARRAY_HINT, rows.get(2).getString(3));
    }

    /** A file of JSON holding an array (pretty-printed, "[" alone on line 1) was only "malformed JSON" line by line. */
    @Test
    void aJsonArrayFileIsNamedAsOne() throws Exception {
        Path file = Files.write(tmp.resolve("array.jsonl"), List.of("[", "  {\"id\": \"a\", \"text\": \"x\"},", "  {\"id\": \"b\"}", "]"));
        List<Row> rows = DatasetReader.read(TestSpark.session(), ReadOptions.of(file.toString()).withOnError(OnError.SKIP))
                .orderBy("source_line").select("reason", "error").collectAsList();
        assertEquals(4, rows.size());
        assertEquals("malformed JSON" + DatasetReader.ARRAY_HINT, rows.get(0).getString(1));
        assertEquals("read:malformed_json", rows.get(1).getString(0));
        assertTrue(rows.get(1).getString(1).startsWith("more after the JSON object"), rows.get(1).toString());
    }

    /** An object with an id, a text and {@code extraFields} numbers, then a line that is no JSON and one that is no object. */
    private Dataset<Row> read(String name, int extraFields) throws Exception {
        StringBuilder line = new StringBuilder("{\"id\":\"a\",\"text\":\"one document\"");
        for (int i = 0; i < extraFields; i++) {
            line.append(",\"field").append(i).append("\":").append(i);
        }
        line.append('}');
        Path file = tmp.resolve(name);
        Files.write(file, List.of(line.toString(), "not json", "[1, 2]"));
        return DatasetReader.read(TestSpark.session(), ReadOptions.of(file.toString()).withOnError(OnError.SKIP));
    }

    /** Every field of every node: toString stops at spark.sql.debug.maxToStringFields (25). */
    private static String optimizedPlan(Dataset<Row> df) {
        return df.queryExecution().optimizedPlan().treeString(true, false, Integer.MAX_VALUE, false, false);
    }

    private static int occurrences(String text, String what) {
        int n = 0;
        for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
            n++;
        }
        return n;
    }
}
