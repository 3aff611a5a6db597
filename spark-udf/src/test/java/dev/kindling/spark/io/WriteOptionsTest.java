package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriteOptionsTest {
    @TempDir
    Path tmp;

    /** Every codec the options accept writes and reads back: the lists are what this Spark can do, not a guess. */
    @Test
    void everyAcceptedCodecWritesAndReadsBack() {
        SparkSession spark = TestSpark.session();
        Dataset<Row> df = spark.createDataset(List.of("one", "two", "three"), Encoders.STRING()).toDF("text");
        for (DataFormat f : List.of(DataFormat.JSONL, DataFormat.PARQUET)) {
            for (String codec : f == DataFormat.PARQUET ? WriteOptions.PARQUET_CODECS : WriteOptions.JSONL_CODECS) {
                String out = tmp.resolve(f + "-" + codec).toString();
                DatasetWriter.write(df, new WriteOptions(out, f, false, codec));
                Dataset<Row> back = f == DataFormat.PARQUET ? spark.read().parquet(out) : spark.read().json(out);
                assertEquals(3, back.count(), f + " " + codec);
            }
        }
    }

    /** zstd for JSON Lines failed only when the job wrote, after all the work; now it is a usage error up front. */
    @Test
    void aCodecTheFormatLacksIsAUsageError() {
        KindlingException e = assertThrows(KindlingException.class, () -> new WriteOptions("o", DataFormat.JSONL, false, "zstd"));
        assertEquals(KindlingException.USAGE, e.exitCode());
        assertTrue(e.getMessage().contains("--compression zstd is not a codec for JSON Lines output") && e.getMessage().contains("Parquet only"),
                e.getMessage());
        e = assertThrows(KindlingException.class, () -> new WriteOptions("o", DataFormat.PARQUET, false, "rar"));
        assertTrue(e.getMessage().contains("use one of none, uncompressed, snappy, gzip, zstd"), e.getMessage());
        assertEquals("ZSTD", new WriteOptions("o", DataFormat.PARQUET, false, "ZSTD").compression());
    }
}
