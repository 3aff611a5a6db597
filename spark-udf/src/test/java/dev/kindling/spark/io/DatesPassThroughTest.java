package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.inference.Score;
import dev.kindling.testing.SharedData;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's date and timestamp columns go through the pipeline's row passes unchanged: with Spark's default row encoder
 * the days 1582-10-05..14 (which the hybrid Julian/Gregorian calendar of java.sql.Date skips) came out as 1582-10-15.
 */
class DatesPassThroughTest {
    @TempDir Path tmp;

    private static final String VALUES = "date'1582-10-10' AS d, timestamp'1582-10-10 12:34:56.123456' AS t, "
            + "array(date'1582-10-12') AS ad, named_struct('x', date'1582-10-11') AS st, date'0001-01-01' AS first_day";

    private static final String EXPECTED = "1582-10-10|1582-10-10 12:34:56.123456|[1582-10-12]|{1582-10-11}|0001-01-01";

    private static String shown(SparkSession spark, Dataset<Row> df) {
        df.createOrReplaceTempView("dates_shown");
        Row r = spark.sql("SELECT string(d), string(t), string(ad), string(st), string(first_day) FROM dates_shown").first();
        return r.getString(0) + "|" + r.getString(1) + "|" + r.getString(2) + "|" + r.getString(3) + "|" + r.getString(4);
    }

    @Test
    void convertKeepsDatesTheHybridCalendarSkips() throws Exception {
        SparkSession spark = TestSpark.session();
        Path in = tmp.resolve("in.parquet");
        spark.sql("SELECT 'a' AS id, 'some text' AS text, " + VALUES).write().parquet(in.toString());
        assertEquals(EXPECTED, shown(spark, spark.read().parquet(in.toString())), "the input itself");
        for (String format : List.of("parquet", "jsonl")) {
            Path out = tmp.resolve("out-" + format);
            Cli.Result r = Cli.run("convert", "--no-progress", "-i", in.toString(), "-o", out.toString(),
                    "--format", format);
            assertEquals(0, r.code(), r.toString());
            Dataset<Row> back = format.equals("parquet") ? spark.read().parquet(out.toString())
                    : spark.read().schema(spark.read().parquet(in.toString()).schema()).json(out.toString());
            assertEquals(EXPECTED, shown(spark, back), format);
        }
        String line = Files.readString(Files.list(tmp.resolve("out-jsonl")).filter(p -> p.toString().endsWith(".json")
                || p.toString().endsWith(".jsonl")).findFirst().orElseThrow());
        assertEquals(true, line.contains("\"d\":\"1582-10-10\""), line);
    }

    @Test
    void scoreKeepsTheOtherColumnsDates() {
        Path model = SharedData.require("llama2c/stories260K.gguf");
        SparkSession spark = TestSpark.session();
        Dataset<Row> in = spark.sql("SELECT 'Once upon a time' AS text, " + VALUES);
        Dataset<Row> scored = new Score().setModel(model.toString()).setThreads(1).transform(in);
        assertEquals(EXPECTED, shown(spark, scored));
    }
}
