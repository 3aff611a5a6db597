package dev.kindling.spark.sql;

import dev.kindling.spark.KindlingException;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.api.java.UDF3;
import org.apache.spark.sql.api.java.UDF4;
import org.apache.spark.sql.types.DataType;

/**
 * Registers Kindling's Java SQL functions so that an argument of the wrong SQL type fails with the function's name.
 * A Java UDF carries no input types, so Spark neither casts nor checks them at analysis: {@code kindling_text_hash(123)}
 * reached the function as an Integer and failed inside the task with a bare ClassCastException. The casts happen in
 * the lambda's bridge method, inside the wrapper's {@code try}.
 */
public final class SqlUdfs {
    private SqlUdfs() {}

    private static KindlingException wrongType(String name, ClassCastException e) {
        return new KindlingException(KindlingException.FAILURE, name + ": an argument has the wrong SQL type (" + e.getMessage()
                + "); the README's \"SQL functions\" table gives each argument's type (cast it, e.g. CAST(x AS STRING))", e);
    }

    @SuppressWarnings("unchecked")
    public static <A, R> void register(SparkSession spark, String name, UDF1<A, R> f, DataType returnType) {
        spark.udf().register(name, (UDF1<Object, R>) a -> {
            try {
                return f.call((A) a);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        }, returnType);
    }

    @SuppressWarnings("unchecked")
    public static <A, B, R> void register(SparkSession spark, String name, UDF2<A, B, R> f, DataType returnType) {
        spark.udf().register(name, (UDF2<Object, Object, R>) (a, b) -> {
            try {
                return f.call((A) a, (B) b);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        }, returnType);
    }

    public static <A, B, C, R> void register(SparkSession spark, String name, UDF3<A, B, C, R> f, DataType returnType) {
        spark.udf().register(name, checked(name, f), returnType);
    }

    /** As {@link #register(SparkSession, String, UDF3, DataType)}, for a function Spark must treat as nondeterministic. */
    public static <A, B, C, R> void registerNondeterministic(SparkSession spark, String name, UDF3<A, B, C, R> f, DataType returnType) {
        spark.udf().register(name, org.apache.spark.sql.functions.udf(checked(name, f), returnType).asNondeterministic());
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
    public static <A, B, C, D, R> void register(SparkSession spark, String name, UDF4<A, B, C, D, R> f, DataType returnType) {
        spark.udf().register(name, (UDF4<Object, Object, Object, Object, R>) (a, b, c, d) -> {
            try {
                return f.call((A) a, (B) b, (C) c, (D) d);
            } catch (ClassCastException e) {
                throw wrongType(name, e);
            }
        }, returnType);
    }
}
