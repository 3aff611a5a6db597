package dev.kindling.spark.session;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.io.CountingCommitProtocol;
import dev.kindling.spark.io.CountingPathOutputCommitProtocol;
import dev.kindling.spark.progress.ProgressLines;
import java.util.Map;
import org.apache.spark.internal.io.HadoopMapReduceCommitProtocol;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol;
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

    /**
     * A plain commit protocol set in the session, spark-hadoop-cloud's (as Spark's documentation and Airflow DAGs give it)
     * or Spark's own, becomes Kindling's subclass of it, which commits alike and counts what each write committed (for
     * DatasetWriter's check that an output holds exactly its run's write); any other (here Spark's HadoopMapReduceCommitProtocol,
     * as one's own would be) is left.
     */
    @Test
    void aPlainCommitProtocolBecomesKindlingsCountingOne() {
        SparkSession spark = TestSpark.session();
        String protocol = "spark.sql.sources.commitProtocolClass";
        Map<String, String> off = Map.of(ProgressLines.ENABLED, "false");
        scala.Option<String> before = spark.conf().getOption(protocol);
        try {
            for (String[] plainAndCounting : new String[][] {
                    {"org.apache.spark.internal.io.cloud.PathOutputCommitProtocol", CountingPathOutputCommitProtocol.class.getName()},
                    {SQLHadoopMapReduceCommitProtocol.class.getName(), CountingCommitProtocol.class.getName()},
                    {HadoopMapReduceCommitProtocol.class.getName(), HadoopMapReduceCommitProtocol.class.getName()}}) {
                spark.conf().set(protocol, plainAndCounting[0]);
                SparkSessions.getOrCreate("local[2]", off);
                assertEquals(plainAndCounting[1], spark.conf().get(protocol), plainAndCounting[0]);
            }
        } finally {
            if (before.isDefined()) {
                spark.conf().set(protocol, before.get());
            } else {
                spark.conf().unset(protocol);
            }
        }
    }
}
