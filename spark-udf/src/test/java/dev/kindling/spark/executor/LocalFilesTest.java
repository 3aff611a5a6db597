package dev.kindling.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.kindling.spark.s3.S3Server;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The executor's copy of a remote model (s3proxy through s3a): the bytes arrive intact, a cached
 * copy is reused, and a cached copy that no longer matches (truncated on disk, or the remote file
 * replaced) is copied again rather than used.
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
        assertArrayEquals(second, Files.readAllBytes(LocalFiles.copy(uri, conf)), "a replaced remote file is copied again");
    }
}
