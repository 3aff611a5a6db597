package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import java.util.Collection;
import java.util.Map;

/**
 * Jinja2's {@code is iterable} test: what Python can iterate, strings and dicts included. Jinjava's
 * counted only collections and arrays, so Gemma 3's template, which asks it of message content,
 * raised "Invalid content type" for a dict where transformers walks its keys.
 */
public final class PyIterableTest implements ExpTest {
    /**
     * Jinja2's {@code is sequence}: what has a length and items (str, list, dict). Jinjava's held only for
     * lists, so a template asking it of string content took the branch for a non-sequence.
     */
    public static final class Sequence implements ExpTest {
        @Override
        public String getName() {
            return "sequence";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof CharSequence || var instanceof Collection<?> || var instanceof Map<?, ?>
                    || (var != null && var.getClass().isArray());
        }
    }

    @Override
    public String getName() {
        return "iterable";
    }

    @Override
    public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
        // null is Jinja2's Undefined, which iterates as empty
        return var == null || var instanceof CharSequence || var instanceof Iterable<?> || var instanceof Map<?, ?>
                || var.getClass().isArray();
    }
}
