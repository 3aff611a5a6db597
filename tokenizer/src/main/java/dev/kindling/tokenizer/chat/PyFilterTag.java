package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.TagNode;

/**
 * Jinja2's {@code {% filter upper|replace('a', 'b') %}...{% endfilter %}}: the block's output, rendered in a scope of its
 * own, put through the filters. Jinjava has no such tag and failed the render ("Unknown tag: filter").
 */
final class PyFilterTag implements Tag {
    /** The name the block's output is bound to while the filters run; no template names a variable so. */
    private static final String BODY = "__kindling_filter_body__";

    @Override
    public String getName() {
        return "filter";
    }

    @Override
    public String getEndTagName() {
        return "endfilter";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        // a scope of its own, as Jinja2's filter block has: a set in it was still defined after it
        String body = ScopedBlock.render(tagNode.getChildren(), interpreter, java.util.Map.of());
        String filters = tagNode.getHelpers().strip();
        if (filters.isEmpty()) {
            throw new ChatTemplateException("line " + tagNode.getLineNumber() + ": {% filter %} needs a filter");
        }
        try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
            interpreter.getContext().put(BODY, body);
            return interpreter.getAsString(interpreter.resolveELExpression(BODY + "|" + filters, tagNode.getLineNumber()));
        }
    }
}
