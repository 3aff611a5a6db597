package dev.kindling.tokenizer.chat;

import java.util.Map;
import jinjava.javax.el.ELContext;

/**
 * Python's {@code dict.get(key[, default])}: None ({@link PyNone}) for a missing key without a
 * default, so {@code message.get('tool_calls') is none} holds as in Jinja2. Jinjava called Java's
 * Map.get, whose null is Undefined here.
 */
final class PyDictGet extends PyResolver {
    @Override
    public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
        if (!(base instanceof Map<?, ?> m) || method == null || !"get".equals(method.toString()) || params == null
                || params.length < 1 || params.length > 2) {
            return null;
        }
        context.setPropertyResolved(true);
        Object key = params[0];
        if (m.containsKey(key)) {
            return m.get(key);
        }
        return params.length == 2 ? params[1] : PyNone.NONE;
    }
}
