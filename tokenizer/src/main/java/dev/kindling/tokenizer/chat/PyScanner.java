package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.ExtendedScanner;
import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinjava's expression scanner with Jinja2's tokens where they differ: string literals as Jinja2 decodes them
 * ({@link PyStringLiteral}), numbers as Jinja2's {@code float_re} and {@code integer_re} read them, and {@code +} always the
 * operator. Jinjava read a {@code +} before a digit as the token of its unary plus, so that {@code 0.1+0.2}, {@code x+1}
 * and {@code messages|length+1} failed to parse ("encountered '+'"); it read {@code .5} and {@code 1.} as numbers, which
 * Jinja2 refuses, and knew no {@code 1_000}, {@code 0x1F}, {@code 0b1} or {@code 0o7}.
 */
final class PyScanner extends ExtendedScanner {
    /** Jinja2's float_re (lexer.py): digits on both sides of a point, or an exponent; '_' between digits. */
    private static final Pattern FLOAT = Pattern.compile(
            "(\\d+_)*\\d+((\\.(\\d+_)*\\d+)?e[+\\-]?(\\d+_)*\\d+|\\.(\\d+_)*\\d+)", Pattern.CASE_INSENSITIVE);
    /** Jinja2's integer_re: 0b, 0o, 0x, or a decimal without a leading zero (0, 00 and 0_0 are zero). */
    private static final Pattern INTEGER = Pattern.compile(
            "0b(_?[01])+|0o(_?[0-7])+|0x(_?[\\da-f])+|[1-9](_?\\d)*|0(_?0)*", Pattern.CASE_INSENSITIVE);

    PyScanner(String input) {
        super(input);
    }

    @Override
    protected Token nextEval() throws ScanException {
        String input = getInput();
        int at = getPosition();
        char c = input.charAt(at);
        if (c == '+') {
            return fixed(Symbol.PLUS); // unary or binary, as the parser finds it
        }
        if (c == '.') {
            return fixed(Symbol.DOT); // never the start of a number: Jinja2 refuses .5
        }
        if (c >= '0' && c <= '9') {
            return nextNumber();
        }
        return super.nextEval();
    }

    /**
     * The number at the current position, its image as Java reads it: '_' dropped, an integer in decimal. After a point
     * ({@code xs.0.1}) only an integer, as Jinja2's float_re does not match after a '.'.
     */
    @Override
    protected Token nextNumber() throws ScanException {
        String input = getInput();
        int at = getPosition();
        Matcher f = FLOAT.matcher(input).region(at, input.length());
        if ((at == 0 || input.charAt(at - 1) != '.') && f.lookingAt()) {
            return token(Symbol.FLOAT, f.group().replace("_", ""), f.end() - at);
        }
        Matcher i = INTEGER.matcher(input).region(at, input.length());
        if (!i.lookingAt()) {
            throw new ScanException(at, "invalid number", "a number"); // not reached: "0" always matches
        }
        String digits = i.group().replace("_", "");
        int radix = 10;
        if (digits.length() > 1 && Character.isLetter(digits.charAt(1))) {
            radix = switch (Character.toLowerCase(digits.charAt(1))) {
                case 'b' -> 2;
                case 'o' -> 8;
                default -> 16;
            };
            digits = digits.substring(2);
        }
        return token(Symbol.INTEGER, new BigInteger(digits, radix).toString(), i.end() - at);
    }

    /**
     * A string literal, and any literals right after it (whitespace between): Jinja2's parser joins adjacent strings as
     * Python does ({@code 'It''s'} is {@code Its}); Jinjava failed the template at the second one.
     */
    @Override
    protected Token nextString() throws ScanException {
        String input = getInput();
        int start = getPosition();
        StringBuilder value = new StringBuilder();
        int at = start;
        do {
            at = literal(input, at, value);
            int next = at;
            while (next < input.length() && Character.isWhitespace(input.charAt(next))) {
                next++;
            }
            if (next < input.length() && (input.charAt(next) == '\'' || input.charAt(next) == '"')) {
                at = next;
            } else {
                break;
            }
        } while (true);
        return token(Symbol.STRING, value.toString(), at - start);
    }

    /** Decodes the literal whose quote is at {@code start} onto {@code value}; returns the position after it. */
    private static int literal(String input, int start, StringBuilder value) throws ScanException {
        char quote = input.charAt(start);
        for (int i = start + 1; i < input.length(); i++) {
            char c = input.charAt(i);
            if (c == '\\') {
                i++; // the escaped character, whatever it is, does not end the string (as Jinja2's string_re)
            } else if (c == quote) {
                try {
                    value.append(PyStringLiteral.decode(input.substring(start + 1, i)));
                } catch (IllegalArgumentException e) {
                    throw new ScanException(start, e.getMessage(), "a valid escape sequence");
                }
                return i + 1;
            }
        }
        throw new ScanException(start, "unterminated string", String.valueOf(quote));
    }
}
