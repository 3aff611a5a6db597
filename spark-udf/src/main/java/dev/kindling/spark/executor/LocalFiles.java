package dev.kindling.spark.executor;

import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileChecksum;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.SparkEnv;
import org.apache.spark.SparkFiles;
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
 * bytes as they were read and again from the disk: a copy that differs is an error, and a partial copy is never used.
 */
public final class LocalFiles {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFiles.class);

    /** Per remote URI: the local copy of its identity as the task that looked it up last found it. */
    private static final ConcurrentHashMap<String, Path> NEWEST = new ConcurrentHashMap<>();

    private LocalFiles() {}

    /** Localizes with the active Spark Hadoop configuration (or a default one outside Spark). */
    public static Path localize(String uri) {
        Configuration conf = SparkEnv.get() != null ? org.apache.spark.deploy.SparkHadoopUtil.get().conf() : new Configuration();
        return localize(uri, conf);
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
            Path local = Path.of(java.net.URI.create(uri));
            if (!Files.exists(local)) {
                throw KindlingException.usage(uri + " does not exist");
            }
            return local;
        }
        // once per task, not per row: the SQL functions ask for their model for every row, and a lookup is a request to
        // the remote store. The copy of the newest identity this JVM saw, not the one this task saw: an engine's tasks
        // that started on either side of a replacement would otherwise each make their own copy the current one, row by
        // row, and the engine cache would open the two engines over and over
        PerTask.get("remote:" + uri, () -> {
            Path local = localizeVersion(lookUp(uri, conf));
            NEWEST.put(uri, local);
            return local;
        });
        return NEWEST.get(uri);
    }

    private static Path localizeVersion(Remote remote) {
        // PerJvm, not a computeIfAbsent of its own: that held a hash bin's lock for a whole download, so the copy of one
        // model held up tasks asking for another (copied long ago, or to be copied at the same time)
        return PerJvm.get("localized:" + remote.uri() + "|" + remote.stamp(), k -> copy(remote));
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

    /** A remote file or directory as it is now: what {@link #stamp(FileSystem, FileStatus)} says of it. */
    record Remote(String uri, FileSystem fs, FileStatus status, String stamp) {}

    static Remote lookUp(String uri, Configuration conf) {
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path(uri);
        try {
            FileSystem fs = remote.getFileSystem(conf);
            FileStatus st;
            try {
                st = fs.getFileStatus(remote);
            } catch (java.io.FileNotFoundException e) {
                throw KindlingException.usage(uri + " does not exist");
            }
            return new Remote(uri, fs, st, stamp(fs, st));
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot read " + uri + ": " + e.getMessage(), e);
        }
    }

    /** {@code uri} copied to local disk as it is now, or the copy already there. */
    static Path copy(String uri, Configuration conf) {
        return copy(lookUp(uri, conf));
    }

    /**
     * The copy of {@code remote}'s identity: made unless a complete one is there. Another identity's folder is never
     * touched, so an engine still mapping a copy before the remote was replaced keeps its files as they were.
     */
    static Path copy(Remote remote) {
        String uri = remote.uri();
        FileSystem fs = remote.fs();
        FileStatus st = remote.status();
        try {
            Path root = Path.of(System.getProperty("kindling.cache.dir",
                    Path.of(System.getProperty("java.io.tmpdir"), "kindling-cache").toString()));
            Path dir = root.resolve(sha256(uri)).resolve(sha256(remote.stamp()));
            Files.createDirectories(dir);
            String name = st.getPath().getName();
            Path target = dir.resolve(name);
            Path marker = dir.resolve(".complete");
            try (FileChannel lockFile = FileChannel.open(dir.resolve(".lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock lock = lockFile.lock()) {
                if (Files.exists(marker) && Files.readString(marker, StandardCharsets.UTF_8).equals(remote.stamp())
                        && Files.exists(target) && sizesMatch(fs, st, target)) {
                    return target;
                }
                // an interrupted copy, or one whose files were cut short or edited on disk: of no use to an engine
                Files.deleteIfExists(marker);
                long t0 = System.nanoTime();
                Path tmp = dir.resolve(name + ".partial");
                deleteRecursively(tmp);
                long bytes = download(fs, st, tmp);
                deleteRecursively(target);
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
                Files.writeString(marker, remote.stamp(), StandardCharsets.UTF_8);
                LOG.info("copied {} ({} bytes) to {} in {} s", uri, bytes, target, String.format("%.1f", (System.nanoTime() - t0) / 1e9));
                return target;
            }
        } catch (IOException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot copy " + uri + " to local disk: " + e.getMessage(), e);
        }
    }

    /**
     * Size, modification time and the file system's checksum (when it has one) of every file under
     * {@code st}: what must match for a copy to be reused.
     */
    static String stamp(FileSystem fs, FileStatus st) throws IOException {
        if (st.isFile()) {
            FileChecksum sum = fs.getFileChecksum(st.getPath());
            return st.getLen() + "@" + st.getModificationTime()
                    + (sum == null ? "" : "#" + sum.getAlgorithmName() + ":" + HexFormat.of().formatHex(sum.getBytes()));
        }
        StringBuilder sb = new StringBuilder();
        FileStatus[] children = fs.listStatus(st.getPath());
        // by name: a listing in another order (a local file system lists as the directory happens to be laid out) is
        // the same directory, not a new copy
        java.util.Arrays.sort(children, java.util.Comparator.comparing(c -> c.getPath().getName()));
        for (FileStatus c : children) {
            sb.append(c.getPath().getName()).append('=').append(stamp(fs, c)).append(';');
        }
        return sb.toString();
    }

    /** The cached copy still has the remote's file sizes (a truncated or edited cache is copied again). */
    private static boolean sizesMatch(FileSystem fs, FileStatus st, Path local) throws IOException {
        if (st.isFile()) {
            return Files.isRegularFile(local) && Files.size(local) == st.getLen();
        }
        for (FileStatus c : fs.listStatus(st.getPath())) {
            if (!sizesMatch(fs, c, local.resolve(c.getPath().getName()))) {
                return false;
            }
        }
        return true;
    }

    private static long download(FileSystem fs, FileStatus st, Path to) throws IOException {
        if (st.isDirectory()) {
            Files.createDirectories(to);
            long total = 0;
            for (FileStatus c : fs.listStatus(st.getPath())) {
                total += download(fs, c, to.resolve(c.getPath().getName()));
            }
            return total;
        }
        MessageDigest read = sha256();
        try (InputStream in = new DigestInputStream(fs.open(st.getPath()), read);
             OutputStream out = Files.newOutputStream(to)) {
            in.transferTo(out);
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

    private static void deleteRecursively(Path p) throws IOException {
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
}
