package dev.kindling.tokenizer.hf;

import java.nio.charset.StandardCharsets;

/**
 * A small JSON reader over the bytes of a tokenizer.json, for the one part that is large: the
 * model's vocabulary (hundreds of thousands of {@code "token": id} pairs) and merges. A tight loop
 * over bytes starts fast in a cold JVM, which is most of a tokenizer's load time; everything else
 * in the file becomes a Jackson tree ({@link #tree}) built without an ObjectMapper. Strings without escapes are
 * decoded straight from the UTF-8 bytes. Errors are {@link IllegalArgumentException}s that give the
 * byte offset.
 */
final class JsonScanner {
    private final byte[] b;
    private int pos;

    JsonScanner(byte[] bytes) {
        this.b = bytes;
    }

    int pos() {
        return pos;
    }

    /** Goes back to {@code position} (one returned by {@link #pos}). */
    void seek(int position) {
        pos = position;
    }

    IllegalArgumentException error(String what) {
        // a file cut short ends inside a value: "expected a number at byte 10" did not say the file had ended there
        return new IllegalArgumentException(what + (pos >= b.length ? " at byte " + pos + ", the end of the file (is it cut short?)"
                : " at byte " + pos));
    }

    void skipWhitespace() {
        while (pos < b.length) {
            byte c = b[pos];
            if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                pos++;
            } else {
                return;
            }
        }
    }

    /** The next non-whitespace byte, not consumed; -1 at the end. */
    int peek() {
        skipWhitespace();
        return pos < b.length ? b[pos] : -1;
    }

    void expect(char c) {
        skipWhitespace();
        if (pos >= b.length || b[pos] != c) {
            throw error("expected '" + c + "'" + (pos < b.length ? ", found '" + (char) b[pos] + "'" : ", found the end"));
        }
        pos++;
    }

    /** Consumes {@code c} if it is next. */
    boolean accept(char c) {
        skipWhitespace();
        if (pos < b.length && b[pos] == c) {
            pos++;
            return true;
        }
        return false;
    }

    String string() {
        skipWhitespace();
        if (pos >= b.length || b[pos] != '"') {
            throw error("expected a string");
        }
        int start = ++pos;
        while (pos < b.length) {
            byte c = b[pos];
            if (c == '"') {
                String s = new String(b, start, pos - start, StandardCharsets.UTF_8);
                pos++;
                return s;
            }
            if (c == '\\') {
                pos = start;
                return escapedString();
            }
            pos++;
        }
        throw error("unterminated string");
    }

    /** The file's bytes (for {@link #rawString}). */
    byte[] bytes() {
        return b;
    }

    /**
     * Consumes a string without escapes and returns its byte range as {@code start << 32 | end}
     * (the bytes between the quotes), without decoding it; returns -1 and consumes nothing when the
     * string has an escape (then call {@link #string}).
     */
    long rawString() {
        skipWhitespace();
        if (pos >= b.length || b[pos] != '"') {
            throw error("expected a string");
        }
        int start = pos + 1;
        for (int i = start; i < b.length; i++) {
            byte c = b[i];
            if (c == '"') {
                pos = i + 1;
                return (long) start << 32 | i;
            }
            if (c == '\\') {
                return -1;
            }
        }
        throw error("unterminated string");
    }

    private String escapedString() {
        StringBuilder sb = new StringBuilder();
        int runStart = pos;
        while (pos < b.length) {
            byte c = b[pos];
            if (c == '"') {
                sb.append(new String(b, runStart, pos - runStart, StandardCharsets.UTF_8));
                pos++;
                return sb.toString();
            }
            if (c != '\\') {
                pos++;
                continue;
            }
            sb.append(new String(b, runStart, pos - runStart, StandardCharsets.UTF_8));
            if (pos + 1 >= b.length) {
                throw error("unterminated escape");
            }
            byte e = b[pos + 1];
            pos += 2;
            switch (e) {
                case '"' -> sb.append('"');
                case '\\' -> sb.append('\\');
                case '/' -> sb.append('/');
                case 'b' -> sb.append('\b');
                case 'f' -> sb.append('\f');
                case 'n' -> sb.append('\n');
                case 'r' -> sb.append('\r');
                case 't' -> sb.append('\t');
                case 'u' -> {
                    if (pos + 4 > b.length) {
                        throw error("short \\u escape");
                    }
                    int v = 0;
                    for (int k = 0; k < 4; k++) {
                        int d = Character.digit(b[pos + k], 16);
                        if (d < 0) {
                            throw error("bad \\u escape");
                        }
                        v = v * 16 + d;
                    }
                    pos += 4;
                    sb.append((char) v); // surrogate pairs arrive as two escapes and pair up in the builder
                }
                default -> throw error("bad escape \\" + (char) e);
            }
            runStart = pos;
        }
        throw error("unterminated string");
    }

    /** An integer (JSON number without fraction or exponent). */
    long integer() {
        skipWhitespace();
        int start = pos;
        boolean neg = false;
        if (pos < b.length && b[pos] == '-') {
            neg = true;
            pos++;
        }
        long v = 0;
        int digits = 0;
        while (pos < b.length && b[pos] >= '0' && b[pos] <= '9') {
            v = v * 10 + (b[pos] - '0');
            pos++;
            if (++digits > 18) {
                throw error("integer too long");
            }
        }
        if (digits == 0 || (pos < b.length && (b[pos] == '.' || b[pos] == 'e' || b[pos] == 'E'))) {
            pos = start;
            throw error("expected an integer");
        }
        return neg ? -v : v;
    }

    double number() {
        skipWhitespace();
        int start = pos;
        while (pos < b.length) {
            byte c = b[pos];
            if ((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E') {
                pos++;
            } else {
                break;
            }
        }
        if (start == pos) {
            throw error("expected a number");
        }
        try {
            return Double.parseDouble(new String(b, start, pos - start, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            pos = start;
            throw error("bad number");
        }
    }

    /** The next value as a Jackson tree, built without an ObjectMapper (which is slow to start). */
    com.fasterxml.jackson.databind.JsonNode tree() {
        com.fasterxml.jackson.databind.node.JsonNodeFactory f = com.fasterxml.jackson.databind.node.JsonNodeFactory.instance;
        int c = peek();
        switch (c) {
            case '{': {
                pos++;
                com.fasterxml.jackson.databind.node.ObjectNode o = f.objectNode();
                if (accept('}')) {
                    return o;
                }
                do {
                    String k = string();
                    expect(':');
                    o.set(k, tree());
                } while (accept(','));
                expect('}');
                return o;
            }
            case '[': {
                pos++;
                com.fasterxml.jackson.databind.node.ArrayNode a = f.arrayNode();
                if (accept(']')) {
                    return a;
                }
                do {
                    a.add(tree());
                } while (accept(','));
                expect(']');
                return a;
            }
            case '"':
                return f.textNode(string());
            case 't':
                literal("true");
                return f.booleanNode(true);
            case 'f':
                literal("false");
                return f.booleanNode(false);
            case 'n':
                literal("null");
                return f.nullNode();
            default: {
                int start = pos;
                double d = number();
                String text = new String(b, start, pos - start, StandardCharsets.US_ASCII);
                if (text.indexOf('.') < 0 && text.indexOf('e') < 0 && text.indexOf('E') < 0) {
                    long l = (long) d;
                    if (l == d && text.length() < 19) {
                        long v = Long.parseLong(text);
                        return v == (int) v ? f.numberNode((int) v) : f.numberNode(v);
                    }
                }
                return f.numberNode(d);
            }
        }
    }

    private void literal(String word) {
        for (int i = 0; i < word.length(); i++) {
            if (pos + i >= b.length || b[pos + i] != word.charAt(i)) {
                throw error("expected " + word);
            }
        }
        pos += word.length();
    }
}
