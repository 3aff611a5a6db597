package dev.kindling.spark.io;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;
import java.util.Set;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.RawLocalFileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.io.nativeio.NativeIO;

/**
 * Hadoop's local file system ({@code file:}, with its {@code .crc} files) that sets a file's or folder's permissions
 * through Java NIO, where Hadoop without its native library ({@code libhadoop}, which Spark's jars do not ship) starts a
 * {@code chmod} process for each: every file it creates (a part file and its {@code .crc}, {@code _SUCCESS}) and every
 * folder (the committer's {@code _temporary} and attempt folders). The modes are Hadoop's own (0644 and 0755 under its
 * default umask, {@code fs.permissions.umask-mode}); a mode NIO cannot set (the sticky bit), a file system without POSIX
 * permissions and a JVM with the native library go to Hadoop's way. Kindling's local sessions use it ({@code
 * spark.hadoop.fs.file.impl}) unless the user's Spark or Hadoop settings name a {@code fs.file.impl} of their own.
 */
public class NioLocalFileSystem extends LocalFileSystem {
    public NioLocalFileSystem() {
        super(new Raw());
    }

    /** The raw (checksum-less) file system under it. */
    public static class Raw extends RawLocalFileSystem {
        @Override
        public void setPermission(Path p, FsPermission permission) throws IOException {
            Set<PosixFilePermission> modes = posix(permission);
            if (modes == null || NativeIO.isAvailable()) {
                super.setPermission(p, permission);
                return;
            }
            try {
                Files.setPosixFilePermissions(pathToFile(p).toPath(), modes);
            } catch (UnsupportedOperationException e) {
                super.setPermission(p, permission); // no POSIX permissions here: what Hadoop does
            }
        }
    }

    /** {@code permission}'s nine bits as NIO's set, or null for a mode they do not hold (the sticky bit). */
    static Set<PosixFilePermission> posix(FsPermission permission) {
        int mode = permission.toShort();
        if ((mode & ~0777) != 0) {
            return null;
        }
        Set<PosixFilePermission> out = EnumSet.noneOf(PosixFilePermission.class);
        PosixFilePermission[] bits = {PosixFilePermission.OTHERS_EXECUTE, PosixFilePermission.OTHERS_WRITE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.GROUP_EXECUTE, PosixFilePermission.GROUP_WRITE,
            PosixFilePermission.GROUP_READ, PosixFilePermission.OWNER_EXECUTE, PosixFilePermission.OWNER_WRITE,
            PosixFilePermission.OWNER_READ};
        for (int i = 0; i < bits.length; i++) {
            if ((mode & (1 << i)) != 0) {
                out.add(bits[i]);
            }
        }
        return out;
    }
}
