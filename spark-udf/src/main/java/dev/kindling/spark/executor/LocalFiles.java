package dev.kindling.spark.executor;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a file or directory given as a local path, a {@code SparkFiles} name or any Hadoop URI
 * ({@code s3a://}, {@code hdfs://}) available on this machine's disk, so it can be memory-mapped.
 *
 * <p>Remote files are copied into {@code <cache>/<sha256 of the URI>/<sha256 of the remote's identity>/} (cache:
 * {@code kindling.cache.dir}, default {@code <java.io.tmpdir>/kindling-cache}), the identity being the remote's size,
 * modification time and (where the file system offers one: HDFS, S3A with {@code fs.s3a.etag.checksum.enabled})
 * checksum of each file. Each task looks the remote up once, when it first asks for it: a file replaced under the same
 * URI is copied into a folder of its own and the next task gets that, while the copy before stays as it is for the
 * engines that map it; an unchanged remote costs the lookup, no copy. Tasks of one executor wait for a single copy
 * (in-JVM), executors on the same host share it (a file lock). A copy is reused only when it is complete and the cached
 * files still have their sizes. Every copied file's size is checked after the copy and its SHA-256 is computed from the
 * bytes as they were read and again from the disk: a copy that differs is an error, and a partial copy is never used:
 * the files are written under a {@code .partial} name, moved into place, and the folder's {@code .complete} marker
 * (holding the identity) written last, so a JVM that dies while it copies leaves a folder the next copy starts again. A
 * copy that fails deletes what it wrote at once (a disk that filled up gets its space back); one the cache's disk has
 * no room for (its usable space, against the sizes the lookup listed) fails before it starts. What is copied is what the
 * lookup listed; when the remote is found changed after the copy (or as it failed) the copy is not kept, and the task
 * looks the remote up again (3 times at most), so a folder never holds files of another identity than its name's.
 *
 * <p>Superseded copies are removed once no JVM on the host uses them. A JVM uses a copy from the moment it is handed to
 * a task until that task ends (the gap between the lookup and the engine or tokenizer opening the files), and for as
 * long as an engine holds it ({@link #use}: from its opening until it is closed, when retired or evicted); outside a
 * task (the driver's commands) until the JVM ends. A tokenizer is read whole as it loads, so its task covers it. Users
 * are counted per JVM, and the JVM holds one shared lock on the version's lock file
 * ({@code <cache>/<sha256 of the URI>/<sha256 of the identity>.lock}) while it has any. When a task finds a URI's copy
 * changed from the one this JVM had (or has none yet), and when a JVM's last user of a copy other than its newest goes,
 * each such folder of the URI is removed if its lock file can be locked exclusively at once, for the copy and for use:
 * no JVM is copying or using it. The removal is logged (INFO, with the bytes freed); a failure is a WARN, and the folder
 * stays. The lock file goes last, still locked: the remover first marks it removed (a live lock file is empty, a
 * removed one a byte long), and a JVM that locks a marked file (it opened the path just before the removal) lets it go
 * and opens the path again, so JVMs only ever share locks on the file at the path. A marked file still at the path once
 * no JVM holds a lock on it (its remover ended between the two steps) is deleted by the next JVM to lock it
 * ({@link #deleteIfAbandoned}). Lock files left without their folder (a copy that failed, or an earlier Kindling, which
 * kept them) go the same way as a removed copy's. A JVM about to use a copy another JVM just removed finds it
 * incomplete and copies it again. Folders without a lock file beside them (a cache made before this protocol) are never
 * removed. A JVM has each lock file open once, whichever of its threads lock it ({@link LockFiles}).
 */
public final class LocalFiles {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFiles.class);

    /** Per remote URI: the local copy of its identity as the task that looked it up last found it. */
    private static final ConcurrentHashMap<String, Path> NEWEST = new ConcurrentHashMap<>();

    private LocalFiles() {}

    /** Localizes with the active Spark Hadoop configuration (or a default one outside Spark). */
    public static Path localize(String uri) {
        return localize(uri, hadoopConf());
    }

    /** The Hadoop configuration {@link #localize(String)} reads with: the active Spark one, or a default one outside Spark. */
    public static Configuration hadoopConf() {
        return SparkEnv.get() != null ? org.apache.spark.deploy.SparkHadoopUtil.get().conf() : new Configuration();
    }

    /**
     * {@link #localize(String)} for a command line's option: a file that does not exist is named with the option that
     * gave it ("--model m.gguf does not exist"; it said "m.gguf does not exist").
     */
    public static Path localize(String option, String uri) {
        try {
            return localize(uri);
        } catch (KindlingException e) {
            if (e.exitCode() == KindlingException.USAGE && e.getMessage() != null && !e.getMessage().startsWith(option)) {
                throw KindlingException.usage(option + " " + e.getMessage());
            }
            throw e;
        }
    }

    /**
     * For the checks made before Spark starts: the local file or directory {@code path} (given as {@code option}) names,
     * or null where only the job can tell: a remote one ({@code s3a://}), or a bare name that is no local file, which
     * may be one shipped with {@code --files} (a {@code SparkFiles} name). A local path that does not exist is a usage
     * error naming the option.
     */
    public static Path existingLocal(String option, String path) {
        if (path != null && path.isBlank()) {
            // Path.of("") is the working directory: --teacher "" (a template's empty variable) was "directory holds no model"
            throw KindlingException.usage(option + " is empty; give a path");
        }
        if (path == null || (path.contains("://") && !path.startsWith("file:"))) {
            return null;
        }
        Path local;
        try {
            local = path.startsWith("file:") ? dev.kindling.spark.io.LocalPaths.ofFileUri(java.net.URI.create(path)) : Path.of(path);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(option + " " + path + " is not a valid path: " + e.getMessage());
        }
        if (Files.exists(local)) {
            return local;
        }
        if (path.startsWith("file:") || path.contains("/") || path.contains(java.io.File.separator)) {
            // a relative one names the folder it was looked for in: a stage saved in one folder and loaded in another
            throw KindlingException.usage(option + " " + path + " does not exist" + (local.isAbsolute() ? ""
                    : " (relative to the working directory " + Path.of("").toAbsolutePath() + ")"));
        }
        return null;
    }

    /** A remote file or directory the driver found ({@link #existingRemote}), and for a directory the names of its files. */
    public record RemoteEntry(FileStatus status, Set<String> files) {}

    /**
     * For the driver's checks before the job: the remote file or directory {@code uri} ({@code s3a://}, {@code hdfs://})
     * given as {@code option}, or null where it is no remote path. One that is not there (its bucket either), or an empty
     * file, is a usage error naming the option and the URI: it failed in the job's first task, naming no option
     * ("s3a://b/m.gguf does not exist"). A store that refuses or cannot be asked fails as the executor's lookup would,
     * with the option said. Asked through a file system of its own, closed after, so that the executors' lookups open
     * theirs with the job's settings as before. The executor still looks it up: it may go between the two.
     */
    public static RemoteEntry existingRemote(String option, String uri, Configuration conf) {
        if (uri == null || !uri.contains("://") || uri.startsWith("file:")) {
            return null;
        }
        org.apache.hadoop.fs.Path remote;
        try {
            remote = new org.apache.hadoop.fs.Path(uri);
        } catch (IllegalArgumentException e) {
            return null; // no URI Hadoop reads: the job's lookup says so, as before
        }
        String bucket = dev.kindling.spark.io.DataFormat.unreadableBucket(uri);
        if (bucket != null) {
            throw KindlingException.usage(option + " " + bucket);
        }
        RemoteEntry found;
        try (FileSystem fs = FileSystem.newInstance(remote.toUri(), conf)) {
            FileStatus st = fs.getFileStatus(remote);
            Set<String> files = new HashSet<>();
            if (st.isDirectory()) {
                for (FileStatus child : fs.listStatus(remote)) {
                    if (child.isFile()) {
                        files.add(child.getPath().getName());
                    }
                }
            }
            found = new RemoteEntry(st, files);
        } catch (java.io.FileNotFoundException e) {
            throw KindlingException.usage(option + " " + uri + " does not exist");
        } catch (IOException e) {
            throw dev.kindling.spark.io.DataFormat.storeError(e, option + " " + uri + " does not exist: ",
                    "cannot read " + option + " " + uri + ": ", uri, conf);
        }
        if (found.status().isFile() && found.status().getLen() == 0) {
            // an upload that wrote nothing, as a local 0-byte model is refused
            throw KindlingException.usage(option + " " + uri + " is empty (0 bytes)");
        }
        return found;
    }

    /**
     * {@code failure}, met in a task opening {@code path} as {@code option} gave it (a stage's param, a SQL function's
     * argument), with the option said first, as the driver's checks say it: {@code Generate(uid).model s3a://b/m.gguf does
     * not exist} (the object gone since the check, or a path from a column), where it said only {@code s3a://b/m.gguf does
     * not exist}. One that names the option already is returned as it is.
     */
    public static KindlingException naming(String option, String path, KindlingException failure) {
        String m = String.valueOf(failure.getMessage());
        if (m.startsWith(option)) {
            return failure;
        }
        String named = m.startsWith(path + " ") || m.startsWith(path + ":") ? option + " " + m : option + ": " + m;
        return new KindlingException(failure.exitCode(), named, failure);
    }

    public static Path localize(String uri, Configuration conf) {
        if (uri == null || uri.isBlank()) {
            throw KindlingException.usage("empty path");
        }
        if (!uri.contains("://") && !uri.startsWith("file:")) {
            Path local = Path.of(uri);
            if (Files.exists(local)) {
                return local.toAbsolutePath();
            }
            if (!uri.contains("/") && SparkEnv.get() != null) {
                Path added = Path.of(SparkFiles.get(uri));
                if (Files.exists(added)) {
                    return added;
                }
            }
            throw KindlingException.usage(uri + " does not exist");
        }
        if (uri.startsWith("file:")) {
            Path local = dev.kindling.spark.io.LocalPaths.ofFileUri(java.net.URI.create(uri));
            if (!Files.exists(local)) {
                throw KindlingException.usage(uri + " does not exist");
            }
            return local;
        }
        // once per task, not per row: the SQL functions ask for their model for every row, and a lookup is a request to
        // the remote store. The copy of the newest identity this JVM saw, not the one this task saw: an engine's tasks
        // that started on either side of a replacement would otherwise each make their own copy the current one, row by
        // row, and the engine cache would open the two engines over and over
        Path own = PerTask.get("remote:" + uri, () -> {
            Path local = heldByTask(localizeCurrent(uri, conf));
            Path before = NEWEST.put(uri, local);
            if (!local.equals(before)) {
                removeUnused(uri, local);
            }
            return local;
        });
        Path newest = NEWEST.get(uri);
        if (newest.equals(own)) {
            return own;
        }
        // another task's copy, which may be about to go as that task ends: held for this one too, or this task's own
        return PerTask.get("in-use:" + newest, () -> hold(uri, newest) ? heldByTask(newest) : own);
    }

    /**
     * The copy of {@code uri} as it is now, held for the caller: looked up again when the remote changed while it was
     * copied (the copy of the identity looked up first would hold the new bytes, or some of each).
     */
    private static Path localizeCurrent(String uri, Configuration conf) {
        for (int attempt = 1; ; attempt++) {
            try {
                return localizeVersion(lookUp(uri, conf));
            } catch (ChangedWhileCopied e) {
                if (attempt == 3) {
                    throw new KindlingException(KindlingException.FAILURE, e.getMessage() + ", 3 times: is it still being written?", e);
                }
                LOG.info("{}: looking it up again", e.getMessage());
            }
        }
    }

    /** The remote changed while it was copied: the copy is not one of the identity looked up, and is not kept. */
    static final class ChangedWhileCopied extends KindlingException {
        ChangedWhileCopied(String message, Throwable cause) {
            super(KindlingException.FAILURE, message, cause);
        }
    }

    /** The copy of {@code remote}'s identity, held ({@link #hold}) for the caller. */
    private static Path localizeVersion(Remote remote) {
        String key = "localized:" + remote.uri() + "|" + remote.stamp();
        for (int attempt = 1; ; attempt++) {
            // PerJvm, not a computeIfAbsent of its own: that held a hash bin's lock for a whole download, so the copy of
            // one model held up tasks asking for another (copied long ago, or to be copied at the same time)
            Path local = PerJvm.get(key, k -> copy(remote));
            if (hold(remote.uri(), local)) {
                return local;
            }
            // removed by another executor on this host since this one copied it, as no one used it: copied again
            PerJvm.forget(key, local);
            if (attempt == 3) {
                throw new KindlingException(KindlingException.FAILURE, "the local copy " + local + " of " + remote.uri()
                        + " was removed as it was about to be used, 3 times: is another process cleaning " + local.getParent().getParent() + "?");
            }
        }
    }

    /**
     * Keeps the cached copy {@code local} ({@link #localize} returned it, to this task) on disk until the returned
     * handle is closed, as an engine that maps it must; a no-op for a local file, or a copy this JVM does not hold.
     */
    public static InUse use(Path local) {
        Path dir = local.getParent();
        synchronized (IN_USE) {
            Use u = dir == null ? null : IN_USE.get(dir);
            if (u == null) {
                return InUse.NONE;
            }
            u.users++;
            return new InUse(dir);
        }
    }

    /** A cached copy kept on disk for one user (an engine) until closed. Closing it again does nothing. */
    public static final class InUse implements AutoCloseable {
        /** Holds nothing: for a file that is not a cached copy. */
        public static final InUse NONE = new InUse(null);
        private final java.util.concurrent.atomic.AtomicReference<Path> dir;

        private InUse(Path dir) {
            this.dir = new java.util.concurrent.atomic.AtomicReference<>(dir);
        }

        @Override
        public void close() {
            Path d = dir.getAndSet(null);
            if (d != null) {
                release(d);
            }
        }
    }

    /** A version folder this JVM uses: its users (tasks, engines) and the JVM's shared lock on it while there are any. */
    private static final class Use {
        final String uri;
        final LockFiles.Lock lock;
        int users;

        Use(String uri, LockFiles.Lock lock) {
            this.uri = uri;
            this.lock = lock;
        }
    }

    /**
     * The version folders this JVM uses (guarded by itself, as are {@link #COPYING} and every lock this JVM takes on a
     * version's lock file but a copy's): the JVM holds one shared lock per folder and counts its users.
     */
    private static final Map<Path, Use> IN_USE = new HashMap<>();

    /** The version folders a thread of this JVM is copying or checking (it holds or waits for their copy lock). */
    private static final Set<Path> COPYING = new HashSet<>();

    /** The version folders held by callers outside a task (the driver's commands): kept until the JVM ends. */
    private static final Set<Path> KEPT = new HashSet<>();

    /**
     * One more user of {@code local}'s version folder in this JVM; the first takes the JVM's shared lock on it. False
     * when the copy is no longer complete (removed by another JVM since it was made): the caller copies it again.
     */
    private static boolean hold(String uri, Path local) {
        Path dir = local.getParent();
        synchronized (IN_USE) {
            Use u = IN_USE.get(dir);
            if (u == null) {
                try {
                    // waits only for another JVM removing the folder (tryLock, then a few deletions)
                    LockFiles.Lock lock = lockInUse(dir);
                    if (!Files.exists(dir.resolve(".complete"))) {
                        lock.close();
                        return false;
                    }
                    u = new Use(uri, lock);
                    IN_USE.put(dir, u);
                } catch (IOException e) {
                    throw new KindlingException(KindlingException.FAILURE, "cannot lock " + lockFile(dir) + ": " + e.getMessage(), e);
                }
            }
            u.users++;
            return true;
        }
    }

    /** {@code local}, just held, released when this task ends; outside a task, when the JVM ends. */
    private static Path heldByTask(Path local) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            task.addTaskCompletionListener((TaskCompletionListener) ctx -> release(local.getParent()));
        } else {
            synchronized (IN_USE) {
                if (!KEPT.add(local.getParent())) {
                    release(local.getParent()); // held once for the JVM's life, not once per call
                }
            }
        }
        return local;
    }

    /**
     * One user of {@code dir} fewer; the last releases the JVM's lock, and a copy that is no longer the URI's newest in
     * this JVM is removed unless another JVM uses it.
     */
    private static void release(Path dir) {
        synchronized (IN_USE) {
            Use u = IN_USE.get(dir);
            if (u == null || --u.users > 0) {
                return;
            }
            IN_USE.remove(dir);
            u.lock.close();
            Path newest = NEWEST.get(u.uri);
            if (newest == null || !dir.equals(newest.getParent())) {
                removeIfUnused(u.uri, dir);
            }
        }
    }

    /**
     * Removes the copies of {@code uri} other than {@code keep}'s that no JVM on this host uses or is copying, and the
     * lock files without a copy beside them that none holds (left by a copy that failed, or by an earlier Kindling).
     */
    static void removeUnused(String uri, Path keep) {
        Path versions = keep.getParent().getParent();
        List<Path> others;
        try (var list = Files.list(versions)) {
            // each version folder, and each lock file's folder, there or not
            others = list.map(p -> p.toString().endsWith(".lock") ? Path.of(p.toString().substring(0, p.toString().length() - 5)) : p)
                    .filter(p -> !p.equals(keep.getParent()) && (Files.isDirectory(p) || !Files.exists(p)))
                    .distinct().toList();
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot list the copies of {} in {}: {}", uri, versions, e.toString());
            return;
        }
        for (Path dir : others) {
            removeIfUnused(uri, dir);
        }
    }

    /**
     * Removes the version folder {@code dir} (if there is one) and its lock file, if this JVM neither uses nor copies it
     * and no other JVM does: it holds both locks (copy and use) on the lock file, taken without waiting. Before it
     * deletes the lock file it marks it removed (one byte long, where a live one is empty), so a JVM that opened it just
     * before and locks it just after knows to open the path again ({@link #lockVersion}); one it finds marked already
     * is deleted if it was left so ({@link #deleteIfAbandoned}). A failure is logged, never thrown: what is left stays for
     * a later try.
     */
    private static void removeIfUnused(String uri, Path dir) {
        Path lockFile = lockFile(dir);
        synchronized (IN_USE) {
            // without a lock file beside it, a folder of the cache as it was before this protocol: left alone
            if (IN_USE.containsKey(dir) || COPYING.contains(dir) || !Files.exists(lockFile)) {
                return;
            }
            boolean marked = false;
            try (LockFiles.Lock copying = LockFiles.tryLock(lockFile, COPY_REGION, false);
                 LockFiles.Lock using = copying == null ? null : LockFiles.tryLock(lockFile, USE_REGION, false)) {
                if (using == null) {
                    return; // another executor on this host is copying or using it
                }
                if (using.length() != 0) {
                    marked = true; // another executor has just removed it, or one that ended left it marked
                } else {
                    remove(uri, dir, using);
                }
            } catch (IOException | RuntimeException e) {
                LOG.warn("cannot remove {}, a superseded copy of {}, or its lock file: {}", dir, uri, e.toString());
            }
            if (marked) {
                try {
                    deleteIfAbandoned(dir);
                } catch (IOException | RuntimeException e) {
                    LOG.warn("cannot delete {}, marked removed: {}", lockFile, e.toString());
                }
            }
        }
    }

    /** Removes {@code dir} and its lock file, whose both locks the caller holds ({@code using} one of them). */
    private static void remove(String uri, Path dir, LockFiles.Lock using) throws IOException {
        if (Files.exists(dir)) {
            long bytes;
            try (var walk = Files.walk(dir)) {
                bytes = walk.filter(Files::isRegularFile).mapToLong(p -> p.toFile().length()).sum();
            }
            Files.deleteIfExists(dir.resolve(".complete")); // first: a folder half removed is never taken for a copy
            deleteRecursively(dir);
            LOG.info("removed {}, a superseded copy of {} no executor on this host used: {} bytes freed", dir, uri, bytes);
        }
        using.setLength(REMOVED_LENGTH);
        try {
            using.delete();
        } catch (IOException e) {
            using.setLength(0); // left in place: a live lock file again, for every JVM to lock
            throw e;
        }
    }

    /** The length of a lock file marked removed, while the JVM removing it holds it; a live one is empty. */
    private static final long REMOVED_LENGTH = 1;

    /** The length a JVM deleting an abandoned lock file gives it, to find it at the path ({@link #deleteIfAbandoned}). */
    private static final long ABANDONED_LENGTH = 2;

    /**
     * Deletes {@code dir}'s lock file if it is marked removed (not empty) and no JVM holds a lock on it: its remover ended
     * (killed, or it could not delete the file nor unmark it) between marking and deleting it, and every JVM that locked
     * it since let it go, so the version could not be copied or used until someone deleted it. The JVM deleting it holds
     * both its locks, as a remover does, so no other deletes a lock file at the path meanwhile, and no file can be put
     * there while it is. The file it locked may be one a remover has just deleted (opened before): it makes that file
     * {@link #ABANDONED_LENGTH} long and deletes the path only if the file there is that long. Only one JVM on the host
     * does so at a time (the cache's {@code heal.lock}), or another's file of that length could be taken for its own.
     */
    private static void deleteIfAbandoned(Path dir) throws IOException {
        Path lockFile = lockFile(dir);
        try (LockFiles.Lock turn = LockFiles.lock(dir.getParent().resolveSibling("heal.lock"), 0, false);
             LockFiles.Lock copying = LockFiles.tryLock(lockFile, COPY_REGION, false);
             LockFiles.Lock using = copying == null ? null : LockFiles.tryLock(lockFile, USE_REGION, false)) {
            if (using == null || using.length() == 0) {
                return; // held (it is let go of soon), or a live lock file at the path
            }
            using.setLength(ABANDONED_LENGTH);
            long atPath;
            try {
                atPath = Files.size(lockFile);
            } catch (java.nio.file.NoSuchFileException e) {
                atPath = -1;
            }
            if (atPath == ABANDONED_LENGTH) {
                using.delete();
                LOG.warn("deleted {}: marked removed, and its remover ended before it deleted it", lockFile);
            } else {
                using.setLength(REMOVED_LENGTH); // a file a remover has just deleted, as it was
                using.forget();
            }
        }
    }

    /**
     * A shared lock on version folder {@code dir}'s lock file, held until closed: the folder is not removed while it is
     * held.
     */
    static LockFiles.Lock lockInUse(Path dir) throws IOException {
        return lockVersion(dir, USE_REGION, true);
    }

    /**
     * A lock on {@code region} of {@code dir}'s lock file (created if missing), held until closed ({@link LockFiles}: the
     * JVM's threads share its lock file). The file at the path when it is locked: one locked after a removal marked it
     * (opened just before) is let go, and the path opened again.
     */
    private static LockFiles.Lock lockVersion(Path dir, long region, boolean shared) throws IOException {
        Path lockFile = lockFile(dir);
        for (int attempt = 1; ; attempt++) {
            LockFiles.Lock lock = LockFiles.lock(lockFile, region, shared);
            try {
                if (lock.length() == 0) {
                    return lock;
                }
            } catch (IOException | RuntimeException e) {
                lock.close();
                throw e;
            }
            lock.forget();
            lock.close();
            // gone by now (removed as it was locked), or left marked by a remover that died before it deleted it
            deleteIfAbandoned(dir);
            if (attempt == 10) {
                throw new IOException(lockFile + " is marked removed (it is not empty) but is still there, and another process"
                        + " holds a lock on it: end that process, or delete the file");
            }
        }
    }

    /** The regions of a version's lock file: one locked while a copy is made or checked, one by the JVMs using it. */
    private static final long COPY_REGION = 0;
    private static final long USE_REGION = 1;

    /** {@code <sha256 of the identity>.lock} beside the version folder {@code dir}, so that the folder can go whole. */
    static Path lockFile(Path dir) {
        return dir.resolveSibling(dir.getFileName() + ".lock");
    }

    /**
     * What tells a local file from another put at the same path or name: its real path (links resolved), size,
     * modification time and file key (device and inode on Unix); for a directory (a Hugging Face checkpoint), those of
     * each file in it. A few file-system calls, cheap enough for every task; a file rewritten in place with its size and
     * modification time kept is not told apart.
     */
    public static String identity(Path local) {
        try {
            Path real = local.toRealPath();
            if (!Files.isDirectory(real)) {
                return real + "=" + stamp(real);
            }
            StringBuilder sb = new StringBuilder(real.toString()).append('/');
            try (var files = Files.list(real)) {
                for (Path f : files.sorted().toList()) {
                    if (Files.isRegularFile(f)) {
                        sb.append(';').append(f.getFileName()).append('=').append(stamp(f));
                    }
                }
            }
            return sb.toString();
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot read " + local + ": " + e.getMessage(), e);
        }
    }

    private static String stamp(Path file) throws IOException {
        BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
        return a.size() + "@" + a.lastModifiedTime().to(java.util.concurrent.TimeUnit.NANOSECONDS) + "#" + a.fileKey();
    }

    /** A remote file or directory as the lookup found it. */
    record Remote(String uri, FileSystem fs, Entry entry) {
        /** Its identity: what {@link #snapshot} says of it. */
        String stamp() {
            return entry.stamp();
        }
    }

    /**
     * A remote file, or a directory and its entries (sorted by name), as listed once: what is copied and what a copy
     * is checked against, so a directory that changes after the lookup does not change the copy of what it was.
     */
    record Entry(FileStatus status, String stamp, List<Entry> children) {}

    static Remote lookUp(String uri, Configuration conf) {
        String bucket = dev.kindling.spark.io.DataFormat.unreadableBucket(uri);
        if (bucket != null) {
            throw KindlingException.usage(bucket); // a path from a column: S3A said "bucket is null/empty"
        }
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        try {
            FileSystem fs = remote.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileStatus(remote);
            } catch (java.io.FileNotFoundException e) {
                throw KindlingException.usage(uri + " does not exist");
            }
            return new Remote(uri, fs, snapshotWithSidecars(fs, st));
        } catch (IOException e) {
            // a missing bucket as a missing input or output in one is
            throw dev.kindling.spark.io.DataFormat.storeError(e, uri + " does not exist: ", "cannot read " + uri + ": ", uri, conf);
        }
    }

    /** {@code uri} copied to local disk as it is now, or the copy already there. */
    static Path copy(String uri, Configuration conf) {
        return copy(lookUp(uri, conf));
    }

    /**
     * The copy of {@code remote}'s identity: made unless a complete one is there. Another identity's folder is not
     * touched here (see the class comment for when a superseded one is removed).
     */
    static Path copy(Remote remote) {
        String uri = remote.uri();
        FileSystem fs = remote.fs();
        Path dir = versionDir(remote);
        try {
            Files.createDirectories(dir.getParent());
            String name = remote.entry().status().getPath().getName();
            Path target = dir.resolve(name);
            Path marker = dir.resolve(".complete");
            synchronized (IN_USE) {
                COPYING.add(dir); // this JVM's removal leaves it be while a thread here copies or checks it
            }
            try (LockFiles.Lock lock = lockVersion(dir, COPY_REGION, false)) {
                Files.createDirectories(dir);
                if (Files.exists(marker) && Files.readString(marker, StandardCharsets.UTF_8).equals(remote.stamp())
                        && Files.exists(target) && sizesMatch(remote.entry(), target)) {
                    return target;
                }
                // an interrupted copy, or one whose files were cut short or edited on disk: of no use to an engine, and
                // its space free for the new copy (the check below counted it as taken)
                Files.deleteIfExists(marker);
                deleteRecursively(target);
                long t0 = System.nanoTime();
                Path tmp = dir.resolve(name + ".partial");
                deleteRecursively(tmp);
                // at once, not when the disk is full: a copy into a small temporary folder downloaded gigabytes first
                long need = size(remote.entry());
                java.nio.file.FileStore store = Files.getFileStore(dir);
                long free = store.getUsableSpace();
                if (need > free) {
                    throw new KindlingException(KindlingException.FAILURE, "cannot copy " + uri + " to " + dir + ": need " + need
                            + " bytes, " + store + " has " + free + " free; make room in the cache folder " + dir.getParent().getParent()
                            + " or set kindling.cache.dir to a folder on a larger disk");
                }
                long bytes;
                try {
                    bytes = download(fs, remote.entry(), tmp);
                    // the files as the lookup found them, or the copy is of another identity than its folder's
                    String now = changedSince(remote);
                    if (now != null) {
                        throw new ChangedWhileCopied(uri + " changed while it was copied to " + dir + " (" + now + ")", null);
                    }
                } catch (IOException | RuntimeException e) {
                    // its bytes go at once: a copy that failed for want of disk space must not keep what it took
                    deleteQuietly(tmp, e);
                    String now = e instanceof ChangedWhileCopied ? null : changedSince(remote, e);
                    if (now != null) {
                        throw new ChangedWhileCopied(uri + " changed while it was copied to " + dir + " (" + now + "): "
                                + e.getMessage(), e);
                    }
                    throw e;
                }
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                writeDurably(marker, remote.stamp());
                LOG.info("copied {} ({} bytes) to {} in {} s", uri, bytes, target, String.format("%.1f", (System.nanoTime() - t0) / 1e9));
                return target;
            } finally {
                synchronized (IN_USE) {
                    COPYING.remove(dir);
                }
            }
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot copy " + uri + " to " + dir + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code text} and forces it to disk, so that the marker is never newer on disk than it was written. */
    private static void writeDurably(Path file, String text) throws IOException {
        try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            out.write(StandardCharsets.UTF_8.encode(text));
            out.force(true);
        }
    }

    /** {@code <cache>/<sha256 of the URI>/<sha256 of the identity>}: where {@code remote}'s identity is copied. */
    static Path versionDir(Remote remote) {
        Path root = Path.of(System.getProperty("kindling.cache.dir",
                Path.of(System.getProperty("java.io.tmpdir"), "kindling-cache").toString()));
        return root.resolve(sha256(remote.uri())).resolve(sha256(remote.stamp()));
    }

    /** What the remote is now, when that is not the identity {@code remote} was looked up with; null when it is. */
    private static String changedSince(Remote remote) throws IOException {
        try {
            Entry now = snapshotWithSidecars(remote.fs(), remote.fs().getFileStatus(new org.apache.hadoop.fs.Path(remote.uri())));
            if (now.stamp().equals(remote.stamp())) {
                return null;
            }
            // a file's identity is short (size@modified#checksum), a directory's names every file
            return remote.entry().status().isFile() ? "was " + remote.stamp() + ", now " + now.stamp() : "its files changed";
        } catch (java.io.FileNotFoundException e) {
            return "removed";
        }
    }

    /** {@link #changedSince(Remote)} after the copy failed with {@code failure}; null (the failure stands) when unknown. */
    private static String changedSince(Remote remote, Exception failure) {
        try {
            return changedSince(remote);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
            return null;
        }
    }

    private static void deleteQuietly(Path p, Exception failure) {
        try {
            deleteRecursively(p);
        } catch (IOException | RuntimeException e) {
            failure.addSuppressed(e);
        }
    }

    /**
     * {@link #snapshot}, but a remote {@code tokenizer.json} (or {@code .json.gz}, or a SentencePiece {@code tokenizer.model})
     * with a {@code tokenizer_config.json}
     * beside it is a folder of the two: the tokenizer reads its BOS, EOS and chat template from the config beside the file,
     * and a copy of the file alone lay apart from it ({@code pack --tokenizer s3a://.../tokenizer.json} said the tokenizer
     * had no EOS token, where the same file on a local disk packed). The copy is then that folder, which every tokenizer
     * loader takes as it takes the file.
     */
    static Entry snapshotWithSidecars(FileSystem fs, FileStatus st) throws IOException {
        String name = st.getPath().getName();
        if (!st.isFile() || !(name.equals("tokenizer.json") || name.equals("tokenizer.json.gz") || name.equals("tokenizer.model")) || st.getPath().getParent() == null) {
            return snapshot(fs, st);
        }
        FileStatus config;
        try {
            config = fs.getFileStatus(new org.apache.hadoop.fs.Path(st.getPath().getParent(), "tokenizer_config.json"));
        } catch (java.io.FileNotFoundException e) {
            return snapshot(fs, st);
        }
        if (!config.isFile()) {
            return snapshot(fs, st);
        }
        List<Entry> both = new java.util.ArrayList<>(List.of(snapshot(fs, st), snapshot(fs, config)));
        both.sort(java.util.Comparator.comparing(e -> e.status().getPath().getName()));
        StringBuilder stamp = new StringBuilder();
        for (Entry e : both) {
            stamp.append(e.status().getPath().getName()).append('=').append(e.stamp()).append(';');
        }
        // named "tokenizer" (the copy's folder): the folder holding them may be a bucket's root, which has no name
        FileStatus folder = new FileStatus(0, true, 1, 0, st.getModificationTime(),
                new org.apache.hadoop.fs.Path(st.getPath().getParent(), "tokenizer"));
        return new Entry(folder, stamp.toString(), List.copyOf(both));
    }

    /**
     * {@code st} and, for a directory, every file under it, with their identity: size, modification time and the file
     * system's checksum (when it has one) of each file, what must match for a copy to be reused.
     */
    static Entry snapshot(FileSystem fs, FileStatus st) throws IOException {
        if (st.isFile()) {
            FileChecksum sum = fs.getFileChecksum(st.getPath());
            return new Entry(st, st.getLen() + "@" + st.getModificationTime()
                    + (sum == null ? "" : "#" + sum.getAlgorithmName() + ":" + HexFormat.of().formatHex(sum.getBytes())), List.of());
        }
        StringBuilder sb = new StringBuilder();
        FileStatus[] children = fs.listStatus(st.getPath());
        // by name: a listing in another order (a local file system lists as the directory happens to be laid out) is
        // the same directory, not a new copy
        java.util.Arrays.sort(children, java.util.Comparator.comparing(c -> c.getPath().getName()));
        List<Entry> entries = new java.util.ArrayList<>();
        for (FileStatus c : children) {
            Entry e = snapshot(fs, c);
            entries.add(e);
            sb.append(c.getPath().getName()).append('=').append(e.stamp()).append(';');
        }
        return new Entry(st, sb.toString(), List.copyOf(entries));
    }

    /** The cached copy still has the remote's file sizes (a truncated or edited cache is copied again). */
    private static boolean sizesMatch(Entry remote, Path local) throws IOException {
        if (remote.status().isFile()) {
            return Files.isRegularFile(local) && Files.size(local) == remote.status().getLen();
        }
        for (Entry c : remote.children()) {
            if (!sizesMatch(c, local.resolve(c.status().getPath().getName()))) {
                return false;
            }
        }
        return true;
    }

    /** The bytes of {@code remote}'s files, as the lookup listed them. */
    private static long size(Entry remote) {
        long total = remote.status().isFile() ? remote.status().getLen() : 0;
        for (Entry c : remote.children()) {
            total += size(c);
        }
        return total;
    }

    private static long download(FileSystem fs, Entry remote, Path to) throws IOException {
        FileStatus st = remote.status();
        if (st.isDirectory()) {
            Files.createDirectories(to);
            long total = 0;
            for (Entry c : remote.children()) {
                total += download(fs, c, to.resolve(c.status().getPath().getName()));
            }
            return total;
        }
        MessageDigest read = sha256();
        try (InputStream in = new DigestInputStream(fs.open(st.getPath()), read);
             FileChannel file = FileChannel.open(to, StandardOpenOption.CREATE,
                     StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            in.transferTo(Channels.newOutputStream(file));
            // on disk before the marker says complete: after a power loss a marker must not vouch for a file of zeros
            file.force(true);
        }
        long size = Files.size(to);
        if (size != st.getLen()) {
            throw new IOException("copied " + size + " bytes of " + st.getPath() + ", expected " + st.getLen());
        }
        MessageDigest written = sha256();
        try (InputStream in = new DigestInputStream(Files.newInputStream(to), written)) {
            in.transferTo(OutputStream.nullOutputStream());
        }
        String expected = HexFormat.of().formatHex(read.digest());
        String actual = HexFormat.of().formatHex(written.digest());
        if (!expected.equals(actual)) {
            throw new IOException("the local copy " + to + " of " + st.getPath() + " differs from the bytes read (sha256 "
                    + actual + ", read " + expected + ")");
        }
        LOG.info("{}: {} bytes, sha256 {}", st.getPath(), size, expected);
        return size;
    }

    /** Deletes {@code p} and everything under it, if it exists (a symbolic link is deleted, not followed). */
    public static void deleteRecursively(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var walk = Files.walk(p)) {
            for (Path q : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
        }
    }

    private static String sha256(String s) {
        return HexFormat.of().formatHex(sha256().digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }

    /** The Spark settings that give a job files ({@code --files}) and archives ({@code --archives}). */
    private static final List<String> FILE_SETTINGS = List.of("spark.files", "spark.yarn.dist.files");
    private static final List<String> ARCHIVE_SETTINGS = List.of("spark.archives", "spark.yarn.dist.archives");

    /** A name with no folder and no scheme: a file in the working directory, a SparkFiles name or a built-in's. */
    public static boolean isBareName(String path) {
        return !path.contains("/") && !path.contains(java.io.File.separator) && !path.contains(":");
    }

    /**
     * Whether {@code path}, a bare name (no folder, no scheme) that is no file in the working directory, can be found
     * nowhere once Spark starts: the driver reads a job's model or tokenizer first, from its working directory or its
     * SparkFiles, so such a name fails the job only after Spark has started, unless a file given to Spark supplies it.
     * The files given to Spark are those the Spark file settings ({@code spark.files}, {@code spark.yarn.dist.files}, as
     * {@code --files} sets them) name in {@code conf} (the command's {@code --conf}) or this JVM's system properties (where
     * spark-submit puts them), and those of a session this JVM already runs (a notebook's, spark-submit's), which the
     * command joins. With an archive given to Spark ({@code --archives}) a bare name may be a folder unpacked from it: not
     * nowhere. False for null, blank, a path with a folder or scheme, and an existing file.
     */
    public static boolean bareNameFoundNowhere(String path, Map<String, String> conf) {
        org.apache.spark.sql.SparkSession running = org.apache.spark.sql.SparkSession.getActiveSession().isDefined()
                ? org.apache.spark.sql.SparkSession.getActiveSession().get()
                : org.apache.spark.sql.SparkSession.getDefaultSession().isDefined() ? org.apache.spark.sql.SparkSession.getDefaultSession().get() : null;
        boolean live = running != null && !running.sparkContext().isStopped();
        return bareNameFoundNowhere(path, conf,
                live ? scala.jdk.javaapi.CollectionConverters.asJava(running.sparkContext().listFiles()) : List.of(),
                live && !running.sparkContext().listArchives().isEmpty());
    }

    /** {@link #bareNameFoundNowhere(String, Map)} with the files of the session the command joins, and whether it has archives. */
    public static boolean bareNameFoundNowhere(String path, Map<String, String> conf, List<String> sessionFiles, boolean sessionArchives) {
        if (path == null || path.isBlank() || !isBareName(path) || Files.exists(Path.of(path)) || sessionArchives) {
            return false;
        }
        List<String> files = new java.util.ArrayList<>(sessionFiles);
        for (String key : ARCHIVE_SETTINGS) {
            if (given(conf, key) != null) {
                return false;
            }
        }
        for (String key : FILE_SETTINGS) {
            String value = given(conf, key);
            if (value != null) {
                files.addAll(List.of(value.split(",")));
            }
        }
        for (String file : files) {
            String f = file.trim();
            // file#alias (YARN's) is found by its alias
            String name = f.contains("#") ? f.substring(f.indexOf('#') + 1) : f.substring(f.lastIndexOf('/') + 1);
            if (name.equals(path)) {
                return false;
            }
        }
        return true;
    }

    /** The value of Spark setting {@code key} in {@code conf}, or else this JVM's system properties; null when neither sets it. */
    private static String given(Map<String, String> conf, String key) {
        String value = conf == null ? null : conf.get(key);
        if (value == null || value.isBlank()) {
            value = System.getProperty(key);
        }
        return value == null || value.isBlank() ? null : value;
    }
}
