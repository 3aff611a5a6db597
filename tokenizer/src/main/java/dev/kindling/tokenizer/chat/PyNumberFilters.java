package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code int(default=0, base=10)} and {@code float(default=0.0)}: Python's {@code int(s, base)} and
 * {@code float(s)} of a str (surrounding whitespace, a sign, {@code _} between digits, {@code 0x}/{@code 0o}/{@code 0b}
 * in its base, base 0 from the prefix; {@code inf}, {@code nan}, {@code 1e3}), a str {@code int} cannot read taken
 * through {@code float} ({@code '3.7'|int} is 3), a bool as 0 or 1, the default for anything else (None, a list,
 * {@code 'abc'}); an undefined value raises UndefinedError. Jinjava's read {@code '3.7'|float} as a Java float
 * (3.700000047683716), {@code true|int} as 0, {@code '0x1A'|int(base=16)} as 16, and took undefined for 0.
 */
final class PyNumberFilters implements Filter {
    static final PyNumberFilters INT = new PyNumberFilters("int");
    static final PyNumberFilters FLOAT = new PyNumberFilters("float");

    private static final Pattern FLOAT_TEXT = Pattern.compile(
            "[+-]?(?:\\d(?:_?\\d)*(?:\\.(?:\\d(?:_?\\d)*)?)?|\\.\\d(?:_?\\d)*)(?:[eE][+-]?\\d(?:_?\\d)*)?");
    private static final Pattern SPECIAL_FLOAT = Pattern.compile("(?i)[+-]?(?:inf|infinity|nan)");

    private final String name;

    private PyNumberFilters(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        if (var == null) {
            throw new ChatTemplateException("an undefined value given to the " + name + " filter (Jinja2 raises UndefinedError)");
        }
        Object dflt = kwargs.containsKey("default") ? kwargs.get("default") : args.length > 0 ? args[0] : null;
        if (this == FLOAT) {
            Double d = toFloat(var);
            return d != null ? d : dflt != null ? dflt : 0.0;
        }
        Object base = kwargs.containsKey("base") ? kwargs.get("base") : args.length > 1 ? args[1] : 10L;
        Object i = toInt(var, base);
        return i != null ? i : dflt != null ? dflt : 0L;
    }

    /** Jinja2's do_int: int(value, base) for a str, int(value) otherwise, then int(float(value)); null where both fail. */
    private static Object toInt(Object var, Object base) {
        if (var instanceof CharSequence || var instanceof SafeString) {
            int b = base instanceof Number n && !PyArithmetic.isFloat(n) ? n.intValue() : -1;
            BigInteger i = b == 0 || (b >= 2 && b <= 36) ? parseInt(var.toString(), b) : null;
            if (i != null) {
                return PyArithmetic.normal(i);
            }
        } else if (var instanceof Boolean || (var instanceof Number n && !PyArithmetic.isFloat(n))) {
            return PyEquality.number(var);
        }
        Double d = toFloat(var);
        if (d == null || d.isNaN()) {
            return null;
        }
        if (d.isInfinite()) {
            throw new ChatTemplateException("cannot convert float infinity to integer (Python raises OverflowError)");
        }
        return PyArithmetic.normal(new BigDecimal(d).toBigInteger());
    }

    /** Python's float(value) for a str, number or bool; null where it raises TypeError or ValueError. */
    private static Double toFloat(Object var) {
        if (var instanceof Boolean || var instanceof Number) {
            return PyArithmetic.asFloat((Number) PyEquality.number(var));
        }
        if (!(var instanceof CharSequence || var instanceof SafeString)) {
            return null;
        }
        String s = var.toString().strip();
        if (FLOAT_TEXT.matcher(s).matches()) {
            return Double.parseDouble(s.replace("_", ""));
        }
        if (SPECIAL_FLOAT.matcher(s).matches()) {
            boolean negative = s.startsWith("-");
            return s.toLowerCase().endsWith("nan") ? Double.NaN : negative ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        return null;
    }

    /** Python's int(s, base); null where it raises ValueError. */
    static BigInteger parseInt(String text, int base) {
        String s = text.strip();
        boolean negative = s.startsWith("-");
        if (negative || s.startsWith("+")) {
            s = s.substring(1);
        }
        String lower = s.toLowerCase();
        int prefixBase = lower.startsWith("0x") ? 16 : lower.startsWith("0o") ? 8 : lower.startsWith("0b") ? 2 : 0;
        boolean prefixed = prefixBase != 0 && (base == 0 || base == prefixBase);
        if (prefixed) {
            s = s.substring(2);
            base = prefixBase;
            if (s.startsWith("_")) {
                s = s.substring(1); // 0x_1A
            }
        } else if (base == 0) {
            base = 10;
            if (s.length() > 1 && s.startsWith("0") && !s.replace("_", "").matches("0+")) {
                return null; // base 0 refuses 010, as Python's literals do
            }
        }
        if (s.isEmpty() || s.startsWith("_") || s.endsWith("_") || s.contains("__")) {
            return null;
        }
        String digits = s.replace("_", "");
        for (int i = 0; i < digits.length(); i++) {
            if (Character.digit(digits.charAt(i), base) < 0) {
                return null;
            }
        }
        BigInteger value = new BigInteger(digits, base);
        return negative ? value.negate() : value;
    }
}
