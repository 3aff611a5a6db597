package dev.kindling.tokenizer.chat;

/**
 * A string literal's value as Jinja2's lexer decodes it: the text between the quotes with newlines made
 * {@code \n}, then Python's {@code unicode-escape} ({@code \n}, {@code \t}, {@code \x41}, {@code \u2028},
 * {@code \U0001F600}, {@code \N{BULLET}}, octal {@code \101}, {@code \'}; a backslash before any other
 * character stays). Jinjava's scanner knew only {@code \\ \' \" \n \t \b \f \r} and failed the whole
 * template on any other escape.
 */
final class PyStringLiteral {
    private PyStringLiteral() {}

    /** What Python's {@code body.encode('ascii', 'backslashreplace').decode('unicode-escape')} gives, newlines made \n. */
    static String decode(String body) {
        if (body.indexOf('\\') < 0 && body.indexOf('\r') < 0) {
            return body;
        }
        String s = body.replace("\r\n", "\n").replace('\r', '\n');
        StringBuilder out = new StringBuilder(s.length());
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c != '\\') {
                out.append(c);
                continue;
            }
            if (++i == s.length()) {
                throw new IllegalArgumentException("\\ at end of string");
            }
            char e = s.charAt(i);
            switch (e) {
                case '\n' -> { } // a backslash at the end of a line joins it to the next
                case '\\', '\'', '"' -> out.append(e);
                case 'a' -> out.append('\u0007');
                case 'b' -> out.append('\b');
                case 'f' -> out.append('\f');
                case 'n' -> out.append('\n');
                case 'r' -> out.append('\r');
                case 't' -> out.append('\t');
                case 'v' -> out.append('\u000b');
                case 'x' -> i = hex(s, i, 2, out);
                case 'u' -> i = hex(s, i, 4, out);
                case 'U' -> i = hex(s, i, 8, out);
                case 'N' -> i = named(s, i, out);
                default -> {
                    if (e >= '0' && e <= '7') {
                        int end = i + 1;
                        while (end < s.length() && end < i + 3 && s.charAt(end) >= '0' && s.charAt(end) <= '7') {
                            end++;
                        }
                        out.append((char) Integer.parseInt(s, i, end, 8));
                        i = end - 1;
                    } else if (e < 0x80) {
                        out.append('\\').append(e); // not an escape: kept as written
                    } else {
                        // the encode step wrote the character as \xe9, \u2028 or \U0001f600, whose backslash this one
                        // escapes: the text of that escape comes out
                        int cp = s.codePointAt(i);
                        out.append('\\').append(cp < 0x100 ? String.format("x%02x", cp)
                                : cp < 0x10000 ? String.format("u%04x", cp) : String.format("U%08x", cp));
                        i += Character.charCount(cp) - 1;
                    }
                }
            }
        }
        return out.toString();
    }

    /** The code point of the {@code digits} hex digits after {@code s[at]}, appended; the index of the last digit. */
    private static int hex(String s, int at, int digits, StringBuilder out) {
        int end = at + 1 + digits;
        if (end > s.length() || !s.substring(at + 1, end).chars().allMatch(ch -> Character.digit(ch, 16) >= 0 && ch < 0x80)) {
            throw new IllegalArgumentException("truncated \\" + s.charAt(at) + "XX".repeat(digits / 2) + " escape");
        }
        int cp = (int) Long.parseLong(s, at + 1, end, 16);
        if (cp < 0 || cp > Character.MAX_CODE_POINT) {
            throw new IllegalArgumentException("illegal Unicode character");
        }
        out.appendCodePoint(cp);
        return end - 1;
    }

    /** {@code \N{NAME}} at {@code s[at]} ('N'): the named character, appended; the index of the closing brace. */
    private static int named(String s, int at, StringBuilder out) {
        int close = s.indexOf('}', at);
        if (at + 1 >= s.length() || s.charAt(at + 1) != '{' || close < 0) {
            throw new IllegalArgumentException("malformed \\N character escape");
        }
        try {
            out.appendCodePoint(Character.codePointOf(s.substring(at + 2, close)));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown Unicode character name");
        }
        return close;
    }
}
