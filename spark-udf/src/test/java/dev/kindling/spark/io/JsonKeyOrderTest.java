package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The order of first appearance across the partitions of an input (one per file here: two small files are spread over
 * the tests' two cores): each partition hands over its keys' first places, and the earliest by file, line and place in
 * the line wins, as pyarrow reads the files one after the other.
 */
class JsonKeyOrderTest {
    @TempDir Path tmp;

    @Test
    void keysComeInTheOrderTheyFirstAppearAcrossFiles() throws Exception {
        Files.write(tmp.resolve("a.jsonl"), List.of(
                "{\"m\": [{\"role\": \"user\", \"content\": \"x\"}]}",
                "{\"m\": [{\"content\": \"y\", \"role\": \"user\", \"late\": 1, \"extra\": {\"z\": 1, \"b\": 2}}]}"),
                StandardCharsets.UTF_8);
        // in a later file, though its first line: after every key of a.jsonl
        Files.write(tmp.resolve("b.jsonl"), List.of(
                "{\"m\": [{\"name\": \"n\", \"extra\": {\"a\": 3, \"b\": 4}, \"role\": \"tool\"}]}"), StandardCharsets.UTF_8);
        Dataset<Row> lines = LineSource.read(TestSpark.session(), List.of(tmp.toString()));
        assertEquals(2, lines.rdd().getNumPartitions(), "a partition per file (minPartitionNum: the two cores)");
        // as Spark infers it: the fields sorted by name
        StructType extra = new StructType().add("a", DataTypes.LongType).add("b", DataTypes.LongType).add("z", DataTypes.LongType);
        StructType message = new StructType().add("content", DataTypes.StringType).add("extra", extra)
                .add("late", DataTypes.LongType).add("name", DataTypes.StringType).add("role", DataTypes.StringType)
                .add("unseen", DataTypes.StringType);
        ArrayType ordered = (ArrayType) JsonKeyOrder.inFileOrder(DataTypes.createArrayType(message), lines, "m");
        StructType m = (StructType) ordered.elementType();
        assertEquals(List.of("role", "content", "late", "extra", "name", "unseen"), List.of(m.fieldNames()));
        assertEquals(List.of("z", "b", "a"), List.of(((StructType) m.apply("extra").dataType()).fieldNames()));
    }
}
