package dev.kindling.spark.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ExecutorTokenizersTest {
    /**
     * A bare name that is no file was "nosuchname does not exist" (the SQL functions and transformers say it so): not
     * where it was looked for, nor that it is not a built-in tokenizer's name either. The same words with and without a
     * Spark session in the JVM: they depended on whether any session had started, so on which tests ran before.
     */
    @Test
    void aBareNameThatIsNoFileSaysWhereItLookedAndTheBuiltInNamesWithOrWithoutASession() {
        String said = "tokenizer 'nosuchname': no such file (looked in " + Path.of("").toAbsolutePath()
                + " and among the files given to Spark with --files), and not a tokenizer name Kindling knows (byte-level)";
        KindlingException before = assertThrows(KindlingException.class, () -> ExecutorTokenizers.get("nosuchname"));
        assertEquals(KindlingException.USAGE, before.exitCode());
        assertEquals(said, before.getMessage());
        TestSpark.session();
        KindlingException within = assertThrows(KindlingException.class, () -> ExecutorTokenizers.get("nosuchname"));
        assertEquals(said, within.getMessage());
    }

    /**
     * The early check of a bare name leaves to the job one that a file given to Spark (--files, as spark.files or YARN's
     * spark.yarn.dist.files, with its #alias) may supply, and any name when an archive is given (it may be unpacked from
     * it); another file's name is still refused.
     */
    @Test
    void aBareNameAFileGivenToSparkMaySupplyIsLeftToTheJob() {
        for (Map<String, String> conf : List.of(Map.of("spark.files", "/data/a.json, /data/nosuchname"),
                Map.of("spark.yarn.dist.files", "hdfs:///data/tokenizer.json#nosuchname"), Map.of("spark.archives", "tok.zip"),
                Map.of("spark.yarn.dist.archives", "tok.tar.gz#t"))) {
            ExecutorTokenizers.checkBareName("--tokenizer", "nosuchname", conf);
        }
        KindlingException other = assertThrows(KindlingException.class,
                () -> ExecutorTokenizers.checkBareName("--tokenizer", "nosuchname", Map.of("spark.files", "/data/nosuchname.json")));
        assertEquals("--tokenizer 'nosuchname': no such file (looked in " + Path.of("").toAbsolutePath()
                + " and among the files given to Spark with --files), and not a tokenizer name Kindling knows (byte-level)",
                other.getMessage());
        assertEquals(KindlingException.USAGE, other.exitCode());
    }

    /**
     * A command run in a session this JVM already has (a notebook's, spark-submit's) joins it: a file that session was
     * given is found by the job, so the early check must not refuse its name, nor any name when it was given an archive.
     * (On the rule, with the session's lists: a file added to the tests' shared session is fetched by every later task.)
     */
    @Test
    void aFileGivenToTheRunningSessionIsLeftToTheJob() {
        ExecutorTokenizers.checkBareName("--tokenizer", "nosuchname", Map.of(), List.of("file:/data/nosuchname"), false);
        ExecutorTokenizers.checkBareName("--tokenizer", "nosuchname", Map.of(), List.of(), true);
        assertThrows(KindlingException.class,
                () -> ExecutorTokenizers.checkBareName("--tokenizer", "nosuchname", Map.of(), List.of("file:/data/other.json"), false));
    }

    /**
     * A task killed (interrupted) as it loads its tokenizer gets the loader's CancellationException as it is, naming the
     * file and blaming nothing in it, where a .gguf's vocabulary, its channel closed by the interrupt, was the tokenizer's
     * failure, "tokenizer ...: unrecognised tokenizer format"; nothing is kept, and the next lookup loads it.
     */
    @Test
    void aTaskInterruptedAsItLoadsTheTokenizerIsToldSoAndTheNextLoadsIt() {
        Path gguf = SharedData.require("llamacpp-vocab/ggml-vocab-gpt-2.gguf");
        // an executor has its classes and logging set up before a task is killed: here another tokenizer's lookup does it
        // (a JVM's logging set up on an interrupted thread fails, whatever is looked up)
        ExecutorTokenizers.get(SharedData.require("llama2c/tok512.bin").toString());
        Thread.currentThread().interrupt();
        try {
            java.util.concurrent.CancellationException e = assertThrows(java.util.concurrent.CancellationException.class,
                    () -> ExecutorTokenizers.get(gguf.toString()));
            assertEquals(gguf + ": loading the tokenizer was interrupted (the thread's interrupt closes the file it reads), so it"
                    + " was not read; nothing is known to be wrong with it", e.getMessage());
        } finally {
            Thread.interrupted();
        }
        Tokenizer loaded = ExecutorTokenizers.get(gguf.toString());
        assertSame(loaded, ExecutorTokenizers.get(gguf.toString()));
        assertEquals(Tokenizer.load(gguf).vocabSize(), loaded.vocabSize());
    }
}
