package dev.kindling.spark.dedup;

import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineStage;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindling dedup}: exact dedup, MinHash LSH near dedup and sentence dedup, with every
 * removed document accounted for.
 */
@Command(name = "dedup", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Remove exact duplicates (--exact), near duplicates (--minhash, MinHash LSH + exact Jaccard check) "
                + "and repeated 3-sentence spans (--sentences), or exact duplicates of another column (--exact-column). Without any "
                + "of these: --exact --minhash.",
                "Each group keeps its smallest id; --keep-duplicates keeps every row with cluster_id and duplicate_of "
                        + "(--rejected writes them with the rejected rows alone).",
                "--against PATH also drops the documents that duplicate one of an earlier corpus (last month's output): "
                        + "exact_dedup:duplicate_of_earlier, minhash_dedup:near_duplicate_of_earlier, duplicate_of naming "
                        + "the earlier document; the earlier documents are never output."})
public final class DedupCommand extends SparkCommand {
    @Mixin
    PipelineOptions pipeline;

    @Option(names = "--exact", description = "Exact dedup on the normalised text (NFKC, case folded, invisible format characters dropped, white space collapsed).")
    boolean exact;

    @Option(names = "--exact-column", paramLabel = "COLUMN", split = ",",
            description = "Exact dedup on another column (e.g. url), compared as is; repeatable. A stage like the others: "
                    + "alone it is the only one (--exact-column url --exact --minhash adds it to the default two).")
    List<String> exactColumns = new ArrayList<>();

    @Option(names = "--minhash", description = "Near dedup with MinHash LSH.")
    boolean minhash;

    @Option(names = "--sentences", description = "Remove 3-sentence spans seen earlier in the dataset; drop documents left with fewer than 50 words (word_tokenize tokens, as datatrove) or 3 sentences.")
    boolean sentences;

    @Option(names = "--threshold", paramLabel = "J", defaultValue = "0.8",
            description = "Jaccard similarity of near duplicates (default: ${DEFAULT-VALUE}; 112 permutations give 14 bands x 8 rows).")
    double threshold;

    @Option(names = "--ngram", paramLabel = "N", defaultValue = "5", description = "Word n-gram (shingle) size (default: ${DEFAULT-VALUE}).")
    int ngram;

    @Option(names = "--num-perm", paramLabel = "N", defaultValue = "112",
            description = "MinHash permutations (default: ${DEFAULT-VALUE}, or --bands x --rows when those are given).")
    int numPerm;

    @Option(names = "--bands", paramLabel = "B", description = "LSH bands (with --rows; default: chosen for --threshold).")
    Integer bands;

    @Option(names = "--rows", paramLabel = "R", description = "Rows per band (with --bands).")
    Integer rows;

    @Option(names = "--no-verify", description = "Do not check candidate pairs' exact Jaccard similarity (faster, less precise; "
            + "bands and rows then weigh false positives and negatives equally).")
    boolean noVerify;

    @Option(names = "--seed", defaultValue = "42", paramLabel = "SEED", description = "Seed of the MinHash permutations (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--keep-duplicates", description = "Keep every row, with columns cluster_id and duplicate_of (and reason).")
    boolean keepDuplicates;

    // a comma inside a glob's braces is the glob's, as in --input
    @Option(names = "--against", paramLabel = "PATH", split = ",(?![^{}]*\\})", splitSynopsisLabel = ",",
            description = "An earlier corpus (files, folders or globs, local or s3a://, read as --input is with the same "
                    + "--id-column and --text-column; format from the file names): new documents that duplicate one of its "
                    + "documents (exact: the same normalised text; --minhash: a verified near duplicate) are dropped as "
                    + "exact_dedup:duplicate_of_earlier or minhash_dedup:near_duplicate_of_earlier, duplicate_of naming the "
                    + "earlier document. Its own documents are never output; an unreadable row in it fails the run; rows a "
                    + "Kindling run rejected (its reason column) take no part. Not with --sentences.")
    List<String> against = new ArrayList<>();

    @Option(names = "--against-index", paramLabel = "DIR", split = ",(?![^{}]*\\})", splitSynopsisLabel = ",",
            description = "A saved index of an earlier corpus (--save-index), used as --against is with that corpus, without "
                    + "reading its texts again; with --against too. Refused, before Spark starts, unless made with this run's "
                    + "stages and their parameters (--ngram, --num-perm, --bands, --rows, --seed, the normalisation, the "
                    + "--exact-column).")
    List<String> againstIndex = new ArrayList<>();

    @Option(names = "--save-index", paramLabel = "DIR",
            description = "Also write an index of the documents the output keeps, for this run's stages, into a new folder "
                    + "DIR: a later run's --against-index DIR compares with them as --against OUTPUT would.")
    String saveIndex;

    @Option(names = "--index-only", description = "With --save-index: write the index of the --input corpus (one published "
            + "before, read as --against reads it) and nothing else; no --output.")
    boolean indexOnly;

    /** The local --against-index indexes, opened and checked before Spark starts (the others once it has). */
    private final java.util.Map<String, EarlierIndex> openedIndexes = new java.util.LinkedHashMap<>();

    @Override
    protected void validate() {
        if (!(threshold > 0 && threshold < 1)) {
            throw KindlingException.usage("--threshold must be strictly between 0 and 1, got " + threshold);
        }
        if (ngram < 1 || numPerm < 1) {
            throw KindlingException.usage("--ngram and --num-perm must be at least 1");
        }
        if (numPerm > dev.kindling.dedup.minhash.MinHashParams.MAX_PERMUTATIONS) {
            throw KindlingException.usage("--num-perm must be at most " + dev.kindling.dedup.minhash.MinHashParams.MAX_PERMUTATIONS
                    + " (the values of each document's signature; datatrove uses 112), got " + numPerm);
        }
        if ((bands == null) != (rows == null)) {
            throw KindlingException.usage("--bands and --rows go together");
        }
        if (bands != null && (bands < 1 || rows < 1)) {
            throw KindlingException.usage("--bands and --rows must be at least 1, got " + bands + " and " + rows);
        }
        if (bands != null && !spec.commandLine().getParseResult().hasMatchedOption("--num-perm")) {
            // as many permutations as the bands use: --bands 10 --rows 10 computed the default 112 and used 100, and
            // --bands 20 --rows 8 was refused for not fitting in 112 permutations the user never asked for
            numPerm = (int) Math.min(Integer.MAX_VALUE, (long) bands * rows);
            if (numPerm > dev.kindling.dedup.minhash.MinHashParams.MAX_PERMUTATIONS) {
                throw KindlingException.usage("--bands " + bands + " x --rows " + rows + " is " + (long) bands * rows
                        + " permutations, over the " + dev.kindling.dedup.minhash.MinHashParams.MAX_PERMUTATIONS + " a run takes");
            }
        }
        if (bands != null && (long) bands * rows > numPerm) {
            // the options as typed: MinHashParams' own check names its Java fields ("must fit in numPerm: ... numPerm=112")
            throw KindlingException.usage("--bands " + bands + " x --rows " + rows + " is " + (long) bands * rows
                    + " permutations, more than --num-perm " + numPerm + " (without --num-perm, bands x rows are used)");
        }
        for (String c : exactColumns) {
            if (c.isBlank()) {
                // an empty column name is the stage's "the text", which ran as --exact under the name of a column
                throw KindlingException.usage("--exact-column needs a column name, got '" + c + "' (--exact dedups the text)");
            }
        }
        boolean any = exact || minhash || sentences || !exactColumns.isEmpty();
        if (any && !minhash) {
            // --exact --threshold 0.5 ran exact dedup alone and dropped the near-dedup options in silence
            refuseUnless("--minhash (near dedup)", "add --minhash, or leave {} out",
                    "--threshold", "--ngram", "--num-perm", "--bands", "--rows", "--no-verify", "--seed");
        }
        try {
            minHashStage().minHashParams();
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(e.getMessage());
        }
        if (indexOnly) {
            checkIndexOnly();
        } else {
            job.checkInputAndOutput();
        }
        if (!against.isEmpty()) {
            checkAgainstEarly();
        }
        if (!againstIndex.isEmpty()) {
            checkAgainstIndexEarly();
        }
        if (saveIndex != null) {
            checkSaveIndexEarly();
        }
    }

    /**
     * {@code --index-only}: the index of the input, nothing else; the options of a dedup run that it would not read are
     * refused (rather than ignored) by name.
     */
    private void checkIndexOnly() {
        if (saveIndex == null) {
            throw KindlingException.usage("--index-only writes the index of --input: give the folder as --save-index DIR");
        }
        refuseOptionsNotReadBy("--index-only", Set.of("--index-only", "--save-index", "--input", "--input-format", "--id-column",
                "--text-column", "--exact", "--exact-column", "--minhash", "--threshold", "--ngram", "--num-perm", "--bands",
                "--rows", "--no-verify", "--seed", "--master", "--conf", "--verbose", "--no-progress", "--help", "--version"),
                "a dedup run, which writes an --output");
        job.readOptions();
    }

    /**
     * {@code --against-index} before Spark starts: each local index's manifest read and compared with this run's stages
     * (parameter by parameter); remote ones are checked once the session has the store's settings, before any job.
     */
    private void checkAgainstIndexEarly() {
        if (sentences) {
            throw KindlingException.usage("--against-index applies to --exact, --exact-column and --minhash; --sentences does "
                    + "not compare with an earlier corpus: run it in a command of its own");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String a : againstIndex) {
            if (a.isBlank()) {
                throw KindlingException.usage("--against-index needs a path, got '" + a + "'");
            }
            if (!seen.add(a)) {
                throw KindlingException.usage("--against-index " + a + " is given twice");
            }
            dev.kindling.spark.io.LocalPaths.requireHadoopPath("--against-index", a);
            if (dev.kindling.spark.io.LocalPaths.localOrNull(a) != null) {
                openedIndexes.put(a, openIndex(new org.apache.hadoop.conf.Configuration(), a));
            }
        }
    }

    private EarlierIndex openIndex(org.apache.hadoop.conf.Configuration conf, String path) {
        EarlierIndex index = EarlierIndex.open(conf, path, "--against-index");
        for (PipelineStage s : stages()) {
            index.requireMatches(s);
        }
        return index;
    }

    /** {@code --save-index} before Spark starts: a stage it can index, and a local folder that is new (or empty). */
    private void checkSaveIndexEarly() {
        if (stages().stream().noneMatch(s -> s instanceof ExactDedup || s instanceof MinHashDedup)) {
            throw KindlingException.usage("--save-index indexes for --exact, --exact-column and --minhash; --sentences has no index");
        }
        if (saveIndex.isBlank()) {
            throw KindlingException.usage("--save-index needs a path, got '" + saveIndex + "'");
        }
        dev.kindling.spark.io.LocalPaths.requireHadoopPath("--save-index", saveIndex);
        if (dev.kindling.spark.io.LocalPaths.localOrNull(saveIndex) != null) {
            EarlierIndex.requireNew(new org.apache.hadoop.conf.Configuration(), saveIndex, "--save-index");
        }
    }

    /**
     * {@code --against} before Spark starts: sentence dedup does not compare with an earlier corpus (refused rather than
     * deduplicating within the new one alone in silence), and each local path must exist and have a format its file
     * names tell (remote ones are checked once the session has the store's settings, before any job).
     */
    private void checkAgainstEarly() {
        if (sentences) {
            throw KindlingException.usage("--against applies to --exact, --exact-column and --minhash; --sentences does not "
                    + "compare with an earlier corpus: run it in a command of its own");
        }
        java.util.Set<String> seen = new java.util.HashSet<>();
        List<String> local = new ArrayList<>();
        for (String a : against) {
            if (!seen.add(a)) {
                throw KindlingException.usage("--against " + a + " is given twice");
            }
            if (job.input.contains(a)) {
                throw KindlingException.usage("--against " + a + " is also --input: every document would be a duplicate of itself");
            }
            java.nio.file.Path p = a.isBlank() ? null : dev.kindling.spark.io.LocalPaths.localOrNull(a);
            if (p != null || a.isBlank()) {
                local.add(a);
            }
        }
        if (!local.isEmpty()) {
            EarlierCorpus.check(new org.apache.hadoop.conf.Configuration(), local, "--against");
        }
    }

    /** Refuses an --against path that overlaps an input or an output: its documents would be read as both. */
    private void checkAgainstApart(JobRun run, List<String[]> outputs) {
        List<String[]> others = new ArrayList<>();
        job.input.forEach(i -> others.add(new String[] {"--input", i}));
        others.addAll(outputs);
        if (pipeline.rejected != null) {
            others.add(new String[] {"--rejected", pipeline.rejected});
        }
        List<String[]> earlier = new ArrayList<>();
        against.forEach(a -> earlier.add(new String[] {"--against", a}));
        againstIndex.forEach(a -> earlier.add(new String[] {"--against-index", a}));
        if (saveIndex != null) {
            earlier.add(new String[] {"--save-index", saveIndex});
            againstIndex.forEach(a -> others.add(new String[] {"--against-index", a}));
            against.forEach(a -> others.add(new String[] {"--against", a}));
        }
        for (String[] e : earlier) {
            String a = e[1];
            for (String[] o : others) {
                if (e[0].equals(o[0]) && a.equals(o[1])) {
                    continue;
                }
                if (dev.kindling.spark.io.DatasetWriter.overlap(run.spark(), a, o[1])) {
                    throw KindlingException.usage(e[0] + " " + a + " overlaps " + o[0] + " " + o[1] + " (the earlier corpus "
                            + "would be read with, or written into, it); give them apart");
                }
            }
        }
    }

    MinHashDedup minHashStage() {
        MinHashDedup m = new MinHashDedup().setThreshold(threshold).setNgram(ngram).setNumPerm(numPerm)
                .setVerify(!noVerify).setSeed(seed).setClusterColumns(keepDuplicates);
        if (bands != null) {
            m.setBands(bands).setRows(rows);
        }
        return m;
    }

    /** {@code --save-index} is an output too: with {@code --index-only} the run's only one, beside its summary on stdout. */
    @Override
    protected boolean writesAnOutput() {
        return saveIndex != null || super.writesAnOutput();
    }

    List<PipelineStage> stages() {
        return stages(null);
    }

    /** The stages, those that compare with {@code earlier} (when not null) set to. */
    List<PipelineStage> stages(EarlierCorpus earlier) {
        boolean any = exact || minhash || sentences || !exactColumns.isEmpty();
        List<PipelineStage> stages = new ArrayList<>();
        if (exact || !any) {
            stages.add(new ExactDedup().setClusterColumns(keepDuplicates).setAgainst(earlier));
        }
        for (String c : exactColumns) {
            stages.add(new ExactDedup().setColumn(c).setClusterColumns(keepDuplicates).setAgainst(earlier));
        }
        if (minhash || !any) {
            stages.add(minHashStage().setAgainst(earlier));
        }
        if (sentences) {
            stages.add(new SentenceDedupStage());
        }
        return stages;
    }

    @Override
    protected int run(JobRun run) {
        org.apache.hadoop.conf.Configuration conf = run.spark().sparkContext().hadoopConfiguration();
        if (saveIndex != null) {
            EarlierIndex.requireNew(conf, saveIndex, "--save-index");
            // a file where one of its folders would be, before any work: its first part's write found it after the run's
            dev.kindling.spark.io.DatasetWriter.checkParentWritable(run.spark(), saveIndex, "--save-index");
        }
        if (indexOnly) {
            checkAgainstApart(run, List.of());
            EarlierCorpus corpus = EarlierCorpus.read(run.spark(), job.input, job.idColumn, job.textColumn, "--input");
            writeIndex(run, corpus, String.join(",", job.input));
            return 0;
        }
        List<EarlierIndex> indexes = new ArrayList<>();
        for (String a : againstIndex) {
            indexes.add(openedIndexes.containsKey(a) ? openedIndexes.get(a) : openIndex(conf, a));
        }
        if (keepDuplicates) {
            pipeline.keepRejected = true;
        }
        WriteOptions out = run.checkOutput(pipeline);
        EarlierCorpus earlier = null;
        if (!against.isEmpty() || !againstIndex.isEmpty() || saveIndex != null) {
            checkAgainstApart(run, java.util.Collections.singletonList(new String[] {"--output", job.output}));
        }
        if (!against.isEmpty()) {
            // read before the input, so that a missing path or column is reported before any work on it
            earlier = EarlierCorpus.read(run.spark(), against, job.idColumn, job.textColumn, "--against");
        }
        List<PipelineStage> stages = stages(earlier);
        for (PipelineStage s : stages) {
            if (s instanceof ExactDedup x) {
                x.setAgainstIndexes(indexes);
            } else if (s instanceof MinHashDedup m) {
                m.setAgainstIndexes(indexes);
            }
        }
        for (PipelineStage s : stages) {
            if (s instanceof MinHashDedup m) {
                MinHashParams p = m.minHashParams();
                run.out().println(String.format(Locale.ROOT, "minhash: %d permutations as %d bands x %d rows, %d-grams, "
                        + "threshold %.2f, %s", p.numPerm(), p.bands(), p.rows(), p.ngram(), m.getThreshold(),
                        m.getVerify() ? "candidates verified by exact Jaccard" : "no verification"));
            }
        }
        Dataset<Row> docs = run.readInput();
        for (String c : exactColumns) {
            Columns.require(docs.schema(), c, "dedup", "--exact-column");
            if (earlier != null) {
                earlier.requiring(c, earlier.label() + " (--exact-column)"); // refused before any work; the stage adds it
            }
        }
        Set<String> rejectedOnly = !keepDuplicates && pipeline.rejected != null
                ? ClusterColumns.forRejectedOnly(stages, docs.schema()) : Set.of();
        // with --save-index, --stats waits for the index: written before it, a run whose index then failed (exit 1) left
        // them for a scheduler to read as a finished run's
        String stats = pipeline.stats;
        if (saveIndex != null) {
            pipeline.stats = null;
        }
        dev.kindling.spark.stage.RunReport report = run.runPipeline(docs, stages, out, pipeline, rejectedOnly);
        if (saveIndex != null) {
            // the output as written, read back as a later --against would read it: the index stands for exactly that
            EarlierCorpus kept = EarlierCorpus.read(run.spark(), List.of(out.path()), job.idColumn, job.textColumn, "--save-index: --output");
            writeIndex(run, kept, out.path());
            if (stats != null) {
                run.writeStats(stats, report.toJson());
            }
        }
        return 0;
    }

    /**
     * Writes the index into {@code --save-index}, new or empty ({@link EarlierIndex#requireNew}): removed if the run fails
     * or is interrupted before it is whole, as an unfinished output is, where its parts stayed without a manifest and the
     * retry of the same command was refused as the folder was not empty.
     */
    private void writeIndex(JobRun run, EarlierCorpus corpus, String source) {
        run.claimReplaced(saveIndex);
        java.util.Map<String, Long> parts = EarlierIndex.write(run.spark(), corpus, stages(), saveIndex, source);
        run.outputsWritten();
        List<String> said = new ArrayList<>();
        parts.forEach((stage, n) -> said.add(stage + " " + n + " documents"));
        run.out().println("index: " + saveIndex + " (" + String.join(", ", said) + ")");
    }
}
