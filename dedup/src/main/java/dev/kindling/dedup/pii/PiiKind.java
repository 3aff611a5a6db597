package dev.kindling.dedup.pii;

/** Kinds of personal data {@link PiiRedactor} finds. */
public enum PiiKind {
    EMAIL("<EMAIL>"),
    IPV4("<IP_ADDRESS>"),
    IPV6("<IP_ADDRESS>"),
    PHONE("<PHONE_NUMBER>");

    private final String defaultReplacement;

    PiiKind(String defaultReplacement) {
        this.defaultReplacement = defaultReplacement;
    }

    /** What replaces a match unless configured otherwise. */
    public String defaultReplacement() {
        return defaultReplacement;
    }
}
