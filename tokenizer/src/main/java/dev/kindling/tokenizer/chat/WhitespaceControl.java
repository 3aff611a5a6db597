package dev.kindling.tokenizer.chat;

/**
 * Jinja2's whitespace handling, applied to the template source before Jinjava parses it, so it
 * behaves exactly as in {@code transformers}: {@code {%-}/{{-}/{#-} strip all whitespace before the
 * tag, {@code -%}}/{@code -}}}/{@code -#}} all whitespace after it; {@code trim_blocks} removes the
 * first newline after a block or comment tag; {@code lstrip_blocks} removes spaces and tabs between
 * the start of a line and a block or comment tag ({@code {%+} opts out). The output has the same
 * tags without the {@code -}/{@code +} markers, and Jinjava's own trimming is switched off; the newlines it
 * drops are kept in empty comments, so errors name the line of the template as written.
 */
final class WhitespaceControl {
    private WhitespaceControl() {}

    static String apply(String src, boolean trimBlocks, boolean lstripBlocks) {
        StringBuilder out = new StringBuilder(src.length());
        int i = 0;
        int n = src.length();
        boolean stripNext = false; // the previous tag ended with '-'
        boolean trimNewline = false; // the previous tag was a block/comment tag (trim_blocks)
        boolean inRaw = false; // between {% raw %} and {% endraw %}, where a comment would be output as text
        while (i < n) {
            int open = nextOpen(src, i);
            String raw = src.substring(i, open < 0 ? n : open);
            String text = raw;
            if (stripNext) {
                text = stripLeading(text);
            } else if (trimNewline && trimBlocks) {
                if (text.startsWith("\r\n")) {
                    text = text.substring(2);
                } else if (text.startsWith("\n")) {
                    text = text.substring(1);
                }
            }
            if (open < 0) {
                out.append(text);
                break;
            }
            char kind = src.charAt(open + 1); // '{', '%' or '#'
            char marker = open + 2 < n ? src.charAt(open + 2) : ' ';
            boolean block = kind == '%' || kind == '#';
            if (marker == '-') {
                text = stripTrailing(text);
            } else if (block && lstripBlocks && marker != '+') {
                text = stripLineIndent(text, raw, i == 0);
            }
            out.append(text);
            // the newlines stripped here go into a comment, which outputs nothing, so that Jinjava's line
            // numbers in errors are those of the template as written
            int dropped = newlines(raw) - newlines(text);
            if (dropped > 0 && !inRaw) {
                out.append("{#").append("\n".repeat(dropped)).append("#}");
            }
            int close = closeOf(src, open, kind);
            if (close < 0) {
                out.append(src, open, n);
                break;
            }
            // the tag, without its whitespace markers
            int bodyStart = open + 2 + ((marker == '-' || marker == '+') ? 1 : 0);
            boolean rightStrip = src.charAt(close - 1) == '-';
            boolean rightKeep = src.charAt(close - 1) == '+';
            int bodyEnd = (rightStrip || rightKeep) ? close - 1 : close;
            char closer = kind == '{' ? '}' : kind;
            String tagBody = src.substring(bodyStart, bodyEnd);
            out.append('{').append(kind).append(kind == '{' ? separateClosingBraces(tagBody) : tagBody).append(closer).append('}');
            if (kind == '%') {
                String body = src.substring(bodyStart, bodyEnd).trim();
                inRaw = inRaw ? !body.equals("endraw") : body.equals("raw");
            }
            // Jinjava does not count the newlines inside a {{ }} or {% %} tag (a string literal spanning lines)
            int inside = kind == '#' ? 0 : newlines(src.substring(bodyStart, bodyEnd));
            if (inside > 0 && !inRaw) {
                out.append("{#").append("\n".repeat(inside)).append("#}");
            }
            stripNext = rightStrip;
            trimNewline = block && !rightKeep;
            i = close + 2;
        }
        return out.toString();
    }

    private static int newlines(String s) {
        int n = 0;
        for (int i = s.indexOf('\n'); i >= 0; i = s.indexOf('\n', i + 1)) {
            n++;
        }
        return n;
    }

    private static int nextOpen(String s, int from) {
        for (int i = s.indexOf('{', from); i >= 0 && i + 1 < s.length(); i = s.indexOf('{', i + 1)) {
            char c = s.charAt(i + 1);
            if (c == '{' || c == '%' || c == '#') {
                return i;
            }
        }
        return -1;
    }

    /**
     * Index of the closing "}}", "%}" or "#}" of the tag opened at {@code open}, skipping string literals; a "}}"
     * inside brackets the expression opened closes a dict, as in Jinja2's lexer ({@code {{ {'a': {'b': 1}} }}}).
     */
    private static int closeOf(String s, int open, char kind) {
        char closer = kind == '{' ? '}' : kind;
        char quote = 0;
        int depth = 0; // brackets open in a {{ }} expression
        for (int i = open + 2; i + 1 < s.length(); i++) {
            char c = s.charAt(i);
            if (kind != '#') {
                if (quote != 0) {
                    if (c == '\\') {
                        i++;
                    } else if (c == quote) {
                        quote = 0;
                    }
                    continue;
                }
                if (c == '\'' || c == '"') {
                    quote = c;
                    continue;
                }
            }
            if (c == closer && s.charAt(i + 1) == '}' && depth == 0) {
                return i;
            }
            if (kind == '{') {
                if (c == '(' || c == '[' || c == '{') {
                    depth++;
                } else if ((c == ')' || c == ']' || c == '}') && depth > 0) {
                    depth--;
                }
            }
        }
        return -1;
    }

    /**
     * A {@code {{ }}} expression with a space after each '}' (outside strings) that another '}' or the end of the
     * expression follows: Jinjava ends the tag at the first "}}", where Jinja2 reads the braces of nested dicts.
     */
    private static String separateClosingBraces(String body) {
        if (body.indexOf('}') < 0) {
            return body;
        }
        StringBuilder out = new StringBuilder(body.length() + 4);
        char quote = 0;
        for (int i = 0; i < body.length(); i++) {
            char c = body.charAt(i);
            out.append(c);
            if (quote != 0) {
                if (c == '\\' && i + 1 < body.length()) {
                    out.append(body.charAt(++i));
                } else if (c == quote) {
                    quote = 0;
                }
            } else if (c == '\'' || c == '"') {
                quote = c;
            } else if (c == '}' && (i + 1 == body.length() || body.charAt(i + 1) == '}')) {
                out.append(' ');
            }
        }
        return out.toString();
    }

    private static String stripLeading(String t) {
        int k = 0;
        while (k < t.length() && Character.isWhitespace(t.charAt(k))) {
            k++;
        }
        return t.substring(k);
    }

    private static String stripTrailing(String t) {
        int k = t.length();
        while (k > 0 && Character.isWhitespace(t.charAt(k - 1))) {
            k--;
        }
        return t.substring(0, k);
    }

    /**
     * Drops trailing spaces/tabs of {@code t} when, in the source ({@code raw}, the same text before
     * trim_blocks), only they separate the tag from the start of its line.
     */
    private static String stripLineIndent(String t, String raw, boolean templateStart) {
        int k = raw.length();
        while (k > 0 && (raw.charAt(k - 1) == ' ' || raw.charAt(k - 1) == '\t')) {
            k--;
        }
        boolean lineStart = k > 0 ? raw.charAt(k - 1) == '\n' : templateStart;
        if (!lineStart) {
            return t;
        }
        int j = t.length();
        while (j > 0 && (t.charAt(j - 1) == ' ' || t.charAt(j - 1) == '\t')) {
            j--;
        }
        return t.substring(0, j);
    }
}
