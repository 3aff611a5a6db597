package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.spark.KindlingException;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * An unknown format names the formats of the option given: outputs are written as JSON Lines or Parquet only, and the
 * output's error listed the four input formats ("expected jsonl, parquet, text-lines or text-files").
 */
class SparkJobOptionsTest {
    @Test
    void anUnknownOutputFormatListsTheOutputFormats() {
        for (String bad : List.of("xyz", "text-lines")) {
            SparkJobOptions o = new SparkJobOptions();
            o.format = bad;
            KindlingException e = assertThrows(KindlingException.class, () -> o.writeOptions("out"));
            assertEquals(KindlingException.USAGE, e.exitCode());
            assertEquals("--format must be jsonl or parquet, not " + bad, e.getMessage());
        }
    }

    @Test
    void anUnknownInputFormatListsTheInputFormats() {
        SparkJobOptions o = new SparkJobOptions();
        o.input.add("in.jsonl");
        o.inputFormat = "xyz";
        o.onError = "fail";
        KindlingException e = assertThrows(KindlingException.class, o::readOptions);
        assertEquals(KindlingException.USAGE, e.exitCode());
        assertEquals("--input-format must be jsonl, parquet, text-lines or text-files, not xyz", e.getMessage());
    }
}
