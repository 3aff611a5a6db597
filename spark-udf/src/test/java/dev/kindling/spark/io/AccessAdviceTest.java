package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.ConnectException;
import java.nio.file.AccessDeniedException;
import java.time.Duration;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;

/**
 * A store's refusal names what to check: S3A turns a 403 into an {@link AccessDeniedException} whose message is the
 * SDK's "Forbidden (Service: S3, Status Code: 403 ...)", and a wrong secret key read as that alone, after 14-27 s.
 */
class AccessAdviceTest {
    @Test
    void aRefusedAccessNamesTheCredentials() {
        IOException denied = new IOException("getFileStatus on s3a://bkt/out", new AccessDeniedException("s3a://bkt/out: Forbidden"));
        assertTrue(DataFormat.accessAdvice(denied).contains("check the credentials, fs.s3a.access.key and fs.s3a.secret.key"),
                DataFormat.accessAdvice(denied));
        assertEquals("", DataFormat.accessAdvice(new IOException("Connection refused")));
    }

    /** A chain of causes that loops (Throwable refuses only itself as a cause) is walked once, not forever. */
    @Test
    void aLoopOfCausesIsWalkedOnce() {
        IOException outer = new IOException("getFileStatus on s3a://bkt/x");
        ConnectException refused = new ConnectException("Connection refused");
        outer.initCause(refused);
        refused.initCause(outer);
        Configuration conf = new Configuration(false);
        conf.set("fs.s3a.endpoint", "http://127.0.0.1:1");
        String said = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> DataFormat.storeFailure(outer, "s3a://bkt/x", conf));
        assertTrue(said.startsWith("no S3 store answers at fs.s3a.endpoint = http://127.0.0.1:1") && said.endsWith("(Connection refused)"), said);
        assertEquals("", assertTimeoutPreemptively(Duration.ofSeconds(10), () -> DataFormat.accessAdvice(outer)));
        assertEquals(false, assertTimeoutPreemptively(Duration.ofSeconds(10), () -> DataFormat.isMissingBucket(outer)));
    }
}
