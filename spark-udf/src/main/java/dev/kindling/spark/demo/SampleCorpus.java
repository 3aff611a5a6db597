package dev.kindling.spark.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Kindling's sample corpus: a few hundred short English documents built deterministically from
 * sentence pools written for this project ({@code sentences.txt}), with what real crawls contain:
 * exact duplicates, near duplicates (a few words edited), boilerplate, lorem ipsum, symbol soup and
 * code, repeated lines, very short pages, non-Latin scripts, personal data (made up) and rows that
 * are broken (a malformed JSON line, empty and null texts, a missing id). The demo runs every stage
 * over it; tests use it as a small realistic input.
 */
public final class SampleCorpus {
    /** What a generated document is, for tests that check the stages found it. */
    public enum Kind { ORIGINAL, EXACT_DUPLICATE, NEAR_DUPLICATE, BOILERPLATE, LOREM, SYMBOLS, SHORT, REPEATED_LINES,
        NON_LATIN, PII, EMPTY }

    /** One generated row ({@code text} may be null, {@code id} may be null). */
    public record Doc(String id, String text, String url, Kind kind, String duplicateOf) {}

    private static final String[] LOREM = {"lorem", "ipsum", "dolor", "sit", "amet", "consectetur", "adipiscing",
        "elit", "sed", "do", "eiusmod", "tempor", "incididunt", "ut", "labore", "et", "dolore", "magna", "aliqua"};

    private final Map<String, List<String>> pools;

    private SampleCorpus(Map<String, List<String>> pools) {
        this.pools = pools;
    }

    public static SampleCorpus load() {
        Map<String, List<String>> pools = new LinkedHashMap<>();
        try (InputStream in = SampleCorpus.class.getResourceAsStream("sentences.txt");
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            List<String> current = null;
            for (String line; (line = r.readLine()) != null; ) {
                if (line.startsWith("## ")) {
                    current = new ArrayList<>();
                    pools.put(line.substring(3).trim(), current);
                } else if (!line.isBlank() && !line.startsWith("#") && current != null) {
                    current.add(line.trim());
                }
            }
        } catch (IOException | NullPointerException e) {
            throw new IllegalStateException("sample corpus sentences are missing from the classpath", e);
        }
        return new SampleCorpus(pools);
    }

    /** The documents, deterministic for a seed. */
    public List<Doc> documents(long seed) {
        Random rnd = new Random(seed);
        List<String> topics = new ArrayList<>(pools.keySet());
        topics.remove("boilerplate");
        List<Doc> docs = new ArrayList<>();
        List<Doc> originals = new ArrayList<>();
        int n = 0;
        for (int i = 0; i < 230; i++) {
            String topic = topics.get(i % topics.size());
            String text = article(rnd, pools.get(topic));
            Doc d = new Doc(String.format("doc-%04d", n++), text, "https://example.org/" + topic + "/" + i, Kind.ORIGINAL, null);
            originals.add(d);
            docs.add(d);
        }
        for (int i = 0; i < 25; i++) {
            Doc src = originals.get(rnd.nextInt(originals.size()));
            docs.add(new Doc(String.format("doc-%04d", n++), src.text(), src.url(), Kind.EXACT_DUPLICATE, src.id()));
        }
        for (int i = 0; i < 25; i++) {
            Doc src = originals.get(rnd.nextInt(originals.size()));
            docs.add(new Doc(String.format("doc-%04d", n++), nearCopy(rnd, src.text()),
                    src.url() + "?ref=mirror", Kind.NEAR_DUPLICATE, src.id()));
        }
        List<String> boiler = pools.get("boilerplate");
        for (int i = 0; i < 10; i++) {
            Doc src = originals.get(rnd.nextInt(originals.size()));
            String text = boiler.get(0) + "\n" + boiler.get(2) + "\n\n" + src.text() + "\n\n" + boiler.get(3) + "\n" + boiler.get(4);
            docs.add(new Doc(String.format("doc-%04d", n++), text, "https://example.com/page/" + i, Kind.BOILERPLATE, null));
        }
        for (int i = 0; i < 5; i++) {
            docs.add(new Doc(String.format("doc-%04d", n++), String.join("\n", boiler), "https://example.com/nav/" + i,
                    Kind.BOILERPLATE, null));
        }
        for (int i = 0; i < 6; i++) {
            StringBuilder sb = new StringBuilder("Lorem ipsum dolor sit amet");
            for (int w = 0; w < 80; w++) {
                sb.append(w % 12 == 11 ? ". " : " ").append(LOREM[rnd.nextInt(LOREM.length)]);
            }
            docs.add(new Doc(String.format("doc-%04d", n++), sb.append('.').toString(), null, Kind.LOREM, null));
        }
        String[] code = {
            "function init() { var x = document.getElementById('menu'); if (x) { x.style.display = 'none'; } }",
            "{{{ $$$ ### @@@ %%% ^^^ &&& *** ))) ((( ]]] [[[ }}} ||| ~~~ +++ === --- ;;; ::: <<< >>> ??? !!!",
            "<div class=\"nav\"><ul><li><a href=\"/\">Home</a></li><li><a href=\"/shop\">Shop</a></li></ul></div>",
        };
        for (int i = 0; i < 6; i++) {
            StringBuilder sb = new StringBuilder();
            for (int l = 0; l < 12; l++) {
                sb.append(code[(i + l) % code.length]).append('\n');
            }
            docs.add(new Doc(String.format("doc-%04d", n++), sb.toString(), null, Kind.SYMBOLS, null));
        }
        String[] shortPages = {"Page not found.", "Click here.", "Loading...", "Subscribe now!", "404", "Thank you for your order."};
        for (String s : shortPages) {
            docs.add(new Doc(String.format("doc-%04d", n++), s, null, Kind.SHORT, null));
        }
        for (int i = 0; i < 4; i++) {
            String line = pools.get(topics.get(i)).get(0);
            docs.add(new Doc(String.format("doc-%04d", n++), (line + "\n").repeat(15), null, Kind.REPEATED_LINES, null));
        }
        docs.add(new Doc(String.format("doc-%04d", n++),
                "Городская библиотека открыта по четвергам до девяти вечера. Дети приходят на чтение сказок по средам, "
                        + "а взрослые собираются в клубе любителей книг. В подвале волонтёры чинят лампы и тостеры.",
                null, Kind.NON_LATIN, null));
        docs.add(new Doc(String.format("doc-%04d", n++),
                "町の図書館は木曜日の夜九時まで開いています。水曜日の朝には子ども向けの読み聞かせがあり、"
                        + "地下ではボランティアが毎月ランプやトースターを修理しています。",
                null, Kind.NON_LATIN, null));
        String[][] pii = {
            {"jane.doe@example.com", "+1 415 555 0132"},
            {"garden.club@example.org", "(020) 7946 0958"},
            {"orders@bakery.example", "192.168.10.24"},
            {"k.tanaka@example.net", "2001:db8:85a3::8a2e:370:7334"},
            {"repair.cafe@example.org", "+44 20 7946 0018"},
        };
        for (String[] p : pii) {
            Doc src = originals.get(rnd.nextInt(originals.size()));
            String text = src.text() + "\n\nFor questions, write to " + p[0] + " or call " + p[1] + ".";
            docs.add(new Doc(String.format("doc-%04d", n++), text, null, Kind.PII, null));
        }
        docs.add(new Doc(String.format("doc-%04d", n++), "", null, Kind.EMPTY, null));
        docs.add(new Doc(String.format("doc-%04d", n++), "   \n\t  ", null, Kind.EMPTY, null));
        docs.add(new Doc(String.format("doc-%04d", n++), null, null, Kind.EMPTY, null));
        Doc noId = originals.get(rnd.nextInt(originals.size()));
        docs.add(new Doc(null, article(rnd, pools.get(topics.get(3))), noId.url(), Kind.ORIGINAL, null));
        return docs;
    }

    private static String article(Random rnd, List<String> pool) {
        List<String> s = new ArrayList<>(pool);
        java.util.Collections.shuffle(s, rnd);
        int count = 6 + rnd.nextInt(5);
        StringBuilder sb = new StringBuilder();
        int paragraph = 2 + rnd.nextInt(3);
        for (int i = 0; i < count && i < s.size(); i++) {
            if (i > 0) {
                sb.append(i % paragraph == 0 ? "\n\n" : " ");
            }
            sb.append(s.get(i));
        }
        return sb.toString();
    }

    /** A copy with two or three words changed: Jaccard similarity of 5-gram shingles stays high. */
    private static String nearCopy(Random rnd, String text) {
        String[] words = text.split(" ");
        String[] swaps = {"really", "quite", "often", "certainly", "also"};
        int edits = 1 + rnd.nextInt(2);
        for (int e = 0; e < edits; e++) {
            int i = rnd.nextInt(words.length);
            words[i] = swaps[rnd.nextInt(swaps.length)];
        }
        return String.join(" ", words);
    }

    /**
     * A made-up benchmark ({@code {"id", "text"}} JSON Lines) for the decontamination stage: two test
     * items whose text appears in sample documents (a "leaked" benchmark), and one that appears
     * nowhere.
     */
    public void writeBenchmark(Path file, long seed) throws IOException {
        List<Doc> docs = documents(seed);
        List<String> items = new ArrayList<>();
        for (Doc d : docs) {
            if (d.kind() == Kind.ORIGINAL && d.id() != null && items.size() < 2 && (d.id().endsWith("7"))) {
                String first = d.text().split("(?<=[.!?])\\s+")[0];
                if (first.split("\\s+").length >= 13) {
                    items.add(first);
                }
            }
        }
        items.add("Which of these planets has the shortest year: Mercury, Venus, Earth or Mars? Answer with one word only.");
        ObjectMapper json = new ObjectMapper();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < items.size(); i++) {
                w.write(json.writeValueAsString(Map.of("id", "test-" + i, "text", items.get(i))));
                w.write('\n');
            }
        }
    }

    /**
     * Writes the corpus as JSON Lines (fields {@code id, text, url}), with one malformed line in the
     * middle, as real dumps have.
     */
    public void writeJsonl(Path file, long seed) throws IOException {
        ObjectMapper json = new ObjectMapper();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        List<Doc> docs = documents(seed);
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (int i = 0; i < docs.size(); i++) {
                Doc d = docs.get(i);
                Map<String, Object> row = new LinkedHashMap<>();
                if (d.id() != null) {
                    row.put("id", d.id());
                }
                row.put("text", d.text());
                row.put("url", d.url());
                w.write(json.writeValueAsString(row));
                w.write('\n');
                if (i == docs.size() / 2) {
                    w.write("{\"id\": \"broken-0001\", \"text\": \"this line was cut off in the dump\n");
                }
            }
        }
    }
}
