package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.el.JinjavaInterpreterResolver;
import com.hubspot.jinjava.interpret.Context;
import com.hubspot.jinjava.interpret.InterpretException;
import com.hubspot.jinjava.interpret.InterpreterFactory;
import com.hubspot.jinjava.interpret.InvalidArgumentException;
import com.hubspot.jinjava.interpret.InvalidInputException;
import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.interpret.TemplateSyntaxException;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import com.hubspot.jinjava.tree.Node;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import jinjava.javax.el.CompositeELResolver;

/**
 * Renders a chat template with Jinjava, configured to behave like the environment
 * {@code transformers} renders chat templates in: {@code trim_blocks} and {@code lstrip_blocks}
 * on, loop controls, Jinja2's globals and transformers' {@code raise_exception(msg)} and {@code strftime_now(fmt)} as
 * values ({@link PyGlobals}), and
 * {@code tojson} as Python's {@code json.dumps} ({@link PyJson}), {@code trim} as Python's {@code str.strip}
 * ({@link PyTrim}), the Python string methods templates call ({@code .startswith()}, {@code .strip('\n')},
 * {@code .split()} ...; see {@link PyStringMethods}), expressions parsed with Jinja2's precedence and evaluated with
 * Python's operators ({@link PyParser}: str + None raises, {@code -7 % 3} is 2, {@code 2**70}, tuples), {@code set}
 * unpacking a pair ({@link PySetTag}), values output as Python's {@code str()} ({@link PyStr}: {@code True}, {@code ['a']}).
 * Slices ({@code xs[1:]}, {@code s[::-1]}), which Jinjava parses without a step and counts in UTF-16 units, are rewritten
 * to a filter ({@link PySlice}); {@code for} has Jinja2's
 * {@code else} and {@code if} filter ({@link PyForTag}). Python's None is an object of its own ({@link PyNone}),
 * apart from Jinjava's null, which is Jinja2's Undefined.
 * Errors (including the template's own {@code raise_exception}) become {@link ChatTemplateException}.
 */
public final class JinjaChatRenderer {
    private final String source;
    private final Jinjava jinjava;
    /**
     * {@link #source} parsed once, rendered by every call: parsing was about a fifth of a render, and Spark
     * renders once per row. Rendering only reads the tree (Jinjava's tags keep their state in the interpreter,
     * PyForTag builds a node of its own for a loop with an else), so threads share it. Null when parsing
     * failed: each render then parses again, so that it reports the errors as it always has.
     */
    private final Node parsed;
    /** Nested calls of one macro before rendering fails; Python stops a runaway recursion too (RecursionError). */
    private static final int MAX_MACRO_DEPTH = 200;

    public JinjaChatRenderer(String template) {
        this.source = rewrite(template);
        CompositeELResolver resolver = new CompositeELResolver();
        resolver.add(new PySandbox());
        resolver.add(new PyNamespace.Attributes());
        resolver.add(new PyStringMethods());
        resolver.add(new PyListMethods());
        resolver.add(new PyDictGet());
        resolver.add(new PyForTag.LoopItems());
        resolver.add(new PySequenceFilters.Group.Attributes());
        resolver.add(new PyCall.Stored());
        resolver.add(JinjavaInterpreterResolver.DEFAULT_RESOLVER_READ_WRITE);
        // Nested interpretation off: Jinjava would otherwise render a value that holds "{{" or "{%" as a
        // template in turn, so a message saying "{{ bos_token }}" came out as "<s>" (and any template
        // syntax in user text ran); Jinja2 outputs values as they are. A for loop over a dict walks its
        // keys, as in Python (Jinjava's default is its values). Whitespace control is parsed strictly:
        // WhitespaceControl has already taken every '-' marker out, and Jinjava's lenient parsing also read
        // the minus of {{ -1 }} as one (after the space), so a negative number printed as positive. Natural
        // operator precedence keeps Jinjava's value() from taking the filters: PyParser places them as Jinja2 does.
        // A name as a dict literal's key is the variable's value, as in Jinja2 ({k: v} was {'k': v}).
        LegacyOverrides overrides = LegacyOverrides.newBuilder().withIterateOverMapKeys(true).withEvaluateMapKeys(true)
                .withParseWhitespaceControlStrictly(true).withUseNaturalOperatorPrecedence(true).build();
        this.jinjava = PyAddition.jinjava(JinjavaConfig.newBuilder().withTrimBlocks(false).withLstripBlocks(false)
                .withNestedInterpretationEnabled(false).withElResolver(resolver).withLegacyOverrides(overrides)
                // a macro may call itself, as in Jinja2 (Command R's and Hermes' json_to_python_type for nested
                // arrays); Jinjava's default refused the call and output "" in its place
                .withEnableRecursiveMacroCalls(true).withMaxMacroRecursionDepth(MAX_MACRO_DEPTH)
                .withInterperterFactory(new PythonOutputInterpreterFactory()).build());
        jinjava.getGlobalContext().registerFilter(new PyJson());
        jinjava.getGlobalContext().registerFilter(new PyTrim());
        jinjava.getGlobalContext().registerFilter(new PyItems());
        jinjava.getGlobalContext().registerFilter(new PyStringFilter());
        jinjava.getGlobalContext().registerFilter(new PyPprint());
        jinjava.getGlobalContext().registerFilter(new PyIndent());
        jinjava.getGlobalContext().registerFilter(new PyRound());
        jinjava.getGlobalContext().registerFilter(PyNumberFilters.INT);
        jinjava.getGlobalContext().registerFilter(PyNumberFilters.FLOAT);
        jinjava.getGlobalContext().registerFilter(new PyDefault("default"));
        jinjava.getGlobalContext().registerFilter(new PyDefault("d"));
        jinjava.getGlobalContext().registerFilter(PySelect.SELECT);
        jinjava.getGlobalContext().registerFilter(PySelect.REJECT);
        jinjava.getGlobalContext().registerFilter(PyMinMax.max());
        jinjava.getGlobalContext().registerFilter(PyMinMax.min());
        for (Filter f : PySequenceFilters.all(Map.of("map", jinjava.getGlobalContext().getFilter("map")))) {
            jinjava.getGlobalContext().registerFilter(f);
        }
        for (Filter f : PyTextFilters.all(jinjava.getGlobalContext().getFilter("attr"))) {
            jinjava.getGlobalContext().registerFilter(f);
        }
        PyFilterInput.install(jinjava.getGlobalContext());
        PyStrInput.install(jinjava.getGlobalContext());
        jinjava.getGlobalContext().registerExpTest(new PyIterableTest());
        jinjava.getGlobalContext().registerExpTest(new PyIterableTest.Sequence());
        PyTests.all().forEach(jinjava.getGlobalContext()::registerExpTest);
        jinjava.getGlobalContext().registerTag(new PyForTag());
        jinjava.getGlobalContext().registerTag(new PyFilterTag());
        jinjava.getGlobalContext().registerTag(new PyTruth.IfTag());
        jinjava.getGlobalContext().registerTag(new PySetTag());
        jinjava.getGlobalContext().registerTag(new PyCallTag());
        jinjava.getGlobalContext().registerTag(new PyWithTag());
        jinjava.getGlobalContext().registerTag(new PyGenerationTag());
        jinjava.getGlobalContext().registerExpTest(new PyNone.IsNone());
        // Jinja2's none/None literal; in Jinjava it was an undefined name, null
        jinjava.getGlobalContext().put("none", PyNone.NONE);
        jinjava.getGlobalContext().put("None", PyNone.NONE);
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", PySlice.NAME, PySlice.class, "slice",
                Object.class, Object.class, Object.class, Object.class));
        jinjava.getGlobalContext().registerFunction(new ELFunctionDefinition("", "loop", PyForTag.class, "recurse", Object.class));
        // Jinja2's and transformers' globals are values, called by name or through any variable holding them
        // ({@link PyCall}), and defined: 'strftime_now is defined' holds as in transformers, where Llama 3.x's
        // templates otherwise fall back to a fixed "26 Jul 2024" as today's date
        PyGlobals.all().forEach(jinjava.getGlobalContext()::put);
        this.parsed = parseWithoutErrors(jinjava, source);
    }

    /** {@code source} parsed as a render parses it; null when parsing reports an error or throws. */
    private static Node parseWithoutErrors(Jinjava jinjava, String source) {
        JinjavaInterpreter parser = jinjava.newInterpreter();
        // current while it parses, as in a render: the tokens read the strict whitespace parsing from it
        JinjavaInterpreter.pushCurrent(parser);
        try {
            Node tree = parser.parse(source);
            return parser.getErrorsCopy().isEmpty() ? tree : null;
        } catch (RuntimeException e) {
            return null;
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    /**
     * An interpreter that outputs a value as Jinja2 does, with Python's {@code str()} ({@code True},
     * {@code 1e-05}, {@code ['a']}, {@code None}); null stays "" (Jinja2's Undefined: a variable the caller did not pass).
     */
    private static final class PythonOutputInterpreter extends JinjavaInterpreter {
        PythonOutputInterpreter(JinjavaInterpreter orig) {
            super(orig);
        }

        PythonOutputInterpreter(Jinjava jinjava, Context context, JinjavaConfig config) {
            super(jinjava, context, config);
        }

        @Override
        public String getAsString(Object value) {
            return PyStr.str(value); // null, Undefined, is ""
        }
    }

    private static final class PythonOutputInterpreterFactory implements InterpreterFactory {
        @Override
        public JinjavaInterpreter newInstance(JinjavaInterpreter orig) {
            return new PythonOutputInterpreter(orig);
        }

        @Override
        public JinjavaInterpreter newInstance(Jinjava jinjava, Context context, JinjavaConfig config) {
            return new PythonOutputInterpreter(jinjava, context, config);
        }
    }

    /**
     * The source as Jinjava should see it: Jinja2's whitespace control, trim_blocks and
     * lstrip_blocks applied ({@link WhitespaceControl}), slices as {@link PySlice}, and keyword
     * arguments of {@code namespace(...)} parenthesised (Jinjava would apply a filter in
     * {@code namespace(n=xs|length - 1)} to the whole named parameter).
     */
    static String rewrite(String template) {
        String s = WhitespaceControl.apply(jinja2Newlines(template), true, true);
        s = PySlice.rewrite(s);
        StringBuilder out = new StringBuilder(s.length() + 16);
        int i = 0;
        while (true) {
            int k = s.indexOf("namespace(", i);
            if (k < 0) {
                out.append(s, i, s.length());
                return out.toString();
            }
            int open = k + "namespace(".length();
            out.append(s, i, open);
            int close = matching(s, open - 1);
            if (close < 0) {
                out.append(s, open, s.length());
                return out.toString();
            }
            List<String> args = splitArgs(s.substring(open, close));
            for (int a = 0; a < args.size(); a++) {
                String arg = args.get(a);
                java.util.regex.Matcher m = KWARG.matcher(arg);
                out.append(a > 0 ? "," : "").append(m.matches() ? m.group(1) + "=(" + m.group(2) + ")" : arg);
            }
            out.append(')');
            i = close + 1;
        }
    }

    /**
     * The source as Jinja2's lexer reads it (keep_trailing_newline off, newline_sequence "\n"): every {@code \r\n} and
     * {@code \r} is {@code \n}, in text and in string literals alike, and one newline at the very end is dropped. A
     * template file ending in a newline otherwise rendered one more "\n" after the generation prompt than transformers.
     */
    static String jinja2Newlines(String template) {
        String s = template.indexOf('\r') < 0 ? template : template.replace("\r\n", "\n").replace('\r', '\n');
        return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
    }

    private static final Pattern KWARG = Pattern.compile("(?s)(\\s*[A-Za-z_][A-Za-z0-9_]*\\s*)=(?!=)(.*)");

    /** Index of the parenthesis closing the one at {@code open}, skipping strings; -1 if none. */
    private static int matching(String s, int open) {
        return TopLevel.find(s, open + 1, i -> ")]}".indexOf(s.charAt(i)) >= 0);
    }

    private static List<String> splitArgs(String s) {
        List<String> out = new ArrayList<>();
        int start = 0;
        for (int comma; (comma = TopLevel.find(s, start, i -> s.charAt(i) == ',')) >= 0; start = comma + 1) {
            out.add(s.substring(start, comma));
        }
        out.add(s.substring(start));
        return out;
    }

    /** Renders with {@code vars}; a null in them, at any depth, is Python's None ({@link PyNone}). */
    public String render(Map<String, Object> vars) {
        Map<String, Object> pyVars = new HashMap<>();
        vars.forEach((k, v) -> pyVars.put(k, PyNone.fromJava(v)));
        RenderResult r;
        try {
            r = parsed == null ? jinjava.renderForResult(source, pyVars) : renderParsed(pyVars);
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template failed: " + rootMessage(e), e);
        }
        for (TemplateError e : r.getErrors()) {
            // Jinjava reports some exceptions (a macro past its recursion limit) and syntax errors (a stray {% endfor %})
            // as warnings and goes on with ""; Jinja2 raises for both
            if (e.getSeverity() == TemplateError.ErrorType.FATAL || e.getReason() == TemplateError.ErrorReason.EXCEPTION
                    || e.getReason() == TemplateError.ErrorReason.SYNTAX_ERROR) {
                String msg = pythonNames(e.getMessage());
                if (e.getException() != null) {
                    msg = rootMessage(e.getException());
                }
                throw new ChatTemplateException("chat template failed at line " + e.getLineno() + ": " + msg);
            }
        }
        return r.getOutput();
    }

    /**
     * What {@code jinjava.renderForResult(source, vars)} returns, rendering {@link #parsed} instead of parsing
     * the source: a fresh context and interpreter, and an exception turned into an error as it does.
     */
    private RenderResult renderParsed(Map<String, Object> vars) {
        JinjavaConfig config = jinjava.getGlobalConfig();
        Context context = new Context(jinjava.getGlobalContextCopy(), vars, config.getDisabled());
        JinjavaInterpreter interpreter = config.getInterpreterFactory().newInstance(jinjava, context, config);
        JinjavaInterpreter.pushCurrent(interpreter);
        try {
            String out = interpreter.render(parsed);
            return new RenderResult(out, interpreter.getContext(), interpreter.getErrorsCopy());
        } catch (TemplateSyntaxException e) {
            return new RenderResult(TemplateError.fromException(e), interpreter.getContext(), interpreter.getErrorsCopy());
        } catch (InterpretException e) {
            return new RenderResult(TemplateError.fromSyntaxError(e), interpreter.getContext(), interpreter.getErrorsCopy());
        } catch (InvalidArgumentException e) {
            return new RenderResult(TemplateError.fromInvalidArgumentException(e), interpreter.getContext(),
                    interpreter.getErrorsCopy());
        } catch (InvalidInputException e) {
            return new RenderResult(TemplateError.fromInvalidInputException(e), interpreter.getContext(),
                    interpreter.getErrorsCopy());
        } catch (Exception e) {
            return new RenderResult(TemplateError.fromException(e), interpreter.getContext(), interpreter.getErrorsCopy());
        } finally {
            JinjavaInterpreter.popCurrent();
        }
    }

    /** What transformers appends to the final message to find where it ends in the rendered chat. */
    static final String CONTINUE_TAG = "CONTINUE_FINAL_MESSAGE_TAG ";

    /**
     * Renders {@code messages} with {@code render} (without the generation prompt) cut right after the final message's
     * text, so that the model continues that message instead of the template closing it, as transformers'
     * {@code apply_chat_template(continue_final_message=True)} does: the text (a string, or the last part with a "text" of
     * a list of parts) gets a marker appended, and the render is cut at the marker's last occurrence (with the whitespace
     * before it when the template trimmed the text's end). Searching for the text itself found it, or an empty one, in
     * what the template writes after the message ("<" in "<|im_end|>", "a" in "assistant"). Raises when the final message
     * has no text or the template did not output it.
     */
    public static String continueFinalMessage(List<? extends Map<String, ?>> messages,
            java.util.function.Function<List<Map<String, ?>>, String> render) {
        Map<String, ?> last = messages.get(messages.size() - 1);
        Object content = last.get("content");
        if (content == null || content instanceof PyNone) {
            throw new ChatTemplateException("continue_final_message is set but the final message has no \"content\" to continue!");
        }
        Map<String, Object> tagged = new java.util.LinkedHashMap<>(last);
        String finalMessage = null;
        if (content instanceof List<?> parts) {
            List<Object> copy = new ArrayList<>(parts);
            for (int i = parts.size() - 1; i >= 0 && finalMessage == null; i--) {
                if (parts.get(i) instanceof Map<?, ?> part && part.containsKey("text")) {
                    if (!(part.get("text") instanceof String text)) {
                        throw new ChatTemplateException("continue_final_message: the text of the final message's part " + i + " is "
                                + PyAddition.typeName(part.get("text")) + ", not text");
                    }
                    finalMessage = text;
                    Map<Object, Object> taggedPart = new java.util.LinkedHashMap<>(part);
                    taggedPart.put("text", text + CONTINUE_TAG);
                    copy.set(i, taggedPart);
                }
            }
            if (finalMessage == null) {
                throw new ChatTemplateException("continue_final_message is set but we could not find any text to continue in the final message!");
            }
            tagged.put("content", copy);
        } else if (content instanceof String text) {
            finalMessage = text;
            tagged.put("content", text + CONTINUE_TAG);
        } else {
            throw new ChatTemplateException("continue_final_message: the final message's content is " + PyAddition.typeName(content)
                    + ", not text");
        }
        List<Map<String, ?>> chat = new ArrayList<>(messages);
        chat.set(chat.size() - 1, tagged);
        String rendered = render.apply(chat);
        int at = rendered.lastIndexOf(CONTINUE_TAG.strip());
        if (at < 0 || !rendered.contains(PyStringMethods.strip(finalMessage, null))) {
            throw new ChatTemplateException("continue_final_message is set but the final message does not appear in the chat after "
                    + "applying the chat template! This can happen if the chat template deletes portions of the final message.");
        }
        // the template kept the marker's space, so the text's own end is as written; else it trimmed the end: cut the
        // whitespace before the marker too
        return rendered.startsWith(CONTINUE_TAG, at) ? rendered.substring(0, at) : PyStringMethods.rstrip(rendered.substring(0, at), null);
    }

    private static String rootMessage(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            if (c instanceof ChatTemplateException) {
                break;
            }
            c = c.getCause();
        }
        return pythonNames(c.getMessage());
    }

    private static final java.util.regex.Pattern NO_METHOD =
            java.util.regex.Pattern.compile("Cannot find method (\\w+) with \\d+ parameters in class ([\\w.$]+)");

    /**
     * Jinjava's "Cannot find method startswith with 1 parameters in class java.lang.Integer" (a method called on a value
     * that has none of that name: content given as a number) as Jinja2 says it: 'int object' has no attribute 'startswith'.
     */
    static String pythonNames(String message) {
        if (message == null) {
            return null;
        }
        java.util.regex.Matcher m = NO_METHOD.matcher(message);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String cls = m.group(2);
            String type = switch (cls) {
                case "java.lang.Integer", "java.lang.Long", "java.lang.Short", "java.lang.Byte", "java.math.BigInteger" -> "int";
                case "java.lang.Double", "java.lang.Float", "java.math.BigDecimal" -> "float";
                case "java.lang.Boolean" -> "bool";
                case "java.lang.String" -> "str";
                default -> cls.endsWith("List") ? "list" : cls.endsWith("Map") ? "dict" : cls.substring(cls.lastIndexOf('.') + 1);
            };
            m.appendReplacement(out, java.util.regex.Matcher.quoteReplacement("'" + type + " object' has no attribute '" + m.group(1) + "'"));
        }
        m.appendTail(out);
        return out.toString();
    }
}
