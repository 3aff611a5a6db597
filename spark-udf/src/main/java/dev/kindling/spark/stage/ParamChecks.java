package dev.kindling.spark.stage;

import dev.kindling.spark.KindlingException;
import java.io.Serializable;
import java.util.Arrays;
import org.apache.spark.ml.util.Identifiable;
import scala.Function1;
import scala.runtime.AbstractFunction1;

/**
 * Validators for the stages' Spark ML params. Spark runs a param's validator wherever a value is given: a setter, a
 * {@code ParamMap} (what {@code copy}, {@code fit(df, paramMap)}, {@code ParamGridBuilder} and {@code CrossValidator}
 * use) and a saved stage being loaded. A value out of range is refused there with a usage error naming the stage, the
 * param and what it takes (rather than Spark's "given invalid value"), not where the stage first reads it. The stage is
 * named by its class and uid, as in {@code MinHashDedup(kindling_minhash_dedup_3f2a).bands must be >= 0, got -1}: a
 * pipeline may hold two stages of one class.
 *
 * <p>A check sees one value only. A rule between params (bands and rows set together, a rating range) is checked where
 * the stage reads them all, in {@code transformSchema}, so the order of the setters does not matter.
 */
public final class ParamChecks {
    private ParamChecks() {}

    /** How messages name {@code stage}: its class and uid, e.g. {@code MinHashDedup(kindling_minhash_dedup_3f2a)}. */
    public static String who(Identifiable stage) {
        return stage.getClass().getSimpleName() + "(" + stage.uid() + ")";
    }

    /**
     * Spark's {@code Params.explainParam}, with an array value (a {@code StringArrayParam}'s default or setting) written
     * as its JSON, {@code ["email","ipv4"]}, where Spark's own prints the array's identity, {@code [Ljava.lang.String;@5f2c}.
     */
    public static String explain(org.apache.spark.ml.param.Params owner, org.apache.spark.ml.param.Param<?> param) {
        if (!param.parent().equals(owner.uid()) || !owner.hasParam(param.name())) {
            throw new IllegalArgumentException("Param " + param + " does not belong to " + owner + "."); // as Spark's shouldOwn
        }
        @SuppressWarnings("unchecked")
        org.apache.spark.ml.param.Param<Object> p = (org.apache.spark.ml.param.Param<Object>) param;
        java.util.List<String> values = new java.util.ArrayList<>();
        if (owner.hasDefault(p)) {
            values.add("default: " + shown(p, owner.getDefault(p).get()));
        }
        if (owner.isSet(p)) {
            values.add("current: " + shown(p, owner.get(p).get()));
        }
        String value = values.isEmpty() ? "(undefined)" : "(" + String.join(", ", values) + ")";
        return param.name() + ": " + param.doc() + " " + value;
    }

    private static String shown(org.apache.spark.ml.param.Param<Object> param, Object value) {
        return value != null && value.getClass().isArray() ? param.jsonEncode(value) : String.valueOf(value);
    }

    /** A test of one value; it may instead throw an {@link IllegalArgumentException} that says what is wrong. */
    public interface Test<T> extends Serializable {
        boolean ok(T value);
    }

    /** For an {@code IntParam}, {@code LongParam} or {@code DoubleParam} (Spark passes their values boxed). */
    public static <N extends Number> Function1<Object, Object> number(Identifiable stage, String param, String expected, Test<N> test) {
        return new Check<>(who(stage), param, expected, test);
    }

    /** For an int param: at least {@code min}. */
    public static Function1<Object, Object> atLeast(Identifiable stage, String param, int min) {
        return number(stage, param, ">= " + min, (Integer v) -> v >= min);
    }

    /** For a {@code Param<String>} or {@code StringArrayParam}. */
    public static <T> Function1<T, Object> value(Identifiable stage, String param, String expected, Test<T> test) {
        return new Check<>(who(stage), param, expected, test);
    }

    /**
     * For a {@code Param<String>} naming a column: not null, not blank. A null reached Spark's save as a bare
     * NullPointerException and {@code transform} as "no column 'null'".
     */
    public static Function1<String, Object> column(Identifiable stage, String param) {
        return value(stage, param, "a column name", (String v) -> !v.isBlank());
    }

    /** For a {@code Param<String>} whose empty value means none (a column or file left out): not null. */
    public static Function1<String, Object> optional(Identifiable stage, String param, String what) {
        return value(stage, param, what + ", or empty for none", (String v) -> true);
    }

    /** For a {@code Param<String>}: one of {@code allowed}. */
    public static Function1<String, Object> oneOf(Identifiable stage, String param, String... allowed) {
        String expected = allowed.length == 2 ? allowed[0] + " or " + allowed[1]
                : String.join(", ", Arrays.copyOf(allowed, allowed.length - 1)) + " or " + allowed[allowed.length - 1];
        return value(stage, param, expected, v -> Arrays.asList(allowed).contains(v));
    }

    /**
     * A {@code BooleanParam} that refuses null and a value that is no boolean, naming the stage and param: Spark's takes any
     * value, so a null given through a {@code ParamMap} or {@code set(getParam(name), null)} was accepted and failed later,
     * a NullPointerException in the stage's getter, its {@code transform} or its save, naming no param.
     */
    public static org.apache.spark.ml.param.BooleanParam bool(Identifiable stage, String name, String doc) {
        return new CheckedBoolean(stage, name, doc);
    }

    private static final class CheckedBoolean extends org.apache.spark.ml.param.BooleanParam {
        private static final long serialVersionUID = 1L;
        private final String stage;
        private transient Function1<Object, Object> check;

        CheckedBoolean(Identifiable stage, String name, String doc) {
            super(stage, name, doc);
            this.stage = who(stage);
        }

        /** Spark's validate reads the check through this accessor. */
        @Override
        public Function1<Object, Object> isValid() {
            if (check == null) { // made when first asked (Spark's constructor may ask before this one's fields are set)
                check = new Check<>(stage == null ? parent() : stage, name(), "true or false", (Boolean v) -> true);
            }
            return check;
        }
    }

    private static final class Check<T> extends AbstractFunction1<T, Object> implements Serializable {
        private static final long serialVersionUID = 1L;
        /** The stage as {@link #who} names it. */
        private final String stage;
        private final String param;
        private final String expected;
        private final Test<Object> test;

        @SuppressWarnings("unchecked")
        Check(String stage, String param, String expected, Test<?> test) {
            this.stage = stage;
            this.param = param;
            this.expected = expected;
            this.test = (Test<Object>) test;
        }

        @Override
        public Object apply(T value) {
            String half = unpairedSurrogate(value);
            if (half != null) {
                // no text: Spark's save writes it as '?', so the stage loaded back was another one, in silence
                throw KindlingException.usage(stage + "." + param + " holds an unpaired surrogate, half of a character (a string "
                        + "cut inside an emoji?), at index " + half + ": it is not text, and a saved stage would hold '?' there");
            }
            boolean ok;
            try {
                ok = value != null && test.ok(value);
            } catch (IllegalArgumentException | KindlingException e) {
                throw KindlingException.usage(stage + "." + param + ": " + e.getMessage());
            } catch (ClassCastException e) {
                // a value of another type, given where Java's types do not stop it (getParam(name) is a Param<Object>, as
                // reflective and Scala callers use): it was a bare ClassCastException naming neither the stage nor the param
                throw KindlingException.usage(stage + "." + param + " must be " + expected + ", got " + show(value) + " of type "
                        + value.getClass().getSimpleName());
            }
            if (!ok) {
                throw KindlingException.usage(stage + "." + param + " must be " + expected + ", got " + show(value));
            }
            return Boolean.TRUE;
        }

        /** Where {@code value} (a string or strings) holds an unpaired surrogate ("3", or "2 of element 1"), or null. */
        private static String unpairedSurrogate(Object value) {
            if (value instanceof String s) {
                int i = dev.kindling.inference.GenerationRequest.firstUnpairedSurrogate(s);
                return i < 0 ? null : String.valueOf(i);
            } else if (value instanceof String[] a) {
                for (int e = 0; e < a.length; e++) {
                    String at = unpairedSurrogate(a[e]);
                    if (at != null) {
                        return at + " of element " + e;
                    }
                }
            }
            return null;
        }

        private static String show(Object v) {
            if (v instanceof String s) {
                return "'" + s + "'";
            }
            return v instanceof Object[] a ? Arrays.toString(a) : String.valueOf(v);
        }
    }
}
