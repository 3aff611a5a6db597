package dev.kindling.spark.inference;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.SideFile;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * A judge's instructions: a text with {@code {instruction}} and {@code {response}} in it, and the
 * rating scale. Kindling ships four UltraFeedback-style rubrics (1 to 5), written for this project
 * after UltraFeedback's four aspects: {@code helpfulness}, {@code honesty},
 * {@code instruction_following}, {@code truthfulness} (resources
 * {@code dev/kindling/spark/inference/rubrics/*.txt}); any other value is read as a template file.
 * Every template asks for the answer as {@code Rating: N}.
 */
public record Rubric(String name, String template, int minRating, int maxRating) implements Serializable {
    /** The rubrics shipped with Kindling. */
    public static final List<String> BUILT_IN = List.of("helpfulness", "honesty", "instruction_following", "truthfulness");

    public Rubric {
        if (!template.contains("{response}")) {
            throw KindlingException.usage("rubric " + name + " has no {response} placeholder");
        }
        if (minRating >= maxRating) {
            throw KindlingException.usage("rubric " + name + ": the rating scale " + minRating + ".." + maxRating + " is empty");
        }
    }

    /** A built-in rubric by name, or a template file (local path), with the 1..5 scale. */
    public static Rubric load(String nameOrPath) {
        return load(nameOrPath, 1, 5);
    }

    public static Rubric load(String nameOrPath, int min, int max) {
        return load(nameOrPath, min, max, null);
    }

    /**
     * A built-in rubric by name, or a template file: a local path, or one with a scheme ({@code s3a://}, {@code hdfs://})
     * read through Hadoop with {@code conf} (the job's settings; null for Hadoop's defaults).
     */
    public static Rubric load(String nameOrPath, int min, int max, org.apache.hadoop.conf.Configuration conf) {
        return load(nameOrPath, min, max, conf, "rubric");
    }

    /**
     * {@link #load(String, int, int, org.apache.hadoop.conf.Configuration)}, a template file that is not there or cannot
     * be read named as {@code what} gave it (a SQL function's argument: {@code kindling_judge: argument 4 (rubric)}).
     */
    public static Rubric load(String nameOrPath, int min, int max, org.apache.hadoop.conf.Configuration conf, String what) {
        if (BUILT_IN.contains(nameOrPath) && (min != 1 || max != 5)) {
            // their text describes five levels and asks for "a number from 1 to 5": another scale would be parsed from
            // answers the judge was never asked for
            throw KindlingException.usage("rubric " + nameOrPath + " is a built-in 1 to 5 scale; for " + min + ".." + max
                    + " give a template file whose text asks for that scale");
        }
        if (BUILT_IN.contains(nameOrPath)) {
            try (InputStream in = Rubric.class.getResourceAsStream("rubrics/" + nameOrPath + ".txt")) {
                if (in == null) {
                    throw new IllegalStateException("rubric resource " + nameOrPath + " is missing from the jar");
                }
                return new Rubric(nameOrPath, new String(in.readAllBytes(), StandardCharsets.UTF_8), min, max);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
        requireFound(what, nameOrPath);
        String template = new String(SideFile.read(nameOrPath, conf, what), StandardCharsets.UTF_8);
        return new Rubric(new org.apache.hadoop.fs.Path(nameOrPath).getName(), template, min, max);
    }

    /**
     * A usage error naming {@code what} (the option as typed, or "rubric") when {@code nameOrPath} is neither a built-in
     * rubric nor a local file; a remote one is found when read.
     */
    public static void requireFound(String what, String nameOrPath) {
        if (!BUILT_IN.contains(nameOrPath) && SideFile.scheme(nameOrPath) == null && !Files.isRegularFile(Path.of(nameOrPath))) {
            throw KindlingException.usage(what + " " + nameOrPath + " is neither a built-in rubric (" + String.join(", ", BUILT_IN)
                    + ") nor a template file");
        }
    }

    /**
     * Checks, on the driver as the query is analysed, the constant rubric a SQL function's argument gives ({@code argument}
     * names it), read as its tasks read it: a built-in rubric's name, or a template file, a remote one with the session's
     * Hadoop settings with any master, a local one with a local master (a cluster's executors read their own disks). One
     * that is not there, or whose text has no {@code {response}}, failed in the query's first task, naming no function.
     */
    public static void checkOnDriver(String argument, String nameOrPath, org.apache.spark.SparkContext sc) {
        if (!BUILT_IN.contains(nameOrPath) && !SideFile.remote(nameOrPath) && !sc.isLocal()) {
            return;
        }
        try {
            load(nameOrPath, 1, 5, SideFile.remote(nameOrPath) ? sc.hadoopConfiguration() : null, argument);
        } catch (KindlingException e) {
            throw dev.kindling.spark.executor.LocalFiles.naming(argument, nameOrPath, e);
        }
    }

    /** The template with the placeholders filled in one pass (a response holding "{instruction}" stays as it is). */
    public String fill(String instruction, String response) {
        StringBuilder sb = new StringBuilder(template.length() + response.length() + (instruction == null ? 0 : instruction.length()));
        int i = 0;
        while (i < template.length()) {
            if (template.startsWith("{instruction}", i)) {
                sb.append(instruction == null ? "" : instruction);
                i += "{instruction}".length();
            } else if (template.startsWith("{response}", i)) {
                sb.append(response);
                i += "{response}".length();
            } else {
                sb.append(template.charAt(i++));
            }
        }
        return sb.toString();
    }
}
