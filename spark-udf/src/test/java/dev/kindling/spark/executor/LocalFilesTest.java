package dev.kindling.spark.executor;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
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
                old.getParent().toString()).redirectErrorStream(true).start();
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
            assertFalse(Files.exists(LocalFiles.lockFile(old.getParent())), "its lock file goes with it");
            assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-8")), Files.readAllBytes(next));
        } finally {
            other.destroy();
        }
    }

    @Test
    void lockFilesGoWithTheirCopiesAndAJvmThatLocksOneAsItGoesOpensThePathAgain() throws Exception {
        // the empty lock file of every version ever copied stayed in the cache for good
        String uri = "s3a://models/lock-files/model.gguf";
        upload(uri, 50_000, 9);
        Path old = LocalFiles.copy(uri, conf);
        Path lockFile = LocalFiles.lockFile(old.getParent());
        Path next;
        // a JVM that opened the lock file just before it was removed, and locks it just after
        try (FileChannel late = FileChannel.open(lockFile, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            upload(uri, 40_000, 10);
            next = LocalFiles.copy(uri, conf);
            LocalFiles.removeUnused(uri, next);
            assertFalse(Files.exists(old.getParent()), "unused: removed");
            assertFalse(Files.exists(lockFile), "its lock file goes with it");
            try (FileLock lock = late.lock(1, 1, true)) {
                assertEquals(1, late.size(), "the file it locked is marked removed: it is not the one at the path");
            }
        }
        try (LockFiles.Lock live = LocalFiles.lockInUse(old.getParent())) {
            assertEquals(0, live.length(), "the next lock is on a new file at the path");
        }
        Path versions = next.getParent().getParent();
        Path orphan = Files.createFile(versions.resolve("0123abcd.lock")); // as an earlier Kindling left them
        LocalFiles.removeUnused(uri, next);
        assertFalse(Files.exists(orphan), "a lock file without its folder goes");
        assertFalse(Files.exists(lockFile), "as does one a JVM created to find the copy gone");
        assertTrue(Files.exists(LocalFiles.lockFile(next.getParent())), "the kept copy's stays");
        assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-10")), Files.readAllBytes(next));

        // a marked lock file another process holds: an error naming it, not a lock nobody else shares
        upload(uri, 30_000, 11);
        LocalFiles.Remote third = LocalFiles.lookUp(uri, conf);
        Path stuck = LocalFiles.lockFile(LocalFiles.versionDir(third));
        Files.write(stuck, new byte[] {0});
        Process holder = holdLock(stuck, 1, true);
        try {
            KindlingException e = assertThrows(KindlingException.class, () -> LocalFiles.copy(third));
            assertTrue(e.getMessage().contains(stuck.toString()) && e.getMessage().contains("delete the file"), e.getMessage());
            assertEquals(1, Files.size(stuck), "not deleted while another process holds it");
        } finally {
            holder.getOutputStream().close();
            assertTrue(holder.waitFor(60, TimeUnit.SECONDS));
        }
        assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-11")), Files.readAllBytes(LocalFiles.copy(third)));
        assertEquals(0, Files.size(stuck), "a live lock file in its place");
    }

    @Test
    void aLockFileLeftMarkedByARemoverThatDiedIsDeletedOnceNoOneHoldsIt() throws Exception {
        // the version could not be copied or used until someone deleted the lock file by hand
        String uri = "s3a://models/remover-died/model.gguf";
        byte[] bytes = upload(uri, 25_000, 42);
        LocalFiles.Remote remote = LocalFiles.lookUp(uri, conf);
        Path dir = LocalFiles.versionDir(remote);
        Files.createDirectories(dir.getParent());
        Path lockFile = LocalFiles.lockFile(dir);
        Files.write(lockFile, new byte[] {0}); // marked removed, and its remover gone
        assertArrayEquals(bytes, Files.readAllBytes(LocalFiles.copy(remote)));
        assertEquals(0, Files.size(lockFile), "a live lock file in its place");
        // as one left by a JVM that died as it deleted such a file
        Files.delete(lockFile);
        Files.write(lockFile, new byte[] {0, 0});
        Path local = LocalFiles.localize(uri, conf);
        assertEquals(dir.resolve("model.gguf"), local);
        assertEquals(0, Files.size(lockFile));
        assertEquals("held", lockedElsewhere(lockFile, 1), "this JVM holds the live lock file");
        // one without its folder, as a removal that died leaves it: it goes when the URI's other copies are tidied
        Path orphan = Files.write(dir.resolveSibling("4567cdef.lock"), new byte[] {0});
        LocalFiles.removeUnused(uri, local);
        assertFalse(Files.exists(orphan));
    }

    @Test
    void aThreadInterruptedAsItWaitsForTheCopyLockLeavesTheSharedLockOfThisJvmHeld() throws Exception {
        // Java closes a file channel whose thread is interrupted as it blocks on it (a task killed), and Linux then drops
        // every lock the process held on that file
        String uri = "s3a://models/interrupted/model.gguf";
        upload(uri, 15_000, 43);
        Path local = LocalFiles.localize(uri, conf); // outside a task: this JVM uses it until it ends
        Path lockFile = LocalFiles.lockFile(local.getParent());
        Process copier = holdLock(lockFile, 0, false);
        try {
            AtomicReference<Object> got = new AtomicReference<>();
            Thread waiting = copier(LocalFiles.lookUp(uri, conf), got);
            waiting.start();
            // waiting for the other JVM (a thread blocked in a system call looks runnable: interrupted after 10 s then)
            long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (waiting.getState() != Thread.State.TIMED_WAITING && System.nanoTime() < end) {
                assertTrue(waiting.isAlive(), () -> "it waits for the other JVM's copy: " + got.get());
                Thread.onSpinWait();
            }
            waiting.interrupt();
            waiting.join();
            assertTrue(got.get() instanceof KindlingException e && e.getCause() instanceof java.io.InterruptedIOException,
                    () -> "interrupted: " + got.get());
            assertEquals("held", lockedElsewhere(lockFile, 1), "still used by this JVM");
        } finally {
            copier.getOutputStream().close();
            assertTrue(copier.waitFor(60, TimeUnit.SECONDS));
        }
    }

    @Test
    void aFileReplacedAfterTheLookupIsNotCopiedAsTheVersionLookedUp() throws Exception {
        // the new file's bytes were copied into the folder of the identity looked up, and marked complete as that one
        String uri = "s3a://models/replaced-while-copied/model.gguf";
        upload(uri, 60_000, 12);
        LocalFiles.Remote before = LocalFiles.lookUp(uri, conf);
        Thread.sleep(1100); // S3 keeps modification times in whole seconds: a same-size file a second later is new
        byte[] second = upload(uri, 60_000, 13);
        KindlingException e = assertThrows(LocalFiles.ChangedWhileCopied.class, () -> LocalFiles.copy(before));
        assertTrue(e.getMessage().contains(uri + " changed while it was copied"), e.getMessage());
        Path dir = LocalFiles.versionDir(before);
        assertFalse(Files.exists(dir.resolve(".complete")), "not a copy of the version looked up");
        assertEquals(List.of(), listing(dir), "nothing it wrote is left");

        // of another size: the copy's size check failed, and its partial file stayed on disk
        LocalFiles.Remote current = LocalFiles.lookUp(uri, conf);
        byte[] third = upload(uri, 70_000, 14);
        e = assertThrows(LocalFiles.ChangedWhileCopied.class, () -> LocalFiles.copy(current));
        assertTrue(e.getMessage().contains("now 70000@"), e.getMessage());
        assertEquals(List.of(), listing(LocalFiles.versionDir(current)), "nothing it wrote is left");
        assertArrayEquals(third, Files.readAllBytes(LocalFiles.copy(uri, conf)), "the file as it is now copies");
    }

    /** What {@link OnOpen} does before the copy opens the remote's n-th file (from 1); null: nothing. */
    static volatile OnOpen onOpen;

    interface OnOpen {
        void opening(int n) throws Exception;
    }

    /** S3A that calls {@link #onOpen} before it opens a file: a remote replaced while it is copied, or a count of opens. */
    public static final class WatchedS3A extends org.apache.hadoop.fs.s3a.S3AFileSystem {
        static final java.util.concurrent.atomic.AtomicInteger OPENS = new java.util.concurrent.atomic.AtomicInteger();

        @Override
        public org.apache.hadoop.fs.FSDataInputStream open(org.apache.hadoop.fs.Path f, int bufferSize) throws java.io.IOException {
            int n = OPENS.incrementAndGet();
            OnOpen hook = onOpen;
            if (hook != null) {
                try {
                    hook.opening(n);
                } catch (Exception e) {
                    throw new java.io.IOException(e);
                }
            }
            return super.open(f, bufferSize);
        }
    }

    private static Configuration watched(OnOpen hook) {
        onOpen = hook;
        WatchedS3A.OPENS.set(0);
        Configuration c = new Configuration(conf);
        c.set("fs.s3a.impl", WatchedS3A.class.getName());
        return c;
    }

    @Test
    void aRemoteReplacedWhileCopiedIsLookedUpAgainAndTheNewVersionCopied() throws Exception {
        // the look-up-again loop: the first copy finds the remote changed and is not kept; the second copies what is there now
        String uri = "s3a://models/replaced-once/model.gguf";
        upload(uri, 50_000, 20);
        try {
            Configuration c = watched(n -> {
                if (n == 1) {
                    upload(uri, 55_000, 21);
                }
            });
            Path copy = LocalFiles.localize(uri, c);
            assertEquals(2, WatchedS3A.OPENS.get(), "copied twice");
            assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-21")), Files.readAllBytes(copy), "the version there now");
            assertEquals(List.of(".complete", "model.gguf"), listing(copy.getParent()));
        } finally {
            onOpen = null;
        }
    }

    @Test
    void aRemoteThatKeepsChangingWhileCopiedFailsAfterThreeTries() throws Exception {
        String uri = "s3a://models/still-written/model.gguf";
        upload(uri, 30_000, 22);
        try {
            // each version of another size: S3 keeps modification times in whole seconds
            Configuration c = watched(n -> upload(uri, 30_000 + 1_000 * n, 22 + n));
            KindlingException e = assertThrows(KindlingException.class, () -> LocalFiles.localize(uri, c));
            assertEquals(3, WatchedS3A.OPENS.get(), "three tries, no more");
            assertTrue(e.getMessage().startsWith(uri + " changed while it was copied to ") && e.getMessage().endsWith(
                    ", 3 times: is it still being written?"), e.getMessage());
            assertEquals(KindlingException.FAILURE, e.exitCode());
        } finally {
            onOpen = null;
        }
    }

    @Test
    void aCopyTheCacheDiskHasNoRoomForFailsAtOnce() throws Exception {
        // it downloaded until the disk was full, and only then failed (deleting what it wrote)
        String uri = "s3a://models/too-big/model.gguf";
        upload(uri, 20_000, 30);
        Path cache = Path.of(System.getProperty("kindling.cache.dir"));
        Files.createDirectories(cache);
        java.nio.file.FileStore store = Files.getFileStore(cache);
        long need = store.getTotalSpace() + 1;
        try {
            LocalFiles.Remote real = LocalFiles.lookUp(uri, watched(null));
            org.apache.hadoop.fs.FileStatus st = real.entry().status();
            // the remote as a lookup would list a file larger than the whole disk
            LocalFiles.Remote big = new LocalFiles.Remote(uri, real.fs(), new LocalFiles.Entry(new org.apache.hadoop.fs.FileStatus(
                    need, false, 1, st.getBlockSize(), st.getModificationTime(), st.getPath()), need + "@big", List.of()));
            KindlingException e = assertThrows(KindlingException.class, () -> LocalFiles.copy(big));
            assertTrue(e.getMessage().startsWith("cannot copy " + uri + " to " + LocalFiles.versionDir(big) + ": need " + need
                    + " bytes, " + store + " has "), e.getMessage());
            assertTrue(e.getMessage().contains("cache folder " + cache), e.getMessage());
            assertEquals(0, WatchedS3A.OPENS.get(), "nothing downloaded");
            assertEquals(List.of(), listing(LocalFiles.versionDir(big)), "nothing written");
        } finally {
            onOpen = null;
        }
    }

    @Test
    void theSpaceOfABrokenCopyInTheFolderCountsAsFree() throws Exception {
        // a copy whose file was cut short on disk is copied again, and its file deleted: the space check counted that
        // file's bytes as taken, so a copy the disk had room for once the broken one was gone failed with "need N bytes"
        String uri = "s3a://models/broken-then-recopied/model.gguf";
        upload(uri, 20_000, 31);
        LocalFiles.Remote real = LocalFiles.lookUp(uri, conf);
        org.apache.hadoop.fs.FileStatus st = real.entry().status();
        Path cache = Path.of(System.getProperty("kindling.cache.dir"));
        Files.createDirectories(cache);
        int broken = 64 << 20;
        // the broken copy: shorter than listed, and never marked complete; its folder is the listing's below
        Path brokenFile = tmp.resolve("broken.gguf");
        Files.write(brokenFile, new byte[broken]);
        // the remote as a lookup would list a file that fits only once the broken copy's bytes are free again
        long need = Files.getFileStore(cache).getUsableSpace() + broken / 2;
        LocalFiles.Remote big = new LocalFiles.Remote(uri, real.fs(), new LocalFiles.Entry(new org.apache.hadoop.fs.FileStatus(
                need, false, 1, st.getBlockSize(), st.getModificationTime(), st.getPath()), need + "@big", List.of()));
        Path dir = LocalFiles.versionDir(big);
        Files.createDirectories(dir);
        Files.move(brokenFile, dir.resolve("model.gguf"));
        KindlingException e = assertThrows(KindlingException.class, () -> LocalFiles.copy(big));
        // the download starts (and the real file, shorter than the listing, is found changed): no "need N bytes"
        assertFalse(e.getMessage().contains("need " + need + " bytes"), e.getMessage());
        assertEquals(List.of(), listing(dir), "nothing left");
    }

    @Test
    void aDirectoryThatChangedAfterTheLookupLeavesTheCompleteCopyOfWhatItWasAlone() throws Exception {
        // the check of a cached copy listed the remote again: a file added since the lookup made it copy the directory
        // anew, as it is now, into the folder of what it was, deleting the files engines were about to open
        String uri = "s3a://models/checkpoint-grows/ckpt";
        upload(uri + "/config.json", 1_000, 15);
        upload(uri + "/model.safetensors", 40_000, 16);
        LocalFiles.Remote before = LocalFiles.lookUp(uri, conf);
        Path copy = LocalFiles.copy(before);
        long modified = Files.getLastModifiedTime(copy.resolve("model.safetensors")).toMillis();
        upload(uri + "/tokenizer.json", 2_000, 17);
        Thread.sleep(20);
        assertEquals(copy, LocalFiles.copy(before), "another JVM that looked the remote up before the change");
        assertEquals(modified, Files.getLastModifiedTime(copy.resolve("model.safetensors")).toMillis(), "reused, not copied again");
        assertFalse(Files.exists(copy.resolve("tokenizer.json")), "the files of its identity, no other");
        Path now = LocalFiles.copy(uri, conf);
        assertNotEquals(copy, now);
        assertArrayEquals(Files.readAllBytes(tmp.resolve("upload-17")), Files.readAllBytes(now.resolve("tokenizer.json")));
    }

    @Test
    void whatACopyThatDiedLeavesIsCopiedAgainNeverUsed() throws Exception {
        // what a JVM killed in the middle of a copy leaves behind: its partial file, or the file moved in place but
        // no marker yet, or a marker cut short; each is taken for incomplete and copied anew
        String uri = "s3a://models/crashed/model.gguf";
        byte[] bytes = upload(uri, 80_000, 18);
        LocalFiles.Remote remote = LocalFiles.lookUp(uri, conf);
        Path dir = LocalFiles.versionDir(remote);
        Files.createDirectories(dir);
        Files.createFile(LocalFiles.lockFile(dir));
        Files.write(dir.resolve("model.gguf.partial"), java.util.Arrays.copyOf(bytes, 30_000));
        assertArrayEquals(bytes, Files.readAllBytes(LocalFiles.copy(remote)));
        assertEquals(List.of(".complete", "model.gguf"), listing(dir), "the partial file is gone");

        Files.delete(dir.resolve(".complete"));
        Files.write(dir.resolve("model.gguf"), new byte[80_000]); // whole size, but never marked complete
        assertArrayEquals(bytes, Files.readAllBytes(LocalFiles.copy(remote)));

        String marker = Files.readString(dir.resolve(".complete"));
        Files.writeString(dir.resolve(".complete"), marker.substring(0, marker.length() / 2));
        Files.write(dir.resolve("model.gguf"), new byte[80_000]);
        assertArrayEquals(bytes, Files.readAllBytes(LocalFiles.copy(remote)));
    }

    @Test
    void anExecutorCopyingTheSameVersionWaitsForTheOtherAndTakesItsCopy() throws Exception {
        String uri = "s3a://models/two-copiers/model.gguf";
        byte[] bytes = upload(uri, 90_000, 19);
        LocalFiles.Remote remote = LocalFiles.lookUp(uri, conf);
        Path dir = LocalFiles.versionDir(remote);
        Files.createDirectories(dir);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldCopyLock.class.getName(),
                LocalFiles.lockFile(dir).toString()).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine(), "the other JVM is copying");
            AtomicReference<Object> got = new AtomicReference<>();
            Thread copier = new Thread(() -> {
                try {
                    got.set(LocalFiles.copy(remote));
                } catch (RuntimeException e) {
                    got.set(e);
                }
            });
            copier.start();
            copier.join(1000);
            assertTrue(copier.isAlive(), "waits for the other JVM's copy");
            // the other JVM's copy, as it ends it
            Files.write(dir.resolve("model.gguf"), bytes);
            Files.writeString(dir.resolve(".complete"), remote.stamp());
            Object key = Files.readAttributes(dir.resolve("model.gguf"), java.nio.file.attribute.BasicFileAttributes.class).fileKey();
            other.getOutputStream().close();
            copier.join(60_000);
            assertEquals(dir.resolve("model.gguf"), got.get());
            assertEquals(key, Files.readAttributes(dir.resolve("model.gguf"), java.nio.file.attribute.BasicFileAttributes.class).fileKey(),
                    "its copy, not copied again");
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
        } finally {
            other.destroy();
        }
    }

    @Test
    void aThreadThatChecksACopyLeavesTheSharedLockOfThisJvmHeld() throws Exception {
        // Linux drops every lock a process holds on a file when the process closes any descriptor of it: a thread that
        // checked a copy (its copy lock's file closed as it finished) let go of the shared lock this JVM held on the copy
        // for its users, and another executor on the host could take the copy for unused and remove it
        String uri = "s3a://models/one-jvm-lock/model.gguf";
        upload(uri, 20_000, 40);
        Path local = LocalFiles.localize(uri, conf); // outside a task: this JVM uses it until it ends
        Path lockFile = LocalFiles.lockFile(local.getParent());
        assertEquals("held", lockedElsewhere(lockFile, 1), "this JVM uses it");
        AtomicReference<Object> checked = new AtomicReference<>();
        Thread checker = new Thread(() -> {
            try {
                checked.set(LocalFiles.copy(uri, conf));
            } catch (RuntimeException e) {
                checked.set(e);
            }
        });
        checker.start();
        checker.join();
        assertEquals(local, checked.get(), "the complete copy, checked");
        assertEquals("held", lockedElsewhere(lockFile, 1), "still used by this JVM after another thread checked it");
        assertEquals("free", lockedElsewhere(lockFile, 0), "the check's lock went with it");
    }

    @Test
    void twoThreadsCopyingTheSameVersionTakeTurns() throws Exception {
        // the second thread's lock on the lock file overlapped the first's: Java refuses it (OverlappingFileLockException)
        String uri = "s3a://models/two-threads/model.gguf";
        byte[] bytes = upload(uri, 30_000, 41);
        java.util.concurrent.CountDownLatch copying = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        try {
            Configuration c = watched(n -> {
                copying.countDown();
                go.await();
            });
            LocalFiles.Remote remote = LocalFiles.lookUp(uri, c);
            AtomicReference<Object> first = new AtomicReference<>();
            AtomicReference<Object> second = new AtomicReference<>();
            Thread a = copier(remote, first);
            a.start();
            copying.await();
            Path lockFile = LocalFiles.lockFile(LocalFiles.versionDir(remote));
            assertEquals("held", lockedElsewhere(lockFile, 0), "the first thread holds the copy lock");
            Thread b = copier(remote, second);
            b.start();
            // the second thread waits for the first (or, refused, ends)
            while (b.isAlive() && b.getState() != Thread.State.TIMED_WAITING) {
                Thread.onSpinWait();
            }
            assertTrue(b.isAlive(), () -> "the second thread waits, it does not fail: " + second.get());
            go.countDown();
            a.join();
            b.join();
            assertEquals(first.get(), second.get(), "the first one's copy");
            assertArrayEquals(bytes, Files.readAllBytes((Path) first.get()));
            assertEquals(1, WatchedS3A.OPENS.get(), "copied once");
            assertEquals("free", lockedElsewhere(lockFile, 0));
        } finally {
            onOpen = null;
            go.countDown();
        }
    }

    private static Thread copier(LocalFiles.Remote remote, AtomicReference<Object> result) {
        return new Thread(() -> {
            try {
                result.set(LocalFiles.copy(remote));
            } catch (RuntimeException e) {
                result.set(e);
            }
        });
    }

    /** "held" when another JVM cannot lock byte {@code position} of {@code lockFile} exclusively, "free" when it can. */
    private static String lockedElsewhere(Path lockFile, long position) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), TryLock.class.getName(),
                lockFile.toString(), Long.toString(position)).redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            String line = out.readLine();
            assertTrue(other.waitFor(60, TimeUnit.SECONDS));
            return line;
        } finally {
            other.destroy();
        }
    }

    /** Another JVM trying byte {@code args[1]} of the lock file {@code args[0]}: prints "free" or "held". */
    public static final class TryLock {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.READ, StandardOpenOption.WRITE);
                 FileLock lock = ch.tryLock(Long.parseLong(args[1]), 1, false)) {
                System.out.println(lock == null ? "held" : "free");
            }
        }
    }

    /** Another JVM holding byte {@code position} of {@code lockFile} (created if missing), until its stdin closes. */
    private static Process holdLock(Path lockFile, long position, boolean shared) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), HoldLock.class.getName(),
                lockFile.toString(), Long.toString(position), Boolean.toString(shared)).redirectErrorStream(true).start();
        BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
        assertEquals("locked", out.readLine(), "the other JVM holds its lock");
        return other;
    }

    /** Another JVM holding byte {@code args[1]} (shared: {@code args[2]}) of the file {@code args[0]} until its stdin closes. */
    public static final class HoldLock {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); FileLock lock = ch.lock(Long.parseLong(args[1]), 1, Boolean.parseBoolean(args[2]))) {
                System.out.println("locked");
                System.out.flush();
                System.in.read();
            }
        }
    }

    /** Another JVM copying a version: holds the copy lock on the lock file {@code args[0]} until its stdin closes. */
    public static final class HoldCopyLock {
        public static void main(String[] args) throws Exception {
            try (FileChannel ch = FileChannel.open(Path.of(args[0]), StandardOpenOption.CREATE, StandardOpenOption.READ,
                    StandardOpenOption.WRITE); FileLock lock = ch.lock(0, 1, false)) {
                System.out.println("locked");
                System.out.flush();
                System.in.read();
            }
        }
    }

    private static List<String> listing(Path dir) throws Exception {
        if (!Files.exists(dir)) {
            return List.of();
        }
        try (var files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    /** Another JVM using a cached copy: holds the shared lock on version folder {@code args[0]} until its stdin closes. */
    public static final class HoldInUse {
        public static void main(String[] args) throws Exception {
            try (LockFiles.Lock lock = LocalFiles.lockInUse(Path.of(args[0]))) {
                System.out.println("locked");
                System.out.flush();
                System.in.read();
            }
        }
    }
}
