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
 * @param punctuationAsSpace each Unicode punctuation (P*), symbol (S*) and control character becomes a
 *                           space, as datatrove's {@code simplify_text} ({@code PUNCTUATION_TRANS}) does:
 *                           "well-known" is the two words "well known", "ago—never" is "ago never"
 * @param stripDiacritics    decompose (NFD) and drop non-spacing marks (Mn): "café" becomes "cafe"
 * @param digits             what to do with decimal digits
 * @param dropInvisible      drop the invisible format characters (Unicode Cf: soft hyphen, zero-width space and
 *                           joiners, word joiner, byte order mark, bidi controls, tags; not the Arabic and Syriac
 *                           number marks, which are seen), as Unicode's NFKC_Casefold drops default-ignorable code
 *                           points: "inter\u00ADnational" and "inter\u200Bnational" are "international" (datatrove keeps
 *                           them, so a soft hyphen or zero-width space hides a copy from its dedup)
 */
public record NormalizeOptions(
        boolean nfkc,
        boolean caseFold,
        boolean collapseWhitespace,
        boolean punctuationAsSpace,
        boolean stripDiacritics,
        Digits digits,
        boolean dropInvisible) implements java.io.Serializable {

    /** Options that keep invisible format characters (as before {@code dropInvisible} existed). */
    public NormalizeOptions(boolean nfkc, boolean caseFold, boolean collapseWhitespace, boolean punctuationAsSpace,
            boolean stripDiacritics, Digits digits) {
        this(nfkc, caseFold, collapseWhitespace, punctuationAsSpace, stripDiacritics, digits, false);
    }

    /**
     * Decimal digits: kept; each number replaced by one {@code 0} as datatrove's {@code simplify_text} does (its
     * {@code NUMBERS_PATTERN}: decimal digits of any script with at most one decimal separator, one of
     * {@code . , ، ٫ ⎖ ⎗ ⎘}, followed by digits, so "3.14" is "0" and "1,000,000" is "0,0"); or each digit removed.
     */
    public enum Digits { KEEP, ZERO, REMOVE }

    /** Leaves the text as it is. */
    public static final NormalizeOptions NONE = new NormalizeOptions(false, false, false, false, false, Digits.KEEP);

    /**
     * Default for exact dedup: NFKC, case folding, white space and invisible format characters only, so texts that
     * differ in punctuation or numbers stay distinct.
     */
    public static final NormalizeOptions EXACT = new NormalizeOptions(true, true, true, false, false, Digits.KEEP, true);

    /**
     * Default for near dedup (MinHash shingles), sentence dedup and decontamination: datatrove's current
     * {@code simplify_text} with its {@code TextNormConfig} defaults, plus NFKC. In datatrove's order: lower case,
     * numbers to {@code 0}, punctuation to a space, white space runs to one space (none at the ends), accents
     * dropped; so "$1,000,000.50—or so" is "0 0 or so". Kindling also drops invisible format characters first.
     */
    public static final NormalizeOptions NEAR = new NormalizeOptions(true, true, true, true, true, Digits.ZERO, true);

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
