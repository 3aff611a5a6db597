package dev.kindling.tokenizer.hf;

import java.nio.charset.StandardCharsets;

/**
 * A small JSON reader over the bytes of a tokenizer.json, for the one part that is large: the
 * model's vocabulary (hundreds of thousands of {@code "token": id} pairs) and merges. A tight loop
 * over bytes starts fast in a cold JVM, which is most of a tokenizer's load time; everything else
 * in the file is handed to Jackson by byte range ({@link #skipValue}). Strings without escapes are
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

    byte[] bytes() {
        return b;
    }

    IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at byte " + pos);
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

    /** Skips one value of any kind and returns its start offset. */
    int skipValue() {
        skipWhitespace();
        int start = pos;
        if (pos >= b.length) {
            throw error("expected a value");
        }
        byte c = b[pos];
        if (c == '"') {
            string();
            return start;
        }
        if (c == '{' || c == '[') {
            int depth = 0;
            while (pos < b.length) {
                byte x = b[pos];
                if (x == '"') {
                    string();
                    continue;
                }
                if (x == '{' || x == '[') {
                    depth++;
                } else if (x == '}' || x == ']') {
                    depth--;
                    if (depth == 0) {
                        pos++;
                        return start;
                    }
                }
                pos++;
            }
            throw error("unterminated " + (c == '{' ? "object" : "array"));
        }
        // number, true, false, null
        while (pos < b.length) {
            byte x = b[pos];
            if (x == ',' || x == '}' || x == ']' || x == ' ' || x == '\n' || x == '\r' || x == '\t') {
                break;
            }
            pos++;
        }
        if (pos == start) {
            throw error("expected a value");
        }
        return start;
    }
}
