package dev.kindling.spark.dedup.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.dedup.Document;
import dev.kindling.dedup.bench.NearDuplicateCorpus;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

/** The inputs of {@code kindling bench dedup}: written as JSON Lines {@code {"id", "text"}}. */
public final class BenchInputs {
    private BenchInputs() {}

    /**
     * The corpus near-duplicate benchmark ({@link NearDuplicateCorpus}: {@code bases} x 3 documents)
     * plus {@code pages} short pages that all end with the same boilerplate line.
     */
    public static List<Document> corpus(Path corpusDir, int bases, int words, int pages, int pageWords, long seed) {
        List<String> pool = NearDuplicateCorpus.wordPool(corpusDir);
        List<Document> docs = new ArrayList<>(NearDuplicateCorpus.build(pool, bases, words, seed));
        docs.addAll(NearDuplicateCorpus.boilerplatePages(pool, pages, pageWords, seed));
        return docs;
    }

    /**
     * {@code n} short synthetic documents (10 to 40 words over a 50,000-word made-up vocabulary with
     * Zipf-like frequencies; every 10th a near copy of a recent one with its last word changed, every
     * 50th an exact copy; a third end with a shared boilerplate line): the memory benchmark's input,
     * written without holding the documents in memory.
     */
    public static void writeShort(Path file, long n, long seed) throws IOException {
        SplittableRandom r = new SplittableRandom(seed);
        String[] vocab = vocabulary(50_000, r);
        ObjectMapper json = new ObjectMapper();
        String[] recent = new String[1024];
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (long i = 0; i < n; i++) {
                String text;
                if (i > 1024 && i % 50 == 0) {
                    text = recent[r.nextInt(recent.length)];
                } else if (i > 1024 && i % 10 == 0) {
                    String[] words = recent[r.nextInt(recent.length)].split(" ");
                    words[words.length - 1] = vocab[r.nextInt(vocab.length)];   // one shingle changes: J >= 0.8
                    text = String.join(" ", words);
                } else {
                    int len = 10 + r.nextInt(31);
                    StringBuilder sb = new StringBuilder();
                    for (int k = 0; k < len; k++) {
                        // Zipf-like: the cube of a uniform favours the small ranks
                        double u = r.nextDouble();
                        sb.append(k == 0 ? "" : " ").append(vocab[(int) (u * u * u * vocab.length)]);
                    }
                    if (i % 3 == 0) {
                        sb.append(" ").append(NearDuplicateCorpus.BOILERPLATE);
                    }
                    text = sb.toString();
                }
                recent[(int) (i % recent.length)] = text;
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", String.format(Locale.ROOT, "m%08d", i));
                row.put("text", text);
                w.write(json.writeValueAsString(row));
                w.write('\n');
            }
        }
    }

    private static String[] vocabulary(int size, SplittableRandom r) {
        String[] syllables = {"ka", "lo", "mi", "ne", "ru", "ta", "shi", "po", "ve", "den", "gar", "lin", "mor", "sel", "tun",
            "bra", "cle", "dro", "fen", "hal"};
        String[] out = new String[size];
        for (int i = 0; i < size; i++) {
            StringBuilder sb = new StringBuilder();
            int n = 1 + r.nextInt(4);
            for (int k = 0; k < n; k++) {
                sb.append(syllables[r.nextInt(syllables.length)]);
            }
            out[i] = sb.append(i % 97 == 0 ? "" : Integer.toString(i, 36).substring(0, 1)).toString();
        }
        return out;
    }

    public static void write(List<Document> docs, Path file) throws IOException {
        ObjectMapper json = new ObjectMapper();
        if (file.getParent() != null) {
            Files.createDirectories(file.getParent());
        }
        try (Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
            for (Document d : docs) {
                Map<String, Object> row = new LinkedHashMap<>();
                row.put("id", d.id());
                row.put("text", d.text());
                w.write(json.writeValueAsString(row));
                w.write('\n');
            }
        }
    }
}
