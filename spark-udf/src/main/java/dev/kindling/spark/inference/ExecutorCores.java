package dev.kindling.spark.inference;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkEnv;

/**
 * The CPU cores this executor may use, which is how many threads its engine gets: the {@code N} of
 * {@code local[N]} / {@code local[N,F]} ({@code local[*]}: every processor), else
 * {@code spark.executor.cores}, else every processor of the machine (standalone executors without
 * that setting take all of a worker's cores).
 */
public final class ExecutorCores {
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\*|\\d+)(?:,\\s*\\d+)?]");
    private static final Pattern LOCAL_CLUSTER = Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*]");

    private ExecutorCores() {}

    /** For the JVM this runs in (an executor, or the driver in local mode). */
    public static int current() {
        SparkEnv env = SparkEnv.get();
        return env == null ? Runtime.getRuntime().availableProcessors() : of(env.conf());
    }

    static int of(SparkConf conf) {
        return of(conf.get("spark.master", ""), conf.contains("spark.executor.cores") ? conf.get("spark.executor.cores") : null,
                Runtime.getRuntime().availableProcessors());
    }

    static int of(String master, String executorCores, int processors) {
        if (master.equals("local")) {
            return 1;
        }
        Matcher m = LOCAL.matcher(master);
        if (m.matches()) {
            return m.group(1).equals("*") ? processors : Math.max(1, Integer.parseInt(m.group(1)));
        }
        m = LOCAL_CLUSTER.matcher(master);
        if (m.matches()) {
            return Math.max(1, Integer.parseInt(m.group(1)));
        }
        if (executorCores != null) {
            try {
                return Math.max(1, Integer.parseInt(executorCores.trim()));
            } catch (NumberFormatException e) {
                return processors;
            }
        }
        return processors;
    }
}
