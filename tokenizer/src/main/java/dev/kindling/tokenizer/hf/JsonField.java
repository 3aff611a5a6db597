package dev.kindling.tokenizer.hf;

import com.fasterxml.jackson.databind.JsonNode;
import dev.kindling.formats.ModelFormatException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One value of a tokenizer.json with its JSON path, read strictly, the way Hugging Face tokenizers'
 * serde structs read it: a value of the wrong JSON type, or a required value that is absent or null,
 * is a {@link ModelFormatException} naming the file and the path, e.g.
 * {@code normalizer.normalizers[0].content: expected a string, got nothing}.
 *
 * <p>Each scalar type comes in three shapes, after serde's three kinds of field:
 * <ul>
 *   <li>{@code string()}: required, neither absent nor null (a plain field);
 *   <li>{@code boolOr(dflt)}: absent gives {@code dflt}, null is an error ({@code #[serde(default)]});
 *   <li>{@code nullableString()}: absent or null gives null / the default ({@code Option<T>}).
 * </ul>
 * Unknown fields are ignored, as serde does.
 */
final class JsonField {
    /**
     * Token ids must be below this (2^24, far past any real vocabulary: Gemma 3 has 262k): tables are
     * indexed by id, so an id of two billion would allocate gigabytes.
     */
    static final int TOKEN_ID_LIMIT = 1 << 24;

    private final Path file;
    private final JsonNode node; // null when absent
    private final String path;

    private JsonField(Path file, JsonNode node, String path) {
        this.file = file;
        this.node = node;
        this.path = path;
    }

    /** A top-level value ({@code node} null when absent) named {@code path}. */
    static JsonField of(Path file, JsonNode node, String path) {
        return new JsonField(file, node, path);
    }

    String path() {
        return path;
    }

    ModelFormatException error(String message) {
        return new ModelFormatException(file, (path.isEmpty() ? "(top level)" : path) + ": " + message);
    }

    /** Absent from its object. */
    boolean isAbsent() {
        return node == null;
    }

    boolean isString() {
        return node != null && node.isTextual();
    }

    boolean isArray() {
        return node != null && node.isArray();
    }

    /** Absent or null. */
    boolean isNull() {
        return node == null || node.isNull();
    }

    // ------------------------------------------------------------------ structure

    /** This value, which must be an object. */
    JsonField object() {
        if (node == null || !node.isObject()) {
            throw expected("an object");
        }
        return this;
    }

    /** Field {@code name} of this object (absent when it is not there); the file's root object has the path "". */
    JsonField get(String name) {
        return new JsonField(file, object().node.get(name), path.isEmpty() ? name : path + "." + name);
    }

    /**
     * The tag of a serde externally tagged enum: this object's one key, which must be one of {@code tags}
     * ({@code {"String": ...}} or {@code {"Regex": ...}}); its value is {@code get(tag)}.
     */
    String variant(String... tags) {
        List<String> keys = new ArrayList<>();
        object().node.fieldNames().forEachRemaining(keys::add);
        if (keys.size() == 1 && List.of(tags).contains(keys.get(0))) {
            return keys.get(0);
        }
        List<String> shapes = new ArrayList<>();
        for (String t : tags) {
            shapes.add("{\"" + t + "\": ...}");
        }
        throw error("expected " + String.join(" or ", shapes) + ", got the keys " + keys);
    }

    /** The entries of this object (a map from strings), each named {@code path["key"]}. */
    Map<String, JsonField> entries() {
        Map<String, JsonField> out = new LinkedHashMap<>();
        Iterator<Map.Entry<String, JsonNode>> it = object().node.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            out.put(e.getKey(), new JsonField(file, e.getValue(), path + "[\"" + e.getKey() + "\"]"));
        }
        return out;
    }

    /** The elements of this value, which must be an array, each named {@code path[i]}. */
    List<JsonField> elements() {
        if (node == null || !node.isArray()) {
            throw expected("an array");
        }
        List<JsonField> out = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            out.add(new JsonField(file, node.get(i), path + "[" + i + "]"));
        }
        return out;
    }

    // ------------------------------------------------------------------ strings

    String string() {
        if (node == null || !node.isTextual()) {
            throw expected("a string");
        }
        return node.textValue();
    }

    String nullableString() {
        return isNull() ? null : string();
    }

    /** A string that must be one of {@code allowed} (a serde enum of unit variants). */
    String oneOf(String... allowed) {
        String s = string();
        for (String a : allowed) {
            if (a.equals(s)) {
                return s;
            }
        }
        throw error("\"" + s + "\" is not one of " + String.join(", ", allowed));
    }

    /** A string of exactly one character (a Rust {@code char}) as a code point. */
    int codePoint() {
        String s = string();
        if (s.isEmpty() || s.codePointCount(0, s.length()) != 1) {
            throw error("expected one character, got \"" + s + "\"");
        }
        return s.codePointAt(0);
    }

    /** A string of exactly one character, which must be in the Basic Multilingual Plane. */
    char character() {
        int cp = codePoint();
        if (cp > 0xFFFF) {
            throw error("a character outside the Basic Multilingual Plane (U+" + Integer.toHexString(cp).toUpperCase()
                    + ") is not supported here");
        }
        return (char) cp;
    }

    // ------------------------------------------------------------------ booleans

    boolean bool() {
        if (node == null || !node.isBoolean()) {
            throw expected("a boolean");
        }
        return node.booleanValue();
    }

    boolean boolOr(boolean dflt) {
        return node == null ? dflt : bool();
    }

    boolean nullableBool(boolean dflt) {
        return isNull() ? dflt : bool();
    }

    // ------------------------------------------------------------------ numbers

    /** A whole number (no fraction or exponent, as serde reads an integer) from {@code min} to {@code max}. */
    long integer(long min, long max) {
        if (node == null || !node.isIntegralNumber()) {
            throw expected("a whole number");
        }
        if (!node.canConvertToLong() || node.longValue() < min || node.longValue() > max) {
            throw error("expected a whole number from " + min + " to " + max + ", got " + node);
        }
        return node.longValue();
    }

    /** A non-negative whole number that fits an int (a Rust {@code usize} here). */
    int nonNegativeInt() {
        return (int) integer(0, Integer.MAX_VALUE);
    }

    /** A token id: a whole number from 0 to {@link #TOKEN_ID_LIMIT} - 1. */
    int tokenId() {
        return (int) integer(0, TOKEN_ID_LIMIT - 1);
    }

    /** Any JSON number. */
    double number() {
        if (node == null || !node.isNumber()) {
            throw expected("a number");
        }
        return node.doubleValue();
    }

    double nullableNumber(double dflt) {
        return isNull() ? dflt : number();
    }

    // ------------------------------------------------------------------ messages

    /** "path: expected {@code what}, got ..." (this value as {@link #describe} puts it). */
    ModelFormatException expected(String what) {
        return error("expected " + what + ", got " + describe(node));
    }

    /** "nothing", "null", "a string ("x")", "a number (5)", "a boolean (true)", "an array", "an object". */
    private static String describe(JsonNode n) {
        if (n == null) {
            return "nothing";
        }
        if (n.isNull()) {
            return "null";
        }
        if (n.isTextual()) {
            String s = n.textValue();
            return "a string (\"" + (s.length() > 40 ? s.substring(0, 40) + "..." : s) + "\")";
        }
        if (n.isNumber()) {
            return "a number (" + n + ")";
        }
        if (n.isBoolean()) {
            return "a boolean (" + n + ")";
        }
        return n.isArray() ? "an array" : "an object";
    }
}
