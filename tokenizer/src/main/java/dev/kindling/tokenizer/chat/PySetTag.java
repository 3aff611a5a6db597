package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.SetTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Jinjava's {@code set} with Jinja2's tuples: {@code {% set a, b = pair %}} unpacks one value (a list, tuple, str,
 * dict's keys or a dict item) over the names, raising as Python when the counts differ, and
 * {@code {% set t = 1, 2 %}} and {@code {% set ns.x = 1, 2 %}} set the tuple. Jinjava required one expression per
 * name, and set the first item. Everything else ({@code a, b = 1, 2}, block sets) is Jinjava's.
 */
final class PySetTag extends SetTag {
    private static final Pattern NAME = Pattern.compile("\\s*[A-Za-z_][A-Za-z0-9_]*\\s*");
    private static final Pattern ATTRIBUTE = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\.([A-Za-z_][A-Za-z0-9_]*)\\s*");

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        String helpers = tagNode.getHelpers();
        int eq = TopLevel.find(helpers, 0, i -> helpers.charAt(i) == '=' && !isComparison(helpers, i));
        if (eq > 0) {
            String[] names = helpers.substring(0, eq).split(",", -1);
            String expr = helpers.substring(eq + 1);
            boolean tupleValue = TopLevel.find(expr, 0, i -> expr.charAt(i) == ',') >= 0;
            if (names.length > 1 && !tupleValue && allNames(names)) {
                List<?> values = unpack(interpreter.resolveELExpression(expr, tagNode.getLineNumber()), names.length, "set");
                for (int i = 0; i < names.length; i++) {
                    interpreter.getContext().put(names[i].trim(), values.get(i));
                }
                return "";
            }
            // the value is one expression, a tuple when it has commas ({@link PyParser}: 1, 2 and 1, are tuples)
            java.util.regex.Matcher attribute = ATTRIBUTE.matcher(names[0]);
            if (names.length == 1 && attribute.matches()) {
                // Jinjava's set made a tuple value a list, and of 1, 2 set the 1
                if (!(interpreter.getContext().get(attribute.group(1)) instanceof PyNamespace ns)) {
                    throw new ChatTemplateException("TemplateRuntimeError: cannot assign attribute on non-namespace object");
                }
                ns.set(attribute.group(2), interpreter.resolveELExpression(expr, tagNode.getLineNumber()));
                return "";
            }
            if (names.length == 1 && tupleValue && allNames(names)) {
                interpreter.getContext().put(names[0].trim(), interpreter.resolveELExpression(expr, tagNode.getLineNumber()));
                return "";
            }
        }
        return super.interpret(tagNode, interpreter);
    }

    private static boolean isComparison(String s, int i) {
        return (i + 1 < s.length() && s.charAt(i + 1) == '=') || (i > 0 && "=!<>".indexOf(s.charAt(i - 1)) >= 0);
    }

    private static boolean allNames(String[] names) {
        for (String n : names) {
            if (!NAME.matcher(n).matches()) {
                return false;
            }
        }
        return true;
    }

    /** Python's unpacking of {@code value} over {@code n} names, in the tag {@code where} ("set", "for"). */
    static List<?> unpack(Object value, int n, String where) {
        List<Object> items = new ArrayList<>();
        if (value instanceof Map.Entry<?, ?> e) {
            items.add(e.getKey());
            items.add(e.getValue());
        } else if (value instanceof Map<?, ?> m) {
            items.addAll(m.keySet());
        } else if (value instanceof Iterable<?> it) {
            it.forEach(items::add);
        } else if (value instanceof CharSequence s) {
            s.toString().codePoints().forEach(c -> items.add(new String(Character.toChars(c))));
        } else {
            throw new ChatTemplateException("cannot unpack non-iterable " + PyAddition.typeName(value)
                    + " object in " + where + " (Jinja2 raises TypeError)");
        }
        if (items.size() != n) {
            throw new ChatTemplateException(items.size() < n
                    ? "not enough values to unpack (expected " + n + ", got " + items.size() + ") in " + where + " (Jinja2 raises ValueError)"
                    : "too many values to unpack (expected " + n + ") in " + where + " (Jinja2 raises ValueError)");
        }
        return items;
    }
}
