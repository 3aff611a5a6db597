package dev.kindling.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one place tests find the reference data in {@code ../shared/data}: real tokenizers, the
 * stories260K model, corpora and reference outputs.
 *
 * <p>The location comes from the system property {@code kindling.shared} (the build sets it to
 * {@code ../shared} beside the checkout). In a user's clone the folder is absent: tests that need it
 * are then skipped with a message saying what is missing, instead of failing.
 */
public final class SharedData {
    private SharedData() {}

    /** The {@code shared} folder, whether or not it exists. */
    public static Path root() {
        String configured = System.getProperty("kindling.shared");
        Path p = configured != null && !configured.isBlank() ? Path.of(configured) : Path.of("..", "shared");
        return p.toAbsolutePath().normalize();
    }

    /** {@code shared/data/<relative>}; skips the calling test when it does not exist. */
    public static Path require(String relative) {
        Path p = root().resolve("data").resolve(relative);
        assumeTrue(Files.exists(p),
                () -> "skipped: reference data " + p + " is absent (set -Dkindling.shared=<dir holding data/>)");
        return p;
    }

    /** {@code shared/<relative>} (tools, notes); skips the calling test when it does not exist. */
    public static Path requireShared(String relative) {
        Path p = root().resolve(relative);
        assumeTrue(Files.exists(p),
                () -> "skipped: " + p + " is absent (set -Dkindling.shared=<dir>)");
        return p;
    }

    /** True when {@code shared/data} exists. */
    public static boolean available() {
        return Files.isDirectory(root().resolve("data"));
    }
}
