package dev.kindling.inference.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's {@code generate --input} reader, line by line, without a model. */
class InputRowsTest {
    /**
     * A line whose object gives a key twice, or whose nested object does, is its row's error naming file, line, key and
     * both places, as the Spark job's reader refuses the row: the parse kept the key's last value and lost the first without
     * a word ({"prompt":"a","prompt":"b"} was generated from "b"). The rows around it are read.
     */
    @Test
    void aKeyGivenTwiceIsTheRowsErrorNotReadAsItsLastValue(@TempDir Path dir) throws Exception {
        Path in = Files.writeString(dir.resolve("twice.jsonl"), "{\"id\":0,\"prompt\":\"ok\"}\n{\"id\":1,\"prompt\":\"a\",\"prompt\":\"b\"}\n"
                + "{\"id\":2,\"prompt\":\"c\",\"meta\":{\"k\":1,\"k\":2}}\n{\"id\":3,\"prompt\":\"d\",\"meta\":{\"k\":1},\"other\":{\"k\":2}}\n");
        List<InputRows.Row> rows = new ArrayList<>();
        try (InputRows r = new InputRows(in)) {
            while (r.hasNext()) {
                rows.add(r.next());
            }
        }
        assertEquals(4, rows.size(), rows.toString());
        assertNull(rows.get(0).error(), rows.get(0).toString());
        assertEquals(in + " line 2: key 'prompt' given twice in the line's object, at characters 9 and 22 of the line (a reader "
                + "keeps one of its values and loses the other)", rows.get(1).error());
        assertNull(rows.get(1).json());
        assertEquals(in + " line 3: key 'k' given twice in an object nested in the line's, at characters 30 and 36 of the line (a "
                + "reader keeps one of its values and loses the other)", rows.get(2).error());
        // one key in each of two objects is no repeat
        assertNull(rows.get(3).error(), rows.get(3).toString());
        assertEquals("d", rows.get(3).json().get("prompt").asText());
    }
}
