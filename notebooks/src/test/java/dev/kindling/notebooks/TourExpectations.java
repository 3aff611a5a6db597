package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.demo.SampleCorpus;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tours (Jupyter notebook, Zeppelin note) must report for the sample corpus with seed 42,
 * computed here from {@link SampleCorpus} itself — not copied from a run — so a reader that lost or
 * miscounted a row fails the tests.
 *
 * <p>Only the {@code read} stage, the total and the presence of decontamination are checked: stages added later
 * (tokenize, curate...) change the kept count of the run, not what was read.
 */
record TourExpectations(long rowsIn, Map<String, Long> readDrops) {
    private static final Pattern READ_ROW = Pattern.compile(
            "^read\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+(.*)$", Pattern.MULTILINE);
    /** Decontamination runs only when the tour gives {@code DemoPipeline} the sample's benchmark, as the demo does. */
    private static final Pattern DECONTAMINATE_ROW = Pattern.compile(
            "^decontaminate\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+ngram_overlap ([\\d,]+)\\s*$", Pattern.MULTILINE);
    private static final Pattern TOTAL = Pattern.compile("^documents: ([\\d,]+) in, ([\\d,]+) kept, ([\\d,]+) dropped",
            Pattern.MULTILINE);

    static TourExpectations forSeed42() {
        Map<String, Long> drops = new TreeMap<>();
        var docs = SampleCorpus.load().documents(42);
        for (SampleCorpus.Doc d : docs) {
            if (d.text() == null) {
                drops.merge("null_text", 1L, Long::sum);
            } else if (dev.kindling.formats.JsonLines.isBlankText(d.text())) { // the reader's own empty-text test
                drops.merge("empty_text", 1L, Long::sum);
            }
        }
        // SampleCorpus.writeJsonl writes exactly one line cut off in the middle, besides the documents
        drops.merge("malformed_json", 1L, Long::sum);
        return new TourExpectations(docs.size() + 1L, drops);
    }

    long readDropped() {
        return readDrops.values().stream().mapToLong(Long::longValue).sum();
    }

    /**
     * Checks a printed {@code RunReport.toTable()}: the read row (in, kept, dropped, reasons) and the
     * total line. Returns the number of documents kept by the whole run.
     */
    long assertReportTable(String output) {
        Matcher read = READ_ROW.matcher(output);
        assertTrue(read.find(), "no 'read' row of the accounting table in:\n" + output);
        assertEquals(rowsIn, number(read.group(1)), "rows in, read row: " + read.group());
        assertEquals(rowsIn - readDropped(), number(read.group(2)), "rows kept, read row: " + read.group());
        assertEquals(readDropped(), number(read.group(3)), "rows dropped, read row: " + read.group());
        Map<String, Long> reasons = new TreeMap<>();
        for (String part : read.group(4).trim().split(",\\s*")) {
            int space = part.lastIndexOf(' ');
            reasons.put(part.substring(0, space), number(part.substring(space + 1)));
        }
        assertEquals(readDrops, reasons, "dropped by reason, read row: " + read.group());
        Matcher decontaminate = DECONTAMINATE_ROW.matcher(output);
        assertTrue(decontaminate.find(), "no 'decontaminate' row with ngram_overlap drops (the demo's stages, the sample's "
                + "benchmark leaked into the corpus) in:\n" + output);
        assertTrue(number(decontaminate.group(4)) > 0, decontaminate.group());
        Matcher total = TOTAL.matcher(output);
        assertTrue(total.find(), "no 'documents: N in, K kept, D dropped' line in:\n" + output);
        long kept = number(total.group(2));
        assertEquals(rowsIn, number(total.group(1)), total.group());
        assertEquals(rowsIn, kept + number(total.group(3)), total.group());
        return kept;
    }

    /**
     * The pipeline's outputs as {@code kindling demo} writes them: the kept documents without the stages' internal
     * columns ({@code _kd_*}, e.g. PII matches per kind), and the accounting JSON with the metrics the stages report
     * (what {@code --stats} holds): PII matches by kind (the corpus has e-mail addresses), sentences removed,
     * benchmark matches, near-duplicate clusters.
     */
    void assertPipelineOutputs(String outputs, String statsJson) {
        Matcher columns = Pattern.compile("^kept columns: (.*)$", Pattern.MULTILINE).matcher(outputs);
        assertTrue(columns.find(), "no 'kept columns: ...' line in:\n" + outputs);
        List<String> kept = List.of(columns.group(1).trim().split(",\\s*"));
        assertTrue(kept.contains("id") && kept.contains("text"), "kept columns " + kept);
        assertTrue(kept.stream().noneMatch(c -> c.startsWith("_kd_")), "internal columns written with the kept documents: " + kept);
        for (String metric : List.of("pii_email", "sentence_dedup_removed_sentences", "decontaminate_matches", "minhash_dedup_clusters")) {
            assertTrue(statsJson.contains("\"" + metric + "\" : "), "metric " + metric + " missing from the accounting:\n" + statsJson);
        }
        Matcher email = Pattern.compile("\"pii_email\" : (\\d+)").matcher(statsJson);
        assertTrue(email.find() && Long.parseLong(email.group(1)) > 0, "e-mail addresses counted by the pii stage:\n" + statsJson);
    }

    /**
     * The curation section: the exact and near duplicates the corpus was built with are found (at
     * least one rejection per generated duplicate of each kind), PII was redacted, and every row is
     * still there (kept + rejected = rows in).
     */
    void assertCuration(String dedup, String filters) {
        var docs = SampleCorpus.load().documents(42);
        long exact = docs.stream().filter(d -> d.kind() == SampleCorpus.Kind.EXACT_DUPLICATE).count();
        long near = docs.stream().filter(d -> d.kind() == SampleCorpus.Kind.NEAR_DUPLICATE).count();
        assertTrue(exact > 0 && near > 0, "the sample corpus has exact and near duplicates");
        long exactFound = tableCount(dedup, "exact_dedup:duplicate");
        long nearFound = tableCount(dedup, "minhash_dedup:near_duplicate");
        assertTrue(exactFound >= exact, "exact duplicates found " + exactFound + ", generated " + exact + ":\n" + dedup);
        assertTrue(nearFound >= 1, "near duplicates found " + nearFound + " (generated " + near + "):\n" + dedup);
        assertTrue(filters.contains("<EMAIL>"), "PII redaction shows a redacted e-mail:\n" + filters);
        assertTrue(filters.contains("gopher_quality:") || filters.contains("c4:") || filters.contains("fineweb:"),
                "quality filters rejected something:\n" + filters);
        Matcher kept = Pattern.compile("kept after curation: (\\d+) of (\\d+) rows").matcher(filters);
        assertTrue(kept.find(), filters);
        assertEquals(rowsIn, Long.parseLong(kept.group(2)), "curation keeps every row, marked: " + kept.group());
        assertEquals(rowsIn - sumCounts(filters), Long.parseLong(kept.group(1)), "kept = rows in - rejected by reason:\n" + filters);
    }

    /**
     * The score and distill sections: with stories260K in the shared data they ran (12 documents
     * scored, CCNet rejection of a quarter, 4 SFT rows without errors, every DPO prompt a pair or a
     * tie); without it they said they skipped.
     */
    void assertModelSections(String model, String score, String sft, String dpo) {
        boolean have = java.nio.file.Files.isRegularFile(dev.kindling.testing.SharedData.root()
                .resolve("data/llama2c/stories260K.gguf"));
        if (!have) {
            assertTrue(model.contains("no model at"), model);
            for (String s : new String[] {score, sft, dpo}) {
                assertTrue(s.contains("skipped: no model"), s);
            }
            return;
        }
        assertTrue(model.contains("model: stories260K.gguf"), model);
        int rows = 0;
        for (String line : score.lines().toList()) {
            String[] f = line.split("\\|", -1);
            // |id|n_tokens|logprob|perplexity|error|
            if (f.length != 7 || !f[2].trim().matches("\\d+")) {
                continue;
            }
            long n = Long.parseLong(f[2].trim());
            double logprob = Double.parseDouble(f[3].trim());
            double perplexity = Double.parseDouble(f[4].trim());
            assertTrue(f[5].trim().equalsIgnoreCase("null"), "no error: " + line);
            assertTrue(n > 0 && logprob < 0, line);
            assertEquals(Math.exp(-logprob / n), perplexity, perplexity * 1e-4, "perplexity = exp(-logprob/n): " + line);
            rows++;
        }
        assertEquals(12, rows, "12 scored documents without an error:\n" + score);
        assertEquals(3, tableCount(score, "perplexity:too_high"), "a quarter of 12 rejected by perplexity:\n" + score);
        assertTrue(sft.contains("sft rows: 4, with an error: 0"), sft);
        assertTrue(sft.contains("|-- messages: array"), sft);
        Matcher pairs = Pattern.compile("dpo pairs: (\\d+), tied: (\\d+), of 4 prompts").matcher(dpo);
        assertTrue(pairs.find(), dpo);
        assertEquals(4, Long.parseLong(pairs.group(1)) + Long.parseLong(pairs.group(2)), "every prompt a pair or a tie: " + pairs.group());
        assertTrue(Long.parseLong(pairs.group(1)) >= 1, "at least one DPO pair: " + pairs.group());
    }

    /** The count of a {@code |reason|count|} row of a {@code show()} table (0 when absent). */
    static long tableCount(String table, String reason) {
        Matcher m = Pattern.compile("^\\|" + Pattern.quote(reason) + "\\s*\\|\\s*(\\d+)\\s*\\|$", Pattern.MULTILINE).matcher(table);
        return m.find() ? Long.parseLong(m.group(1)) : 0;
    }

    /** The sum of the counts of every non-null reason row of a {@code |reason|count|} table. */
    static long sumCounts(String table) {
        Matcher m = Pattern.compile("^\\|([a-z0-9_]+:[a-z0-9_]+)\\s*\\|\\s*(\\d+)\\s*\\|$", Pattern.MULTILINE).matcher(table);
        long sum = 0;
        while (m.find()) {
            sum += Long.parseLong(m.group(2));
        }
        return sum;
    }

    static long number(String s) {
        return Long.parseLong(s.replace(",", ""));
    }
}
