package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.AstTuple;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.RandomAccess;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.javax.el.ELContext;

/**
 * A Python tuple: a read-only list that prints as {@code (1, 2)} or {@code (1,)} ({@link PyStr}), is unequal to
 * a list with the same items ({@link PyEquality}) and orders only against tuples ({@link PyOrdering}).
 * Jinjava made a tuple literal a list.
 */
final class PyTuple extends AbstractList<Object> implements RandomAccess {
    private final Object[] items;

    PyTuple(List<?> items) {
        this.items = items.toArray();
    }

    @Override
    public Object get(int index) {
        return items[index];
    }

    @Override
    public int size() {
        return items.length;
    }

    /** A tuple literal: {@code ()}, {@code (1,)}, {@code (1, 2)}. */
    static final class Ast extends AstTuple {
        Ast(AstParameters items) {
            super(items);
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            List<Object> values = new ArrayList<>(elements.getCardinality());
            for (int i = 0; i < elements.getCardinality(); i++) {
                values.add(elements.getChild(i).eval(bindings, context));
            }
            return new PyTuple(values);
        }
    }
}
