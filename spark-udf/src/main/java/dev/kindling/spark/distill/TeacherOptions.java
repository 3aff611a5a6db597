package dev.kindling.spark.distill;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.inference.EngineCliOptions;
import dev.kindling.spark.inference.EngineSpec;
import dev.kindling.spark.inference.ExecutorEngines;
import dev.kindling.spark.inference.EngineStage;
import dev.kindling.spark.inference.Prompts;
import dev.kindling.spark.tokenize.ExecutorTokenizers;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** The teacher model and how its engine runs, for the distill commands (a picocli mixin). */
public class TeacherOptions {
    @Option(names = {"-t", "--teacher"}, required = true, paramLabel = "MODEL",
            description = "The teacher model: a .gguf file, a llama2.c checkpoint (with --teacher-tokenizer) or a Hugging Face "
                    + "checkpoint directory; local, s3a:// or a SparkFiles name, copied once per executor.")
    public String teacher;

    @Option(names = "--teacher-tokenizer", paramLabel = "FILE", description = "A tokenizer file instead of the teacher's vocabulary.")
    public String tokenizer;

    @Option(names = "--model-name", paramLabel = "NAME", description = "The model column's value (default: the teacher's file name).")
    public String modelName;

    @Option(names = "--device", defaultValue = "auto", paramLabel = "DEVICE", description = "auto, cpu or cuda (default: ${DEFAULT-VALUE}).")
    public String device;

    @Option(names = "--threads", defaultValue = "0", paramLabel = "N", description = "Engine threads per executor (default: the executor's cores).")
    public int threads;

    @Option(names = "--max-sequences", defaultValue = "64", paramLabel = "N",
            description = "Sequences an engine decodes together (default: ${DEFAULT-VALUE}).")
    public int maxSequences;

    @Option(names = "--max-in-flight", defaultValue = "0", paramLabel = "N",
            description = "Rows a task keeps in the engine at once (default: 2 x --max-sequences).")
    public int maxInFlight;

    @Option(names = "--kv-cache-type", defaultValue = "f32", paramLabel = "TYPE",
            description = "How the CPU engine stores the KV cache: f32 (default) or f16 (llama.cpp's default: half the memory, "
                    + "so twice the sequences fit).")
    public String kvCacheType;

    @Option(names = "--kv-budget-mb", defaultValue = "0", paramLabel = "MIB",
            description = "KV cache memory of each executor's engine in MiB (dpo opens two: teacher and judge); 0 (default): "
                    + "a quarter of the heap free after loading, at most 4 GiB.")
    public int kvBudgetMb;

    @Option(names = "--chat", defaultValue = "auto", paramLabel = "MODE",
            description = "Prompts through the teacher's chat template as user messages: auto (when it has one, default), on, off.")
    public String chat;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message put first in every conversation, and in "
            + "every prompt the teacher reads (through its chat template: an error with --chat off, or a teacher without one).")
    public String system;

    /**
     * {@code --chat} and {@code --system} against the teacher's chat template, before Spark starts. {@code --system} with a
     * teacher that reads its prompts as plain text (--chat off, or auto on a model without a chat template) is a usage
     * error: the rows would record a system message the teacher never saw, and a student trained on them learns to answer
     * it as the teacher answered without it. {@code --chat on} without a template failed the job only once the executors
     * had opened the model. Known here for --chat off and for a local model or tokenizer file; a remote one is checked when
     * the executors open it.
     */
    public void requireChatTemplateFits() {
        Prompts.Chat mode = Prompts.Chat.parse(chat);
        boolean system = this.system != null && !this.system.isEmpty();
        if (system && mode == Prompts.Chat.OFF) {
            throw KindlingException.usage("--system needs the teacher to read its prompts through its chat template: with "
                    + "--chat off it reads them as plain text, never sees the system message, and the conversations would "
                    + "record one it did not answer to; use --chat auto or on, or no --system");
        }
        if (mode == Prompts.Chat.OFF || (mode == Prompts.Chat.AUTO && !system)) {
            return;
        }
        String vocabulary = tokenizer != null ? tokenizer : teacher;
        if (vocabulary == null || vocabulary.contains("://") || vocabulary.startsWith("file:") || !Files.isRegularFile(Path.of(vocabulary))
                || hasChatTemplate(tokenizer != null ? "--teacher-tokenizer" : "--teacher", vocabulary)) {
            return;
        }
        if (mode == Prompts.Chat.ON) {
            throw KindlingException.usage("--chat on needs the teacher's chat template, and " + vocabulary + " has none "
                    + "(tokenizer.chat_template): use --chat off (or auto) to give the prompts as plain text, or a "
                    + "--teacher-tokenizer with a chat template");
        }
        throw KindlingException.usage("--system needs the teacher to read its prompts through its chat template, and "
                + vocabulary + " has none (tokenizer.chat_template): with --chat auto the teacher reads the prompts as "
                + "plain text, never sees the system message, and the conversations would record one it did not answer to; "
                + "give no --system, or a --teacher-tokenizer with a chat template");
    }

    /**
     * Why the teacher reads its prompts as plain text (--chat off, or auto on a local model or tokenizer file without a chat
     * template), or null when it reads them through a template or that is known only where the executors open it (a remote
     * model). Its answers then continue the prompts' text, which the rows record as user and assistant turns: a student
     * trained on them through its own chat template learns to continue a user's text, so the run says so.
     */
    public String plainTextPrompts() {
        Prompts.Chat mode = Prompts.Chat.parse(chat);
        if (mode == Prompts.Chat.OFF) {
            return "--chat off";
        }
        String vocabulary = tokenizer != null ? tokenizer : teacher;
        if (mode == Prompts.Chat.ON || vocabulary == null || vocabulary.contains("://") || vocabulary.startsWith("file:")
                || !Files.isRegularFile(Path.of(vocabulary))) {
            return null;
        }
        try {
            if (hasChatTemplate(tokenizer != null ? "--teacher-tokenizer" : "--teacher", vocabulary)) {
                return null;
            }
        } catch (KindlingException e) {
            return null; // a file that is no vocabulary is the engine's to report, as it was: this is only a note
        }
        return Path.of(vocabulary).getFileName() + " has no chat template, --chat auto";
    }

    /** The run's line for {@link #plainTextPrompts}, or null. */
    String plainTextNote(String command) {
        String why = plainTextPrompts();
        return why == null ? null : command + ": the teacher reads the prompts as plain text (" + why + "): its answers "
                + "continue them, recorded as user and assistant turns";
    }

    /** Whether the vocabulary file given as {@code option} has a chat template; one that cannot be read is a usage error. */
    private static boolean hasChatTemplate(String option, String vocabulary) {
        Tokenizer t;
        try {
            t = Tokenizer.load(Path.of(vocabulary));
        } catch (RuntimeException e) {
            // "fake.gguf: unrecognised tokenizer format", exit 1, naming neither the option nor what the file should be
            throw KindlingException.usage(option + " " + vocabulary + " cannot be read as a model's vocabulary: " + e.getMessage());
        }
        return t.chatTemplate().isPresent();
    }

    /**
     * Checks, before Spark starts, a local model and tokenizer given as {@code modelOption} and {@code tokenizerOption}
     * ({@code --teacher}, {@code --judge}): a missing one, or a llama2.c checkpoint without its tokenizer, was reported only
     * after Spark had started and read the prompts.
     */
    public static void checkLocal(String modelOption, String model, String tokenizerOption, String modelTokenizer) {
        ExecutorEngines.checkLocalModel(modelOption, model);
        ExecutorTokenizers.checkLocal(tokenizerOption, modelTokenizer);
        EngineCliOptions.requireTokenizer(modelOption, model, tokenizerOption, modelTokenizer);
    }

    /**
     * {@code --teacher} and {@code --teacher-tokenizer} as bare names that are nothing
     * ({@link EngineCliOptions#checkBareNames}), last in a distill command's validation: they failed once Spark had
     * started, 17 to 30 s in, as "nosuch.gguf does not exist", naming neither the option nor where it was looked for. An
     * {@code s3a://} teacher is no bare name and is left to the job.
     */
    public void checkBareNames(java.util.Map<String, String> conf) {
        EngineCliOptions.checkBareNames("--teacher", teacher, "--teacher-tokenizer", tokenizer, conf);
    }

    public EngineSpec spec(String model, String modelTokenizer) {
        dev.kindling.spark.inference.EngineCliOptions.checkValues(device, threads, maxSequences, maxInFlight, kvCacheType);
        try {
            return new EngineSpec(model, modelTokenizer, device, threads, maxSequences, 0, EngineCliOptions.kvBudgetBytes(kvBudgetMb),
                    false, kvCacheType);
        } catch (IllegalArgumentException e) {
            throw KindlingException.usage(e.getMessage());
        }
    }

    public EngineSpec teacherSpec() {
        checkLocal("--teacher", teacher, "--teacher-tokenizer", tokenizer);
        return spec(teacher, tokenizer);
    }

    public String modelName() {
        return modelName != null ? modelName : teacherSpec().modelName();
    }

    /** Applies these options to the teacher's or judge's stage, whose row errors then advise these flags. */
    public <S extends EngineStage<S>> S applyTo(S stage, EngineSpec spec) {
        stage.setEngine(spec);
        stage.setMaxInFlight(maxInFlight);
        return stage.adviseOnKvBudget(EngineCliOptions.KV_BUDGET_ADVICE);
    }
}
