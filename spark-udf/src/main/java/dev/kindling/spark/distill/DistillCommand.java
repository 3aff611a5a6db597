package dev.kindling.spark.distill;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.cli.JobRun;
import dev.kindling.spark.cli.PipelineOptions;
import dev.kindling.spark.cli.SparkCommand;
import dev.kindling.spark.inference.EngineCliOptions;
import dev.kindling.spark.inference.Generate;
import dev.kindling.spark.inference.InferenceProgress;
import dev.kindling.spark.inference.Judge;
import dev.kindling.spark.inference.Rubric;
import dev.kindling.spark.inference.SamplingCliOptions;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DatasetWriter;
import dev.kindling.spark.io.SideFile;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.RunReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code kindling distill sft | dpo | self-instruct}: synthetic training data from a teacher model. */
@Command(name = "distill", mixinStandardHelpOptions = true,
        description = "Synthetic training data from a teacher model: SFT conversations, DPO preference pairs, Self-Instruct instructions.",
        subcommands = {DistillCommand.SftCommand.class, DistillCommand.DpoCommand.class, DistillCommand.SelfInstructCommand.class})
public final class DistillCommand implements Runnable {
    @Spec
    CommandSpec spec;

    @Override
    public void run() {
        throw new dev.kindling.spark.cli.KindlingCli.MissingCommand(spec);
    }

    /** The prompts input shared by sft and dpo. */
    abstract static class PromptsCommand extends SparkCommand {
        @Mixin
        TeacherOptions teacher;

        @Mixin
        SamplingCliOptions sampling;

        @Option(names = "--prompts", paramLabel = "PATH", description = "Prompts: JSON Lines/Parquet rows with a prompt column (same as --input).")
        List<String> prompts = new ArrayList<>();

        @Option(names = "--prompt-column", paramLabel = "NAME", description = "The prompt column (default: prompt), written as prompt.")
        String promptColumn;

        /** {@code --text-column} is read as {@code --prompt-column}, as in generate, and left out of the help. */
        @Override
        protected Set<String> hiddenInheritedOptions() {
            return Set.of("--text-column");
        }

        @Mixin
        PipelineOptions pipeline;

        @Override
        protected void validate() {
            job.input.addAll(prompts);
            if (job.input.isEmpty() || job.output == null) {
                throw KindlingException.usage(spec.name() + " needs --prompts IN and --output OUT");
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption("--text-column")) {
                job.textColumn = promptColumn != null ? promptColumn : "prompt";
                job.textColumnOption = "--prompt-column";
            } else if (promptColumn != null) {
                // --text-column won and --prompt-column was dropped without a word
                throw KindlingException.usage("--prompt-column and --text-column name the same column; give one");
            }
            sampling.checkStopTokenIds(teacher.teacherSpec().model());
            teacher.requireChatTemplateFits();
        }

        Generate teacherStage() {
            return sampling.applyTo(teacher.applyTo(new Generate(), teacher.teacherSpec())).setChat(teacher.chat);
        }
    }

    @Command(name = "sft", mixinStandardHelpOptions = true, sortOptions = false,
            description = {"Answer every prompt with the teacher and write SFT conversations "
                    + "{id, prompt_id, prompt, messages:[{role, content}], completion, finish_reason, model, error} (id: the prompt "
                    + "row's, --id-column; then ultrachat_200k's layout; TRL's SFTTrainer reads the messages column alone, or prompt "
                    + "and completion alone; finish_reason length: cut by --max-tokens). An answer with no text but white space is rejected as sft:empty_answer.",
                    "Example: kindling distill sft --teacher teacher.gguf --prompts prompts.jsonl --output sft/ --max-tokens 512"})
    static final class SftCommand extends PromptsCommand {
        @Option(names = "--drop-truncated", description = "Reject answers cut by --max-tokens (reason sft:truncated).")
        boolean dropTruncated;

        @Override
        protected void validate() {
            super.validate();
            Sft.requireAnswers(sampling.maxTokens, "--max-tokens");
            teacher.checkBareNames(job.conf);
        }

        @Override
        protected int run(JobRun run) {
            WriteOptions out = run.checkOutput(pipeline);
            Generate g = teacherStage();
            // which sampling defaults the teacher's generation_config.json gave (--generation-config auto)
            g.authorsDefaults(run.spark()).ifPresent(d -> run.out().println(spec.name() + ": teacher " + d.describe(g.getModel())));
            java.util.Optional.ofNullable(teacher.plainTextNote(spec.name())).ifPresent(run.out()::println);
            Sft sft = new Sft(g, teacher.modelName()).setSystemPrompt(teacher.system).setDropTruncated(dropTruncated);
            InferenceProgress progress = InferenceProgress.attach(run, sft::teacherMetrics);
            dev.kindling.spark.inference.GenerationManifest manifest = generationManifest(run.spark());
            RunReport report = run.runPipeline(run.readInput(), List.of(sft), out, pipeline);
            manifest.generator("teacher", g.settingsAsRun(run.spark()), teacher.modelName(), teacher.system,
                    g.authorsDefaults(run.spark())).write(run.spark(), out.path());
            run.out().println(progress.summary("teacher", report.metrics()));
            return 0;
        }
    }

    @Command(name = "dpo", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = DpoCommand.Sampling.class,
            description = {"Sample several answers per prompt, rate them with a judge model against a rubric, and write preference pairs "
                    + "{id, prompt_id, prompt, chosen, rejected, chosen_rating, rejected_rating, model, error} (id: the prompt row's) "
                    + "(distilabel's FormatTextGenerationDPO layout; TRL's DPOTrainer reads chosen and rejected without prompt). "
                    + "Blank answers are not candidates; prompts whose answers all rate the same are rejected as dpo:tied_ratings, with fewer than two "
                    + "rated answers as dpo:too_few_ratings.",
                    "Example: kindling distill dpo --teacher t.gguf --judge j.gguf --samples 4 --temperature 0.8 --seed 1 "
                            + "--prompts prompts.jsonl --output dpo/"})
    static final class DpoCommand extends PromptsCommand {
        /** Temperature 0.8: different answers to choose between. */
        static final class Sampling extends SamplingCliOptions.Defaults {
            Sampling() {
                super(Map.of("--temperature", "0.8"));
            }
        }

        @Option(names = {"-j", "--judge"}, paramLabel = "MODEL", description = "The judge model, as --teacher: a .gguf file, a llama2.c "
                + "checkpoint (with --judge-tokenizer) or a Hugging Face checkpoint directory (default: the teacher).")
        String judge;

        @Option(names = "--judge-tokenizer", paramLabel = "FILE", description = "A tokenizer file instead of the judge's vocabulary.")
        String judgeTokenizer;

        // no -n: llama.cpp's -n is the tokens to predict (generate has none either); -n 128 asked for 128 answers a prompt
        @Option(names = "--samples", defaultValue = "4", paramLabel = "N", description = "Answers per prompt (default: ${DEFAULT-VALUE}).")
        int samples;

        @Option(names = "--rubric", defaultValue = "helpfulness", paramLabel = "NAME|FILE",
                description = "helpfulness (default), honesty, instruction_following, truthfulness, or a template file "
                        + "with {instruction} and {response}.")
        String rubric;

        @Option(names = "--judge-method", defaultValue = "auto", paramLabel = "M",
                description = "auto: the judge writes its rating, its probabilities decide when none can be read (default); "
                        + "logprobs: probabilities only (faster).")
        String judgeMethod;

        @Option(names = "--judge-max-tokens", defaultValue = "128", paramLabel = "N", description = "Length of the judge's answer (default: ${DEFAULT-VALUE}).")
        int judgeMaxTokens;

        @Option(names = "--drop-truncated", description = "Leave answers cut by --max-tokens out of the pairs (a prompt with fewer "
                + "than two others is rejected as dpo:too_few_ratings).")
        boolean dropTruncated;

        @Override
        protected void validate() {
            super.validate();
            if (judgeTokenizer != null && judge == null) {
                // without --judge the teacher judges, with the teacher's --tokenizer: this one was ignored
                throw KindlingException.usage("--judge-tokenizer applies with --judge (the teacher judges with its --teacher-tokenizer)");
            }
            if (!judgeMethod.equals("auto") && !judgeMethod.equals("logprobs")) {
                throw KindlingException.usage("--judge-method must be auto or logprobs, got '" + judgeMethod + "'");
            }
            // named as typed, before Spark starts: a negative one failed once Spark had started, naming the Judge
            // object's param ("Judge(kindlingJudge_...).maxTokens must be >= 0")
            if (judgeMaxTokens < 0) {
                throw KindlingException.usage("--judge-max-tokens must be >= 0, got " + judgeMaxTokens);
            }
            if (judgeMethod.equals("logprobs") && spec.commandLine().getParseResult().hasMatchedOption("--judge-max-tokens")) {
                // logprobs reads the judge's probabilities over the ratings and writes no answer: the length was ignored
                throw KindlingException.usage("--judge-max-tokens applies with --judge-method auto (logprobs reads the judge's "
                        + "probabilities over the ratings, and the judge writes no answer)");
            }
            Rubric.requireFound("--rubric", rubric);
            if (judge != null) {
                TeacherOptions.checkLocal("--judge", judge, "--judge-tokenizer", judgeTokenizer);
            }
            if (samples < 2 || samples > Generate.MAX_SAMPLES) {
                throw KindlingException.usage("--samples must be in 2.." + Generate.MAX_SAMPLES + ", got " + samples);
            }
            String oneAnswer = sampling.oneAnswerSetting();
            if (oneAnswer != null) {
                // the run went to its end and rejected every prompt as dpo:tied_ratings (or too_few_ratings)
                throw KindlingException.usage("dpo: " + oneAnswer + " gives the same answer for every sample of a prompt, so "
                        + "every prompt would be rejected (dpo:tied_ratings, or dpo:too_few_ratings with no answer): sample with a "
                        + "--temperature above 0 (default 0.8), and no --top-k 1, --min-p 1 or --max-tokens 0");
            }
            if (SideFile.scheme(rubric) == null) {
                try {
                    Rubric.load(rubric); // a template file without its placeholders, before Spark starts
                } catch (KindlingException e) {
                    throw KindlingException.usage("--rubric: " + e.getMessage());
                }
            }
            teacher.checkBareNames(job.conf);
            if (judge != null) {
                EngineCliOptions.checkBareNames("--judge", judge, "--judge-tokenizer", judgeTokenizer, job.conf);
            }
        }

        @Override
        protected int run(JobRun run) {
            WriteOptions out = run.checkOutput(pipeline);
            Generate g = teacherStage().setN(samples);
            // which sampling defaults the teacher's generation_config.json gave (--generation-config auto)
            g.authorsDefaults(run.spark()).ifPresent(d -> run.out().println(spec.name() + ": teacher " + d.describe(g.getModel())));
            Judge j = teacher.applyTo(new Judge(), teacher.spec(judge != null ? judge : teacher.teacher,
                    judge != null ? judgeTokenizer : teacher.tokenizer))
                    .setRubric(rubric).setMethod(judgeMethod).setMaxTokens(judgeMaxTokens);
            j.loadRubric();
            j.getMethod();
            java.util.Optional.ofNullable(teacher.plainTextNote(spec.name())).ifPresent(run.out()::println);
            Dpo dpo = new Dpo(g, j, teacher.modelName()).setSystemPrompt(teacher.system).setDropTruncated(dropTruncated);
            InferenceProgress progress = InferenceProgress.attach(run, dpo::teacherMetrics);
            dev.kindling.spark.inference.GenerationManifest manifest = generationManifest(run.spark());
            RunReport report = run.runPipeline(run.readInput(), List.of(dpo), out, pipeline);
            manifest.generator("teacher", g.settingsAsRun(run.spark()), teacher.modelName(), teacher.system,
                    g.authorsDefaults(run.spark())).judge(j).write(run.spark(), out.path());
            run.out().println(progress.summary("teacher", report.metrics()));
            run.out().println(progress.summary("judge", report.metrics()));
            return 0;
        }
    }

    @Command(name = "self-instruct", mixinStandardHelpOptions = true, sortOptions = false, defaultValueProvider = SelfInstructCommand.Sampling.class,
            description = {"Bootstrap new instructions from seed tasks (Self-Instruct): few-shot prompts from the seeds, the teacher "
                    + "continues them, and a new instruction is kept only if of sane length and novel (ROUGE-L at most the threshold "
                    + "against every kept one). Writes {id, instruction, round, max_rouge_l, most_similar, model}.",
                    "Example: kindling distill self-instruct --teacher t.gguf --seed-tasks seed_tasks.jsonl --num 1000 --output instr/"})
    static final class SelfInstructCommand extends SparkCommand {
        /** The stage of its --stats: the candidate instructions, kept or dropped by reason. */
        static final String NAME = "self-instruct";
        /**
         * The most bytes (listed before reading) and rows (read no further) {@code --seed-tasks} may hold: every seed task is
         * brought to the driver, and a seed file is a few hundred tasks (Self-Instruct's 175); a corpus given as one
         * ran minutes before the driver ran out of memory.
         */
        static final long MAX_SEED_BYTES = 64L << 20;
        static final int MAX_SEED_ROWS = 10_000;
        private static final String SEED_FILE = "seed tasks are a seed set, a few hundred hand-written instructions "
                + "(Self-Instruct's 175), all brought to the driver: give a seed file, not a corpus";

        /** bootstrap_instructions.py's sampling: temperature 0.7, top-p 0.5, presence penalty 2. */
        static final class Sampling extends SamplingCliOptions.Defaults {
            Sampling() {
                super(Map.of("--temperature", "0.7", "--top-p", "0.5", "--presence-penalty", "2"));
            }
        }

        @Mixin
        TeacherOptions teacher;

        @Mixin
        SamplingCliOptions sampling;

        @Option(names = "--seed-tasks", paramLabel = "PATH", description = "Seed tasks: JSON Lines/Parquet with an instruction column (same as --input).")
        List<String> seedTasks = new ArrayList<>();

        @Option(names = "--instruction-column", defaultValue = "instruction", paramLabel = "NAME",
                description = "The seed tasks' instruction column (default: ${DEFAULT-VALUE}).")
        String instructionColumn;

        @Option(names = "--num", required = true, paramLabel = "N", description = "Instructions to generate.")
        int num;

        @Option(names = "--prompts-per-round", defaultValue = "16", paramLabel = "N", description = "Teacher prompts per round (default: ${DEFAULT-VALUE}).")
        int promptsPerRound;

        @Option(names = "--max-rounds", defaultValue = "50", paramLabel = "N", description = "Stop after N rounds (default: ${DEFAULT-VALUE}).")
        int maxRounds;

        @Option(names = "--shots", defaultValue = "8", paramLabel = "N", description = "Instructions per prompt (default: ${DEFAULT-VALUE}).")
        int shots;

        @Option(names = "--machine-shots", defaultValue = "2", paramLabel = "N",
                description = "Of which at most N generated ones (default: ${DEFAULT-VALUE}).")
        int machineShots;

        @Option(names = "--rouge-threshold", defaultValue = "0.7", paramLabel = "X",
                description = "Drop an instruction whose ROUGE-L against a kept one is above X (default: ${DEFAULT-VALUE}, as "
                        + "self-instruct, which keeps one of exactly 0.7).")
        double rougeThreshold;

        @Option(names = "--min-words", defaultValue = "4", paramLabel = "N",
                description = "Shortest instruction in words (default: ${DEFAULT-VALUE}, as the paper).")
        int minWords;

        @Option(names = "--max-words", defaultValue = "150", paramLabel = "N", description = "Longest instruction (default: ${DEFAULT-VALUE}).")
        int maxWords;

        @Option(names = "--no-keyword-filter", description = "Keep instructions about images, files, programs... (the paper drops them).")
        boolean noKeywordFilter;

        @Option(names = "--stats", paramLabel = "FILE.json", description = "Write the run's accounting as JSON: the candidate "
                + "instructions in, kept and dropped by reason, the seed tasks read and set aside, the teacher's tokens (an existing "
                + "file is an error without --overwrite).")
        String stats;

        /**
         * {@code --text-column} is read as {@code --instruction-column} and {@code --id-column} is refused (the output's
         * instructions are new): the help listed them as "Text column (default: text)" and "Id column (default: id)",
         * where the seeds' column defaults to instruction and their ids are never read. {@code --chat} and {@code --system}
         * are refused saying why: the teacher continues few-shot prompts as plain text (as in the paper), never through its
         * chat template (picocli's "Unknown options: '--system', 'hi'" said nothing of it).
         */
        @Override
        protected Set<String> hiddenInheritedOptions() {
            return Set.of("--text-column", "--id-column", "--chat", "--system");
        }

        @Override
        protected void validate() {
            if (teacher.system != null) {
                throw KindlingException.usage("self-instruct takes no --system: the teacher continues plain few-shot text, "
                        + "never through its chat template, so it would never see a system message");
            }
            if (spec.commandLine().getParseResult().hasMatchedOption("--chat")) {
                throw KindlingException.usage("self-instruct takes no --chat (--chat " + teacher.chat + " given): the teacher "
                        + "continues plain few-shot text, never through its chat template");
            }
            job.input.addAll(seedTasks);
            if (job.input.isEmpty() || job.output == null) {
                throw KindlingException.usage("self-instruct needs --seed-tasks IN and --output OUT");
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption("--text-column")) {
                job.textColumn = instructionColumn;
                job.textColumnOption = "--instruction-column";
            } else if (spec.commandLine().getParseResult().hasMatchedOption("--instruction-column")) {
                // --text-column won and --instruction-column was never read, not even checked against the input
                throw KindlingException.usage("--instruction-column and --text-column name the same column; give one");
            }
            if (spec.commandLine().getParseResult().hasMatchedOption("--id-column")) {
                // the reader needs an id column (its default), but the output's instructions are new: the seeds' ids go nowhere
                throw KindlingException.usage("--id-column: self-instruct writes new instructions with ids of their own, so the "
                        + "seed tasks' ids are not read; give no --id-column");
            }
            if (!spec.commandLine().getParseResult().hasMatchedOption("--machine-shots")) {
                // the default 2 of the paper's 8: --shots 1 alone was refused for a value the user never gave
                machineShots = Math.min(machineShots, shots);
            }
            // each value named as typed, before Spark starts (one catch-all line named no option, once Spark had started)
            for (Object[] atLeastOne : new Object[][] {{"--num", num}, {"--prompts-per-round", promptsPerRound},
                    {"--max-rounds", maxRounds}, {"--shots", shots}, {"--min-words", minWords}}) {
                if ((int) atLeastOne[1] < 1) {
                    throw KindlingException.usage(atLeastOne[0] + " must be >= 1, got " + atLeastOne[1]);
                }
            }
            if (machineShots < 0 || machineShots > shots) {
                throw KindlingException.usage("--machine-shots must be between 0 and --shots (" + shots + "), got " + machineShots);
            }
            if (maxWords < minWords) {
                throw KindlingException.usage("--max-words must be >= --min-words (" + minWords + "), got " + maxWords);
            }
            if (sampling.maxTokens == 0) {
                // the rounds ran to --max-rounds on empty answers, then failed as keeping none
                throw KindlingException.usage("self-instruct: --max-tokens 0 lets the teacher write no instruction, so every "
                        + "round would keep none; give --max-tokens above 0 (default 256)");
            }
            if (!(rougeThreshold > 0 && rougeThreshold <= 1)) {
                throw KindlingException.usage("--rouge-threshold must be above 0 and at most 1 (1 keeps every instruction), got "
                        + rougeThreshold);
            }
            sampling.checkStopTokenIds(teacher.teacherSpec().model());
            teacher.checkBareNames(job.conf);
        }

        @Override
        protected int run(JobRun run) {
            long bytes = dev.kindling.spark.io.DatasetReader.inputBytes(run.spark(), job.input);
            if (bytes > MAX_SEED_BYTES) {
                // before anything is read or the output claimed: JSON Lines' schema inference alone reads every line
                throw KindlingException.usage(String.format(java.util.Locale.ROOT, "--seed-tasks %s holds %,d bytes, over the "
                        + "%d MiB a seed file may hold: %s", String.join(",", job.input), bytes, MAX_SEED_BYTES >> 20, SEED_FILE));
            }
            // the seeds are read before the outputs are checked: a seed file refused for its rows after --overwrite had
            // removed the earlier --stats cost it for nothing (the bound on its bytes bounds this read)
            Dataset<Row> read = run.readInput();
            List<String> seeds = new ArrayList<>();
            // the rows the reader set aside, by reason: they were dropped unsaid, and --on-error quarantine wrote none of
            // them (a seed file is small: its rows are all brought to the driver, read no further than one over the bound)
            Map<String, Long> setAside = new java.util.TreeMap<>();
            List<Row> rows = read.select(Columns.named(job.textColumn), org.apache.spark.sql.functions.col(Columns.REASON))
                    .limit(MAX_SEED_ROWS + 1).collectAsList();
            if (rows.size() > MAX_SEED_ROWS) {
                run.closeProgress();
                throw KindlingException.usage(String.format(java.util.Locale.ROOT, "--seed-tasks %s holds over %,d rows, the "
                        + "most a seed file may hold: %s", String.join(",", job.input), MAX_SEED_ROWS, SEED_FILE));
            }
            PipelineOptions statsOnly = new PipelineOptions(); // no --rejected or --keep-rejected: no row is rejected
            statsOnly.stats = stats;
            WriteOptions out = run.checkOutput(statsOnly);
            SelfInstruct.Options o = new SelfInstruct.Options(num, promptsPerRound, maxRounds, shots, machineShots, rougeThreshold,
                    minWords, maxWords, !noKeywordFilter, sampling.seedOrDefault());
            for (Row r : rows) {
                if (r.isNullAt(1)) {
                    seeds.add(r.getString(0));
                } else {
                    setAside.merge(r.getString(1), 1L, Long::sum);
                }
            }
            Generate g = sampling.applyTo(teacher.applyTo(new Generate(), teacher.teacherSpec()));
            // which sampling defaults the teacher's generation_config.json gave (--generation-config auto)
            g.authorsDefaults(run.spark()).ifPresent(d -> run.out().println(spec.name() + ": teacher " + d.describe(g.getModel())));
            SelfInstruct selfInstruct = new SelfInstruct(g, teacher.modelName(), o);
            InferenceProgress progress = InferenceProgress.attach(run, selfInstruct::teacherMetrics);
            SelfInstruct.Result result = selfInstruct.run(run.spark(), seeds);
            if (result.instructions().isEmpty()) {
                // an empty output and exit 0 told a scheduler the run had made what it asked for; nothing is written
                run.closeProgress();
                throw new KindlingException(KindlingException.FAILURE, String.format("self-instruct: kept none of %s after %s (%s); "
                        + "nothing written. Raise --max-tokens if they were truncated, --max-rounds, or use a stronger teacher",
                        count(result.candidates(), "candidate instruction"), count(result.rounds(), "round"),
                        result.dropped().isEmpty() ? "none dropped" : "dropped: " + result.dropped().entrySet().stream()
                                .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "))));
            }
            DatasetWriter.write(result.toDataFrame(run.spark()).coalesce(1), out);
            String quarantine = job.quarantinePath(out.path());
            if (quarantine != null) {
                // claimed and checked by checkOutput, as the pipeline commands' is, but never written
                PipelineOutput.writeQuarantine(read, quarantine, job.overwrite, job.idColumn, job.textColumn);
            }
            run.outputsWritten();
            run.closeProgress();
            String notRead = setAside.isEmpty() ? "" : " (" + count(setAside.values().stream().mapToLong(Long::longValue).sum(), "row")
                    + " set aside: " + setAside.entrySet().stream().map(e -> e.getKey() + " " + e.getValue())
                    .collect(java.util.stream.Collectors.joining(", ")) + ")";
            run.out().printf("self-instruct: %s%s, %s, %s, %d kept%n", count(seeds.size(), "seed task"), notRead,
                    count(result.rounds(), "round"), count(result.candidates(), "candidate instruction"), result.instructions().size());
            for (Map.Entry<String, Long> e : result.dropped().entrySet()) {
                run.out().printf("  dropped %-18s %d%n", e.getKey(), e.getValue());
            }
            if (result.failedAnswers() > 0) {
                // answers, not candidates: listed under "dropped" they made kept + dropped exceed the candidates
                run.out().printf("self-instruct: %s failed (their instructions are not among the candidates)%n",
                        count(result.failedAnswers(), "teacher answer"));
            }
            if (result.stoppedBy() != null) {
                run.out().printf("self-instruct: stopped early: %s%n", result.stoppedBy());
            }
            if (result.instructions().size() < num) {
                run.out().printf("self-instruct: only %d of %s after %s (raise --max-rounds, or use a stronger teacher)%n",
                        result.instructions().size(), count(num, "instruction"), count(result.rounds(), "round"));
            }
            // each round's model runs in the round's collect alone (a result stage, over rows nothing caches): Spark adds a
            // partition's counts there once, from the attempt that succeeded
            run.out().println(progress.summary("teacher", "counted in each round's collect, each prompt once"));
            run.out().println("output: " + out.path() + (quarantine != null ? " (bad rows: " + quarantine + ")" : ""));
            if (stats != null) {
                run.writeStats(stats, statsJson(result, seeds.size(), setAside, selfInstruct.teacherMetrics(), run.startNanos()));
            }
            return 0;
        }

        /** {@code n} and {@code noun}, plural unless {@code n} is 1: "1 round", "3 rounds" (the summary said "1 rounds"). */
        private static String count(long n, String noun) {
            return n + " " + noun + (n == 1 ? "" : "s");
        }

        /**
         * {@code --stats}: the candidate instructions as the documents (in, kept: the rows written, dropped by reason, in the
         * stage {@code self-instruct}), the seed tasks the reader read and set aside beside them, as {@code seed_tasks}, and
         * the teacher's counters over every round among the metrics.
         */
        static String statsJson(SelfInstruct.Result result, int seeds, Map<String, Long> setAside,
                dev.kindling.spark.inference.InferenceMetrics teacher, long startNanos) {
            Map<String, Long> byReason = new java.util.LinkedHashMap<>();
            byReason.put(dev.kindling.spark.stage.ReasonCounts.KEPT, (long) result.instructions().size());
            result.dropped().forEach((why, n) -> byReason.put(NAME + ":" + why, n));
            Map<String, Long> metrics = new java.util.LinkedHashMap<>();
            metrics.put("rounds", (long) result.rounds());
            metrics.put("failed teacher answers", (long) result.failedAnswers());
            metrics.put("teacher prompt tokens", teacher == null ? 0 : teacher.promptTokens());
            metrics.put("teacher generated tokens", teacher == null ? 0 : teacher.generatedTokens());
            Map<String, Object> json = dev.kindling.spark.stage.RunReport.of(List.of(NAME), byReason, metrics,
                    (System.nanoTime() - startNanos) / 1e9).toJsonMap();
            Map<String, Long> seedReasons = new java.util.TreeMap<>();
            setAside.forEach((reason, n) -> seedReasons.put(reason.startsWith("read:") ? reason.substring(5) : reason, n));
            long setAsideCount = setAside.values().stream().mapToLong(Long::longValue).sum();
            Map<String, Object> seedTasks = new java.util.LinkedHashMap<>();
            seedTasks.put("stage", "read");
            seedTasks.put("in", seeds + setAsideCount);
            seedTasks.put("kept", (long) seeds);
            seedTasks.put("dropped", setAsideCount);
            seedTasks.put("reasons", seedReasons);
            Map<String, Object> ordered = new java.util.LinkedHashMap<>();
            json.forEach((key, value) -> {
                ordered.put(key, value);
                if (key.equals("stages")) {
                    ordered.put("seed_tasks", seedTasks); // beside the instructions' stage
                }
            });
            return dev.kindling.spark.stage.RunReport.json(ordered);
        }
    }
}
