package dev.kindling.dedup.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.testing.SharedData;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class WordTokenizerTest {

    /** NLTK's own docstring example. */
    @Test
    void nltkDocstringExample() {
        String s = "Good muffins cost $3.88 (roughly 3,36 euros)\nin New York.  Please buy me\ntwo of them.\nThanks.";
        assertEquals(List.of("Good", "muffins", "cost", "$", "3.88", "(", "roughly", "3,36", "euros", ")", "in", "New",
                "York.", "Please", "buy", "me", "two", "of", "them.", "Thanks", "."), WordTokenizer.tokenize(s));
        assertEquals(List.of("They", "'ll", "pay", "$", "3.88", "(", "roughly", ")", "."),
                WordTokenizer.tokenize("They'll pay $3.88 (roughly)."));
        assertEquals(List.of("I", "ca", "n't", "``", "go", "''", "--", "gon", "na", "stay", "!"),
                WordTokenizer.tokenize("I can't \"go\" -- gonna stay!"));
    }

    /**
     * NLTK's regexes are Python str patterns: U+001C..U+001F are white space there, a combining mark is not a word
     * character and "²" is (expected tokens from NLTK 3.8's {@code NLTKWordTokenizer}).
     */
    @Test
    void pythonCharacterClasses() {
        assertEquals(List.of("the", "sea", "and", "the", "ship", "."), WordTokenizer.tokenize("the\u001fsea and\u001cthe ship."));
        assertEquals(List.of("'", "e\u0301clair", "and", "'", "\u00b2", "up"), WordTokenizer.tokenize("'e\u0301clair and '\u00b2 up"));
        assertEquals(List.of("I", "can", "not", "\u0301", "go"), WordTokenizer.tokenize("I cannot\u0301 go"));
    }

    /** Token-for-token agreement with NLTK 3.8 on corpus lines (src/test/python/word_tokenizer_reference.py). */
    @Test
    void agreesWithNltkOnCorpusLines() throws Exception {
        List<String[]> ref = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(getClass().getResourceAsStream(
                "/dev/kindling/dedup/word_tokenizer_reference.tsv"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.startsWith("#")) {
                    ref.add(line.split("\t"));
                }
            }
        }
        int checked = 0;
        int mismatched = 0;
        List<String> examples = new ArrayList<>();
        for (String file : new String[] {"moby-dick.jsonl", "sotu.jsonl.gz"}) {
            List<String> lines = new ArrayList<>();
            for (Document d : JsonlDocuments.read(SharedData.require("corpus/" + file), "id", "text")) {
                for (String l : d.text().split("\n", -1)) {
                    if (lines.size() < 1500 && !l.strip().isEmpty()) {
                        lines.add(l);
                    }
                }
            }
            for (String[] row : ref) {
                if (!row[0].equals(file)) {
                    continue;
                }
                List<String> tokens = WordTokenizer.tokenize(lines.get(Integer.parseInt(row[1])));
                String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-1")
                        .digest(String.join("\u0001", tokens).getBytes(StandardCharsets.UTF_8))).substring(0, 12);
                checked++;
                if (!digest.equals(row[3]) || tokens.size() != Integer.parseInt(row[2])) {
                    mismatched++;
                    if (examples.size() < 3) {
                        examples.add(file + "#" + row[1] + " nltk " + row[2] + " tokens, ours " + tokens.size());
                    }
                }
            }
        }
        System.out.println("word tokenizer vs NLTK: " + checked + " lines, " + mismatched + " differ " + examples);
        assertTrue(checked > 1500);
        assertEquals(0, mismatched, examples.toString());
    }

    /**
     * NLTK's final-period rule has the space in both its closing-quote run and the white space after it; matched by
     * backtracking, a period followed by n spaces cost n² steps (80,000 spaces took 35 s, a page of padding hung the
     * task). The run is taken whole, which matches exactly the same texts.
     */
    @Test
    void longRunOfSpacesAfterAPeriodIsLinear() {
        String text = "the end." + " ".repeat(1_000_000) + "and more";
        List<String> tokens = assertTimeoutPreemptively(Duration.ofSeconds(20), () -> WordTokenizer.wordTokenize(text));
        assertEquals(List.of("the", "end.", "and", "more"), tokens);
        assertEquals(List.of("He", "left", ".", "''"), WordTokenizer.tokenize("He left.\"  \t "));
    }

    @Test
    void sentenceSplitter() {
        String t = "Mr. Smith came home. He sat down! Did he? Yes... \"Quite so.\" e.g. this stays.\nNext line\n\n  Last one";
        int[] s = SentenceSplitter.spans(t);
        List<String> sents = new ArrayList<>();
        for (int i = 0; i < s.length; i += 2) {
            sents.add(t.substring(s[i], s[i + 1]));
        }
        assertEquals(List.of("Mr. Smith came home.", "He sat down!", "Did he?", "Yes...", "\"Quite so.\" e.g. this stays.",
                "Next line", "Last one"), sents);
        assertArrayEquals(new int[0], SentenceSplitter.spans(" \n\t "));
        assertEquals(3, SentenceSplitter.spans("我们去公园。然后回家！好吗？").length / 2);
        assertEquals(List.of("They", "left", ".", "Then", "rain", "."), WordTokenizer.wordTokenize("They left. Then rain."));
    }

    /** The count up to a limit is the whole text's count, capped: what sentence dedup's 50-word check reads. */
    @Test
    void countUpToIsTheCappedCount() {
        for (String text : new String[] {"", "One.", "They left. Then rain. Dr. Smith came, didn't he? Yes.",
                "word ".repeat(120), "A b c. ".repeat(40)}) {
            int[] spans = SentenceSplitter.spans(text);
            int all = WordTokenizer.wordTokenize(text).size();
            for (int limit : new int[] {0, 1, 3, 50, 1000}) {
                assertEquals(Math.min(all, limit), WordTokenizer.countUpTo(text, spans, limit), limit + " of " + all + ": " + text);
            }
        }
    }
}
