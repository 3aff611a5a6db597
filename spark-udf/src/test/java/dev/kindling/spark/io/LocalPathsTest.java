package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Which paths name a local directory, as the outputs written with java.nio (demo's, pack's Megatron shards) need: by the
 * scheme Hadoop reads, not by a search for "://", which took s3a:/bucket/x (one slash; Hadoop's s3a:// all the same) for
 * the relative local path "s3a:/bucket/x".
 */
class LocalPathsTest {
    @Test
    void noSchemeAndFileAreLocal() {
        assertEquals(Path.of("out"), LocalPaths.local("out"));
        assertEquals(Path.of("/tmp/out"), LocalPaths.local("/tmp/out"));
        assertEquals(Path.of("/tmp/out"), LocalPaths.local("file:/tmp/out"));
        assertEquals(Path.of("/tmp/out"), LocalPaths.local("file:///tmp/out"));
        assertEquals(Path.of("out"), LocalPaths.local("file:out"));
        assertEquals(Path.of("/tmp/a:b"), LocalPaths.local("/tmp/a:b"), "a colon after a slash is part of a name");
    }

    @Test
    void otherSchemesAreNotLocalWithOneSlashOrNone() {
        for (String remote : new String[] {"s3a://bucket/out", "s3a:/bucket/out", "s3a:bucket", "hdfs://namenode/out",
                "hdfs:/out", "gs://bucket/out", "S3A:/bucket/out"}) {
            assertNull(LocalPaths.local(remote), remote);
        }
    }

    @Test
    void aDriveLetterIsNotAScheme() {
        assertNotNull(LocalPaths.local("C:/data/out"));
        assertNotNull(LocalPaths.local("C:\\data\\out"));
    }
}
