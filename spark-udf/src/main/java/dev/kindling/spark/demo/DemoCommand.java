package dev.kindling.spark.demo;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.LocalPaths;
import dev.kindling.spark.io.WriteOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindling demo}: the whole pipeline on the embedded default — local Spark, local files and
 * the sample corpus — ending with the accounting table. {@code --output DIR} keeps the results.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run every Kindling stage on a built-in sample corpus (a few hundred documents with duplicates, "
                + "boilerplate and junk) on local Spark, and print what each stage kept and dropped.",
                "With --output DIR the sample input, the kept documents, the rejected ones and stats.json are kept in DIR "
                        + "(a local directory); --format and --compression say how DIR/documents and DIR/rejected are written, --overwrite "
                        + "replaces them (and the sample input and stats.json; other files in DIR stay).",
                "With -i PATH the stages run on your documents instead (they need a url column); --input-format, --id-column, "
                        + "--text-column and --on-error (default here: skip) read them as the pipeline commands do."})
public final class DemoCommand extends SparkCommand {

    /** The demo checks its folder itself ({@link #validate}): it replaces only the entries it writes there. */
    @Override
    protected boolean outputsAreTheirPaths() {
        return false;
    }

    @Override
    protected String outputHelp() {
        return "Local directory to keep the sample input, the kept and rejected documents and stats.json in (the pipeline "
                + "commands write to s3a://).";
    }

    /** The sample holds a malformed line on purpose, so the demo skips unreadable rows unless told otherwise; its help said "Default: fail". */
    @Override
    protected String onErrorHelp() {
        return "Unreadable input rows: fail (stop, naming file and line), skip (drop and count) or quarantine (write them aside "
                + "to --quarantine). Default here: skip (the sample holds a malformed line on purpose).";
    }

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", description = "Seed of the sample corpus (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--tokenizer", paramLabel = "PATH",
            description = "Tokenizer for the token counts (tokenizer.json, .gguf, .tiktoken, llama2.c tokenizer.bin or SentencePiece tokenizer.model; default: the model's, else GPT-2 style byte-level from the sample).")
    String tokenizer;

    @Option(names = "--model", paramLabel = "MODEL",
            description = "A model for the scoring and generation stages: a .gguf file or a Hugging Face checkpoint directory with "
                    + "its tokenizer.json (not a llama2.c checkpoint, which carries no vocabulary); without one they are skipped "
                    + "(see the README for a small model).")
    String model;

    @Override
    protected void validate() {
        // the sample input and stats.json are written as local files (java.nio): s3a://b/demo became the relative local
        // path "s3a:/b/demo", and the job failed after writing the sample there. The demo is a local try-out; the
        // pipeline commands write to any store
        if (job.output != null && LocalPaths.local(job.output) == null) {
            throw KindlingException.usage("demo writes to a local directory; " + job.output + " is not local (run the "
                    + "pipeline commands, e.g. curate, on its sample input for other stores)");
        }
        if (job.output == null) {
            // nothing is written without --output: these were accepted and did nothing
            java.util.List<String> unread = java.util.stream.Stream.of("--format", "--compression", "--overwrite")
                    .filter(spec.commandLine().getParseResult()::hasMatchedOption).toList();
            if (!unread.isEmpty()) {
                throw KindlingException.usage("demo writes nothing without --output DIR; " + String.join(", ", unread)
                        + (unread.size() == 1 ? " applies" : " apply") + " to what it writes there");
            }
        }
        if (job.output != null && Files.exists(output()) && !Files.isDirectory(output())) {
            // found when Spark had started, as "sample-input: Not a directory", exit 1
            throw KindlingException.usage("output " + job.output + " is a file; the demo writes a folder there (give another --output)");
        }
        if (job.output != null && !job.overwrite && Files.exists(output()) && !emptyFolder(output())) {
            // an empty folder is taken as new, as the pipeline commands take one (mkdir demo-out; kindling demo -o demo-out)
            throw KindlingException.usage("output " + job.output + " already exists; pass --overwrite to replace it");
        }
        // a local model or tokenizer that is not there was reported only after Spark had started and run the first stages
        dev.kindling.spark.inference.ExecutorEngines.checkLocalModel("--model", model);
        // the model stages give the engine no tokenizer (--tokenizer is the token counts'), so a llama2.c checkpoint failed
        // every row after the first stages had run
        dev.kindling.spark.inference.EngineCliOptions.requireTokenizer("--model", model, null, null);
        dev.kindling.spark.tokenize.ExecutorTokenizers.checkLocal("--tokenizer", tokenizer);
        // a bare name that is nothing failed once the first stages had run, a minute in, a --model one as "tokenizer
        // 'm.gguf'" (the token counts read the model's vocabulary first); --tokenizer is the token counts' alone, so
        // byte-level is one there
        dev.kindling.spark.inference.EngineCliOptions.checkBareNames("--model", model, null, null, job.conf);
        dev.kindling.spark.tokenize.ExecutorTokenizers.checkBareName("--tokenizer", tokenizer, job.conf);
    }

    /** What a demo writes in its --output folder (and --overwrite replaces). */
    static final List<String> DEMO_ENTRIES = List.of("sample-input", "documents", "rejected", "stats.json");

    /** {@code --output DIR}: the entries a demo writes there, not DIR (a model or tokenizer elsewhere in DIR stays). */
    @Override
    protected List<String> replacedBy(String option, String value) {
        if (!option.equals("--output")) {
            return super.replacedBy(option, value);
        }
        List<String> entries = new java.util.ArrayList<>();
        for (String entry : DEMO_ENTRIES) {
            entries.add(value + "/" + entry);
        }
        return entries;
    }

    /** What a demo writes in DIR/sample-input. */
    private static final java.util.Set<String> SAMPLE_FILES = java.util.Set.of("corpus.jsonl", "benchmark.jsonl");

    /**
     * Checks that DIR/sample-input, if there, holds only what a demo writes (its sample corpus and benchmark, and
     * {@code .crc} or {@code _}/{@code .} markers), as {@code --overwrite} checks an output before replacing it.
     */
    private static void demoSampleInput(Path dir) throws IOException {
        Path sample = dir.resolve("sample-input");
        if (!Files.exists(sample, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        List<String> others = new java.util.ArrayList<>();
        if (!Files.isDirectory(sample, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
            others.add(sample.getFileName().toString());
        } else {
            try (var entries = Files.list(sample)) {
                entries.map(e -> e.getFileName().toString())
                        .filter(n -> !SAMPLE_FILES.contains(n) && !n.startsWith(".") && !n.startsWith("_")).sorted().forEach(others::add);
            }
        }
        if (!others.isEmpty()) {
            throw KindlingException.usage("--overwrite: " + sample + " holds files a demo does not write (" + String.join(", ",
                    others.subList(0, Math.min(5, others.size()))) + (others.size() > 5 ? ", ..." : "")
                    + "); move them, or give another --output");
        }
    }

    /** The local --output directory; a {@code file:} URI names one too (as pack's Megatron output). */
    private Path output() {
        return LocalPaths.local(job.output);
    }

    private static Path temporaryDirectory() throws IOException {
        Path dir = Files.createTempDirectory("kindling-demo");
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // best effort: it is a temporary directory
            }
        }));
        return dir;
    }

    @Override
    protected int run(JobRun run) throws IOException {
        Path work = job.output != null ? output() : temporaryDirectory();
        PipelineOptions p = new PipelineOptions();
        WriteOptions out = null;
        if (job.output != null) {
            out = job.writeOptions(work.resolve("documents").toString());
            p.rejected = work.resolve("rejected").toString();
            p.stats = work.resolve("stats.json").toString();
            // as the pipeline commands' checkOutput: -i inside DIR (or DIR inside -i) was read and overwritten in one run
            dev.kindling.spark.io.DatasetWriter.checkNotOverlapping(run.spark(), work.toString(), job.input);
            // --overwrite replaces what a demo writes there, not DIR (--output ~ must not empty it), each where this run
            // writes it: documents and rejected as the pipeline commands replace an output (a folder holding anything but
            // a run's output is refused before any work, nothing deleted), stats.json once the input is checked, an
            // earlier sample input after the run. All four were deleted first: a usage error or an interrupt then lost
            // the earlier output, and a folder of the user's named documents went with them
            for (String target : List.of(out.path(), p.rejected)) {
                dev.kindling.spark.io.DatasetWriter.checkWritable(run.spark(), out.withPath(target));
            }
            if (Files.isDirectory(work.resolve("stats.json"))) {
                throw KindlingException.usage(work.resolve("stats.json") + " is a directory; the demo writes its stats there");
            }
            if (job.overwrite) {
                demoSampleInput(work); // written over (the sample) or removed after the run (-i): only a demo's files
            }
            if (emptyFolder(work)) {
                // taken as new: the run's to remove if it fails, or what it wrote there blocked the rerun as existing
                Files.delete(work);
            }
            // this run's, if new: removed if it fails or is interrupted (a rerun was refused as existing); documents and
            // rejected as the pipeline commands claim theirs
            run.claimFolder(work.toString());
            run.claimOutput(out.path());
            run.claimOutput(p.rejected);
        }
        Path input = work.resolve("sample-input").resolve("corpus.jsonl");
        String benchmark = null;
        boolean earlierSample = job.output != null && job.overwrite && !job.input.isEmpty() && Files.exists(work.resolve("sample-input"));
        if (job.input.isEmpty()) {
            SampleCorpus corpus = SampleCorpus.load();
            corpus.writeJsonl(input, seed);
            job.input.add(input.toString());
            Path bench = work.resolve("sample-input").resolve("benchmark.jsonl");
            corpus.writeBenchmark(bench, seed);
            benchmark = bench.toString();
        }
        // the sample holds a malformed line on purpose: count it instead of stopping, unless asked otherwise
        if (!spec.commandLine().getParseResult().hasMatchedOption("--on-error")) {
            job.onError = "skip";
        }
        run.out().println("kindling demo: " + (job.input.size() == 1 ? job.input.get(0) : job.input) + " on " + run.spark().sparkContext().master());
        List<dev.kindling.spark.stage.PipelineStage> stages = DemoPipeline.stages(new DemoPipeline.Settings(tokenizer, model, seed, benchmark));
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> docs = run.readInput();
        if (benchmark == null && java.util.Arrays.stream(docs.columns()).noneMatch(c -> c.equalsIgnoreCase("url"))) {
            // the stage's own message named its Java parameter ("given as column")
            throw KindlingException.usage("demo -i: the input has no url column, which the demo's exact_dedup_url stage "
                    + "deduplicates on (columns: " + String.join(", ", dev.kindling.spark.io.Columns.userColumns(docs.schema()))
                    + "); add one, or run kindling curate with stages of your choice");
        }
        if (job.overwrite && p.stats != null) {
            // the earlier run's stats, once this run's input is checked: a failed run left them beside the documents it
            // had replaced, for a reader to take as theirs (as the pipeline commands remove theirs)
            Files.deleteIfExists(work.resolve("stats.json"));
        }
        // the rejected duplicates name the document each stands for, as dedup's and curate's --rejected do
        java.util.Set<String> rejectedOnly = p.rejected != null
                ? dev.kindling.spark.dedup.ClusterColumns.forRejectedOnly(stages, docs.schema()) : java.util.Set.of();
        run.runPipeline(docs, stages, out, p, rejectedOnly);
        if (earlierSample) {
            // an earlier run's sample input beside documents read from -i would pass for their input
            dev.kindling.spark.executor.LocalFiles.deleteRecursively(work.resolve("sample-input"));
        }
        if (job.output == null) {
            run.out().println("(pass --output DIR to keep the documents, the rejected rows and stats.json)");
        } else {
            // the output line names documents and rejected: the folder's other entries were left for the user to find
            run.out().println("also in " + work + ": stats.json (the accounting above, as JSON)" + (benchmark != null
                    ? ", sample-input/ (the sample corpus and benchmark the run read)" : ""));
        }
        if (model == null) {
            run.out().println(noModelHint(System.getProperty("kindling.home")));
        }
        return 0;
    }

    /**
     * What a run without {@code --model} says about the stages it skipped: the reference data's model beside the checkout
     * ({@code home}, the launcher's {@code kindling.home}), as the README's example uses, where there is one; else where
     * to download a small one.
     */
    static String noModelHint(String home) {
        Path near = home == null ? null : Path.of(home).toAbsolutePath().resolve("../shared/data/llama2c/stories260K.gguf").normalize();
        return "(no --model: the perplexity and generation stages were skipped; pass any Llama-family GGUF, e.g. "
                + (near != null && Files.isRegularFile(near) ? "--model " + near
                : "the 1.2 MB stories260K-f32.gguf from huggingface.co/ggml-org/test-model-stories260K") + ")";
    }
}
