package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.AstMacroFunction;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.MacroFunction;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstRightValue;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * A call of a name, {@code f(args)}, looked up when it runs, as Jinja2 looks it up: a macro of that name, then the value
 * the name is bound to if it can be called (a macro under another name, {@code {% set f = m %}}, a macro or
 * {@code caller} passed as an argument, a {@code joiner()}), then Jinjava's function of that name. Any other value
 * raises as Python does ("'int' object is not callable"), an undefined name as Jinja2 ("'f' is undefined").
 * Jinjava resolved every call among its functions and macros when it bound the expression, before running it, so a
 * variable could not be called ({@code {% set j = joiner() %}{{ j() }}} failed: "Could not resolve function 'j'").
 * {@link PyParser} makes this node instead of Jinjava's, outside the expression's bound functions.
 */
final class PyCall extends AstMacroFunction {
    /** A template value that can be called, as a Python object with {@code __call__}. */
    interface Callable {
        Object call(List<Object> args);
    }

    PyCall(String name, AstParameters params, boolean varargs) {
        super(name, -1, params, varargs);
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        JinjavaInterpreter interpreter = (JinjavaInterpreter) context.getELResolver().getValue(context, null, ExtendedParser.INTERPRETER);
        if (interpreter.getContext().getGlobalMacro(getName()) != null) {
            return super.eval(bindings, context); // a macro: called as Jinjava calls it
        }
        Object value = interpreter.getContext().get(getName());
        if (isCallable(value)) {
            Object[] args = new Object[getParamCount()];
            for (int i = 0; i < args.length; i++) {
                args[i] = getParam(i).eval(bindings, context);
            }
            return call(interpreter, value, args);
        }
        if (value != null && !getName().equals("loop")) {
            // a name bound to a value is that value, as in Python: {% set range = 5 %}{{ range(3) }} raises, where
            // Jinjava's function of that name ran; loop(...) is the recursive loop's call, beside the loop's variable
            throw new ELException(notCallable(value));
        }
        Method method = context.getFunctionMapper().resolveFunction("", getName());
        if (method == null) {
            throw new ELException(value == null ? "'" + getName() + "' is undefined" : notCallable(value));
        }
        int declared = method.getParameterTypes().length;
        if (isVarArgs() && method.isVarArgs() ? declared > getParamCount() + 1 : declared != getParamCount()) {
            throw new ELException("Parameters for function '" + getName() + "' do not match");
        }
        try {
            return invoke(bindings, context, null, method);
        } catch (IllegalAccessException e) {
            throw new ELException("Cannot access function '" + getName() + "'", e);
        } catch (InvocationTargetException e) {
            throw new ELException("Error invoking function '" + getName() + "'", e.getCause());
        }
    }

    static boolean isCallable(Object value) {
        return value instanceof Callable || value instanceof MacroFunction;
    }

    /** Python's message for calling {@code value}, which is not callable. */
    static String notCallable(Object value) {
        return "'" + PyAddition.typeName(value) + "' object is not callable";
    }

    /**
     * Calls {@code callee} ({@link #isCallable}) with arguments already evaluated (a keyword argument is Jinjava's
     * NamedParameter). A macro goes on the macro stack under its own name, so that its recursion is limited as a macro
     * called by name is; a past-the-limit call is "" with an error recorded, as Jinjava's.
     */
    static Object call(JinjavaInterpreter interpreter, Object callee, Object[] args) {
        if (callee instanceof Callable c) {
            return c.call(Arrays.asList(args));
        }
        MacroFunction macro = (MacroFunction) callee;
        if (macro.isCaller()) {
            return macro.evaluate(args);
        }
        if (checkAndPushMacroStack(interpreter, macro.getName())) {
            return ""; // past the depth limit, the error recorded
        }
        try {
            return macro.evaluate(args);
        } finally {
            interpreter.getContext().getMacroStack().pop();
        }
    }

    /**
     * A call of any other value, {@code joiner()()}, {@code (f)()}, {@code fs.0()}: the value of the expression before the
     * parentheses is called as a value bound to a name is.
     */
    static final class Value extends AstRightValue {
        private final AstNode callee;
        private final AstParameters params;

        Value(AstNode callee, AstParameters params) {
            this.callee = callee;
            this.params = params;
        }

        @Override
        public Object eval(Bindings bindings, ELContext context) {
            Object value = callee.eval(bindings, context);
            if (value != null && !isCallable(value)) {
                throw new ELException(notCallable(value)); // [1][0](): the callee's text is not needed (nor always available)
            }
            if (value == null) {
                StringBuilder name = new StringBuilder();
                try {
                    callee.appendStructure(name, bindings);
                } catch (RuntimeException noText) { // Jinjava's list and dict literals have no text: [][0]()
                    throw new ELException("the value called is undefined (Jinja2 raises UndefinedError)");
                }
                throw new ELException("'" + name + "' is undefined");
            }
            return call(JinjavaInterpreter.getCurrent(), value, params.eval(bindings, context));
        }

        @Override
        public void appendStructure(StringBuilder b, Bindings bindings) {
            callee.appendStructure(b, bindings);
            params.appendStructure(b, bindings);
        }

        @Override
        public int getCardinality() {
            return 2;
        }

        @Override
        public AstNode getChild(int i) {
            return i == 0 ? callee : i == 1 ? params : null;
        }

        @Override
        public String toString() {
            return callee + "(...)";
        }
    }

    /**
     * A call of a value stored in a dict, {@code d.f()}: the macro or global there is called, any other stored value raises
     * as Python does, and a key the dict lacks (and no dict method of the name) as Jinja2's Undefined. Jinjava looked for a Java method of that
     * name ("Cannot find method f ... in class SizeLimitingPyMap").
     */
    static final class Stored extends PyResolver {
        /** Python's dict methods, which an attribute call finds before a key of the same name. */
        private static final Set<Object> DICT_METHODS = Set.of("clear", "copy", "fromkeys", "get", "items", "keys", "pop",
                "popitem", "setdefault", "update", "values");

        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (!(base instanceof Map<?, ?> m) || DICT_METHODS.contains(method)) {
                return null;
            }
            if (!m.containsKey(method)) {
                // Jinja2: the attribute, then the item, then Undefined, whose call raises; Jinjava looked for a Java method
                throw new ChatTemplateException("UndefinedError: 'dict object' has no attribute '" + method + "'");
            }
            Object value = m.get(method);
            context.setPropertyResolved(true);
            if (!isCallable(value)) {
                throw new ChatTemplateException(notCallable(value));
            }
            return call(JinjavaInterpreter.getCurrent(), value, params == null ? new Object[0] : params);
        }
    }
}
