package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.nio.charset.StandardCharsets;
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

    /**
     * A line over 256 MiB is its row's error, its bytes not kept, and the lines around it are read: decoded, inferred and
     * parsed, a 270 MiB line ran a 6 GB driver out of memory, failing the whole job (exit 52) and losing the rows after
     * it. The error names the size; the row, its line.
     */
    @Test
    void aLineOverTheLimitIsItsRowsErrorAndTheOthersAreRead(@TempDir Path tmp) throws Exception {
        Path file = tmp.resolve("long.jsonl");
        long longLine;
        try (java.io.OutputStream out = new java.io.BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
            out.write("{\"id\":\"a\",\"text\":\"before\"}\n{\"id\":\"big\",\"text\":\"".getBytes(StandardCharsets.UTF_8));
            byte[] chunk = new byte[1 << 20];
            java.util.Arrays.fill(chunk, (byte) 'x');
            for (int i = 0; i < 257; i++) {
                out.write(chunk);
            }
            out.write("\"}\n{\"id\":\"c\",\"text\":\"after\"}\n".getBytes(StandardCharsets.UTF_8));
            longLine = "{\"id\":\"big\",\"text\":\"".length() + 257L * chunk.length + 2;
        }
        // JSON Lines (text lines take the same reason from LineSource.reason; read twice, the 257 MiB took 19 s of a test run)
        List<Row> rows = DatasetReader.read(TestSpark.session(), ReadOptions.of(file.toString()).withOnError(OnError.SKIP))
                .orderBy(Columns.SOURCE_OFFSET).select(Columns.SOURCE_LINE, "text", Columns.REASON, Columns.ERROR, Columns.RAW)
                .collectAsList();
        assertEquals(3, rows.size());
        assertEquals("before", rows.get(0).getString(1));
        assertTrue(rows.get(0).isNullAt(2), rows.get(0).toString());
        assertEquals(2L, rows.get(1).getLong(0)); // the file's first split: exact line numbers
        assertTrue(rows.get(1).isNullAt(1) && rows.get(1).isNullAt(4), rows.get(1).toString());
        assertEquals("read:line_too_long", rows.get(1).getString(2));
        assertEquals("line of " + longLine + " bytes, over the 256 MiB a line may hold (its bytes are not kept)", rows.get(1).getString(3));
        assertEquals("after", rows.get(2).getString(1));
        assertTrue(rows.get(2).isNullAt(2), rows.get(2).toString());
    }
}
