package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.TruthyTypeConverter;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.util.ObjectTruthValue;

/**
 * Python's truth value of a template value. Jinjava's ({@link ObjectTruthValue}) is Python's except that it
 * takes the strings "false", "False", "FALSE" ... for false, so a message whose content was the word false
 * failed {@code {% if message.content %}} and a template left it out of the prompt; in Python only the empty
 * string is false. Expressions ({@code not}, {@code and}, {@code or}, {@code x if c else y}) test through
 * {@link Converter}, {@code if} and {@code elif} through {@link IfTag}.
 */
final class PyTruth {
    private PyTruth() {}

    static boolean of(Object value) {
        if (value instanceof CharSequence || value instanceof SafeString) {
            return !value.toString().isEmpty();
        }
        return ObjectTruthValue.evaluate(value);
    }

    /** Jinjava's type converter, converting to a boolean by Python's truth value. */
    static final class Converter extends TruthyTypeConverter {
        @Override
        protected Boolean coerceToBoolean(Object value) {
            return of(value);
        }
    }

    /** Jinjava's {@code if} (and the {@code elif}s it holds), testing by Python's truth value. */
    static final class IfTag extends com.hubspot.jinjava.lib.tag.IfTag {
        @Override
        public boolean isPositiveIfElseNode(TagNode tagNode, JinjavaInterpreter interpreter) {
            return of(interpreter.resolveELExpression(tagNode.getHelpers(), tagNode.getLineNumber(), tagNode.getStartPosition()));
        }

        /**
         * The first branch whose test holds (later tests not evaluated), up to a {@code continue} or {@code break} in it:
         * Jinjava's if rendered the rest of its branch after one ({@code {% if x %}A{% continue %}B{% endif %}} gave
         * {@code AB}). Validation mode, which renders every branch to check it, is not used for chat templates.
         */
        @Override
        public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
            if (tagNode.getHelpers() == null || tagNode.getHelpers().isBlank()) {
                throw new com.hubspot.jinjava.interpret.TemplateSyntaxException(tagNode.getMaster().getImage(),
                        "Tag 'if' expects expression", tagNode.getLineNumber(), tagNode.getStartPosition());
            }
            java.util.List<com.hubspot.jinjava.tree.Node> branch = new java.util.ArrayList<>();
            boolean taking = isPositiveIfElseNode(tagNode, interpreter);
            for (com.hubspot.jinjava.tree.Node child : tagNode.getChildren()) {
                boolean elif = child instanceof TagNode t && t.getTag() instanceof com.hubspot.jinjava.lib.tag.ElseIfTag;
                boolean otherwise = child instanceof TagNode t && t.getTag() instanceof com.hubspot.jinjava.lib.tag.ElseTag;
                if (elif || otherwise) {
                    if (taking) {
                        break;
                    }
                    taking = otherwise || isPositiveIfElseNode((TagNode) child, interpreter);
                } else if (taking) {
                    branch.add(child);
                }
            }
            return ScopedBlock.renderUntilStopped(branch, interpreter);
        }
    }
}
