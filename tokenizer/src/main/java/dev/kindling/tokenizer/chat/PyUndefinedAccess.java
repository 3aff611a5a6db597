package dev.kindling.tokenizer.chat;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;

/**
 * The object of an attribute or item access ({@code x.a}, {@code x['a']}, {@code x[0]}), which in
 * Jinja2 must not be Undefined: {@code messages[0]['role']} of an empty list raises UndefinedError.
 * Jinjava gave null for the whole chain, so Qwen3's and Gemma 3's templates rendered a prompt for
 * an empty conversation where transformers fails. Python's None is not Undefined ({@link PyNone}):
 * an attribute of it is Undefined, as in Jinja2.
 */
final class PyUndefinedAccess extends AstRightValue {
    private final AstNode object;

    PyUndefinedAccess(AstNode object) {
        this.object = object;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object value = object.eval(bindings, context);
        if (value == null) {
            StringBuilder name = new StringBuilder();
            object.appendStructure(name, bindings);
            String n = name.toString();
            // Jinjava parses x|f as filter:f.filter(x) and x is t as exptest:t.evaluate(x)
            if (n.startsWith("filter:") || n.startsWith("exptest:")) {
                throw new ChatTemplateException("no " + (n.startsWith("filter:") ? "filter" : "test") + " named '"
                        + n.substring(n.indexOf(':') + 1) + "'");
            }
            throw new ChatTemplateException("'" + n + "' is undefined (Jinja2 raises UndefinedError for an attribute or item of it)");
        }
        return value;
    }

    @Override
    public void appendStructure(StringBuilder b, Bindings bindings) {
        object.appendStructure(b, bindings);
    }

    @Override
    public int getCardinality() {
        return 1;
    }

    @Override
    public AstNode getChild(int i) {
        return i == 0 ? object : null;
    }

    @Override
    public String toString() {
        return object.toString();
    }
}
