package dev.kindling.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.platform.launcher.LauncherSession;
import org.junit.platform.launcher.LauncherSessionListener;

/**
 * Creates the test JVM's {@code java.io.tmpdir} before any test runs. The module's tests run in two surefire JVMs side
 * by side (its pom's forkCount), each given a folder of its own, {@code target/fork-N} (Spark's local and warehouse
 * dirs, {@code @TempDir} folders, the model cache), and Java does not create the folder its tmpdir names.
 */
public final class ForkTmpDir implements LauncherSessionListener {
    @Override
    public void launcherSessionOpened(LauncherSession session) {
        try {
            Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir")));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the test JVM's java.io.tmpdir", e);
        }
    }
}
