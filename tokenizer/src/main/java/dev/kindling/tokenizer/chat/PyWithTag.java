package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Jinja2's {@code {% with a = 1, b = a %}...{% endwith %}}: the block in a scope of its own, with the names bound to
 * values computed first, all in the enclosing scope ({@code b = a} reads the outer {@code a}); a {@code set} inside is
 * gone after it. A target may unpack a sequence, {@code {% with a, b = pair %}} (Jinja2 parses it as a tuple target).
 * Jinjava has no such tag and failed the render ("Unknown tag: with").
 */
final class PyWithTag implements Tag {
    private static final long serialVersionUID = 1L;
    private static final Pattern NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

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
        List<List<String>> targets = new ArrayList<>();
        List<Object> values = new ArrayList<>();
        for (int from = 0; from < helpers.length() && !helpers.substring(from).isBlank(); ) {
            // target = value, the target up to the first top-level '=' (it may hold commas: a tuple), the value up to the
            // next top-level comma (Jinja2 parses it without a tuple)
            int eq = TopLevel.find(helpers, from, i -> assignmentAt(helpers, i));
            int comma = eq < 0 ? -1 : TopLevel.find(helpers, eq + 1, i -> helpers.charAt(i) == ',');
            String value = eq < 0 ? "" : helpers.substring(eq + 1, comma < 0 ? helpers.length() : comma);
            List<String> names = eq < 0 ? null : targetNames(helpers.substring(from, eq));
            if (names == null || value.isBlank()) {
                String part = helpers.substring(from, comma < 0 ? helpers.length() : comma);
                throw new ChatTemplateException("line " + tagNode.getLineNumber() + ": {% with %} takes name = value pairs, not '"
                        + part.strip() + "'");
            }
            targets.add(names);
            values.add(interpreter.resolveELExpression(value, tagNode.getLineNumber()));
            from = comma < 0 ? helpers.length() : comma + 1;
        }
        java.util.Map<String, Object> bound = new java.util.LinkedHashMap<>();
        for (int i = 0; i < targets.size(); i++) {
            List<String> names = targets.get(i);
            if (names.size() == 1 && !names.get(0).isEmpty()) {
                bound.put(names.get(0), values.get(i));
                continue;
            }
            List<String> unpacked = names.get(0).isEmpty() ? names.subList(1, names.size()) : names;
            List<?> items = unpack(values.get(i), unpacked.size());
            for (int k = 0; k < unpacked.size(); k++) {
                bound.put(unpacked.get(k), items.get(k));
            }
        }
        return ScopedBlock.render(tagNode.getChildren(), interpreter, bound);
    }

    /** An assignment's {@code =} at {@code i}: not part of {@code ==}, {@code !=}, {@code <=} or {@code >=}. */
    private static boolean assignmentAt(String s, int i) {
        return s.charAt(i) == '=' && (i + 1 == s.length() || s.charAt(i + 1) != '=')
                && (i == 0 || "=!<>".indexOf(s.charAt(i - 1)) < 0);
    }

    /**
     * The names of a target: one name, or a tuple ({@code a, b}, {@code (a, b)}, {@code a,}) marked by an empty first
     * element; null when it is neither.
     */
    private static List<String> targetNames(String target) {
        String t = target.strip();
        boolean parenthesized = t.startsWith("(") && t.endsWith(")");
        if (parenthesized) {
            t = t.substring(1, t.length() - 1).strip();
        }
        if (!parenthesized && t.indexOf(',') < 0) {
            return NAME.matcher(t).matches() ? List.of(t) : null;
        }
        List<String> names = new ArrayList<>(List.of(""));
        String[] parts = t.split(",", -1);
        for (int k = 0; k < parts.length; k++) {
            String n = parts[k].strip();
            if (n.isEmpty() && k == parts.length - 1 && k > 0) {
                break; // a trailing comma: (a,) is a tuple of one
            }
            if (!NAME.matcher(n).matches()) {
                return null;
            }
            names.add(n);
        }
        return names.size() > 1 ? names : null;
    }

    /** {@code value}'s items for {@code count} names, as Python unpacks a list, tuple, str or dict (its keys). */
    private static List<?> unpack(Object value, int count) {
        List<?> items;
        if (value instanceof List<?> l) {
            items = l;
        } else if (value instanceof java.util.Map<?, ?> m) {
            items = new ArrayList<>(m.keySet());
        } else if (PyAddition.isStr(value)) {
            items = value.toString().codePoints().mapToObj(Character::toString).toList();
        } else {
            throw new ChatTemplateException("cannot unpack non-iterable " + PyAddition.typeName(value) + " object");
        }
        if (items.size() > count) {
            throw new ChatTemplateException("too many values to unpack (expected " + count + ")");
        }
        if (items.size() < count) {
            throw new ChatTemplateException("not enough values to unpack (expected " + count + ", got " + items.size() + ")");
        }
        return items;
    }
}
