package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code items} filter ({@code {% for name, value in d | items %}}, as Qwen3-Coder's template
 * walks tool-call arguments): the key/value pairs of a mapping, none for an undefined value, an error
 * for anything else. Jinjava has no such filter and rendered the loop as empty.
 */
public final class PyItems implements Filter {
    @Override
    public String getName() {
        return "items";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        if (var == null) {
            return List.of();
        }
        if (!(var instanceof Map<?, ?> m)) {
            throw new ChatTemplateException("items: can only get item pairs from a mapping, not " + PyAddition.typeName(var));
        }
        return new ArrayList<>(m.entrySet());
    }
}
