package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.session.SparkSessions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link NioLocalFileSystem} leaves every file and folder with the mode Hadoop's own local file system gives it (which
 * starts a {@code chmod} process for each), under several umasks, for what a Spark write does (folders made, files and
 * their {@code .crc} created) and for modes set or asked for; a mode NIO cannot set (the sticky bit) goes to Hadoop's way.
 * Kindling's local sessions use it.
 */
class NioLocalFileSystemTest {
    @TempDir Path tmp;

    @Test
    void everyFileAndFolderGetsTheModeHadoopGivesIt() throws IOException {
        for (String umask : List.of("022", "077", "002", "000")) {
            Map<String, String> hadoop = written(LocalFileSystem.class, umask, tmp.resolve("hadoop-" + umask));
            Map<String, String> nio = written(NioLocalFileSystem.class, umask, tmp.resolve("nio-" + umask));
            assertEquals(hadoop, nio, "umask " + umask);
            assertEquals(12, nio.size(), nio.toString());
        }
    }

    @Test
    void kindlingsLocalSessionsUseIt() throws IOException {
        assertEquals(NioLocalFileSystem.class.getName(), SparkSessions.defaults("local[2]").get("spark.hadoop.fs.file.impl"));
        for (String master : List.of("yarn", "local-cluster[2,1,1024]")) {
            assertFalse(SparkSessions.defaults(master).containsKey("spark.hadoop.fs.file.impl"), master + ": its executors may lack the class");
        }
        assertEquals(NioLocalFileSystem.class,
                FileSystem.getFileSystemClass("file", TestSpark.session().sparkContext().hadoopConfiguration()));
    }

    /** What {@code type} writes under {@code root}: each path (relative) and its mode, in octal with the sticky bit. */
    private static Map<String, String> written(Class<? extends FileSystem> type, String umask, Path root) throws IOException {
        Configuration conf = new Configuration();
        conf.set("fs.file.impl", type.getName());
        conf.set("fs.permissions.umask-mode", umask);
        try (FileSystem fs = FileSystem.newInstance(URI.create("file:///"), conf)) {
            assertEquals(type, fs.getClass());
            org.apache.hadoop.fs.Path r = new org.apache.hadoop.fs.Path(root.toUri());
            fs.mkdirs(new org.apache.hadoop.fs.Path(r, "out/_temporary/0"));
            try (FSDataOutputStream o = fs.create(new org.apache.hadoop.fs.Path(r, "out/_temporary/0/task/part-00000.json"))) {
                o.write('{');
            }
            try (FSDataOutputStream o = fs.create(new org.apache.hadoop.fs.Path(r, "out/_SUCCESS"))) {
                o.flush();
            }
            try (FSDataOutputStream o = fs.create(new org.apache.hadoop.fs.Path(r, "private"), new FsPermission((short) 0600), false,
                    4096, (short) 1, 1 << 20, null)) {
                o.write('x');
            }
            fs.mkdirs(new org.apache.hadoop.fs.Path(r, "shared"), new FsPermission((short) 0775));
            fs.setPermission(new org.apache.hadoop.fs.Path(r, "out/_SUCCESS"), new FsPermission((short) 0604));
            fs.setPermission(new org.apache.hadoop.fs.Path(r, "shared"), new FsPermission((short) 01777));
        }
        Map<String, String> modes = new TreeMap<>();
        try (var paths = Files.walk(root)) {
            for (Path p : paths.toList()) {
                int mode = (Integer) Files.getAttribute(p, "unix:mode");
                modes.put("/" + root.relativize(p), Integer.toOctalString(mode & 07777));
            }
        }
        return modes;
    }
}
