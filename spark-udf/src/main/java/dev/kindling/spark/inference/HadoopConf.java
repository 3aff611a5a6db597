package dev.kindling.spark.inference;

import dev.kindling.spark.executor.LocalFiles;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;

/**
 * The driver's Hadoop configuration, carried to the executors with a stage's tasks, so that a model
 * on {@code s3a://} is read there with the settings the job was given ({@code --conf
 * spark.hadoop.fs.s3a.*}, or set on the session's {@code hadoopConfiguration()}): an executor's own
 * default configuration does not have them.
 */
public final class HadoopConf implements Serializable {
    private static final long serialVersionUID = 1L;
    private transient Configuration conf;
    /**
     * On the driver, for {@link #live}: the context whose configuration is copied each time this is serialized (a task
     * binary), not once when it was made.
     */
    private transient org.apache.spark.SparkContext live;

    private HadoopConf(Configuration conf) {
        this.conf = conf;
    }

    /** A copy of the session's Hadoop configuration when {@code spec} reads a remote file, else null (nothing to carry). */
    public static HadoopConf forSpec(SparkSession spark, EngineSpec spec) {
        return remote(spec.model()) || remote(spec.tokenizer()) ? of(spark) : null;
    }

    /** A copy of the session's Hadoop configuration when {@code path} is a remote file (e.g. a tokenizer on s3a://), else null. */
    public static HadoopConf forPath(SparkSession spark, String path) {
        return remote(path) ? of(spark) : null;
    }

    /**
     * The session's Hadoop configuration as it is when each query's tasks are sent, for what lives longer than a query:
     * the SQL functions, registered once, copied it when registered, so S3 settings a notebook gave the session after
     * {@code KindlingFunctions.register} never reached them ('No AWS Credentials provided'), while the stages saw them.
     */
    public static HadoopConf live(SparkSession spark) {
        HadoopConf h = new HadoopConf(null);
        // no session: the functions' declaring run (SqlUdfs.declared), which registers nothing to carry it
        h.live = spark == null ? null : spark.sparkContext();
        return h;
    }

    public static HadoopConf of(SparkSession spark) {
        return new HadoopConf(new Configuration(spark.sparkContext().hadoopConfiguration()));
    }

    /**
     * {@code path} made local ({@link LocalFiles#localize}), a remote one read with {@code hadoop}, or with this JVM's
     * configuration when null.
     */
    public static Path localize(String path, HadoopConf hadoop) {
        return hadoop != null ? LocalFiles.localize(path, hadoop.get()) : LocalFiles.localize(path);
    }

    static boolean remote(String path) {
        return path != null && path.contains("://") && !path.startsWith("file:");
    }

    public Configuration get() {
        return live != null ? live.hadoopConfiguration() : conf;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
        out.defaultWriteObject();
        (live != null ? new Configuration(live.hadoopConfiguration()) : conf).write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
        in.defaultReadObject();
        conf = new Configuration(false);
        conf.readFields(in);
    }
}
