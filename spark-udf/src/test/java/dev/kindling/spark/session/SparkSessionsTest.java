package dev.kindling.spark.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.progress.ProgressLines;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

class SparkSessionsTest {
    private static final String TIME_ZONE = "spark.sql.session.timeZone";
    private static final String PARTITIONS = "spark.sql.shuffle.partitions";
    private static final String CONSTRAINTS = "spark.sql.constraintPropagation.enabled";

    /**
     * A notebook's session keeps the settings it chose when Kindling joins it (a command run in-process, the tour's
     * getOrCreate): Kindling's defaults fill only the settings it has none for, and what the caller gives is set.
     */
    @Test
    void aSessionAlreadyThereKeepsItsOwnSettingsAndGetsOnlyTheDefaultsItLacks() {
        SparkSession spark = TestSpark.session();
        Map<String, String> off = Map.of(ProgressLines.ENABLED, "false");
        try {
            spark.conf().set(TIME_ZONE, "America/New_York");
            spark.conf().set(PARTITIONS, "7");
            spark.conf().unset(CONSTRAINTS);
            assertSame(spark, SparkSessions.getOrCreate("local[2]", off));
            assertEquals("America/New_York", spark.conf().get(TIME_ZONE), "the session's own time zone");
            assertEquals("7", spark.conf().get(PARTITIONS), "the session's own shuffle partitions");
            assertEquals("false", spark.conf().get(CONSTRAINTS), "a default the session had no value for");
            // what the caller gives (a command's --conf) is set
            SparkSessions.getOrCreate("local[2]", Map.of(ProgressLines.ENABLED, "false", TIME_ZONE, "Asia/Tokyo"));
            assertEquals("Asia/Tokyo", spark.conf().get(TIME_ZONE));
        } finally {
            spark.conf().set(TIME_ZONE, "UTC");
            spark.conf().set(PARTITIONS, "4");
            spark.conf().set(CONSTRAINTS, "false");
        }
    }
}
