package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Jinja2's globals {@code dict(...)}, {@code cycler(...)} and {@code joiner(...)}. Public static for Jinjava's function registry. */
public final class PyGlobals {
    private PyGlobals() {}

    /** {@code dict(a=1, b='x')}: a dict of the keyword arguments, in their order; {@code dict()} is empty. */
    public static Map<Object, Object> dict(Object... params) {
        Map<Object, Object> out = new LinkedHashMap<>();
        for (Object p : params) {
            if (p instanceof NamedParameter n) {
                out.put(n.getName(), n.getValue());
            } else if (p instanceof Map<?, ?> m) { // Jinjava hands keyword arguments over as one map
                out.putAll(m);
            } else {
                throw new ChatTemplateException("dict() takes keyword arguments only here, got " + PyAddition.typeName(p));
            }
        }
        return out;
    }

    /** {@code cycler('a', 'b')}: {@code next()} gives the items in turn, {@code current} the next one, {@code reset()}. */
    public static Cycler cycler(Object... items) {
        if (items.length == 0) {
            throw new ChatTemplateException("TypeError: cycler() needs at least one item");
        }
        return new Cycler(List.of(items));
    }

    /** {@code joiner(sep=', ')}: a value to call, "" the first time and {@code sep} after. */
    public static Joiner joiner(Object... params) {
        Object sep = ", ";
        if (params.length > 1) {
            throw new ChatTemplateException("TypeError: joiner() takes from 0 to 1 positional arguments but " + params.length + " were given");
        }
        if (params.length == 1) {
            sep = params[0];
            if (sep instanceof NamedParameter n) {
                if (!n.getName().equals("sep")) {
                    throw new ChatTemplateException("TypeError: joiner() got an unexpected keyword argument '" + n.getName() + "'");
                }
                sep = n.getValue();
            }
        }
        return new Joiner(sep);
    }

    /** Jinja2's Joiner. */
    public static final class Joiner implements PyCall.Callable {
        private final Object sep;
        private boolean used;

        Joiner(Object sep) {
            this.sep = sep;
        }

        @Override
        public Object call(List<Object> args) {
            if (!args.isEmpty()) {
                throw new ChatTemplateException("TypeError: Joiner.__call__() takes 1 positional argument but " + (args.size() + 1) + " were given");
            }
            if (!used) {
                used = true;
                return "";
            }
            return sep;
        }
    }

    /** Jinja2's Cycler. */
    public static final class Cycler {
        private final List<Object> items;
        private int pos;

        Cycler(List<Object> items) {
            this.items = items;
        }

        public Object next() {
            Object out = items.get(pos);
            pos = (pos + 1) % items.size();
            return out;
        }

        public Object getCurrent() {
            return items.get(pos);
        }

        public Object reset() {
            pos = 0;
            return PyNone.NONE;
        }
    }
}
