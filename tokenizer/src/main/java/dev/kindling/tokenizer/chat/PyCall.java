package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.AstMacroFunction;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.javax.el.ELContext;
import jinjava.javax.el.ELException;

/**
 * A call of a name, {@code f(args)}, looked up when it runs, as Jinja2 looks it up: a macro of that name, then a value
 * the name is bound to that can be called ({@link Callable}: a {@code joiner()}), then Jinjava's function of that name.
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
        if (interpreter.getContext().get(getName()) instanceof Callable callable) {
            List<Object> args = new ArrayList<>(getParamCount());
            for (int i = 0; i < getParamCount(); i++) {
                args.add(getParam(i).eval(bindings, context));
            }
            return callable.call(args);
        }
        Method method = context.getFunctionMapper().resolveFunction("", getName());
        if (method == null) {
            throw new ELException("Could not resolve function '" + getName() + "'");
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
}
