package dev.kindling.formats;

/**
 * What every JSON Lines reader of Kindling says of a line that holds more than one JSON object (the Spark reader,
 * {@code bench dedup}'s and {@code bench tokenizer}'s): a parser stops at the first object's closing brace, so a second
 * record on the line ({@code {...}{...}}, or records separated by a {@code \r} alone) was dropped without a trace; and
 * of an object that gives a key twice, whose first value a parser loses (the Spark reader, {@code bench tokenizer}'s,
 * decontaminate's benchmark reader, the engine's {@code generate --input}); and what they take as a blank text and drop
 * as a file's leading byte order mark. Here, in the module every reader depends on, so that the readers word it alike.
 */
public final class JsonLines {
    private JsonLines() {}

    /**
     * A text with nothing but white space (Unicode's spaces, NEL and the BOM too), or nothing at all: the Spark reader's
     * read:empty_text, distill's empty prompt or answer, a row bench tokenizer skips. A regular expression for Spark's
     * {@code rlike} as for Java; anchored with {@code \z}, as Java's {@code $} also matches before a final line terminator.
     */
    public static final String BLANK_TEXT = "^[\\s\\p{Z}\\x{85}\\x{FEFF}]*\\z";
    private static final java.util.regex.Pattern BLANK = java.util.regex.Pattern.compile(BLANK_TEXT);

    /** Whether {@code text} is {@link #BLANK_TEXT}. */
    public static boolean isBlankText(String text) {
        return BLANK.matcher(text).matches();
    }

    /**
     * {@code in} past a UTF-8 byte order mark that starts it (Windows tools write one), as the Spark reader drops it;
     * a mark later in the input stays, an error where it stands.
     */
    public static java.io.InputStream skipByteOrderMark(java.io.InputStream in) throws java.io.IOException {
        java.io.PushbackInputStream p = new java.io.PushbackInputStream(in, 3);
        byte[] head = p.readNBytes(3);
        if (!(head.length == 3 && head[0] == (byte) 0xEF && head[1] == (byte) 0xBB && head[2] == (byte) 0xBF)) {
            p.unread(head);
        }
        return p;
    }

    /**
     * What follows the JSON value that ends before {@code from} in {@code line}, as an error naming the character where it
     * starts (counted from 1, in code points, as Spark's SQL {@code substring} counts), or null when only white space does.
     */
    public static String afterObject(String line, int from) {
        boolean cr = false;
        for (int k = from; k < line.length(); k++) {
            char c = line.charAt(k);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return moreAfterObject(line.codePointCount(0, k) + 1, cr);
            }
            cr |= c == '\r';
        }
        return null;
    }

    /**
     * The error for a line with more after its JSON object, starting at code point {@code character} (from 1);
     * {@code crBefore}: a {@code \r} came between, the sign of records separated by old Mac line ends.
     */
    public static String moreAfterObject(int character, boolean crBefore) {
        return "more after the JSON object at character " + character + " of the line (JSON Lines holds one object per line"
                + (crBefore ? "; a \\r before it: JSON Lines lines end at \\n alone, so records separated by \\r alone are one "
                + "line; convert the file with tr '\\r' '\\n'" : "") + ")";
    }

    /**
     * What is wrong with a JSON line's object that Spark's parser passes over without a word, as an error naming where it
     * is, or null when nothing is: a key given twice in one object, the top-level one or one nested in it ({@code
     * {"id":1,"text":"a","text":"b"}}: Spark keeps the last value, the first is lost; pyarrow and Hugging Face datasets
     * refuse the row), or more after the top-level object ({@code {"a":1}{"b":2}}, {@code {"a":1} x}: the parser stops at
     * its closing brace). Characters are counted from 1, in code points. Strings may be single-quoted, as Spark's reader
     * accepts them. A line whose object never closes is left to the parse, which reports it as malformed. One pass over
     * the line's UTF-8 bytes (the structural characters are ASCII), run on every line: a key costs a hash and a
     * comparison with the object's earlier keys, through a hash table once an object holds {@link #WIDE_OBJECT} keys, so
     * an object of many keys costs time in proportion to them, not to their square.
     */
    public static String objectLineError(byte[] line) {
        if (line == null) {
            return null;
        }
        int depth = 0;
        boolean expectKey = false;          // after an object's '{' or ',': the next string is a key
        boolean[] inObject = new boolean[16];   // per depth (from 1): an object, not an array
        int[] firstKey = new int[16];           // per depth: where the keys of the object open there begin in keys
        // the keys of the open objects, innermost last: per key its opening and closing quote and a hash of its bytes
        // (with escapes, of the key as read); a key is compared with its object's earlier keys by hash, then bytes. Flat
        // arrays, not strings: a String per key made the scan of 300,000 short lines of 5 keys 3 to 7 times slower
        int[] keys = new int[3 * 16];
        int nKeys = 0;
        int[] openAt = new int[16];             // per depth: the byte of the object's '{', which names it in wideKeys
        // the keys of objects of WIDE_OBJECT keys or more, by their object's '{' and their hash: the index of the first key
        // with that hash (made at the first such object: a line of few keys never makes it)
        java.util.HashMap<Long, Integer> wideKeys = null;
        for (int i = 0; i < line.length; i++) {
            byte b = line[i];
            if (b == '"' || b == '\'') {
                int close = closingQuote(line, i);
                if (close < 0) {
                    return null; // an unclosed string: the parse reports the line as malformed
                }
                if (expectKey) {
                    expectKey = false;
                    int hash = keyHash(line, i, close);
                    int first = firstKey[depth - 1];
                    int from = first;
                    if (nKeys - first >= WIDE_OBJECT) {
                        if (wideKeys == null) {
                            wideKeys = new java.util.HashMap<>();
                        }
                        long object = (long) openAt[depth - 1] << 32;
                        if (nKeys - first == WIDE_OBJECT) {
                            for (int k = nKeys - 1; k >= first; k--) { // the earliest of equal hashes last, so it stays
                                wideKeys.put(object | (keys[3 * k + 2] & 0xffffffffL), k);
                            }
                        }
                        Integer seen = wideKeys.putIfAbsent(object | (hash & 0xffffffffL), nKeys);
                        // no key of that hash: none to compare; one whose bytes differ (a collision): compare with them all
                        from = seen == null ? nKeys : sameKey(line, keys[3 * seen], keys[3 * seen + 1], i, close) ? seen : first;
                    }
                    for (int k = from; k < nKeys; k++) {
                        if (keys[3 * k + 2] == hash && sameKey(line, keys[3 * k], keys[3 * k + 1], i, close)) {
                            return "key '" + keyOf(line, i, close) + "' given twice in " + (depth == 1 ? TOP_OBJECT
                                    : "an object nested in the line's") + ", at characters " + codePointAt(line, keys[3 * k])
                                    + " and " + codePointAt(line, i) + " of the line (a reader keeps one of its values and "
                                    + "loses the other)";
                        }
                    }
                    if (3 * nKeys + 3 > keys.length) {
                        keys = java.util.Arrays.copyOf(keys, keys.length * 2);
                    }
                    keys[3 * nKeys] = i;
                    keys[3 * nKeys + 1] = close;
                    keys[3 * nKeys + 2] = hash;
                    nKeys++;
                }
                i = close;
            } else if (b == '{' || b == '[') {
                depth++;
                if (depth > inObject.length) {
                    inObject = java.util.Arrays.copyOf(inObject, depth * 2);
                    firstKey = java.util.Arrays.copyOf(firstKey, depth * 2);
                    openAt = java.util.Arrays.copyOf(openAt, depth * 2);
                }
                inObject[depth - 1] = b == '{';
                firstKey[depth - 1] = nKeys;
                openAt[depth - 1] = i;
                expectKey = b == '{';
            } else if (b == ',') {
                expectKey = depth > 0 && inObject[depth - 1];
            } else if (b == ':') {
                expectKey = false;
            } else if (b == '}' || b == ']') {
                if (depth == 0) {
                    return null; // a close before any open: the parse reports the line as malformed
                }
                nKeys = firstKey[depth - 1]; // the object's keys go with it
                if (--depth == 0) {
                    boolean cr = false;
                    for (int k = i + 1; k < line.length; k++) {
                        if (line[k] != ' ' && line[k] != '\t' && line[k] != '\r' && line[k] != '\n') {
                            // records separated by a \r alone (old Mac line ends) are one line, as Python's json.loads of it
                            // says too: said, as the file was read as records before lines ended at \n alone
                            return moreAfterObject(codePointAt(line, k), cr);
                        }
                        cr |= line[k] == '\r';
                    }
                    return null;
                }
            }
        }
        return null;
    }

    /**
     * The keys an object holds before {@link #objectLineError} looks its further keys up in a hash table rather than
     * comparing each with every earlier one: a line of a few keys, the usual one, makes no table.
     */
    public static final int WIDE_OBJECT = 32;

    /** Where {@link #objectLineError} finds a top-level key given twice: "key 'id' given twice in the line's object". */
    public static final String TOP_OBJECT = "the line's object";

    /** The closing quote of the string whose opening quote is at byte {@code open} of the line; -1 where none is. */
    private static int closingQuote(byte[] line, int open) {
        byte quote = line[open];
        for (int i = open + 1; i < line.length; i++) {
            byte b = line[i];
            if (b == '\\') {
                i++;
            } else if (b == quote) {
                return i;
            }
        }
        return -1;
    }

    /**
     * {@link String#hashCode} of the key quoted at bytes {@code open} and {@code close}, as the parser reads it: of its bytes
     * where it is ASCII without escapes, as most keys are, else of its decoded name.
     */
    private static int keyHash(byte[] line, int open, int close) {
        int h = 0;
        for (int k = open + 1; k < close; k++) {
            if (line[k] < 0 || line[k] == '\\') {
                return keyOf(line, open, close).hashCode();
            }
            h = 31 * h + line[k];
        }
        return h;
    }

    /** Whether the keys quoted at {@code open1..close1} and {@code open2..close2} are one name as the parser reads them. */
    private static boolean sameKey(byte[] line, int open1, int close1, int open2, int close2) {
        return java.util.Arrays.equals(line, open1 + 1, close1, line, open2 + 1, close2)
                || keyOf(line, open1, close1).equals(keyOf(line, open2, close2));
    }

    /**
     * The key whose quotes are at bytes {@code open} and {@code close} of the line, as the parser reads it: escapes decoded
     * ({@code "\u0074ext"} is {@code text}, as Spark's parser names the field).
     */
    private static String keyOf(byte[] line, int open, int close) {
        for (int k = open + 1; k < close; k++) {
            if (line[k] == '\\') {
                try (com.fasterxml.jackson.core.JsonParser p = KEYS.createParser(line, open, close - open + 1)) {
                    p.nextToken();
                    return p.getText();
                } catch (java.io.IOException e) {
                    break; // a bad escape: the parse reports the line as malformed
                }
            }
        }
        return new String(line, open + 1, close - open - 1, java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The character (from 1, in code points) that starts at byte {@code at} of a UTF-8 line. */
    private static int codePointAt(byte[] line, int at) {
        String before = new String(line, 0, at, java.nio.charset.StandardCharsets.UTF_8);
        return before.codePointCount(0, before.length()) + 1;
    }

    /** Reads a key with escapes as the readers' parsers do, lenient where Spark's JSON reader is (single-quoted strings). */
    private static final com.fasterxml.jackson.core.JsonFactory KEYS = com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .enable(com.fasterxml.jackson.core.json.JsonReadFeature.ALLOW_SINGLE_QUOTES).build();
}
