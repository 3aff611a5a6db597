package dev.kindling.spark.tokenize;

import dev.kindling.tokenizer.bench.TokenizerBench;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code kindling bench tokenizer}: encodes a JSONL file in-process after a warm-up and prints one
 * JSON line ({@link TokenizerBench}). The side-by-side run against Hugging Face tokenizers and
 * tiktoken is {@code tokenizer/bench/compare-with-reference.sh} (the references run under node).
 */
@Command(name = "tokenizer", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Tokenizer throughput on a JSONL corpus: one JSON line {tokenizer, docs, bytes, tokens, seconds, tokens_per_s, mb_per_s}.")
public final class TokenizerBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "The tokenizer file.")
    String tokenizer;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "JSON Lines corpus (.gz allowed).")
    String input;

    @Option(names = "--field", defaultValue = "text", description = "Text field (default: ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--threads", defaultValue = "1", description = "Encoding threads sharing one tokenizer (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--repeat", defaultValue = "3", description = "Timed passes; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed passes first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--add-special-tokens", description = "Encode with special tokens.")
    boolean addSpecialTokens;

    @Option(names = {"-v", "--verbose"}, description = "Kindling's INFO logs and full stack traces.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        dev.kindling.spark.cli.Logs.configure(verbose);
        TokenizerBench.Result r = TokenizerBench.run(Path.of(tokenizer), Path.of(input), field, Math.max(1, threads),
                Math.max(1, repeat), Math.max(0, warmup), addSpecialTokens);
        spec.commandLine().getOut().println(r.toJson());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
