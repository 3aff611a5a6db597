package dev.kindling.spark.sql;

import org.apache.spark.sql.SparkSession;

/**
 * Registers Kindling's SQL functions ({@code kindling_*}) in a session, so SQL users and
 * notebooks get the same operations as the Java API and the CLI:
 *
 * <pre>{@code
 * KindlingFunctions.register(spark);
 * spark.sql("SELECT kindling_count_tokens(text, '/models/tokenizer.json') FROM docs");
 * }</pre>
 *
 * Each feature area contributes its functions here; the CLI registers them for every job. Threads may register in one
 * session at once, and call the functions meanwhile: a registration is one step for other users of the session's
 * function registry ({@link SqlUdfs#registering}), so a query never finds a function missing or without its checks.
 */
public final class KindlingFunctions {
    private KindlingFunctions() {}

    public static void register(SparkSession spark) {
        // the tokenizer, curation and inference areas register their functions here
        SqlUdfs.registering(spark, () -> {
            TokenizerFunctions.register(spark);
            dev.kindling.spark.curate.CurationFunctions.register(spark);
            dev.kindling.spark.inference.InferenceFunctions.register(spark);
        });
    }
}
