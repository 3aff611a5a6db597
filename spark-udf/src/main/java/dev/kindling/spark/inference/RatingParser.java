package dev.kindling.spark.inference;

import java.math.BigInteger;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a rating out of a judge's free text. Scale descriptions ({@code (1-5)}, {@code [1 to 5]},
 * {@code (out of 5)}, {@code on a scale of 1 to 5}, {@code from 1 to 5}) are removed first; then, in order (the first
 * value inside {@code [min, max]} wins):
 * <ol>
 *   <li>the format the rubrics ask for, a label, a colon or {@code =}, a value: {@code Rating: 4}, {@code **Rating:** 4},
 *       {@code Rating: [4]}, {@code rating: 4/5}, {@code Score = 4.5} (a denominator, {@code Rating: 4/10}, must be
 *       {@code max});</li>
 *   <li>a label and a value later in its sentence: {@code Overall rating - four}, {@code I would rate this response a 4}
 *       (a judge that reasons first writes numbers near "score" before its rating line);</li>
 *   <li>a fraction: {@code 4/5}, {@code 4 out of 5} (the denominator must be {@code max});</li>
 *   <li>the whole answer is a number: {@code 4}, {@code 4.}, {@code [4]}.</li>
 * </ol>
 * Number words (one to ten) count as numbers. Digits are those of any script, as Python's {@code re} reads them for
 * distilabel ({@code \d} is any decimal digit: a full-width {@code ４} or an Arabic-Indic {@code ٤} is a 4), and a number
 * ends at a word boundary as there ({@code \w} is any letter or number: {@code 4½} or {@code 4²} is no rating). A value
 * on the line after its label ({@code "Rating:\n4"}) is not read, as distilabel's {@code Rating: (.+?)\nRationale} does
 * not. A label followed by {@code N/A} or {@code none} gives no rating (a number later on its line is the rationale's),
 * and {@code Rating: N/A} in the asked-for format none at all unless another label gives one (no fraction or lone number
 * after it is taken for one). {@code N/A}, no number, or only values out of range is no rating (the judge's
 * probabilities decide then, see {@link Judging}).
 */
public final class RatingParser {
    /**
     * Every pattern reads Unicode as Python's {@code re} does for distilabel: {@code \d} any script's decimal digit
     * ({@code \p{Nd}}), {@code \s} any white space, case folded beyond ASCII. Java's {@code \w} with this flag holds
     * combining marks and not the other numbers ({@code ½}, {@code ²}), Python's the reverse, so {@link #WORD} stands for it.
     */
    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CHARACTER_CLASS;
    /** Python's {@code \w}: a letter, a number of any kind, or an underscore. */
    private static final String WORD = "[\\p{L}\\p{N}_]";
    // a minus written against the digits is the number's ("Rating: -2" on a -2..2 scale; -1 is out of 1..5)
    private static final String NUMBER = "(?<![\\p{L}\\p{N}_.])(-?\\d+(?:\\.\\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)(?!"
            + WORD + ")";
    private static final String DENOMINATOR = "\\s*(?:/|out of)\\s*(\\d+)(?!" + WORD + ")";
    private static final Pattern SCALES = Pattern.compile(
            "[(\\[]\\s*-?\\d+\\s*(?:-|–|to)\\s*-?\\d+\\s*[)\\]]"
                    + "|[(\\[]\\s*out\\s+of\\s+\\d+\\s*[)\\]]"
                    + "|(?:scale|range)\\s+(?:of\\s+|from\\s+|is\\s+)?\\d+\\s*(?:-|–|to)\\s*\\d+"
                    + "|from\\s+\\d+\\s+to\\s+\\d+", FLAGS);
    /** The label of the format the rubrics ask for, its colon or {@code =} and what may stand before the value. */
    private static final String ASKED_LABEL = "(?<!" + WORD + ")(?:rating|score|grade)(?!" + WORD + ")[ \\t*_]*[:=][ \\t*_\\[(<\"']*";
    /** What the rubrics ask for: {@code Rating: 4}, {@code **Rating:** 4}, {@code Score = 4.5}, {@code Rating: [4]}. */
    private static final Pattern ASKED = Pattern.compile(ASKED_LABEL + NUMBER + "(?:" + DENOMINATOR + ")?",
            FLAGS);
    // the label is a whole word: "rate" and "rated" also end "accurate", "moderate", "generated"; its number is in its
    // sentence ("a high score. It gets 2 things wrong" holds no rating)
    private static final Pattern LABELLED = Pattern.compile("(?<!" + WORD + ")(?:rating|score|grade|rated|rate)(?!" + WORD + ")((?:(?![.!?]\\s)[^\\n\\d]){0,30}?)"
            + NUMBER + "(?:" + DENOMINATOR + ")?", FLAGS);
    /** A label's "no rating": {@code Rating: N/A}, {@code Rating: none} (distilabel's UltraFeedback reads both as None). */
    private static final Pattern NOT_APPLICABLE = Pattern.compile("(?<!" + WORD + ")(?:n/a|none)(?!" + WORD + ")", FLAGS);
    /** The asked-for format saying there is none: {@code Rating: N/A}, {@code **Score:** none}. */
    private static final Pattern ASKED_NONE = Pattern.compile(ASKED_LABEL + "(?:n/a|none)(?!" + WORD + ")", FLAGS);
    private static final Pattern FRACTION = Pattern.compile(NUMBER + DENOMINATOR, FLAGS);
    private static final Pattern ALONE = Pattern.compile("^[\\s*_\\[(\"']*" + NUMBER + "[\\s*_\\])\"'.!]*$", FLAGS);
    private static final Map<String, Integer> WORDS = Map.of("one", 1, "two", 2, "three", 3, "four", 4, "five", 5, "six", 6,
            "seven", 7, "eight", 8, "nine", 9, "ten", 10);

    private RatingParser() {}

    public static OptionalDouble parse(String text, int min, int max) {
        if (text == null || text.isBlank()) {
            return OptionalDouble.empty();
        }
        String t = SCALES.matcher(text).replaceAll(" ");
        Matcher m = ASKED.matcher(t);
        while (m.find()) {
            double v = value(m.group(1));
            if ((m.group(2) == null || isMax(m.group(2), max)) && v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        m = LABELLED.matcher(t);
        while (m.find()) {
            if (NOT_APPLICABLE.matcher(m.group(1)).find()) {
                continue; // the number after it on the line is the rationale's
            }
            double v = value(m.group(2));
            // "Rating: 4/10" is on another scale: a denominator must be max, as for a bare fraction
            boolean otherScale = m.group(3) != null && !isMax(m.group(3), max);
            if (!otherScale && v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        if (ASKED_NONE.matcher(t).find()) {
            // the judge gave no rating: a fraction or a number after it is its rationale's ("4/5 of the claims are wrong")
            return OptionalDouble.empty();
        }
        m = FRACTION.matcher(t);
        while (m.find()) {
            double v = value(m.group(1));
            if (isMax(m.group(2), max) && v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        m = ALONE.matcher(t.strip());
        if (m.matches()) {
            double v = value(m.group(1));
            if (v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        return OptionalDouble.empty();
    }

    /** Whether the digits are {@code max}: compared as a number of any length (a judge may write "4/99999999999"). */
    private static boolean isMax(String digits, int max) {
        return new BigInteger(ascii(digits)).equals(BigInteger.valueOf(max));
    }

    private static double value(String s) {
        Integer w = WORDS.get(s.toLowerCase(Locale.ROOT));
        return w != null ? w : Double.parseDouble(ascii(s));
    }

    /** The number with its digits of any script written as ASCII ones ({@code ４} and {@code ٤} as {@code 4}), as Python's {@code int()} reads them. */
    static String ascii(String number) {
        StringBuilder b = new StringBuilder(number.length());
        number.codePoints().forEach(c -> b.appendCodePoint(Character.getType(c) == Character.DECIMAL_DIGIT_NUMBER
                ? '0' + Character.digit(c, 10) : c));
        return b.toString();
    }
}
