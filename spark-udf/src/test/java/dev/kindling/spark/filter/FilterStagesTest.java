package dev.kindling.spark.filter;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.filter.FilterResult;
import dev.kindling.dedup.filter.Filters;
import dev.kindling.dedup.pii.PiiRedactor;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.demo.SampleCorpus;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.io.DataFormat;
import dev.kindling.spark.io.WriteOptions;
import dev.kindling.spark.stage.PipelineOutput;
import dev.kindling.spark.stage.RunReport;
import dev.kindling.spark.stage.StageContext;
import dev.kindling.spark.tokenize.OpenCountingFileSystem;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterStagesTest {
    @TempDir Path tmp;

    private static final StructType SCHEMA = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);

    private static Map<String, String> sample() {
        Map<String, String> docs = new HashMap<>();
        for (SampleCorpus.Doc d : SampleCorpus.load().documents(42)) {
            if (d.id() != null && d.text() != null) {
                docs.put(d.id(), d.text());
            }
        }
        return docs;
    }

    private static Dataset<Row> frame(Map<String, String> docs) {
        List<Row> rows = new ArrayList<>();
        docs.forEach((id, t) -> rows.add(RowFactory.create(id, t)));
        return TestSpark.session().createDataFrame(rows, SCHEMA).repartition(3);
    }

    /** Each stage decides every document as its dedup-module filter does, and C4 passes its trimmed text on. */
    @Test
    void qualityStagesAgreeWithTheFilters() {
        Map<String, String> docs = sample();
        Dataset<Row> in = frame(docs);
        for (String name : QualityFilter.NAMES) {
            var filter = Filters.named(name).get(0);
            int drops = 0;
            for (Row r : new QualityFilter().setFilter(name).transform(in).collectAsList()) {
                String id = r.getAs("id");
                FilterResult expected = filter.apply(docs.get(id));
                String reason = r.getAs(Columns.REASON);
                assertEquals(expected.keep() ? null : name + ":" + expected.reason(), reason, name + " " + id);
                assertEquals(expected.keep() ? expected.text() : docs.get(id), (String) r.getAs("text"), name + " " + id);
                drops += expected.keep() ? 0 : 1;
            }
            assertTrue(drops > 0 || name.equals("c4") || name.equals("fineweb"), name + " drops something from the sample");
        }
        assertThrows(KindlingException.class, () -> new QualityFilter().setFilter("bogus"));
        assertEquals(List.of("gopher_repetition", "gopher_quality", "c4"),
                QualityFilter.stagesFor("gopher, c4").stream().map(QualityFilter::name).toList());
    }

    /**
     * The run report counts each filter stage as datatrove's {@code BaseFilter.run} counts a filter in a pipeline
     * (src/datatrove/pipeline/filters/base_filter.py: {@code total} for every document reaching it, {@code forwarded}
     * when kept, {@code dropped} and {@code dropped_<reason>} otherwise; the next step sees only what was forwarded,
     * with the text the filter left, C4's trimmed lines included). The expected numbers replay that loop over the
     * dedup-module filters, the edge cases (empty, white space only, punctuation only) among the documents.
     */
    @Test
    void runReportCountsAsDatatrovesFilterStats() {
        Map<String, String> docs = sample();
        docs.put("edge-empty", "");
        docs.put("edge-blank", " \n\t \n");
        docs.put("edge-punct", "...\n!!!\n???\n");
        List<QualityFilter> stages = QualityFilter.stagesFor("gopher,c4,fineweb");
        Map<String, String> reaching = new TreeMap<>(docs);
        List<RunReport.StageReport> expected = new ArrayList<>();
        for (QualityFilter stage : stages) {
            var filter = Filters.named(stage.name()).get(0);
            Map<String, Long> dropped = new TreeMap<>();
            Map<String, String> forwarded = new TreeMap<>();
            reaching.forEach((id, t) -> {
                FilterResult r = filter.apply(t);
                if (r.keep()) {
                    forwarded.put(id, r.text());
                } else {
                    dropped.merge(r.reason(), 1L, Long::sum);
                }
            });
            expected.add(new RunReport.StageReport(stage.name(), reaching.size(), forwarded.size(), dropped));
            reaching = forwarded;
        }

        StageContext context = new StageContext(TestSpark.session(), "id", "text");
        Dataset<Row> annotated = frame(docs).withColumn(Columns.REASON, org.apache.spark.sql.functions.lit(null).cast("string"));
        List<String> order = new ArrayList<>(List.of("read"));
        for (QualityFilter stage : stages) {
            annotated = stage.apply(annotated, context);
            order.add(stage.name());
        }
        PipelineOutput.Targets targets = new PipelineOutput.Targets(
                new WriteOptions(tmp.resolve("kept").toString(), DataFormat.JSONL, false, null), false, null, null);
        RunReport report = PipelineOutput.write(annotated, context, targets, order, Set.of(), System.nanoTime());

        assertEquals(docs.size(), report.documentsIn());
        assertEquals(reaching.size(), report.documentsKept());
        assertEquals(expected, report.stages().subList(1, report.stages().size()), report.toString());
        assertTrue(expected.stream().mapToLong(RunReport.StageReport::droppedTotal).sum() > 3, "the sample exercises the filters");
    }

    /**
     * A row without text did not pass a quality filter: it is rejected as {@code <filter>:null_text} (it was kept, with
     * no reason, where the empty text is dropped), as the CLI's reader sets it aside as {@code read:null_text}.
     */
    @Test
    void nullTextIsRejectedByEveryQualityFilter() {
        Map<String, String> docs = new HashMap<>();
        docs.put("none", null);
        docs.put("empty", "");
        for (String name : QualityFilter.NAMES) {
            Map<String, String> reasons = new HashMap<>();
            for (Row r : new QualityFilter().setFilter(name).transform(frame(docs)).collectAsList()) {
                reasons.put(r.getAs("id"), r.getAs(Columns.REASON));
            }
            assertEquals(name + ":null_text", reasons.get("none"), name);
            assertEquals(name + ":" + Filters.named(name).get(0).apply("").reason(), reasons.get("empty"), name);
        }
    }

    /** PII: the text rewritten, the counts per kind as the redactor's, nothing dropped. */
    @Test
    void piiRedactsAndCounts() {
        Map<String, String> docs = sample();
        List<Row> out = new PiiRedaction().setCountsCol("pii").transform(frame(docs)).collectAsList();
        PiiRedactor redactor = PiiRedactor.defaults();
        int total = 0;
        for (Row r : out) {
            String id = r.getAs("id");
            PiiRedactor.Result expected = redactor.redact(docs.get(id));
            assertEquals(expected.text(), (String) r.getAs("text"), id);
            assertEquals(null, (String) r.getAs(Columns.REASON));
            scala.collection.Map<String, Integer> counts = r.getAs("pii");
            assertEquals(expected.total(), counts.values().map(v -> (int) v).sum(scala.math.Numeric.IntIsIntegral$.MODULE$), id);
            total += expected.total();
        }
        assertTrue(total >= 9, "the sample holds e-mails, IPs and phones: " + total);
        assertEquals(List.of("id", "text", Columns.REASON), List.of(new PiiRedaction().transform(frame(docs)).columns()),
                "metric columns stay internal");
    }

    /**
     * A JSON Lines benchmark's lines end at \n alone, as the input reader's: a raw \r inside an item (JSON white space
     * between its tokens, which json.loads of the \n-split line takes) cut the item in two malformed lines, and the run
     * failed on a benchmark Python reads, naming a line that is not the bad one. CRLF lines read as before, and a bad
     * line is numbered as \n splits them.
     */
    @Test
    void aCrInsideABenchmarkItemIsWhiteSpaceNotALineEnd() throws Exception {
        Map<String, String> docs = new HashMap<>();
        String leaked = "the committee met on tuesday to review the annual budget of the city library and its branches";
        docs.put("a", "Minutes. " + leaked + ", said the chair.");
        docs.put("b", "Unrelated text about gardening in spring, with tomatoes and beans and a few words more.");
        Path bench = Files.writeString(tmp.resolve("cr.jsonl"), "{\"id\": 1,\r\"question\": \"" + leaked + "?\"}\r\n\r\n"
                + "{\"id\": 2, \"question\": \"short one\"}\r\n");
        Map<String, String> reasons = new HashMap<>();
        for (Row r : new Decontamination().setBenchmark(bench.toString()).setBenchmarkColumns(new String[] {"question"})
                .transform(frame(docs)).collectAsList()) {
            reasons.put(r.getAs("id"), r.getAs(Columns.REASON));
        }
        assertEquals(Map.of("a", "decontaminate:ngram_overlap"), Map.of("a", reasons.get("a")));
        assertEquals(null, reasons.get("b"));
        Path broken = Files.writeString(tmp.resolve("cr-broken.jsonl"), "{\"id\": 1,\r\"question\": \"" + leaked + "?\"}\r\n{broken\r\n");
        KindlingException malformed = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(broken.toString())
                .setBenchmarkColumns(new String[] {"question"}).transform(frame(docs)).collectAsList());
        assertTrue(malformed.getMessage().contains("cannot be read: line 2: malformed JSON ("), malformed.getMessage());
    }

    /**
     * A benchmark line whose object gives a key twice fails the run naming the file, the line and the key, as the input
     * reader refuses such a row: Spark's parser kept the last value, so the first item went unchecked without a word.
     */
    @Test
    void aBenchmarkKeyGivenTwiceFailsNamingFileLineAndKey() throws Exception {
        Map<String, String> docs = new HashMap<>();
        docs.put("a", "Minutes. the committee met on tuesday to review the annual budget of the city library and its branches.");
        Path bench = Files.writeString(tmp.resolve("twice.jsonl"), "{\"question\": \"an item of a few words\"}\n"
                + "{\"question\": \"the committee met on tuesday to review the annual budget of the city library\", \"question\": \"x\"}\n");
        KindlingException twice = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(bench.toString())
                .setBenchmarkColumns(new String[] {"question"}).transform(frame(docs)).collectAsList());
        assertTrue(twice.getMessage().contains("decontaminate: benchmark " + bench + " cannot be read: line 2: key 'question' given "
                + "twice in the line's object, at characters 2 and 94 of the line"), twice.getMessage());
    }

    /**
     * A benchmark is read as a glob, as the inputs are, and checked as they are: {@code bench[1].jsonl} beside {@code
     * bench1.jsonl} had the other file's items indexed in silence (the document sharing the named file's item kept), and a
     * glob of two files was refused as "does not exist". The named file is refused as an input is, giving the escaped
     * name, which reads it; where it is local, before Spark starts too, by the stage's own check, which curate runs
     * (StageConfigTest) and filter --decontaminate runs naming its option (ModeOptionsTest).
     */
    @Test
    void aBenchmarkWhoseGlobMatchesAnotherFileIsRefused() throws Exception {
        String leaked = "the committee met on tuesday to review the annual budget of the city library and its branches";
        String other = "a long and winding road leads over the hills to the sea where the old lighthouse keeper lives alone";
        Map<String, String> docs = Map.of("a", "Minutes. " + leaked + ".", "b", "Travel notes: " + other + ".");
        Path named = Files.writeString(tmp.resolve("bench[1].jsonl"), "{\"text\": \"" + leaked + "\"}\n");
        Path matched = Files.writeString(tmp.resolve("bench1.jsonl"), "{\"text\": \"" + other + "\"}\n");
        String escaped = tmp.resolve("bench\\[1\\].jsonl").toString();
        Decontamination stage = new Decontamination().setBenchmark(named.toString());
        KindlingException early = assertThrows(KindlingException.class, stage::checkLocalBenchmarkColumns);
        KindlingException e = assertThrows(KindlingException.class, () -> stage.transform(frame(docs)).collectAsList());
        for (KindlingException refused : List.of(early, e)) {
            assertEquals(KindlingException.USAGE, refused.exitCode());
            assertTrue(refused.getMessage().startsWith("decontaminate: benchmark " + named + " matches ")
                    && refused.getMessage().contains(matched + " as a glob") && refused.getMessage().contains("though a file of that name is there") && refused.getMessage().endsWith(escaped),
                    refused.getMessage());
        }
        assertEquals(Set.of("a"), dropped(new Decontamination().setBenchmark(escaped), docs), "the escaped name reads the named file");

        Files.delete(matched);
        KindlingException alone = assertThrows(KindlingException.class, () -> stage.transform(frame(docs)).collectAsList());
        assertTrue(alone.getMessage().contains("decontaminate: benchmark " + named + " matches no file as a glob"), alone.getMessage());

        Path folder = Files.createDirectories(tmp.resolve("benchmarks"));
        Files.writeString(folder.resolve("x.jsonl"), "{\"text\": \"" + leaked + "\"}\n");
        Files.writeString(folder.resolve("y.jsonl"), "{\"text\": \"" + other + "\"}\n");
        assertEquals(Set.of("a", "b"), dropped(new Decontamination().setBenchmark(folder + "/*.jsonl"), docs), "a glob of two files");
    }

    /** The ids of the documents {@code stage} drops. */
    private static Set<String> dropped(Decontamination stage, Map<String, String> docs) {
        Set<String> out = new java.util.TreeSet<>();
        for (Row r : stage.transform(frame(docs)).collectAsList()) {
            if (r.getAs(Columns.REASON) != null) {
                out.add(r.getAs("id"));
            }
        }
        return out;
    }

    /** Decontamination drops (or flags) exactly the documents sharing a 13-gram with the benchmark. */
    @Test
    void decontaminationDropsOrFlags() throws Exception {
        Map<String, String> docs = new HashMap<>();
        String leaked = "the committee met on tuesday to review the annual budget of the city library and its branches";
        docs.put("a", "Minutes. " + leaked.toUpperCase() + ", said the chair.");
        docs.put("b", "The committee met on Tuesday. Nothing else happened at all that day in the library.");
        docs.put("c", "Unrelated text about gardening in spring, with tomatoes and beans and a few words more.");
        Path bench = tmp.resolve("bench.jsonl");
        Files.writeString(bench, "{\"question\": \"" + leaked + "?\", \"id\": 1}\n{\"question\": \"short one\", \"id\": 2}\n");
        Map<String, String> reasons = new HashMap<>();
        for (Row r : new Decontamination().setBenchmark(bench.toString()).setBenchmarkColumns(new String[] {"question"})
                .transform(frame(docs)).collectAsList()) {
            reasons.put(r.getAs("id"), r.getAs(Columns.REASON));
        }
        assertEquals("decontaminate:ngram_overlap", reasons.get("a"));
        assertEquals(null, reasons.get("b"));
        assertEquals(null, reasons.get("c"));
        Map<String, Boolean> flags = new HashMap<>();
        for (Row r : new Decontamination().setBenchmark(bench.toString()).setBenchmarkColumns(new String[] {"question"})
                .setMode("flag").transform(frame(docs)).collectAsList()) {
            flags.put(r.getAs("id"), r.getAs("contaminated"));
            assertEquals(null, (String) r.getAs(Columns.REASON));
        }
        assertEquals(Map.of("a", true, "b", false, "c", false), flags);
        KindlingException missing = assertThrows(KindlingException.class,
                () -> new Decontamination().setBenchmark(tmp.resolve("nope.jsonl").toString()).transform(frame(docs)));
        assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
        KindlingException column = assertThrows(KindlingException.class,
                () -> new Decontamination().setBenchmark(bench.toString()).transform(frame(docs)));
        assertTrue(column.getMessage().contains("has no column 'text'"), column.getMessage());
        // the setting to change, as each way of running the stage names it: curate's config calls it columns
        assertTrue(column.getMessage().contains("a curate config's columns"), column.getMessage());
        // a malformed benchmark line fails (skipped, its items would go unchecked); an empty benchmark says so
        Path broken = Files.writeString(tmp.resolve("broken.jsonl"), "{\"question\": \"" + leaked + "?\"}\n{broken\n");
        KindlingException malformed = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(broken.toString())
                .setBenchmarkColumns(new String[] {"question"}).transform(frame(docs)).collectAsList());
        assertTrue(malformed.getMessage().contains("broken.jsonl") && malformed.getMessage().contains("cannot be read"),
                malformed.getMessage());
        // the line, as the input reader names one: Spark's message was its error class and _corrupt_record
        assertTrue(malformed.getMessage().contains("cannot be read: line 2: malformed JSON (")
                && !malformed.getMessage().contains("MALFORMED_RECORD"), malformed.getMessage());
        Path empty = Files.writeString(tmp.resolve("empty.jsonl"), "");
        KindlingException none = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(empty.toString())
                .setBenchmarkColumns(new String[] {"question"}).transform(frame(docs)));
        assertTrue(none.getMessage().contains("empty.jsonl is empty"), none.getMessage());

        // a folder of JSON Lines shards (Spark's part files) is read as JSON, as the file is: it was read as text, so its
        // columns could not be chosen and an item's escapes (a line break as \n) were matched undecoded
        String broke = "she wrote the letter to her grandmother in the old house by the river and then went out";
        docs.put("d", "Intro. " + broke + ", then came home.");
        Path shards = Files.createDirectories(tmp.resolve("bench-shards"));
        Files.writeString(shards.resolve("part-00000.json"), "{\"question\": \"" + leaked + "?\", \"id\": 1}\n");
        Files.writeString(shards.resolve("part-00001.json"), "{\"question\": \"" + broke.replace(" in the old", "\\nin the old") + "\"}\n");
        Files.writeString(shards.resolve("_SUCCESS"), "");
        Map<String, String> fromFolder = new HashMap<>();
        for (Row r : new Decontamination().setBenchmark(shards.toString()).setBenchmarkColumns(new String[] {"question"})
                .transform(frame(docs)).collectAsList()) {
            fromFolder.put(r.getAs("id"), r.getAs(Columns.REASON));
        }
        assertEquals("decontaminate:ngram_overlap", fromFolder.get("a"));
        assertEquals("decontaminate:ngram_overlap", fromFolder.get("d"), "the item with an escaped line break");
        assertEquals(null, fromFolder.get("b"));
        // and so is a glob over it, whose matches include the hidden _SUCCESS Spark's reader passes over: that was named
        // a text file, and the glob refused as holding "files of more than one format"
        Map<String, String> fromGlob = new HashMap<>();
        for (Row r : new Decontamination().setBenchmark(shards.resolve("*").toString()).setBenchmarkColumns(new String[] {"question"})
                .transform(frame(docs)).collectAsList()) {
            fromGlob.put(r.getAs("id"), r.getAs(Columns.REASON));
        }
        assertEquals(fromFolder, fromGlob);
        // compressed shards (convert --compression bzip2 writes part-*.json.bz2) are JSON Lines too
        Path packed = tmp.resolve("bench-bz2");
        dev.kindling.spark.TestSpark.session().read().json(shards.resolve("part-00001.json").toString())
                .write().option("compression", "bzip2").json(packed.toString());
        Map<String, String> fromBz2 = new HashMap<>();
        for (Row r : new Decontamination().setBenchmark(packed.toString()).setBenchmarkColumns(new String[] {"question"})
                .transform(frame(docs)).collectAsList()) {
            fromBz2.put(r.getAs("id"), r.getAs(Columns.REASON));
        }
        assertEquals("decontaminate:ngram_overlap", fromBz2.get("d"), "read as JSON Lines: " + fromBz2);
        // a bad line of a folder is quoted (its number would count across the files), and Spark's leniencies (single
        // quotes) do not make an earlier line the culprit
        Path badFolder = Files.createDirectories(tmp.resolve("bench-bad"));
        Files.writeString(badFolder.resolve("part-00000.json"), "{'question': 'single quotes are fine for Spark'}\n{broken line\n");
        KindlingException badLine = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(badFolder.toString())
                .setBenchmarkColumns(new String[] {"question"}).transform(frame(docs)).collectAsList());
        assertTrue(badLine.getMessage().contains("the line beginning '{broken line': malformed JSON"), badLine.getMessage());
        Files.writeString(shards.resolve("notes.txt"), "a line\n");
        KindlingException mixed = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(shards.toString())
                .setBenchmarkColumns(new String[] {"question"}).transform(frame(docs)));
        assertTrue(mixed.getMessage().contains("holds files of more than one format (json: part-0000"), mixed.getMessage());
        Path bare = Files.createDirectories(tmp.resolve("bench-bare"));
        Files.writeString(bare.resolve("_SUCCESS"), "");
        KindlingException noData = assertThrows(KindlingException.class, () -> new Decontamination().setBenchmark(bare.toString())
                .transform(frame(docs)));
        assertTrue(noData.getMessage().contains("bench-bare holds no data files"), noData.getMessage());
    }

    /**
     * The benchmark file is read once: Spark's JSON reader read it to infer the schema and again for each benchmark column
     * (three times for two columns), a remote benchmark fetched as often. Both columns' items still count, an array
     * column's elements each an item.
     */
    @Test
    void decontaminationReadsTheBenchmarkOnce() throws Exception {
        TestSpark.session().sparkContext().hadoopConfiguration().set("fs." + OpenCountingFileSystem.SCHEME + ".impl",
                OpenCountingFileSystem.class.getName());
        String question = "the committee met on tuesday to review the annual budget of the city library and its branches";
        String answer = "a tall lighthouse keeper counted forty seven ships sailing past the northern harbour wall before dawn";
        String choice = "every child in the village learned to bake bread from the old miller and his patient wife";
        Map<String, String> docs = new HashMap<>();
        docs.put("q", "Minutes: " + question + ".");
        docs.put("a", "Log: " + answer + ".");
        docs.put("c", "Story: " + choice + ".");
        docs.put("x", "Unrelated text about gardening in spring, with tomatoes and beans and a few words more.");
        Path bench = Files.writeString(tmp.resolve("two-columns.jsonl"), "{\"question\": \"" + question + "\", \"answer\": [\"" + answer
                + "\"]}\n\n{\"question\": \"short\", \"answer\": [\"" + choice + "\", null]}\n");
        Map<String, String> reasons = new TreeMap<>();
        for (Row r : new Decontamination().setBenchmark(OpenCountingFileSystem.SCHEME + "://" + bench)
                .setBenchmarkColumns(new String[] {"question", "answer"}).transform(frame(docs)).collectAsList()) {
            reasons.put(r.getAs("id"), r.getAs(Columns.REASON));
        }
        Map<String, String> expected = new TreeMap<>(Map.of("q", "decontaminate:ngram_overlap", "a", "decontaminate:ngram_overlap",
                "c", "decontaminate:ngram_overlap"));
        expected.put("x", null);
        assertEquals(expected, reasons, "the items of both columns, an array's elements each");
        assertEquals(1, OpenCountingFileSystem.opens(bench), "times the benchmark file was opened");
    }

    /**
     * A benchmark item quoting Moby-Dick's opening with spaced dashes leaks into chapter 1, which writes em-dashes between
     * the words ("ago\u2014never"): removed with no space in their place they glued the chapter's words together, every
     * 13-gram of the item crossed one and the chapter was kept. Punctuation is a space, as in datatrove's simplify_text.
     */
    @Test
    void decontaminationSeesWordsAcrossADash() throws Exception {
        Map<String, String> docs = new HashMap<>();
        for (dev.kindling.dedup.Document d : dev.kindling.dedup.io.JsonlDocuments.read(
                dev.kindling.testing.SharedData.require("corpus/moby-dick.jsonl"), "id", "text").subList(0, 8)) {
            docs.put(d.id(), d.text());
        }
        assertTrue(docs.get("chapter_1").contains("Some years ago\u2014never mind how long precisely\u2014having"));
        Path bench = Files.writeString(tmp.resolve("moby.jsonl"), "{\"passage\": \"Call me Ishmael. Some years ago -- never mind "
                + "how long precisely -- having little or no money in my purse\"}\n");
        Map<String, String> reasons = new TreeMap<>();
        for (Row r : new Decontamination().setBenchmark(bench.toString()).setBenchmarkColumns(new String[] {"passage"})
                .transform(frame(docs)).collectAsList()) {
            if (r.getAs(Columns.REASON) != null) {
                reasons.put(r.getAs("id"), r.getAs(Columns.REASON));
            }
        }
        assertEquals(Map.of("chapter_1", "decontaminate:ngram_overlap"), reasons);
    }

    /** The filters never read the id column, and no longer ask for one: a DataFrame of texts alone was refused. */
    @Test
    void filtersNeedNoIdColumn() throws Exception {
        String leaked = "the committee met on tuesday to review the annual budget of the city library and its branches";
        Dataset<Row> texts = TestSpark.session().createDataFrame(List.of(RowFactory.create("Mail jane.doe@example.com now."),
                RowFactory.create("We read: " + leaked + ".")), new StructType().add("text", DataTypes.StringType));
        List<Row> pii = new PiiRedaction().transform(texts).collectAsList();
        assertEquals("Mail <EMAIL> now.", pii.get(0).getString(0));
        assertEquals(2, new QualityFilter().setFilter("c4").transform(texts).count());
        Path bench = tmp.resolve("leak.jsonl");
        Files.writeString(bench, "{\"text\": \"" + leaked + "\"}\n");
        List<Row> decon = new Decontamination().setBenchmark(bench.toString()).transform(texts).collectAsList();
        assertEquals(java.util.Arrays.asList(null, "decontaminate:ngram_overlap"), decon.stream().map(r -> r.getString(1)).toList());
    }

    /**
     * A text and a reason column that are collated strings (Spark 4's STRING COLLATE UTF8_LCASE, a table's collated
     * column) are strings to the filter stages, read as they are: the same rows as the uncollated input. They were refused
     * as "column 'text' is string collate UTF8_LCASE, expected string".
     */
    @Test
    void collatedTextIsAString() throws Exception {
        String leaked = "the committee met on tuesday to review the annual budget of the city library and its branches";
        Dataset<Row> plain = TestSpark.session().createDataFrame(List.of(RowFactory.create("a", "Mail jane.doe@example.com now.", null),
                RowFactory.create("b", "We read: " + leaked + ".", null), RowFactory.create("c", "Gone.", "earlier:rejected")),
                SCHEMA.add(Columns.REASON, DataTypes.StringType)).coalesce(1);
        Dataset<Row> collated = plain.selectExpr("id", "text COLLATE UTF8_LCASE AS text", "reason COLLATE UTF8_LCASE AS reason");
        assertEquals("struct<id:string,text:string collate UTF8_LCASE,reason:string collate UTF8_LCASE>", collated.schema().simpleString());
        Path bench = tmp.resolve("leak.jsonl");
        Files.writeString(bench, "{\"text\": \"" + leaked + "\"}\n");
        for (var stage : List.of(new PiiRedaction(), new QualityFilter().setFilter("gopher_quality"), new QualityFilter().setFilter("c4"),
                new Decontamination().setBenchmark(bench.toString()))) {
            List<Row> expected = stage.transform(plain).orderBy("id").collectAsList();
            assertEquals(expected, stage.transform(collated).orderBy("id").collectAsList(), stage.name());
        }
    }

    /** The stages 'kindling filter ARGS' runs, by name, as the command line parses them. */
    private static List<String> filterStages(String... args) {
        FilterCommand command = new FilterCommand();
        new picocli.CommandLine(command).parseArgs(args);
        return command.stages().stream().map(dev.kindling.spark.stage.PipelineStage::name).toList();
    }

    /**
     * --filters' default (gopher,c4,fineweb) is for a run that names no filter: 'filter --decontaminate mmlu.jsonl' also
     * ran the quality filters, which dropped most rows of an instruction set and rewrote the texts c4 kept, where it
     * asked for decontamination alone. Named filters run before it as they did.
     */
    @Test
    void decontaminateAloneRunsNoDefaultFilters() {
        assertEquals(List.of("decontaminate"), filterStages("-i", "in.jsonl", "-o", "out", "--decontaminate", "b.jsonl"));
        assertEquals(List.of("gopher_repetition", "gopher_quality", "c4", "fineweb", "decontaminate"),
                filterStages("-i", "in.jsonl", "-o", "out", "--filters", "gopher,c4,fineweb", "--decontaminate", "b.jsonl"));
        assertEquals(List.of("pii", "decontaminate"),
                filterStages("-i", "in.jsonl", "-o", "out", "--filters", "pii", "--decontaminate", "b.jsonl"));
        assertEquals(List.of("gopher_repetition", "gopher_quality", "c4", "fineweb"), filterStages("-i", "in.jsonl", "-o", "out"));
    }

    /**
     * filter --flag-contaminated on an input with a 'contaminated' column of its own was refused naming a curate config's
     * flag_column, which filter had no counterpart of: --flag-column names the column, and the refusal names it.
     */
    @Test
    void flagColumnNamesTheFlagOfFilter() {
        FilterCommand command = new FilterCommand();
        new picocli.CommandLine(command).parseArgs("-i", "in.jsonl", "-o", "out", "--decontaminate", "b.jsonl", "--flag-contaminated",
                "--flag-column", "in_benchmark");
        Decontamination d = (Decontamination) command.stages().get(0);
        assertEquals("flag", d.getMode());
        assertEquals("in_benchmark", d.getFlagCol());
        StructType docs = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType)
                .add("contaminated", DataTypes.BooleanType);
        KindlingException taken = assertThrows(KindlingException.class,
                () -> new Decontamination().setBenchmark("b.jsonl").setMode("flag").transformSchema(docs));
        assertTrue(taken.getMessage().contains("flagCol 'contaminated' (a curate config's flag_column, filter's --flag-column) "
                + "names an existing column"), taken.getMessage());
        for (String[] args : new String[][] {
                {"--decontaminate", "b.jsonl", "--flag-column", "in_benchmark"},
                {"--flag-column", "in_benchmark"},
                {"--decontaminate", "b.jsonl", "--flag-contaminated", "--flag-column", " "}}) {
            FilterCommand refused = new FilterCommand();
            new picocli.CommandLine(refused).parseArgs(concat(new String[] {"-i", "in.jsonl", "-o", "out"}, args));
            KindlingException e = assertThrows(KindlingException.class, refused::stages, String.join(" ", args));
            assertEquals(KindlingException.USAGE, e.exitCode());
            assertTrue(e.getMessage().contains("--flag-column"), e.getMessage());
        }
    }

    private static String[] concat(String[] a, String[] b) {
        String[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }
}
