package dev.kindling.tokenizer.chat;

import com.hubspot.jinjava.el.ext.NamedParameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * The globals of Jinja2's sandbox ({@code range}, {@code dict}, {@code namespace}, {@code cycler}, {@code joiner},
 * {@code lipsum}) and transformers' ({@code raise_exception}, {@code strftime_now}) as template values, as in Jinja2:
 * called by name, or stored with {@code set}, passed to a macro, kept in a list, dict or namespace and called from
 * there ({@link PyCall}); defined, true and {@code callable}. Jinjava had them as functions, callable only by their name.
 */
final class PyGlobals {
    private PyGlobals() {}

    /** A global as a value: {@code repr} is how Python prints it ({@code <class 'dict'>}). */
    record Global(String name, String repr, Function<List<Object>, Object> body) implements PyCall.Callable {
        @Override
        public Object call(List<Object> args) {
            return body.apply(args);
        }

        @Override
        public String toString() {
            return repr;
        }
    }

    /** Every global by its name, to be put in the renderer's global context. */
    static Map<String, Global> all() {
        Map<String, Global> out = new LinkedHashMap<>();
        add(out, "range", "<function safe_range>", args -> PyRange.of(positionalOnly("range", args)));
        add(out, "dict", "<class 'dict'>", args -> dict("dict", args));
        add(out, "namespace", "<class 'jinja2.utils.Namespace'>", PyNamespace::of);
        add(out, "cycler", "<class 'jinja2.utils.Cycler'>", args -> new Cycler(positionalOnly("Cycler.__init__", args)));
        add(out, "joiner", "<class 'jinja2.utils.Joiner'>",
                args -> new Joiner(bind("Joiner.__init__", List.of("sep"), new Object[] {", "}, args)[0]));
        add(out, "lipsum", "<function generate_lorem_ipsum>", PyGlobals::lipsum);
        add(out, "raise_exception", "<function raise_exception>",
                args -> ChatFunctions.raiseException(bind("raise_exception", List.of("message"), new Object[] {null}, args)[0]));
        add(out, "strftime_now", "<function strftime_now>", args -> ChatFunctions.strftimeNow(
                PyStr.str(bind("strftime_now", List.of("format"), new Object[] {null}, args)[0])));
        return out;
    }

    private static void add(Map<String, Global> out, String name, String repr, Function<List<Object>, Object> body) {
        out.put(name, new Global(name, repr, body));
    }

    /** The positional arguments of a call that takes no keyword arguments. */
    private static List<Object> positionalOnly(String fn, List<Object> args) {
        for (Object a : args) {
            if (a instanceof NamedParameter n) {
                throw new ChatTemplateException("TypeError: " + (fn.equals("range") ? "safe_range" : fn)
                        + "() got an unexpected keyword argument '" + n.getName() + "'");
            }
        }
        return args;
    }

    /**
     * The arguments of a call of {@code fn(names...)} bound as Python binds them: positional ones first, then keyword
     * arguments ({@link NamedParameter}) by name, {@code defaults} for the rest (null where a parameter has none).
     */
    static Object[] bind(String fn, List<String> names, Object[] defaults, List<Object> args) {
        Object[] out = defaults.clone();
        boolean[] given = new boolean[names.size()];
        int positional = 0;
        for (Object a : args) {
            if (a instanceof NamedParameter n) {
                int i = names.indexOf(n.getName());
                if (i < 0) {
                    throw new ChatTemplateException("TypeError: " + fn + "() got an unexpected keyword argument '" + n.getName() + "'");
                }
                if (given[i]) {
                    throw new ChatTemplateException("TypeError: " + fn + "() got multiple values for argument '" + n.getName() + "'");
                }
                out[i] = n.getValue();
                given[i] = true;
            } else {
                if (positional >= names.size()) {
                    throw new ChatTemplateException("TypeError: " + fn + "() takes at most " + names.size()
                            + " positional arguments but " + (int) args.stream().filter(x -> !(x instanceof NamedParameter)).count()
                            + " were given");
                }
                out[positional] = a;
                given[positional++] = true;
            }
        }
        for (int i = 0; i < names.size(); i++) {
            if (!given[i] && defaults[i] == null) {
                throw new ChatTemplateException("TypeError: " + fn + "() missing 1 required positional argument: '" + names.get(i) + "'");
            }
        }
        return out;
    }

    /**
     * {@code dict(*args, **kwargs)} as Python's: at most one positional argument, a dict or an iterable of pairs, then
     * the keyword arguments, in order. {@code fn} names the global in messages.
     */
    static Map<Object, Object> dict(String fn, List<Object> args) {
        Map<Object, Object> out = new LinkedHashMap<>();
        List<Object> positional = new ArrayList<>();
        for (Object a : args) {
            if (!(a instanceof NamedParameter)) {
                positional.add(a);
            }
        }
        if (positional.size() > 1) {
            throw new ChatTemplateException("TypeError: " + fn + " expected at most 1 argument, got " + positional.size());
        }
        if (!positional.isEmpty()) {
            Object from = positional.get(0);
            if (from instanceof Map<?, ?> m) {
                out.putAll(m);
            } else if (from instanceof Iterable<?> pairs && !(from instanceof PyNamespace)) {
                int i = 0;
                for (Object pair : pairs) {
                    List<?> kv = pair instanceof Map.Entry<?, ?> e ? List.of(e.getKey(), e.getValue())
                            : pair instanceof List<?> l ? l : null;
                    if (kv == null || kv.size() != 2) {
                        throw new ChatTemplateException("ValueError: " + fn + " update sequence element #" + i
                                + " has length " + (kv == null ? "?" : kv.size()) + "; 2 is required");
                    }
                    out.put(kv.get(0), kv.get(1));
                    i++;
                }
            } else {
                throw new ChatTemplateException("TypeError: '" + PyAddition.typeName(from) + "' object is not iterable");
            }
        }
        for (Object a : args) {
            if (a instanceof NamedParameter n) {
                out.put(n.getName(), n.getValue());
            }
        }
        return out;
    }

    /** Jinja2's Joiner: a value to call, "" the first time and {@code sep} after. */
    static final class Joiner implements PyCall.Callable {
        private final Object sep;
        private boolean used;

        Joiner(Object sep) {
            this.sep = sep;
        }

        @Override
        public Object call(List<Object> args) {
            if (!args.isEmpty()) {
                throw new ChatTemplateException("TypeError: Joiner.__call__() takes 1 positional argument but " + (args.size() + 1) + " were given");
            }
            if (!used) {
                used = true;
                return "";
            }
            return sep;
        }
    }

    /** Jinja2's Cycler: {@code next()} gives the items in turn, {@code current} the next one, {@code reset()}. */
    public static final class Cycler {
        private final List<Object> items;
        private int pos;

        Cycler(List<Object> items) {
            if (items.isEmpty()) {
                throw new ChatTemplateException("RuntimeError: at least one item has to be provided");
            }
            this.items = List.copyOf(items);
        }

        public Object next() {
            Object out = items.get(pos);
            pos = (pos + 1) % items.size();
            return out;
        }

        public Object getCurrent() {
            return items.get(pos);
        }

        public Object reset() {
            pos = 0;
            return PyNone.NONE;
        }
    }

    /** Jinja2's lorem ipsum words ({@code jinja2.constants.LOREM_IPSUM_WORDS}). */
    private static final String[] WORDS = """
            a ac accumsan ad adipiscing aenean aliquam aliquet amet ante aptent arcu at auctor augue bibendum
            blandit class commodo condimentum congue consectetuer consequat conubia convallis cras cubilia cum
            curabitur curae cursus dapibus diam dictum dictumst dignissim dis dolor donec dui duis egestas eget
            eleifend elementum elit enim erat eros est et etiam eu euismod facilisi facilisis fames faucibus
            felis fermentum feugiat fringilla fusce gravida habitant habitasse hac hendrerit hymenaeos iaculis
            id imperdiet in inceptos integer interdum ipsum justo lacinia lacus laoreet lectus leo libero ligula
            litora lobortis lorem luctus maecenas magna magnis malesuada massa mattis mauris metus mi molestie
            mollis montes morbi mus nam nascetur natoque nec neque netus nibh nisi nisl non nonummy nostra nulla
            nullam nunc odio orci ornare parturient pede pellentesque penatibus per pharetra phasellus placerat
            platea porta porttitor posuere potenti praesent pretium primis proin pulvinar purus quam quis
            quisque rhoncus ridiculus risus rutrum sagittis sapien scelerisque sed sem semper senectus sit
            sociis sociosqu sodales sollicitudin suscipit suspendisse taciti tellus tempor tempus tincidunt
            torquent tortor tristique turpis ullamcorper ultrices ultricies urna ut varius vehicula vel velit
            venenatis vestibulum vitae vivamus viverra volutpat vulputate""".strip().split("\\s+");

    /**
     * {@code lipsum(n=5, html=True, min=20, max=100)}: Jinja2's {@code generate_lorem_ipsum}, step for step: n paragraphs
     * of {@code randrange(min, max)} words, commas and full stops placed as Jinja2 places them, each paragraph in
     * {@code <p>} (joined by a newline) or, without html, joined by a blank line.
     */
    private static Object lipsum(List<Object> args) {
        Object[] a = bind("generate_lorem_ipsum", List.of("n", "html", "min", "max"), new Object[] {5L, true, 20L, 100L}, args);
        int n = integer(a[0]);
        boolean html = PyTruth.of(a[1]);
        int min = integer(a[2]);
        int max = integer(a[3]);
        if (min >= max) {
            throw new ChatTemplateException("ValueError: empty range for randrange() (" + min + ", " + max + ", " + (max - min) + ")");
        }
        ThreadLocalRandom random = ThreadLocalRandom.current();
        List<String> paragraphs = new ArrayList<>();
        for (int p = 0; p < n; p++) {
            boolean capitalize = true;
            int lastComma = 0;
            int lastFullstop = 0;
            String last = null;
            List<String> words = new ArrayList<>();
            int count = random.nextInt(min, max);
            for (int idx = 0; idx < count; idx++) {
                String word;
                do {
                    word = WORDS[random.nextInt(WORDS.length)];
                } while (word.equals(last));
                last = word;
                if (capitalize) {
                    word = Character.toUpperCase(word.charAt(0)) + word.substring(1);
                    capitalize = false;
                }
                if (idx - random.nextInt(3, 8) > lastComma) {
                    lastComma = idx;
                    lastFullstop += 2;
                    word += ",";
                }
                if (idx - random.nextInt(10, 20) > lastFullstop) {
                    lastComma = idx;
                    lastFullstop = idx;
                    word += ".";
                    capitalize = true;
                }
                words.add(word);
            }
            String text = String.join(" ", words);
            if (text.endsWith(",")) {
                text = text.substring(0, text.length() - 1) + ".";
            } else if (!text.endsWith(".")) {
                text += ".";
            }
            paragraphs.add(text);
        }
        if (!html) {
            return String.join("\n\n", paragraphs);
        }
        List<String> out = new ArrayList<>();
        for (String text : paragraphs) {
            out.add("<p>" + text + "</p>"); // the words need no HTML escaping
        }
        return String.join("\n", out);
    }

    private static int integer(Object v) {
        if (v instanceof Boolean b) {
            return b ? 1 : 0;
        }
        if (v instanceof Long || v instanceof Integer) {
            return ((Number) v).intValue();
        }
        throw new ChatTemplateException("TypeError: '" + PyAddition.typeName(v) + "' object cannot be interpreted as an integer");
    }
}
