package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;

/**
 * Jinja2's {@code namespace(...)} ({@code jinja2.utils.Namespace}): an object of attributes, set with
 * {@code {% set ns.x = v %}} and read as {@code ns.x} or {@code ns['x']}, and nothing else: no methods
 * ({@code ns.items()} is UndefinedError unless an attribute is named so), not iterable, no length, printed as
 * {@code <Namespace {'a': 1}>}. Jinjava's namespace was a dict, with a dict's methods, iteration and length.
 */
final class PyNamespace {
    private final Map<Object, Object> attributes;

    PyNamespace(Map<Object, Object> attributes) {
        this.attributes = new LinkedHashMap<>(attributes);
    }

    boolean has(Object name) {
        return attributes.containsKey(name);
    }

    Object get(Object name) {
        return attributes.get(name);
    }

    void set(String name, Object value) {
        attributes.put(name, value);
    }

    @Override
    public String toString() {
        return "<Namespace " + PyStr.repr(attributes) + ">";
    }

    /** Jinja2's message for an attribute the namespace does not have, when it is called or looked into. */
    static String noAttribute(Object name) {
        return "'jinja2.utils.Namespace object' has no attribute '" + name + "'";
    }

    /**
     * {@code ns.x} and {@code ns['x']}: the attribute, or Undefined (null) when there is none; {@code ns.f(...)}: the
     * attribute called, raising as Python for one that cannot be called and as Jinja2 for a missing one.
     */
    static final class Attributes extends PyResolver {
        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (!(base instanceof PyNamespace ns)) {
                return null;
            }
            context.setPropertyResolved(true);
            return ns.get(property);
        }

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (!(base instanceof PyNamespace ns)) {
                return null;
            }
            context.setPropertyResolved(true);
            if (!ns.has(method)) {
                throw new ChatTemplateException("UndefinedError: " + noAttribute(method));
            }
            Object value = ns.get(method);
            if (!PyCall.isCallable(value)) {
                throw new ChatTemplateException("TypeError: " + PyCall.notCallable(value));
            }
            return PyCall.call(JinjavaInterpreter.getCurrent(), value, params == null ? new Object[0] : params);
        }
    }

    /** {@code namespace(*args, **kwargs)}: the attributes as {@code dict(*args, **kwargs)} makes them. */
    static PyNamespace of(List<Object> args) {
        return new PyNamespace(PyGlobals.dict("namespace", args));
    }
}
