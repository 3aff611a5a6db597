package dev.kindling.tokenizer.chat;

import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;

/**
 * Jinja2's unary {@code -} and {@code +}: of a number only ({@code -True} is -1, {@code -(-2**63)} a
 * larger int); an undefined operand raises UndefinedError, any other TypeError. Java EL's minus took an
 * undefined value for 0 ({@code -u} printed 0) and Jinjava's {@code +} was abs.
 */
final class PyUnary extends AstRightValue {
    private final AstNode operand;
    private final boolean negate;

    PyUnary(AstNode operand, boolean negate) {
        this.operand = operand;
        this.negate = negate;
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Object v = operand.eval(bindings, context);
        if (v == null) {
            StringBuilder name = new StringBuilder();
            operand.appendStructure(name, bindings);
            return PyArithmetic.unary(null, negate, name.toString());
        }
        return PyArithmetic.unary(v, negate, null);
    }

    @Override
    public void appendStructure(StringBuilder b, Bindings bindings) {
        b.append(negate ? '-' : '+');
        operand.appendStructure(b, bindings);
    }

    @Override
    public int getCardinality() {
        return 1;
    }

    @Override
    public AstNode getChild(int i) {
        return i == 0 ? operand : null;
    }

    @Override
    public String toString() {
        return negate ? "-" : "+";
    }
}
