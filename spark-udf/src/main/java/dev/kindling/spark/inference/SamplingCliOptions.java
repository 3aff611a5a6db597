package dev.kindling.spark.inference;

import dev.kindling.inference.sample.SamplingParams;
import dev.kindling.spark.KindlingException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.IDefaultValueProvider;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The sampling options of the generating commands (a picocli mixin). Defaults: greedy, 256 tokens; a command that
 * samples by default gives its own through a {@link Defaults} provider, so that its {@code --help} shows them.
 */
public class SamplingCliOptions {
    /** The command these options are mixed into (null outside picocli), to tell a typed option from its default. */
    @Spec(Spec.Target.MIXEE)
    CommandSpec mixee;

    @Option(names = "--max-tokens", defaultValue = "256", paramLabel = "N", description = "Most tokens per completion (default: ${DEFAULT-VALUE}).")
    public int maxTokens;

    @Option(names = "--temperature", defaultValue = "0", paramLabel = "T", description = "Sampling temperature; 0 = greedy (default: ${DEFAULT-VALUE}).")
    public double temperature;

    @Option(names = "--top-p", defaultValue = "1", paramLabel = "P", description = "Nucleus sampling mass; 1 = off (default: ${DEFAULT-VALUE}).")
    public double topP;

    @Option(names = "--top-k", defaultValue = "0", paramLabel = "K", description = "Keep the K most likely tokens (default: 0 = off).")
    public int topK;

    @Option(names = "--min-p", defaultValue = "0", paramLabel = "P", description = "Drop tokens below P x the top probability (default: 0 = off).")
    public double minP;

    @Option(names = "--repetition-penalty", defaultValue = "1", paramLabel = "R", description = "> 1 discourages repeated tokens (default: 1 = off).")
    public double repetitionPenalty;

    @Option(names = "--frequency-penalty", defaultValue = "0", paramLabel = "F",
            description = "Subtracted from a token's logit per time it was generated, in [-2, 2] (default: 0 = off).")
    public double frequencyPenalty;

    @Option(names = "--presence-penalty", defaultValue = "0", paramLabel = "F",
            description = "Subtracted from a token's logit once it was generated, in [-2, 2] (default: ${DEFAULT-VALUE}; 0 = off).")
    public double presencePenalty;

    @Option(names = "--seed", paramLabel = "S",
            description = "Sampling seed: each row's seed derives from it and the prompt, so runs repeat exactly (default: 0).")
    public Long seed;

    @Option(names = "--stop", paramLabel = "TEXT", description = "A stop string (repeatable); the completion is cut before it.")
    public List<String> stop = new ArrayList<>();

    @Option(names = "--stop-token-ids", split = ",", paramLabel = "ID",
            description = "Token ids that end a completion besides the model's end tokens (vLLM's stop_token_ids; comma-separated or "
                    + "repeated): the id is counted in n_tokens and left out of the text, finish_reason stop.")
    public List<Integer> stopTokenIds = new ArrayList<>();

    @Option(names = "--generation-config", defaultValue = "none", paramLabel = "MODE",
            description = "auto: the sampling options not given take the model's generation_config.json temperature, top_k, top_p, "
                    + "min_p, repetition_penalty and max_new_tokens (vLLM's --generation-config); none (default): these defaults.")
    public String generationConfig = "none";

    /**
     * Other defaults for some of these options ({@code @Command(defaultValueProvider = ...)}): picocli applies them when
     * the option is not given and prints them as the option's {@code ${DEFAULT-VALUE}}.
     */
    public abstract static class Defaults implements IDefaultValueProvider {
        private final Map<String, String> byOption;

        protected Defaults(Map<String, String> byOption) {
            this.byOption = byOption;
        }

        @Override
        public String defaultValue(ArgSpec arg) {
            return arg instanceof OptionSpec option ? byOption.get(option.longestName()) : null;
        }
    }

    /**
     * {@code --stop-token-ids} checked against the vocabulary of {@code model} when it is a local file or directory, as the
     * engine's command checks it: an id past it was never sampled, and the job would start Spark and load the model on
     * every executor to fail each row with it. A model elsewhere ({@code s3a://}) is checked by the engine, each row's error.
     */
    public void checkStopTokenIds(String model) {
        if (stopTokenIds.isEmpty() || model == null || model.contains("://")) {
            return;
        }
        java.nio.file.Path path = java.nio.file.Path.of(model);
        if (!java.nio.file.Files.exists(path)) {
            return; // reported as a missing model where it is opened
        }
        int vocab;
        try {
            dev.kindling.inference.cli.LocalModel.checkLocalModel("--model", path);
            vocab = dev.kindling.inference.cli.LocalModel.vocabularySize(path);
        } catch (RuntimeException unreadable) {
            return; // not a model this can read: opening it says what is wrong, as without stop ids
        }
        for (int id : stopTokenIds) {
            String refusal = dev.kindling.inference.cli.GenerateCommand.stopTokenIdRefusal(id, vocab, model);
            if (refusal != null) {
                throw KindlingException.usage(refusal);
            }
        }
    }

    public long seedOrDefault() {
        return seed == null ? 0L : seed;
    }

    /** A number as it was most likely typed: 3 for 3.0, 0.5 for 0.5, 1e-300 for 1.0E-300 (not 300 digits). */
    static String typed(double v) {
        if (!Double.isFinite(v)) {
            return String.valueOf(v);
        }
        String plain = java.math.BigDecimal.valueOf(v).stripTrailingZeros().toPlainString();
        return plain.length() <= 24 ? plain : String.valueOf(v);
    }

    /**
     * The setting that makes every sample of a prompt the same answer, as typed ({@code --temperature 0 (greedy, the
     * default)}), or null when these options sample: what {@code generate --samples} and {@code distill dpo} refuse.
     */
    public String oneAnswerSetting() {
        String one = oneAnswerSetting(temperature, topK, minP, maxTokens);
        if (one == null) {
            return null;
        }
        return "--" + (temperature == 0 && temperatureIsDefault() ? one.replace("(greedy)", "(greedy, the default)") : one);
    }

    /**
     * The setting that makes every sample of a prompt the same answer ({@code temperature 0 (greedy)}, {@code top-k 1},
     * {@code min-p 1}, {@code max-tokens 0 (no tokens)}), or null: for the command lines and the Dpo stage alike.
     */
    public static String oneAnswerSetting(double temperature, int topK, double minP, int maxTokens) {
        return temperature == 0 ? "temperature 0 (greedy)" : topK == 1 ? "top-k 1 (greedy)" : minP >= 1 ? "min-p 1 (greedy)"
                : maxTokens == 0 ? "max-tokens 0 (no tokens)" : null;
    }

    /** Whether {@code --generation-config auto} was given. */
    public boolean generationConfigAuto() {
        return "auto".equals(generationConfig);
    }

    /** Whether {@code option} was typed (outside picocli, every option counts as typed). */
    public boolean optionTyped(String option) {
        return mixee == null || mixee.commandLine() == null || mixee.commandLine().getParseResult() == null
                || mixee.commandLine().getParseResult().hasMatchedOption(option);
    }

    private boolean temperatureIsDefault() {
        return mixee == null || mixee.commandLine() == null || mixee.commandLine().getParseResult() == null
                || !mixee.commandLine().getParseResult().hasMatchedOption("--temperature");
    }

    /** Applies these options to a Generate stage. */
    public Generate applyTo(Generate g) {
        if (maxTokens < 0) {
            throw KindlingException.usage("--max-tokens must be >= 0, got " + maxTokens);
        }
        if (!SamplingSpec.validPenalty(frequencyPenalty)) {
            throw KindlingException.usage("--frequency-penalty must be a finite number in [-2, 2], got " + typed(frequencyPenalty));
        }
        if (!SamplingSpec.validPenalty(presencePenalty)) {
            throw KindlingException.usage("--presence-penalty must be a finite number in [-2, 2], got " + typed(presencePenalty));
        }
        for (String s : stop) {
            // the Generate stage's own check named the stage ("Generate(kindlingGenerate_35771714d633).stop: ..."), and
            // U+FFFD came back as a failure (exit 1) pointing at a Java method
            String refusal = dev.kindling.inference.cli.GenerateCommand.stopRefusal(s);
            if (refusal != null) {
                throw KindlingException.usage(refusal);
            }
        }
        for (Map.Entry<String, Double> e : Map.of("temperature", temperature, "top-p", topP, "min-p", minP, "repetition-penalty",
                repetitionPenalty).entrySet()) {
            double v = e.getValue();
            if (Double.isFinite(v) && Float.isInfinite((float) v)) {
                // 1e308 is a finite double but past a float's range: "--temperature must be a finite number >= 0, got 1e308" named the wrong fault
                throw KindlingException.usage("--" + e.getKey() + " is " + v + ", past the largest value it takes (3.4e38)");
            }
        }
        Map<String, Double> given = Map.of("temperature", temperature, "top-k", (double) topK, "top-p", topP, "min-p", minP,
                "repetition-penalty", repetitionPenalty, "frequency-penalty", frequencyPenalty, "presence-penalty", presencePenalty);
        try {
            new SamplingParams((float) temperature, topK, (float) topP, (float) minP, (float) repetitionPenalty, (float) frequencyPenalty,
                    (float) presencePenalty, 0L, SamplingParams.Kind.DEFAULT);
        } catch (SamplingParams.InvalidParameterException e) {
            // the engine's message names the parameter ("temperature must be a finite number >= 0, got -1.0"), not the option typed
            throw KindlingException.usage("--" + e.parameter() + " " + e.requirement() + ", got " + typed(given.get(e.parameter())));
        }
        for (int id : stopTokenIds) {
            if (id < 0) {
                throw KindlingException.usage("--stop-token-ids takes token ids (integers >= 0), got " + id);
            }
        }
        if (!generationConfig.equals("auto") && !generationConfig.equals("none")) {
            throw KindlingException.usage("--generation-config must be auto (the model's generation_config.json gives the sampling "
                    + "options not given) or none (the default: Kindling's), got '" + generationConfig + "'");
        }
        if (generationConfigAuto()) {
            // the options not typed stay the stage's defaults (this command's), which the model's file replaces where it has
            // a value: set, they would win over it
            g.setGenerationConfig("auto").setSamplingDefaults(maxTokens, temperature, topP, topK, minP, repetitionPenalty);
            if (optionTyped("--max-tokens")) {
                g.setMaxTokens(maxTokens);
            }
            if (optionTyped("--temperature")) {
                g.setTemperature(temperature);
            }
            if (optionTyped("--top-p")) {
                g.setTopP(topP);
            }
            if (optionTyped("--top-k")) {
                g.setTopK(topK);
            }
            if (optionTyped("--min-p")) {
                g.setMinP(minP);
            }
            if (optionTyped("--repetition-penalty")) {
                g.setRepetitionPenalty(repetitionPenalty);
            }
        } else {
            g.setMaxTokens(maxTokens).setTemperature(temperature).setTopP(topP).setTopK(topK).setMinP(minP)
                    .setRepetitionPenalty(repetitionPenalty);
        }
        g.setFrequencyPenalty(frequencyPenalty).setPresencePenalty(presencePenalty)
                .setSeed(seedOrDefault()).setStop(stop.toArray(new String[0]))
                .setStopTokenIds(stopTokenIds.stream().mapToInt(Integer::intValue).toArray());
        g.sampling(); // validates
        return g;
    }
}
