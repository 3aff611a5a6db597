package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.AdvancedFilter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import java.util.Map;

/**
 * Jinja2's string filters take {@code str(value)} of a value that is not a str: {@code none|upper} is
 * {@code NONE}, {@code true|lower} {@code true}, {@code ['ab']|upper} {@code ['AB']}. Jinjava's gave back a
 * value that is not a string unchanged ({@code None}, {@code True}) or used Java's text of it ({@code true|replace}
 * gave {@code true}, a list {@code [ab]}). Undefined stays "", as in Jinja2.
 */
final class PyStrInput implements AdvancedFilter {
    private final Filter filter;

    private PyStrInput(Filter filter) {
        this.filter = filter;
    }

    /** Replaces the context's string filters with ones that take Python's str() of their input. */
    static void install(Context context) {
        for (String name : new String[] {"upper", "lower", "capitalize", "replace", "center", "format", "striptags", "escape", "e",
                "wordcount"}) {
            context.registerFilter(new PyStrInput(context.getFilter(name)));
        }
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
        boolean str = var == null || var instanceof CharSequence || var instanceof SafeString;
        return filter.filter(str ? var : PyStr.str(var), interpreter, args, kwargs);
    }
}
