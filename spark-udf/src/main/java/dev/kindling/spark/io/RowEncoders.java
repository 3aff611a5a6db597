package dev.kindling.spark.io;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.internal.SQLConf;
import org.apache.spark.sql.types.StructType;
import scala.runtime.AbstractFunction0;

/**
 * Row encoders that carry dates and timestamps through a {@code mapPartitions} unchanged.
 *
 * <p>Spark's default {@code Encoders.row} hands a stage {@code java.sql.Date} and {@code java.sql.Timestamp}, which
 * use the hybrid Julian/Gregorian calendar: a date from 1582-10-05 to 1582-10-14 (days that calendar skips) comes back
 * as 1582-10-15, so a user's date column passed through a stage untouched was rewritten. With the Java 8 time types
 * ({@code LocalDate}, {@code Instant}), Spark's own proleptic Gregorian values go through as they are. The setting is
 * taken for the encoder alone, not set on the user's session.
 */
public final class RowEncoders {
    private RowEncoders() {}

    /** An encoder for rows of {@code schema} whose date and timestamp fields are {@code LocalDate} and {@code Instant}. */
    public static Encoder<Row> exact(StructType schema) {
        SQLConf conf = SQLConf.get().clone();
        conf.setConfString("spark.sql.datetime.java8API.enabled", "true");
        return SQLConf.withExistingConf(conf, new AbstractFunction0<Encoder<Row>>() {
            @Override
            public Encoder<Row> apply() {
                return Encoders.row(schema);
            }
        });
    }

    /** {@code in} read through {@link #exact}: what a {@code mapPartitions} over it should start from. */
    public static Dataset<Row> exactRows(Dataset<Row> in) {
        return in.as(exact(in.schema()));
    }
}
