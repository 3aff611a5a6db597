package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.DataFrameWriter;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;

/**
 * Writes JSON Lines or Parquet through Spark's output committer (for {@code s3a://} the S3A
 * committer configured by {@code SparkSessions}), refusing to replace an existing output unless asked.
 */
public final class DatasetWriter {
    private DatasetWriter() {}

    /** Fails with a usage error when the output exists and overwrite was not asked for. */
    public static void checkWritable(SparkSession spark, WriteOptions o) {
        if (o.format() != DataFormat.JSONL && o.format() != DataFormat.PARQUET) {
            throw KindlingException.usage("cannot write " + o.format() + "; --format must be jsonl or parquet");
        }
        if (o.overwrite()) {
            return;
        }
        Path p = new Path(o.path());
        try {
            FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
            if (fs.exists(p)) {
                throw KindlingException.usage("output " + o.path() + " already exists; pass --overwrite to replace it");
            }
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot check output " + o.path() + ": " + e.getMessage(), e);
        }
    }

    public static void write(Dataset<Row> df, WriteOptions o) {
        DataFrameWriter<Row> w = df.write().mode(o.overwrite() ? SaveMode.Overwrite : SaveMode.ErrorIfExists);
        if (o.compression() != null) {
            w = w.option("compression", o.compression());
        }
        switch (o.format()) {
            case JSONL -> w.option("ignoreNullFields", "false").json(o.path());
            case PARQUET -> w.parquet(o.path());
            default -> throw KindlingException.usage("cannot write " + o.format() + "; --format must be jsonl or parquet");
        }
    }
}
