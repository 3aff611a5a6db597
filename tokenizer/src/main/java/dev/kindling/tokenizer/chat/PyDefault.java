package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import java.util.Map;

/**
 * Jinja2's {@code default(default_value='', boolean=False)} (also {@code d}): the default for an undefined value,
 * and with {@code boolean} true also for a false one, by Python's truth value. Jinjava's required the default,
 * knew no {@code boolean=} argument, and took the string "false" for a false value.
 */
final class PyDefault implements AdvancedFilter {
    private final String name;

    PyDefault(String name) {
        this.name = name;
    }

    @Override
    public String getName() {
        return name;
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        Object defaultValue = args.length > 0 ? args[0] : kwargs.getOrDefault("default_value", "");
        boolean ifFalse = PyTruth.of(args.length > 1 ? args[1] : kwargs.get("boolean"));
        return var == null || (ifFalse && !PyTruth.of(var)) ? defaultValue : var;
    }
}
