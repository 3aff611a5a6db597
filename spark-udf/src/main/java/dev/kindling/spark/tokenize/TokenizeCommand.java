package dev.kindling.spark.tokenize;

import static org.apache.spark.sql.functions.col;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DatasetReader;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code kindling tokenize}: token ids (or counts) for every document, as rows {@code {id, ids}}
 * (or {@code {id, n_tokens}}) in input order within each file. Unreadable and empty documents are
 * counted in the table like every pipeline's, never silently dropped.
 */
@Command(name = "tokenize", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Tokenize every document: rows {id, ids} (or {id, n_tokens} with --count-only), in input order.",
                "The tokenizer is a tokenizer.json (or a directory with one), .gguf, .tiktoken, llama2.c tokenizer.bin or SentencePiece tokenizer.model; "
                        + "local, s3a:// or a SparkFiles name; 'byte-level' is the built-in one-token-per-byte tokenizer."})
public final class TokenizeCommand extends SparkCommand {
    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "The tokenizer file.")
    String tokenizer;

    @Option(names = "--add-special-tokens", description = "Add BOS/EOS/template tokens as the tokenizer file says.")
    boolean addSpecialTokens;

    @Option(names = "--count-only", description = "Write {id, n_tokens} instead of the ids.")
    boolean countOnly;

    @Option(names = "--split-special-tokens", description = "Read text that spells a special token (<|endoftext|>, </s>) as "
            + "text, as Hugging Face's split_special_tokens=True and tiktoken's encode_ordinary do (default: as that token, "
            + "as tokenizer(text) does).")
    boolean splitSpecialTokens;

    @Mixin
    PipelineOptions pipeline;

    @Override
    protected void validate() {
        if (job.output == null) {
            throw KindlingException.usage("tokenize needs --output");
        }
        job.checkInputAndOutput();
        ExecutorTokenizers.checkLocal("--tokenizer", tokenizer);
        for (String[] column : new String[][] {{"--text-column", job.textColumn}, {"--id-column", job.idColumn}}) {
            for (String result : List.of(TokenizeStage.IDS, TokenizeStage.N_TOKENS)) {
                if (column[1] != null && column[1].equalsIgnoreCase(result)) {
                    // the result replaced the column: a text column "ids" came out without its ids (exit 0), an id column
                    // failed with Spark's COLUMN_ALREADY_EXISTS
                    throw KindlingException.usage(column[0] + " " + column[1] + " is the name of the column tokenize writes ("
                            + TokenizeStage.IDS + ", " + TokenizeStage.N_TOKENS + "), which would replace it; rename it in the input first");
                }
            }
        }
        // last: a mistake in the options is said first, also where the tokenizer is a placeholder name
        ExecutorTokenizers.checkBareName("--tokenizer", tokenizer, job.conf);
    }

    @Override
    protected int run(JobRun run) {
        WriteOptions out = run.checkOutput(pipeline);
        String value = countOnly ? TokenizeStage.N_TOKENS : TokenizeStage.IDS;
        List<PipelineStage> stages = List.of(new TokenizeStage(tokenizer, addSpecialTokens, !countOnly, splitSpecialTokens), project(value));
        // the text of a rejected row is with it in --rejected (and, null for the kept rows, with --keep-rejected), as the
        // other commands keep it: without it, a row read:text_not_string showed no trace of what was rejected. Its ids,
        // null (only the reader rejects), are not
        run.runPipeline(run.readInput(), stages, out, pipeline, pipeline.keepRejected ? java.util.Set.of() : java.util.Set.of(job.textColumn),
                java.util.Set.of(value));
        return 0;
    }

    /** Keeps id, the result column, a rejected row's text, and what the accounting needs (reason, source, raw line). */
    static PipelineStage project(String value) {
        return new PipelineStage() {
            @Override
            public String name() {
                return "select";
            }

            @Override
            public boolean accounted() {
                return false; // picks the output's columns and rejects nothing
            }

            @Override
            public Dataset<Row> apply(Dataset<Row> docs, StageContext context) {
                if (!value.equals(TokenizeStage.N_TOKENS)) {
                    // n_tokens is not written with the ids, but the run's "tokens" metric sums it: keep it as a
                    // metric column (null for rejected rows, so its sum over every row is the sum over the kept)
                    String tokens = DatasetReader.METRIC_PREFIX + "tokens";
                    docs = docs.withColumn(tokens, col(TokenizeStage.N_TOKENS));
                    context.reportMetricColumn(tokens, "tokens");
                }
                List<org.apache.spark.sql.Column> columns = new java.util.ArrayList<>(List.of(Columns.named(context.idColumn()), col(value)));
                String text = context.textColumn();
                if (!text.equalsIgnoreCase(context.idColumn()) && !text.equalsIgnoreCase(value)) {
                    columns.add(org.apache.spark.sql.functions.when(col(Columns.REASON).isNotNull(), Columns.named(text)).as(text));
                }
                return DatasetReader.selectWithAccounting(docs, columns, false);
            }
        };
    }
}
