package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import com.hubspot.jinjava.objects.collections.PyList;
import java.math.BigInteger;
import java.util.List;
import jinjava.javax.el.ELContext;

/**
 * Python's {@code list.count(x)} and {@code list.index(x[, start[, stop]])} (and a tuple's): items compared with Python's
 * {@code ==} ({@link PyEquality}: {@code 1 == 1.0 == True}), an item not found raising ValueError. Jinjava's PyList used
 * Java's equals, so an int the caller passed (an Integer) never equalled the template's literal (a Long), and its
 * {@code index} gave -1 for an item not found and took no start or stop.
 */
final class PyListMethods extends PyResolver {
    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof List<?> list) || !("count".equals(method) || "index".equals(method))) {
            return null;
        }
        boolean tuple = (base instanceof PyList p ? p.toList() : base) instanceof PyTuple;
        String type = tuple ? "tuple" : "list";
        Object[] args = params == null ? new Object[0] : params;
        for (Object a : args) {
            if (a instanceof NamedParameter) {
                throw new ChatTemplateException("TypeError: " + type + "." + method + "() takes no keyword arguments");
            }
        }
        context.setPropertyResolved(true);
        if ("count".equals(method)) {
            if (args.length != 1) {
                throw new ChatTemplateException("TypeError: " + type + ".count() takes exactly one argument (" + args.length + " given)");
            }
            long n = 0;
            for (Object item : list) {
                n += PyEquality.equal(item, args[0]) ? 1 : 0;
            }
            return n;
        }
        if (args.length < 1 || args.length > 3) {
            throw new ChatTemplateException("TypeError: index expected " + (args.length < 1 ? "at least 1 argument, got 0"
                    : "at most 3 arguments, got " + args.length));
        }
        int start = args.length > 1 ? bound(args[1], list.size()) : 0;
        int stop = args.length > 2 ? bound(args[2], list.size()) : list.size();
        for (int i = start; i < stop; i++) {
            if (PyEquality.equal(list.get(i), args[0])) {
                return (long) i;
            }
        }
        throw new ChatTemplateException("ValueError: " + (tuple ? "tuple.index(x): x not in tuple" : PyStr.repr(args[0]) + " is not in list"));
    }

    /** A start or stop as Python clamps it: negative from the end, then within 0..size; only ints (and bools). */
    private static int bound(Object index, int size) {
        Object n = PyEquality.number(index);
        if (!(n instanceof Long || n instanceof Integer || n instanceof Short || n instanceof Byte || n instanceof BigInteger)) {
            throw new ChatTemplateException("TypeError: slice indices must be integers or have an __index__ method");
        }
        BigInteger i = n instanceof BigInteger b ? b : BigInteger.valueOf(((Number) n).longValue());
        if (i.signum() < 0) {
            i = i.add(BigInteger.valueOf(size));
        }
        return i.max(BigInteger.ZERO).min(BigInteger.valueOf(size)).intValue();
    }
}
