package dev.kindling.spark.stage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code --stats} is written beside its path and moved into place: written in place, a disk that filled up left an empty
 * file, which the rerun refused as an existing --stats (found by an adversarial pass on a 20 MB tmpfs).
 */
class RunReportFileTest {
    @TempDir Path tmp;

    @Test
    void aWriteThatFailsLeavesNoFile() throws Exception {
        RunReport report = RunReport.of(List.of("read"), Map.of("read:empty_text", 2L, "kept", 3L), Map.of(), 1.0);
        Path stats = tmp.resolve("sub").resolve("st.json");
        report.writeJson(stats);
        assertTrue(Files.readString(stats).contains("\"documents_in\""), Files.readString(stats));
        report.writeJson(stats); // replaced
        try (var listing = Files.list(stats.getParent())) {
            assertEquals(List.of("st.json"), listing.map(p -> p.getFileName().toString()).toList());
        }
        // the move fails (a folder holds the name): what was written beside it goes, the folder stays as it was
        Path taken = Files.createDirectories(tmp.resolve("taken.json"));
        Files.writeString(taken.resolve("x"), "x");
        assertThrows(java.io.IOException.class, () -> report.writeJson(taken));
        try (var listing = Files.list(tmp)) {
            assertEquals(List.of(), listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".partial")).toList());
        }
        assertEquals("x", Files.readString(taken.resolve("x")));
    }
}
