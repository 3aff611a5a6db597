package dev.kindling.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.s3.S3Server;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's copy of a remote model (s3proxy through s3a): the bytes arrive intact, a cached
 * copy is reused, a cached copy cut short on disk is copied again rather than used, a remote file
 * replaced is copied beside the copy before, for the next task of the same executor, and the copy before is removed
 * once no task, engine or other JVM uses it.
 */
class LocalFilesTest {
    static S3Server s3;
    static Configuration conf;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start("models");
        conf = new Configuration();
        for (Map.Entry<String, String> e : s3.sparkConf().entrySet()) {
            conf.set(e.getKey().substring("spark.hadoop.".length()), e.getValue());
        }
        conf.set("fs.s3a.buffer.dir", tmp.resolve("s3a").toString());
        conf.setBoolean("fs.s3a.impl.disable.cache", true);
        System.setProperty("kindling.cache.dir", tmp.resolve("cache").toString());
    }

    @AfterAll
    static void stop() throws Exception {
        System.clearProperty("kindling.cache.dir");
        if (s3 != null) {
            s3.close();
        }
    }

    private static byte[] upload(String uri, int n, long seed) throws Exception {
        byte[] bytes = new byte[n];
        new SplittableRandom(seed).nextBytes(bytes);
        Path local = tmp.resolve("upload-" + seed);
        Files.write(local, bytes);
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        FileSystem fs = remote.getFileSystem(conf);
        fs.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(local.toUri()), remote);
        return bytes;
    }

    @Test
    void theIdentityOfAFileOrACheckpointDirectoryChangesWithItsFiles() throws Exception {
        // what the executor's engine cache keys on besides the name: a model replaced at the same path must not match
        Path dir = Files.createDirectories(tmp.resolve("checkpoint"));
        Files.writeString(dir.resolve("config.json"), "{}");
        Files.write(dir.resolve("model.safetensors"), new byte[] {1, 2, 3});
        String before = LocalFiles.identity(dir);
        assertEquals(before, LocalFiles.identity(dir), "unchanged files");
        Path link = Files.createSymbolicLink(tmp.resolve("checkpoint-link"), dir);
        assertEquals(before, LocalFiles.identity(link), "the same directory through a link");
        String file = LocalFiles.identity(dir.resolve("model.safetensors"));
        // replaced as a download or a copy tool does: a new file of the same size moved over the old one
        Path next = Files.write(tmp.resolve("model.safetensors.partial"), new byte[] {4, 5, 6});
        Files.move(next, dir.resolve("model.safetensors"), java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        assertNotEquals(file, LocalFiles.identity(dir.resolve("model.safetensors")));
        assertNotEquals(before, LocalFiles.identity(dir), "a weight file of the directory replaced");
    }

    @Test
    void copiesOnceAndCopiesAgainWhenTheCacheOrTheRemoteChanged() throws Exception {
        String uri = "s3a://models/tiny/model.gguf";
        byte[] first = upload(uri, 300_000, 1);
        Path copy = LocalFiles.copy(uri, conf);
        assertArrayEquals(first, Files.readAllBytes(copy));
        long modified = Files.getLastModifiedTime(copy).toMillis();

        Thread.sleep(20);
        assertEquals(copy, LocalFiles.copy(uri, conf));
        assertEquals(modified, Files.getLastModifiedTime(copy).toMillis(), "an intact cached copy is reused, not copied again");

        Files.write(copy, new byte[] {1, 2, 3});
        assertArrayEquals(first, Files.readAllBytes(LocalFiles.copy(uri, conf)), "a truncated cached copy is replaced");

        byte[] second = upload(uri, 250_000, 2);
        Path next = LocalFiles.copy(uri, conf);
        assertArrayEquals(second, Files.readAllBytes(next), "a replaced remote file is copied again");
        assertNotEquals(copy, next, "into a folder of its own");
        assertArrayEquals(first, Files.readAllBytes(copy), "the copy before stays as it was, for the engines that map it");
    }

    @Test
    void aReplacedRemoteReachesTheNextTaskAndAnUnchangedOneIsNotCopiedAgain() throws Exception {
        // within a running executor the first copy stayed in use: a model replaced under its URI reached new executors only
        String uri = "s3a://models/tasks/model.gguf";
        byte[] first = upload(uri, 200_000, 3);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        List<String> firstTask = jsc.parallelize(List.of(1), 1).map(x -> {
            Path before = LocalFiles.localize(uri, conf);
            upload(uri, 150_000, 4);
            return List.of(before.toString(), LocalFiles.localize(uri, conf).toString());
        }).collect().get(0);
        assertEquals(firstTask.get(0), firstTask.get(1), "a task looks the remote up once, not for every row");
        Path old = Path.of(firstTask.get(0));
        assertArrayEquals(first, Files.readAllBytes(old));

        Path next = Path.of(jsc.parallelize(List.of(1), 1).map(x -> LocalFiles.localize(uri, conf).toString()).collect().get(0));
        assertNotEquals(old, next, "the next task has the replaced file");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-4")), Files.readAllBytes(next));
        assertFalse(Files.exists(old.getParent()), "the copy before, which no task or engine uses any more, is removed");

        String nextIdentity = LocalFiles.identity(next);
        Path again = Path.of(jsc.parallelize(List.of(1), 1).map(x -> LocalFiles.localize(uri, conf).toString()).collect().get(0));
        assertEquals(next, again);
        assertEquals(nextIdentity, LocalFiles.identity(again), "an unchanged remote is not copied again");
    }

    static final AtomicReference<LocalFiles.InUse> FIRST_ENGINE = new AtomicReference<>();
    static final AtomicReference<LocalFiles.InUse> SECOND_ENGINE = new AtomicReference<>();

    @Test
    void aSupersededCopyGoesWhenTheLastUserInThisJvmLetsItGo() throws Exception {
        // every replacement left a full copy of the model on the executor's disk, for as long as the cache folder lived
        String uri = "s3a://models/users/model.gguf";
        byte[] first = upload(uri, 100_000, 5);
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        Path old = Path.of(jsc.parallelize(List.of(1), 1).map(x -> {
            Path local = LocalFiles.localize(uri, conf);
            // as two engines opened on it do: each holds it until it is closed, beyond the task
            FIRST_ENGINE.set(LocalFiles.use(local));
            SECOND_ENGINE.set(LocalFiles.use(local));
            return local.toString();
        }).collect().get(0));
        upload(uri, 90_000, 6);
        Path next = Path.of(jsc.parallelize(List.of(1), 1).map(x -> LocalFiles.localize(uri, conf).toString()).collect().get(0));
        assertNotEquals(old, next);
        assertArrayEquals(first, Files.readAllBytes(old), "kept while engines use it");
        FIRST_ENGINE.get().close();
        FIRST_ENGINE.get().close(); // closing twice lets go once
        assertArrayEquals(first, Files.readAllBytes(old), "kept while one engine still uses it");
        SECOND_ENGINE.get().close();
        assertFalse(Files.exists(old.getParent()), "removed with its last user");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-6")), Files.readAllBytes(next), "the newest copy stays");
        assertSame(LocalFiles.InUse.NONE, LocalFiles.use(tmp.resolve("upload-6")), "a local file: nothing to hold");
    }

    @Test
    void aCopyAnotherProcessUsesIsNotRemoved() throws Exception {
        String uri = "s3a://models/other-jvm/model.gguf";
        byte[] first = upload(uri, 120_000, 7);
        Path old = LocalFiles.copy(uri, conf);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldInUse.class.getName(),
                LocalFiles.lockFile(old.getParent()).toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine(), "the other JVM holds its shared lock");
            upload(uri, 110_000, 8);
            Path next = LocalFiles.copy(uri, conf);
            LocalFiles.removeUnused(uri, next);
            assertArrayEquals(first, Files.readAllBytes(old), "another JVM uses it");
            other.getOutputStream().close();
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
            LocalFiles.removeUnused(uri, next);
            assertFalse(Files.exists(old.getParent()), "used by none");
            assertTrue(Files.exists(LocalFiles.lockFile(old.getParent())), "its lock file stays, for every JVM to lock the same file");
            assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-8")), Files.readAllBytes(next));
        } finally {
            other.destroy();
        }
    }

    /** Another JVM using a cached copy: holds the shared lock on the lock file {@code args[0]} until its stdin closes. */
    public static final class HoldInUse {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock lock = LocalFiles.lockInUse(ch)) {
                System.out.println("locked");
                System.out.flush();
                System.in.read();
            }
        }
    }
}
