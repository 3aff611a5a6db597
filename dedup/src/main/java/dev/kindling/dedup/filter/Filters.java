package dev.kindling.dedup.filter;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The filters by name, and a chain that runs them in order (first drop wins; a filter that trims
 * the text, like C4, passes the trimmed text on).
 *
 * <pre>{@code
 * List<DocumentFilter> chain = Filters.parse("gopher,c4,fineweb");
 * FilterResult r = Filters.apply(chain, text);
 * }</pre>
 */
public final class Filters {
    private Filters() {}

    /** One filter by name: {@code gopher_quality}, {@code gopher_repetition}, {@code c4}, {@code fineweb}. */
    public static List<DocumentFilter> named(String name) {
        return switch (name.trim().toLowerCase(Locale.ROOT)) {
            // repetition first, as the Spark stages, the SQL function and datatrove's FineWeb pipeline: the first
            // failing filter names the reason, so the order must be the same everywhere
            case "gopher" -> List.of(new GopherRepetitionFilter(), new GopherQualityFilter());
            case "gopher_quality" -> List.of(new GopherQualityFilter());
            case "gopher_repetition" -> List.of(new GopherRepetitionFilter());
            case "c4" -> List.of(new C4QualityFilter());
            case "fineweb" -> List.of(new FineWebQualityFilter());
            default -> throw new IllegalArgumentException("unknown filter '" + name
                    + "': expected gopher, gopher_quality, gopher_repetition, c4 or fineweb");
        };
    }

    /** A comma-separated list ({@code gopher} means both Gopher filters, repetition then quality). */
    public static List<DocumentFilter> parse(String names) {
        List<DocumentFilter> out = new ArrayList<>();
        for (String n : names.split(",")) {
            if (!n.isBlank()) {
                out.addAll(named(n));
            }
        }
        return out;
    }

    /** Runs the chain; the result's reason is the first dropping filter's. */
    public static FilterResult apply(List<DocumentFilter> chain, String text) {
        String t = text;
        for (DocumentFilter f : chain) {
            FilterResult r = f.apply(t);
            if (!r.keep()) {
                return r;
            }
            t = r.text();
        }
        return FilterResult.keep(t);
    }
}
