package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kindling.spark.session.SparkSessions;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/**
 * Spark's console progress bar: on in the local sessions that code (a notebook cell, an application) starts through
 * {@link SparkSessions}, where a long cell showed nothing; off in a command's session, which draws its own line.
 */
class ConsoleProgressTest {
    private static final String KEY = SparkSessions.CONSOLE_PROGRESS;

    @Test
    void aLocalSessionStartedFromCodeShowsSparksProgressBar() {
        assertEquals("true", SparkSessions.defaults("local[2]").get(KEY));
        assertEquals("true", SparkSessions.defaults("local[*]").get(KEY));
    }

    @Test
    void aCommandsSessionHasSparksBarOffForItsOwnLine() {
        assertEquals("false", SparkCommand.sessionConf(Map.of("spark.sql.shuffle.partitions", "8"), new SparkConf(false)).get(KEY));
        assertEquals("8", SparkCommand.sessionConf(Map.of("spark.sql.shuffle.partitions", "8"), new SparkConf(false))
                .get("spark.sql.shuffle.partitions"));
    }

    @Test
    void aCommandGivenSparksBarKeepsIt() {
        assertEquals("true", SparkCommand.sessionConf(Map.of(KEY, "true"), new SparkConf(false)).get(KEY));
        // given to spark-submit (a system property), which getOrCreate keeps unless the map names it
        assertFalse(SparkCommand.sessionConf(Map.of(), new SparkConf(false).set(KEY, "true")).containsKey(KEY));
    }
}
