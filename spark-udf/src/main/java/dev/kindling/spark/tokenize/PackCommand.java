package dev.kindling.spark.tokenize;

import static org.apache.spark.sql.functions.col;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.inference.HadoopConf;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.DatasetWriter;
import dev.kindling.spark.io.LocalPaths;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pack.SequencePacker;
import dev.kindling.tokenizer.pack.TokenShardWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.TreeMap;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code kindling pack}: pre-training sequences. Each document is tokenized, followed by EOS, and
 * the stream is cut into sequences of exactly {@code --seq-len} tokens ({@link SequencePacker}),
 * per Spark partition in input order (a partition's last partial sequence is dropped, or padded
 * with {@code --pad}). Output: Parquet/JSONL rows {@code {input_ids: array<int>}}, or with
 * {@code --format megatron} one Megatron-LM indexed shard per partition that fills a sequence
 * ({@code shard-NNNNN.bin/.idx}, uint16 or int32 by vocabulary size; layout in
 * {@link TokenShardWriter}) in a local output directory, each written by its task attempt under {@code _temporary} and
 * moved into its name once Spark has taken that attempt's result ({@link ShardPartition#commit}).
 */
@Command(name = "pack", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tokenize documents and pack them with EOS into fixed-length sequences for pre-training.",
                "--format parquet|jsonl writes rows {input_ids} (default: Parquet, or JSON Lines for an output named *.jsonl); "
                        + "--format megatron writes Megatron-LM .bin/.idx token shards."})
public final class PackCommand extends SparkCommand {
    /** The {@code --format} of Megatron-LM shards; the other formats pack writes are {@link #ROW_FORMATS}. */
    static final String MEGATRON = "megatron";
    /** The formats of rows of {@code input_ids} pack writes. */
    static final List<DataFormat> ROW_FORMATS = List.of(DataFormat.PARQUET, DataFormat.JSONL);

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "The tokenizer file.")
    String tokenizer;

    @Option(names = "--seq-len", paramLabel = "N", description = "Tokens per sequence (at most 16777216); not with --documents.")
    Integer seqLen;

    @Option(names = "--documents", description = "With --format megatron: one sequence per document (its ids, then EOS), uncut, "
            + "as Megatron's preprocess_data.py writes them, for its GPTDataset to pack into --seq-length samples itself.")
    boolean wholeDocuments;
    static final int MAX_SEQ_LEN = 1 << 24;

    @Option(names = "--pad", description = "Pad each partition's last partial sequence (with --pad-id) instead of dropping it.")
    boolean pad;

    @Option(names = "--pad-id", paramLabel = "ID", description = "Padding id (default: the EOS id).")
    Integer padId;

    @Option(names = "--eos-id", paramLabel = "ID", description = "Separator after each document (default: the tokenizer's EOS).")
    Integer eosId;

    @Option(names = "--add-special-tokens", description = "Tokenize with BOS/template tokens too.")
    boolean addSpecialTokens;

    @Option(names = "--split-special-tokens", description = "Read text that spells a special token as text (a page quoting "
            + "<|endoftext|> then holds no document boundary), as Hugging Face's split_special_tokens=True and tiktoken's "
            + "encode_ordinary do (default: as that token, as tokenizer(text) does).")
    boolean splitSpecialTokens;

    @Option(names = "--rejected", paramLabel = "PATH", description = "Write the documents not packed (empty or null text; "
            + "unreadable rows under --on-error skip or quarantine), with their reason, to PATH as JSON Lines.")
    String rejected;

    @Option(names = "--stats", paramLabel = "FILE.json", description = dev.kindling.spark.cli.PipelineOptions.STATS_HELP)
    String stats;

    @Override
    protected String formatHelp() {
        return "Output format: parquet or jsonl (rows {input_ids}; default: parquet, or jsonl when the output name ends in "
                + ".jsonl), or megatron (.bin/.idx shards in a local directory).";
    }

    @Override
    protected void validate() {
        checkOptions();
        // last: a mistake in the options is said first, also where the tokenizer is a placeholder name
        ExecutorTokenizers.checkBareName("--tokenizer", tokenizer, job.conf);
    }

    private void checkOptions() {
        if (job.output == null) {
            throw KindlingException.usage("pack needs --output");
        }
        job.readOptions(); // --input, --input-format and --on-error (its output options are checked below)
        ExecutorTokenizers.checkLocal("--tokenizer", tokenizer);
        // the output's format and place, before Spark starts: a megatron output on s3a:// was refused only after the
        // whole input had been read
        if (megatron()) {
            if (LocalPaths.local(job.output) == null) {
                throw KindlingException.usage("--format megatron writes to a local directory; " + job.output + " is not local");
            }
            if (job.compression != null) {
                throw KindlingException.usage("--compression does not apply to --format megatron (its .bin/.idx shards are read in place)");
            }
        } else {
            rowFormat(); // refuses the formats pack does not write, naming those it does
        }
        if (padId != null && !pad) {
            // the id pads only the last partial sequences that --pad keeps; without it they are dropped and it did nothing
            throw KindlingException.usage("--pad-id applies with --pad");
        }
        if (wholeDocuments) {
            if (!megatron()) {
                throw KindlingException.usage("--documents writes Megatron shards; pass --format megatron");
            }
            if (seqLen != null || pad) {
                throw KindlingException.usage("--documents writes each document whole: --seq-len and --pad do not apply");
            }
            return;
        }
        if (seqLen == null) {
            throw KindlingException.usage("pack needs --seq-len (or --documents with --format megatron)");
        }
        if (seqLen <= 0 || seqLen > MAX_SEQ_LEN) {
            // a sequence is one int[] per task: 2^31-1 ran out of memory, 10^9 allocated 4 GB to pack nothing
            throw KindlingException.usage("--seq-len must be between 1 and " + MAX_SEQ_LEN + ", got " + seqLen);
        }
    }

    @Override
    protected int run(JobRun run) throws IOException {
        HadoopConf hadoop = HadoopConf.forPath(run.spark(), tokenizer);
        Tokenizer tok = ExecutorTokenizers.get(tokenizer, hadoop);
        requireInVocabulary("--eos-id", eosId, tok);
        requireInVocabulary("--pad-id", padId, tok);
        int eos = eosId != null ? eosId : tok.eosId();
        if (eos < 0) {
            throw KindlingException.usage("tokenizer " + tokenizer + " has no EOS token; give --eos-id");
        }
        int padValue = padId != null ? padId : eos;
        boolean megatron = megatron();
        DatasetWriter.checkNotOverlapping(run.spark(), job.output, job.input);
        Path megatronDir = megatron ? LocalPaths.local(job.output) : null;
        WriteOptions rowsOut = megatron ? null : new WriteOptions(job.output, rowFormat(), job.overwrite, job.compression);
        if (megatron) {
            // the folder is deleted whole before the shards are written: only an earlier run's shards may be in it
            org.apache.hadoop.fs.FileSystem local = org.apache.hadoop.fs.FileSystem.getLocal(run.spark().sparkContext().hadoopConfiguration());
            DatasetWriter.checkOutputPlace(local, new org.apache.hadoop.fs.Path(megatronDir.toAbsolutePath().toUri()), job.output,
                    job.overwrite, name -> name.matches("shard-\\d{5,}\\.(bin|idx)"));
        } else {
            DatasetWriter.checkWritable(run.spark(), rowsOut);
        }
        // --on-error quarantine writes the unreadable rows aside, as the pipeline commands do (pack counted them and
        // wrote them nowhere)
        String quarantine = job.quarantinePath(job.output);
        // before any output is claimed: a run refused here has nothing of its own to remove
        if (stats != null) {
            List<String> targets = new ArrayList<>(List.of(megatron ? megatronDir.toString() : job.output));
            List<String> names = new ArrayList<>(List.of("--output"));
            for (String[] other : new String[][] {{"the quarantine", quarantine}, {"--rejected", rejected}}) {
                if (other[1] != null) {
                    targets.add(other[1]);
                    names.add(other[0]);
                }
            }
            run.checkStats(stats, targets, names, job.overwrite);
        }
        if (quarantine != null) {
            DatasetWriter.checkNotOverlapping(run.spark(), quarantine, job.input);
            if (DatasetWriter.overlap(run.spark(), quarantine, job.output)) {
                throw KindlingException.usage("--quarantine " + quarantine + " overlaps --output " + job.output + "; write them apart");
            }
            DatasetWriter.checkWritable(run.spark(), new WriteOptions(quarantine, DataFormat.JSONL, job.overwrite, null));
            run.claimOutput(quarantine);
        }
        // the documents that fill no sequence, as the pipeline commands' --rejected writes theirs: counted, they were
        // written nowhere, so a user could not tell which documents the sequences lack
        WriteOptions rejectedTo = rejected == null ? null : new WriteOptions(rejected, DataFormat.JSONL, job.overwrite, null);
        if (rejectedTo != null) {
            DatasetWriter.checkNotOverlapping(run.spark(), rejected, job.input);
            for (String[] other : new String[][] {{"--output", job.output}, {"the quarantine", quarantine}}) {
                if (other[1] != null && DatasetWriter.overlap(run.spark(), rejected, other[1])) {
                    throw KindlingException.usage("--rejected " + rejected + " overlaps " + other[0] + " " + other[1] + "; write them apart");
                }
            }
            DatasetWriter.checkWritable(run.spark(), rejectedTo);
            run.claimOutput(rejected);
        }
        run.claimOutput(megatron ? megatronDir.toString() : job.output);
        if (stats != null) {
            run.replaceStats(stats, job.overwrite);
        }
        // kept after its first read, as PipelineOutput keeps the pipeline commands' rows: the counts, the packing, the
        // quarantine and --rejected each read and parsed the whole input again
        Dataset<Row> docs = run.readInput().persist(StorageLevel.MEMORY_AND_DISK());
        try {
            // the documents by reason (null: readable) in one pass, which fills the cache the packing and the other
            // outputs then read
            Map<String, Long> byReason = new TreeMap<>();
            long unreadable = 0;
            long readable = 0;
            for (Row r : docs.groupBy(col(Columns.REASON)).count().collectAsList()) {
                if (r.isNullAt(0)) {
                    readable += r.getLong(1);
                } else {
                    byReason.merge(r.getString(0), r.getLong(1), Long::sum);
                    unreadable += r.getLong(1);
                }
            }
            Dataset<Row> kept = docs.filter(col(Columns.REASON).isNull()).select(Columns.named(job.textColumn));
            long documents = 0;
            long sequences = 0;
            long tokens = 0;
            long dropped = 0;
            long withoutTokens = 0;
            long padding = 0;
            if (megatron) {
                // from here the folder holds this run's shards alone: a failed or interrupted run removes them, as it
                // removes a new output (half a set of shards, the last one empty, looked like a finished output)
                run.replaceFolder(megatronDir);
                ShardPartition f = new ShardPartition(tokenizer, hadoop, addSpecialTokens, splitSpecialTokens, wholeDocuments ? 0 : seqLen, eos, pad, padValue,
                        megatronDir.toAbsolutePath().toString(), TokenShardWriter.DType.forVocab(tok.vocabSize()).name());
                // whole documents are cut nowhere: their partitions stay as they are
                org.apache.spark.api.java.JavaRDD<Row> in = wholeDocuments ? kept.javaRDD() : PackingRuns.of(kept, seqLen);
                List<Row> results = in.mapPartitions(f::call).collect();
                ShardPartition.commit(megatronDir, results);
                for (Row r : results) {
                    documents += r.getLong(0);
                    sequences += r.getLong(1);
                    tokens += r.getLong(2);
                    dropped += r.getLong(3);
                    withoutTokens += r.getLong(4);
                    padding += r.getLong(5);
                }
            } else {
                WriteOptions out = rowsOut;
                DataFormat format = out.format();
                StructType rows = new StructType().add("input_ids", DataTypes.createArrayType(DataTypes.IntegerType, false), false);
                org.apache.spark.util.LongAccumulator allTokens = run.spark().sparkContext().longAccumulator("kindling pack tokens");
                org.apache.spark.util.LongAccumulator droppedTokens = run.spark().sparkContext().longAccumulator("kindling pack dropped");
                org.apache.spark.util.LongAccumulator noTokens = run.spark().sparkContext().longAccumulator("kindling pack without tokens");
                org.apache.spark.util.LongAccumulator paddingTokens = run.spark().sparkContext().longAccumulator("kindling pack padding");
                PackPartition f = new PackPartition(tokenizer, hadoop, addSpecialTokens, splitSpecialTokens, seqLen, eos, pad, padValue,
                        allTokens, droppedTokens, noTokens, paddingTokens);
                Dataset<Row> packed = run.spark().createDataFrame(PackingRuns.of(kept, seqLen).mapPartitions(f::call), rows);
                DatasetWriter.write(packed, out);
                Dataset<Row> written = run.spark().read().format(format == DataFormat.JSONL ? "json" : "parquet").load(job.output);
                sequences = written.count();
                documents = readable;
                // counted as the write's tasks run, in its result stage (the runs are joined without a shuffle): Spark adds a
                // task's counts once, from its attempt that succeeded, so a killed or failed attempt adds nothing
                tokens = allTokens.value();
                dropped = droppedTokens.value();
                withoutTokens = noTokens.value();
                padding = paddingTokens.value();
            }
            if (sequences == 0 && !megatron) {
                // the rows output was written (with its _SUCCESS) before its emptiness could be told: it is this run's
                // and goes with the failure, or --overwrite left an empty output marked complete in place of the earlier one
                run.claimReplaced(job.output);
            }
            if (sequences == 0 && tokens == 0) {
                // every document unreadable, empty or tokenized to nothing: an empty output would look like success, as
                // one whose tokens fill no sequence would (below)
                throw new KindlingException(KindlingException.FAILURE, "pack: no token to pack: " + (unreadable + readable)
                        + " documents read, " + unreadable + " unreadable or empty, " + withoutTokens + " without a token"
                        + (rejectedTo == null && quarantine == null ? " (see them with --rejected DIR)" : ""));
            }
            if (sequences == 0 && tokens > 0) {
                // an empty output would look like success: every partition's tokens fell short of one sequence
                throw new KindlingException(KindlingException.FAILURE, "pack: " + tokens + " tokens of " + documents + " documents filled no "
                        + "sequence of " + seqLen + " tokens (a partition's last, shorter sequence is dropped); lower --seq-len or pass --pad");
            }
            if (quarantine != null) {
                dev.kindling.spark.stage.PipelineOutput.writeQuarantine(docs, quarantine, job.overwrite, job.idColumn, job.textColumn);
            }
            if (rejectedTo != null) {
                // the documents without a token, found again only when there were some (they fill nothing, and were
                // written nowhere and counted as packed)
                Dataset<Row> rejectedRows = withoutTokens == 0 ? docs : docs.withColumn(Columns.REASON,
                        functions.when(col(Columns.REASON).isNull().and(functions.udf(new WithoutTokens(tokenizer, hadoop, addSpecialTokens, splitSpecialTokens),
                                DataTypes.BooleanType).apply(Columns.named(job.textColumn))), functions.lit(NO_TOKENS))
                                .otherwise(col(Columns.REASON)));
                dev.kindling.spark.stage.PipelineOutput.writeRejected(rejectedRows, rejectedTo, List.of(), job.idColumn, job.textColumn);
            }
            // no _SUCCESS beside the shards: Megatron's tools/merge_datasets.py takes every file of the folder for a shard
            // and asserts its .bin/.idx pair. A failed or interrupted run removes its shards (claimReplaced above)
            run.outputsWritten();
            // every document read, then those packed and those not: "N documents (1 unreadable ...)" read as if the
            // unreadable one were among the N packed
            // thousands separated, as the other commands' summaries are
            Locale en = Locale.ROOT;
            String skipped = withoutTokens == 0 ? "" : String.format(en, ", %,d without a token (%s)", withoutTokens, NO_TOKENS);
            String counted = String.format(en, "%,d documents read, %,d packed (not packed: %,d unreadable or empty%s)",
                    unreadable + documents, documents - withoutTokens, unreadable, skipped);
            String seqs = String.format(en, "%,d %s", sequences, sequences == 1 ? "sequence" : "sequences");
            // the separator named: the tokenizer's EOS is tokenizer_config.json's eos_token, which for a chat checkpoint
            // is its turn end (Qwen3's <|im_end|>, Gemma 3's <end_of_turn>), and nothing said so before the shards were
            // used for pre-training
            String separator = String.format(en, "; after each document: %s (id %d, %s)", visible(tok.tokenText(eos)), eos,
                    eosId != null ? "--eos-id" : "the tokenizer's EOS; --eos-id to choose another");
            if (wholeDocuments) {
                run.out().printf(en, "pack: %s -> %s, one a document (%,d tokens)%s%n", counted, seqs, tokens, separator);
            } else {
                // with --pad the sequences hold more than the documents' tokens: "13 sequences of 8 tokens (97 tokens, 0
                // dropped)" did not say what the other 7 were
                run.out().printf(en, "pack: %s -> %s of %d %s (%,d tokens, %,d %s at partition ends)%s%n", counted, seqs, seqLen,
                        seqLen == 1 ? "token" : "tokens", tokens, pad ? padding : dropped, pad ? "padding" : "dropped", separator);
            }
            run.out().println("output: " + job.output + (quarantine != null ? " (bad rows: " + quarantine + ")" : "")
                    + (rejected != null ? " (not packed: " + rejected + ")" : ""));
            if (stats != null) {
                byReason.put(dev.kindling.spark.stage.ReasonCounts.KEPT, documents - withoutTokens);
                if (withoutTokens > 0) {
                    byReason.put(NO_TOKENS, withoutTokens);
                }
                // the summary's numbers: what the documents' tokens (with their EOS) became, so that document tokens -
                // dropped tokens + padding tokens = sequence tokens
                Map<String, Long> metrics = new LinkedHashMap<>();
                metrics.put("document tokens", tokens);
                metrics.put("sequences", sequences);
                metrics.put("sequence tokens", wholeDocuments ? tokens : sequences * seqLen);
                metrics.put("dropped tokens", dropped);
                metrics.put("padding tokens", padding);
                dev.kindling.spark.stage.RunReport report = dev.kindling.spark.stage.RunReport.of(List.of("read", "pack"), byReason,
                        metrics, (System.nanoTime() - run.startNanos()) / 1e9);
                Map<String, Object> json = report.toJsonMap();
                Map<String, Object> after = new LinkedHashMap<>();
                after.put("token", tok.tokenText(eos));
                after.put("id", eos);
                after.put("from", eosId != null ? "--eos-id" : "tokenizer");
                json.put("separator", after);
                run.writeStats(stats, dev.kindling.spark.stage.RunReport.json(json));
            }
            return 0;
        } finally {
            docs.unpersist(false);
        }
    }

    /**
     * A token's text for the one-line summary, its control characters escaped: llama2.c's tokenizer.bin spells its EOS
     * "\n</s>\n", which broke the line in three.
     */
    static String visible(String text) {
        StringBuilder b = new StringBuilder();
        text.codePoints().forEach(c -> {
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c)) {
                        b.append(String.format(Locale.ROOT, "\\u%04X", c));
                    } else {
                        b.appendCodePoint(c);
                    }
                }
            }
        });
        return b.toString();
    }

    private boolean megatron() {
        return MEGATRON.equalsIgnoreCase(job.format);
    }

    /**
     * The rows' format: Parquet unless {@code --format} or the output's name says JSON Lines. A {@code --format} that
     * names none of {@link #ROW_FORMATS} is refused with every format pack writes, {@link #MEGATRON} included.
     */
    private DataFormat rowFormat() {
        if (job.format == null) {
            return DataFormat.fromName(job.output) == DataFormat.JSONL ? DataFormat.JSONL : DataFormat.PARQUET;
        }
        DataFormat f = DataFormat.named(job.format);
        if (f == null || !ROW_FORMATS.contains(f)) {
            List<String> names = new ArrayList<>();
            for (DataFormat r : ROW_FORMATS) {
                names.add(r.name().toLowerCase(Locale.ROOT));
            }
            throw KindlingException.usage("pack writes " + String.join(", ", names) + " or " + MEGATRON + ", not " + job.format);
        }
        return f;
    }

    private void requireInVocabulary(String option, Integer id, Tokenizer tok) {
        if (id != null && (id < 0 || id >= tok.vocabSize())) {
            throw KindlingException.usage(option + " " + id + " is outside the vocabulary of " + tokenizer + " (0.." + (tok.vocabSize() - 1) + ")");
        }
        if (id != null && tok.tokenText(id) == null) {
            // a gap in the vocabulary (cl100k_base's 100256): no token, so none to separate or pad with
            throw KindlingException.usage(option + " " + id + " is no token of " + tokenizer + " (a gap in its vocabulary)");
        }
    }

    /** What packing a partition takes, for rows or for Megatron shards: the tokenizer, how it reads, and the sequences. */
    abstract static class Packing implements java.io.Serializable {
        private static final long serialVersionUID = 1L;
        final String tokenizer;
        final HadoopConf hadoop;
        final boolean special;
        final boolean split;
        final int seqLen;
        final int eos;
        final boolean pad;
        final int padId;

        Packing(String tokenizer, HadoopConf hadoop, boolean special, boolean split, int seqLen, int eos, boolean pad, int padId) {
            this.tokenizer = tokenizer;
            this.hadoop = hadoop;
            this.special = special;
            this.split = split;
            this.seqLen = seqLen;
            this.eos = eos;
            this.pad = pad;
            this.padId = padId;
        }

        /** A document's ids (its text is the row's first field), as the options read it. */
        final int[] ids(Tokenizer tok, Row row) {
            return tok.encode(row.getString(0), special, !split);
        }
    }

    /** Packs one partition's documents into rows of {@code input_ids}. */
    static final class PackPartition extends Packing implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;

        private final org.apache.spark.util.LongAccumulator tokens;
        private final org.apache.spark.util.LongAccumulator dropped;
        private final org.apache.spark.util.LongAccumulator withoutTokens;
        private final org.apache.spark.util.LongAccumulator padding;

        /**
         * {@code tokens}, {@code dropped}, {@code withoutTokens} and {@code padding} count as {@link SequencePacker#tokens()},
         * {@link SequencePacker#droppedTokens()}, {@link SequencePacker#documentsWithoutTokens()} and
         * {@link SequencePacker#paddingTokens()}.
         */
        PackPartition(String tokenizer, HadoopConf hadoop, boolean special, boolean split, int seqLen, int eos, boolean pad, int padId,
                org.apache.spark.util.LongAccumulator tokens, org.apache.spark.util.LongAccumulator dropped,
                org.apache.spark.util.LongAccumulator withoutTokens, org.apache.spark.util.LongAccumulator padding) {
            super(tokenizer, hadoop, special, split, seqLen, eos, pad, padId);
            this.tokens = tokens;
            this.dropped = dropped;
            this.withoutTokens = withoutTokens;
            this.padding = padding;
        }

        /**
         * The partition's sequences, made as they are asked for: a document is read and packed only when the sequences
         * of those before it are taken, so a task holds one document's sequences at most, where it held its partition's
         * (4 bytes a token, a 128 MB partition of byte-level tokens 512 MB of ids, before the write saw a row). The
         * counts are added once the last document is packed.
         */
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Tokenizer tok = ExecutorTokenizers.get(tokenizer, hadoop);
            ArrayDeque<Row> ready = new ArrayDeque<>();
            SequencePacker p = new SequencePacker(seqLen, eos, seq -> ready.add(RowFactory.create((Object) seq)));
            return new Iterator<>() {
                private boolean finished;

                @Override
                public boolean hasNext() {
                    while (ready.isEmpty() && !finished) {
                        if (rows.hasNext()) {
                            p.add(ids(tok, rows.next()));
                        } else {
                            p.finish(pad, padId);
                            tokens.add(p.tokens());
                            dropped.add(p.droppedTokens());
                            withoutTokens.add(p.documentsWithoutTokens());
                            padding.add(p.paddingTokens());
                            finished = true;
                        }
                    }
                    return !ready.isEmpty();
                }

                @Override
                public Row next() {
                    if (!hasNext()) {
                        throw new NoSuchElementException();
                    }
                    return ready.poll();
                }
            };
        }
    }

    /** The reason of a document whose text tokenizes to no id (zero-width spaces, control characters with a BERT vocabulary). */
    static final String NO_TOKENS = "pack:no_tokens";

    /** Whether a text tokenizes to no id, to name those documents in --rejected. */
    static final class WithoutTokens implements org.apache.spark.sql.api.java.UDF1<String, Boolean> {
        private static final long serialVersionUID = 1L;
        private final String tokenizer;
        private final HadoopConf hadoop;
        private final boolean special;
        private final boolean split;

        WithoutTokens(String tokenizer, HadoopConf hadoop, boolean special, boolean split) {
            this.tokenizer = tokenizer;
            this.hadoop = hadoop;
            this.special = special;
            this.split = split;
        }

        @Override
        public Boolean call(String text) {
            return text != null && ExecutorTokenizers.get(tokenizer, hadoop).encode(text, special, !split).length == 0;
        }
    }

    /**
     * Writes one partition's sequences as a Megatron shard; returns its counts. {@code seqLen} 0: each document is one
     * sequence (its ids, then EOS; none for a document without ids).
     */
    static final class ShardPartition extends Packing implements MapPartitionsFunction<Row, Row> {
        private static final long serialVersionUID = 1L;
        private final String dir;
        private final String dtype;
        /** Opens the shards' files; null: the disk (tests give a stream that fails; not sent to the executors). */
        private final transient TokenShardWriter.Sink sink;

        ShardPartition(String tokenizer, HadoopConf hadoop, boolean special, boolean split, int seqLen, int eos, boolean pad, int padId, String dir,
                String dtype) {
            this(tokenizer, hadoop, special, split, seqLen, eos, pad, padId, dir, dtype, null);
        }

        ShardPartition(String tokenizer, HadoopConf hadoop, boolean special, boolean split, int seqLen, int eos, boolean pad, int padId, String dir,
                String dtype, TokenShardWriter.Sink sink) {
            super(tokenizer, hadoop, special, split, seqLen, eos, pad, padId);
            this.dir = dir;
            this.dtype = dtype;
            this.sink = sink;
        }

        /**
         * The partition's counts, its number and the name of the shard its attempt wrote under {@link #ATTEMPTS} (null:
         * its tokens filled no sequence), which {@link #commit} moves into the shard's name once Spark has taken this
         * attempt's result: two attempts of one partition (a retry beside a zombie attempt, a speculative copy) wrote the
         * same shard-NNNNN.bin/.idx, so that two at once could interleave, or leave one's .bin with the other's .idx.
         */
        @Override
        public Iterator<Row> call(Iterator<Row> rows) {
            Tokenizer tok = ExecutorTokenizers.get(tokenizer, hadoop);
            TaskContext task = TaskContext.get();
            int partition = task == null ? 0 : task.partitionId();
            Path prefix = Path.of(dir, shardName(partition));
            String attemptName = shardName(partition) + ".attempt-" + (task == null ? 0 : task.taskAttemptId());
            Path attempt = Path.of(dir, ATTEMPTS, attemptName);
            Row counts;
            TokenShardWriter.DType type = TokenShardWriter.DType.valueOf(dtype);
            try (TokenShardWriter w = sink == null ? new TokenShardWriter(attempt, type) : new TokenShardWriter(attempt, type, sink)) {
                counts = seqLen > 0 ? packed(tok, rows, w) : wholeDocuments(tok, rows, w);
                if (counts.getLong(1) == 0) {
                    // a partition whose tokens fill no sequence leaves no shard: Megatron memory-maps every .bin it is
                    // given, and NumPy cannot map an empty file, so one empty shard among the rest stopped training
                    w.close();
                    Files.delete(w.binPath());
                    Files.delete(w.idxPath());
                    attemptName = null;
                }
            } catch (IOException e) {
                throw cannotWrite(prefix, attempt, e);
            } catch (UncheckedIOException e) { // from the packer's callback
                throw cannotWrite(prefix, attempt, e.getCause());
            }
            return List.of(RowFactory.create(counts.getLong(0), counts.getLong(1), counts.getLong(2), counts.getLong(3), counts.getLong(4),
                    counts.getLong(5), partition, attemptName)).iterator();
        }

        /** The folder of the output in which each task attempt writes its shard, removed by {@link #commit}. */
        static final String ATTEMPTS = "_temporary";

        private static String shardName(int partition) {
            return String.format(Locale.ROOT, "shard-%05d", partition);
        }

        /**
         * Moves the shard of each attempt whose result Spark took ({@code results}, one a partition, as {@link #call}
         * returns them) into its name, .bin then .idx, and removes {@link #ATTEMPTS} with what the other attempts of a
         * partition left there (a failed one's partial shard, a finished one whose result came second). A zombie attempt
         * still writing leaves only that folder, which Megatron's merge_datasets.py skips (it takes the folder's files).
         */
        static void commit(Path dir, List<Row> results) throws IOException {
            commit(dir, results, dev.kindling.spark.executor.LocalFiles::deleteRecursively);
        }

        /** What removes {@link #ATTEMPTS}: the tests' stands for an attempt still closing its shard there. */
        interface Removal {
            void remove(Path folder) throws IOException;
        }

        static void commit(Path dir, List<Row> results, Removal removal) throws IOException {
            for (Row r : results) {
                if (!r.isNullAt(7)) {
                    Path from = dir.resolve(ATTEMPTS).resolve(r.getString(7));
                    String shard = shardName(r.getInt(6));
                    if (!Files.exists(Path.of(from + ".bin"))) {
                        // on a cluster whose executors each write to their own disk, it raised NoSuchFileException naming
                        // the attempt's file, with the run's shards scattered over the executors' hosts
                        throw new KindlingException(KindlingException.FAILURE, "pack: the Megatron shard " + shard + ".bin of output folder " + dir
                                + " is not where its task wrote it, " + from + ".bin: the driver moves each shard into its name, so the"
                                + " output folder must be one the driver and every executor share (a shared mount on a cluster), and one"
                                + " run at a time writes it");
                    }
                    for (String ext : new String[] {".bin", ".idx"}) {
                        Files.move(Path.of(from + ext), dir.resolve(shard + ext), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    }
                }
            }
            try {
                removal.remove(dir.resolve(ATTEMPTS));
            } catch (IOException | UncheckedIOException e) {
                // an attempt Spark killed (a speculative copy that came second) may still be closing its shard there, its
                // .idx made as it closes: the folder is no shard (merge_datasets.py takes files), where the run failed
                // after its whole job and removed the shards it had written
                org.slf4j.LoggerFactory.getLogger(PackCommand.class).warn("pack: could not remove {} ({}); an attempt Spark"
                        + " ended may still have been writing there; it holds no shard of the output", dir.resolve(ATTEMPTS), e.toString());
            }
        }

        /**
         * The error of a shard that could not be written, naming its file (the writer's error names it) and the output
         * folder: a full disk said "java.io.IOException: No space left on device", and nothing of where.
         */
        private KindlingException cannotWrite(Path prefix, Path attempt, IOException e) {
            String file = prefix + ".bin";
            String why = e.getMessage();
            if (e instanceof java.nio.file.FileSystemException f && f.getFile() != null) {
                // the shard's own name, not its attempt's
                file = f.getFile().startsWith(attempt.toString()) ? prefix + f.getFile().substring(attempt.toString().length()) : f.getFile();
                // (AccessDeniedException, NoSuchFileException and the like carry no reason: their name is one)
                why = f.getReason() != null ? f.getReason() : f.getClass().getSimpleName();
            }
            return new KindlingException(KindlingException.FAILURE, "pack: cannot write the Megatron shard " + file + " (output folder "
                    + dir + "): " + why, e);
        }

        private Row packed(Tokenizer tok, Iterator<Row> rows, TokenShardWriter w) {
            SequencePacker p = new SequencePacker(seqLen, eos, seq -> {
                try {
                    w.addDocument(seq);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
            while (rows.hasNext()) {
                p.add(ids(tok, rows.next()));
            }
            p.finish(pad, padId);
            return RowFactory.create(p.documents(), p.sequences(), p.tokens(), p.droppedTokens(), p.documentsWithoutTokens(),
                    p.paddingTokens());
        }

        private Row wholeDocuments(Tokenizer tok, Iterator<Row> rows, TokenShardWriter w) throws IOException {
            long documents = 0;
            long sequences = 0;
            long tokens = 0;
            long withoutTokens = 0;
            while (rows.hasNext()) {
                int[] ids = ids(tok, rows.next());
                documents++;
                withoutTokens += ids.length == 0 ? 1 : 0;
                if (ids.length > 0) {
                    int[] document = Arrays.copyOf(ids, ids.length + 1);
                    document[ids.length] = eos;
                    w.addDocument(document);
                    sequences++;
                    tokens += document.length;
                }
            }
            return RowFactory.create(documents, sequences, tokens, 0L, withoutTokens, 0L);
        }
    }
}
