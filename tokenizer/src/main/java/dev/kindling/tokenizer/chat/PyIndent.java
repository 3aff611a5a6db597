package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.interpret.JinjavaInterpreter;
import com.hubspot.jinjava.lib.filter.Filter;
import com.hubspot.jinjava.objects.SafeString;
import com.hubspot.jinjava.util.ObjectTruthValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Jinja2's {@code indent(width=4, first=False, blank=False)} filter: every line but the first (with
 * {@code first}, that one too) indented by {@code width} spaces or by {@code width} when it is a
 * string, blank lines left alone unless {@code blank}, lines split as Python's {@code str.splitlines}.
 * Jinjava's indent knows neither {@code first} nor {@code blank} and failed on Command R's templates
 * ({@code '{\n'|indent(4, first=true)}).
 */
public final class PyIndent implements Filter {
    @Override
    public String getName() {
        return "indent";
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, String... args) {
        return filter(var, interpreter, (Object[]) args, Map.of());
    }

    @Override
    public Object filter(Object var, JinjavaInterpreter interpreter, Object[] args, Map<String, Object> kwargs) {
        if (!(var instanceof CharSequence || var instanceof SafeString)) {
            throw new ChatTemplateException("indent: can only concatenate str (not \"" + PyAddition.typeName(var) + "\") to str");
        }
        Object width = arg(args, kwargs, 0, "width", 4L);
        boolean first = ObjectTruthValue.evaluate(arg(args, kwargs, 1, "first", false));
        boolean blank = ObjectTruthValue.evaluate(arg(args, kwargs, 2, "blank", false));
        String indention = width instanceof CharSequence w ? w.toString() : " ".repeat(Math.max(0, ((Number) width).intValue()));
        List<String> lines = splitlines(var + "\n");
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (i > 0) {
                out.append('\n');
                if (blank || !line.isEmpty()) {
                    out.append(indention);
                }
            }
            out.append(line);
        }
        return first ? indention + out : out.toString();
    }

    private static Object arg(Object[] args, Map<String, Object> kwargs, int position, String name, Object otherwise) {
        if (kwargs != null && kwargs.containsKey(name)) {
            return kwargs.get(name);
        }
        return args != null && args.length > position && args[position] != null ? args[position] : otherwise;
    }

    /** Python's {@code str.splitlines()}: \n, \r, \r\n, \v, \f, \x1c-\x1e, \x85, U+2028, U+2029 end a line. */
    static List<String> splitlines(String s) {
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\n' || c == '\r' || c == 0x0b || c == 0x0c || (c >= 0x1c && c <= 0x1e) || c == 0x85
                    || c == 0x2028 || c == 0x2029) {
                lines.add(s.substring(start, i));
                if (c == '\r' && i + 1 < s.length() && s.charAt(i + 1) == '\n') {
                    i++;
                }
                start = i + 1;
            }
        }
        if (start < s.length()) {
            lines.add(s.substring(start));
        }
        return lines;
    }
}
