package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.fn.MacroFunction;
import com.hubspot.jinjava.lib.tag.CallTag;
import com.hubspot.jinjava.tree.TagNode;
import java.util.LinkedHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Jinjava's {@code call} with Jinja2's call block arguments: {@code {% call(x, y='d') m() %}} makes the block a
 * {@code caller} taking those parameters, so that the macro's {@code caller(1, 2)} passes them in. Jinjava read
 * the parenthesised part as the expression to call. Without arguments it is Jinjava's.
 */
final class PyCallTag extends CallTag {
    private static final Pattern PARAM = Pattern.compile("\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*(?:=(.*))?", Pattern.DOTALL);

    @Override
    public String interpret(TagNode tagNode, JinjavaInterpreter interpreter) {
        String helpers = tagNode.getHelpers().trim();
        if (!helpers.startsWith("(")) {
            return super.interpret(tagNode, interpreter);
        }
        int close = TopLevel.find(helpers, 1, i -> helpers.charAt(i) == ')');
        if (close < 0) {
            throw new ChatTemplateException("call block arguments without a closing ')' in {% call " + helpers + " %} (line "
                    + tagNode.getLineNumber() + ")");
        }
        LinkedHashMap<String, Object> params = new LinkedHashMap<>();
        String list = helpers.substring(1, close);
        for (int start = 0; start < list.length() && !list.isBlank(); ) {
            int comma = TopLevel.find(list, start, i -> list.charAt(i) == ',');
            String param = list.substring(start, comma < 0 ? list.length() : comma);
            Matcher m = PARAM.matcher(param);
            if (!m.matches()) {
                throw new ChatTemplateException("expected a parameter name, got '" + param.trim() + "' in {% call " + helpers
                        + " %} (line " + tagNode.getLineNumber() + ")");
            }
            params.put(m.group(1), m.group(2) == null ? null : interpreter.resolveELExpression(m.group(2), tagNode.getLineNumber()));
            start = comma < 0 ? list.length() : comma + 1;
        }
        String call = "{{ " + helpers.substring(close + 1).trim() + " }}";
        try (JinjavaInterpreter.InterpreterScopeClosable c = interpreter.enterNonStackingScope()) {
            MacroFunction caller = new MacroFunction(tagNode.getChildren(), "caller", params, true, interpreter.getContext(),
                    interpreter.getLineNumber(), interpreter.getPosition());
            interpreter.getContext().addGlobalMacro(caller);
            return interpreter.render(call);
        }
    }
}
