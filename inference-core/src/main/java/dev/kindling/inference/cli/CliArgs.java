package dev.kindling.inference.cli;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code --key value} / {@code --flag} arguments for the command classes here (the picocli layer of
 * the {@code kindling} launcher maps its options onto the same names). Unknown options are errors.
 */
final class CliArgs {
    /** The options that may be given more than once, each value kept ({@link #getAll}). */
    static final Set<String> REPEATABLE = Set.of("stop", "stop-token-ids");
    /** Each option's value (a repeatable one's last). */
    private final Map<String, String> values = new HashMap<>();
    /** Every value of each {@link #REPEATABLE} option, in the order given. */
    private final Map<String, List<String>> repeated = new HashMap<>();
    /** The flags given, set or not ({@code --flag=false} is given, and not in {@link #values}). */
    private final Set<String> flagsGiven = new java.util.HashSet<>();

    /**
     * Parses {@code --key value}, {@code --key=value} (as picocli takes it in the {@code kindling} launcher),
     * {@code --flag} and {@code --flag=true|false}; a {@link #REPEATABLE} option keeps every value ({@link #getAll}), any other given twice is refused.
     */
    CliArgs(String[] args, Set<String> options, Set<String> flags) {
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument " + a);
            }
            String key = a.substring(2);
            String inline = null;
            int eq = key.indexOf('=');
            if (eq > 0 && (options.contains(key.substring(0, eq)) || flags.contains(key.substring(0, eq)))) {
                inline = key.substring(eq + 1);
                key = key.substring(0, eq);
            }
            if (flags.contains(key)) {
                // --flag=true and --flag=false, as picocli takes them in the kindling launcher (they were unknown options)
                if (inline != null && !inline.equalsIgnoreCase("true") && !inline.equalsIgnoreCase("false")) {
                    throw new IllegalArgumentException("--" + key + " takes no value, or =true or =false; got " + a);
                }
                if (!flagsGiven.add(key)) {
                    // --x=false --x ended true without a word (picocli, in the kindling launcher, refuses it too)
                    throw new IllegalArgumentException("--" + key + " is given twice; give it once");
                }
                if (inline == null || inline.equalsIgnoreCase("true")) {
                    values.put(key, "true");
                } else {
                    values.remove(key);
                }
            } else if (options.contains(key)) {
                if (inline == null && i + 1 >= args.length) {
                    throw new IllegalArgumentException("--" + key + " needs a value");
                }
                String v = inline != null ? inline : args[++i];
                if (values.containsKey(key) && !REPEATABLE.contains(key)) {
                    // the first was dropped without a word (picocli, in the kindling launcher, refuses it too)
                    throw new IllegalArgumentException("--" + key + " is given twice (" + values.get(key) + ", " + v + "); give it once");
                }
                values.put(key, v);
                if (REPEATABLE.contains(key)) {
                    repeated.computeIfAbsent(key, k -> new ArrayList<>()).add(v);
                }
            } else {
                throw new IllegalArgumentException("unknown option --" + key);
            }
        }
    }

    /** Every value given for the {@link #REPEATABLE} option {@code key}, in order (empty when none). */
    List<String> getAll(String key) {
        return repeated.getOrDefault(key, List.of());
    }

    /**
     * Opens the model; a file that cannot be loaded is one line on {@code err}, {@code errorPrefix} and the message
     * ({@code "logits: "}), and null, for the command to exit 1.
     */
    static dev.kindling.inference.Engine openEngine(String errorPrefix, java.nio.file.Path model, dev.kindling.inference.EngineOptions o,
            java.io.PrintStream err) {
        try {
            return dev.kindling.inference.Engine.open(model, o);
        } catch (dev.kindling.formats.ModelFormatException | dev.kindling.inference.cuda.CudaUnavailableException
                | IllegalStateException | IllegalArgumentException e) {
            if (e.getMessage() == null) {
                throw e; // no message to show: a fault of ours, whose stack trace is the report
            }
            // a damaged file, no GPU for --device cuda, a KV budget the heap cannot hold: one line, as the kindling
            // launcher prints them (these printed a Java stack trace)
            err.println(errorPrefix + e.getMessage());
            return null;
        }
    }

    String get(String key) {
        return values.get(key);
    }

    boolean has(String key) {
        return values.containsKey(key);
    }

    String require(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }

    // the option's name in the message: a bare NumberFormatException said only 'For input string: "abc"'
    int getInt(String key, int def) {
        try {
            return values.containsKey(key) ? Integer.parseInt(values.get(key).trim()) : def;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a whole number, got " + values.get(key));
        }
    }

    long getLong(String key, long def) {
        try {
            return values.containsKey(key) ? Long.parseLong(values.get(key).trim()) : def;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a whole number, got " + values.get(key));
        }
    }

    /**
     * {@code --device auto|cpu|cuda}, {@code --gpu N} (a CUDA device ordinal) and {@code --kv-cache-type f32|f16} (the CPU
     * backend's KV cache) applied to {@code o}.
     */
    dev.kindling.inference.EngineOptions device(dev.kindling.inference.EngineOptions o) {
        // each refusal names the option as typed, as --threads does (it was "KV cache type must be ...", "device must be ...")
        if (has("device")) {
            String d = dev.kindling.inference.EngineOptions.deviceName(get("device"));
            if (d == null) {
                throw new IllegalArgumentException("--device must be auto, cpu or cuda, got " + get("device"));
            }
            o = o.withDevice(d);
        }
        if (has("kv-cache-type")) {
            try {
                o = o.withKvCacheType(dev.kindling.inference.KvCacheType.parse(get("kv-cache-type")));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("--kv-cache-type must be f32 or f16, got " + get("kv-cache-type"));
            }
        }
        if (has("gpu")) {
            o = o.withGpuDevice(getInt("gpu", -1));
        }
        return o;
    }

    /**
     * {@code --threads N} applied to {@code o}: 0 is every processor (the default; llama.cpp's {@code -t 0} too), more than
     * the processors is refused. The engine's workers spin while they wait for each other, so threads beyond the cores
     * wait on descheduled ones at every step: {@code --threads 1000} on 2 cores generated under one token in 10 s, which
     * looked like a hang.
     */
    dev.kindling.inference.EngineOptions threads(dev.kindling.inference.EngineOptions o) {
        if (!has("threads")) {
            return o;
        }
        int n = getInt("threads", 0);
        int processors = Runtime.getRuntime().availableProcessors();
        if (n < 0 || n > processors) {
            throw new IllegalArgumentException("--threads must be 0 (every processor) to " + processors + " (the processors this "
                    + "JVM may use), got " + get("threads"));
        }
        return n == 0 ? o : o.withThreads(n);
    }

    float getFloat(String key, float def) {
        try {
            if (!values.containsKey(key)) {
                return def;
            }
            String text = values.get(key).trim();
            float f = Float.parseFloat(text);
            if (Float.isInfinite(f) && !text.toLowerCase(java.util.Locale.ROOT).contains("infinity")) {
                // 1e308 is a number, but past a float's range: "must be >= 0, got 1e308" named the wrong fault
                throw new IllegalArgumentException("--" + key + " is " + text + ", past the largest value it takes (3.4e38)");
            }
            return f;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got " + values.get(key));
        }
    }
}
