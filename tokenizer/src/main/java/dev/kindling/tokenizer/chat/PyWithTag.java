package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code {% with a = 1, b = a %}...{% endwith %}}: the block in a scope of its own, with the names bound to
 * values computed first, all in the enclosing scope ({@code b = a} reads the outer {@code a}); a {@code set} inside is
 * gone after it. Jinjava has no such tag and failed the render ("Unknown tag: with").
 */
final class PyWithTag implements Tag {
    private static final long serialVersionUID = 1L;
    private static final Pattern ASSIGNMENT = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*=(?!=)(.*)", Pattern.DOTALL);

    @Override
    public String getName() {
        return "with";
    }

    @Override
    public String getEndTagName() {
        return "endwith";
    }

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        String helpers = tagNode.getHelpers();
        List<String> names = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (int from = 0; !helpers.isBlank() && from <= helpers.length(); ) {
            int comma = TopLevel.find(helpers, from, i -> helpers.charAt(i) == ',');
            String part = helpers.substring(from, comma < 0 ? helpers.length() : comma);
            Matcher m = ASSIGNMENT.matcher(part);
            if (!m.matches() || m.group(2).isBlank()) {
                throw new ChatTemplateException("line " + tagNode.getLineNumber() + ": {% with %} takes name = value pairs, not '"
                        + part.strip() + "'");
            }
            names.add(m.group(1));
            values.add(interpreter.resolveELExpression(m.group(2), tagNode.getLineNumber()));
            if (comma < 0) {
                break;
            }
            from = comma + 1;
        }
        java.util.Map<String, Object> bound = new java.util.LinkedHashMap<>();
        for (int i = 0; i < names.size(); i++) {
            bound.put(names.get(i), values.get(i));
        }
        return ScopedBlock.render(tagNode, interpreter, bound, false);
    }
}
