package dev.kindling.dedup.text;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SentenceSplitterTest {
    static List<String> sentences(String t) {
        int[] s = SentenceSplitter.spans(t);
        List<String> out = new ArrayList<>();
        for (int i = 0; i < s.length; i += 2) {
            out.add(t.substring(s[i], s[i + 1]));
        }
        return out;
    }

    /**
     * A period and a no-break space end a sentence, as Punkt's \s (Python's white space) reads it: web text has ".&nbsp;"
     * (or ". &nbsp;") between sentences, and the sentence ran on into the next, so a boilerplate span behind one was not
     * found by sentence dedup and word_tokenize kept the period on the word ("left.").
     */
    @Test
    void noBreakSpaceAfterTerminalPunctuationEndsASentence() {
        assertEquals(List.of("He left.", "Then she came."), sentences("He left.\u00a0Then she came."));
        assertEquals(List.of("He left.", "Then she came."), sentences("He left.\u00a0 Then she came."));
        assertEquals(List.of("Stop!", "Then go."), sentences("Stop!\u202fThen go."));
        assertEquals(List.of("Done?", "Next."), sentences("Done?\u2007Next."));
        assertEquals(List.of("He left.", "Then she came."), sentences("He left.\u0085Then she came."));
        // a lower-case word after one still continues the sentence, as after a space
        assertEquals(List.of("It cost five dollars.\u00a0then he left."), sentences("It cost five dollars.\u00a0then he left."));
        assertEquals(List.of("Mr.\u00a0Smith came."), sentences("Mr.\u00a0Smith came."));
        assertEquals(List.of("He", "left", ".", "Then", "she", "came", "."), WordTokenizer.wordTokenize("He left.\u00a0Then she came."));
    }

    /**
     * An abbreviation or initial behind an opening quote or bracket is one still ("Dr. Smith" in quotes split after
     * "Dr."; Punkt's word tokens start after the quote, so its abbreviation list applies).
     */
    @Test
    void abbreviationsBehindAnOpeningQuoteOrBracket() {
        assertEquals(List.of("He said \"Dr. Smith is here.\"", "Then he left."),
                sentences("He said \"Dr. Smith is here.\" Then he left."));
        assertEquals(List.of("She met \u201cMr. Brown\u201d there.", "Then she left."),
                sentences("She met \u201cMr. Brown\u201d there. Then she left."));
        assertEquals(List.of("See [Fig. 3] there.", "Then leave."), sentences("See [Fig. 3] there. Then leave."));
        assertEquals(List.of("The author \"J. Smith\" wrote it.", "Then."), sentences("The author \"J. Smith\" wrote it. Then."));
        assertEquals(List.of("The author (J. R. R. Tolkien) wrote it.", "Then."),
                sentences("The author (J. R. R. Tolkien) wrote it. Then."));
        // an apostrophe inside a word is part of it: "O'B" is no initial
        assertEquals(List.of("He met O'B.", "Then left."), sentences("He met O'B. Then left."));
        // a quoted word that is no abbreviation still ends its sentence
        assertEquals(List.of("He said \"Stop.", "Go\" later."), sentences("He said \"Stop. Go\" later."));
    }
}
