package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;

/**
 * The {@code trim} filter as Jinja2 defines it: {@code str(value).strip(chars)}, Python's whitespace
 * when no characters are given. Jinjava's own trims only characters up to U+0020 (Java's
 * {@code String.trim}), so the templates that trim message content (Llama 3, Gemma 3) kept a
 * no-break space, an ideographic space or U+0085 at its edges where transformers drops them.
 * A value that is not a string becomes text as Python's {@code str()} makes it ({@link PyStr}):
 * None is {@code None} and an undefined value "" (a message field set to None, as OpenAI-style tool-call
 * messages send their content, is the case met in practice).
 */
public final class PyTrim implements Filter {
    @Override
    public String getName() {
        return "trim";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        String chars = args != null && args.length > 0 ? args[0] : null;
        return PyStringMethods.strip(PyStr.str(var), chars);
    }
}
