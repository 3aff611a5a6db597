package dev.kindling.spark.tokenize;

import dev.kindling.tokenizer.bench.TokenizerBench;
import dev.kindling.spark.KindlingException;
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
        description = "Tokenizer throughput on a JSONL corpus: one JSON line {tokenizer, docs, skipped, bytes, tokens, seconds, tokens_per_s, mb_per_s} (bytes: UTF-8; MB: 10^6 bytes). Rows tokenize would not tokenize (a null, missing, non-string or blank text) are skipped and counted.")
public final class TokenizerBenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--tokenizer", required = true, paramLabel = "PATH", description = "The tokenizer file.")
    String tokenizer;

    @Option(names = "--input", required = true, paramLabel = "FILE.jsonl", description = "JSON Lines corpus (.gz allowed).")
    String input;

    @Option(names = "--field", paramLabel = "NAME", defaultValue = "text", description = "Text field (default: ${DEFAULT-VALUE}).")
    String field;

    @Option(names = "--threads", paramLabel = "N", defaultValue = "1", description = "Encoding threads sharing one tokenizer (default: ${DEFAULT-VALUE}).")
    int threads;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "3", description = "Timed passes; the best is reported (default: ${DEFAULT-VALUE}).")
    int repeat;

    @Option(names = "--warmup", paramLabel = "N", defaultValue = "1", description = "Untimed passes first (default: ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--add-special-tokens", description = "Encode with special tokens.")
    boolean addSpecialTokens;

    @Option(names = {"-v", "--verbose"}, description = "Kindling's INFO logs and full stack traces.")
    boolean verbose;

    private static void requireFile(String option, String path) {
        if (!java.nio.file.Files.isRegularFile(Path.of(path))) {
            throw KindlingException.usage(option + " " + path + (java.nio.file.Files.isDirectory(Path.of(path))
                    ? " is a directory; give a file" : " does not exist"));
        }
    }

    @Override
    public Integer call() throws Exception {
        dev.kindling.spark.cli.Logs.configure(verbose);
        // each value checked as typed: 0 or -3 threads, --repeat 0 and --warmup -5 were taken as 1, 1 and 0 in silence,
        // and 2,000,000 threads were started one by one
        dev.kindling.spark.cli.BenchCommand.threadsWithinProcessors(threads);
        dev.kindling.spark.cli.BenchCommand.atLeast("--repeat", repeat, 1);
        dev.kindling.spark.cli.BenchCommand.atLeast("--warmup", warmup, 0);
        if (!java.nio.file.Files.exists(Path.of(tokenizer))) {
            // a file, or a folder holding tokenizer.json, as Tokenizer.load takes
            throw KindlingException.usage("--tokenizer " + tokenizer + " does not exist");
        }
        ExecutorTokenizers.checkLocal("--tokenizer", tokenizer); // a folder without tokenizer.json, as tokenize says it
        requireFile("--input", input);
        TokenizerBench.Result r;
        try {
            r = TokenizerBench.run(Path.of(tokenizer), Path.of(input), field, threads, repeat, warmup, addSpecialTokens);
        } catch (dev.kindling.formats.ModelFormatException e) {
            // a file that is no tokenizer (a model checkpoint): named as the other commands name it, not with --verbose's hint
            throw new KindlingException(KindlingException.FAILURE, "--tokenizer " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(input)) {
                throw KindlingException.usage("--input " + e.getMessage()); // the corpus: names the file and the line
            }
            throw e;
        }
        spec.commandLine().getOut().println(r.toJson());
        spec.commandLine().getOut().flush();
        return 0;
    }
}
