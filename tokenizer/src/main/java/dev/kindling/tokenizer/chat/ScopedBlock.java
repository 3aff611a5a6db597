package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ForLoop;
import java.util.Map;

/**
 * A block's body rendered in a scope of its own, as Jinja2 renders a loop item, a {@code with} block and a call block:
 * a {@code set} inside is gone after it.
 */
final class ScopedBlock {
    private ScopedBlock() {}

    /**
     * The children of {@code node}, with {@code bound} set in the new scope first; with {@code untilContinue}, the body
     * ends at a {@code continue} or {@code break} of the loop it is in.
     */
    static String render(TagNode node, JinjavaInterpreter interpreter, Map<String, Object> bound, boolean untilContinue) {
        StringBuilder out = new StringBuilder();
        try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
            bound.forEach(interpreter.getContext()::put);
            for (Node child : node.getChildren()) {
                out.append(child.render(interpreter).getValue());
                if (untilContinue && interpreter.getContext().get("loop") instanceof ForLoop loop && loop.isContinued()) {
                    break;
                }
            }
        }
        return out.toString();
    }
}
