package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * Jinja2's {@code pprint} filter, Python's {@code pprint.pformat}: the value's {@code repr()} ({@link PyStr}),
 * {@code [1, 'a']}, where Jinjava's wrote its own debug text ({@code (SizeLimitingPyList: [1, a])} in a raw block).
 * pformat also sorts a dict's keys and breaks a repr longer than 80 characters over lines; this does neither.
 */
final class PyPprint implements Filter {
    @Override
    public String getName() {
        return "pprint";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return PyStr.repr(var);
    }
}
