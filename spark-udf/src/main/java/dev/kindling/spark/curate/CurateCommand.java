package dev.kindling.spark.curate;

import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.dedup.ClusterColumns;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.io.SideFile;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineStage;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code kindling curate --config pipeline.yaml}: the stages of a config file, in its order. */
@Command(name = "curate", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Run the curation stages listed in a JSON or YAML config, in its order.",
                "For example:",
                "  stages:",
                "    - exact_dedup: {}",
                "    - gopher: {}",
                "    - minhash_dedup: {threshold: 0.8}",
                "    - pii: {kinds: [email, phone]}",
                "Stage types: exact_dedup, minhash_dedup, sentence_dedup, gopher, gopher_quality, gopher_repetition, c4, "
                        + "fineweb, pii, decontaminate (see the README for their options)."})
public final class CurateCommand extends SparkCommand {
    @Mixin
    PipelineOptions pipeline;

    @Option(names = "--config", required = true, paramLabel = "FILE",
            description = "Pipeline config (.json, .yaml or .yml), local or s3a://, hdfs://...")
    String config;

    @Option(names = "--keep-duplicates", description = "Keep every row, with cluster_id and duplicate_of from the dedup stages.")
    boolean keepDuplicates;

    private List<PipelineStage> stages;

    @Override
    protected void validate() {
        // a local config is checked before Spark starts; a remote one needs the job's Hadoop settings, so the session
        if (!SideFile.remote(config)) {
            stages = StageConfig.read(config, null, keepDuplicates);
            requireDedupStageForKeepDuplicates();
        }
        job.checkInputAndOutput();
    }

    /**
     * Refuses --keep-duplicates where the config has no dedup stage: it ran as --keep-rejected, the filters' rejected
     * rows in the output and no cluster_id or duplicate_of, as the option the user meant was not the one given (filter and
     * dedup refuse their options that apply to a stage not run).
     */
    private void requireDedupStageForKeepDuplicates() {
        boolean dedup = stages.stream().map(s -> s instanceof RepeatedStage r ? r.inner() : s)
                .anyMatch(s -> s instanceof dev.kindling.spark.dedup.ExactDedup || s instanceof dev.kindling.spark.dedup.MinHashDedup
                        || s instanceof dev.kindling.spark.dedup.SentenceDedupStage);
        if (keepDuplicates && !dedup) {
            throw dev.kindling.spark.KindlingException.usage("--keep-duplicates applies with a dedup stage (exact_dedup, "
                    + "minhash_dedup, sentence_dedup), and --config " + config + " has none; to keep the rows its stages "
                    + "reject, with their reason, give --keep-rejected");
        }
    }

    /**
     * The benchmark files of the config's decontaminate stages: --overwrite deleted one that an output named (--stats on
     * it), and a folder one was written over with the rejected rows (-o or --rejected on it), as filter refuses for its
     * --decontaminate.
     */
    @Override
    protected List<String[]> filesReadBesideOptions() {
        List<String[]> read = new java.util.ArrayList<>();
        for (PipelineStage s : stages == null ? List.<PipelineStage>of() : stages) {
            PipelineStage inner = s instanceof RepeatedStage r ? r.inner() : s;
            if (inner instanceof Decontamination d) {
                read.add(new String[] {"--config " + config + "'s " + s.name() + " benchmark", d.getBenchmark()});
            }
            String[] against = inner instanceof dev.kindling.spark.dedup.ExactDedup e ? e.getAgainstPaths()
                    : inner instanceof dev.kindling.spark.dedup.MinHashDedup m ? m.getAgainstPaths() : new String[0];
            for (String a : against) {
                read.add(new String[] {"--config " + config + "'s " + s.name() + " against", a});
            }
            String[] indexes = inner instanceof dev.kindling.spark.dedup.ExactDedup e ? e.getAgainstIndexPaths()
                    : inner instanceof dev.kindling.spark.dedup.MinHashDedup m ? m.getAgainstIndexPaths() : new String[0];
            for (String a : indexes) {
                read.add(new String[] {"--config " + config + "'s " + s.name() + " against_index", a});
            }
        }
        return read;
    }

    /**
     * Refuses a stage's earlier corpus ('against') that overlaps --input, as dedup --against does: every new document was
     * a duplicate of itself, and the run dropped them all (exact_dedup:duplicate_of_earlier, each naming itself).
     */
    private void requireAgainstApartFromInput(JobRun run) {
        for (PipelineStage s : stages) {
            PipelineStage inner = s instanceof RepeatedStage r ? r.inner() : s;
            String[] against = inner instanceof dev.kindling.spark.dedup.ExactDedup e ? e.getAgainstPaths()
                    : inner instanceof dev.kindling.spark.dedup.MinHashDedup m ? m.getAgainstPaths() : new String[0];
            for (String a : against) {
                for (String i : job.input) {
                    if (dev.kindling.spark.io.DatasetWriter.overlap(run.spark(), a, i)) {
                        throw dev.kindling.spark.KindlingException.usage("--config " + config + "'s " + s.name() + " against " + a
                                + " overlaps --input " + i + ": every document would be a duplicate of itself; give them apart");
                    }
                }
            }
        }
    }

    @Override
    protected int run(JobRun run) {
        if (stages == null) {
            stages = StageConfig.read(config, run.spark().sparkContext().hadoopConfiguration(), keepDuplicates);
            requireDedupStageForKeepDuplicates();
            requireOutputsApartFromReadFiles(); // a remote config's benchmarks, now known, before any output is touched
        }
        if (keepDuplicates) {
            pipeline.keepRejected = true;
        }
        requireAgainstApartFromInput(run);
        WriteOptions out = run.checkOutput(pipeline);
        Dataset<Row> docs = run.readInput();
        Set<String> rejectedOnly = !keepDuplicates && pipeline.rejected != null
                ? ClusterColumns.forRejectedOnly(stages, docs.schema()) : Set.of();
        run.runPipeline(docs, stages, out, pipeline, rejectedOnly);
        return 0;
    }
}
