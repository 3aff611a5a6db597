package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import java.util.List;
import org.apache.spark.SparkConf;
import org.junit.jupiter.api.Test;

/** What a generation's {@code _manifest.json} records of the command line (its settings: InferenceCliTest, DistillTest). */
class GenerationManifestTest {
    /** A session's settings without spark.redaction.regex: Spark's default applies. */
    private static final SparkConf NO_REGEX = new SparkConf(false);

    /**
     * A manifest travels with its dataset, so a secret given as a {@code --conf} setting (an S3 secret key, a token) is left
     * out, as Spark's UI leaves out what its default spark.redaction.regex matches; the key stays, and every other argument.
     */
    @Test
    void secretConfValuesAreLeftOutOfTheRecordedArguments() {
        List<String> args = List.of("--model", "m.gguf", "--conf", "spark.hadoop.fs.s3a.secret.key=hunter2", "--conf",
                "spark.hadoop.fs.s3a.access.key=AKIA123", "--conf=spark.hadoop.fs.s3a.session.token=abc=", "--conf",
                "spark.executor.memory=4g", "--seed", "7", "--stop", "password=1");
        assertEquals(List.of("--model", "m.gguf", "--conf", "spark.hadoop.fs.s3a.secret.key=*********(redacted)", "--conf",
                "spark.hadoop.fs.s3a.access.key=*********(redacted)", "--conf=spark.hadoop.fs.s3a.session.token=*********(redacted)",
                "--conf", "spark.executor.memory=4g", "--seed", "7", "--stop", "password=1"),
                GenerationManifest.redacted(args, GenerationManifest.redaction(NO_REGEX)));
        String json = new GenerationManifest("kindling generate", args, "0.1.0", NO_REGEX).json();
        assertEquals(-1, json.indexOf("hunter2"), json);
        assertEquals(-1, json.indexOf("AKIA123"), json);
    }

    /**
     * The session's spark.redaction.regex says which keys are secret, as it does for Spark's UI and event log: the manifest
     * used Spark's default whatever the session set, so a key the session hides (an endpoint, an internal host) went into
     * the manifest, and an operator's wider rule was not kept. Without one, Spark's own default applies (4.2's also finds
     * an accesskey without the dot, which Kindling's copy of an older default did not).
     */
    @Test
    void theSessionsRedactionRegexSaysWhichValuesAreLeftOut() {
        List<String> args = List.of("--conf", "spark.hadoop.fs.s3a.endpoint=http://10.1.2.3:9000", "--conf",
                "spark.hadoop.fs.azure.account.accesskey=AZ123", "--conf=spark.hadoop.fs.s3a.secret.key=hunter2");
        SparkConf custom = new SparkConf(false).set("spark.redaction.regex", "(?i)endpoint|secret");
        assertEquals(List.of("--conf", "spark.hadoop.fs.s3a.endpoint=*********(redacted)", "--conf",
                "spark.hadoop.fs.azure.account.accesskey=AZ123", "--conf=spark.hadoop.fs.s3a.secret.key=*********(redacted)"),
                GenerationManifest.redacted(args, GenerationManifest.redaction(custom)));
        String json = new GenerationManifest("kindling generate", args, "0.1.0", custom).json();
        assertEquals(-1, json.indexOf("10.1.2.3"), json);
        assertEquals(List.of("--conf", "spark.hadoop.fs.s3a.endpoint=http://10.1.2.3:9000", "--conf",
                "spark.hadoop.fs.azure.account.accesskey=*********(redacted)", "--conf=spark.hadoop.fs.s3a.secret.key=*********(redacted)"),
                GenerationManifest.redacted(args, GenerationManifest.redaction(NO_REGEX)));
        KindlingException bad = assertThrows(KindlingException.class,
                () -> new GenerationManifest("kindling generate", args, "0.1.0", new SparkConf(false).set("spark.redaction.regex", "(secret")));
        assertTrue(bad.getMessage().startsWith("spark.redaction.regex '(secret' is not a regular expression: "), bad.getMessage());
        assertEquals(KindlingException.USAGE, bad.exitCode(), bad.getMessage());
        // a value the regex finds is hidden whatever its key, as Spark's UI hides it (Utils.redact: key, then value)
        assertEquals(List.of("--conf", "spark.kindling.db.url=*********(redacted)", "--conf=spark.app.name=nightly"),
                GenerationManifest.redacted(List.of("--conf", "spark.kindling.db.url=jdbc:postgresql://db/x?user=a&password=hunter2",
                        "--conf=spark.app.name=nightly"), GenerationManifest.redaction(NO_REGEX)));
    }
}
