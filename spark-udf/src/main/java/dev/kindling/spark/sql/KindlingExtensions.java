package dev.kindling.spark.sql;

import dev.kindling.spark.KindlingException;
import java.util.List;
import java.util.function.Supplier;
import org.apache.spark.sql.SparkSessionExtensions;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import scala.Function1;
import scala.Option;
import scala.Tuple3;
import scala.collection.immutable.Seq;
import scala.runtime.BoxedUnit;

/**
 * Kindling's SQL functions in every session Spark builds with {@code --conf
 * spark.sql.extensions=dev.kindling.spark.sql.KindlingExtensions}, for those who cannot call {@link
 * KindlingFunctions#register} (spark-sql, the Thrift server) or would rather not (PySpark): the same functions, checks
 * and descriptions, in sessions made with {@code newSession()} too.
 *
 * <p>Spark applies an extension while it builds the session's state, before the session can run anything, so {@code
 * register} cannot run then. Each function ({@link KindlingFunctions#declared}) is injected instead, with its
 * description, and a builder that, the first time a call of any of them is built in a session, registers them all there
 * ({@code KindlingFunctions.register} of the session building the call, Spark's active one) and hands the call to the
 * registered function's builder, with its checks. Spark 4.2 resolves an unqualified name among the built-in functions,
 * where it keeps the injected ones ({@code system.builtin}), before the temporary ones ({@code
 * spark.sql.functionResolution.sessionOrder}'s default, {@code second}), so every later call of one in the session is
 * built by the injected builder too, which finds the session's temporary function of that name each time: a lookup under
 * the registry's lock per call built, as a query is analysed (not per row). A user's own {@code register} call in such a
 * session replaces them quietly, and a temporary function of the user's own of that name takes the call (one made
 * before the session's first call stays: that call registers the others). {@code DESCRIBE FUNCTION} of the name
 * describes Kindling's (the injected description, which Spark finds first), {@code DESCRIBE FUNCTION session.name} the
 * temporary function of the name, which takes the call. A session built without the setting is left as it is.
 */
public final class KindlingExtensions implements Function1<SparkSessionExtensions, BoxedUnit> {
    /** What {@code DESCRIBE FUNCTION EXTENDED} gives as an injected function's class and source. */
    private static final String CLASS = KindlingFunctions.class.getName();
    private static final String SOURCE = "java_udf";

    /** The functions to inject: {@link KindlingFunctions#declared}, or a test's. */
    private final Supplier<List<SqlUdfs.Declared>> declared;

    /** Spark makes one by name, with this constructor, for each session its builder creates. */
    public KindlingExtensions() {
        this(KindlingFunctions::declared);
    }

    KindlingExtensions(Supplier<List<SqlUdfs.Declared>> declared) {
        this.declared = declared;
    }

    /**
     * Injects the functions; where finding them fails, a KindlingException naming the cause fails the session's build:
     * Spark's {@code applyExtensions} rethrows it, where a {@code NoClassDefFoundError} (what the declaring run's failure
     * is to every session after the first in the JVM), a {@code ClassNotFoundException} or a {@code ClassCastException}
     * gets a WARN only, and the session none of the functions.
     */
    @Override
    public BoxedUnit apply(SparkSessionExtensions extensions) {
        List<SqlUdfs.Declared> functions;
        try {
            functions = declared.get();
        } catch (RuntimeException | LinkageError e) {
            throw notDeclared(e);
        }
        for (SqlUdfs.Declared d : functions) {
            String name = d.function().name();
            ExpressionInfo info = SqlUdfs.described(d.function(), d.returnType(),
                    new ExpressionInfo(CLASS, null, name, "", "", "", "", "", "", "", SOURCE));
            Function1<Seq<Expression>, Expression> builder = children -> build(name, children);
            extensions.injectFunction(new Tuple3<>(FunctionIdentifier.apply(name), info, builder));
        }
        return BoxedUnit.UNIT;
    }

    private static KindlingException notDeclared(Throwable e) {
        Throwable root = KindlingException.rootCause(e);
        String m = root.getMessage() == null ? "" : ": " + root.getMessage().lines().findFirst().orElse("");
        String again = e instanceof NoClassDefFoundError && root == e && m.startsWith(": Could not initialize class")
                ? " (the declaring run failed earlier in this JVM; the first session built with the setting failed with its cause)"
                : "";
        return new KindlingException(KindlingException.FAILURE, "spark.sql.extensions=" + KindlingExtensions.class.getName()
                + ": Kindling's SQL functions could not be declared, running their registrations with no session ("
                + root.getClass().getName() + m + ")" + again + "; the session is not built without them", e);
    }

    /**
     * The call of {@code name} on {@code children}, as the function registered in the active session builds it, with
     * Kindling's functions registered there first where they are not.
     */
    private static Expression build(String name, Seq<Expression> children) {
        Option<org.apache.spark.sql.SparkSession> active = org.apache.spark.sql.SparkSession.getActiveSession();
        if (active.isEmpty() || !(active.get() instanceof org.apache.spark.sql.classic.SparkSession session)) {
            throw new KindlingException(KindlingException.FAILURE, name + ": no session is active on this thread as the call is "
                    + "built, to register Kindling's functions in (Spark analyses a query in its session)");
        }
        FunctionRegistry registry = session.sessionState().functionRegistry();
        FunctionIdentifier id = SqlUdfs.temporaryFunction(name);
        Function1<Seq<Expression>, Expression> registered;
        // the registry's lock, as SqlUdfs.registering takes it: two threads' first calls register once
        synchronized (registry) {
            if (!registry.functionExists(id)) {
                registerKeepingTheUsersOwn(session, registry);
            }
            registered = registry.lookupFunctionBuilder(id).get();
        }
        return registered.apply(children);
    }

    /**
     * {@code KindlingFunctions.register} of {@code session}, with every temporary function of one of Kindling's names that
     * was there before put back afterwards, whether the registration ends or fails: the first call of {@code
     * kindling_jaccard} replaced the user's own {@code kindling_text_hash} with Kindling's, in silence. It runs only where
     * the called function is not there, so an entry there of Kindling's own (one {@code register} gave, the user's dropped
     * since) is put back as it was, the same function.
     */
    private static void registerKeepingTheUsersOwn(org.apache.spark.sql.classic.SparkSession session, FunctionRegistry registry) {
        java.util.Map<FunctionIdentifier, scala.Tuple2<ExpressionInfo, Function1<Seq<Expression>, Expression>>> before =
                new java.util.LinkedHashMap<>();
        for (SqlUdfs.Declared d : KindlingFunctions.declared()) {
            FunctionIdentifier f = SqlUdfs.temporaryFunction(d.function().name());
            Option<scala.Tuple2<ExpressionInfo, Function1<Seq<Expression>, Expression>>> entry = registry.lookupFunctionEntry(f);
            if (entry.isDefined()) {
                before.put(f, entry.get());
            }
        }
        try {
            KindlingFunctions.register(session);
        } finally {
            before.forEach((f, entry) -> {
                registry.dropFunction(f); // dropped first, as SqlUdfs does: a replaced function is a WARN of Spark's
                registry.registerFunction(f, entry._1(), entry._2());
            });
        }
    }
}
