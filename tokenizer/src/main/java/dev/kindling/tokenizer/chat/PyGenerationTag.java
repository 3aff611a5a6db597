package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.TagNode;

/**
 * transformers' {@code {% generation %}...{% endgeneration %}} (its AssistantTracker extension, which marks the
 * assistant's text for {@code return_assistant_tokens_mask}): the block renders as its body, in a scope of its own as
 * Jinja2's call block does. Templates written for assistant-only training losses use it; Jinjava failed them
 * ("Unknown tag: generation") even where the block never ran.
 */
final class PyGenerationTag implements Tag {
    private static final long serialVersionUID = 1L;

    @Override
    public String getName() {
        return "generation";
    }

    @Override
    public String getEndTagName() {
        return "endgeneration";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        return ScopedBlock.render(tagNode.getChildren(), interpreter, java.util.Map.of());
    }
}
