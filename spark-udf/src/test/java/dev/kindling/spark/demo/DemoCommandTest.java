package dev.kindling.spark.demo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.spark.cli.Cli;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DemoCommandTest {
    /** Without --model, the hint names the reference data's model beside the checkout where it is there, else a download. */
    @Test
    void theNoModelHintNamesTheModelBesideTheCheckout(@TempDir Path tmp) throws Exception {
        Path checkout = Files.createDirectories(tmp.resolve("kindling"));
        Path model = Files.createDirectories(tmp.resolve("shared/data/llama2c")).resolve("stories260K.gguf");
        assertTrue(DemoCommand.noModelHint(checkout.toString()).contains("huggingface.co/ggml-org/test-model-stories260K"));
        Files.writeString(model, "GGUF");
        assertTrue(DemoCommand.noModelHint(checkout.toString()).contains("e.g. --model " + model.toAbsolutePath().normalize() + ")"),
                DemoCommand.noModelHint(checkout.toString()));
        assertTrue(DemoCommand.noModelHint(null).contains("huggingface.co"));
    }

    @TempDir Path tmp;

    @Test
    void sampleCorpusHasWhatTheStagesNeed() {
        List<SampleCorpus.Doc> docs = SampleCorpus.load().documents(42);
        assertTrue(docs.size() > 300, "a few hundred documents: " + docs.size());
        assertEquals(docs, SampleCorpus.load().documents(42), "deterministic");
        for (SampleCorpus.Kind k : SampleCorpus.Kind.values()) {
            assertTrue(docs.stream().anyMatch(d -> d.kind() == k), "has " + k);
        }
        SampleCorpus.Doc dup = docs.stream().filter(d -> d.kind() == SampleCorpus.Kind.EXACT_DUPLICATE).findFirst().orElseThrow();
        assertTrue(docs.stream().anyMatch(d -> d.id() != null && d.id().equals(dup.duplicateOf()) && d.text().equals(dup.text())));
    }

    @Test
    void demoRunsAndAccountsForEveryDocument() throws Exception {
        Path out = tmp.resolve("demo");
        Cli.Result r = Cli.run("demo", "--no-progress", "--output", out.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("stage") && r.out().contains("read") && r.out().contains("malformed_json 1"), r.out());
        JsonNode stats = new ObjectMapper().readTree(out.resolve("stats.json").toFile());
        long in = stats.get("documents_in").asLong();
        long kept = stats.get("documents_kept").asLong();
        assertEquals(SampleCorpus.load().documents(42).size() + 1, in, "every generated row and the malformed line");
        List<JsonNode> documents = Cli.outputRows(out.resolve("documents"));
        List<JsonNode> rejectedRows = Cli.outputRows(out.resolve("rejected"));
        long written = documents.size();
        long rejected = rejectedRows.size();
        assertEquals(kept, written);
        assertEquals(in, written + rejected, "nothing leaves without a trace");
        // rejected duplicates name the document each stands for; the kept documents do not carry the cluster columns
        // (JSON Lines leaves a null out: a column no row has is no column)
        List<JsonNode> dups = rejectedRows.stream().filter(d -> List.of("exact_dedup:duplicate", "minhash_dedup:near_duplicate")
                .contains(d.path("reason").asText())).toList();
        assertTrue(!dups.isEmpty() && dups.stream().allMatch(d -> d.hasNonNull("duplicate_of")), "duplicates name their kept document");
        assertTrue(documents.stream().noneMatch(d -> d.has("duplicate_of")));
        assertTrue(Files.exists(out.resolve("sample-input/corpus.jsonl")));
        // the summary names everything the folder holds, not only documents and rejected
        assertTrue(r.out().contains("output: " + out.resolve("documents") + " (rejected: " + out.resolve("rejected") + ")\nalso in "
                + out + ": stats.json (the accounting above, as JSON), sample-input/ (the sample corpus and benchmark the run read)\n"), r.out());
        // the curation stages run and act on the sample
        java.util.Map<String, Long> droppedByStage = new java.util.HashMap<>();
        stats.get("stages").forEach(st -> droppedByStage.put(st.get("stage").asText(), st.get("dropped").asLong()));
        for (String stage : List.of("exact_dedup", "exact_dedup_url", "gopher_repetition", "gopher_quality", "minhash_dedup",
                "sentence_dedup", "decontaminate")) {
            assertTrue(droppedByStage.getOrDefault(stage, 0L) > 0, stage + " drops something: " + r.out());
        }
        for (String stage : List.of("c4", "fineweb", "pii")) {
            assertTrue(droppedByStage.containsKey(stage), stage + " runs: " + r.out());
        }
        assertTrue(stats.get("metrics").get("pii_email").asLong() >= 5, "PII found in the sample: " + stats.get("metrics"));
        assertEquals(2, Cli.run("demo", "--no-progress", "--output", out.toString()).code(), "refuses an existing output");
    }

    /**
     * The demo writes its sample input and stats.json with java.nio, so --output is a local directory: s3a://bucket/demo
     * was taken as the relative path "s3a:/bucket/demo", the sample written under the working directory, and the job
     * then failed on the documents Spark wrote to that "s3a:" path. It is refused up front, saying why.
     */
    @Test
    void demoRefusesAnOutputThatIsNotLocal() throws Exception {
        // one slash names the bucket all the same to Hadoop: s3a:/b/demo passed a test for "://"
        for (String remote : List.of("s3a://kindling-no-such-bucket/demo", "hdfs://namenode/demo", "s3a:/kindling-no-such-bucket/demo")) {
            Cli.Result r = Cli.run("demo", "--no-progress", "--output", remote);
            assertEquals(2, r.code(), r.toString());
            assertTrue(r.err().contains("demo writes to a local directory; " + remote + " is not local"), r.err());
            String scheme = remote.substring(0, remote.indexOf(':') + 1);
            assertFalse(Files.exists(Path.of(scheme)), "nothing written under the working directory as " + scheme);
        }
        // a file: URI is a local directory (here one that exists: refused without --overwrite, before any work; an empty
        // folder would be taken as new)
        Files.writeString(tmp.resolve("notes.txt"), "the user's");
        Cli.Result existing = Cli.run("demo", "--no-progress", "--output", tmp.toUri().toString());
        assertEquals(2, existing.code(), existing.toString());
        assertTrue(existing.err().contains("already exists"), existing.err());
        // a file in DIR's place was found once Spark had started ("sample-input: Not a directory", exit 1)
        Cli.Result file = Cli.run("demo", "--no-progress", "--output", tmp.resolve("notes.txt").toString(), "--overwrite");
        assertEquals(2, file.code(), file.toString());
        assertTrue(file.err().contains("is a file; the demo writes a folder there"), file.err());
        assertEquals("the user's", Files.readString(tmp.resolve("notes.txt")));
    }

    @Test
    void demoWritesTheDocumentsInTheFormatAndCodecAsked() throws Exception {
        // --format and --compression are in the demo's options, as in every Spark command: they were accepted and ignored
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"url\":\"u\",\"text\":\"The harbour wall was rebuilt after the storm.\"}\n"
                + "{\"id\":\"b\",\"url\":\"v\",\"text\":\"The harbour wall was rebuilt after the storm.\"}\n");
        Path out = tmp.resolve("demo-parquet");
        Cli.Result r = Cli.run("demo", "--no-progress", "-i", input.toString(), "--output", out.toString(),
                "--format", "parquet", "--compression", "gzip");
        assertEquals(0, r.code(), r.toString());
        try (var files = Files.list(out.resolve("documents"))) {
            assertTrue(files.anyMatch(f -> f.getFileName().toString().endsWith(".gz.parquet")), r.out());
        }
        // read from -i: no sample input in the folder, and the summary names none
        assertTrue(r.out().contains("also in " + out + ": stats.json (the accounting above, as JSON)\n")
                && !Files.exists(out.resolve("sample-input")), r.out());
    }

    /**
     * demo ran no output checks: -i DIR/documents --output DIR --overwrite read and overwrote one folder; --overwrite
     * left an earlier run's files (its sample input) beside this run's; input without a url failed naming a Java
     * parameter ("given as column").
     */
    @Test
    void demoChecksItsOutputAndInputAsThePipelineCommandsDo() throws Exception {
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"url\":\"u\",\"text\":\"The harbour wall was rebuilt after the storm.\"}\n");
        Path out = tmp.resolve("demo-out");
        Files.createDirectories(out.resolve("sample-input"));
        Files.writeString(out.resolve("sample-input/corpus.jsonl"), "stale");
        Files.writeString(out.resolve("notes.txt"), "the user's");
        Cli.Result r = Cli.run("demo", "--no-progress", "-i", input.toString(), "--output", out.toString(), "--overwrite");
        assertEquals(0, r.code(), r.toString());
        assertFalse(Files.exists(out.resolve("sample-input")), "--overwrite replaces what a demo wrote in DIR");
        assertTrue(Files.exists(out.resolve("notes.txt")), "and only that");
        assertTrue(Files.exists(out.resolve("documents/_SUCCESS")));

        Cli.Result overlapping = Cli.run("demo", "--no-progress", "-i", out.resolve("documents").toString(), "--output", out.toString(),
                "--overwrite");
        assertEquals(2, overlapping.code(), overlapping.toString());
        assertTrue(overlapping.err().contains("overlaps input"), overlapping.err());
        assertTrue(Files.exists(out.resolve("documents/_SUCCESS")), "nothing deleted");

        Path noUrl = Files.writeString(tmp.resolve("no-url.jsonl"), "{\"id\":\"a\",\"text\":\"words\"}\n");
        // a rerun refused for its input leaves the earlier output (its entries were deleted before the check)
        Cli.Result refusedRerun = Cli.run("demo", "--no-progress", "-i", noUrl.toString(), "--output", out.toString(), "--overwrite");
        assertEquals(2, refusedRerun.code(), refusedRerun.toString());
        assertTrue(Files.exists(out.resolve("documents/_SUCCESS")), "the earlier output is kept: " + refusedRerun);
        assertFalse(refusedRerun.err().contains("removed"), refusedRerun.err());
        Cli.Result missing = Cli.run("demo", "--no-progress", "-i", noUrl.toString(), "--output", tmp.resolve("never").toString());
        assertEquals(2, missing.code(), missing.toString());
        assertTrue(missing.err().contains("demo -i: the input has no url column") && missing.err().contains("(columns: id, text)"),
                missing.err());
        assertFalse(Files.exists(tmp.resolve("never")), "a refused run leaves no output");
    }

    /**
     * --overwrite deleted DIR/documents, DIR/rejected and DIR/sample-input whatever they held: a home folder's documents
     * went with a demo run. Each is replaced only when it holds what a run writes, as an output of the pipeline commands.
     */
    @Test
    void overwriteRefusesFoldersOfTheUsers() throws Exception {
        Path input = tmp.resolve("in.jsonl");
        Files.writeString(input, "{\"id\":\"a\",\"url\":\"u\",\"text\":\"The harbour wall was rebuilt after the storm.\"}\n");
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("documents/taxes"));
        Files.writeString(home.resolve("documents/thesis.txt"), "years of work");
        Cli.Result r = Cli.run("demo", "--no-progress", "-i", input.toString(), "--output", home.toString(), "--overwrite");
        assertEquals(2, r.code(), r.toString());
        assertTrue(r.err().contains(home.resolve("documents").toString()) && r.err().contains("thesis.txt"), r.err());
        assertTrue(Files.exists(home.resolve("documents/thesis.txt")), "nothing deleted");

        Path other = tmp.resolve("other");
        Files.createDirectories(other.resolve("sample-input"));
        Files.writeString(other.resolve("sample-input/mine.jsonl"), "{}");
        Cli.Result s = Cli.run("demo", "--no-progress", "-i", input.toString(), "--output", other.toString(), "--overwrite");
        assertEquals(2, s.code(), s.toString());
        assertTrue(s.err().contains("holds files a demo does not write (mine.jsonl)"), s.err());
        assertTrue(Files.exists(other.resolve("sample-input/mine.jsonl")), "nothing deleted");
    }
}
