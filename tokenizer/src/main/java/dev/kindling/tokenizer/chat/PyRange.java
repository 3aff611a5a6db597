package dev.kindling.tokenizer.chat;

import java.math.BigInteger;
import java.util.AbstractList;
import java.util.List;
import java.util.RandomAccess;

/**
 * Python's {@code range} as the sandbox's {@code range} global makes it ({@code jinja2.sandbox.safe_range}): ints only
 * (a bool is one), a step other than 0, and at most {@link #MAX_RANGE} items, past which it raises OverflowError.
 * Jinjava's range read any argument as a number and cut a longer range at 1000 items without a word, so a loop over
 * {@code range(5000)} ran 1000 times. A list to the filters and loops; {@code str()} is {@code range(0, 3)}.
 */
final class PyRange extends AbstractList<Object> implements RandomAccess {
    /** {@code jinja2.sandbox.MAX_RANGE}. */
    static final int MAX_RANGE = 100_000;

    private final BigInteger start;
    private final BigInteger stop;
    private final BigInteger step;
    private final int size;

    private PyRange(BigInteger start, BigInteger stop, BigInteger step, int size) {
        this.start = start;
        this.stop = stop;
        this.step = step;
        this.size = size;
    }

    /** {@code range(*args)} with {@code args} the call's positional arguments (a keyword argument is refused first). */
    static PyRange of(List<Object> args) {
        if (args.size() > 3) {
            throw new ChatTemplateException("TypeError: range expected at most 3 arguments, got " + args.size());
        }
        if (args.isEmpty()) {
            throw new ChatTemplateException("TypeError: range expected at least 1 argument, got 0");
        }
        BigInteger a = integer(args.get(0));
        BigInteger start = args.size() == 1 ? BigInteger.ZERO : a;
        BigInteger stop = args.size() == 1 ? a : integer(args.get(1));
        BigInteger step = args.size() == 3 ? integer(args.get(2)) : BigInteger.ONE;
        if (step.signum() == 0) {
            throw new ChatTemplateException("ValueError: range() arg 3 must not be zero");
        }
        // Python's len(range): ceil((stop - start) / step) when positive, else 0
        BigInteger span = stop.subtract(start);
        BigInteger length = span.signum() != step.signum() ? BigInteger.ZERO
                : span.add(step).subtract(BigInteger.valueOf(step.signum())).divide(step);
        if (length.compareTo(BigInteger.valueOf(MAX_RANGE)) > 0) {
            throw new ChatTemplateException("OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE ("
                    + MAX_RANGE + ").");
        }
        return new PyRange(start, stop, step, length.intValue());
    }

    /** Python's {@code operator.index(v)}: an int or a bool, else TypeError. */
    private static BigInteger integer(Object v) {
        if (v instanceof Boolean b) {
            return b ? BigInteger.ONE : BigInteger.ZERO;
        }
        if (v instanceof BigInteger b) {
            return b;
        }
        if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return BigInteger.valueOf(((Number) v).longValue());
        }
        throw new ChatTemplateException("TypeError: '" + PyAddition.typeName(v) + "' object cannot be interpreted as an integer");
    }

    @Override
    public Object get(int index) {
        if (index < 0 || index >= size) {
            throw new IndexOutOfBoundsException("range object index out of range: " + index);
        }
        BigInteger v = start.add(step.multiply(BigInteger.valueOf(index)));
        return v.bitLength() < 64 ? (Object) v.longValue() : v; // an int as the rest of the renderer holds one
    }

    @Override
    public int size() {
        return size;
    }

    /** {@code self[start:stop:step]} with the bounds {@link PySlice#bounds} clamped, {@code size} items: a range again. */
    PyRange slice(long from, long to, long by, int size) {
        return new PyRange(start.add(step.multiply(BigInteger.valueOf(from))), start.add(step.multiply(BigInteger.valueOf(to))),
                step.multiply(BigInteger.valueOf(by)), size);
    }

    /** Python's {@code repr(range)}: {@code range(0, 3)}, the step only when it is not 1. */
    @Override
    public String toString() {
        return "range(" + start + ", " + stop + (step.equals(BigInteger.ONE) ? "" : ", " + step) + ")";
    }
}
