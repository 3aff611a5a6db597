package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
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
}
