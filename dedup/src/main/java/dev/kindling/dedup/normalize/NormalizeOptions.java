package dev.kindling.dedup.normalize;

/**
 * What {@link TextNormalizer} does to a text before it is hashed, shingled or compared.
 *
 * @param nfkc               Unicode NFKC (compatibility composition: full-width letters, ligatures,
 *                           superscripts and non-breaking spaces become their plain forms)
 * @param caseFold           simple case folding, per code point {@code lower(upper(c))} (so final
 *                           sigma and sigma agree; Java has no full folding, so "ß" stays "ß")
 * @param collapseWhitespace every run of Unicode white space becomes one ASCII space; leading and
 *                           trailing white space is removed
 * @param removePunctuation  drop Unicode punctuation (P*), symbols (S*) and control characters; no
 *                           space is put in their place ("well-known" becomes "wellknown"), as in
 *                           datatrove's {@code simplify_text}
 * @param stripDiacritics    decompose (NFD) and drop non-spacing marks (Mn): "café" becomes "cafe"
 * @param digits             what to do with decimal digits
 */
public record NormalizeOptions(
        boolean nfkc,
        boolean caseFold,
        boolean collapseWhitespace,
        boolean removePunctuation,
        boolean stripDiacritics,
        Digits digits) implements java.io.Serializable {

    /** Decimal digits: kept, each run replaced by one {@code 0} (datatrove), or removed. */
    public enum Digits { KEEP, ZERO, REMOVE }

    /** Leaves the text as it is. */
    public static final NormalizeOptions NONE = new NormalizeOptions(false, false, false, false, false, Digits.KEEP);

    /**
     * Default for exact dedup: NFKC, case folding and white space only, so texts that differ in
     * punctuation or numbers stay distinct.
     */
    public static final NormalizeOptions EXACT = new NormalizeOptions(true, true, true, false, false, Digits.KEEP);

    /**
     * Default for near dedup, sentence dedup and decontamination: everything (datatrove's
     * {@code simplify_text} plus NFKC).
     */
    public static final NormalizeOptions NEAR = new NormalizeOptions(true, true, true, true, true, Digits.ZERO);

    public NormalizeOptions {
        if (digits == null) {
            throw new IllegalArgumentException("NormalizeOptions.digits must be KEEP, ZERO or REMOVE, not null");
        }
    }

    /** Parses {@code none}, {@code exact} or {@code near} (the CLI's names). */
    public static NormalizeOptions named(String name) {
        if (name == null) {
            throw new IllegalArgumentException("normalisation is null: expected none, exact or near");
        }
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "none" -> NONE;
            case "exact" -> EXACT;
            case "near" -> NEAR;
            default -> throw new IllegalArgumentException(
                    "unknown normalisation '" + name + "': expected none, exact or near");
        };
    }
}
