package dev.kindling.inference.arch;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntUnaryOperator;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How a family's file names its tensors: canonical (GGUF) name templates mapped to the file's name
 * templates, with {@code {i}} for the layer and {@code {e}} for the expert, and for tensors whose rows
 * are laid out differently (a fused QKV interleaved per head, experts stacked in one tensor) the map
 * from canonical row to stored row. The configuration may also say that a tensor does not exist
 * ({@link Builder#omit}) or fix its values ({@link Builder#constant}).
 *
 * <pre>{@code
 * TensorNames.builder()
 *     .map("token_embd.weight", "gpt_neox.embed_in.weight")
 *     .map("blk.{i}.attn_qkv.weight", "gpt_neox.layers.{i}.attention.query_key_value.weight", Layouts.qkvPerHead(heads, hd))
 *     .build();
 * }</pre>
 */
public final class TensorNames {
    /** A stored tensor and, when the rows are not in canonical order, where canonical row r lives. */
    public record Source(String name, IntUnaryOperator rows) {}

    private record Rule(Pattern canonical, String stored, LayoutFactory layout) {}

    /** Builds the row map of a rule for the layer and expert matched. */
    @FunctionalInterface
    public interface LayoutFactory {
        IntUnaryOperator rows(int layer, int expert);
    }

    /** A canonical tensor the file does not store but the configuration defines: every element is {@code value}. */
    private record Constant(Pattern canonical, int length, float value) {}

    private final List<Rule> rules;
    private final boolean passThrough;
    private final List<Pattern> omitted;
    private final List<Constant> constants;

    private TensorNames(List<Rule> rules, boolean passThrough, List<Pattern> omitted, List<Constant> constants) {
        this.rules = rules;
        this.passThrough = passThrough;
        this.omitted = omitted;
        this.constants = constants;
    }

    /** Canonical names as they are (GGUF files). */
    public static TensorNames identity() {
        return new TensorNames(List.of(), true, List.of(), List.of());
    }

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where the canonical tensor {@code name} is stored: the first matching rule, else the name itself
     * ({@link Builder#buildOverIdentity()}) or null (the file has no such tensor).
     */
    public Source resolve(String name) {
        if (omitted(name) || isConstant(name)) {
            return null;
        }
        for (Rule r : rules) {
            Matcher m = r.canonical.matcher(name);
            if (m.matches()) {
                int layer = group(m, "i");
                int expert = group(m, "e");
                String stored = r.stored.replace("{i}", Integer.toString(layer)).replace("{e}", Integer.toString(expert));
                return new Source(stored, r.layout == null ? null : r.layout.rows(layer, expert));
            }
        }
        return passThrough ? new Source(name, null) : null;
    }

    /**
     * True when the configuration says the model has no such tensor ({@link Builder#omit}): a reader
     * must not require it, and one stored under its name anyway is not used.
     */
    public boolean omitted(String name) {
        return omitted.stream().anyMatch(p -> p.matcher(name).matches());
    }

    /** The values of a tensor the configuration defines instead of the file ({@link Builder#constant}), or null. */
    public float[] constant(String name) {
        Constant c = findConstant(name);
        if (c == null) {
            return null;
        }
        float[] v = new float[c.length];
        Arrays.fill(v, c.value);
        return v;
    }

    /** True for a tensor the configuration defines instead of the file ({@link Builder#constant}). */
    public boolean isConstant(String name) {
        return findConstant(name) != null;
    }

    private Constant findConstant(String name) {
        for (Constant c : constants) {
            if (c.canonical.matcher(name).matches()) {
                return c;
            }
        }
        return null;
    }

    private static int group(Matcher m, String g) {
        try {
            String v = m.group(g);
            return v == null ? -1 : Integer.parseInt(v);
        } catch (IllegalArgumentException e) {
            return -1;
        }
    }

    public static final class Builder {
        private final List<Rule> rules = new ArrayList<>();
        private final List<Pattern> omitted = new ArrayList<>();
        private final List<Constant> constants = new ArrayList<>();

        /** Same rows, another name. */
        public Builder map(String canonical, String stored) {
            return map(canonical, stored, null);
        }

        /** Another name and row order ({@code layout} gives the stored row of each canonical row). */
        public Builder map(String canonical, String stored, LayoutFactory layout) {
            rules.add(new Rule(pattern(canonical), stored, layout));
            return this;
        }

        /**
         * The configuration builds no such tensor (OPT's final LayerNorm of a post-norm model): it is
         * absent whatever the file holds, and the loader does not require it.
         */
        public Builder omit(String canonical) {
            omitted.add(pattern(canonical));
            return this;
        }

        /**
         * A tensor the configuration fixes rather than the file: {@code length} elements of
         * {@code value} (a LayerNorm without parameters is one with weight 1).
         */
        public Builder constant(String canonical, int length, float value) {
            constants.add(new Constant(pattern(canonical), length, value));
            return this;
        }

        private static Pattern pattern(String canonical) {
            return Pattern.compile(Pattern.quote(canonical).replace("{i}", "\\E(?<i>\\d+)\\Q").replace("{e}", "\\E(?<e>\\d+)\\Q"));
        }

        /** Only the names given exist. */
        public TensorNames build() {
            return new TensorNames(List.copyOf(rules), false, List.copyOf(omitted), List.copyOf(constants));
        }

        /** The names given are renamed; every other name is looked up as it is. */
        public TensorNames buildOverIdentity() {
            return new TensorNames(List.copyOf(rules), true, List.copyOf(omitted), List.copyOf(constants));
        }
    }
}
