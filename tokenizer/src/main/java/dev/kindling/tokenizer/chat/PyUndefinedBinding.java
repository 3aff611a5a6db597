package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.MacroFunction;
import com.hubspot.jinjava.objects.collections.PyList;
import com.hubspot.jinjava.util.ScopeMap;
import java.util.Map;
import jinjava.de.odysseus.el.tree.Bindings;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.javax.el.ELContext;

/**
 * A variable whose nearest binding is Undefined stays Undefined, as in Jinja2: a macro argument
 * given an undefined value ({@code f(spec.items)} for a missing key), or {@code {% set x = missing %}}
 * in a loop. Jinjava stores such a binding as null, and its lookup goes on to the enclosing scopes
 * when it finds null, so a variable of the same name outside showed through: Command R's recursive
 * {@code json_to_python_type(json_spec.additionalProperties)} saw its caller's {@code json_spec} and
 * recursed until Jinjava's depth limit cut the output short, where transformers raises. A tuple bound to
 * a name stays a tuple ({@link PyTuple}), and a macro's {@code varargs} is one, as in Jinja2 (Jinjava bound a list).
 * A name bound to nothing that names a macro is the macro, which Jinjava's lookup of variables did not find.
 */
final class PyUndefinedBinding extends AstIdentifier {
    PyUndefinedBinding(String name, int index) {
        super(name, index);
    }

    @Override
    public Object eval(Bindings bindings, ELContext context) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        boolean macroVarargs = false;
        if (interpreter != null) {
            for (ScopeMap<String, Object> scope = interpreter.getContext(); scope != null; scope = scope.getParent()) {
                Map<String, Object> bound = scope.getScope();
                if (bound.containsKey(getName())) {
                    if (bound.get(getName()) == null) {
                        return null;
                    }
                    // a macro call binds varargs and kwargs together in its own scope
                    macroVarargs = getName().equals(MacroFunction.VARARGS_KEY) && bound.containsKey(MacroFunction.KWARGS_KEY);
                    break;
                }
            }
        }
        Object value = super.eval(bindings, context);
        if (value == null && interpreter != null) {
            // a macro's name is a value too, as in Jinja2: {% set f = m %}, outer(m), inner(caller), called by PyCall
            return interpreter.getContext().getGlobalMacro(getName());
        }
        // Jinjava's resolver hands a list out wrapped in its PyList; a tuple stays a tuple
        if (value instanceof PyList p && (p.toList() instanceof PyTuple || macroVarargs)) {
            return p.toList() instanceof PyTuple t ? t : new PyTuple(p.toList());
        }
        return value;
    }
}
