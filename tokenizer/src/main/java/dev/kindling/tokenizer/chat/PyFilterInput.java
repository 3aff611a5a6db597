package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.Map;
import java.util.Set;

/**
 * Jinja2's filters that take a sequence raise, as Python does, when given None, a number or a bool:
 * {@code none|length} is TypeError "object of type 'NoneType' has no len()", {@code none|first} "'NoneType'
 * object is not iterable". Jinjava's took such a value for a list of one or for nothing ({@code none|length} was
 * 0, {@code none|list} was {@code [None]}, {@code none|join} was "None"), so a template measuring a missing
 * {@code tool_calls} rendered a prompt where transformers fails. {@code map}, {@code select}, {@code reject},
 * {@code selectattr} and {@code rejectattr} walk only a true value, as Jinja2's do: a false one gives nothing.
 * Undefined is an empty sequence, as in Jinja2 ({@code x|list} is {@code []}, {@code x|sum} 0; Jinjava's list gave
 * Undefined back), except to {@code dictsort}, which raises. Those that walk their input walk a str by character, as
 * Python does: {@code 'ab'|first} is {@code a}, {@code 'ab'|join('-')} is {@code a-b}; {@code length} counts a str's
 * code points (an emoji is one, two in Jinjava's UTF-16 count) and {@code list} of a dict is its keys.
 */
final class PyFilterInput implements AdvancedFilter {
    private static final String NO_LEN = "object of type '%s' has no len()";
    private static final String NOT_ITERABLE = "'%s' object is not iterable";

    /** Filters that walk a str as Python does, by character; Jinjava's took a str for a list of one item. */
    private static final Set<String> WALK_STR = Set.of("first", "last", "join", "list", "sort", "unique", "batch", "slice", "map",
            "select", "reject");

    private final Filter filter;
    private final String message;
    private final boolean falseGivesNothing;
    private final boolean walksStr;

    private PyFilterInput(Filter filter, String message, boolean falseGivesNothing) {
        this.filter = filter;
        this.message = message;
        this.falseGivesNothing = falseGivesNothing;
        this.walksStr = WALK_STR.contains(filter.getName());
    }

    /** Replaces the context's sequence filters with ones that raise as Jinja2's do; after any Py filter is registered. */
    static void install(Context context) {
        for (String name : new String[] {"length", "count", "truncate"}) {
            wrap(context, name, NO_LEN, false);
        }
        for (String name : new String[] {"first", "join", "list", "sort", "unique", "sum", "max", "min", "batch", "slice", "groupby"}) {
            wrap(context, name, NOT_ITERABLE, false);
        }
        wrap(context, "last", "'%s' object is not reversible", false);
        wrap(context, "reverse", "argument must be iterable (got %s)", false);
        wrap(context, "dictsort", "'%s' object has no attribute 'items'", false);
        for (String name : new String[] {"map", "select", "reject", "selectattr", "rejectattr"}) {
            wrap(context, name, NOT_ITERABLE, true);
        }
    }

    private static void wrap(Context context, String name, String message, boolean falseGivesNothing) {
        context.registerFilter(new PyFilterInput(context.getFilter(name), message, falseGivesNothing));
    }

    @Override
    public String getName() {
        return filter.getName();
    }

    @Override
    public boolean preserveSafeString() {
        return filter.preserveSafeString();
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        if (falseGivesNothing && var != null && !PyTruth.of(var)) {
            return new ArrayList<>();
        }
        if (var == null && !getName().equals("truncate")) {
            if (getName().equals("dictsort")) {
                throw new ChatTemplateException("dictsort: Undefined has no attribute 'items' (Jinja2 raises UndefinedError)");
            }
            // Undefined iterates as an empty sequence: x|list is [], x|sum 0, x|reverse|list []
            return filter.filter(new ArrayList<>(), interpreter, args, kwargs);
        }
        if (PyAddition.notIterable(var)) {
            throw new ChatTemplateException(getName() + ": " + String.format(message, PyAddition.typeName(var)));
        }
        boolean str = var instanceof CharSequence || var instanceof SafeString;
        if (str && (getName().equals("length") || getName().equals("count"))) {
            return var.toString().codePointCount(0, var.toString().length()); // len() counts code points
        }
        if (var instanceof Map<?, ?> m && getName().equals("list")) {
            return new ArrayList<>(m.keySet()); // list(d) is its keys; Jinjava's was [d]
        }
        if (str && getName().equals("reverse")) {
            return new StringBuilder(var.toString()).reverse().toString(); // value[::-1], by code points (surrogate pairs kept)
        }
        if (walksStr && str) {
            return filter.filter(var.toString().codePoints().mapToObj(Character::toString).toList(), interpreter, args, kwargs);
        }
        return filter.filter(var, interpreter, args, kwargs);
    }
}
