package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.demo.SampleCorpus;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the tours (Jupyter notebook, Zeppelin note) must report for the sample corpus with seed 42,
 * computed here from {@link SampleCorpus} itself — not copied from a run — so a reader that lost or
 * miscounted a row fails the tests.
 *
 * <p>Only the {@code read} stage and the total are checked: stages added later (tokenize, curate...)
 * change the kept count of the run, not what was read.
 */
record TourExpectations(long rowsIn, Map<String, Long> readDrops) {
    /** Same test as DatasetReader's empty-text check (Java regex, as Spark's rlike). */
    private static final Pattern BLANK = Pattern.compile("^[\\s\\p{Z}\\x{FEFF}]*$");
    private static final Pattern READ_ROW = Pattern.compile(
            "^read\\s+([\\d,]+)\\s+([\\d,]+)\\s+([\\d,]+)\\s+(.*)$", Pattern.MULTILINE);
    private static final Pattern TOTAL = Pattern.compile("^documents: ([\\d,]+) in, ([\\d,]+) kept, ([\\d,]+) dropped",
            Pattern.MULTILINE);

    static TourExpectations forSeed42() {
        Map<String, Long> drops = new TreeMap<>();
        var docs = SampleCorpus.load().documents(42);
        for (SampleCorpus.Doc d : docs) {
            if (d.text() == null) {
                drops.merge("null_text", 1L, Long::sum);
            } else if (BLANK.matcher(d.text()).matches()) {
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
        Matcher total = TOTAL.matcher(output);
        assertTrue(total.find(), "no 'documents: N in, K kept, D dropped' line in:\n" + output);
        long kept = number(total.group(2));
        assertEquals(rowsIn, number(total.group(1)), total.group());
        assertEquals(rowsIn, kept + number(total.group(3)), total.group());
        return kept;
    }

    static long number(String s) {
        return Long.parseLong(s.replace(",", ""));
    }
}
