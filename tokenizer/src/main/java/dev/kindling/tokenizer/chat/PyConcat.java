package dev.kindling.tokenizer.chat;

import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;

/**
 * Jinja2's {@code ~}: Python's {@code str()} of both sides joined ({@code true ~ 1.0} is {@code True1.0},
 * a list {@code [1, 'a']}); an undefined side is "". Jinjava's wrote Java's text ({@code true}, {@code 1.0E-5}).
 */
final class PyConcat extends AstBinary.SimpleOperator {
    static final PyConcat OP = new PyConcat();

    private PyConcat() {}

    @Override
    protected Object apply(TypeConverter converter, Object a, Object b) {
        return PyStr.str(a).concat(PyStr.str(b));
    }

    @Override
    public String toString() {
        return "~";
    }
}
