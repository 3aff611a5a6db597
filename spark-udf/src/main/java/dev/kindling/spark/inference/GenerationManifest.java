package dev.kindling.spark.inference;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.spark.KindlingException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.SparkSession;

/**
 * {@code _manifest.json}, written beside the part files of {@code generate}'s job and of {@code distill sft} and
 * {@code dpo} once they are complete: how the rows were made, so that a dataset says which model wrote it and with what
 * sampling, and a rerun with the same settings writes the same rows (each row's seed derives from the recorded seed and
 * its prompt). The settings are the ones the rows were generated with: a {@code generation_config.json}'s values that
 * {@code --generation-config auto} took are in them, and listed apart. The name starts with {@code _}, so Spark, and
 * Kindling's reader of a folder, pass over it as they pass over {@code _SUCCESS}, and {@code --overwrite} replaces it.
 */
public final class GenerationManifest {
    public static final String FILE = "_manifest.json";
    private static final ObjectMapper JSON = new ObjectMapper();
    private final ObjectNode root = JSON.createObjectNode();

    /**
     * Spark's setting of the {@code --conf} keys whose values are left out of {@code args} ({@code spark.redaction.regex}),
     * as its UI and event log hide their values: a manifest travels with its dataset (to a hub, to colleagues), and an S3
     * secret key given on the command line would have gone with it. Spark's own entry, for its key and default (Spark 4.2's
     * {@code (?i)secret|password|token|access[.]?key}).
     */
    private static final org.apache.spark.internal.config.ConfigEntry<?> REDACTION =
            org.apache.spark.internal.config.package$.MODULE$.SECRET_REDACTION_PATTERN();

    /** The key of {@link #REDACTION}: {@code spark.redaction.regex}. */
    static final String REDACTION_KEY = REDACTION.key();

    /** What stands for a value left out, Spark's own. */
    static final String REDACTED = "*********(redacted)";

    /**
     * @param command the command as typed ({@code kindling distill sft}); {@code args} its arguments, as given, the values
     *     of secret {@code --conf} settings left out: those whose key {@code conf}'s {@code spark.redaction.regex} matches
     *     (the session's, as Spark's UI and event log take it), else Spark's default
     */
    public GenerationManifest(String command, List<String> args, String version, org.apache.spark.SparkConf conf) {
        root.put("kindling_version", version);
        root.put("command", command);
        ArrayNode a = root.putArray("args");
        redacted(args, redaction(conf)).forEach(a::add);
    }

    /**
     * The settings that say what the manifest of a run in {@code spark} leaves out ({@link #GenerationManifest}): its
     * context's, with the session's own {@code spark.redaction.regex} over them, as Spark SQL's redaction of options
     * ({@code SQLConf.redactOptions}) reads it from the session. A command run in a session already there (in-process, a
     * notebook's) gives its {@code --conf} to the session, while the context keeps the settings it started with: a
     * {@code --conf spark.redaction.regex} of such a run hid nothing of its manifest.
     */
    public static org.apache.spark.SparkConf settingsOf(org.apache.spark.sql.SparkSession spark) {
        org.apache.spark.SparkConf conf = spark.sparkContext().getConf();
        scala.Option<String> own = spark.conf().getOption(REDACTION_KEY);
        if (own.isDefined()) {
            conf.set(REDACTION_KEY, own.get());
        }
        return conf;
    }

    /**
     * The pattern of secret keys: {@code conf}'s {@code spark.redaction.regex}, or Spark's default where it sets none. One
     * that is not a regular expression is a usage error naming the setting (Spark's UI would fail on it too).
     */
    static java.util.regex.Pattern redaction(org.apache.spark.SparkConf conf) {
        String regex = conf.get(REDACTION_KEY, REDACTION.defaultValueString());
        try {
            return java.util.regex.Pattern.compile(regex);
        } catch (java.util.regex.PatternSyntaxException e) {
            throw KindlingException.usage(REDACTION_KEY + " '" + regex + "' is not a regular expression: " + e.getDescription()
                    + " (it says which --conf values _manifest.json leaves out, as Spark's UI hides them)");
        }
    }

    /**
     * {@code args} with the value of each {@code --conf KEY=VALUE} (or {@code --conf=KEY=VALUE}) in whose key or value
     * {@code secret} finds a match replaced, as Spark's {@code Utils.redact} takes a setting (key first, then value: a JDBC
     * URL that carries {@code password=} is hidden whatever its key).
     */
    static List<String> redacted(List<String> args, java.util.regex.Pattern secret) {
        List<String> out = new java.util.ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            boolean afterConf = i > 0 && args.get(i - 1).equals("--conf");
            String prefix = arg.startsWith("--conf=") ? "--conf=" : afterConf ? "" : null;
            int eq = prefix == null ? -1 : arg.indexOf('=', prefix.length());
            if (eq > 0 && (secret.matcher(arg.substring(prefix.length(), eq)).find() || secret.matcher(arg.substring(eq + 1)).find())) {
                arg = arg.substring(0, eq + 1) + REDACTED;
            }
            out.add(arg);
        }
        return out;
    }

    /**
     * Records {@code asRun} ({@link Generate#settingsAsRun}) under {@code key} ({@code model}, {@code teacher}): the model
     * and how it reads the prompts, and its sampling in vLLM's {@code SamplingParams} names.
     */
    public GenerationManifest generator(String key, Generate asRun, String modelName, String systemPrompt,
            java.util.Optional<Generate.AuthorsDefaults> fromGenerationConfig) {
        ObjectNode m = root.putObject(key);
        m.put("path", asRun.getModel());
        m.put("name", modelName);
        m.put("tokenizer", blankAsNull(asRun.getTokenizer()));
        m.put("chat", asRun.getMessagesCol().isEmpty() ? asRun.getChat() : "messages");
        m.put("system_prompt", blankAsNull(systemPrompt));
        if (!asRun.getMessagesCol().isEmpty()) {
            m.put("continue_final_message", asRun.getContinueFinalMessage());
        }
        m.put("device", asRun.getDevice());
        m.put("kv_cache_type", asRun.getKvCacheType());
        m.put("truncate_prompts", asRun.getTruncatePrompts());
        ObjectNode s = root.putObject("sampling");
        s.put("n", asRun.getN());
        s.put("max_tokens", asRun.getMaxTokens());
        s.put("temperature", asRun.getTemperature());
        s.put("top_p", asRun.getTopP());
        s.put("top_k", asRun.getTopK());
        s.put("min_p", asRun.getMinP());
        s.put("repetition_penalty", asRun.getRepetitionPenalty());
        s.put("frequency_penalty", asRun.getFrequencyPenalty());
        s.put("presence_penalty", asRun.getPresencePenalty());
        s.put("seed", asRun.getSeed());
        ArrayNode stop = s.putArray("stop");
        for (String t : asRun.getStop()) {
            stop.add(t);
        }
        ArrayNode ids = s.putArray("stop_token_ids");
        for (int id : asRun.getStopTokenIds()) {
            ids.add(id);
        }
        if (asRun.getLogprobs() >= 0) {
            s.put("logprobs", asRun.getLogprobs());
        }
        ObjectNode g = root.putObject("generation_config");
        g.put("mode", asRun.getGenerationConfig());
        fromGenerationConfig.ifPresent(d -> {
            g.put("file_found", d.fileFound());
            ObjectNode taken = g.putObject("taken");
            d.taken().forEach(taken::put);
        });
        return this;
    }

    /**
     * Records whether {@code generate} read rows' own sampling settings ({@link Generate#perRowSampling()},
     * {@code --per-row-sampling}) and the input's columns it read them from: those rows' settings are in the rows, the
     * recorded ones are the others'. A rerun needs the flag as much as the settings.
     */
    public GenerationManifest perRowSampling(boolean enabled, List<String> columns) {
        ObjectNode p = root.putObject("per_row_sampling");
        p.put("enabled", enabled);
        ArrayNode a = p.putArray("columns");
        columns.forEach(a::add);
        return this;
    }

    /** Records the judge of {@code distill dpo}. */
    public GenerationManifest judge(Judge judge) {
        ObjectNode j = root.putObject("judge");
        j.put("path", judge.getModel());
        j.put("tokenizer", blankAsNull(judge.getTokenizer()));
        j.put("rubric", judge.getRubric());
        j.put("method", judge.getMethod());
        j.put("max_tokens", judge.getMaxTokens());
        return this;
    }

    /** The manifest's JSON text. */
    public String json() {
        try {
            return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@link #FILE} into the (complete) output folder {@code output}, local or remote; a failure is the run's. */
    public void write(SparkSession spark, String output) {
        Path at = new Path(output, FILE);
        try {
            FileSystem fs = at.getFileSystem(HadoopConf.of(spark).get());
            try (OutputStream out = fs.create(at, true)) {
                out.write(json().getBytes(StandardCharsets.UTF_8));
            }
        } catch (IOException | RuntimeException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot write " + at + ": " + e.getMessage(), e);
        }
    }

    private static String blankAsNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }
}
