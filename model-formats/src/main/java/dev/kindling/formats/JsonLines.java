package dev.kindling.formats;

/**
 * What every JSON Lines reader of Kindling says of a line that holds more than one JSON object (the Spark reader,
 * {@code bench dedup}'s and {@code bench tokenizer}'s): a parser stops at the first object's closing brace, so a second
 * record on the line ({@code {...}{...}}, or records separated by a {@code \r} alone) was dropped without a trace. Here,
 * in the module every reader depends on, so that the readers word it alike.
 */
public final class JsonLines {
    private JsonLines() {}

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
}
