package dev.kindling.spark.io;

import java.nio.file.Path;

/**
 * Local paths for the outputs written with java.nio rather than through Hadoop (demo's directory, pack's Megatron
 * shards), told from the others by the scheme Hadoop, and so Spark, reads in them.
 */
public final class LocalPaths {
    private LocalPaths() {}

    /**
     * The local path {@code path} names, or null when it names another file system. Local: no scheme, {@code file:}, or a
     * one-letter scheme (a Windows drive letter). A test for "://" took {@code s3a:/bucket/x}, which Hadoop reads as the
     * bucket all the same, for the relative local path "s3a:/bucket/x".
     */
    public static Path local(String path) {
        String scheme = scheme(path);
        if (scheme == null || scheme.length() == 1) {
            return Path.of(path);
        }
        if (scheme.equalsIgnoreCase("file")) {
            return Path.of(path.substring(scheme.length() + 1));
        }
        return null;
    }

    /**
     * The local path of a {@code file:} URI that Hadoop made ({@code Path.toUri()}): Hadoop leaves non-ASCII characters
     * unescaped in it, which {@code Path.of(URI)} refuses ("Bad escape": every command failed on an input named
     * {@code daten_ä/ü.jsonl}), so the URI's decoded path is taken.
     */
    public static Path ofFileUri(java.net.URI uri) {
        // an opaque URI (file:name) has no path: Path.of refuses it, saying why
        return uri.getPath() == null || !"file".equalsIgnoreCase(uri.getScheme()) ? Path.of(uri) : Path.of(uri.getPath());
    }

    /** {@link #local}, or null also for a string that is no path here (an option's value that is a number or a name). */
    public static Path localOrNull(String path) {
        try {
            return local(path);
        } catch (RuntimeException e) {
            return null;
        }
    }

    /**
     * Refuses, naming {@code option}, a path Hadoop cannot parse: what precedes a colon that comes before any slash is
     * read as a URI scheme, and a URI with a scheme needs an absolute path, so {@code file:out.jsonl} and {@code co:lon/x}
     * failed after Spark had started as a bare "URISyntaxException: Relative path in absolute URI", exit 1.
     */
    public static void requireHadoopPath(String option, String path) {
        try {
            new org.apache.hadoop.fs.Path(path);
        } catch (IllegalArgumentException e) {
            String scheme = scheme(path);
            if (scheme != null && scheme.equalsIgnoreCase("file")) {
                throw dev.kindling.spark.KindlingException.usage(option + " " + path + ": a file: URI takes an absolute path ("
                        + scheme + ":/data/x or " + scheme + ":///data/x); give a relative path without " + scheme + ":");
            }
            throw dev.kindling.spark.KindlingException.usage(option + " " + path + " is not a path Hadoop can read: it takes '"
                    + scheme + "' before the colon for a URI scheme, which needs an absolute path after it (" + scheme
                    + ":/...); a local file or folder whose name holds ':' cannot be read or written through Hadoop: rename it");
        }
    }

    /** The scheme Hadoop reads in {@code path} (what precedes a colon that comes before any slash), or null. */
    static String scheme(String path) {
        try {
            return new org.apache.hadoop.fs.Path(path).toUri().getScheme();
        } catch (IllegalArgumentException e) {
            // "file:out", "s3a:bucket": Hadoop takes the scheme as below, then refuses the relative path after it
            int colon = path.indexOf(':');
            int slash = path.indexOf('/');
            return colon > 0 && (slash < 0 || colon < slash) ? path.substring(0, colon) : null;
        }
    }
}
