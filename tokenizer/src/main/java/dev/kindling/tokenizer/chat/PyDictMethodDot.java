package dev.kindling.tokenizer.chat;

import java.util.Map;
import java.util.Set;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;

/**
 * {@code d.items}, {@code d.keys}, {@code d.get} ... of a dict, not called: in Jinja2 a dot looks up
 * the Python attribute before the key, so these name the dict's method (defined, true, without
 * attributes) whatever keys the dict has. Command R's template passes {@code json_spec.items} (the
 * method, not a JSON schema's "items") to its type macro; Jinjava gave the key's value or null.
 * Calls ({@code d.items()}) are unchanged.
 */
final class PyDictMethodDot extends AstDot {
    /** The methods of Python's dict. */
    static final Set<String> METHODS = Set.of("items", "keys", "values", "get", "pop", "popitem", "setdefault",
            "update", "copy", "clear", "fromkeys");

    PyDictMethodDot(AstNode object, String name, boolean lvalue) {
        super(object, name, lvalue);
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object base = prefix.eval(bindings, context);
        if (base instanceof Map<?, ?>) {
            return new ChatFunctions.Name("built-in method " + property + " of dict object");
        }
        return super.eval(bindings, context);
    }
}
