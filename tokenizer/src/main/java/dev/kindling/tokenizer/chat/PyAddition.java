package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.javax.el.ExpressionFactory;

/**
 * The {@code +} of Jinja2 (Python's): str + str, number + number, list + list; any other pair
 * raises. A {@code |safe} string is markupsafe's Markup: what is added to it is HTML-escaped. Jinjava's own {@code +} turns the pair into text whenever one side is a string, so a
 * template concatenating {@code '<|user|>\n' + message['content']} rendered "null" for a None content,
 * "[{type=text, text=Hi}]" for a list of parts, "42" for a number, where transformers fails with
 * TypeError (or UndefinedError for a missing key): Kindling built a prompt the model was never
 * trained on instead of saying the conversation does not fit the template.
 */
final class PyAddition extends AstBinary.SimpleOperator {
    static final PyAddition OP = new PyAddition();

    private PyAddition() {}

    /**
     * A Jinjava whose expressions parse as Jinja2's ({@link PyParser}: its precedence, Python's operators) and test
     * by Python's truth value ({@link PyTruth}).
     */
    static Jinjava jinjava(JinjavaConfig config) {
        return new Jinjava(config) {
            private final ExpressionFactory factory = new ExpressionFactoryImpl(new Properties(), new PyTruth.Converter()) {
                @Override
                protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
                    return new ExtendedSyntaxBuilder(features) {
                        @Override
                        protected Parser createParser(String expression) {
                            return new PyParser(this, expression);
                        }
                    };
                }
            };

            @Override
            public ExpressionFactory getExpressionFactory() {
                return factory;
            }
        };
    }

    @Override
    protected Object apply(TypeConverter converter, Object a, Object b) {
        if (isStr(a) && isStr(b)) {
            if (a instanceof SafeString || b instanceof SafeString) {
                // Markup (the safe filter's) + str escapes the str, as markupsafe does: functionary's templates
                // build '...'|safe + tool | tojson, and transformers renders the JSON's quotes as &#34;
                return new SafeString(markup(a) + markup(b));
            }
            return a.toString() + b;
        }
        if (PyEquality.isNumber(a) && PyEquality.isNumber(b)) {
            return PyArithmetic.apply("+", a, b);
        }
        if (a instanceof List<?> x && b instanceof List<?> y && (a instanceof PyTuple) == (b instanceof PyTuple)) {
            List<Object> out = new ArrayList<>(x.size() + y.size());
            out.addAll(x);
            out.addAll(y);
            return a instanceof PyTuple ? new PyTuple(out) : out;
        }
        throw new ChatTemplateException("unsupported operand type(s) for +: '" + typeName(a) + "' and '" + typeName(b)
                + "' (Jinja2 raises TypeError, or UndefinedError for a missing value)");
    }

    /** markupsafe's escape of a plain str; a Markup (SafeString) as it is. */
    private static String markup(Object o) {
        String s = o.toString();
        if (o instanceof SafeString) {
            return s;
        }
        StringBuilder sb = new StringBuilder(s.length() + 16);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&#34;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }

    static boolean isStr(Object o) {
        return o instanceof CharSequence || o instanceof SafeString;
    }

    /** The Python type name of a template value. */
    static String typeName(Object o) {
        if (o == null || o instanceof PyNone) {
            return "NoneType";
        } else if (isStr(o)) {
            return "str";
        } else if (o instanceof Boolean) {
            return "bool";
        } else if (o instanceof Double || o instanceof Float) {
            return "float";
        } else if (o instanceof Number) {
            return "int";
        } else if (o instanceof PyTuple) {
            return "tuple";
        } else if (o instanceof PyRange) {
            return "range";
        } else if (o instanceof PyNamespace) {
            return "Namespace";
        } else if (o instanceof PyGlobals.Global g) {
            return g.repr().startsWith("<class") ? "type" : "function";
        } else if (o instanceof List<?>) {
            return "list";
        } else if (o instanceof Map<?, ?>) {
            return "dict";
        } else if (o instanceof Collection<?>) {
            return "set";
        }
        return o.getClass().getSimpleName(); // Cycler, Joiner as Python names their classes
    }

    /**
     * Whether Python refuses to iterate {@code o}: None, a number, a bool, a namespace, cycler, joiner or global
     * (Jinjava walked such a value as a list of one).
     */
    static boolean notIterable(Object o) {
        return o instanceof PyNone || o instanceof Number || o instanceof Boolean || o instanceof PyNamespace
                || o instanceof PyGlobals.Cycler || o instanceof PyCall.Callable;
    }

    @Override
    public String toString() {
        return "+";
    }
}
