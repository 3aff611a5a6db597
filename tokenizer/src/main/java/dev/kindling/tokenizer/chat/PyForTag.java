package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.tag.ElseTag;
import com.hubspot.jinjava.lib.tag.ForTag;
import com.hubspot.jinjava.lib.tag.Tag;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.tree.Node;
import com.hubspot.jinjava.tree.TagNode;
import com.hubspot.jinjava.tree.parse.TagToken;
import com.hubspot.jinjava.util.ForLoop;
import com.hubspot.jinjava.util.ObjectIterator;
import java.util.AbstractList;
import java.util.ArrayList;
import java.util.LinkedList;
import java.util.List;
import java.util.Map;
import jinjava.javax.el.ELContext;
import org.apache.commons.lang3.tuple.Pair;

/**
 * Jinja2's {@code for} loop on top of Jinjava's: {@code {% for x in xs %}...{% else %}...{% endfor %}}
 * renders the else part only when the loop ran zero times, and {@code {% for x in xs if cond %}}
 * walks only the items for which {@code cond} holds ({@code loop.index}, {@code loop.last} and
 * {@code loop.length} count those). Jinjava's for has neither: it took the {@code {% else %}} for a
 * tag that outputs nothing inside the body, so the else text came out after every item and not at
 * all for an empty list, and it read {@code xs if cond} as a conditional expression, null with the
 * loop variable not yet set, so a filtered loop rendered nothing. A str is walked character by
 * character, as in Python (Jinjava's walked it as a list of one item, the whole string). {@code loop.previtem}
 * and {@code loop.nextitem} are Jinja2's ({@link LoopItems}).
 */
public final class PyForTag extends ForTag {
    @Override
    public String interpretUnchecked(TagNode tagNode, JinjavaInterpreter interpreter) {
        Pair<List<String>, String> varsAndExpression = getLoopVarsAndExpression((TagToken) tagNode.getMaster());
        List<String> loopVars = varsAndExpression.getLeft();
        Object target = target(String.join(",", loopVars));
        List<Object> pattern = target instanceof List<?> ? castList(target) : null;
        if (target != null) {
            loopVars = new ArrayList<>();
            names(target, loopVars);
        }
        String expression = varsAndExpression.getRight();
        java.util.regex.Matcher r = RECURSIVE.matcher(expression);
        boolean recursive = r.find();
        if (recursive) {
            expression = expression.substring(0, r.start());
        }
        int filterAt = filterStart(expression);
        String condition = filterAt < 0 ? null : expression.substring(filterAt + 2);
        Object collection = interpreter.resolveELExpression(filterAt < 0 ? expression : expression.substring(0, filterAt),
                tagNode.getLineNumber());
        List<?> items = walked(collection, loopVars, pattern, condition, interpreter, tagNode.getLineNumber());
        LinkedList<Node> children = tagNode.getChildren();
        int elseAt = 0;
        while (elseAt < children.size() && !(children.get(elseAt) instanceof TagNode t && t.getTag() instanceof ElseTag)) {
            elseAt++;
        }
        if (elseAt == children.size()) {
            return render(tagNode, interpreter, loopVars, items, recursive ? new Recursion(tagNode, loopVars, pattern, condition, 1, interpreter.getContext()) : null);
        }
        if (items.isEmpty()) {
            // a scope of its own, as Jinja2's else part has: a set in it was still defined after the loop
            return ScopedBlock.render(children.subList(elseAt + 1, children.size()), interpreter, Map.of());
        }
        // the body without the else part: a node of its own for this rendering, the parsed tree stays as it is
        TagNode body = new TagNode(this, (TagToken) tagNode.getMaster(), tagNode.getSymbols());
        body.setChildren(new LinkedList<>(children.subList(0, elseAt)));
        return render(body, interpreter, loopVars, items, recursive ? new Recursion(body, loopVars, pattern, condition, 1, interpreter.getContext()) : null);
    }

    /** {@code recursive} at the end of the part after {@code in}. */
    private static final java.util.regex.Pattern RECURSIVE = java.util.regex.Pattern.compile("\\s+recursive\\s*$");

    /**
     * What a loop over {@code collection} walks: a str's characters, each item unpacked over nested targets ({@code pattern}
     * when not null) as a list of the values of {@code loopVars}, the items {@code condition} (may be null) keeps.
     */
    private static List<?> walked(Object collection, List<String> loopVars, List<Object> pattern, String condition,
            JinjavaInterpreter interpreter, int line) {
        if (PyAddition.notIterable(collection)) {
            // Python raises; Jinjava would walk the value as a list of one
            throw new ChatTemplateException("'" + PyAddition.typeName(collection) + "' object is not iterable");
        }
        if (collection instanceof CharSequence || collection instanceof SafeString) {
            // Python walks a str's characters, each a str of one code point (as PyMinMax takes them);
            // Jinjava's ObjectIterator took the whole string for a list of one
            collection = collection.toString().codePoints().mapToObj(Character::toString).toList();
        }
        if (pattern != null) {
            List<Object> flat = new ArrayList<>();
            for (Object item : items(collection)) {
                List<Object> values = new ArrayList<>();
                flatten(item, pattern, values);
                // one name ((a,)): Jinjava binds a single loop variable to the whole item, so the value goes alone
                flat.add(loopVars.size() == 1 ? values.get(0) : new Unpacked(item, values));
            }
            collection = flat;
        }
        if (condition != null) {
            collection = filtered(collection, loopVars, condition, interpreter, line);
        }
        return items(collection);
    }

    /**
     * The loop's target when it has parentheses ({@code a, (b, c)}): a name, or a list of targets, each a name or a
     * list; null when there are none, as Jinjava reads them. Jinjava split the targets at every comma and bound "(b"
     * and "c)". As in Jinja2, a comma makes a list ({@code (a,)} unpacks a list of one), parentheses alone do not
     * ({@code (a)} is {@code a}).
     */
    static Object target(String targets) {
        if (targets.indexOf('(') < 0) {
            return null;
        }
        int[] at = {0};
        Object target = targets(targets, at);
        if (at[0] != targets.length()) {
            throw new ChatTemplateException("expected a name or '(' in the for loop's targets '" + targets + "'");
        }
        return target;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> castList(Object o) {
        return (List<Object>) o;
    }

    private static Object targets(String s, int[] at) {
        List<Object> out = new ArrayList<>();
        boolean comma = false;
        while (true) {
            skipSpaces(s, at);
            if (at[0] < s.length() && s.charAt(at[0]) == '(') {
                at[0]++;
                out.add(targets(s, at));
                skipSpaces(s, at);
                if (at[0] >= s.length() || s.charAt(at[0]) != ')') {
                    throw new ChatTemplateException("expected ')' in the for loop's targets '" + s + "'");
                }
                at[0]++;
            } else {
                int start = at[0];
                while (at[0] < s.length() && (Character.isLetterOrDigit(s.charAt(at[0])) || s.charAt(at[0]) == '_')) {
                    at[0]++;
                }
                if (at[0] == start || Character.isDigit(s.charAt(start))) {
                    throw new ChatTemplateException("expected a name in the for loop's targets '" + s + "'");
                }
                out.add(s.substring(start, at[0]));
            }
            skipSpaces(s, at);
            if (at[0] >= s.length() || s.charAt(at[0]) != ',') {
                return comma ? out : out.get(0);
            }
            at[0]++;
            comma = true;
            skipSpaces(s, at);
            if (at[0] >= s.length() || s.charAt(at[0]) == ')') {
                return out; // a trailing comma: (a, b,), (a,)
            }
        }
    }

    private static void skipSpaces(String s, int[] at) {
        while (at[0] < s.length() && Character.isWhitespace(s.charAt(at[0]))) {
            at[0]++;
        }
    }

    /** An item unpacked over nested targets: the values of the loop variables, and the item for loop.previtem. */
    private static final class Unpacked extends AbstractList<Object> {
        final Object item;
        private final List<Object> values;

        Unpacked(Object item, List<Object> values) {
            this.item = item;
            this.values = values;
        }

        @Override
        public Object get(int index) {
            return values.get(index);
        }

        @Override
        public int size() {
            return values.size();
        }
    }

    /** The names of nested targets, in order. */
    private static void names(Object target, List<String> out) {
        if (target instanceof List<?> targets) {
            targets.forEach(t -> names(t, out));
        } else {
            out.add((String) target);
        }
    }

    /** {@code item} unpacked over nested targets as Python unpacks it, the values in the order of {@link #names}. */
    private static void flatten(Object item, List<?> pattern, List<Object> out) {
        List<?> values = PySetTag.unpack(item, pattern.size(), "for");
        for (int i = 0; i < pattern.size(); i++) {
            if (pattern.get(i) instanceof List<?> inner) {
                flatten(values.get(i), inner, out);
            } else {
                out.add(values.get(i));
            }
        }
    }

    /**
     * A recursive loop being rendered: what {@code loop(items)} renders again, one level deeper, and the scope the loop
     * tag is in, the only one a deeper level sees (as a Jinja2 loop body is a function defined there).
     */
    private record Recursion(TagNode body, List<String> loopVars, List<Object> pattern, String condition, int depth,
            Context closure) {}

    /**
     * {@code loop(items)} in the body of a {@code {% for ... recursive %}}: the body rendered for {@code items}, with
     * {@code loop.depth} one more, seeing the names of the scope the loop is in but not those its caller's item set (in
     * Jinja2 the deeper level is a call of the loop body, which closes over the loop's scope: Jinjava rendered it inside
     * the calling item, whose {@code set} it then saw). Public static for Jinjava's function registry.
     */
    public static String recurse(Object collection) {
        JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
        if (interpreter == null || !(interpreter.getContext().get(RECURSION) instanceof Recursion r)) {
            throw new ChatTemplateException("loop() is called outside a recursive for loop ({% for x in xs recursive %})");
        }
        PyForTag tag = (PyForTag) r.body().getTag();
        List<?> items = walked(collection, r.loopVars(), r.pattern(), r.condition(), interpreter, r.body().getLineNumber());
        // the scopes between the call and the loop's own are hidden while the deeper level renders, then put back
        List<Map<String, Object>> between = new ArrayList<>();
        for (com.hubspot.jinjava.util.ScopeMap<String, Object> c = interpreter.getContext(); c != r.closure(); c = c.getParent()) {
            if (c == null) {
                between.clear(); // not inside the loop's scope (cannot happen): hide nothing rather than too much
                break;
            }
            between.add(c.getScope());
        }
        List<Map<String, Object>> saved = new ArrayList<>();
        for (Map<String, Object> scope : between) {
            saved.add(new java.util.LinkedHashMap<>(scope));
            scope.clear();
        }
        try {
            return tag.render(r.body(), interpreter, r.loopVars(), items, new Recursion(r.body(), r.loopVars(), r.pattern(),
                    r.condition(), r.depth() + 1, r.closure()));
        } finally {
            for (int i = 0; i < between.size(); i++) {
                between.get(i).clear();
                between.get(i).putAll(saved.get(i));
            }
        }
    }

    /** What the loop walks, as Jinjava's loop walks {@code collection}, in a list. */
    private static List<?> items(Object collection) {
        if (collection instanceof List<?> list) {
            return list;
        }
        List<Object> items = new ArrayList<>();
        ForLoop loop = ObjectIterator.getLoop(collection);
        while (loop.hasNext()) {
            items.add(loop.next());
        }
        return items;
    }

    /**
     * Jinjava's loop over {@code items}, in a scope of its own that holds them, where {@link LoopItems} finds
     * {@code loop.previtem} and {@code loop.nextitem}: Jinjava's loop object has neither.
     */
    private String render(TagNode node, JinjavaInterpreter interpreter, List<String> loopVars, List<?> items,
            Recursion recursion) {
        try (JinjavaInterpreter.InterpreterScopeClosable scope = interpreter.enterScope()) {
            interpreter.getContext().put(ITEMS, items);
            interpreter.getContext().put(CHANGED, new Object[] {CHANGED});
            interpreter.getContext().put(DEPTH, recursion == null ? 1 : recursion.depth());
            interpreter.getContext().put(RECURSION, recursion);
            // the body as one node that renders each item in a scope of its own (the parsed tree stays as it is)
            TagNode iteration = new TagNode(ITERATION, (TagToken) node.getMaster(), node.getSymbols());
            iteration.setChildren(new LinkedList<>(node.getChildren()));
            TagNode body = new TagNode(this, (TagToken) node.getMaster(), node.getSymbols());
            body.setChildren(new LinkedList<>(List.of(iteration)));
            return renderForCollection(body, interpreter, loopVars, items);
        }
    }

    /**
     * One item's rendering of a loop body, in a scope of its own: in Jinja2 a {@code {% set %}} in the body holds for the
     * rest of that item only, so {@code {% for m in messages %}{% if m.role == 'system' %}{% set sys = m %}{% endif %}}
     * has no {@code sys} at the next message, and {@code {% set x = x + 1 %}} starts from the outer {@code x} at every
     * item (Jinjava kept one scope for the whole loop: the first set leaked into every later item, and the prompt a
     * template built differed from transformers'). {@code namespace()} attributes are how a template carries a value
     * across items, as in Jinja2. A {@code continue} or {@code break} ends the item, as in Jinjava's loop.
     */
    private static final Tag ITERATION = new Tag() {
        private static final long serialVersionUID = 1L;

        @Override
        public String getName() {
            return "__kindling_loop_iteration__";
        }

        @Override
        public String interpret(TagNode node, JinjavaInterpreter interpreter) {
            return ScopedBlock.render(node.getChildren(), interpreter, Map.of());
        }
    };

    /** The name the items of the innermost loop being rendered are bound to; no template names a variable so. */
    private static final String ITEMS = "__kindling_loop_items__";
    /** The name of the innermost loop's last value given to {@code loop.changed} (at first this name: none yet). */
    private static final String CHANGED = "__kindling_loop_changed__";
    /** The names of the innermost loop's {@code loop.depth} and, in a recursive loop, its {@link Recursion}. */
    private static final String DEPTH = "__kindling_loop_depth__";
    private static final String RECURSION = "__kindling_loop_recursion__";

    /**
     * Jinja2's {@code loop.previtem} and {@code loop.nextitem}: the item before and after the current one,
     * undefined on the first and the last; {@code loop.changed(x)}: whether x differs from the value of its
     * previous call in this loop (true on the first call).
     */
    static final class LoopItems extends PyResolver {
        @Override
        public Object invoke(ELContext context, Object base, Object method, Class<?>[] paramTypes, Object[] params) {
            if (!(base instanceof ForLoop) || !"changed".equals(method)) {
                return null;
            }
            context.setPropertyResolved(true);
            JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
            if (interpreter == null || !(interpreter.getContext().get(CHANGED) instanceof Object[] last)) {
                return false;
            }
            List<Object> value = params == null ? List.of() : java.util.Arrays.asList(params);
            if (last[0] instanceof List<?> previous && PyEquality.equal(previous, value)) {
                return false;
            }
            last[0] = value;
            return true;
        }

        @Override
        public Object getValue(ELContext context, Object base, Object property) {
            if (!(base instanceof ForLoop loop) || !("previtem".equals(property) || "nextitem".equals(property)
                    || "depth".equals(property) || "depth0".equals(property))) {
                return null;
            }
            context.setPropertyResolved(true);
            JinjavaInterpreter interpreter = JinjavaInterpreter.getCurrent();
            if ("depth".equals(property) || "depth0".equals(property)) {
                int depth = interpreter != null && interpreter.getContext().get(DEPTH) instanceof Integer d ? d : 1;
                return "depth".equals(property) ? depth : depth - 1;
            }
            if (interpreter == null || !(interpreter.getContext().get(ITEMS) instanceof List<?> items)) {
                return null;
            }
            int at = loop.getIndex0() + ("previtem".equals(property) ? -1 : 1);
            Object item = at >= 0 && at < items.size() ? items.get(at) : null;
            return item instanceof Unpacked u ? u.item : item;
        }

        @Override
        public boolean isReadOnly(ELContext context, Object base, Object property) {
            return true;
        }
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
