package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.AstTuple;
import com.hubspot.jinjava.objects.collections.PyList;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.RandomAccess;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.PropertyNotFoundException;

/**
 * A Python tuple: a read-only list that prints as {@code (1, 2)} or {@code (1,)} ({@link PyStr}), is unequal to
 * a list with the same items ({@link PyEquality}) and orders only against tuples ({@link PyOrdering}).
 * Jinjava made a tuple literal a list.
 */
class PyTuple extends AbstractList<Object> implements RandomAccess {
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

    /** An item {@code x[i]} that is a tuple stays one: Jinjava's resolver hands a list item out as its PyList. */
    static final class Item extends AstBracket {
        Item(AstNode base, AstNode property, boolean lvalue, boolean strict, boolean ignoreReturnType) {
            super(base, property, lvalue, strict, ignoreReturnType);
        }

        /** As AstProperty's eval, the object evaluated once; a dict by a key that is not a str as {@link PyDictLiteral#item}. */
        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object base = prefix.eval(bindings, context);
            if (base == null) {
                return null;
            }
            Object key = getProperty(bindings, context);
            if (PyDictLiteral.looksUpAsPython(base, key)) {
                return PyDictLiteral.item((Map<?, ?>) base, key);
            }
            if (key == null && strict) {
                return null;
            }
            context.setPropertyResolved(false);
            Object value = context.getELResolver().getValue(context, base, key);
            if (!context.isPropertyResolved()) {
                throw new PropertyNotFoundException("Property '" + key + "' not found on type " + base.getClass().getName());
            }
            return value instanceof PyList p && p.toList() instanceof PyTuple t ? t : value;
        }
    }

    /** An attribute {@code x.t} that is a tuple stays one ({@code ns.t}, {@code d.t}), as {@link Item}. */
    static final class Dot extends AstDot {
        Dot(AstNode base, String property, boolean lvalue, boolean ignoreReturnType) {
            super(base, property, lvalue, ignoreReturnType);
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object value = super.eval(bindings, context);
            return value instanceof PyList p && p.toList() instanceof PyTuple t ? t : value;
        }
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
