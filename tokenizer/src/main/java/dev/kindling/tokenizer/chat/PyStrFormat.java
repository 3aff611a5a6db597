package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.objects.SafeString;
import java.math.BigInteger;
import java.util.List;
import java.util.Map;

/**
 * Python's {@code str.format} and {@code str.format_map}, as Jinja2's sandbox runs them: {@code '{} and {}'.format(a, b)},
 * {@code '{0}{1}{0}'}, {@code '{name}'} from the keyword arguments, {@code '{0[key]}'} and {@code '{0.key}'} (an item or
 * attribute of a dict or list; a missing one, or one starting with '_', is Jinja2's Undefined, ""), conversions
 * {@code !r !s !a}, and the format spec mini-language ({@code [[fill]align][sign][z][#][0][width][,|_][.precision][type]},
 * nested {@code {}} fields in it) for str, int, float and bool. What Python refuses (an unknown format code, a missing
 * argument, {@code '{:d}'.format('x')}) raises.
 */
final class PyStrFormat {
    private PyStrFormat() {}

    static String format(String format, List<Object> args, Map<?, ?> kwargs) {
        return new PyStrFormat.Run(args, kwargs).format(format, 2);
    }

    /** One call's arguments and its automatic field numbering. */
    private static final class Run {
        private final List<Object> args;
        private final Map<?, ?> kwargs;
        private int auto; // the next automatic field number
        private boolean manual; // a field was numbered by hand

        Run(List<Object> args, Map<?, ?> kwargs) {
            this.args = args;
            this.kwargs = kwargs;
        }

        String format(String s, int depth) {
            if (depth < 0) {
                throw error("ValueError", "Max string recursion exceeded");
            }
            StringBuilder out = new StringBuilder(s.length() + 16);
            int i = 0;
            while (i < s.length()) {
                char c = s.charAt(i);
                if (c == '}') {
                    if (i + 1 < s.length() && s.charAt(i + 1) == '}') {
                        out.append('}');
                        i += 2;
                        continue;
                    }
                    throw error("ValueError", "Single '}' encountered in format string");
                }
                if (c != '{') {
                    out.append(c);
                    i++;
                    continue;
                }
                if (i + 1 < s.length() && s.charAt(i + 1) == '{') {
                    out.append('{');
                    i += 2;
                    continue;
                }
                int end = closing(s, i);
                field(s.substring(i + 1, end), depth, out);
                i = end + 1;
            }
            return out.toString();
        }

        /** The index of the '}' closing the field opened at {@code open}, past any nested fields of its spec. */
        private static int closing(String s, int open) {
            int depth = 0;
            boolean inBracket = false;
            for (int i = open + 1; i < s.length(); i++) {
                char c = s.charAt(i);
                if (inBracket) {
                    inBracket = c != ']';
                } else if (c == '[' && depth == 0) {
                    inBracket = true;
                } else if (c == '{') {
                    depth++;
                } else if (c == '}') {
                    if (depth == 0) {
                        return i;
                    }
                    depth--;
                }
            }
            throw error("ValueError", open + 1 == s.length() ? "Single '{' encountered in format string"
                    : "expected '}' before end of string");
        }

        /** One replacement field, {@code name[!conversion][:spec]}, formatted onto {@code out}. */
        private void field(String f, int depth, StringBuilder out) {
            int nameEnd = 0;
            for (boolean inBracket = false; nameEnd < f.length(); nameEnd++) {
                char c = f.charAt(nameEnd);
                if (inBracket) {
                    inBracket = c != ']';
                } else if (c == '[') {
                    inBracket = true;
                } else if (c == '!' || c == ':') {
                    break;
                }
            }
            Object value = lookup(f.substring(0, nameEnd));
            String spec = "";
            int i = nameEnd;
            if (i < f.length() && f.charAt(i) == '!') {
                if (i + 2 > f.length() || (i + 2 < f.length() && f.charAt(i + 2) != ':')) {
                    throw error("ValueError", "expected ':' after conversion specifier");
                }
                char conversion = i + 1 < f.length() ? f.charAt(i + 1) : ' ';
                value = switch (conversion) {
                    case 's' -> PyStr.str(value);
                    case 'r' -> PyStr.repr(value);
                    case 'a' -> ascii(PyStr.repr(value));
                    default -> throw error("ValueError", "Unknown conversion specifier " + conversion);
                };
                i += 2;
            }
            if (i < f.length()) {
                spec = format(f.substring(i + 1), depth - 1); // the spec's own fields: {:>{width}}
            }
            out.append(formatValue(value, spec));
        }

        /** The value a field names: an argument, then its {@code .attr} and {@code [key]} parts. */
        private Object lookup(String name) {
            int end = 0;
            while (end < name.length() && name.charAt(end) != '.' && name.charAt(end) != '[') {
                end++;
            }
            String first = name.substring(0, end);
            Object value;
            if (first.isEmpty()) {
                if (manual) {
                    throw error("ValueError", "cannot switch from manual field specification to automatic field numbering");
                }
                value = positional(auto++);
            } else if (first.chars().allMatch(Character::isDigit)) {
                if (auto > 0) {
                    throw error("ValueError", "cannot switch from automatic field numbering to manual field specification");
                }
                manual = true;
                value = positional(Integer.parseInt(first));
            } else if (kwargs.containsKey(first)) {
                value = kwargs.get(first);
            } else {
                throw error("KeyError", "'" + first + "'");
            }
            int i = end;
            while (i < name.length()) {
                char c = name.charAt(i);
                if (c == '.') {
                    int k = i + 1;
                    while (k < name.length() && name.charAt(k) != '.' && name.charAt(k) != '[') {
                        k++;
                    }
                    if (k == i + 1) {
                        throw error("ValueError", "Empty attribute in format string");
                    }
                    value = member(value, name.substring(i + 1, k), true);
                    i = k;
                } else if (c == '[') {
                    int k = name.indexOf(']', i);
                    if (k < 0) {
                        throw error("ValueError", "Missing ']' in format string");
                    }
                    if (k == i + 1) {
                        throw error("ValueError", "Empty attribute in format string");
                    }
                    String key = name.substring(i + 1, k);
                    value = member(value, key.chars().allMatch(Character::isDigit) ? (Object) Integer.parseInt(key) : key, false);
                    i = k + 1;
                } else {
                    throw error("ValueError", "Only '.' or '[' may follow ']' in format field specifier");
                }
            }
            return value;
        }

        private Object positional(int index) {
            if (index >= args.size()) {
                throw error("IndexError", "Replacement index " + index + " out of range for positional args tuple");
            }
            return args.get(index);
        }
    }

    /**
     * {@code obj.name} or {@code obj[key]} as Jinja2's sandbox looks it up (getattr then item, or item then getattr): a
     * dict's key, a list's or str's index; anything else, or a name starting with '_', is Undefined (null).
     */
    private static Object member(Object obj, Object key, boolean attribute) {
        if (attribute && key.toString().startsWith("_")) {
            return null;
        }
        if (obj instanceof Map<?, ?> m) {
            return m.get(key);
        }
        if (key instanceof Integer i && !attribute) {
            if (obj instanceof List<?> l) {
                return i < l.size() ? l.get(i) : null;
            }
            if (obj instanceof CharSequence s) {
                String str = s.toString();
                return i < str.codePointCount(0, str.length()) ? Character.toString(str.codePointAt(str.offsetByCodePoints(0, i))) : null;
            }
        }
        return null;
    }

    /** {@code format(value, spec)}: Python's {@code __format__} of a str, int, bool or float; others take only "". */
    static String formatValue(Object value, String spec) {
        boolean isStr = value instanceof CharSequence || value instanceof Character || value instanceof SafeString;
        boolean isInt = value instanceof Boolean || value instanceof Number n && !PyArithmetic.isFloat(n);
        boolean isFloat = value instanceof Number n && PyArithmetic.isFloat(n);
        if (!isStr && !isInt && !isFloat || value instanceof Boolean && spec.isEmpty()) {
            if (!spec.isEmpty()) {
                throw error("TypeError", "unsupported format string passed to " + (value == null ? "Undefined" : PyAddition.typeName(value)) + ".__format__");
            }
            return PyStr.str(value);
        }
        Spec s = Spec.parse(spec);
        if (isStr) {
            if (s.type != 0 && s.type != 's') {
                throw unknownCode(s.type, value);
            }
            if (s.sign != 0) {
                throw error("ValueError", "Sign not allowed in string format specifier");
            }
            if (s.alternate) {
                throw error("ValueError", "Alternate form (#) not allowed in string format specifier");
            }
            if (s.align == '=') {
                throw error("ValueError", "'=' alignment not allowed in string format specifier");
            }
            if (s.grouping != 0) {
                throw error("ValueError", "Cannot specify '" + s.grouping + "' with 's'.");
            }
            String str = value.toString();
            if (s.precision >= 0 && s.precision < str.codePointCount(0, str.length())) {
                str = str.substring(0, str.offsetByCodePoints(0, s.precision));
            }
            return s.pad("", str, '<');
        }
        Object n = PyEquality.number(value);
        if (isInt && "eEfFgG%".indexOf(s.type) < 0) {
            return formatInt(n instanceof BigInteger b ? b : BigInteger.valueOf(((Number) n).longValue()), s, value);
        }
        if (isFloat && "eEfFgGn%".indexOf(s.type) < 0 && s.type != 0) {
            throw unknownCode(s.type, value);
        }
        return formatFloat(PyArithmetic.asFloat((Number) n), s);
    }

    private static String formatInt(BigInteger n, Spec s, Object value) {
        int radix;
        String prefix = "";
        switch (s.type) {
            case 0, 'd', 'n' -> radix = 10;
            case 'b' -> {
                radix = 2;
                prefix = "0b";
            }
            case 'o' -> {
                radix = 8;
                prefix = "0o";
            }
            case 'x', 'X' -> {
                radix = 16;
                prefix = s.type == 'x' ? "0x" : "0X";
            }
            case 'c' -> {
                if (s.sign != 0 || s.alternate || s.grouping != 0) {
                    throw error("ValueError", "Sign, alternate form or grouping not allowed with integer format specifier 'c'");
                }
                if (n.signum() < 0 || n.compareTo(BigInteger.valueOf(0x10FFFF)) > 0) {
                    throw error("OverflowError", "%c arg not in range(0x110000)");
                }
                return s.pad("", Character.toString(n.intValue()), '>');
            }
            default -> throw unknownCode(s.type, value);
        }
        if (s.precision >= 0) {
            throw error("ValueError", "Precision not allowed in integer format specifier");
        }
        if (s.grouping == ',' && radix != 10) {
            throw error("ValueError", "Cannot specify ',' with '" + s.type + "'.");
        }
        String digits = n.abs().toString(radix);
        if (s.type == 'X') {
            digits = digits.toUpperCase();
        }
        return s.number(n.signum() < 0, s.alternate ? prefix : "", digits, "", radix == 10 ? 3 : 4);
    }

    private static String formatFloat(double d, Spec s) {
        if (s.alternate && s.type == 0 && s.precision < 0) {
            s = s.withType('r');
        }
        boolean negative = d < 0 || (d == 0 && 1 / d < 0);
        double a = Math.abs(d);
        String body;
        String suffix = "";
        switch (s.type) {
            case 0 -> body = s.precision < 0 ? PyStr.repr(a) : shortest(a, s.precision, s.alternate);
            case 'r' -> body = PyStr.repr(a);
            case '%' -> {
                body = PyFormat.floatBody('f', a * 100, s.precision < 0 ? 6 : s.precision, s.alternate);
                suffix = "%";
            }
            case 'n' -> body = PyFormat.floatBody('g', a, s.precision < 0 ? 6 : s.precision, s.alternate);
            default -> {
                body = PyFormat.floatBody(Character.toLowerCase(s.type), a, s.precision < 0 ? 6 : s.precision, s.alternate);
                if (Character.isUpperCase(s.type)) {
                    body = body.toUpperCase();
                }
            }
        }
        if (s.zeroNegative && negative && body.chars().allMatch(c -> c == '0' || c == '.')) {
            negative = false;
        }
        int point = body.indexOf('.');
        int e = body.indexOf('e') >= 0 ? body.indexOf('e') : body.indexOf('E');
        int intEnd = point >= 0 ? point : e >= 0 ? e : body.length();
        if (!Character.isDigit(body.charAt(0))) { // inf, nan: no grouping, no zero padding digits
            intEnd = body.length();
        }
        return s.number(negative, "", body.substring(0, intEnd), body.substring(intEnd) + suffix, 3);
    }

    /**
     * A float with a precision and no type: as 'g', but scientific from an exponent of precision - 1 on, and a fixed
     * result keeps at least one digit after the point ({@code '{:.3}'.format(12.0)} is '12.0', of 100.0 '1e+02').
     */
    private static String shortest(double a, int precision, boolean alternate) {
        if (!Double.isFinite(a)) {
            return PyFormat.floatBody('g', a, precision, alternate);
        }
        int p = precision == 0 ? 1 : precision;
        String sci = PyFormat.floatBody('e', a, p - 1, alternate);
        int exponent = Integer.parseInt(sci.substring(sci.indexOf('e') + 1));
        if (exponent >= -4 && exponent < p - 1) {
            String g = PyFormat.floatBody('g', a, p, alternate);
            return g.contains(".") ? g : g + ".0";
        }
        if (alternate) {
            return sci;
        }
        int e = sci.indexOf('e');
        String mantissa = sci.substring(0, e);
        return (mantissa.contains(".") ? mantissa.replaceAll("0+$", "").replaceAll("\\.$", "") : mantissa) + sci.substring(e);
    }

    /** A parsed format spec. */
    private record Spec(int fill, char align, boolean zero, char sign, boolean zeroNegative, boolean alternate, int width, char grouping,
                        int precision, char type) {
        static Spec parse(String spec) {
            int i = 0;
            int fill = -1;
            char align = 0;
            int n = spec.length();
            if (n > 0) {
                int first = spec.codePointAt(0);
                int next = Character.charCount(first);
                if (next < n && "<>=^".indexOf(spec.charAt(next)) >= 0) {
                    fill = first;
                    align = spec.charAt(next);
                    i = next + 1;
                } else if ("<>=^".indexOf(spec.charAt(0)) >= 0) {
                    align = spec.charAt(0);
                    i = 1;
                }
            }
            char sign = 0;
            if (i < n && "+- ".indexOf(spec.charAt(i)) >= 0) {
                sign = spec.charAt(i++);
            }
            boolean z = i < n && spec.charAt(i) == 'z';
            i += z ? 1 : 0;
            boolean alternate = i < n && spec.charAt(i) == '#';
            i += alternate ? 1 : 0;
            boolean zero = false;
            if (i < n && spec.charAt(i) == '0') {
                fill = fill < 0 ? '0' : fill; // a fill given before stays: {:*<05}
                zero = true;
                i++;
            }
            int start = i;
            while (i < n && Character.isDigit(spec.charAt(i))) {
                i++;
            }
            int width = i > start ? Integer.parseInt(spec.substring(start, i)) : -1;
            char grouping = 0;
            if (i < n && (spec.charAt(i) == ',' || spec.charAt(i) == '_')) {
                grouping = spec.charAt(i++);
            }
            int precision = -1;
            if (i < n && spec.charAt(i) == '.') {
                start = ++i;
                while (i < n && Character.isDigit(spec.charAt(i))) {
                    i++;
                }
                if (i == start) {
                    throw error("ValueError", "Format specifier missing precision");
                }
                precision = Integer.parseInt(spec.substring(start, i));
            }
            if (n - i > 1) {
                throw error("ValueError", "Invalid format specifier '" + spec + "'");
            }
            return new Spec(fill < 0 ? ' ' : fill, align, zero, sign, z, alternate, width, grouping, precision, i < n ? spec.charAt(i) : 0);
        }

        Spec withType(char t) {
            return new Spec(fill, align, zero, sign, zeroNegative, alternate, width, grouping, precision, t);
        }

        /** A number: sign, prefix, integer digits grouped (zero padding grouped too, as Python), then the rest. */
        String number(boolean negative, String prefix, String intDigits, String rest, int groupSize) {
            String signText = negative ? "-" : sign == '+' ? "+" : sign == ' ' ? " " : "";
            String head = signText + prefix;
            String digits = group(intDigits, groupSize);
            if ((align == '=' || align == 0 && zero) && fill == '0' && grouping != 0) {
                String padded = intDigits;
                while (head.length() + digits.length() + rest.length() < width) {
                    padded = "0" + padded;
                    digits = group(padded, groupSize);
                }
            }
            return pad(head, digits + rest, zero ? '=' : '>'); // {:05}: zeros after the sign
        }

        private String group(String digits, int size) {
            if (grouping == 0 || !digits.chars().allMatch(Character::isLetterOrDigit)) {
                return digits;
            }
            StringBuilder sb = new StringBuilder(digits);
            for (int k = digits.length() - size; k > 0; k -= size) {
                sb.insert(k, grouping);
            }
            return sb.toString();
        }

        /** {@code head + body} padded to the width with the fill, placed by the alignment (or {@code byDefault}). */
        String pad(String head, String body, char byDefault) {
            int length = (head + body).codePointCount(0, head.length() + body.length());
            int marg = width - length;
            if (marg <= 0) {
                return head + body;
            }
            String f = Character.toString(fill);
            return switch (align == 0 ? byDefault : align) {
                case '<' -> head + body + f.repeat(marg);
                case '=' -> head + f.repeat(marg) + body;
                case '^' -> f.repeat(marg / 2) + head + body + f.repeat(marg - marg / 2);
                default -> f.repeat(marg) + head + body;
            };
        }
    }

    /** {@code ascii(x)} of a repr: every character past ASCII escaped as Python escapes it. */
    private static String ascii(String repr) {
        StringBuilder sb = new StringBuilder(repr.length());
        repr.codePoints().forEach(c -> sb.append(c < 0x80 ? Character.toString(c)
                : c < 0x100 ? String.format("\\x%02x", c) : c < 0x10000 ? String.format("\\u%04x", c) : String.format("\\U%08x", c)));
        return sb.toString();
    }

    private static ChatTemplateException unknownCode(char type, Object value) {
        return error("ValueError", "Unknown format code '" + type + "' for object of type '" + PyAddition.typeName(value) + "'");
    }

    private static ChatTemplateException error(String type, String message) {
        return new ChatTemplateException(type + ": " + message);
    }
}
