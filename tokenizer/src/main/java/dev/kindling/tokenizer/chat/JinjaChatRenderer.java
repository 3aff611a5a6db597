package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import java.util.Map;

/** Renders one chat template with Jinjava; errors become {@link ChatTemplateException}. */
public final class JinjaChatRenderer {
    private final String source;
    private final Jinjava jinjava;

    public JinjaChatRenderer(String source) {
        this.source = source;
        this.jinjava = new Jinjava(JinjavaConfig.newBuilder().withTrimBlocks(false).withLstripBlocks(false).build());
    }

    public String render(Map<String, Object> vars) {
        RenderResult r = jinjava.renderForResult(source, vars);
        for (TemplateError e : r.getErrors()) {
            if (e.getSeverity() == TemplateError.ErrorType.FATAL) {
                throw new ChatTemplateException("chat template failed: " + e.getMessage() + " (line " + e.getLineno() + ")");
            }
        }
        return r.getOutput();
    }
}
