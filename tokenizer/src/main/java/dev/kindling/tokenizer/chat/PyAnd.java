package dev.kindling.tokenizer.chat;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.javax.el.ELContext;

/**
 * Python's {@code and}: the left operand when it is false, else the right one, which is evaluated only then
 * ({@code 'a' and 'b'} is {@code 'b'}, {@code 0 and 1} is {@code 0}, {@code x and y} of an undefined x is x).
 * Java EL's gave True or False, so {@code {{ a and b }}} printed a bool and {@code (1 and 2) + 3} was 4.
 * Jinjava's {@code or} already returns an operand as Python's does.
 */
final class PyAnd implements AstBinary.Operator {
    static final PyAnd OP = new PyAnd();

    private PyAnd() {}

    @Override
    public Object eval(Bindings bindings, ELContext context, AstNode left, AstNode right) {
        Object l = left.eval(bindings, context);
        return bindings.convert(l, Boolean.class) ? right.eval(bindings, context) : l;
    }

    @Override
    public String toString() {
        return "&&";
    }
}
