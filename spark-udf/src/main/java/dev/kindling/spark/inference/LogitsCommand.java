package dev.kindling.spark.inference;

import dev.kindling.spark.cli.Logs;
import dev.kindling.spark.executor.LocalFiles;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kindling logits}: the engine's {@link dev.kindling.inference.cli.LogitsCommand} (no Spark). */
@Command(name = "logits", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Print one JSON object {\"tokens\":[...],\"logits\":[...full vocabulary at the last position...],"
                + "\"top\":[{\"id\",\"piece\",\"logit\"}...]} for a prompt (BOS added as the vocabulary says) or for token ids.")
public final class LogitsCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-m", "--model"}, required = true, paramLabel = "MODEL",
            description = "The model: a GGUF file, a llama2.c checkpoint or a Hugging Face checkpoint directory, local or s3a://.")
    String model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    /** The text, or the ids (the engine's command takes either). */
    static final class Input {
        @Option(names = {"-p", "--prompt"}, required = true, paramLabel = "TEXT", description = "The prompt.")
        String prompt;

        @Option(names = "--prompt-file", required = true, paramLabel = "FILE",
                description = "The prompt: the text of FILE (UTF-8, at most 256 MiB) less one final newline, as llama.cpp's -f reads it.")
        String promptFile;

        @Option(names = "--tokens", required = true, paramLabel = "IDS",
                description = "Comma-separated token ids instead of a prompt (no tokenizer needed).")
        String tokens;
    }

    @Option(names = "--all-positions", description = "Also print \"positions\": the logits after every prefix of the tokens.")
    boolean allPositions;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    String device;

    @Option(names = "--top", defaultValue = "50", paramLabel = "N", description = "Most likely tokens listed (default: ${DEFAULT-VALUE}).")
    int top;

    @Option(names = "--threads", paramLabel = "N", description = "Engine threads (default: all processors).")
    Integer threads;

    @Option(names = "--tokenizer", paramLabel = "FILE", description = "A tokenizer file instead of the model's vocabulary.")
    String tokenizer;

    @Option(names = "--kv-cache-type", defaultValue = "f32", paramLabel = "TYPE", description = "f32 (default) or f16 (llama.cpp's default).")
    String kvCacheType;

    @Option(names = {"-v", "--verbose"}, description = "Kindling's INFO logs (the model loaded, the device chosen) and full stack traces.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
        Logs.configure(verbose);
        List<String> args = new ArrayList<>(List.of("--model", LocalFiles.localize("--model", model).toString(),
                "--top", String.valueOf(top), "--kv-cache-type", kvCacheType, "--device", device));
        args.addAll(input.prompt != null ? List.of("--prompt", input.prompt)
                : input.promptFile != null ? List.of("--prompt-file", input.promptFile) : List.of("--tokens", input.tokens));
        if (allPositions) {
            args.add("--all-positions");
        }
        if (threads != null) {
            args.addAll(List.of("--threads", String.valueOf(threads)));
        }
        if (tokenizer != null) {
            args.addAll(List.of("--tokenizer", LocalFiles.localize("--tokenizer", tokenizer).toString()));
        }
        PrintStream out = GenerateCommand.printStream(spec.commandLine().getOut(), System.out);
        PrintStream err = GenerateCommand.printStream(spec.commandLine().getErr(), System.err);
        int code = dev.kindling.inference.cli.LogitsCommand.run(args.toArray(new String[0]), out, err);
        out.flush();
        err.flush();
        return code;
    }
}
