package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.Completion;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.s3.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model and the prompts on S3 (s3proxy on 127.0.0.1, through s3a): the executor copies the
 * model to local disk once and the job's output, written to S3, holds the engine's texts.
 */
class InferenceS3Test {
    static S3Server s3;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start("models", "data");
        s3.attach(TestSpark.session(), tmp);
        // a cache of this run's own: each upload is a new version of the model, copied beside those of earlier runs
        System.setProperty("kindling.cache.dir", tmp.resolve("cache").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty("kindling.cache.dir");
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void modelAndPromptsFromS3() throws Exception {
        SparkSession spark = TestSpark.session();
        Configuration hc = spark.sparkContext().hadoopConfiguration();
        org.apache.hadoop.fs.Path model = new org.apache.hadoop.fs.Path("s3a://models/tiny/stories260K.gguf");
        FileSystem fs = model.getFileSystem(hc);
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(Stories.model().toUri()), model);
        List<String> prompts = Stories.prompts(20);
        Path local = InferenceCliTest.promptsFile(tmp.resolve("prompts"), prompts, false);
        org.apache.hadoop.fs.Path data = new org.apache.hadoop.fs.Path("s3a://data/in/prompts.jsonl");
        data.getFileSystem(hc).copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), data);

        Cli.Result r = Cli.run("generate", "--no-progress", "--model", model.toString(), "--threads", "2",
                "-i", "s3a://data/in/", "-o", "s3a://data/out/", "--max-tokens", "8");
        assertEquals(0, r.code(), r.toString());
        List<Row> rows = spark.read().json("s3a://data/out/").orderBy("id").collectAsList();
        assertEquals(20, rows.size());
        List<GenerationRequest> reqs = new ArrayList<>();
        for (String p : prompts) {
            reqs.add(GenerationRequest.of(p).withMaxTokens(8));
        }
        List<Completion> alone;
        try (Engine e = Engine.open(Stories.model(), EngineOptions.defaults().withThreads(2))) {
            alone = e.generate(reqs);
        }
        Map<String, String> got = new HashMap<>();
        for (Row row : rows) {
            got.put(row.getAs("id"), row.getAs("completion"));
        }
        for (int i = 0; i < prompts.size(); i++) {
            assertEquals(alone.get(i).text(), got.get("q" + i), "prompt " + i);
        }
        // the model was copied to this machine's cache once, whole
        Path cache = Path.of(System.getProperty("kindling.cache.dir", Path.of(System.getProperty("java.io.tmpdir"), "kindling-cache").toString()));
        try (Stream<Path> files = Files.walk(cache)) {
            List<Path> copies = files.filter(p -> p.getFileName().toString().equals("stories260K.gguf")).toList();
            assertEquals(1, copies.size(), "one copy: " + copies);
            assertEquals(Files.size(Stories.model()), Files.size(copies.get(0)));
        }
        // the Transformer API with the model on S3 (same engine, already local)
        List<Row> api = new Generate().setModel(model.toString()).setThreads(2).setMaxTokens(8)
                .transform(Stories.promptFrame(spark, prompts.subList(0, 3), 1)).select("generation.text").collectAsList();
        for (int i = 0; i < 3; i++) {
            assertEquals(alone.get(i).text(), api.get(i).getString(0));
        }
        assertTrue(r.out().contains("generate"), r.out());
    }

    static final AtomicReference<Engine> OLD_ENGINE = new AtomicReference<>();
    static final AtomicReference<Engine> NEW_ENGINE = new AtomicReference<>();
    static final AtomicReference<Engine> NEXT_ROW_ENGINE = new AtomicReference<>();
    static final AtomicInteger OLD_ENGINE_TOKENS = new AtomicInteger();

    /**
     * A model replaced on S3 under its URI: the engine of the new file serves the rows that follow, that of the old one
     * keeps the rows it has until its task ends, and closes then.
     */
    @Test
    void aModelReplacedOnS3IsOpenedAnewAndTheOldEngineClosesWhenItsTaskEnds() throws Exception {
        // within a running executor the first copy and its engine stayed in use, whatever was put under the URI since
        SparkSession spark = TestSpark.session();
        String uri = "s3a://models/replaced/model.gguf";
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        remote.getFileSystem(spark.sparkContext().hadoopConfiguration())
                .copyFromLocalFile(new org.apache.hadoop.fs.Path(Stories.model().toUri()), remote);
        String replacement = Stories.withContext(tmp, 64).toString();
        EngineSpec spec = EngineSpec.of(uri).withThreads(1).withMaxSequences(3);
        HadoopConf hadoop = HadoopConf.of(spark);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        jsc.parallelize(List.of(1), 1).foreach(x -> {
            Engine old = ExecutorEngines.get(spec, hadoop);
            // the replacement has the same size: S3 keeps modification times in whole seconds, so a same-size file put
            // within the second of the first would look unchanged without a checksum (a documented limitation)
            Thread.sleep(1100);
            remote.getFileSystem(hadoop.get()).copyFromLocalFile(new org.apache.hadoop.fs.Path(Path.of(replacement).toUri()), remote);
            // a task that starts now (here: a lookup outside any task, which looks the remote up every time)
            Thread later = new Thread(() -> NEW_ENGINE.set(ExecutorEngines.get(spec, hadoop)));
            later.start();
            later.join();
            // this task's next row: the newest engine, not the old one opened again (the two tasks' rows would take
            // turns retiring each other's engine and opening their own)
            NEXT_ROW_ENGINE.set(ExecutorEngines.get(spec, hadoop));
            OLD_ENGINE.set(old);
            OLD_ENGINE_TOKENS.set(old.generate(GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true)).tokens().length);
        });
        assertEquals(2048, OLD_ENGINE.get().config().contextLength(), "stories260K's own context");
        assertEquals(64, NEW_ENGINE.get().config().contextLength(), "the replaced file's model");
        assertSame(NEW_ENGINE.get(), NEXT_ROW_ENGINE.get());
        assertEquals(2, OLD_ENGINE_TOKENS.get(), "the old engine served its task after the model was replaced");
        assertThrows(Exception.class, () -> OLD_ENGINE.get().generate(GenerationRequest.of("Once").withMaxTokens(2)),
                "closed when its task ended");
        List<Integer> contexts = jsc.parallelize(List.of(1), 1)
                .map(x -> ExecutorEngines.get(spec, hadoop).config().contextLength()).collect();
        assertEquals(List.of(64), contexts, "the next task");
    }

    static final CountDownLatch OLD_ENGINE_OPEN = new CountDownLatch(1);
    static final CountDownLatch NEW_ENGINE_OPEN = new CountDownLatch(1);
    static final AtomicReference<Path> OLD_COPY = new AtomicReference<>();
    static final AtomicReference<Path> NEW_COPY = new AtomicReference<>();
    static final AtomicInteger OLD_COPY_KEPT = new AtomicInteger();

    /**
     * A model replaced twice on S3: each superseded copy leaves the executor's disk once the engine on it is retired
     * and closed, not before (the old engine's task still generates from it; an engine of other settings, cached
     * beyond its task, still maps it), and the newest engine's texts are those of the newest file.
     */
    @Test
    void aSupersededCopyOfTheModelIsRemovedOnceItsEngineCloses() throws Exception {
        // every replacement left a full copy of the model in the executor's cache, for as long as the folder lived
        SparkSession spark = TestSpark.session();
        String uri = "s3a://models/superseded/model.gguf";
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = remote.getFileSystem(spark.sparkContext().hadoopConfiguration());
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(Stories.model().toUri()), remote);
        String second = Stories.withContext(tmp, 64).toString(); // a String: the task's closure is serialised
        Path third = Stories.withContext(tmp, 128);
        EngineSpec spec = EngineSpec.of(uri).withThreads(1).withMaxSequences(3);
        HadoopConf hadoop = HadoopConf.of(spark);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        // two tasks at once (local[2,2]): the first keeps the engine of the first file while the second replaces the
        // file and opens the engine of the new one
        jsc.parallelize(List.of(0, 1), 2).foreachPartition(rows -> {
            if (rows.next() == 0) {
                Engine old = ExecutorEngines.get(spec, hadoop);
                OLD_COPY.set(HadoopConf.localize(uri, hadoop));
                OLD_ENGINE_OPEN.countDown();
                if (!NEW_ENGINE_OPEN.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other task did not open the new engine");
                }
                OLD_COPY_KEPT.set(Files.exists(OLD_COPY.get()) ? 1 : -1);
                old.generate(GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true));
            } else {
                if (!OLD_ENGINE_OPEN.await(120, TimeUnit.SECONDS)) {
                    throw new IllegalStateException("the other task did not open the old engine");
                }
                Thread.sleep(1100); // S3 keeps modification times in whole seconds (see the test above)
                remote.getFileSystem(hadoop.get()).copyFromLocalFile(new org.apache.hadoop.fs.Path(Path.of(second).toUri()), remote);
                assertEquals(64, ExecutorEngines.get(spec, hadoop).config().contextLength());
                // an engine of other settings on the same file: kept open (and cached) until those settings are asked for
                assertEquals(64, ExecutorEngines.get(spec.withThreads(2), hadoop).config().contextLength());
                NEW_COPY.set(HadoopConf.localize(uri, hadoop));
                NEW_ENGINE_OPEN.countDown();
            }
        });
        assertEquals(1, OLD_COPY_KEPT.get(), "the copy of the first file stays while its engine serves a task");
        assertFalse(Files.exists(OLD_COPY.get().getParent()), "and goes when the task ends and the retired engine closes");
        assertTrue(Files.exists(NEW_COPY.get()), "the copy the current engine maps stays");

        Thread.sleep(1100);
        fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(third.toUri()), remote);
        List<String> got = jsc.parallelize(List.of(1), 1).map(x -> {
            Engine e = ExecutorEngines.get(spec, hadoop);
            return List.of(String.valueOf(e.config().contextLength()),
                    e.generate(GenerationRequest.of("Once upon a time").withMaxTokens(8)).text(),
                    HadoopConf.localize(uri, hadoop).toString());
        }).collect().get(0);
        assertEquals("128", got.get(0), "the third file's model");
        try (Engine alone = Engine.open(third, EngineOptions.defaults().withThreads(1))) {
            assertEquals(alone.generate(GenerationRequest.of("Once upon a time").withMaxTokens(8)).text(), got.get(1));
        }
        assertTrue(Files.exists(NEW_COPY.get()), "the second copy stays while the engine of the other settings maps it");
        List<Integer> other = jsc.parallelize(List.of(1), 1)
                .map(x -> ExecutorEngines.get(spec.withThreads(2), hadoop).config().contextLength()).collect();
        assertEquals(List.of(128), other);
        assertFalse(Files.exists(NEW_COPY.get().getParent()), "and goes as that engine is retired");
        try (Stream<Path> versions = Files.list(NEW_COPY.get().getParent().getParent())) {
            assertEquals(List.of(Path.of(got.get(2)).getParent()), versions.filter(Files::isDirectory).toList(), "one copy left");
        }
    }

    /**
     * A Hugging Face checkpoint directory on S3 ({@code --model s3a://.../dir}): copied whole to the
     * executor's disk, then opened as a directory (weights, tokenizer.json); texts equal a local run's.
     */
    @Test
    void huggingFaceDirectoryFromS3() throws Exception {
        SparkSession spark = TestSpark.session();
        Configuration hc = spark.sparkContext().hadoopConfiguration();
        Path local = tmp.resolve("hf-llama");
        dev.kindling.inference.arch.TinyArchs.write(dev.kindling.inference.arch.TinyArchs.byName("llama"), local, null);
        dev.kindling.inference.hf.HfDirectoryTest.writeTokenizer(local);
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path("s3a://models/hf/tiny-llama");
        remote.getFileSystem(hc).copyFromLocalFile(new org.apache.hadoop.fs.Path(local.toUri()), remote);
        List<String> prompts = List.of("a b", "c d e", "the cat", "abc");
        List<Row> got = new Generate().setModel(remote.toString()).setThreads(1).setMaxTokens(6)
                .transform(Stories.promptFrame(spark, prompts, 2)).orderBy("id").select("generation.text").collectAsList();
        try (Engine e = Engine.open(local, EngineOptions.defaults().withThreads(1))) {
            for (int i = 0; i < prompts.size(); i++) {
                assertEquals(e.generate(GenerationRequest.of(prompts.get(i)).withMaxTokens(6)).text(), got.get(i).getString(0),
                        "prompt " + i);
            }
        }
        Path cache = Path.of(System.getProperty("kindling.cache.dir", Path.of(System.getProperty("java.io.tmpdir"), "kindling-cache").toString()));
        try (Stream<Path> files = Files.walk(cache)) {
            List<Path> copies = files.filter(p -> p.getFileName().toString().equals("tiny-llama") && Files.isDirectory(p)).toList();
            assertEquals(1, copies.size(), "one copy: " + copies);
            assertTrue(Files.exists(copies.get(0).resolve("tokenizer.json")) && Files.exists(copies.get(0).resolve("config.json")));
        }
    }
}
