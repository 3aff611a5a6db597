package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.el.ExtendedSyntaxBuilder;
import com.hubspot.jinjava.el.ext.AdditionOperator;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import com.hubspot.jinjava.objects.SafeString;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import jinjava.de.odysseus.el.ExpressionFactoryImpl;
import jinjava.de.odysseus.el.misc.NumberOperations;
import jinjava.de.odysseus.el.misc.TypeConverter;
import jinjava.de.odysseus.el.tree.TreeBuilder;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Parser;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;
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
     * A Jinjava whose expressions use this {@code +}, Python's {@code ==} and {@code !=} ({@link PyEquality}) and
     * {@code and} ({@link PyAnd}), {@code *} ({@link PyMultiplication}), Python's truth value ({@link PyTruth}),
     * string literals as Jinja2 decodes them ({@link PyStringLiteral}),
     * {@code not} binding as in Python, raise for an attribute or item of an undefined value
     * ({@link PyUndefinedAccess}), and keep a name bound to an undefined value undefined ({@link PyUndefinedBinding}).
     */
    static Jinjava jinjava(JinjavaConfig config) {
        return new Jinjava(config) {
            private final ExpressionFactory factory = new ExpressionFactoryImpl(new Properties(), new PyTruth.Converter()) {
                @Override
                protected TreeBuilder createTreeBuilder(Properties properties, Builder.Feature... features) {
                    return new ExtendedSyntaxBuilder(features) {
                        @Override
                        protected Parser createParser(String expression) {
                            return new ExtendedParser(this, expression) {
                                @Override
                                protected Scanner createScanner(String input) {
                                    return new PyStringLiteral.PyScanner(input);
                                }

                                @Override
                                protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator op) {
                                    return super.createAstBinary(left, right, op == AdditionOperator.OP ? OP
                                            : op == AstBinary.EQ ? PyEquality.EQ : op == AstBinary.NE ? PyEquality.NE
                                            : op == AstBinary.AND ? PyAnd.OP : op == AstBinary.MUL ? PyMultiplication.OP : op);
                                }

                                // Python's not takes a comparison: not x|length == 1 is not (x|length == 1). Java EL's
                                // binds as tightly as unary minus, (not x|length) == 1, which is False for any list
                                // and made Llama 3.x templates accept several tool calls they reject.
                                @Override
                                protected AstNode unary(boolean required) throws Scanner.ScanException, Parser.ParseException {
                                    if (getToken().getSymbol() == Scanner.Symbol.NOT) {
                                        consumeToken();
                                        return createAstUnary(eq(true), AstUnary.NOT);
                                    }
                                    return super.unary(required);
                                }

                                @Override
                                protected AstIdentifier createAstIdentifier(String name, int index) {
                                    return new PyUndefinedBinding(name, index);
                                }

                                @Override
                                protected AstDot createAstDot(AstNode object, String name, boolean lvalue) {
                                    AstNode checked = new PyUndefinedAccess(object);
                                    return PyDictMethodDot.METHODS.contains(name) ? new PyDictMethodDot(checked, name, lvalue)
                                            : super.createAstDot(checked, name, lvalue);
                                }

                                @Override
                                protected AstBracket createAstBracket(AstNode object, AstNode key, boolean lvalue, boolean strict) {
                                    return super.createAstBracket(new PyUndefinedAccess(object), key, lvalue, strict);
                                }
                            };
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
            return NumberOperations.add(converter, PyEquality.number(a), PyEquality.number(b));
        }
        if (a instanceof List<?> x && b instanceof List<?> y) {
            List<Object> out = new ArrayList<>(x.size() + y.size());
            out.addAll(x);
            out.addAll(y);
            return out;
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

    private static boolean isStr(Object o) {
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
        } else if (o instanceof List<?>) {
            return "list";
        } else if (o instanceof Map<?, ?>) {
            return "dict";
        } else if (o instanceof Collection<?>) {
            return "set";
        }
        return o.getClass().getSimpleName();
    }

    @Override
    public String toString() {
        return "+";
    }
}
