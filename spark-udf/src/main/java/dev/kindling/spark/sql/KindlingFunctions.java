package dev.kindling.spark.sql;

import java.util.List;
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
 * Without Java code, {@code --conf spark.sql.extensions=dev.kindling.spark.sql.KindlingExtensions} gives every session
 * Spark builds the same functions ({@link KindlingExtensions}). Each feature area contributes its functions here; the CLI
 * registers them for every job. Threads may register in one
 * session at once, and call the functions meanwhile: a registration is one step for other users of the session's
 * function registry ({@link SqlUdfs#registering}), so a query never finds a function missing or without its checks.
 */
public final class KindlingFunctions {
    private KindlingFunctions() {}

    /**
     * Registers the functions in {@code spark}. Registering them again (a session built with {@link KindlingExtensions},
     * which registered them on their first use, or a second call) replaces them, quietly.
     */
    public static void register(SparkSession spark) {
        SqlUdfs.registering(spark, () -> registerAreas(spark));
    }

    /**
     * The functions {@link #register} registers, in its order, each with what it returns: what {@link KindlingExtensions}
     * tells a session of them before they can be registered there. Found once per JVM by running the registrations with no
     * session ({@link SqlUdfs#declared}), so a function registered here is declared with no list to keep beside it.
     */
    public static List<SqlUdfs.Declared> declared() {
        return Declarations.FUNCTIONS;
    }

    private static final class Declarations {
        static final List<SqlUdfs.Declared> FUNCTIONS = SqlUdfs.declared(KindlingFunctions::registerAreas);
    }

    private static void registerAreas(SparkSession spark) {
        // the tokenizer, curation and inference areas register their functions here
        TokenizerFunctions.register(spark);
        dev.kindling.spark.curate.CurationFunctions.register(spark);
        dev.kindling.spark.inference.InferenceFunctions.register(spark);
    }
}
