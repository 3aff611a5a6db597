package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigInteger;
import java.util.List;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * Python's {@code <}, {@code <=}, {@code >}, {@code >=}: numbers by value (int, float and bool mixed, nan
 * unordered), strings by code point, lists with lists and tuples with tuples item by item; any other pair
 * raises TypeError, an undefined side UndefinedError. Java EL's coerced (so {@code 'a' < 1} failed only on
 * the coercion and {@code u < 1} was false) and could not compare lists.
 */
final class PyOrdering extends AstBinary.SimpleOperator {
    static final PyOrdering LT = new PyOrdering("<");
    static final PyOrdering LE = new PyOrdering("<=");
    static final PyOrdering GT = new PyOrdering(">");
    static final PyOrdering GE = new PyOrdering(">=");

    private final String op;

    private PyOrdering(String op) {
        this.op = op;
    }

    @Override
    protected Object apply(TypeConverter converter, Object a, Object b) {
        Integer c = compare(a, b);
        if (c == null) {
            return false; // nan
        }
        return switch (op) {
            case "<" -> c < 0;
            case "<=" -> c <= 0;
            case ">" -> c > 0;
            default -> c >= 0;
        };
    }

    /** The sign of a - b; null when they are unordered (nan). */
    private Integer compare(Object a, Object b) {
        if (a == null || b == null) {
            throw new ChatTemplateException("an undefined value compared with " + op + " (Jinja2 raises UndefinedError)");
        }
        if (PyEquality.isNumber(a) && PyEquality.isNumber(b)) {
            return compareNumbers((Number) PyEquality.number(a), (Number) PyEquality.number(b));
        }
        if (isStr(a) && isStr(b)) {
            return Integer.signum(compareCodePoints(a.toString(), b.toString()));
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            int n = Math.min(x.size(), y.size());
            for (int i = 0; i < n; i++) {
                if (!PyEquality.equal(x.get(i), y.get(i))) {
                    return compare(x.get(i), y.get(i));
                }
            }
            return Integer.compare(x.size(), y.size());
        }
        throw new ChatTemplateException("'" + op + "' not supported between instances of '" + PyAddition.typeName(a) + "' and '"
                + PyAddition.typeName(b) + "' (Jinja2 raises TypeError)");
    }

    private static Integer compareNumbers(Number x, Number y) {
        boolean xf = PyArithmetic.isFloat(x);
        boolean yf = PyArithmetic.isFloat(y);
        if (!xf && !yf) {
            if (x instanceof BigInteger || y instanceof BigInteger) {
                return big(x).compareTo(big(y));
            }
            return Long.compare(x.longValue(), y.longValue());
        }
        double dx = x.doubleValue();
        double dy = y.doubleValue();
        if (Double.isNaN(dx) || Double.isNaN(dy)) {
            return null;
        }
        if (xf && yf || Double.isInfinite(dx) || Double.isInfinite(dy)) {
            return dx < dy ? -1 : dx > dy ? 1 : 0;
        }
        return PyEquality.exact(x).compareTo(PyEquality.exact(y)); // an int against a float, exactly as Python
    }

    private static BigInteger big(Number n) {
        return n instanceof BigInteger b ? b : BigInteger.valueOf(n.longValue());
    }

    /** Python's str order: by code point (Java's compareTo orders by UTF-16 unit, so U+FFFF after U+10000). */
    static int compareCodePoints(String s, String t) {
        int i = 0;
        int j = 0;
        while (i < s.length() && j < t.length()) {
            int c = s.codePointAt(i);
            int d = t.codePointAt(j);
            if (c != d) {
                return Integer.compare(c, d);
            }
            i += Character.charCount(c);
            j += Character.charCount(d);
        }
        return Boolean.compare(i < s.length(), j < t.length());
    }

    private static boolean isStr(Object o) {
        return o instanceof CharSequence || o instanceof SafeString || o instanceof Character;
    }

    @Override
    public String toString() {
        return op;
    }
}
