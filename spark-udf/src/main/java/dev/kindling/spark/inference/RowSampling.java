package dev.kindling.spark.inference;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.io.Columns;
import java.io.Serializable;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.StructType;

/**
 * A row's own sampling settings, as vLLM gives each request its own {@code SamplingParams}: the input's columns named as
 * vLLM names the fields ({@link #COLUMNS}), where present, replace the stage's settings for that row; a null keeps the
 * stage's. A value that is no setting (a string that is no number, a negative {@code max_tokens}, a stop id outside the
 * vocabulary) fails its row with an error naming the column, and the other rows go on. A column of a type that can
 * never hold one (a struct, a boolean) is refused before the job.
 */
final class RowSampling implements Serializable {
    private static final long serialVersionUID = 1L;

    /** The columns read, in vLLM's {@code SamplingParams} names. */
    static final List<String> COLUMNS = List.of("max_tokens", "temperature", "top_p", "top_k", "min_p", "repetition_penalty",
            "frequency_penalty", "presence_penalty", "seed", "stop", "stop_token_ids");

    private static final int MAX_TOKENS = 0;
    private static final int TEMPERATURE = 1;
    private static final int TOP_P = 2;
    private static final int TOP_K = 3;
    private static final int MIN_P = 4;
    private static final int REPETITION_PENALTY = 5;
    private static final int FREQUENCY_PENALTY = 6;
    private static final int PRESENCE_PENALTY = 7;
    private static final int SEED = 8;
    private static final int STOP = 9;
    private static final int STOP_TOKEN_IDS = 10;

    /** The input's column index for each of {@link #COLUMNS}, -1 where it has none. */
    private final int[] index;
    /** The columns' names as the input spells them, for the errors. */
    private final String[] names;

    private RowSampling(int[] index, String[] names) {
        this.index = index;
        this.names = names;
    }

    /** What a row is generated with. */
    record Settings(SamplingSpec sampling, int maxTokens, List<String> stop, int[] stopTokenIds) {}

    /**
     * The columns of {@code schema} among {@link #COLUMNS} (found as Spark finds a column), or null when it has none; a
     * usage error naming {@code who} and the column when one has a type no value of which is a setting.
     */
    static RowSampling bind(StructType schema, String who) {
        int[] index = new int[COLUMNS.size()];
        String[] names = new String[COLUMNS.size()];
        boolean any = false;
        for (int i = 0; i < index.length; i++) {
            String name = Columns.resolve(schema, COLUMNS.get(i), who);
            index[i] = name == null ? -1 : schema.fieldIndex(name);
            names[i] = name;
            if (name == null) {
                continue;
            }
            any = true;
            DataType t = schema.apply(name).dataType();
            boolean fits = switch (i) {
                // a string of any collation (STRING COLLATE UTF8_LCASE, a table's collated column): its values are the same
                case STOP -> Columns.isString(t) || (t instanceof ArrayType a && Columns.isString(a.elementType()));
                case STOP_TOKEN_IDS -> t instanceof ArrayType a && (number(a.elementType()) || Columns.isString(a.elementType()));
                default -> number(t) || Columns.isString(t);
            };
            if (!fits) {
                throw KindlingException.usage(who + ": column '" + name + "' is " + t.simpleString() + ", which holds no "
                        + COLUMNS.get(i) + " (" + expected(i) + "): rename it, or drop it, to keep the job's setting");
            }
        }
        return any ? new RowSampling(index, names) : null;
    }

    /**
     * The columns of {@code schema} named as one of {@link #COLUMNS} (as Spark finds a column: in any case unless
     * {@code spark.sql.caseSensitive}), in that order, as {@code schema} spells them: their types unchecked and a name
     * given twice no error, for saying what a job without per-row sampling leaves unread.
     */
    static List<String> named(StructType schema) {
        List<String> out = new ArrayList<>();
        for (String c : COLUMNS) {
            for (String f : schema.fieldNames()) {
                if (Columns.sameName(f, c)) {
                    out.add(f);
                }
            }
        }
        return out;
    }

    /** The names of the columns read, as the input spells them. */
    List<String> columns() {
        List<String> out = new ArrayList<>();
        for (String n : names) {
            if (n != null) {
                out.add(n);
            }
        }
        return out;
    }

    /**
     * The settings of {@code row}: its columns' values where not null, else the stage's; an {@link IllegalArgumentException}
     * naming the column when a value is none ({@code vocabulary}: the engine's size, which a stop id must be below).
     */
    Settings of(Row row, SamplingSpec sampling, int maxTokens, List<String> stop, int[] stopTokenIds, int vocabulary) {
        Long maxTokensValue = integer(row, MAX_TOKENS);
        if (maxTokensValue != null) {
            if (maxTokensValue < 0 || maxTokensValue > Integer.MAX_VALUE) {
                throw bad(MAX_TOKENS, "must be an integer >= 0, got " + maxTokensValue);
            }
            maxTokens = maxTokensValue.intValue();
        }
        Long topK = integer(row, TOP_K);
        if (topK != null && (topK < -1 || topK > Integer.MAX_VALUE)) {
            throw bad(TOP_K, "must be an integer >= 0 (or -1: off), got " + topK);
        }
        Long seed = integer(row, SEED);
        float temperature = real(row, TEMPERATURE, sampling.temperature());
        float topP = real(row, TOP_P, sampling.topP());
        float minP = real(row, MIN_P, sampling.minP());
        float repetition = real(row, REPETITION_PENALTY, sampling.repetitionPenalty());
        float frequency = real(row, FREQUENCY_PENALTY, sampling.frequencyPenalty());
        float presence = real(row, PRESENCE_PENALTY, sampling.presencePenalty());
        try {
            sampling = new SamplingSpec(temperature, topK == null ? sampling.topK() : (int) Math.max(0, topK), topP, minP, repetition,
                    frequency, presence, seed == null ? sampling.seed() : seed);
        } catch (IllegalArgumentException e) {
            // each value is checked above; a combination the engine refuses is the row's too
            throw new IllegalArgumentException(e.getMessage() + " (the row's sampling columns " + columns() + ")", e);
        }
        if (index[STOP] >= 0 && !row.isNullAt(index[STOP])) {
            stop = stops(row);
        }
        if (index[STOP_TOKEN_IDS] >= 0 && !row.isNullAt(index[STOP_TOKEN_IDS])) {
            stopTokenIds = stopIds(row, vocabulary);
        }
        return new Settings(sampling, maxTokens, stop, stopTokenIds);
    }

    private List<String> stops(Row row) {
        Object v = row.get(index[STOP]);
        List<String> out = new ArrayList<>();
        if (v instanceof String s) {
            out.add(s);
        } else {
            out.addAll(row.<String>getList(index[STOP]));
        }
        for (int i = 0; i < out.size(); i++) {
            String problem = out.get(i) == null ? "is null" : dev.kindling.inference.GenerationRequest.stopStringProblem(out.get(i));
            if (problem != null) {
                throw bad(STOP, "stop string " + i + " " + problem);
            }
        }
        return out;
    }

    private int[] stopIds(Row row, int vocabulary) {
        List<Object> given = row.getList(index[STOP_TOKEN_IDS]);
        int[] ids = new int[given.size()];
        for (int i = 0; i < ids.length; i++) {
            Object v = given.get(i);
            Long id = v == null ? null : integral(v);
            if (id == null || id < 0 || id >= vocabulary) {
                throw bad(STOP_TOKEN_IDS, "id " + i + " (" + v + ") is " + (id == null ? "no token id" : "outside the vocabulary (0.."
                        + (vocabulary - 1) + ")"));
            }
            ids[i] = id.intValue();
        }
        return ids;
    }

    /** The row's integer in column {@code field}, or null; an error when it holds no integer. */
    private Long integer(Row row, int field) {
        int i = index[field];
        if (i < 0 || row.isNullAt(i)) {
            return null;
        }
        Long v = integral(row.get(i));
        if (v == null) {
            throw bad(field, "must be " + expected(field) + ", got " + shown(row.get(i)));
        }
        return v;
    }

    /**
     * The row's number in column {@code field}, or {@code otherwise} when null; an error when it holds no number or one
     * out of the field's range (the stage's params' ranges, vLLM's).
     */
    private float real(Row row, int field, float otherwise) {
        int i = index[field];
        if (i < 0 || row.isNullAt(i)) {
            return otherwise;
        }
        Object v = row.get(i);
        double d;
        if (v instanceof Number n) {
            d = n.doubleValue();
        } else {
            try {
                d = Double.parseDouble(((String) v).strip());
            } catch (NumberFormatException e) {
                throw bad(field, "must be " + expected(field) + ", got " + shown(v));
            }
        }
        boolean fits = switch (field) {
            case TEMPERATURE -> d >= 0 && d < Double.POSITIVE_INFINITY;
            case TOP_P -> d > 0 && d <= 1;
            case MIN_P -> d >= 0 && d <= 1;
            case REPETITION_PENALTY -> d > 0 && d < Double.POSITIVE_INFINITY;
            default -> SamplingSpec.validPenalty(d);
        };
        if (!fits) {
            throw bad(field, "must be " + expected(field) + ", got " + shown(v));
        }
        return (float) d;
    }

    /** {@code v} as a whole number (a numeric string too: JSON Lines types a column string when a row holds a string), or null. */
    private static Long integral(Object v) {
        try {
            BigDecimal d = v instanceof String s ? new BigDecimal(s.strip()) : v instanceof BigDecimal b ? b
                    : v instanceof Double || v instanceof Float ? new BigDecimal(((Number) v).doubleValue())
                    : v instanceof Number n ? BigDecimal.valueOf(n.longValue()) : null;
            return d == null ? null : d.longValueExact();
        } catch (NumberFormatException | ArithmeticException e) {
            return null; // not a number, a fraction, or past a long
        }
    }

    private IllegalArgumentException bad(int field, String what) {
        return new IllegalArgumentException("column '" + names[field] + "': " + what);
    }

    private static String expected(int field) {
        return switch (field) {
            case MAX_TOKENS, TOP_K, SEED -> "an integer";
            case STOP -> "a string or an array of strings";
            case STOP_TOKEN_IDS -> "an array of token ids";
            case TEMPERATURE -> "a finite number >= 0";
            case TOP_P -> "a number in (0, 1]";
            case MIN_P -> "a number in [0, 1]";
            case REPETITION_PENALTY -> "a finite number > 0";
            default -> "a finite number in [-2, 2]";
        };
    }

    private static String shown(Object v) {
        return v instanceof String s ? "'" + s + "'" : String.valueOf(v);
    }

    private static boolean number(DataType t) {
        return t.equals(DataTypes.IntegerType) || t.equals(DataTypes.LongType) || t.equals(DataTypes.ShortType)
                || t.equals(DataTypes.ByteType) || t.equals(DataTypes.DoubleType) || t.equals(DataTypes.FloatType)
                || t instanceof DecimalType;
    }
}
