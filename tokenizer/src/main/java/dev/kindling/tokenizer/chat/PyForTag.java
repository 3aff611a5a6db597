package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ObjectIterator;
import java.util.LinkedList;
import java.util.List;
import org.apache.commons.lang3.tuple.Pair;

/**
 * Jinja2's {@code for} loop on top of Jinjava's: {@code {% for x in xs %}...{% else %}...{% endfor %}}
 * renders the else part only when the loop ran zero times. Jinjava's for has no else: it took the
 * {@code {% else %}} for a tag that outputs nothing inside the body, so the else text came out after
 * every item and not at all for an empty list.
 */
public final class PyForTag extends ForTag {
    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        List<String> loopVars = varsAndExpression.getLeft();
        Object collection = interpreter.resolveELExpression(varsAndExpression.getRight(), tagNode.getLineNumber());
        LinkedList<Node> children = tagNode.getChildren();
        int elseAt = 0;
        while (elseAt < children.size() && !(children.get(elseAt) instanceof TagNode t && t.getTag() instanceof ElseTag)) {
            elseAt++;
        }
        if (elseAt == children.size()) {
            return renderForCollection(tagNode, interpreter, loopVars, collection);
        }
        if (!ObjectIterator.getLoop(collection).hasNext()) {
            StringBuilder out = new StringBuilder();
            for (Node node : children.subList(elseAt + 1, children.size())) {
                out.append(node.render(interpreter).getValue());
            }
            return out.toString();
        }
        // the body without the else part: a node of its own for this rendering, the parsed tree stays as it is
        TagNode body = new TagNode(this, (TagToken) tagNode.getMaster(), tagNode.getSymbols());
        body.setChildren(new LinkedList<>(children.subList(0, elseAt)));
        return renderForCollection(body, interpreter, loopVars, collection);
    }
}
