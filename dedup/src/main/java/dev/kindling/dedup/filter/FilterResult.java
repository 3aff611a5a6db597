package dev.kindling.dedup.filter;

/**
 * What a filter decided: keep (with the text to keep, which a filter such as C4 may have trimmed)
 * or drop with a reason (datatrove's reason names, e.g. {@code gopher_short_doc}).
 */
public record FilterResult(boolean keep, String reason, String text) {

    public static FilterResult keep(String text) {
        return new FilterResult(true, null, text);
    }

    public static FilterResult drop(String reason) {
        return new FilterResult(false, reason, null);
    }
}
