package dev.kindling.tokenizer.chat;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * Python's printf-style string formatting, {@code str % args}: {@code '%s and %d' % (a, b)}, {@code '%s' % x},
 * {@code '%(key)s' % dict}, the conversions {@code s r a d i u o x X e E f F g G c %}, the flags
 * {@code - + space # 0}, width and precision (also {@code *}). A tuple is the arguments, any other value
 * the one argument; too few or too many arguments, or a value of the wrong type, raise TypeError as in Python.
 * Floats are rounded from their exact binary value, half to even, as C's printf.
 */
final class PyFormat {
    private PyFormat() {}

    static String format(String format, Object args) {
        List<?> values = args instanceof PyTuple t ? t : Collections.singletonList(args);
        Map<?, ?> mapping = args instanceof Map<?, ?> m ? m : null;
        StringBuilder out = new StringBuilder(format.length() + 16);
        int next = 0;
        int i = 0;
        while (i < format.length()) {
            char c = format.charAt(i++);
            if (c != '%') {
                out.append(c);
                continue;
            }
            Object value = null;
            boolean keyed = false;
            if (i < format.length() && format.charAt(i) == '(') {
                if (mapping == null) {
                    throw error("format requires a mapping");
                }
                int depth = 1;
                int start = ++i;
                for (; i < format.length() && depth > 0; i++) {
                    depth += format.charAt(i) == '(' ? 1 : format.charAt(i) == ')' ? -1 : 0;
                }
                if (depth > 0) {
                    throw new ChatTemplateException("incomplete format key (Python raises ValueError)");
                }
                String key = format.substring(start, i - 1);
                if (!mapping.containsKey(key)) {
                    throw new ChatTemplateException("KeyError: '" + key + "' in format string");
                }
                value = mapping.get(key);
                keyed = true;
            }
            String flags = "";
            while (i < format.length() && "-+ #0".indexOf(format.charAt(i)) >= 0) {
                flags += format.charAt(i++);
            }
            int width = -1;
            if (i < format.length() && format.charAt(i) == '*') {
                i++;
                width = intArg(next < values.size() ? values.get(next++) : missing());
                if (width < 0) {
                    flags += "-";
                    width = -width;
                }
            } else {
                int start = i;
                while (i < format.length() && Character.isDigit(format.charAt(i))) {
                    i++;
                }
                width = i > start ? Integer.parseInt(format.substring(start, i)) : -1;
            }
            int precision = -1;
            if (i < format.length() && format.charAt(i) == '.') {
                i++;
                if (i < format.length() && format.charAt(i) == '*') {
                    i++;
                    precision = Math.max(0, intArg(next < values.size() ? values.get(next++) : missing()));
                } else {
                    int start = i;
                    while (i < format.length() && Character.isDigit(format.charAt(i))) {
                        i++;
                    }
                    precision = i > start ? Integer.parseInt(format.substring(start, i)) : 0;
                }
            }
            while (i < format.length() && "hlL".indexOf(format.charAt(i)) >= 0) {
                i++; // length modifiers: accepted and ignored, as in Python
            }
            if (i >= format.length()) {
                throw new ChatTemplateException("incomplete format (Python raises ValueError)");
            }
            char conversion = format.charAt(i++);
            if (conversion == '%') {
                out.append('%');
                continue;
            }
            if (!keyed) {
                if (mapping != null) {
                    value = args; // '%s' % {'a': 1} formats the dict itself
                } else if (next < values.size()) {
                    value = values.get(next++);
                } else {
                    missing();
                }
            }
            out.append(convert(conversion, flags, width, precision, value, i - 1));
        }
        if (mapping == null && next < values.size()) {
            throw error("not all arguments converted during string formatting");
        }
        return out.toString();
    }

    private static Object missing() {
        throw error("not enough arguments for format string");
    }

    private static String convert(char conversion, String flags, int width, int precision, Object value, int index) {
        boolean left = flags.indexOf('-') >= 0;
        boolean zero = flags.indexOf('0') >= 0 && !left;
        String sign = "";
        String prefix = "";
        String body;
        switch (conversion) {
            case 's', 'r', 'a' -> {
                body = conversion == 's' ? PyStr.str(value) : PyStr.repr(value);
                if (precision >= 0 && precision < body.length()) {
                    body = body.substring(0, body.offsetByCodePoints(0, Math.min(precision, body.codePointCount(0, body.length()))));
                }
                return pad(body, width, left);
            }
            case 'c' -> {
                if (value instanceof CharSequence s && s.toString().codePointCount(0, s.length()) == 1) {
                    body = s.toString();
                } else if (isInt(value)) {
                    body = new String(Character.toChars(((Number) PyEquality.number(value)).intValue()));
                } else {
                    throw error("%c requires an int or a unicode character, not " + PyAddition.typeName(value));
                }
                return pad(body, width, left);
            }
            case 'd', 'i', 'u', 'o', 'x', 'X' -> {
                BigInteger n = integer(conversion, value);
                sign = n.signum() < 0 ? "-" : flags.indexOf('+') >= 0 ? "+" : flags.indexOf(' ') >= 0 ? " " : "";
                int radix = conversion == 'o' ? 8 : conversion == 'x' || conversion == 'X' ? 16 : 10;
                body = n.abs().toString(radix);
                if (conversion == 'X') {
                    body = body.toUpperCase();
                }
                if (flags.indexOf('#') >= 0 && radix != 10) {
                    prefix = radix == 8 ? "0o" : conversion == 'x' ? "0x" : "0X";
                }
                if (precision > body.length()) {
                    body = "0".repeat(precision - body.length()) + body;
                }
            }
            case 'e', 'E', 'f', 'F', 'g', 'G' -> {
                double d = real(conversion, value);
                sign = d < 0 || (d == 0 && 1 / d < 0) ? "-" : flags.indexOf('+') >= 0 ? "+" : flags.indexOf(' ') >= 0 ? " " : "";
                body = floatBody(Character.toLowerCase(conversion), Math.abs(d), precision < 0 ? 6 : precision, flags.indexOf('#') >= 0);
                if (Character.isUpperCase(conversion)) {
                    body = body.toUpperCase();
                }
            }
            default -> throw new ChatTemplateException(String.format("unsupported format character '%c' (0x%x) at index %d"
                    + " (Python raises ValueError)", conversion, (int) conversion, index));
        }
        int length = sign.length() + prefix.length() + body.length();
        if (zero && width > length) {
            return sign + prefix + "0".repeat(width - length) + body;
        }
        return pad(sign + prefix + body, width, left);
    }

    static String floatBody(char conversion, double d, int precision, boolean alternate) {
        if (Double.isNaN(d)) {
            return "nan";
        }
        if (Double.isInfinite(d)) {
            return "inf";
        }
        BigDecimal exact = new BigDecimal(d);
        switch (conversion) {
            case 'f' -> {
                String s = exact.setScale(precision, RoundingMode.HALF_EVEN).toPlainString();
                return alternate && precision == 0 ? s + "." : s;
            }
            case 'e' -> {
                return scientific(exact, precision, alternate);
            }
            default -> { // g: fixed or scientific by the exponent after rounding, trailing zeros dropped unless #
                int p = precision == 0 ? 1 : precision;
                int exponent = d == 0 ? 0 : exact.round(new MathContext(p, RoundingMode.HALF_EVEN)).precision()
                        - exact.round(new MathContext(p, RoundingMode.HALF_EVEN)).scale() - 1;
                String s = exponent >= -4 && exponent < p
                        ? exact.setScale(p - 1 - exponent, RoundingMode.HALF_EVEN).toPlainString()
                        : scientific(exact, p - 1, alternate);
                if (alternate) {
                    return s.contains(".") || s.contains("e") ? s : s + ".";
                }
                int e = s.indexOf('e');
                String mantissa = e < 0 ? s : s.substring(0, e);
                if (mantissa.contains(".")) {
                    mantissa = mantissa.replaceAll("0+$", "").replaceAll("\\.$", "");
                }
                return e < 0 ? mantissa : mantissa + s.substring(e);
            }
        }
    }

    /** d.ddde+XX, as C's %e. */
    private static String scientific(BigDecimal exact, int precision, boolean alternate) {
        int exponent = 0;
        String digits;
        if (exact.signum() == 0) {
            digits = "0".repeat(precision + 1);
        } else {
            BigDecimal rounded = exact.round(new MathContext(precision + 1, RoundingMode.HALF_EVEN));
            exponent = rounded.precision() - rounded.scale() - 1;
            digits = rounded.unscaledValue().toString();
            digits = digits.length() < precision + 1 ? digits + "0".repeat(precision + 1 - digits.length()) : digits.substring(0, precision + 1);
        }
        String mantissa = digits.charAt(0) + (precision > 0 || alternate ? "." : "") + digits.substring(1);
        return mantissa + (exponent < 0 ? "e-" : "e+") + (Math.abs(exponent) < 10 ? "0" : "") + Math.abs(exponent);
    }

    private static BigInteger integer(char conversion, Object value) {
        if (isInt(value)) {
            Number n = (Number) PyEquality.number(value);
            return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
        }
        if (value instanceof Number n && PyArithmetic.isFloat(n) && (conversion == 'd' || conversion == 'i' || conversion == 'u')) {
            if (!Double.isFinite(n.doubleValue())) {
                throw new ChatTemplateException("cannot convert float " + PyStr.repr(n) + " to integer");
            }
            return new BigDecimal(n.doubleValue()).toBigInteger();
        }
        throw error("%" + conversion + " format: " + (conversion == 'd' || conversion == 'i' || conversion == 'u'
                ? "a real number is required, not " : "an integer is required, not ") + PyAddition.typeName(value));
    }

    private static double real(char conversion, Object value) {
        if (PyEquality.isNumber(value)) {
            return PyArithmetic.asFloat((Number) PyEquality.number(value));
        }
        throw error("must be real number, not " + PyAddition.typeName(value));
    }

    private static boolean isInt(Object o) {
        return o instanceof Boolean || (o instanceof Number n && !PyArithmetic.isFloat(n));
    }

    private static int intArg(Object o) {
        if (!isInt(o)) {
            throw error("* wants int");
        }
        return ((Number) PyEquality.number(o)).intValue();
    }

    private static String pad(String s, int width, boolean left) {
        int n = s.codePointCount(0, s.length());
        if (width <= n) {
            return s;
        }
        return left ? s + " ".repeat(width - n) : " ".repeat(width - n) + s;
    }

    private static ChatTemplateException error(String message) {
        return new ChatTemplateException(message + " (Jinja2 raises TypeError)");
    }
}
