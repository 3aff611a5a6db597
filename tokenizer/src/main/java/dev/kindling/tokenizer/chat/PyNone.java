package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.exptest.ExpTest;
import com.hubspot.jinjava.util.HasObjectTruthValue;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code None} in a chat template. Jinjava has only null, for both None and Jinja2's
 * Undefined (a variable or key the caller did not pass), where templates tell them apart:
 * transformers passes {@code tools=None}, so {@code tools is defined} is true, and a tool message
 * with content None prints {@code None}, not "". Values the caller passes as null (JSON null, a
 * NULL column) and the template's {@code none} become this object, and null stays Undefined:
 * it prints as {@code None}, is false, is defined, is none ({@link IsNone}), is {@code null} in
 * {@code tojson}, and {@code None + 'x'} raises as in Python.
 */
final class PyNone implements HasObjectTruthValue {
    static final PyNone NONE = new PyNone();

    private PyNone() {}

    @Override
    public boolean getObjectTruthValue() {
        return false;
    }

    /** What {@code str(None)} is; Jinjava's string building ({@code ~}, filters) goes through here. */
    @Override
    public String toString() {
        return "None";
    }

    /** {@code value} with every null in it (map values, list items, at any depth) as None; maps and lists are copied. */
    static Object fromJava(Object value) {
        if (value == null) {
            return NONE;
        }
        if (value instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>(Math.max(4, m.size() * 2));
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(e.getKey(), fromJava(e.getValue()));
            }
            return out;
        }
        if (value instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object o : c) {
                out.add(fromJava(o));
            }
            return out;
        }
        if (value instanceof Object[] a) {
            List<Object> out = new ArrayList<>(a.length);
            for (Object o : a) {
                out.add(fromJava(o));
            }
            return out;
        }
        return value;
    }

    /** Jinja2's {@code is none}: None only; an undefined value is not none. */
    static final class IsNone implements ExpTest {
        @Override
        public String getName() {
            return "none";
        }

        @Override
        public boolean evaluate(Object var, JinjavaInterpreter interpreter, Object... args) {
            return var instanceof PyNone;
        }
    }
}
