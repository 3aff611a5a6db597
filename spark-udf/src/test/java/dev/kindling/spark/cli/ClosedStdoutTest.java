package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * A command whose stdout nobody reads any more stops: {@code kindling demo | head -1} ran its whole pipeline after
 * {@code head} had gone, as Java's PrintStream swallows the broken pipe.
 */
class ClosedStdoutTest {
    @TempDir
    Path tmp;

    /** Stdout whose reader has gone: every write fails as EPIPE does; what was offered is kept. */
    static final class GoneReader extends OutputStream {
        final ByteArrayOutputStream offered = new ByteArrayOutputStream();

        @Override
        public synchronized void write(int b) throws IOException {
            offered.write(b);
            throw new IOException("Broken pipe");
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) throws IOException {
            offered.write(b, off, len);
            throw new IOException("Broken pipe");
        }

        synchronized String offered() {
            return offered.toString(StandardCharsets.UTF_8);
        }
    }

    @Test
    void theDemoStopsQuietlyWhenItsStdoutFails() {
        TestSpark.session();
        CommandLine cl = KindlingCli.commandLine();
        GoneReader stdout = new GoneReader();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new OutputStreamWriter(stdout, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("demo", "--no-progress");
        assertEquals(ClosedStdout.EXIT_CODE, code, err.toString());
        assertEquals("", err.toString(), "a quiet stop, as yes | head -1");
        String offered = stdout.offered();
        assertTrue(offered.startsWith("kindling demo: "), offered);
        // stopped as the pipeline ran: its table and the closing hints were never written
        assertFalse(offered.contains("documents:") || offered.contains("(pass --output DIR"), offered);
        // the session goes on working for the next user of it
        assertEquals(3, TestSpark.session().range(3).count());
    }

    /**
     * A run that writes an output of any kind, here dedup's index with no {@code --output} ({@code kindling dedup
     * --index-only --save-index DIR ... | head -1}), finishes it and keeps it when nobody reads its stdout: the watch took
     * its stdout for its only product and stopped it, exit 141, its failure removing the index it had begun. It exits as a
     * run with {@code --output} does, 0, its summary unread.
     */
    @Test
    void anIndexOnlyRunKeepsItsIndexWhenItsStdoutFails() throws Exception {
        TestSpark.session();
        Path input = java.nio.file.Files.writeString(tmp.resolve("docs.jsonl"), "{\"id\": \"a\", \"text\": \"the first of two documents\"}\n"
                + "{\"id\": \"b\", \"text\": \"the second of two documents\"}\n");
        Path index = tmp.resolve("index");
        CommandLine cl = KindlingCli.commandLine();
        PrintWriter stdout = new PrintWriter(new OutputStreamWriter(new GoneReader(), StandardCharsets.UTF_8), true);
        stdout.println("the line head took"); // the reader has gone before the run starts, as head's once it has its line
        StringWriter err = new StringWriter();
        cl.setOut(stdout);
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("dedup", "--no-progress", "-i", input.toString(), "--save-index", index.toString(), "--index-only");
        assertEquals(0, code, err.toString());
        assertTrue(java.nio.file.Files.exists(index.resolve("manifest.json")), "the index is kept: " + err);
    }

    /**
     * As the CLI's own process, with a stdout that fails ({@code > /dev/full}): the run keeps its index and exits 0,
     * saying the summary could not be written while the outputs are complete, as a run with {@code --output} does (that
     * run's index was no output to the exit code, which was 1). This is main's own path (outputsWritten), which the
     * in-process test above does not reach; a pipe whose reader has gone is that test's case.
     */
    @Test
    void anIndexOnlyProcessKeepsItsIndexAndExitsZeroWhenItsStdoutFails() throws Exception {
        Path input = java.nio.file.Files.writeString(tmp.resolve("docs.jsonl"), "{\"id\": \"a\", \"text\": \"the first of two documents\"}\n"
                + "{\"id\": \"b\", \"text\": \"the second of two documents\"}\n");
        Path index = tmp.resolve("index");
        Path stderr = tmp.resolve("stderr.txt");
        // C1 only, as every other child run: a short run spends most of its time compiling
        Process child = new ProcessBuilder(InterruptTest.childCommand(java.util.List.of("-XX:TieredStopAtLevel=1"), "dedup",
                "--master", "local[1]", "-i", input.toString(), "--save-index", index.toString(), "--index-only"))
                .redirectOutput(new java.io.File("/dev/full")).redirectError(stderr.toFile()).start();
        assertTrue(child.waitFor(5, java.util.concurrent.TimeUnit.MINUTES), "the run ended");
        String said = java.nio.file.Files.readString(stderr);
        assertEquals(0, child.exitValue(), said);
        assertTrue(java.nio.file.Files.exists(index.resolve("manifest.json")), said);
        assertTrue(said.contains("kindling: warning: the summary could not be written to stdout"), said);
    }

    /**
     * {@code kindling generate --prompt ... | head -c 10} (no Spark): the generation stops once stdout has lost its reader
     * and the command exits 141 quietly. picocli's writer swallowed the broken pipe, and the engine generated on to
     * --max-tokens for no one.
     */
    @Test
    void aPromptStopsGeneratingWhenItsStdoutFails() {
        String model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf").toString();
        int[] attemptsAfterFailure = {0};
        OutputStream headOf10 = new OutputStream() {
            int accepted;
            boolean failed;

            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                if (failed) {
                    attemptsAfterFailure[0]++;
                }
                if (accepted + len > 10) {
                    failed = true;
                    throw new IOException("Broken pipe");
                }
                accepted += len;
            }
        };
        CommandLine cl = KindlingCli.commandLine();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(new OutputStreamWriter(headOf10, StandardCharsets.UTF_8), true));
        cl.setErr(new PrintWriter(err, true));
        int code = cl.execute("generate", "--model", model, "--prompt", "Once upon a time", "--max-tokens", "300", "--threads", "1");
        assertEquals(ClosedStdout.EXIT_CODE, code, err.toString());
        assertEquals("", err.toString(), "a quiet stop");
        assertEquals(0, attemptsAfterFailure[0], "writes after stdout failed");
    }

    @Test
    void aCommandWriterThatFailedIsClosed() {
        assertFalse(ClosedStdout.closed(new PrintWriter(new StringWriter())));
        PrintWriter failed = new PrintWriter(new OutputStreamWriter(new GoneReader(), StandardCharsets.UTF_8), true);
        failed.println("first line");
        assertTrue(ClosedStdout.closed(failed));
    }

    /** The poll behind a real pipe: POLLERR on its write end once its read end is closed. */
    @Test
    void thePollSeesAPipeWhoseReaderHasGone() throws Exception {
        java.nio.channels.Pipe pipe = java.nio.channels.Pipe.open();
        try {
            // the sink's descriptor (sun.nio.ch, which the build's JVM flags open, as they open it to the poll)
            java.lang.reflect.Method getFd = pipe.sink().getClass().getMethod("getFD");
            getFd.setAccessible(true);
            FileDescriptor writeEnd = (FileDescriptor) getFd.invoke(pipe.sink());
            assertFalse(ClosedStdout.pipeWithoutReader(writeEnd), "the reader is there");
            pipe.source().close();
            assertTrue(ClosedStdout.pipeWithoutReader(writeEnd), "the reader has gone");
        } finally {
            pipe.source().close();
            pipe.sink().close();
        }
        try (FileOutputStream file = new FileOutputStream(tmp.resolve("out.txt").toFile())) {
            assertFalse(ClosedStdout.pipeWithoutReader(file.getFD()), "a file is no pipe");
        }
    }
}
