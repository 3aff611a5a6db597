package dev.kindling.spark.io;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * A struct type of JSON objects with its fields in the order the keys first appear in the input, as pyarrow's JSON
 * reader (which Hugging Face datasets' {@code load_dataset("json")} uses) orders them: the keys of the first object, then
 * each key an object brings that none before it had, after them, at every level. Spark's schema inference sorts the
 * fields by name ({@code content} before {@code role}, a tool call's arguments alphabetically), so the data came out
 * in another order than it went in.
 */
final class JsonKeyOrder {
    /** Separates the names of a path of nested objects (an array's elements have their array's path). */
    private static final String SEP = "\u0000";
    private static final StructType KEY = new StructType().add("path", DataTypes.StringType, false)
            .add("key", DataTypes.StringType, false).add("seq", DataTypes.IntegerType, false);

    private JsonKeyOrder() {}

    /**
     * {@code type} (the type Spark inferred for the top-level field {@code field}) with its structs' fields in their
     * order of first appearance in {@code lines} (JSON objects in {@code value}, with {@link Columns#SOURCE_FILE} and
     * {@link Columns#SOURCE_OFFSET}): by file, then line, then place in the line. Fields the lines never show keep
     * Spark's order, after the others. One pass over the lines.
     */
    static DataType inFileOrder(DataType type, Dataset<Row> lines, String field) {
        org.apache.spark.sql.expressions.UserDefinedFunction keys = functions.udf(
                (UDF1<String, List<Row>>) line -> keys(line, field), DataTypes.createArrayType(KEY, false));
        List<Row> firsts = lines.select(explode(keys.apply(col("value"))).as("k"), col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET))
                .groupBy(col("k.path").as("path"), col("k.key").as("key"))
                .agg(min(struct(col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET), col("k.seq"))).as("first"))
                .orderBy("first").select("path", "key").collectAsList();
        Map<String, List<String>> order = new HashMap<>();
        for (Row r : firsts) {
            order.computeIfAbsent(r.getString(0), p -> new ArrayList<>()).add(r.getString(1));
        }
        return reorder(type, "", order);
    }

    /** {@code type} with the fields of the struct at each path in {@code order}'s order (the others after them). */
    static DataType reorder(DataType type, String path, Map<String, List<String>> order) {
        if (type instanceof ArrayType a) {
            return DataTypes.createArrayType(reorder(a.elementType(), path, order), a.containsNull());
        }
        if (!(type instanceof StructType s)) {
            return type;
        }
        List<String> first = order.getOrDefault(path, List.of());
        List<StructField> fields = new ArrayList<>(List.of(s.fields()));
        fields.sort(java.util.Comparator.comparingInt(f -> {
            int i = first.indexOf(f.name());
            return i < 0 ? Integer.MAX_VALUE : i;
        }));
        StructType out = new StructType();
        for (StructField f : fields) {
            out = out.add(new StructField(f.name(), reorder(f.dataType(), path + SEP + f.name(), order), f.nullable(), f.metadata()));
        }
        return out;
    }

    /**
     * Every key of the objects under the top-level field {@code field} of the JSON object {@code line}, in the order of
     * the text: {@code (path, key, seq)}, {@code seq} counting from 0. Nothing for a line that is no object, or whose field
     * is no array; a malformed line gives the keys before the fault (the parse itself reports the line).
     */
    static List<Row> keys(String line, String field) {
        List<Row> out = new ArrayList<>();
        if (line == null) {
            return out;
        }
        try (JsonParser p = DatasetReader.JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals(field) && v == JsonToken.START_ARRAY) {
                    walk(p, "", out);
                    return out;
                }
                p.skipChildren();
            }
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** The keys of the object or array {@code p} is at (recursively), {@code p} left at its end. */
    private static void walk(JsonParser p, String path, List<Row> out) throws IOException {
        if (p.currentToken() == JsonToken.START_ARRAY) {
            for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY && t != null; t = p.nextToken()) {
                if (t == JsonToken.START_OBJECT || t == JsonToken.START_ARRAY) {
                    walk(p, path, out);
                }
            }
            return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
            String key = p.currentName();
            out.add(RowFactory.create(path, key, out.size()));
            JsonToken v = p.nextToken();
            if (v == JsonToken.START_OBJECT || v == JsonToken.START_ARRAY) {
                walk(p, path + SEP + key, out);
            }
        }
    }
}
