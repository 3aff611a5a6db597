package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class RatingParserTest {
    static void rated(double expected, String text) {
        OptionalDouble r = RatingParser.parse(text, 1, 5);
        assertTrue(r.isPresent(), "no rating read from: " + text);
        assertEquals(expected, r.getAsDouble(), 0, text);
    }

    static void unrated(String text) {
        assertTrue(RatingParser.parse(text, 1, 5).isEmpty(), "a rating read from: " + text);
    }

    @Test
    void labelledRatings() {
        rated(4, "Rating: 4\nRationale: clear and correct.");
        rated(5, "**Rating:** 5\n**Rationale:** complete.");
        rated(3, "Rating: [3]");
        rated(4, "rating: 4/5");
        rated(2, "Rating (1-5): 2");
        rated(2, "Rating [1 to 5]: 2");
        rated(4.5, "Score = 4.5");
        rated(4, "Overall rating - four.");
        rated(4, "I would rate this response a 4.");
        rated(3, "The rating scale is 1 to 5. Rating: 3");
        rated(1, "On a scale of 1 to 5, I'd give it a rating of 1 because it is wrong.");
        rated(5, "Rationale: the answer is right.\nRating: 5");
        rated(2, "rating:2");
        rated(3, "Rating: 7 is too high; corrected rating: 3");
    }

    @Test
    void fractionsAndBareNumbers() {
        rated(4, "I think it deserves 4/5.");
        rated(3, "3 out of 5 stars");
        rated(5, "5");
        rated(2, "[2].");
        rated(4, " **4** ");
        unrated("It deserves 8/10.");
    }

    @Test
    void noRating() {
        unrated("Rating: N/A");
        unrated("Rating: none given, the response is off topic.");
        unrated("The story is about a dog named Max who likes to play.");
        unrated("Rating: 7");
        unrated("");
        unrated(null);
        unrated("Rating: 0");
    }

    @Test
    void otherScales() {
        assertEquals(7, RatingParser.parse("Score: 7/10", 1, 10).getAsDouble());
        assertEquals(10, RatingParser.parse("ten", 1, 10).getAsDouble());
        assertTrue(RatingParser.parse("Score: 7/10", 1, 5).isEmpty());
    }

    @Test
    void aScaleGivenAsOutOfNIsNotTheRating() {
        // "(out of 5)" after the label was not taken for a scale description: its 5 was read as the rating
        rated(4, "Rating (out of 5): 4");
        rated(2, "Score [out of 5]: 2");
        rated(3, "Rating: 3 (out of 5)");
    }

    @Test
    void aNegativeRatingKeepsItsSign() {
        // the minus was not part of the number: "Rating: -2" was read as 2, and -1 as rating 1 of 1..5
        unrated("Rating: -1");
        assertEquals(-2, RatingParser.parse("Rating: -2", -2, 2).getAsDouble());
        assertEquals(1, RatingParser.parse("Rating (-2 to 2): 1", -2, 2).getAsDouble());
        rated(3, "Rating: 3-4");
        rated(4, "Overall rating - four.");
    }

    @Test
    void aLabelledFractionNeedsTheScalesDenominator() {
        // as a bare fraction does ("It deserves 8/10" is no rating): the label read the numerator alone, so 4/10
        // became a 4 out of 5
        unrated("Rating: 4/10");
        unrated("Score: 2 out of 10, the story is off topic.");
        rated(3, "Rating: 4/10 at first, but on this scale: Rating: 3/5");
        assertEquals(4, RatingParser.parse("Rating: 4/10", 1, 10).getAsDouble());
    }

    @Test
    void labelsAreWholeWords() {
        // "rate" and "rated" ended words like "accurate" and "generated", whose next number was read as the rating
        rated(4, "The response is accurate and covers 3 key points.\nRating: 4");
        rated(3, "The generated story has 2 characters.\nRating: 3");
        rated(5, "It is moderate in 1 place only. Score: 5");
        unrated("The answer is accurate in 2 of its claims.");
    }

    @Test
    void aDenominatorPastAnIntIsNoRatingNotAnError() {
        // a small judge writes runs of digits; Integer.parseInt threw NumberFormatException, failing the row
        // instead of falling back to the probabilities
        unrated("I think it deserves 4/99999999999.");
        unrated("4 out of 12345678901234567890");
        rated(3, "3/00005");
    }

    /**
     * A label that says N/A or none gives no rating (as distilabel's UltraFeedback reads "Rating: N/A" as None): the
     * label went on looking for a number up to 30 characters along its line, and took one from the rationale.
     */
    @Test
    void aLabelThatSaysNotApplicableTakesNoNumberFromTheRestOfItsLine() {
        unrated("Rating: N/A - response 2 is empty.");
        unrated("Rating: None, as 3 of the claims are invented.");
        unrated("**Rating:** n/a (the 1 line given is off topic)");
        rated(3, "Rating: N/A at first.\nCorrected rating: 3");
        // nor from a fraction or a bare number of the rationale after it: the judge said it gives none
        unrated("Rating: N/A\nRationale: 4/5 of the claims are invented.");
        unrated("Rating: N/A - 3 out of 5 steps are missing.");
        // a word that only begins like one is no N/A
        rated(4, "Rating: nonetheless 4");
    }

    /**
     * The rubric asks for "Rating: N": a label with a colon (or =) and its value is read before a loose one ("a high
     * score" followed by a number), and a loose label's number must be in its sentence. Judges that reason first wrote
     * such numbers before their rating line, which were taken for the rating.
     */
    @Test
    void theAskedForFormatWinsOverALooseLabelEarlier() {
        rated(3, "The response deserves a high score. It gets 2 things wrong.\nRating: 3");
        rated(4, "Compared with a typical score of 3 for such answers, this one is better.\nRating: 4");
        rated(4, "**Rating:** 4/5\n**Rationale:** thorough.");
        rated(4.5, "4.5");
        rated(2, "It deserves a low score. Rating = 2");
        // a loose label alone still counts, in its sentence
        rated(4, "I would rate this response a 4.");
        unrated("It deserves a high score. It gets 2 things wrong.");
    }

    /**
     * distilabel's UltraFeedback reads the rating with {@code \b\d+\b} and {@code int()} under Python's {@code re}, whose
     * {@code \d} is any script's decimal digit and {@code \w} any letter or number: a full-width or Arabic-Indic 4 is a 4,
     * and a 4 written against a vulgar fraction is no whole number (no word boundary after it). Java's {@code \d} and
     * {@code \w} are ASCII: the first were no rating, the last a 4.
     */
    @Test
    void digitsOfAnyScriptAreRead() {
        rated(4, "Rating: \uFF14\nRationale: clear.");            // full-width 4
        rated(4, "Rating: \u0664");                              // Arabic-Indic 4
        rated(4, "Rating: \u096A");                              // Devanagari 4
        rated(4, "Rating: \uD835\uDFD2");                        // mathematical bold 4, outside the BMP
        rated(4, "Rating: \u0664/\u0665");                       // 4/5 in Arabic-Indic digits: the denominator is the max
        rated(3, "\uFF13");                                      // a full-width 3 alone
        rated(2, "It deserves \uFF12 out of 5.");
        rated(4.5, "Score = \uFF14.\uFF15");
        unrated("Rating: \u0669");                               // Arabic-Indic 9: out of 1..5
        unrated("Rating: \u0664/\u0661\u0660");                  // 4/10 is another scale
    }

    @Test
    void aNumberRunningIntoAnotherNumberCharacterIsNoRating() {
        // Python's \w holds every letter and number: "4" then "½" has no word boundary after the 4, so distilabel reads none
        unrated("Rating: 4\u00BD");
        unrated("Rating: 4\u00B2");
        unrated("4\u00BD");
        unrated("I think it deserves 3\u00BD/5.");
    }

    /**
     * distilabel's pattern is {@code Rating: (.+?)\nRationale}: a rating on the line after its label is not read (no
     * "Rating: " there), so neither is it here; the judge's probabilities decide.
     */
    @Test
    void aRatingOnTheLineAfterItsLabelIsNotRead() {
        unrated("Rating:\n4");
        unrated("Rating:\n4\nRationale: clear and correct.");
        unrated("**Rating:**\n\n4");
    }
}
