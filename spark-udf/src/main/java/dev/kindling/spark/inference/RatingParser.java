package dev.kindling.spark.inference;

import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a rating out of a judge's free text, trying in order (the first value inside
 * {@code [min, max]} wins):
 * <ol>
 *   <li>a label and a value: {@code Rating: 4}, {@code **Rating:** 4}, {@code Rating: [4]},
 *       {@code Rating (1-5): 4/5}, {@code score = 4.5}, {@code Overall rating - four},
 *       {@code I would rate it a 4};</li>
 *   <li>a fraction: {@code 4/5}, {@code 4 out of 5} (the denominator must be {@code max});</li>
 *   <li>the whole answer is a number: {@code 4}, {@code 4.}, {@code [4]}.</li>
 * </ol>
 * Number words (one to ten) count as numbers. {@code N/A} or a value out of range is no rating.
 */
public final class RatingParser {
    private static final String NUMBER = "(\\d+(?:\\.\\d+)?|one|two|three|four|five|six|seven|eight|nine|ten)";
    private static final Pattern LABELLED = Pattern.compile(
            "(?:rating|score|grade|rated|rate)\\b[^\\n\\d]{0,24}?(?:\\(\\s*\\d+\\s*(?:-|to|–)\\s*\\d+\\s*\\))?[^\\n\\dA-Za-z]{0,8}"
                    + "(?:(?:it|this(?: response)?|a|an|as|of|at|be|is)\\s+){0,3}[\\s*_\\[(\"']*" + NUMBER + "\\b",
            Pattern.CASE_INSENSITIVE);
    private static final Pattern FRACTION = Pattern.compile(NUMBER + "\\s*(?:/|out of)\\s*(\\d+)\\b", Pattern.CASE_INSENSITIVE);
    private static final Pattern ALONE = Pattern.compile("^[\\s*_\\[(\"']*" + NUMBER + "[\\s*_\\])\"'.!]*$", Pattern.CASE_INSENSITIVE);
    private static final Map<String, Integer> WORDS = Map.of("one", 1, "two", 2, "three", 3, "four", 4, "five", 5, "six", 6,
            "seven", 7, "eight", 8, "nine", 9, "ten", 10);

    private RatingParser() {}

    public static OptionalDouble parse(String text, int min, int max) {
        if (text == null || text.isBlank()) {
            return OptionalDouble.empty();
        }
        Matcher m = LABELLED.matcher(text);
        while (m.find()) {
            double v = value(m.group(1));
            if (v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        m = FRACTION.matcher(text);
        while (m.find()) {
            double v = value(m.group(1));
            if (Integer.parseInt(m.group(2)) == max && v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        m = ALONE.matcher(text.strip());
        if (m.matches()) {
            double v = value(m.group(1));
            if (v >= min && v <= max) {
                return OptionalDouble.of(v);
            }
        }
        return OptionalDouble.empty();
    }

    private static double value(String s) {
        Integer w = WORDS.get(s.toLowerCase(Locale.ROOT));
        return w != null ? w : Double.parseDouble(s);
    }
}
