package dev.kindling.formats;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The one way model and vocabulary readers read a whole file: its bytes, or an error that names it and says why. */
class ModelFormatExceptionTest {
    @TempDir
    Path dir;

    @Test
    void readAllBytesGivesTheFilesBytes() throws Exception {
        Path f = dir.resolve("tokenizer.model");
        Files.write(f, new byte[] {10, 0, -1});
        assertArrayEquals(new byte[] {10, 0, -1}, ModelFormatException.readAllBytes(f));
    }

    @Test
    void aMissingFileOrAFolderIsNamedWithWhatWentWrong() throws Exception {
        Path missing = dir.resolve("tokenizer.model");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> ModelFormatException.readAllBytes(missing));
        assertEquals(missing + ": cannot read: " + NoSuchFileException.class.getName() + ": " + missing, e.getMessage());
        assertEquals(missing, e.file());
        assertTrue(e.getCause() instanceof NoSuchFileException);

        Path folder = Files.createDirectory(dir.resolve("spiece.model"));
        e = assertThrows(ModelFormatException.class, () -> ModelFormatException.readAllBytes(folder));
        assertTrue(e.getMessage().startsWith(folder + ": cannot read: java.io.IOException"), e.getMessage());
    }
}
