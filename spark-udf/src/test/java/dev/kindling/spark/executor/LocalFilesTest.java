package dev.kindling.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.s3.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's copy of a remote model (s3proxy through s3a): the bytes arrive intact, a cached
 * copy is reused, a cached copy cut short on disk is copied again rather than used, and a remote file
 * replaced is copied beside the copy before, for the next task of the same executor.
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
        String oldIdentity = LocalFiles.identity(old);

        Path next = Path.of(jsc.parallelize(List.of(1), 1).map(x -> LocalFiles.localize(uri, conf).toString()).collect().get(0));
        assertNotEquals(old, next, "the next task has the replaced file");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-4")), Files.readAllBytes(next));
        assertEquals(oldIdentity, LocalFiles.identity(old), "the copy an engine may map is neither rewritten nor replaced");
        assertArrayEquals(first, Files.readAllBytes(old));

        String nextIdentity = LocalFiles.identity(next);
        Path again = Path.of(jsc.parallelize(List.of(1), 1).map(x -> LocalFiles.localize(uri, conf).toString()).collect().get(0));
        assertEquals(next, again);
        assertEquals(nextIdentity, LocalFiles.identity(again), "an unchanged remote is not copied again");
    }
}
