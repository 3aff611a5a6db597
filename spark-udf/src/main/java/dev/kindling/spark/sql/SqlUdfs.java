package dev.kindling.spark.sql;

import dev.kindling.spark.KindlingException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.catalyst.FunctionIdentifier;
import org.apache.spark.sql.catalyst.analysis.FunctionRegistry;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.ExpressionInfo;
import org.apache.spark.sql.connector.catalog.CatalogManager;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.ByteType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.IntegerType;
import org.apache.spark.sql.types.LongType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.ShortType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import scala.Function1;
import scala.Option;
import scala.Tuple2;
import scala.collection.immutable.Seq;

/**
 * Registers Kindling's Java SQL functions so that an argument of the wrong SQL type fails with the function's name.
 * A Java UDF carries no input types, so Spark neither casts nor checks them at analysis: {@code kindling_text_hash(123)}
 * reached the function as an Integer and failed inside the task with a bare ClassCastException. Each function is
 * registered as a {@link SqlFunction}, its name and arguments ({@link Arg}), checked as Spark builds the call: {@code kindling_text_hash: argument 1
 * (text) is INT, expected STRING}, before any task. Where Spark cannot check (a session without a function registry,
 * a UserDefinedFunction called directly) the casts happen in the lambda's bridge method, inside the wrapper's
 * {@code try}, and still name the function. An argument that is a model's, a tokenizer's or a rubric's path ({@link
 * Arg#path}) is looked up as well when it is a constant, on the driver as Spark builds the call. The function's own
 * errors name an argument as its {@link SqlFunction} gives it, by name, never by a position written out.
 */
public final class SqlUdfs {
    private SqlUdfs() {}

    /**
     * How a path argument of a registered function (a model, a tokenizer, a rubric) is checked on the driver ({@code
     * ExecutorEngines.checkOnDriver}, {@code ExecutorTokenizers.checkOnDriver}, {@code Rubric.checkOnDriver}): {@code
     * argument} is how its errors name it ({@link SqlFunction.Argument#named}), and a path that is not there, or holds no model, tokenizer
     * or rubric, is a usage error.
     */
    @FunctionalInterface
    public interface PathCheck {
        void check(String argument, String path, org.apache.spark.SparkContext sc);
    }

    /**
     * An argument of a registered function: its name, as the README's "SQL functions" table gives it, the SQL type it
     * takes and an example of a value of it, as the error shows them, the types it accepts, and for a path to a model or
     * tokenizer, how a constant one is checked on the driver (else null). A NULL constant (Spark's NULL type) fits every
     * argument.
     */
    public record Arg(String name, String type, String example, Predicate<DataType> accepts, PathCheck onDriver) {
        public static Arg string(String name) {
            return new Arg(name, "STRING", "CAST(x AS STRING)", t -> t instanceof StringType, null);
        }

        /**
         * A string that is a path to a model, tokenizer or rubric: a constant one is looked up by {@code onDriver} as the query
         * is analysed, before any task ({@code kindling_score: argument 2 (model) s3a://b/m.gguf does not exist}), with
         * the function's registration, so a function cannot be registered without it; a column of paths is left to the
         * tasks.
         */
        public static Arg path(String name, PathCheck onDriver) {
            Arg s = string(name);
            return new Arg(name, s.type(), s.example(), s.accepts(), java.util.Objects.requireNonNull(onDriver, "a path argument's check"));
        }

        public static Arg bool(String name) {
            return new Arg(name, "BOOLEAN", "true", t -> t instanceof BooleanType, null);
        }

        /** Token ids: an array of INT, or of a narrower or wider integer type (Parquet written from Python holds BIGINT). */
        public static Arg ids(String name) {
            return new Arg(name, "ARRAY<INT>", "array(1, 2)", t -> t instanceof ArrayType a && (a.elementType() instanceof IntegerType
                    || a.elementType() instanceof LongType || a.elementType() instanceof ShortType
                    || a.elementType() instanceof ByteType || a.elementType() instanceof NullType), null);
        }

        /** Chat messages: an array of structs, whose fields the function reads by name, or of maps of strings (their keys). */
        public static Arg messages(String name) {
            return new Arg(name, "ARRAY<STRUCT<role: STRING, content: STRING>> or ARRAY<MAP<STRING, STRING>>", "array(named_struct('role', 'user', 'content', 'Hi'))",
                    t -> t instanceof ArrayType a && (a.elementType() instanceof StructType || a.elementType() instanceof NullType
                            || dev.kindling.spark.inference.Prompts.isMessageMap(a.elementType())), null);
        }

        /** An options map: string keys; the function checks the names and values. */
        public static Arg options(String name) {
            return new Arg(name, "MAP<STRING, ...>", "map('max_tokens', 5)",
                    SqlUdfs::optionsMap, null);
        }

        boolean fits(DataType t) {
            return t instanceof NullType || accepts.test(t);
        }
    }

    /**
     * Makes the registered function {@code name} check its arguments' SQL types as Spark builds the call (its arguments
     * are resolved by then: Spark's analyzer resolves a function once its arguments are), naming the first that does not
     * fit, then look up a constant path to a model or tokenizer ({@link Arg#path}). Spark itself checks the count. {@code
     * DESCRIBE FUNCTION} shows the arguments and what it returns (a Java UDF's said nothing: "Usage: N/A.").
     */
    private static void checkArguments(SparkSession spark, SqlFunction f, DataType returnType) {
        String name = f.name();
        List<Arg> args = f.args();
        wrapBuilder(spark, name, info -> described(f, returnType, info), children -> {
            for (int i = 0; i < args.size() && i < children.size(); i++) {
                Expression e = children.apply(i);
                Arg a = args.get(i);
                if (e.resolved() && !a.fits(e.dataType())) {
                    throw new KindlingException(KindlingException.USAGE, f.argument(i).named() + " is " + e.dataType().sql()
                            + ", expected " + a.type() + " (e.g. " + a.example()
                            + "); the README's \"SQL functions\" table gives each argument's type");
                }
            }
            for (int i = 0; i < args.size() && i < children.size(); i++) {
                if (args.get(i).onDriver() != null && constant(children.apply(i)) instanceof UTF8String path) {
                    args.get(i).onDriver().check(f.argument(i).named(), path.toString(), spark.sparkContext());
                }
            }
        });
    }

    /**
     * {@code info} (Spark's description of the registered function, or {@link KindlingExtensions}'s of the function it
     * injects) with the usage and arguments {@code DESCRIBE FUNCTION} shows of {@code f}, which returns {@code returnType}.
     */
    static ExpressionInfo described(SqlFunction f, DataType returnType, ExpressionInfo info) {
        List<String> names = new ArrayList<>();
        StringBuilder arguments = new StringBuilder("\n    Arguments:\n");
        for (Arg a : f.args()) {
            names.add(a.name());
            // the example where the type alone does not show how to write one
            arguments.append("      * ").append(a.name()).append(" - ").append(a.type())
                    .append(a.type().contains("<") ? ", e.g. " + a.example() : "").append('\n');
        }
        String usage = f.name() + "(" + String.join(", ", names) + ") - returns " + returnType.sql()
                + "; the README's \"SQL functions\" table says what it does";
        return new ExpressionInfo(info.getClassName(), info.getDb(), info.getName(), usage, arguments + "  ", "", "", "", "", "",
                info.getSource());
    }

    /** A function as a registration declares it ({@link #declared}): what it is called, takes and returns. */
    public record Declared(SqlFunction function, DataType returnType) {}

    /** The functions of the declaring run on this thread ({@link #declared}); null when none runs. */
    private static final ThreadLocal<List<Declared>> DECLARING = new ThreadLocal<>();

    /**
     * The functions {@code registrations} registers, in order, each with what it returns, found by running it with no
     * session ({@code null}), on this thread, where {@link #register} notes each function and registers nothing, and
     * the checks of constant arguments wrap nothing (as in a session without a function registry): what a session needs to
     * know of them before it can register them ({@link KindlingExtensions}).
     */
    public static List<Declared> declared(Consumer<SparkSession> registrations) {
        List<Declared> declared = new ArrayList<>();
        DECLARING.set(declared);
        try {
            registrations.accept(null);
        } finally {
            DECLARING.remove();
        }
        return List.copyOf(declared);
    }

    /**
     * Whether a registration of {@code f} registers it: not in a declaring run ({@link #declared}), which notes it
     * instead. Else the session's temporary function of its name (from an earlier {@code KindlingFunctions.register} of
     * the session) is dropped first: Spark's {@code udf().register} replacing it logged a WARN, "The function kindling_...
     * replaced a previously registered function.", for each function each time.
     */
    private static boolean registers(SparkSession spark, SqlFunction f, DataType returnType) {
        List<Declared> declared = DECLARING.get();
        if (declared != null) {
            declared.add(new Declared(f, returnType));
            return false;
        }
        if (spark instanceof org.apache.spark.sql.classic.SparkSession classic) {
            classic.sessionState().functionRegistry().dropFunction(temporaryFunction(f.name()));
        }
        return true;
    }

    /** Where {@code spark.udf().register} puts the temporary function {@code name} (Spark 4 keys them system.session.name). */
    static FunctionIdentifier temporaryFunction(String name) {
        return new FunctionIdentifier(name, Option.apply(CatalogManager.SESSION_NAMESPACE()),
                Option.apply(CatalogManager.SYSTEM_CATALOG_NAME()));
    }

    private static KindlingException wrongType(String name, ClassCastException e) {
        return new KindlingException(KindlingException.FAILURE, name + ": an argument has the wrong SQL type (" + e.getMessage()
                + "); the README's \"SQL functions\" table gives each argument's type (cast it, e.g. CAST(x AS STRING))", e);
    }

    /**
     * Makes a constant string argument {@code a} of its registered function fail when the query is analysed, not in a
     * task once per row: when it is a constant string, {@code check} runs on it as Spark builds the call, and an
     * IllegalArgumentException from it becomes {@link SqlFunction.Argument#bad}. A NULL constant and a column are left to
     * the function. Only a classic session has a function registry to wrap; in another the function still names itself
     * when it runs.
     */
    public static void checkConstantArgument(SparkSession spark, SqlFunction.Argument a, Consumer<String> check) {
        checkConstantArgument(spark, a, check, null);
    }

    /**
     * {@link #checkConstantArgument(SparkSession, SqlFunction.Argument, Consumer)}, and a NULL constant fails too, as
     * {@link SqlFunction.Argument#isNull} with {@code nullWhat}, where the function has no answer for a NULL there (null:
     * left to it).
     */
    public static void checkConstantArgument(SparkSession spark, SqlFunction.Argument a, Consumer<String> check, String nullWhat) {
        checkConstant(spark, a, e -> {
            if (nullWhat != null && isNullConstant(e)) {
                throw a.isNull(nullWhat);
            }
            if (constant(e) instanceof UTF8String constant) {
                String value = constant.toString();
                try {
                    check.accept(value);
                } catch (IllegalArgumentException bad) {
                    throw a.bad(value, bad);
                }
            }
        });
    }

    /** An options map's type ({@link Arg#options}): string keys, or none ({@code map()}). */
    private static boolean optionsMap(DataType t) {
        return t instanceof MapType m && (m.keyType() instanceof StringType || m.keyType() instanceof NullType);
    }

    /**
     * Makes a constant map argument {@code a} (an options map, {@code map('max_tokens', 5, 'temperature', 0.8)}) of its
     * registered function fail when the query is analysed: {@code check} gets it as the function would (a Scala map of
     * strings, numbers and booleans) and throws the function's own usage error, which is thrown naming the function and
     * argument as the other checks' errors do ({@code kindling_embed_ex: argument 3 (options): unknown embedding option
     * 'pooling' ...}). A bad option was found in a task, once per row, behind Spark's stack trace.
     */
    public static void checkConstantMap(SparkSession spark, SqlFunction.Argument a, Consumer<scala.collection.Map<?, ?>> check) {
        checkConstant(spark, a, e -> {
            // a map whose keys are not strings is left to the type check, which names what it should be
            if (optionsMap(e.dataType()) && constant(e) instanceof org.apache.spark.sql.catalyst.util.MapData m) {
                try {
                    check.accept((scala.collection.Map<?, ?>) org.apache.spark.sql.catalyst.CatalystTypeConverters.convertToScala(m, e.dataType()));
                } catch (KindlingException bad) {
                    throw new KindlingException(bad.exitCode(), a.named() + ": " + bad.getMessage(), bad);
                }
            }
        });
    }

    /**
     * Makes a call of {@code a}'s registered function whose arguments {@code a} and {@code b} are both constant booleans
     * fail when the query is analysed if {@code check}, given their values, throws the function's own usage error (an
     * impossible pair of flags was found in a task, once per row). A NULL, a column or a value of another type is left to
     * the function.
     */
    public static void checkConstantBooleans(SparkSession spark, SqlFunction.Argument a, SqlFunction.Argument b,
            java.util.function.BiConsumer<Boolean, Boolean> check) {
        wrapBuilder(spark, a.function(), info -> info, children -> {
            if (children.size() > Math.max(a.index(), b.index()) && constant(children.apply(a.index())) instanceof Boolean x
                    && constant(children.apply(b.index())) instanceof Boolean y) {
                check.accept(x, y);
            }
        });
    }

    /** Wraps the builder of {@code a}'s registered function so that {@code check} sees {@code a} first. */
    private static void checkConstant(SparkSession spark, SqlFunction.Argument a, Consumer<Expression> check) {
        wrapBuilder(spark, a.function(), info -> info, children -> {
            if (children.size() > a.index()) {
                check.accept(children.apply(a.index()));
            }
        });
    }

    /**
     * Runs {@code registrations} (a function registered and its builder wrapped, or all of them: {@link
     * KindlingFunctions#register}) as one step for every other user of {@code spark}'s function registry: holding the lock
     * Spark's registry takes for each of its own lookups and changes (a Scala {@code synchronized} on the registry), so
     * another thread's registration or query waits until the functions are there with their checks. Without it, a
     * query that looked a function up between the drop and the register of {@link #wrapBuilder} found none (Spark's
     * "classified as Local by full lookup but not found by quick check"), as did another registration (a
     * NoSuchElementException); one that came between the registration and the wrap ran it unchecked; and two
     * registrations could interleave so that the last wrap wrapped the other's unwrapped function, leaving it without its
     * type check.
     */
    public static void registering(SparkSession spark, Runnable registrations) {
        if (!(spark instanceof org.apache.spark.sql.classic.SparkSession classic)) {
            registrations.run();
            return;
        }
        synchronized (classic.sessionState().functionRegistry()) {
            registrations.run();
        }
    }

    /**
     * Wraps the builder of registered function {@code name} so that {@code check} sees its arguments first, and gives it
     * the description {@code info} makes of the one it had. The look-up, drop and register are one step for other users of
     * the registry ({@link #registering}).
     */
    private static void wrapBuilder(SparkSession spark, String name, UnaryOperator<ExpressionInfo> info,
            Consumer<Seq<Expression>> check) {
        if (!(spark instanceof org.apache.spark.sql.classic.SparkSession classic)) {
            return;
        }
        FunctionRegistry registry = classic.sessionState().functionRegistry();
        FunctionIdentifier id = temporaryFunction(name);
        registering(spark, () -> {
            Tuple2<ExpressionInfo, Function1<Seq<Expression>, Expression>> entry = registry.lookupFunctionEntry(id).get();
            Function1<Seq<Expression>, Expression> builder = entry._2();
            // dropped first: a replaced function is a WARN of Spark's ("replaced a previously registered function") on
            // every run where Spark's logs show (spark-submit)
            registry.dropFunction(id);
            registry.registerFunction(id, info.apply(entry._1()), (Function1<Seq<Expression>, Expression>) children -> {
                check.accept(children);
                return builder.apply(children);
            });
        });
    }

    /** Whether {@code e} is a constant whose value is NULL ({@code NULL}, {@code CAST(NULL AS STRING)}). */
    private static boolean isNullConstant(Expression e) {
        if (!e.resolved() || !e.foldable()) {
            return false;
        }
        try {
            return e.eval(null) == null;
        } catch (RuntimeException failed) {
            return false;
        }
    }

    /** The value of a constant argument; null for a column, or a constant that fails (Spark reports that itself). */
    private static Object constant(Expression e) {
        if (!e.resolved() || !e.foldable()) {
            return null;
        }
        try {
            return e.eval(null);
        } catch (RuntimeException failed) {
            return null;
        }
    }

    /**
     * The function {@code name} with the arguments {@code args}, in order, to register ({@link #register}) and to ask for
     * the arguments its errors name ({@link SqlFunction#argument}).
     */
    public static SqlFunction function(String name, Arg... args) {
        return new SqlFunction(name, List.of(args));
    }

    @SuppressWarnings("unchecked")
    public static <A, R> void register(SparkSession spark, SqlFunction f, UDF1<A, R> fn, DataType returnType) {
        f.requireArity(1);
        if (!registers(spark, f, returnType)) {
            return;
        }
        String name = f.name();
        spark.udf().register(name, (UDF1<Object, R>) a -> {
            try {
                return fn.call((A) a);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        }, returnType);
        checkArguments(spark, f, returnType);
    }

    @SuppressWarnings("unchecked")
    public static <A, B, R> void register(SparkSession spark, SqlFunction f, UDF2<A, B, R> fn, DataType returnType) {
        f.requireArity(2);
        if (!registers(spark, f, returnType)) {
            return;
        }
        String name = f.name();
        spark.udf().register(name, (UDF2<Object, Object, R>) (a, b) -> {
            try {
                return fn.call((A) a, (B) b);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        }, returnType);
        checkArguments(spark, f, returnType);
    }

    public static <A, B, C, R> void register(SparkSession spark, SqlFunction f, UDF3<A, B, C, R> fn, DataType returnType) {
        f.requireArity(3);
        if (!registers(spark, f, returnType)) {
            return;
        }
        spark.udf().register(f.name(), checked(f.name(), fn), returnType);
        checkArguments(spark, f, returnType);
    }

    /** As {@link #register(SparkSession, SqlFunction, UDF3, DataType)}, for a function Spark must treat as nondeterministic. */
    public static <A, B, C, R> void registerNondeterministic(SparkSession spark, SqlFunction f, UDF3<A, B, C, R> fn,
            DataType returnType) {
        f.requireArity(3);
        if (!registers(spark, f, returnType)) {
            return;
        }
        spark.udf().register(f.name(), org.apache.spark.sql.functions.udf(checked(f.name(), fn), returnType).asNondeterministic());
        checkArguments(spark, f, returnType);
    }

    @SuppressWarnings("unchecked")
    private static <A, B, C, R> UDF3<Object, Object, Object, R> checked(String name, UDF3<A, B, C, R> f) {
        return (a, b, c) -> {
            try {
                return f.call((A) a, (B) b, (C) c);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        };
    }

    @SuppressWarnings("unchecked")
    public static <A, B, C, D, R> void register(SparkSession spark, SqlFunction f, UDF4<A, B, C, D, R> fn, DataType returnType) {
        f.requireArity(4);
        if (!registers(spark, f, returnType)) {
            return;
        }
        String name = f.name();
        spark.udf().register(name, (UDF4<Object, Object, Object, Object, R>) (a, b, c, d) -> {
            try {
                return fn.call((A) a, (B) b, (C) c, (D) d);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        }, returnType);
        checkArguments(spark, f, returnType);
    }
}
