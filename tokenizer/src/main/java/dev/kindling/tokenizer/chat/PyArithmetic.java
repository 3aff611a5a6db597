package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * Python's {@code -}, {@code /}, {@code //}, {@code %} and {@code **} on numbers, and the int and float
 * arithmetic of {@code +} and {@code *}: ints without a size limit (a long, a BigInteger past it:
 * {@code 2**70} is 1180591620717411303424), floor division and a modulo with the sign of the divisor
 * ({@code -7 % 3} is 2, {@code -7 // 2} is -4), {@code /} always a float, division by zero raising
 * (ZeroDivisionError), a bool as the int 0 or 1. {@code str % args} is printf-style formatting ({@link PyFormat}).
 * An undefined operand raises (UndefinedError), any other non-number TypeError. Java EL's truncated
 * ({@code -7 % 3} was -1), wrapped past a long ({@code 2**70} printed 9223372036854775807), gave
 * infinity for {@code 7 / 0}, and took an undefined value for 0.
 */
final class PyArithmetic extends AstBinary.SimpleOperator {
    static final PyArithmetic SUB = new PyArithmetic("-");
    static final PyArithmetic DIV = new PyArithmetic("/");
    static final PyArithmetic FLOOR_DIV = new PyArithmetic("//");
    static final PyArithmetic MOD = new PyArithmetic("%");
    static final PyArithmetic POW = new PyArithmetic("**");

    /** The largest int {@code **} computes, in bits; Python goes on (slowly) to far beyond what a prompt prints. */
    private static final long MAX_POW_BITS = 1 << 20;
    private static final long FLOAT_EXACT = 1L << 53;

    private final String op;

    private PyArithmetic(String op) {
        this.op = op;
    }

    @Override
    protected Object apply(TypeConverter converter, Object a, Object b) {
        if (this == MOD && (a instanceof CharSequence || a instanceof SafeString)) {
            return PyFormat.format(a.toString(), b);
        }
        return apply(op, a, b);
    }

    /** {@code a op b} on Python numbers; {@code op} is one of + - * / // % **. */
    static Object apply(String op, Object a, Object b) {
        if (!PyEquality.isNumber(a) || !PyEquality.isNumber(b)) {
            if (a == null || b == null) {
                throw new ChatTemplateException("an undefined value in " + op + " (Jinja2 raises UndefinedError)");
            }
            throw new ChatTemplateException("unsupported operand type(s) for " + op + ": '" + PyAddition.typeName(a) + "' and '"
                    + PyAddition.typeName(b) + "' (Jinja2 raises TypeError)");
        }
        Number x = (Number) PyEquality.number(a);
        Number y = (Number) PyEquality.number(b);
        if (isFloat(x) || isFloat(y)) {
            return floats(op, asFloat(x), asFloat(y));
        }
        if (op.equals("/")) {
            return trueDivide(x, y);
        }
        if (x instanceof BigInteger || y instanceof BigInteger) {
            return bigInts(op, big(x), big(y));
        }
        long i = x.longValue();
        long j = y.longValue();
        try {
            return switch (op) {
                case "+" -> Math.addExact(i, j);
                case "-" -> Math.subtractExact(i, j);
                case "*" -> Math.multiplyExact(i, j);
                case "//" -> {
                    zeroCheck(j == 0, "integer division or modulo by zero");
                    yield i == Long.MIN_VALUE && j == -1 ? bigInts(op, big(x), big(y)) : Math.floorDiv(i, j);
                }
                case "%" -> {
                    zeroCheck(j == 0, "integer modulo by zero");
                    yield Math.floorMod(i, j);
                }
                default -> bigInts(op, big(x), big(y));
            };
        } catch (ArithmeticException overflow) {
            return bigInts(op, big(x), big(y));
        }
    }

    private static Object bigInts(String op, BigInteger i, BigInteger j) {
        switch (op) {
            case "+" -> {
                return normal(i.add(j));
            }
            case "-" -> {
                return normal(i.subtract(j));
            }
            case "*" -> {
                return normal(i.multiply(j));
            }
            case "//", "%" -> {
                zeroCheck(j.signum() == 0, "integer division or modulo by zero");
                BigInteger[] qr = i.divideAndRemainder(j);
                if (qr[1].signum() != 0 && qr[1].signum() != j.signum()) {
                    qr[0] = qr[0].subtract(BigInteger.ONE);
                    qr[1] = qr[1].add(j);
                }
                return normal(op.equals("//") ? qr[0] : qr[1]);
            }
            default -> { // **
                if (j.signum() < 0) {
                    zeroCheck(i.signum() == 0, "0.0 cannot be raised to a negative power");
                    return floats("**", asFloat(i), asFloat(j));
                }
                if (j.signum() == 0) {
                    return 1L;
                }
                if (i.abs().compareTo(BigInteger.ONE) <= 0) { // 0, 1, -1: no size check needed
                    return i.signum() < 0 && !j.testBit(0) ? 1L : normal(i);
                }
                if (j.bitLength() > 31 || (long) i.bitLength() * j.longValue() > MAX_POW_BITS) {
                    throw new ChatTemplateException("integer too large: " + i + " ** " + j + " has over " + MAX_POW_BITS + " bits");
                }
                return normal(i.pow(j.intValue()));
            }
        }
    }

    private static Object floats(String op, double x, double y) {
        switch (op) {
            case "+" -> {
                return x + y;
            }
            case "-" -> {
                return x - y;
            }
            case "*" -> {
                return x * y;
            }
            case "/" -> {
                zeroCheck(y == 0, "float division by zero");
                return x / y;
            }
            case "//", "%" -> {
                // CPython's float_divmod
                zeroCheck(y == 0, op.equals("//") ? "float floor division by zero" : "float modulo");
                double mod = x % y;
                double div = (x - mod) / y;
                if (mod != 0) {
                    if ((y < 0) != (mod < 0)) {
                        mod += y;
                        div -= 1.0;
                    }
                } else {
                    mod = Math.copySign(0.0, y);
                }
                double floorDiv;
                if (div != 0) {
                    floorDiv = Math.floor(div);
                    if (div - floorDiv > 0.5) {
                        floorDiv += 1.0;
                    }
                } else {
                    floorDiv = Math.copySign(0.0, x / y);
                }
                return op.equals("//") ? floorDiv : mod;
            }
            default -> { // **
                zeroCheck(x == 0 && y < 0, "0.0 cannot be raised to a negative power");
                if (x < 0 && y != Math.rint(y) && Double.isFinite(y)) {
                    throw new ChatTemplateException(x + " ** " + y + " is a complex number (Python's result), which templates cannot use");
                }
                double r = Math.pow(x, y);
                if (Double.isInfinite(r) && Double.isFinite(x) && Double.isFinite(y)) {
                    throw new ChatTemplateException("float ** overflowed (Python raises OverflowError: Numerical result out of range)");
                }
                return r;
            }
        }
    }

    /** int / int, the float nearest the exact quotient as Python's. */
    private static double trueDivide(Number x, Number y) {
        zeroCheck(y instanceof BigInteger b ? b.signum() == 0 : y.longValue() == 0, "division by zero");
        if (!(x instanceof BigInteger) && !(y instanceof BigInteger) && Math.abs(x.longValue()) <= FLOAT_EXACT
                && Math.abs(y.longValue()) <= FLOAT_EXACT) {
            return (double) x.longValue() / y.longValue();
        }
        return new BigDecimal(big(x)).divide(new BigDecimal(big(y)), MathContext.DECIMAL128).doubleValue();
    }

    /** {@code -v} ({@code negate}) or {@code +v} of a Python number; anything else raises as Jinja2. */
    static Object unary(Object v, boolean negate, String operand) {
        if (v == null) {
            throw new ChatTemplateException("'" + operand + "' is undefined (Jinja2 raises UndefinedError for "
                    + (negate ? "-" : "+") + " of it)");
        }
        if (!PyEquality.isNumber(v)) {
            throw new ChatTemplateException("bad operand type for unary " + (negate ? "-" : "+") + ": '" + PyAddition.typeName(v) + "'");
        }
        Number n = (Number) PyEquality.number(v);
        if (!negate) {
            return isFloat(n) ? (Object) n.doubleValue() : n;
        }
        if (isFloat(n)) {
            return -n.doubleValue();
        }
        if (n instanceof BigInteger b) {
            return normal(b.negate());
        }
        long l = n.longValue();
        return l == Long.MIN_VALUE ? (Object) BigInteger.valueOf(l).negate() : (Object) (-l);
    }

    private static void zeroCheck(boolean zero, String message) {
        if (zero) {
            throw new ChatTemplateException(message + " (Jinja2 raises ZeroDivisionError)");
        }
    }

    static boolean isFloat(Number n) {
        return n instanceof Double || n instanceof Float || n instanceof BigDecimal;
    }

    /** Python's float(int): raises for an int past the float range. */
    static double asFloat(Number n) {
        double d = n.doubleValue();
        if (n instanceof BigInteger && Double.isInfinite(d)) {
            throw new ChatTemplateException("int too large to convert to float (Python raises OverflowError)");
        }
        return d;
    }

    private static BigInteger big(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }

    /** An int as a long when it fits one, so that the common case stays fast. */
    static Number normal(BigInteger i) {
        return i.bitLength() < 64 ? (Number) i.longValue() : i;
    }

    @Override
    public String toString() {
        return op;
    }
}
