package dev.kindling.notebooks;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Runs the external tools the notebook tests drive (bash, jupyter, python3). */
final class Commands {
    private Commands() {}

    /** A finished command: its exit code and everything it printed (stdout and stderr). */
    record Result(int exitCode, String output) {
        /** The last lines of the output, for assertion messages. */
        String tail(int lines) {
            List<String> all = output.lines().toList();
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        }
    }

    /** True when {@code program} is an executable on the PATH. */
    static boolean onPath(String program) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, program))) {
                return true;
            }
        }
        return false;
    }

    /**
     * Runs {@code command} in {@code workDir} with {@code env} added to this JVM's environment; its
     * output goes to {@code log} (kept for a look after a failure) and is returned. A command still
     * running after {@code timeout} is killed and reported as a failure.
     */
    static Result run(List<String> command, Path workDir, Map<String, String> env, Path log, Duration timeout)
            throws IOException, InterruptedException {
        return runWatched(command, workDir, env, log, timeout, output -> false);
    }

    /**
     * Like {@link #run}, but kills the command (and its children) as soon as its output so far
     * satisfies {@code abortWhen}; it then returns with exit code {@link #ABORTED}.
     */
    static Result runWatched(List<String> command, Path workDir, Map<String, String> env, Path log, Duration timeout,
            Predicate<String> abortWhen) throws IOException, InterruptedException {
        Files.createDirectories(log.getParent());
        ProcessBuilder pb = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile());
        pb.environment().putAll(env);
        Process p = pb.start();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!p.waitFor(500, TimeUnit.MILLISECONDS)) {
            if (abortWhen.test(Files.readString(log, StandardCharsets.UTF_8))) {
                kill(p);
                return new Result(ABORTED, Files.readString(log, StandardCharsets.UTF_8));
            }
            if (System.nanoTime() > deadline) {
                kill(p);
                throw new AssertionError(String.join(" ", command) + " did not finish in " + timeout.toSeconds()
                        + " s; output (" + log + "):\n" + Files.readString(log, StandardCharsets.UTF_8));
            }
        }
        return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
    }

    /** The exit code {@link #runWatched} reports for a command it killed. */
    static final int ABORTED = -1;

    private static void kill(Process p) throws InterruptedException {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        p.waitFor(10, TimeUnit.SECONDS);
    }

    /** Deletes a directory tree if it exists. */
    static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    /** This module's directory (surefire passes it; the working directory otherwise). */
    static Path moduleDir() {
        return Path.of(System.getProperty("kindling.notebooks.dir", System.getProperty("user.dir"))).toAbsolutePath();
    }
}
