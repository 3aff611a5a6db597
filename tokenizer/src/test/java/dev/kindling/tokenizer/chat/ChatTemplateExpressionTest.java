package dev.kindling.tokenizer.chat;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.tokenizer.ChatTemplate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Expressions and operators evaluate as Jinja2 3.1.6 evaluates them in transformers' environment: Python's
 * arithmetic, ints, printf formatting, str(), tuples, comparisons and Jinja2's operator precedence. Every
 * expected string was produced by Jinja2 3.1.6 (ImmutableSandboxedEnvironment, trim_blocks, lstrip_blocks,
 * loopcontrols) with the variables of {@link #VARS}; every template given to {@link #assertAllRaise} raises there.
 */
class ChatTemplateExpressionTest {
    /** x=-3, s='ab', n=None, l=[1, 'a'], d={'a': 1}, big=2**63-1, f=2.5; u is undefined. */
    private static final Map<String, Object> VARS = new HashMap<>();

    static {
        VARS.put("x", -3);
        VARS.put("s", "ab");
        VARS.put("n", null);
        VARS.put("l", List.of(1, "a"));
        VARS.put("d", Map.of("a", 1));
        VARS.put("big", Long.MAX_VALUE);
        VARS.put("f", 2.5);
    }

    private static String render(String template) {
        return new ChatTemplate(template, "<s>", "</s>").render(List.of(), false, VARS);
    }

    private static void assertAllRaise(String... templates) {
        for (String t : templates) {
            assertThrows(ChatTemplateException.class, () -> render(t), t);
        }
    }

    @Test
    void moduloAndFloorDivisionAreNumbersAsPython() {
        // the sign of the divisor, floor division, / a float; by zero raises (ZeroDivisionError)
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ -7 % 3 }}|{{ 7 % -3 }}|{{ -7.5 % 2 }}|{{ 6 % -4.0 }}|{{ -7 // 2 }}|{{ 7 // -2 }}|"
                + "{{ -7.5 // 2 }}|{{ 5 // 2.0 }}|{{ 7 / 2 }}|{{ 6 / 2 }}|{{ x % 2 }}|{{ true // 2 }}|"
                + "{{ 10 % 3 * 2 }}|{{ 7 // 2 * 2 }}";
        assertEquals("2|-2|0.5|-2.0|-4|-4|-4.0|2.0|3.5|3.0|1|0|2|6", render(template));
        assertAllRaise("{{ 7 // 0 }}", "{{ 7.0 // 0 }}", "{{ 5 % 0 }}", "{{ 5.0 % 0 }}", "{{ 7 / 0 }}", "{{ 'a' - 1 }}",
                "{{ none // 2 }}", "{{ l % 2 }}");
    }

    @Test
    void percentFormatsStringsAsPython() {
        // printf-style str % args: a tuple is the arguments, a dict the keys; wrong counts and types raise
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ '%s and %d' % ('a', 3) }}|{{ '%s' % x }}|{{ '%s' % l }}|{{ '%s' % n }}|{{ '%r' % s }}|"
                + "{{ '%05.2f' % 3.14159 }}|{{ '%d%%' % 50 }}|{{ '%(a)s!' % d }}|{{ '%d' % 3.7 }}|"
                + "{{ '%x %X %#o' % (255, 255, 8) }}|{{ '%e' % 12345.678 }}|"
                + "{{ '%g %g %g' % (0.00001, 123456789.0, 1.5) }}|{{ '%-5s|%5s|%.1s' % (s, s, s) }}|"
                + "{{ '%+d % d' % (42, 42) }}|{{ '%.0f %.0f %.2f' % (0.5, 2.5, 2.675) }}|{{ '%s' % ((1, 2),) }}|"
                + "{{ '%s' % d }}|{{ '%*d|%.*f' % (4, 3, 2, 1.23456) }}|{{ '%c%c' % ('a', 98) }}|{{ 'abc' % () }}";
        assertEquals("a and 3|-3|[1, 'a']|None|'ab'|03.14|50%|1!|3|ff FF 0o10|1.234568e+04|"
                + "1e-05 1.23457e+08 1.5|ab   |   ab|a|+42  42|0 2 2.67|(1, 2)|{'a': 1}|   3|1.23|ab|abc",
                render(template));
        assertAllRaise("{{ '%s %s' % ('a',) }}", "{{ '%s' % ('a', 'b') }}", "{{ '%d' % 'a' }}", "{{ 'abc' % 5 }}",
                "{{ '%x' % 3.0 }}", "{{ '%z' % 1 }}", "{{ '%(b)s' % d }}", "{{ '%(a)s' % l }}");
    }

    @Test
    void intsHaveNoSizeLimit() {
        // ** and int arithmetic past a long, ** left to right and above *, -2**2 is (-2)**2
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ 2**70 }}|{{ 2**-1 }}|{{ 2**3**2 }}|{{ 2 * 3 ** 2 }}|{{ -2**2 }}|{{ big + 1 }}|{{ big * 2 }}|"
                + "{{ -big - 2 }}|{{ 2**70 // 3 }}|{{ 2**70 % 7 }}|{{ 2**70 % -3 }}|{{ 2**70 / 2 }}|"
                + "{{ 18446744073709551616 }}|{{ 2**64 == 18446744073709551616 }}|{{ big < 2**70 }}|"
                + "{{ 2**70 + 0.5 }}|{{ -(-9223372036854775807 - 1) }}";
        assertEquals("1180591620717411303424|0.5|64|18|4|9223372036854775808|18446744073709551614|"
                + "-9223372036854775809|393530540239137101141|2|-2|5.902958103587057e+20|"
                + "18446744073709551616|True|True|1.1805916207174113e+21|9223372036854775808",
                render(template));
        assertAllRaise("{{ 0 ** -1 }}", "{{ 2**70 / 0 }}");
    }

    @Test
    void operatorsBindAsInJinja2() {
        // a sign before its filters and tests, ~ between + and *, not over a comparison, chained comparisons
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ -3|abs }}|{{ -x|abs }}|{{ (-x)|abs }}|{{ -1 is number }}|{{ -x is odd }}|{{ 'a' ~ 1 * 2 }}|"
                + "{{ 1 ~ 2 ~ 3 }}|{{ not 1 == 2 }}|{{ not 'a' in l }}|{{ 1 in [1, 2] == true }}|{{ 1 < 2 < 3 }}|"
                + "{{ 3 > 2 > 2 }}|{{ l|length is even }}|{{ 'x' ~ 2 ** 3 ~ 'y' }}|{{ 1 + 2 == 3 }}|{{ - 2 * 3 }}|"
                + "{{ 3 - - 3 }}|{{ +x }}";
        assertEquals("3|3|3|True|True|a2|123|True|False|False|True|False|True|x8y|True|-6|6|-3", render(template));
        assertAllRaise("{{ 1 + 2 ~ 3 }}", "{{ 1 ~ 2 + 3 }}", "{{ 'a' ~ 1 - 2 }}", "{{ -l|length }}", "{{ -s }}");
    }

    @Test
    void numbersAndOperatorsNeedNoSpaces() {
        // a + right after an operand is the operator (Jinjava's scanner read '+' before a digit as a unary plus);
        // numbers as Jinja2's lexer reads them: '_' between digits, 0x/0o/0b, an exponent with or without a point,
        // no .5 or 1. (and 1.e3 is 1's attribute e3, undefined); 012 is 0 then 12 (expected strings produced by Jinja2 3.1.6)
        String template = "{{ 0.1+0.2 }}|{{ [1e16+1] }}|{{ 1-1 }}|{{ 2*-1 }}|{{ l[0]-1 }}|{{ d.a+1 }}|{{ 1e3-1 }}|{{ x+1 }}|"
                + "{{ l|length+1 }}|{{ 1+1.5 }}|{{ -1+1 }}|{{ 10//3+1 }}|{{ 1e+3 }}|{{ 1.5E-3 }}|{{ 1_000 }}|{{ 1_0.0_1 }}|"
                + "{{ 1_0e1_0 }}|{{ 0x1F+0o17+0B11 }}|{{ 0x_ff }}|{{ 0_0 }}|{{ 00 }}|{{ 2**-1+1 }}|{{ 1.e3 }}";
        assertEquals("0.30000000000000004|[1e+16]|0|-2|0|2|999.0|-2|3|2.5|0|4|1000.0|0.0015|1000|10.01|"
                + "100000000000.0|49|255|0|0|1.5|", render(template));
        assertAllRaise("{{ .5 }}", "{{ 1. }}", "{{ 012 }}", "{{ 1__0 }}", "{{ 1_ }}", "{{ 1e }}", "{{ 0x }}", "{{ 0b2 }}");
    }

    @Test
    void testsCompareAsPython() {
        // eq/ne/lt/gt/in tests with Python's operators, any types; number, even and odd count a bool as an int and a float
        // by its value; callable, filter and test (expected strings produced by Jinja2 3.1.6)
        String template = "{{ s is ne 1 }}|{{ s is eq 'ab' }}|{{ l is equalto [1, 'a'] }}|{{ n is ne none }}|"
                + "{{ [1, 'a', none]|select('ne', 'a')|list }}|{{ [{'c': 'a'}, {'c': none}]|selectattr('c', 'ne', none)|list|length }}|"
                + "{{ s is lt 'b' }}|{{ 2 is gt 1.5 }}|{{ 'a' is in s }}|{{ true is number }}|{{ false is even }}|{{ true is odd }}|"
                + "{{ f is even }}|{{ f is odd }}|{{ 3.0 is odd }}|{{ 6 is divisibleby 3 }}|{{ 7.5 is divisibleby 2.5 }}|"
                + "{{ x is callable }}|{{ raise_exception is callable }}|{{ 'upper' is filter }}|{{ 'odd' is test }}|{{ 'nope' is filter }}";
        assertEquals("True|True|True|False|[1, None]|1|True|True|True|True|True|True|False|False|True|True|True|False|True|True|True|False",
                render(template));
        // lower and upper as str(value).islower() and isupper(): "{'a': 1}" is lower
        assertEquals("True|True|False|False|False|True",
                render("{{ 'b c' is lower }}|{{ 'B C' is upper }}|{{ '' is lower }}|{{ '1' is upper }}|{{ 'Ab' is lower }}|{{ d is lower }}"));
        assertAllRaise("{{ s is lt 1 }}", "{{ s is odd }}", "{{ n is even }}", "{{ l is gt 1 }}");
    }

    @Test
    void namesBeforeElseAndColonAreNames() {
        // a name before else or a dict's ':' is not a namespaced function c:f; a name as a dict key is its value
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ s if x else range(2)|list }}|{{ x if n is sameas none else dict(a=1) }}|{% set k = 'q' %}{{ {k: s} }}|"
                + "{{ {'k': range(1)|list} }}";
        assertEquals("ab|-3|{'q': 'ab'}|{'k': [0]}", render(template));
    }

    @Test
    void tildeWritesPythonStr() {
        // ~ writes str() of each side; an undefined side is empty
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ true ~ false }}|{{ n ~ 'x' }}|{{ 0.00001 ~ '' }}|{{ 1.0 ~ '' }}|{{ l ~ '' }}|{{ d ~ '' }}|"
                + "{{ (1, 2) ~ '' }}|{{ (1,) ~ '' }}|{{ u ~ 'a' }}|{{ f ~ x }}";
        assertEquals("TrueFalse|Nonex|1e-05|1.0|[1, 'a']|{'a': 1}|(1, 2)|(1,)|a|2.5-3", render(template));
    }

    @Test
    void tupleLiteralsAreTuples() {
        // tuples print, compare and add as Python's; a name or loop variable keeps one
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ (1, 2) }}|{{ (1,) }}|{{ () }}|{{ [(1, 'a', none)] }}|{{ {'k': (1,)} }}|"
                + "{{ (1, 2) == [1, 2] }}|{{ (1, 2) == (1, 2.0) }}|{{ (1, 2) + (3,) }}|{{ (1,) * 2 }}|"
                + "{{ (1, 2)[-1] }}|{{ (1, 2)|length }}|{% set t = (1, 2) %}{{ t }}|"
                + "{% for a, b in ((1, 2), (3, 4)) %}{{ a + b }}{% endfor %}|{% for t in [(1, 2)] %}{{ t }}{% endfor %}";
        assertEquals("(1, 2)|(1,)|()|[(1, 'a', None)]|{'k': (1,)}|False|True|(1, 2, 3)|(1, 1)|2|2|(1, 2)|37|"
                + "(1, 2)",
                render(template));
        assertAllRaise("{{ (1, 2) + [3] }}");
    }

    @Test
    void orderingComparesAsPython() {
        // lists and tuples item by item, strings by code point, ints with floats exactly, nan unordered; other pairs raise
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ [1, 2] < [1, 3] }}|{{ [1, 2] < [1, 2, 0] }}|{{ [2] > [1, 5] }}|{{ [1, 2] <= [1, 2] }}|"
                + "{{ (1, 'a') < (1, 'b') }}|{{ 'B' < 'a' }}|{{ '\u00e9' > 'z' }}|{{ '\\ufffd' < '\\U0001F600' }}|"
                + "{{ 1 < 1.5 }}|{{ 2 >= 2.0 }}|{{ true < 2 }}|{{ 2**53 + 1 > 2.0**53 }}|{{ 'nan'|float < 1 }}|"
                + "{{ 'nan'|float >= 1 }}";
        assertEquals("True|True|True|True|True|True|True|True|True|True|True|True|False|False", render(template));
        assertAllRaise("{{ 'a' < 1 }}", "{{ 1 > 'a' }}", "{{ none < 1 }}", "{{ [1] < ['a'] }}", "{{ [1] < (1,) }}",
                "{{ d < d }}", "{{ u < 1 }}");
    }

    @Test
    void arithmeticWithUndefinedRaises() {
        // an undefined operand of -, +, arithmetic, < or int/float raises (UndefinedError); ~, ==, in and not do not
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ u ~ 'a' }}|{{ u == 1 }}|{{ 'a' in u }}|{{ not u }}";
        assertEquals("a|False|False|True", render(template));
        assertAllRaise("{{ -u }}", "{{ +u }}", "{{ u - 1 }}", "{{ 1 + u }}", "{{ u / 2 }}", "{{ u // 2 }}", "{{ u % 2 }}",
                "{{ u ** 2 }}", "{{ u|int }}", "{{ u|float }}");
    }

    @Test
    void inComparesAsPython() {
        // in by Python's ==, a dict by its keys, a str by substring; a non-container raises
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ 'a' in l }}|{{ 'a' not in l }}|{{ 'b' in s }}|{{ 'a' in d }}|{{ 1 in d }}|"
                + "{{ (1, 2) in [(1, 2)] }}|{{ 1.0 in l }}|{{ '1' in l }}";
        assertEquals("True|False|True|True|False|True|True|False", render(template));
        assertAllRaise("{{ 1 in s }}", "{{ 1 in none }}", "{{ 1 in 5 }}");
    }

    @Test
    void intAndFloatFiltersReadAsPython() {
        // int(value, base), then int(float(value)), then the default; float(value) or the default
        // (expected string produced by Jinja2 3.1.6)
        String template = "{{ '3.7'|int }}|{{ ' 3 '|int }}|{{ '0x1A'|int(base=16) }}|{{ '0x1A'|int(0, 16) }}|"
                + "{{ '1A'|int(base=16) }}|{{ '0b101'|int(base=2) }}|{{ '0x1A'|int }}|{{ '0x1A'|int(base=0) }}|"
                + "{{ 'abc'|int }}|{{ 'abc'|int(7) }}|{{ 'abc'|float }}|{{ 'x'|float(default=2) }}|"
                + "{{ '3.7'|float }}|{{ '1e3'|float }}|{{ -3.7|int }}|{{ true|int }}|{{ n|int }}|"
                + "{{ '1_000'|int }}|{{ '+5'|int }}|{{ 'inf'|float }}|{{ '-nan'|float }}|"
                + "{{ '99999999999999999999'|int }}|{{ l|int }}|{{ 1e20|int }}|{{ '010'|int(base=0) }}";
        assertEquals("3|3|26|26|26|5|0|26|0|7|0.0|2|3.7|1000.0|-3|1|0|1000|5|inf|nan|99999999999999999999|0|"
                + "100000000000000000000|10",
                render(template));
        assertAllRaise("{{ 'inf'|float|int }}");
    }

    @Test
    void setUnpacksOneValueAndBuildsTuples() {
        // {% set a, b = value %} unpacks a list, tuple, str or dict item; {% set t = 1, 2 %} sets the tuple
        // (expected string produced by Jinja2 3.1.6)
        String template = "{% set a, b = (3, 4) %}{{ a }}{{ b }}|{% set a, b = l %}{{ a }}{{ b }}|{% set a, b = s %}{{ b }}{{ a }}|"
                + "{% set a, b = 1, 2 %}{{ a + b }}|{% set t = 1, 'x' %}{{ t }}|{% set t = (1, 2) %}{{ t == (1, 2) }}|"
                + "{% for k in d.items() %}{% set a, b = k %}{{ a }}={{ b }}{% endfor %}|{% set c = 1 == 1 %}{{ c }}";
        assertEquals("34|1a|ba|3|(1, 'x')|True|a=1|True", render(template));
        assertAllRaise("{% set a, b = [1] %}", "{% set a, b = [1, 2, 3] %}", "{% set a, b = 5 %}");
    }
}
