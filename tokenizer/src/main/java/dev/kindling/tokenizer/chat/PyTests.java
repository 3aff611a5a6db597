package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiPredicate;
import java.util.function.Predicate;

/**
 * Jinja2's tests that compare or classify a value, with Python's operators: {@code eq}/{@code equalto}/{@code ==},
 * {@code ne}/{@code !=}, {@code lt}/{@code lessthan}/{@code <}, {@code le}/{@code <=}, {@code gt}/{@code greaterthan}/{@code >},
 * {@code ge}/{@code >=} and {@code in} as {@link PyEquality}, {@link PyOrdering} and {@link PyMembership}; {@code number}
 * and {@code even}/{@code odd}/{@code divisibleby} counting a bool as an int and a float by its value; {@code callable},
 * {@code filter} and {@code test}; {@code lower} and {@code upper} as Python's {@code str(value).islower()}.
 * Jinjava's comparison tests made both sides Longs, so {@code s is ne 1} or {@code selectattr('content', 'ne', none)}
 * failed the render ("Cannot coerce 'ab' ... to class java.lang.Long"); {@code true is number} and {@code false is even}
 * were False, {@code 2.5 is even} True, {@code 'b c' is lower} False (the space), and there was no {@code callable}.
 */
final class PyTests {
    private PyTests() {}

    static List<ExpTest> all() {
        List<ExpTest> out = new ArrayList<>();
        for (String name : List.of("eq", "equalto", "==")) {
            out.add(binary(name, PyEquality::equal));
        }
        for (String name : List.of("ne", "!=")) {
            out.add(binary(name, (a, b) -> !PyEquality.equal(a, b)));
        }
        addOrdering(out, PyOrdering.LT, "lt", "lessthan", "<");
        addOrdering(out, PyOrdering.LE, "le", "<=");
        addOrdering(out, PyOrdering.GT, "gt", "greaterthan", ">");
        addOrdering(out, PyOrdering.GE, "ge", ">=");
        out.add(binary("in", (a, b) -> (Boolean) PyMembership.IN.apply(null, a, b)));
        out.add(unary("number", PyEquality::isNumber));
        out.add(unary("lower", v -> PyStringMethods.islower(PyStr.str(v))));
        out.add(unary("upper", v -> PyStringMethods.isupper(PyStr.str(v))));
        out.add(unary("callable", v -> PyCall.isCallable(v) || v instanceof ChatFunctions.Name));
        out.add(named("filter", (name, interpreter) -> interpreter.getContext().getFilter(name) != null));
        out.add(named("test", (name, interpreter) -> interpreter.getContext().getExpTest(name) != null));
        out.add(unary("even", v -> PyEquality.equal(modulo(v, 2L), 0L)));
        out.add(unary("odd", v -> PyEquality.equal(modulo(v, 2L), 1L)));
        out.add(binary("divisibleby", (a, b) -> PyEquality.equal(modulo(a, b), 0L)));
        return out;
    }

    private static void addOrdering(List<ExpTest> out, PyOrdering op, String... names) {
        for (String name : names) {
            out.add(binary(name, (a, b) -> (Boolean) op.apply(null, a, b)));
        }
    }

    /** Python's {@code value % n}; a str is printf formatting there, which fails for one without a conversion. */
    private static Object modulo(Object value, Object n) {
        if (value instanceof CharSequence) {
            throw new ChatTemplateException("not all arguments converted during string formatting (Jinja2 raises TypeError)");
        }
        return PyArithmetic.apply("%", value, n);
    }

    /** How a test decides: the tested value, the interpreter and the test's arguments. */
    private interface Decision {
        boolean test(Object value, JinjavaInterpreter interpreter, Object[] args);
    }

    private static ExpTest test(String name, Decision decision) {
        return new ExpTest() {
            @Override
            public String getName() {
                return name;
            }

            @Override
            public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
                return decision.test(var, interpreter, args);
            }
        };
    }

    private static ExpTest unary(String name, Predicate<Object> test) {
        return test(name, (v, interpreter, args) -> test.test(v));
    }

    /** Jinja2's {@code filter} and {@code test}: whether the value is the name of one. */
    private static ExpTest named(String name, BiPredicate<String, JinjavaInterpreter> known) {
        return test(name, (v, interpreter, args) -> v instanceof String s && known.test(s, interpreter));
    }

    private static ExpTest binary(String name, BiPredicate<Object, Object> test) {
        return test(name, (v, interpreter, args) -> {
            if (args.length != 1) {
                throw new ChatTemplateException("test '" + name + "' takes 1 argument, got " + args.length);
            }
            return test.test(v, args[0]);
        });
    }
}
