package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * The {@code *} of Jinja2 (Python's): number * number, and a str or list repeated an int number of times
 * ({@code '-' * 3} is {@code ---}, {@code [1] * 2} is {@code [1, 1]}, none for a count below 1); any other pair
 * raises. Java EL's {@code *} coerced both sides to numbers, so a repeated string failed to render.
 */
final class PyMultiplication extends AstBinary.SimpleOperator {
    static final PyMultiplication OP = new PyMultiplication();

    private PyMultiplication() {}

    @Override
    protected Object apply(TypeConverter converter, Object a, Object b) {
        if (PyEquality.isNumber(a) && PyEquality.isNumber(b)) {
            return PyArithmetic.apply("*", a, b);
        }
        boolean sequenceFirst = isSequence(a);
        if (sequenceFirst || isSequence(b)) {
            Object sequence = sequenceFirst ? a : b;
            Object count = sequenceFirst ? b : a;
            if (!isInt(count)) {
                throw new ChatTemplateException("can't multiply sequence by non-int of type '" + PyAddition.typeName(count) + "'");
            }
            return repeat(sequence, ((Number) PyEquality.number(count)).longValue());
        }
        throw new ChatTemplateException("unsupported operand type(s) for *: '" + PyAddition.typeName(a) + "' and '"
                + PyAddition.typeName(b) + "' (Jinja2 raises TypeError, or UndefinedError for a missing value)");
    }

    private static Object repeat(Object sequence, long times) {
        long n = Math.max(0, times);
        if (sequence instanceof List<?> list) {
            checkSize((long) list.size() * n);
            List<Object> out = new ArrayList<>((int) (list.size() * n));
            for (long i = 0; i < n; i++) {
                out.addAll(list);
            }
            return list instanceof PyTuple ? new PyTuple(out) : out;
        }
        String s = sequence.toString();
        checkSize((long) s.length() * n);
        String repeated = s.repeat((int) n);
        return sequence instanceof SafeString ? new SafeString(repeated) : repeated;
    }

    /** Python runs out of memory past this size; fail with a message, not an OutOfMemoryError. */
    private static void checkSize(long size) {
        if (size > Integer.MAX_VALUE - 8 || size < 0) {
            throw new ChatTemplateException("repeated sequence too long (" + size + " items; Python raises MemoryError)");
        }
    }

    private static boolean isSequence(Object o) {
        return o instanceof CharSequence || o instanceof SafeString || o instanceof List<?>;
    }

    /** Python's int (a bool is one) within a long; a larger int could not repeat anything anyway. */
    private static boolean isInt(Object o) {
        return o instanceof Boolean || o instanceof Long || o instanceof Integer || o instanceof Short || o instanceof Byte
                || (o instanceof BigInteger i && i.bitLength() < 64);
    }

    @Override
    public String toString() {
        return "*";
    }
}
