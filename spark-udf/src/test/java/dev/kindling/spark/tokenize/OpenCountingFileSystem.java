package dev.kindling.spark.tokenize;

import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.Path;

/**
 * The local file system under the scheme {@value #SCHEME} ({@code fs.opencount.impl}), counting how often each file is
 * opened: how many times a job read its input.
 */
public final class OpenCountingFileSystem extends dev.kindling.spark.io.SchemedLocalFileSystem {
    public static final String SCHEME = "opencount";
    private static final Map<String, AtomicInteger> OPENS = new ConcurrentHashMap<>();

    /** Times {@code file} (a local path) was opened through this file system. */
    public static int opens(java.nio.file.Path file) {
        AtomicInteger n = OPENS.get(file.toAbsolutePath().toString());
        return n == null ? 0 : n.get();
    }

    public OpenCountingFileSystem() {
        super(SCHEME);
    }

    @Override
    public FSDataInputStream open(Path f, int bufferSize) throws IOException {
        OPENS.computeIfAbsent(f.toUri().getPath(), k -> new AtomicInteger()).incrementAndGet();
        return super.open(f, bufferSize);
    }
}
