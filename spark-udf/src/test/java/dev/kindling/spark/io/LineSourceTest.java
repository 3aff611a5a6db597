package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.kindling.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LineSourceTest {
    /**
     * A folder's files are read in name order, whatever order the file system lists them in (a local disk's directory
     * order put, for one folder, b before a before c), so the partitions, and what lands in each output part or pack
     * shard, are the same for the same files anywhere.
     */
    @Test
    void aFoldersFilesComeInNameOrder(@TempDir Path tmp) throws Exception {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            names.add(String.format("part-%02d.jsonl", (i * 17) % 40)); // created out of order
        }
        for (String n : names) {
            Files.writeString(tmp.resolve(n), "{\"id\":\"" + n + "\",\"text\":\"x\"}\n");
        }
        List<Row> rows = LineSource.read(TestSpark.session(), List.of(tmp.toString())).select(Columns.SOURCE_FILE).collectAsList();
        List<String> files = new ArrayList<>();
        for (Row r : rows) {
            files.add(Path.of(java.net.URI.create(r.getString(0))).getFileName().toString());
        }
        List<String> sorted = new ArrayList<>(names);
        java.util.Collections.sort(sorted);
        assertEquals(sorted, files);
    }
}
