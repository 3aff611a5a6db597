package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

/** What a generation's {@code _manifest.json} records of the command line (its settings: InferenceCliTest, DistillTest). */
class GenerationManifestTest {
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
                "--conf", "spark.executor.memory=4g", "--seed", "7", "--stop", "password=1"), GenerationManifest.redacted(args));
        String json = new GenerationManifest("kindling generate", args, "0.1.0").json();
        assertEquals(-1, json.indexOf("hunter2"), json);
        assertEquals(-1, json.indexOf("AKIA123"), json);
    }
}
