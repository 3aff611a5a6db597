package dev.kindling.dedup.decontam;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The decontamination text, against what datatrove's simplify_text gives for the same input (worked by hand). */
class DecontaminationTextTest {
    static void same(String expected, String text) {
        assertEquals(expected, DecontaminationText.normalize(text), text);
    }

    @Test
    void punctuationBecomesASpace() {
        same("some years ago never mind how long precisely having", "Some years ago\u2014never mind how long precisely\u2014having");
        same("some years ago never mind", "Some years ago -- never mind");
        same("don t stop well known", "Don't stop: well-known!");
        same("a b", "  a\t\n(\u00ab\u00bb) b  ");
        same("", "\u2014 ... \u2014");
    }

    @Test
    void numbersAreZeroWithOneDecimalSeparator() {
        // \p{Nd}+([.,،٫⎖⎗⎘]\p{Nd}+)? -> 0, before the punctuation goes: a thousands separator joins one group only
        same("0 0 in 0 or so", "$1,000,000.50 in 1851\u2014or so");
        same("pi is 0", "Pi is 3.14159");
        same("0 0", "2024-2025");
        same("0", "\u0661\u066b\u0665");           // Arabic-Indic 1.5 with the Arabic decimal separator
        same("0 items", "\uFF11\uFF12 items");     // full-width digits (NFKC first)
        same("a0b", "a12b");
    }

    @Test
    void caseAndAccentsGo() {
        same("cafe naive", "CAF\u00c9 na\u00efve");
        same("cafe", "cafe\u0301");
    }
}
