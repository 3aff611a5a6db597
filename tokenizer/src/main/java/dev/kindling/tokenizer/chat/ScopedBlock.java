package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.util.ForLoop;
import java.util.List;
import java.util.Map;

/**
 * A block's body rendered in a scope of its own, as Jinja2 renders a loop item, a loop's {@code else} part, a
 * {@code with}, {@code filter} or {@code generation} block and a call block: a {@code set} inside is gone after it.
 */
final class ScopedBlock {
    private ScopedBlock() {}

    /**
     * {@code children} rendered with {@code bound} set in the new scope first, up to a {@code continue} or {@code break} of
     * the loop they are in ({@link #stopped}): the rest of the item is not rendered, whatever block the jump was in.
     */
    static String render(List<Node> children, JinjavaInterpreter interpreter, Map<String, Object> bound) {
        try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
            bound.forEach(interpreter.getContext()::put);
            return renderUntilStopped(children, interpreter);
        }
    }

    /** {@code children} rendered in the current scope, up to a {@code continue} or {@code break} ({@link #stopped}). */
    static String renderUntilStopped(List<Node> children, JinjavaInterpreter interpreter) {
        StringBuilder out = new StringBuilder();
        for (Node child : children) {
            out.append(child.render(interpreter).getValue());
            if (stopped(interpreter)) {
                break;
            }
        }
        return out.toString();
    }

    /**
     * Whether a {@code continue} or {@code break} of the innermost loop being rendered has run in its current item (Jinjava's
     * loop marks both as continued): every block it is in, an {@code if} or a {@code with} as much as the loop body, ends
     * there, as Jinja2's compiled jump ends them.
     */
    static boolean stopped(JinjavaInterpreter interpreter) {
        return interpreter.getContext().get("loop") instanceof ForLoop loop && loop.isContinued();
    }
}
