package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.AstDict;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.collections.SizeLimitingPyMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;

/**
 * A dict literal whose keys are the values of their expressions, as in Python: {@code {1: x}} has the int key 1,
 * {@code {none: x}} the key None, {@code {(1, 2): x}} a tuple; keys Python finds equal ({@code 1}, {@code 1.0},
 * {@code true}) are one key, the first written, with the last value; a list or dict as a key raises (unhashable).
 * Jinjava's made every key a str ({@code {1: x}} had the key '1') and refused a bool, None or tuple key.
 */
final class PyDictLiteral extends AstDict {
    PyDictLiteral(Map<AstNode, AstNode> dict) {
        super(dict);
    }

    @Override
    @SuppressWarnings({"unchecked", "rawtypes"})
    public Object eval(Bindings bindings, ELContext context) {
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Map.Entry<AstNode, AstNode> e : dict.entrySet()) {
            Object key = e.getKey().eval(bindings, context);
            if (key instanceof List<?> && !(key instanceof PyTuple) || key instanceof Map<?, ?>) {
                throw new ChatTemplateException("TypeError: unhashable type: '" + PyAddition.typeName(key) + "'");
            }
            out.put(existing(out, key), e.getValue().eval(bindings, context));
        }
        return new SizeLimitingPyMap((Map) out, JinjavaInterpreter.getCurrent().getConfig().getMaxMapSize());
    }

    /**
     * Whether {@code d[key]} of {@code base} is Python's lookup here ({@link #item}): a dict looked up by a key that is not
     * a str, or a dict with keys that are not all str. Jinjava's lookup turned the key into a str, so {@code {1: x}['1']}
     * and {@code {'1': x}[1]} found x where Python finds nothing. A str key of a dict with only str keys (every message)
     * is left to Jinjava.
     */
    static boolean looksUpAsPython(Object base, Object key) {
        if (!(base instanceof Map<?, ?> m)) {
            return false;
        }
        if (!(key instanceof String)) {
            return true;
        }
        for (Object k : m.keySet()) {
            if (!(k instanceof String)) {
                return true;
            }
        }
        return false;
    }

    /** {@code d[key]}: the value of the key Python finds equal to {@code key} ({@code d[1.0]} of {@code {1: x}}), else Undefined. */
    static Object item(Map<?, ?> d, Object key) {
        for (Map.Entry<?, ?> e : d.entrySet()) {
            if (PyEquality.equal(e.getKey(), key)) {
                return e.getValue();
            }
        }
        return null;
    }

    /** The key of {@code out} that Python finds equal to {@code key} (1 for 1.0 or True), else {@code key}. */
    private static Object existing(Map<Object, Object> out, Object key) {
        if (PyEquality.isNumber(key)) {
            for (Object k : out.keySet()) {
                if (PyEquality.isNumber(k) && PyEquality.equal(k, key)) {
                    return k;
                }
            }
        }
        return key;
    }
}
