package dev.kindling.spark.io;

import dev.kindling.spark.KindlingException;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * A small file a command reads on the driver beside its data (a pipeline config, a rubric template): a path without a
 * scheme is local, as {@code --stats} is, and one with a scheme ({@code s3a://}, {@code hdfs://}, {@code file:}) is read
 * through Hadoop with the job's settings. java.nio took {@code s3a://b/p.yaml} for the local path {@code s3a:/b/p.yaml}.
 * Errors name the path as it was given.
 */
public final class SideFile {
    private SideFile() {}

    /** Whether {@code path} needs a Hadoop filesystem (and so the job's Hadoop settings) to be read. */
    public static boolean remote(String path) {
        String scheme = scheme(path);
        return scheme != null && !scheme.equals("file");
    }

    /**
     * The bytes of {@code path}; {@code what} names it in errors ("config"). A missing file is a usage error (exit 2), as
     * a missing input is.
     *
     * @param conf the job's Hadoop configuration, for a remote path (unused for a local one; null: Hadoop's defaults)
     */
    public static byte[] read(String path, Configuration conf, String what) {
        try {
            String scheme = scheme(path);
            if (scheme == null) {
                java.nio.file.Path local = java.nio.file.Path.of(path);
                if (Files.isDirectory(local)) {
                    throw KindlingException.usage(what + " " + path + " is a directory, not a file");
                }
                return Files.readAllBytes(local);
            }
            Path p = new Path(path);
            FileSystem fs = p.getFileSystem(conf == null || scheme.equals("file") ? new Configuration() : conf);
            if (fs.getFileStatus(p).isDirectory()) {
                throw KindlingException.usage(what + " " + path + " is a directory, not a file");
            }
            try (InputStream in = fs.open(p)) {
                return in.readAllBytes();
            }
        } catch (NoSuchFileException | FileNotFoundException e) {
            throw KindlingException.usage(what + " " + path + " does not exist");
        } catch (IOException e) {
            throw DataFormat.storeError(e, what + " " + path + " does not exist: ", "cannot read " + what + " " + path + ": ", path, conf);
        } catch (IllegalArgumentException e) {   // java.nio's InvalidPathException too
            throw KindlingException.usage(what + " " + path + " is not a valid path: " + e.getMessage());
        }
    }

    /** The scheme of {@code path} as Hadoop reads it ({@code s3a}, {@code file}), or null for a local path without one. */
    public static String scheme(String path) {
        try {
            return new Path(path).toUri().getScheme();
        } catch (IllegalArgumentException e) {
            return null;   // not a Hadoop path: read as a local one, whose error names it
        }
    }
}
