package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.util.Map;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * Python's {@code in} and {@code not in}: a substring of a str (the left side must be a str), an item of a list
 * or tuple by Python's {@code ==} ({@link PyEquality}), a key of a dict; nothing is in an undefined value; any
 * other right side raises TypeError. Jinjava's coerced the item to the type of the list's first item, so
 * {@code 'a' in [1, 'a']} was false.
 */
final class PyMembership extends AstBinary.SimpleOperator {
    static final PyMembership IN = new PyMembership(false);
    static final PyMembership NOT_IN = new PyMembership(true);

    private final boolean negated;

    private PyMembership(boolean negated) {
        this.negated = negated;
    }

    @Override
    protected Object apply(TypeConverter converter, Object item, Object container) {
        return contains(container, item) != negated;
    }

    private static boolean contains(Object container, Object item) {
        if (container == null) {
            return false; // Jinja2's Undefined iterates as empty
        }
        if (container instanceof CharSequence || container instanceof SafeString) {
            if (!(item instanceof CharSequence || item instanceof SafeString || item instanceof Character)) {
                throw new ChatTemplateException("'in <string>' requires string as left operand, not " + PyAddition.typeName(item)
                        + " (Jinja2 raises TypeError)");
            }
            return container.toString().contains(item.toString());
        }
        Iterable<?> candidates;
        if (container instanceof Map<?, ?> m) {
            if (item instanceof String && m.containsKey(item)) {
                return true;
            }
            candidates = m.keySet();
        } else if (container instanceof Iterable<?> items) {
            candidates = items;
        } else {
            throw new ChatTemplateException("argument of type '" + PyAddition.typeName(container) + "' is not iterable"
                    + " (Jinja2 raises TypeError)");
        }
        for (Object candidate : candidates) {
            if (PyEquality.equal(candidate, item)) {
                return true;
            }
        }
        return false;
    }

    @Override
    public String toString() {
        return negated ? "not in" : "in";
    }
}
