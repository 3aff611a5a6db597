package dev.kindling.spark.curate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.filter.Decontamination;
import dev.kindling.spark.filter.PiiRedaction;
import dev.kindling.spark.filter.QualityFilter;
import dev.kindling.spark.io.SideFile;
import dev.kindling.spark.stage.PipelineStage;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;

/**
 * A curation pipeline written as JSON or YAML ({@code kindling curate --config}): a list of stages
 * run in order, each a one-key object, the stage type, with its options:
 *
 * <pre>
 * stages:
 *   - exact_dedup: {}                      # by normalised text
 *   - exact_dedup: {column: url}           # by URL
 *   - exact_dedup: {against: [corpus/2026-11]}   # and against an earlier corpus (minhash_dedup too)
 *   - exact_dedup: {against_index: [index/2026-11]}   # or its saved index (dedup --save-index)
 *   - gopher_repetition: {}
 *   - gopher_quality: {}
 *   - c4: {}
 *   - fineweb: {}
 *   - minhash_dedup: {threshold: 0.8, ngram: 5, num_perm: 112}
 *   - sentence_dedup: {span_sentences: 3, min_doc_words: 50, min_num_sentences: 3}
 *   - decontaminate: {benchmark: mmlu.jsonl, columns: [question], ngram: 13, mode: drop}
 *   - pii: {kinds: [email, ipv4, ipv6, phone]}
 * </pre>
 *
 * Types: {@code exact_dedup}, {@code minhash_dedup}, {@code sentence_dedup}, {@code gopher}
 * (both Gopher filters), {@code gopher_quality}, {@code gopher_repetition}, {@code c4},
 * {@code fineweb}, {@code pii}, {@code decontaminate}. Unknown types and options are errors naming
 * the file, the stage's position and what was expected.
 */
public final class StageConfig {
    private StageConfig() {}

    /**
     * Reads {@code file} (YAML when it ends in .yaml/.yml, else JSON): a local path, or through Hadoop with {@code conf}
     * ({@code s3a://}, {@code hdfs://}, {@code file:}; see {@link SideFile}).
     */
    public static List<PipelineStage> read(String file, Configuration conf, boolean keepDuplicates) {
        String name = file.toLowerCase(Locale.ROOT);
        boolean yaml = name.endsWith(".yaml") || name.endsWith(".yml");
        // a key given twice kept its last value in silence (the first 'stages' list, or kinds: [email] before
        // kinds: [phone], was dropped), and what followed the first value (JSON's '{...} {...}', YAML's second
        // document after ---) was never read, as Python's json.load and yaml.safe_load refuse
        com.fasterxml.jackson.core.JsonFactory factory = (yaml ? YAMLFactory.builder() : com.fasterxml.jackson.core.JsonFactory.builder())
                .enable(com.fasterxml.jackson.core.StreamReadFeature.STRICT_DUPLICATE_DETECTION).build();
        ObjectMapper mapper = new ObjectMapper(factory).enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        byte[] bytes = SideFile.read(file, conf, "config");
        JsonNode root;
        try {
            if (yaml) {
                refuseAliases(factory, bytes, file);
            }
            root = mapper.readTree(bytes);
        } catch (IOException e) {
            // YAML in pipeline.conf was refused as "not valid JSON: Unrecognized token 'stages'", which did not say why JSON
            String how = yaml || name.endsWith(".json") ? "" : " (a config whose name ends in neither .yaml nor .yml is read as JSON)";
            throw KindlingException.usage("config " + file + " is not valid " + (yaml ? "YAML" : "JSON") + how + ": " + parserMessage(e));
        }
        java.nio.file.Path local = dev.kindling.spark.io.LocalPaths.localOrNull(file);
        String folder = local != null ? local.toAbsolutePath().getParent().toString()
                : new org.apache.hadoop.fs.Path(file).getParent().toString();
        return parse(root, file, folder, keepDuplicates);
    }

    /**
     * Jackson's YAML tree reads an alias ({@code *name}) as the string "name", not as the anchored value, and a merge key
     * ({@code <<: *defaults}) as a key "<<": {@code column: *text} deduplicated on a column 'text' while every YAML loader
     * reads the value anchored. Both are refused, naming the line.
     */
    private static void refuseAliases(com.fasterxml.jackson.core.JsonFactory factory, byte[] bytes, String file) throws IOException {
        try (com.fasterxml.jackson.dataformat.yaml.YAMLParser p = (com.fasterxml.jackson.dataformat.yaml.YAMLParser) factory.createParser(bytes)) {
            for (com.fasterxml.jackson.core.JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
                boolean merge = t == com.fasterxml.jackson.core.JsonToken.FIELD_NAME && "<<".equals(p.currentName());
                if (p.isCurrentAlias() || merge) {
                    throw KindlingException.usage("config " + file + ", line " + p.currentLocation().getLineNr() + ": "
                            + (merge ? "a YAML merge key (<<)" : "a YAML alias (*" + p.getText() + ")")
                            + " is not supported; write the value out where it is used");
                }
            }
        }
    }

    /** A parser's error without its excerpt of the file: its lines (SnakeYAML's say what and where over several) and position. */
    private static String parserMessage(IOException e) {
        String m = e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage();
        if (e instanceof com.fasterxml.jackson.databind.exc.MismatchedInputException && m != null && m.startsWith("Trailing token")) {
            m = "more follows the first value (a second YAML document after ---, or text after JSON's closing brace)";
        }
        StringBuilder out = new StringBuilder();
        for (String line : (m == null ? e.toString() : m).split("\n")) {
            String l = line.strip().replace("in 'reader', ", "").replaceAll(":$", "");
            if (l.isEmpty() || l.equals("^") || line.startsWith("    ")) {
                continue;   // SnakeYAML's excerpt of the line and its caret
            }
            out.append(out.length() == 0 ? "" : "; ").append(l);
        }
        if (e instanceof com.fasterxml.jackson.core.JsonProcessingException j && j.getLocation() != null
                && !out.toString().contains("line ")) {
            out.append(" (line ").append(j.getLocation().getLineNr()).append(", column ").append(j.getLocation().getColumnNr()).append(")");
        }
        return out.toString();
    }

    /** Parses the {@code stages} list of a config tree; {@code source} names it in errors. */
    public static List<PipelineStage> parse(JsonNode root, String source, boolean keepDuplicates) {
        return parse(root, source, null, keepDuplicates);
    }

    /**
     * As {@link #parse(JsonNode, String, boolean)}, a relative file path in the config (a benchmark) read from
     * {@code folder}, the config's own (null: as given, from the working directory).
     */
    private static List<PipelineStage> parse(JsonNode root, String source, String folder, boolean keepDuplicates) {
        if (root == null || !root.isObject() || !root.has("stages") || !root.get("stages").isArray()) {
            // 'stage:' for 'stages:' was "expected an object with a 'stages' list" alone, the typo not shown
            List<String> keys = new ArrayList<>();
            if (root != null) {
                root.fieldNames().forEachRemaining(k -> keys.add("'" + k + "'"));
            }
            String found = root == null || root.isMissingNode() || root.isNull() ? "an empty file"
                    : !root.isObject() ? (root.isArray() ? "a list (give it as 'stages: [...]')" : "the value " + root)
                    : root.has("stages") ? "'stages' holding " + root.get("stages")
                    : root.isEmpty() ? "an empty object" : (keys.size() == 1 ? "the key " : "the keys ") + String.join(", ", keys);
            throw KindlingException.usage("config " + source + ": expected an object with a 'stages' list, found " + found);
        }
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!k.equals("stages")) {
                // 'stagse' beside 'stages' was ignored
                throw KindlingException.usage("config " + source + ": unknown key '" + k + "' (a config has 'stages' alone)");
            }
        }
        List<PipelineStage> out = new ArrayList<>();
        int i = 0;
        for (JsonNode item : root.get("stages")) {
            String where = "config " + source + ": stages[" + i + "]";
            if (!item.isObject() || item.size() != 1) {
                // a bare '- c4' (YAML's string) got no hint of the form that was meant
                throw KindlingException.usage(where + ": expected a one-key object {type: {options}}, got " + item
                        + (item.isTextual() ? " (a stage without options is written '- " + item.asText() + ": {}')" : ""));
            }
            String type = item.fieldNames().next();
            JsonNode opts = item.get(type);
            // a bare "- exact_dedup:" is YAML's null, which Jackson reads as the empty string in block style
            if (opts == null || opts.isNull() || opts.isTextual() && opts.asText().isEmpty()) {
                opts = mapper().createObjectNode();
            }
            if (!opts.isObject()) {
                throw KindlingException.usage(where + " (" + type + "): options must be an object, got " + opts);
            }
            String named = where + " (" + type + ")";
            for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> f = opts.fields(); f.hasNext(); ) {
                java.util.Map.Entry<String, JsonNode> e = f.next();
                // YAML's "column:" left empty: read as absent, exact_dedup then compared the text, not the column meant.
                // Jackson reads it as null in flow style ({column: }) and as "" in block style; no option takes ""
                boolean empty = e.getValue().isTextual() && e.getValue().asText().isBlank();
                if (e.getValue().isNull() || empty) {
                    throw KindlingException.usage(named + ": '" + e.getKey() + "' has no value (" + (empty ? "empty" : "null")
                            + "); give one, or leave the key out for its default");
                }
            }
            try {
                out.addAll(stage(type, new Options(opts, named, folder), keepDuplicates));
            } catch (IllegalArgumentException e) {
                throw KindlingException.usage(named + ": " + asOption(e.getMessage()));
            } catch (KindlingException e) {
                throw e.getMessage().startsWith("config ") ? e : KindlingException.usage(named + ": " + asOption(e.getMessage()));
            }
            i++;
        }
        if (out.isEmpty()) {
            throw KindlingException.usage("config " + source + ": the 'stages' list is empty");
        }
        return numberRepeats(out);
    }

    /**
     * {@code stages} with each repeat of an earlier stage's name made a stage of its own, named {@code name#2},
     * {@code name#3}...: the table and --stats count by the stage a reason names, and a repeat's rows were credited to
     * the first (which was shown dropping what the second dropped), the stages between them with the wrong inputs.
     */
    public static List<PipelineStage> numberRepeats(List<PipelineStage> stages) {
        List<PipelineStage> out = new ArrayList<>(stages);
        for (int k = 0; k < out.size(); k++) {
            String name = out.get(k).name();
            int occurrence = 1;
            for (int j = 0; j < k; j++) {
                occurrence += stages.get(j).name().equals(name) ? 1 : 0;
            }
            if (occurrence > 1) {
                out.set(k, new RepeatedStage(out.get(k), occurrence));
            }
        }
        return out;
    }

    /** Params a config names otherwise than by their snake case (see {@link #stage}). */
    private static final java.util.Map<String, String> CONFIG_NAMES = java.util.Map.of("benchmarkColumns", "columns", "flagCol", "flag_column");

    /** A stage's param as ParamChecks names it, {@code MinHashDedup(kindling_minhash_dedup_3f2a).numPerm}. */
    private static final java.util.regex.Pattern STAGE_PARAM = java.util.regex.Pattern.compile("\\b[A-Z]\\w*\\(kindling_\\w+\\)\\.(\\w+)");

    /**
     * A param error as a config user reads it: the option as the config spells it ({@code 'num_perm'}) instead of the
     * stage's class, random uid and Java param name, which the config does not show (its stages have no uid).
     */
    static String asOption(String message) {
        java.util.regex.Matcher m = STAGE_PARAM.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String snake = CONFIG_NAMES.getOrDefault(m.group(1), m.group(1).replaceAll("([a-z0-9])([A-Z])", "$1_$2").toLowerCase(Locale.ROOT));
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement("'" + snake + "'"));
        }
        m.appendTail(out);
        // MinHashParams' own check names the Java field ("bands x rows must fit in numPerm: ... numPerm=112"), which a
        // config spells num_perm
        return out.toString().replaceAll("\\bnumPerm\\b", "num_perm");
    }

    private static ObjectMapper mapper() {
        return new ObjectMapper();
    }

    private static List<PipelineStage> stage(String type, Options o, boolean keepDuplicates) {
        List<PipelineStage> out = new ArrayList<>();
        switch (type) {
            case "exact_dedup" -> {
                ExactDedup s = new ExactDedup().setClusterColumns(keepDuplicates);
                o.string("column").ifPresent(s::setColumn);
                o.string("normalize").ifPresent(s::setNormalize);
                o.files("against").ifPresent(p -> s.setAgainstPaths(p.toArray(new String[0])));
                o.files("against_index").ifPresent(p -> s.setAgainstIndexPaths(p.toArray(new String[0])));
                dev.kindling.spark.dedup.EarlierIndex.requireLocalFit(s.getAgainstIndexPaths(), s, o.where + ": against_index");
                out.add(s);
            }
            case "minhash_dedup" -> {
                MinHashDedup s = new MinHashDedup().setClusterColumns(keepDuplicates);
                o.number("threshold").ifPresent(v -> s.setThreshold(v.doubleValue()));
                o.intNumber("ngram").ifPresent(v -> s.setNgram(v));
                o.intNumber("num_perm").ifPresent(v -> s.setNumPerm(v));
                o.intNumber("bands").ifPresent(v -> s.setBands(v));
                o.intNumber("rows").ifPresent(v -> s.setRows(v));
                o.longNumber("seed").ifPresent(v -> s.setSeed(v));
                o.bool("verify").ifPresent(s::setVerify);
                o.string("normalize").ifPresent(s::setNormalize);
                o.intNumber("all_pairs_max_bucket").ifPresent(v -> s.setAllPairsMaxBucket(v));
                o.files("against").ifPresent(p -> s.setAgainstPaths(p.toArray(new String[0])));
                o.files("against_index").ifPresent(p -> s.setAgainstIndexPaths(p.toArray(new String[0])));
                s.minHashParams();   // validates bands x rows against num_perm
                dev.kindling.spark.dedup.EarlierIndex.requireLocalFit(s.getAgainstIndexPaths(), s, o.where + ": against_index");
                out.add(s);
            }
            case "sentence_dedup" -> {
                SentenceDedupStage s = new SentenceDedupStage();
                o.intNumber("span_sentences").ifPresent(v -> s.setSpanSentences(v));
                o.intNumber("min_doc_words").ifPresent(v -> s.setMinDocWords(v));
                o.intNumber("min_num_sentences").ifPresent(v -> s.setMinNumSentences(v));
                out.add(s);
            }
            case "gopher", "gopher_quality", "gopher_repetition", "c4", "fineweb" -> out.addAll(QualityFilter.stagesFor(type));
            case "pii" -> {
                PiiRedaction s = new PiiRedaction();
                o.strings("kinds").ifPresent(k -> s.setKinds(k.toArray(new String[0])));
                out.add(s);
            }
            case "decontaminate" -> {
                Decontamination s = new Decontamination();
                s.setBenchmark(o.file("benchmark").orElseThrow(() -> KindlingException.usage(o.where + ": 'benchmark' (a file) is required")));
                o.strings("columns").ifPresent(c -> s.setBenchmarkColumns(c.toArray(new String[0])));
                // a column the benchmark lacks was found once Spark had started, the error naming neither config nor stage
                s.setOrigin(o.where);
                s.checkLocalBenchmarkColumns();
                o.intNumber("ngram").ifPresent(v -> s.setNgram(v));
                o.string("mode").ifPresent(s::setMode);
                o.string("flag_column").ifPresent(s::setFlagCol);
                if (o.has("flag_column") && !s.getMode().equals("flag")) {
                    // mode drop writes no column: the name was ignored
                    throw KindlingException.usage(o.where + ": 'flag_column' applies with mode: flag (mode is " + s.getMode() + ")");
                }
                out.add(s);
            }
            default -> throw KindlingException.usage(o.where + ": unknown stage type; expected exact_dedup, minhash_dedup, "
                    + "sentence_dedup, gopher, gopher_quality, gopher_repetition, c4, fineweb, pii or decontaminate");
        }
        o.rejectUnknown();
        return out;
    }

    /** A stage's options, tracking which were read so that the others are reported as unknown. */
    private static final class Options {
        private final JsonNode node;
        private final String where;
        private final Set<String> used = new LinkedHashSet<>();

        /** The config's folder, which a relative file path is read from; null: the working directory. */
        private final String folder;

        Options(JsonNode node, String where, String folder) {
            this.node = node;
            this.where = where;
            this.folder = folder;
        }

        /**
         * A file path option, a relative one read from the config's folder (an S3 config's too): it was read from the
         * working directory, so a config run from elsewhere failed after Spark had started, or read another folder's file
         * of that name in silence. A local path is checked as Spark's reader will read it, a glob ({@link #resolve}).
         */
        java.util.Optional<String> file(String key) {
            return string(key).map(given -> resolve(key, given));
        }

        /** A list of paths (files, folders, globs), each as {@link #file} reads one. */
        java.util.Optional<List<String>> files(String key) {
            return strings(key).map(given -> {
                if (given.isEmpty()) {
                    throw KindlingException.usage(where + ": '" + key + "' needs at least one path");
                }
                return given.stream().map(g -> resolve(key, g)).toList();
            });
        }

        /**
         * {@code given} read from the config's folder when relative; a local one refused where what it matches as a glob
         * is nothing, or is not the file of its name ({@link dev.kindling.spark.io.DataFormat#matches}): every path option
         * is read by a Spark reader, which globs it. The literal path was looked for, so {@code bench/*.jsonl} and the
         * escaped {@code b\[1\].jsonl} (the escape the refusal of {@code b[1].jsonl} gives) were refused as missing.
         */
        private String resolve(String key, String given) {
            dev.kindling.spark.io.LocalPaths.requireHadoopPath(where + ": " + key, given);
            // relative: no scheme Hadoop reads (a colon after a slash, as in a/b:c, is part of a name)
            boolean relative = folder != null && dev.kindling.spark.io.SideFile.scheme(given) == null && !given.startsWith("/");
            String path = !relative ? given : dev.kindling.spark.io.LocalPaths.localOrNull(folder) != null
                    ? java.nio.file.Path.of(folder).resolve(given).normalize().toString()
                    : new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(folder), given).toString();
            if (folder == null || dev.kindling.spark.io.LocalPaths.localOrNull(path) == null) {
                return path;
            }
            String label = where + ": " + key + " " + path;
            org.apache.hadoop.fs.FileStatus[] matches;
            try {
                matches = dev.kindling.spark.io.DataFormat.matches(
                        org.apache.hadoop.fs.FileSystem.getLocal(new org.apache.hadoop.conf.Configuration()), path, label);
            } catch (java.io.IOException e) {
                throw new KindlingException(KindlingException.FAILURE, label + " cannot be listed: " + e.getMessage(), e);
            }
            if (matches.length == 0) {
                throw KindlingException.usage(label + " does not exist" + (relative ? " (a relative path is read from the config's folder)" : ""));
            }
            return path;
        }

        boolean has(String key) {
            JsonNode v = node.get(key);
            return v != null && !v.isNull();
        }

        private JsonNode get(String key) {
            used.add(key);
            JsonNode v = node.get(key);
            return v == null || v.isNull() ? null : v;
        }

        java.util.Optional<String> string(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return java.util.Optional.empty();
            }
            if (!v.isTextual()) {
                throw KindlingException.usage(where + ": '" + key + "' must be a string, got " + v);
            }
            return java.util.Optional.of(v.asText());
        }

        java.util.Optional<Number> number(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return java.util.Optional.empty();
            }
            if (!v.isNumber()) {
                throw KindlingException.usage(where + ": '" + key + "' must be a number, got " + v);
            }
            return java.util.Optional.of(v.numberValue());
        }

        /** A whole number in int range: 5.5 or 2^40 is a usage error, not a silent truncation or wrap. */
        java.util.Optional<Integer> intNumber(String key) {
            return longNumber(key).map(v -> {
                if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
                    throw KindlingException.usage(where + ": '" + key + "' is out of range: " + v);
                }
                return v.intValue();
            });
        }

        /** A whole number (a YAML 5.0 counts as 5). */
        java.util.Optional<Long> longNumber(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return java.util.Optional.empty();
            }
            if (!v.isNumber() || !v.canConvertToExactIntegral()) {
                throw KindlingException.usage(where + ": '" + key + "' must be a whole number, got " + v);
            }
            if (!v.canConvertToLong()) {
                throw KindlingException.usage(where + ": '" + key + "' is out of range: " + v);
            }
            return java.util.Optional.of(v.longValue());
        }

        java.util.Optional<Boolean> bool(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return java.util.Optional.empty();
            }
            if (!v.isBoolean()) {
                throw KindlingException.usage(where + ": '" + key + "' must be true or false, got " + v);
            }
            return java.util.Optional.of(v.asBoolean());
        }

        java.util.Optional<List<String>> strings(String key) {
            JsonNode v = get(key);
            if (v == null) {
                return java.util.Optional.empty();
            }
            List<String> out = new ArrayList<>();
            if (v.isTextual()) {
                for (String s : v.asText().split(",")) {
                    if (!s.isBlank()) {
                        out.add(s.trim());
                    }
                }
            } else if (v.isArray()) {
                for (JsonNode e : v) {
                    if (!e.isTextual()) {
                        throw KindlingException.usage(where + ": '" + key + "' must be a list of strings, got " + v);
                    }
                    out.add(e.asText());
                }
            } else {
                throw KindlingException.usage(where + ": '" + key + "' must be a list of strings, got " + v);
            }
            return java.util.Optional.of(out);
        }

        void rejectUnknown() {
            for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
                String k = it.next();
                if (!used.contains(k)) {
                    throw KindlingException.usage(where + ": unknown option '" + k + "'" + (used.isEmpty() ? " (it takes none)"
                            : " (expected " + String.join(", ", used) + ")"));
                }
            }
        }
    }
}
