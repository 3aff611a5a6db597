package dev.kindling.spark.stage;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The summary's counts of the run metrics read as English: one row, one token ("1 rows with an error" was printed). */
class RunReportTableTest {
    @Test
    void aCountOfOneIsSaidInTheSingular() {
        String one = RunReport.of(List.of("generate"), Map.of("kept", 2L), Map.of("rows with an error", 1L, "generated tokens", 1L,
                "tokens", 1L, "decontaminate_matches", 1L), 1.0).toTable();
        assertTrue(one.contains(", 1 row with an error"), one);
        assertTrue(one.matches("(?s).*, 1 generated token[,(\\s].*"), one);
        assertTrue(one.matches("(?s).*, 1 token[,(\\s].*"), one);
        // an identifier, as --stats keys it, is not a word to inflect
        assertTrue(one.contains(", 1 decontaminate_matches"), one);
        String two = RunReport.of(List.of("generate"), Map.of("kept", 2L), Map.of("rows with an error", 2L, "generated tokens", 0L),
                1.0).toTable();
        assertTrue(two.contains(", 2 rows with an error"), two);
        assertTrue(two.contains(", 0 generated tokens"), two);
    }
}
