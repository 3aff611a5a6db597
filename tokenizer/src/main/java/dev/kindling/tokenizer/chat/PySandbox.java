package dev.kindling.tokenizer.chat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.javax.el.ELContext;

/**
 * transformers renders in Jinja2's ImmutableSandboxedEnvironment, where a method that changes a list, dict or
 * set ({@code messages.append(x)}, {@code d.update(...)}, {@code d.pop(k)}) raises SecurityError; Jinjava called
 * Java's method and changed the caller's value. The names are Jinja2's ({@code jinja2.sandbox._mutable_spec}).
 */
final class PySandbox extends PyResolver {
    private static final Set<String> LIST = Set.of("append", "clear", "pop", "reverse", "sort", "remove", "insert",
            "extend");
    private static final Set<String> DICT = Set.of("popitem", "setdefault", "clear", "pop", "update");
    private static final Set<String> SET = Set.of("difference_update", "discard", "symmetric_difference_update",
            "remove", "update", "pop", "clear", "add");

    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (method != null && (base instanceof List<?> && LIST.contains(method.toString())
                || base instanceof Map<?, ?> && DICT.contains(method.toString())
                || base instanceof Set<?> && SET.contains(method.toString()))) {
            throw new ChatTemplateException("SecurityError: access to attribute '" + method + "' of '"
                    + PyAddition.typeName(base) + "' object is unsafe.");
        }
        return null;
    }
}
