package dev.kindling.dedup;

/**
 * A document as the curation stages see it: a unique id and its text. Ids order documents: when a
 * group of duplicates keeps one, it keeps the smallest id ({@link String#compareTo}).
 */
public record Document(String id, String text) {
    public Document {
        if (id == null) {
            throw new IllegalArgumentException("document id is null (text starts: " + preview(text) + ")");
        }
        if (text == null) {
            throw new IllegalArgumentException("document '" + id + "' has a null text");
        }
    }

    private static String preview(String text) {
        if (text == null) {
            return "<null>";
        }
        String t = text.length() > 40 ? text.substring(0, 40) + "..." : text;
        return "\"" + t.replace("\n", "\\n") + "\"";
    }
}
