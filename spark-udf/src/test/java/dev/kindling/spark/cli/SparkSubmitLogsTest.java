package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CLI as {@code spark-submit} runs it ({@code SparkSubmit --class dev.kindling.spark.cli.KindlingCli}, in a JVM of
 * its own): SparkSubmit sets log4j up before Kindling's main runs, and stderr held some 190 lines of Spark's INFO logs
 * and a WARN for each SQL function Kindling registers twice, where the README promises errors and warnings only.
 */
class SparkSubmitLogsTest {
    @TempDir Path tmp;

    @Test
    void aSubmittedRunsStderrHoldsNoSparkInfoLogs() throws Exception {
        Path in = Files.writeString(tmp.resolve("in.jsonl"), "{\"id\":\"a\",\"text\":\"hello\"}\n{\"id\":\"b\",\"text\":\"world\"}\n");
        // the application jar spark-submit requires; Kindling's classes come from the classpath
        Path jar = tmp.resolve("app.jar");
        try (java.util.jar.JarOutputStream j = new java.util.jar.JarOutputStream(Files.newOutputStream(jar), new java.util.jar.Manifest())) {
            // empty: a manifest only
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        try (InputStream flags = SparkSubmitLogsTest.class.getResourceAsStream("/kindling-jvm-flags.txt")) {
            cmd.addAll(Arrays.asList(new String(flags.readAllBytes(), StandardCharsets.UTF_8).trim().split("\\s+")));
        }
        cmd.add("-XX:TieredStopAtLevel=1");
        // without the tests' own classes: their log4j2-test.properties would configure the child's logging
        String classpath = Arrays.stream(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"))
                .split(java.io.File.pathSeparator)).filter(e -> !e.endsWith("test-classes") && !e.endsWith("test-classes/"))
                .collect(java.util.stream.Collectors.joining(java.io.File.pathSeparator));
        cmd.addAll(List.of("-cp", classpath,
                "org.apache.spark.deploy.SparkSubmit", "--master", "local[1]", "--conf", "spark.ui.enabled=false",
                "--class", "dev.kindling.spark.cli.KindlingCli", jar.toString(),
                "convert", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("out").toString()));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().remove("SPARK_CONF_DIR");
        Process p = pb.start();
        CompletableFuture<byte[]> err = CompletableFuture.supplyAsync(() -> {
            try {
                return p.getErrorStream().readAllBytes();
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(180, TimeUnit.SECONDS), "spark-submit finished");
        String stderr = new String(err.get(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out + stderr);
        assertTrue(out.contains("2 in, 2 kept"), out);
        assertFalse(stderr.contains(" INFO "), "Spark's INFO logs on stderr:\n" + stderr);
        assertFalse(stderr.contains("replaced a previously registered function"), stderr);
    }
}
