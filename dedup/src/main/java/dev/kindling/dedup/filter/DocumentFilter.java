package dev.kindling.dedup.filter;

/**
 * A document-level quality filter. Implementations are immutable and thread-safe.
 *
 * <pre>{@code
 * FilterResult r = new GopherQualityFilter().apply(text);
 * if (!r.keep()) log(r.reason());
 * }</pre>
 */
public interface DocumentFilter extends java.io.Serializable {
    /** Short name used in configs and statistics ({@code gopher_quality}, {@code c4}...). */
    String name();

    /** Decides on one text (never null). */
    FilterResult apply(String text);
}
