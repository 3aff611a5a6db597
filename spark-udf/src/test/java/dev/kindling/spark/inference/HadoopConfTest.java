package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.kindling.spark.TestSpark;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** What the driver's Hadoop configuration carries to a task: a copy made when the task is sent, for the SQL functions. */
class HadoopConfTest {
    private static HadoopConf sent(HadoopConf h) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
            out.writeObject(h);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
            return (HadoopConf) in.readObject();
        }
    }

    /**
     * The SQL functions are registered once and copied the configuration then: S3 settings a notebook gave the session
     * after {@code KindlingFunctions.register} never reached their tasks, while the stages (which copy it at each
     * transform) saw them.
     */
    @Test
    void aLiveConfigurationIsCopiedWhenSentNotWhenMade() throws Exception {
        SparkSession spark = TestSpark.session();
        Configuration session = spark.sparkContext().hadoopConfiguration();
        String key = "kindling.test.hadoop-conf-live";
        session.unset(key);
        try {
            HadoopConf live = HadoopConf.live(spark);
            HadoopConf once = HadoopConf.of(spark);
            session.set(key, "set after registering");
            assertEquals("set after registering", sent(live).get().get(key));
            assertEquals("set after registering", live.get().get(key), "on the driver, the session's own");
            assertNull(sent(once).get().get(key), "a copy made once keeps what it copied");
            session.set(key, "changed");
            assertEquals("changed", sent(live).get().get(key));
        } finally {
            session.unset(key);
        }
    }
}
