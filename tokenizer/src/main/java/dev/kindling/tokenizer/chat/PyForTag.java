package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import org.apache.commons.lang3.tuple.Pair;

/**
 * Jinja2's {@code for} loop on top of Jinjava's: {@code {% for x in xs %}...{% else %}...{% endfor %}}
 * renders the else part only when the loop ran zero times, and {@code {% for x in xs if cond %}}
 * walks only the items for which {@code cond} holds ({@code loop.index}, {@code loop.last} and
 * {@code loop.length} count those). Jinjava's for has neither: it took the {@code {% else %}} for a
 * tag that outputs nothing inside the body, so the else text came out after every item and not at
 * all for an empty list, and it read {@code xs if cond} as a conditional expression, null with the
 * loop variable not yet set, so a filtered loop rendered nothing. A str is walked character by
 * character, as in Python (Jinjava's walked it as a list of one item, the whole string).
 */
public final class PyForTag extends ForTag {
    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        List<String> loopVars = varsAndExpression.getLeft();
        String expression = varsAndExpression.getRight();
        int filterAt = filterStart(expression);
        Object collection = interpreter.resolveELExpression(filterAt < 0 ? expression : expression.substring(0, filterAt),
                tagNode.getLineNumber());
        if (collection instanceof PyNone || collection instanceof Number || collection instanceof Boolean) {
            // Python raises; Jinjava would walk the value as a list of one
            throw new ChatTemplateException("'" + PyAddition.typeName(collection) + "' object is not iterable");
        }
        if (collection instanceof CharSequence || collection instanceof SafeString) {
            // Python walks a str's characters, each a str of one code point (as PyMinMax takes them);
            // Jinjava's ObjectIterator took the whole string for a list of one
            collection = collection.toString().codePoints().mapToObj(Character::toString).toList();
        }
        if (filterAt >= 0) {
            collection = filtered(collection, loopVars, expression.substring(filterAt + 2), interpreter, tagNode.getLineNumber());
        }
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

    /** The items of {@code collection} for which {@code condition} holds, with the loop variables set to each. */
    private static List<Object> filtered(Object collection, List<String> loopVars, String condition,
            JinjavaInterpreter interpreter, int line) {
        List<Object> kept = new ArrayList<>();
        ForLoop items = ObjectIterator.getLoop(collection);
        while (items.hasNext()) {
            Object item = items.next();
            try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
                bind(loopVars, interpreter.wrap(item), interpreter);
                if (PyTruth.of(interpreter.resolveELExpression(condition, line))) {
                    kept.add(item);
                }
            }
        }
        return kept;
    }

    /** Sets the loop variables to one item, unpacking a pair or a list over several, as the loop body will see them. */
    private static void bind(List<String> loopVars, Object item, JinjavaInterpreter interpreter) {
        if (loopVars.size() == 1) {
            interpreter.getContext().put(loopVars.get(0), item);
            return;
        }
        for (int i = 0; i < loopVars.size(); i++) {
            Object value = null;
            if (item instanceof Map.Entry<?, ?> e) {
                value = i == 0 ? e.getKey() : i == 1 ? e.getValue() : null;
            } else if (item instanceof List<?> l && i < l.size()) {
                value = l.get(i);
            }
            interpreter.getContext().put(loopVars.get(i), value);
        }
    }

    /**
     * Where the loop's filter ({@code if cond}) starts in the part after {@code in}: the first {@code if}
     * outside strings and brackets (Jinja2 parses the iterable without conditional expressions); -1 if none.
     */
    static int filterStart(String expression) {
        return TopLevel.find(expression, 0, i -> expression.startsWith("if", i)
                && (i == 0 || !isNamePart(expression.charAt(i - 1)))
                && (i + 2 == expression.length() || !isNamePart(expression.charAt(i + 2))));
    }

    private static boolean isNamePart(char c) {
        return Character.isLetterOrDigit(c) || c == '_' || c == '.';
    }
}
