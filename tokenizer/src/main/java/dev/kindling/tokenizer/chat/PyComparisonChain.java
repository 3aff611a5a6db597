package dev.kindling.tokenizer.chat;

import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;

/**
 * Python's chained comparison, {@code a < b < c} as {@code a < b and b < c} with {@code b} evaluated once,
 * stopping at the first false one. Java EL did not parse it.
 */
final class PyComparisonChain extends AstRightValue {
    private final List<AstNode> operands;
    private final List<AstBinary.Operator> ops;

    PyComparisonChain(List<AstNode> operands, List<AstBinary.Operator> ops) {
        this.operands = List.copyOf(operands);
        this.ops = List.copyOf(ops);
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        Value left = new Value(operands.get(0).eval(bindings, context));
        for (int i = 0; i < ops.size(); i++) {
            Value right = new Value(operands.get(i + 1).eval(bindings, context));
            if (!PyTruth.of(ops.get(i).eval(bindings, context, left, right))) {
                return false;
            }
            left = right;
        }
        return true;
    }

    @Override
    public void appendStructure(StringBuilder b, Bindings bindings) {
        operands.get(0).appendStructure(b, bindings);
        for (int i = 0; i < ops.size(); i++) {
            b.append(' ').append(ops.get(i)).append(' ');
            operands.get(i + 1).appendStructure(b, bindings);
        }
    }

    @Override
    public int getCardinality() {
        return operands.size();
    }

    @Override
    public AstNode getChild(int i) {
        return operands.get(i);
    }

    @Override
    public String toString() {
        return "comparison";
    }

    /** An operand already evaluated. */
    private static final class Value extends AstRightValue {
        private final Object value;

        Value(Object value) {
            this.value = value;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            return value;
        }

        @Override
        public void appendStructure(StringBuilder b, Bindings bindings) {
            b.append(PyStr.repr(value));
        }

        @Override
        public int getCardinality() {
            return 0;
        }

        @Override
        public AstNode getChild(int i) {
            return null;
        }

        @Override
        public String toString() {
            return "value";
        }
    }
}
