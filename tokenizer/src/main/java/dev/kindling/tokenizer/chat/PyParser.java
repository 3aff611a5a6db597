package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.AstDict;
import com.hubspot.jinjava.el.ext.ExtendedParser;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import jinjava.de.odysseus.el.tree.impl.Builder;
import jinjava.de.odysseus.el.tree.impl.Scanner;
import jinjava.de.odysseus.el.tree.impl.Scanner.Symbol;
import jinjava.de.odysseus.el.tree.impl.ast.AstBinary;
import jinjava.de.odysseus.el.tree.impl.ast.AstBracket;
import jinjava.de.odysseus.el.tree.impl.ast.AstDot;
import jinjava.de.odysseus.el.tree.impl.ast.AstEval;
import jinjava.de.odysseus.el.tree.impl.ast.AstIdentifier;
import jinjava.de.odysseus.el.tree.impl.ast.AstNode;
import jinjava.de.odysseus.el.tree.impl.ast.AstNumber;
import jinjava.de.odysseus.el.tree.impl.ast.AstParameters;
import jinjava.de.odysseus.el.tree.impl.ast.AstUnary;

/**
 * Jinjava's expression parser with Jinja2's grammar (jinja2/parser.py) from {@code not} down:
 * <pre>
 *   not      := 'not' not | compare
 *   compare  := math1 (('==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in') math1)*   chained as in Python
 *   math1    := concat (('+' | '-') concat)*
 *   concat   := math2 ('~' math2)*
 *   math2    := pow (('*' | '/' | '//' | '%') pow)*
 *   pow      := unary ('**' unary)*
 *   unary    := ('-' | '+') unary-without-filters | primary, then its filters and tests
 * </pre>
 * Java EL put {@code ~} with {@code +}, {@code **} with {@code *}, a filter before a unary minus
 * ({@code -3|abs} was -3), {@code ==} below {@code <} and {@code in}, and had no chained comparisons, no
 * {@code ()} or {@code (1,)}, no integer literal past a long. The operators are Python's ({@link PyAddition},
 * {@link PyArithmetic}, {@link PyOrdering}, {@link PyMembership}, ...). Also: string literals as Jinja2 decodes them
 * ({@link PyStringLiteral}), an attribute or item of an undefined value raises ({@link PyUndefinedAccess}),
 * and a name bound to an undefined value stays undefined ({@link PyUndefinedBinding}).
 */
class PyParser extends ExtendedParser {
    PyParser(Builder context, String input) {
        super(context, input);
    }

    @Override
    protected Scanner createScanner(String input) {
        return new PyScanner(input);
    }

    @Override
    protected Number parseInteger(String string) throws ParseException {
        try {
            return Long.parseLong(string);
        } catch (NumberFormatException e) {
            return new BigInteger(string); // Python's ints have no size limit
        }
    }

    @Override
    protected AstBinary createAstBinary(AstNode left, AstNode right, AstBinary.Operator op) {
        // the and of Jinjava's own parsing (or keeps Jinjava's: it already gives an operand)
        return super.createAstBinary(left, right, op == AstBinary.AND ? PyAnd.OP : op);
    }

    // Python's not takes a comparison: not x|length == 1 is not (x|length == 1). Java EL's bound as tightly
    // as unary minus, (not x|length) == 1, which is False for any list and made Llama 3.x templates accept
    // several tool calls they reject.
    /**
     * A whole expression, {@code #{...}}: as Jinja2's parse_tuple, items separated by commas are a tuple ({@code {{ 1, 2 }}}
     * prints (1, 2), {@code {% set ns.x = 1, 2 %}} sets it, {@code {{ 1, }}} is (1,)). Java EL refused the comma.
     */
    @Override
    protected AstEval eval(boolean required, boolean deferred) throws Scanner.ScanException, ParseException {
        Symbol start = deferred ? Symbol.START_EVAL_DEFERRED : Symbol.START_EVAL_DYNAMIC;
        if (getToken().getSymbol() != start) {
            return super.eval(required, deferred);
        }
        consumeToken();
        AstNode first = expr(true);
        if (getToken().getSymbol() != Symbol.COMMA) {
            consumeToken(Symbol.END_EVAL);
            return new AstEval(first, deferred);
        }
        List<AstNode> items = new ArrayList<>(List.of(first));
        while (getToken().getSymbol() == Symbol.COMMA) {
            consumeToken();
            if (getToken().getSymbol() == Symbol.END_EVAL) {
                break;
            }
            items.add(expr(true));
        }
        consumeToken(Symbol.END_EVAL);
        return new AstEval(new PyTuple.Ast(createAstParameters(items)), deferred);
    }

    @Override
    protected AstNode eq(boolean required) throws Scanner.ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.NOT) {
            consumeToken();
            return createAstUnary(eq(true), AstUnary.NOT);
        }
        return cmp(required);
    }

    @Override
    protected AstNode cmp(boolean required) throws Scanner.ScanException, ParseException {
        AstNode first = add(required);
        if (first == null) {
            return null;
        }
        List<AstNode> operands = new ArrayList<>(2);
        List<AstBinary.Operator> ops = new ArrayList<>(1);
        operands.add(first);
        for (AstBinary.Operator op; (op = comparison()) != null; ) {
            ops.add(op);
            operands.add(add(true));
        }
        if (ops.isEmpty()) {
            return first;
        }
        return ops.size() == 1 ? createAstBinary(operands.get(0), operands.get(1), ops.get(0)) : new PyComparisonChain(operands, ops);
    }

    /** The comparison operator at the current token, consumed; null if there is none. */
    private AstBinary.Operator comparison() throws Scanner.ScanException, ParseException {
        Scanner.Token t = getToken();
        AstBinary.Operator op = switch (t.getSymbol()) {
            case EQ -> PyEquality.EQ;
            case NE -> PyEquality.NE;
            case LT -> PyOrdering.LT;
            case LE -> PyOrdering.LE;
            case GT -> PyOrdering.GT;
            case GE -> PyOrdering.GE;
            case EXTENSION -> "in".equals(t.getImage()) ? PyMembership.IN : "not in".equals(t.getImage()) ? PyMembership.NOT_IN : null;
            default -> null;
        };
        if (op != null) {
            consumeToken();
            return op;
        }
        if (t.getSymbol() == Symbol.NOT && "in".equals(lookahead(0).getImage())) {
            consumeToken();
            consumeToken();
            return PyMembership.NOT_IN;
        }
        return null;
    }

    @Override
    protected AstNode add(boolean required) throws Scanner.ScanException, ParseException {
        AstNode v = concat(required);
        if (v == null) {
            return null;
        }
        while (true) {
            Scanner.Token t = getToken();
            if (t.getSymbol() == Symbol.PLUS) {
                consumeToken();
                v = createAstBinary(v, concat(true), PyAddition.OP);
            } else if (t.getSymbol() == Symbol.MINUS) {
                consumeToken();
                v = createAstBinary(v, concat(true), PyArithmetic.SUB);
            } else if (t.getSymbol() == Symbol.EXTENSION && "=".equals(t.getImage())) {
                // a keyword argument, f(name=value): the value is a whole expression, as in Jinja2
                v = getExtensionHandler(consumeToken()).createAstNode(v, expr(true));
            } else {
                return v;
            }
        }
    }

    private AstNode concat(boolean required) throws Scanner.ScanException, ParseException {
        AstNode v = mul(required);
        while (v != null && isExtension("~")) {
            consumeToken();
            v = createAstBinary(v, mul(true), PyConcat.OP);
        }
        return v;
    }

    @Override
    protected AstNode mul(boolean required) throws Scanner.ScanException, ParseException {
        AstNode v = pow(required);
        if (v == null) {
            return null;
        }
        while (true) {
            AstBinary.Operator op = switch (getToken().getSymbol()) {
                case MUL -> PyMultiplication.OP;
                case DIV -> PyArithmetic.DIV;
                case MOD -> PyArithmetic.MOD;
                default -> isExtension("//") ? PyArithmetic.FLOOR_DIV : null;
            };
            if (op == null) {
                return v;
            }
            consumeToken();
            v = createAstBinary(v, pow(true), op);
        }
    }

    private AstNode pow(boolean required) throws Scanner.ScanException, ParseException {
        AstNode v = unary(required);
        while (v != null && isExtension("**")) {
            consumeToken();
            v = createAstBinary(v, unary(true), PyArithmetic.POW); // left to right, as Jinja2: 2**3**2 is 64
        }
        return v;
    }

    @Override
    protected AstNode unary(boolean required) throws Scanner.ScanException, ParseException {
        return unary(required, true);
    }

    /** Jinja2's parse_unary: a sign applies to what follows without its filters, then the filters take the whole. */
    private AstNode unary(boolean required, boolean withFilters) throws Scanner.ScanException, ParseException {
        Symbol s = getToken().getSymbol();
        AstNode v;
        if (s == Symbol.MINUS || s == Symbol.PLUS) {
            consumeToken();
            v = new PyUnary(unary(true, false), s == Symbol.MINUS);
        } else if (s == Symbol.NOT) { // not after an operator (1 + not x): Jinja2 refuses it, Jinjava took it
            consumeToken();
            return createAstUnary(eq(true), AstUnary.NOT);
        } else {
            v = value();
            if (v == null) {
                if (required) {
                    fail("an expression");
                }
                return null;
            }
        }
        return withFilters ? filtersAndTests(v) : v;
    }

    /** Jinja2's parse_filter_expr: {@code |f(args)}, {@code is t}, {@code is not t arg}, in any order. */
    private AstNode filtersAndTests(AstNode v) throws Scanner.ScanException, ParseException {
        while (true) {
            Scanner.Token t = getToken();
            if ("|".equals(t.getImage()) && lookahead(0).getSymbol() == Symbol.IDENTIFIER) {
                consumeToken();
                String name = consumeToken().getImage();
                List<AstNode> params = new ArrayList<>(List.of(v, interpreter()));
                if (getToken().getSymbol() == Symbol.LPAREN) {
                    AstParameters args = params();
                    for (int i = 0; i < args.getCardinality(); i++) {
                        params.add(args.getChild(i));
                    }
                }
                v = createAstMethod(createAstDot(identifier(FILTER_PREFIX + name), "filter", true), createAstParameters(params));
            } else if ("is".equals(t.getImage()) && isTestName(lookahead(0))) {
                consumeToken();
                String method = "evaluate";
                if (getToken().getSymbol() == Symbol.NOT && isTestName(lookahead(0))) {
                    consumeToken();
                    method = "evaluateNegated";
                }
                String name = consumeToken().getImage();
                List<AstNode> params = new ArrayList<>(List.of(v, interpreter()));
                AstNode arg = value(); // the one argument of 'is divisibleby 3', 'is sameas none'
                if (arg != null) {
                    params.add(arg);
                }
                v = createAstMethod(createAstDot(identifier(EXPTEST_PREFIX + name), method, true), createAstParameters(params));
            } else {
                return v;
            }
        }
    }

    /** A token that can name a test: a name, or a word the scanner reads as a symbol (eq, lt, true, in, not). */
    private static boolean isTestName(Scanner.Token t) {
        return switch (t.getSymbol()) {
            case IDENTIFIER, EQ, NE, LT, LE, GT, GE, TRUE, FALSE, NOT -> true;
            case EXTENSION -> "in".equals(t.getImage());
            default -> false;
        };
    }

    private boolean isExtension(String image) {
        Scanner.Token t = getToken();
        return t.getSymbol() == Symbol.EXTENSION && image.equals(t.getImage());
    }

    /**
     * Jinja2's parse_primary then parse_postfix: a value followed by any number of {@code .name}, {@code .0} (an item
     * by a dotted integer, as {@code [0]}), {@code [key]}, {@code [a:b]} and calls. A call of what is not a name or a
     * method ({@code joiner()()}, {@code (f)()}, {@code fs[0]()}) calls the value ({@link PyCall.Value}). Jinjava's parser refused a
     * number after a dot ({@code xs.0}) and a call after a call.
     */
    @Override
    protected AstNode value() throws Scanner.ScanException, ParseException {
        boolean lvalue = true;
        AstNode v = nonliteral();
        if (v == null) {
            v = literal();
            if (v == null) {
                return null;
            }
            lvalue = false;
        }
        boolean strict = !context.isEnabled(Builder.Feature.NULL_PROPERTIES);
        boolean methods = context.isEnabled(Builder.Feature.METHOD_INVOCATIONS);
        while (true) {
            Symbol s = getToken().getSymbol();
            if (s == Symbol.DOT && lookahead(0).getSymbol() == Symbol.INTEGER) {
                consumeToken();
                v = createAstBracket(v, new AstNumber(parseInteger(consumeToken().getImage())), lvalue, strict);
            } else if (s == Symbol.DOT) {
                consumeToken();
                AstDot dot = createAstDot(v, consumeToken(Symbol.IDENTIFIER).getImage(), lvalue);
                v = getToken().getSymbol() == Symbol.LPAREN && methods ? createAstMethod(dot, params()) : dot;
            } else if (s == Symbol.LBRACK) {
                consumeToken();
                AstNode key = expr(false);
                Scanner.Token next = consumeToken();
                if (next.getSymbol() == Symbol.COLON) {
                    AstNode max = expr(false);
                    consumeToken(Symbol.RBRACK);
                    v = createAstRangeBracket(v, key, max, lvalue, strict);
                } else if (next.getSymbol() == Symbol.RBRACK) {
                    v = createAstBracket(v, key, lvalue, strict);
                } else {
                    fail(Symbol.RBRACK);
                }
            } else if (s == Symbol.LPAREN) {
                v = new PyCall.Value(v, params());
            } else {
                return v;
            }
        }
    }

    /**
     * A call of a name ({@link PyCall}), a name, a parenthesised expression, or a tuple: {@code ()}, {@code (1,)},
     * {@code (1, 2)}. A name before {@code else} or a dict's {@code :} is only the name: Jinjava's parser read
     * {@code a if c else f(x)} and {@code {k: f(x)}} as a call of the namespaced function {@code c:f}, which does not exist.
     */
    @Override
    protected AstNode nonliteral() throws Scanner.ScanException, ParseException {
        if (getToken().getSymbol() == Symbol.IDENTIFIER && lookahead(0).getSymbol() == Symbol.LPAREN) {
            String name = consumeToken().getImage(); // f(args): looked up when it runs, so that a variable can be called
            return new PyCall(name, params(), context.isEnabled(Builder.Feature.VARARGS));
        }
        if (getToken().getSymbol() == Symbol.IDENTIFIER && lookahead(0).getSymbol() == Symbol.COLON) {
            return identifier(consumeToken().getImage());
        }
        if (getToken().getSymbol() != Symbol.LPAREN) {
            return super.nonliteral();
        }
        consumeToken();
        List<AstNode> items = new ArrayList<>();
        boolean tuple = getToken().getSymbol() == Symbol.RPAREN;
        while (getToken().getSymbol() != Symbol.RPAREN) {
            items.add(expr(true));
            if (getToken().getSymbol() != Symbol.COMMA) {
                break;
            }
            consumeToken();
            tuple = true;
        }
        consumeToken(Symbol.RPAREN);
        return tuple ? new PyTuple.Ast(createAstParameters(items)) : createAstNested(items.get(0));
    }

    @Override
    protected AstDict createAstDict(Map<AstNode, AstNode> dict) {
        return new PyDictLiteral(dict);
    }

    @Override
    protected AstIdentifier createAstIdentifier(String name, int index) {
        return new PyUndefinedBinding(name, index);
    }

    @Override
    protected AstDot createAstDot(AstNode object, String name, boolean lvalue) {
        AstNode checked = new PyUndefinedAccess(object);
        return PyDictMethodDot.METHODS.contains(name) ? new PyDictMethodDot(checked, name, lvalue)
                : new PyTuple.Dot(checked, name, lvalue, context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
    }

    @Override
    protected AstBracket createAstBracket(AstNode object, AstNode key, boolean lvalue, boolean strict) {
        return new PyTuple.Item(new PyUndefinedAccess(object), key, lvalue, strict, context.isEnabled(Builder.Feature.IGNORE_RETURN_TYPE));
    }
}
