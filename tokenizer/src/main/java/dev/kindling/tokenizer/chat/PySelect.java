package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.RejectFilter;
import com.hubspot.jinjava.lib.filter.SelectFilter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code select} and {@code reject}: without a test they keep the items that are true, or false, by
 * Python's truth value ({@code xs|select|list} drops the empty ones); with a test they are Jinjava's. Jinjava's
 * required the test and failed the render without one.
 */
final class PySelect implements AdvancedFilter {
    static final PySelect SELECT = new PySelect(new SelectFilter(), true);
    static final PySelect REJECT = new PySelect(new RejectFilter(), false);

    private final AdvancedFilter withTest;
    private final boolean keepTrue;

    private PySelect(AdvancedFilter withTest, boolean keepTrue) {
        this.withTest = withTest;
        this.keepTrue = keepTrue;
    }

    @Override
    public String getName() {
        return withTest.getName();
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        if (args.length > 0 || !kwargs.isEmpty()) {
            return withTest.filter(var, interpreter, args, kwargs);
        }
        List<Object> kept = new ArrayList<>();
        if (!PyTruth.of(var)) {
            return kept; // Jinja2 walks the value only when it is true: None and Undefined give nothing
        }
        if (var instanceof Number || var instanceof Boolean) {
            throw new ChatTemplateException("'" + PyAddition.typeName(var) + "' object is not iterable");
        }
        if (var instanceof CharSequence || var instanceof SafeString) {
            var.toString().codePoints().mapToObj(Character::toString).filter(c -> PyTruth.of(c) == keepTrue).forEach(kept::add);
            return kept;
        }
        ForLoop items = ObjectIterator.getLoop(var);
        while (items.hasNext()) {
            Object item = items.next();
            if (PyTruth.of(item) == keepTrue) {
                kept.add(item);
            }
        }
        return kept;
    }
}
