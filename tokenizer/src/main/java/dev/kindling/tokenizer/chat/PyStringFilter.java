package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * Jinja2's {@code string} filter, Python's {@code str()} ({@link PyStr}): {@code True}, {@code None},
 * {@code ['a']}, where Jinjava's gave Java's {@code true}, {@code null}, {@code [a]}.
 */
public final class PyStringFilter implements Filter {
    @Override
    public String getName() {
        return "string";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return PyStr.str(var);
    }
}
