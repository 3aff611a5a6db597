package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * Python's {@code ==} and {@code !=}: values of different kinds are unequal ({@code '1' == 1} is
 * False), numbers compare by value whatever their type ({@code 1 == 1.0}, {@code True == 1}), lists
 * and dicts item by item, a tuple or a range never equal to a list. Jinjava's (Java EL's) coerced one side to the other's type first, so
 * {@code '1' == 1} was true and {@code 'ab' == 1} or {@code None == 0} failed to coerce and raised.
 */
final class PyEquality extends AstBinary.SimpleOperator {
    static final PyEquality EQ = new PyEquality(false);
    static final PyEquality NE = new PyEquality(true);

    private final boolean negated;

    private PyEquality(boolean negated) {
        this.negated = negated;
    }

    @Override
    protected Object apply(TypeConverter converter, Object a, Object b) {
        return equal(a, b) != negated;
    }

    static boolean equal(Object a, Object b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null) {
            return false;
        }
        if (isStr(a) && isStr(b)) {
            return a.toString().equals(b.toString());
        }
        if (isNumber(a) && isNumber(b)) {
            return numbersEqual(a, b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            if (x.size() != y.size() || (a instanceof PyTuple) != (b instanceof PyTuple)
                    || (a instanceof PyRange) != (b instanceof PyRange)) { // a range equals only a range of the same items
                return false;
            }
            Iterator<?> i = x.iterator();
            Iterator<?> j = y.iterator();
            while (i.hasNext()) {
                if (!equal(i.next(), j.next())) {
                    return false;
                }
            }
            return true;
        }
        if (a instanceof Map<?, ?> x && b instanceof Map<?, ?> y) {
            if (x.size() != y.size()) {
                return false;
            }
            for (Map.Entry<?, ?> e : x.entrySet()) {
                if (!y.containsKey(e.getKey()) || !equal(e.getValue(), y.get(e.getKey()))) {
                    return false;
                }
            }
            return true;
        }
        return a.equals(b);
    }

    private static boolean isStr(Object o) {
        return o instanceof CharSequence || o instanceof SafeString || o instanceof Character;
    }

    /** Python's bool is an int. */
    static boolean isNumber(Object o) {
        return o instanceof Number || o instanceof Boolean;
    }

    /** By exact value, as Python compares an int with a float; nan is unequal to everything, inf only to inf. */
    private static boolean numbersEqual(Object a, Object b) {
        if (!isFinite(a) || !isFinite(b)) {
            return ((Number) number(a)).doubleValue() == ((Number) number(b)).doubleValue();
        }
        return exact(a).compareTo(exact(b)) == 0;
    }

    private static boolean isFinite(Object o) {
        return !(o instanceof Double || o instanceof Float) || Double.isFinite(((Number) o).doubleValue());
    }

    /** A number as Python computes with it: a bool as the int 0 or 1. */
    static Object number(Object o) {
        return o instanceof Boolean b ? (b ? 1L : 0L) : o;
    }

    /** The exact value of a number (or bool), to compare an int with a float as Python does. */
    static BigDecimal exact(Object o) {
        Object n = number(o);
        if (n instanceof BigDecimal d) {
            return d;
        }
        if (n instanceof BigInteger i) {
            return new BigDecimal(i);
        }
        if (n instanceof Double || n instanceof Float) {
            return new BigDecimal(((Number) n).doubleValue());
        }
        return BigDecimal.valueOf(((Number) n).longValue());
    }

    @Override
    public String toString() {
        return negated ? "!=" : "==";
    }
}
