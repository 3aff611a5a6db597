package dev.kindling.spark.curate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.dedup.MinHashDedup;
import dev.kindling.spark.dedup.SentenceDedupStage;
import dev.kindling.spark.stage.PipelineStage;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StageConfigTest {
    private static List<PipelineStage> yaml(String text) throws Exception {
        return StageConfig.parse(new ObjectMapper(new YAMLFactory()).readTree(text), "test.yaml", false);
    }

    private static List<PipelineStage> json(String text) throws Exception {
        return StageConfig.parse(new ObjectMapper().readTree(text), "test.json", false);
    }

    private static String describe(List<PipelineStage> stages) {
        StringBuilder sb = new StringBuilder();
        for (PipelineStage s : stages) {
            sb.append(s.name()).append('\n').append(((org.apache.spark.ml.param.Params) s).explainParams()).append('\n');
            if (s instanceof dev.kindling.spark.filter.PiiRedaction p) {
                sb.append(java.util.Arrays.toString(p.getKinds())).append('\n');
            }
            if (s instanceof dev.kindling.spark.filter.Decontamination d) {
                sb.append(java.util.Arrays.toString(d.getBenchmarkColumns())).append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void yamlAndJsonGiveTheSameStages() throws Exception {
        List<PipelineStage> y = yaml("""
                stages:
                  - exact_dedup: {column: url}
                  - gopher: {}
                  - c4:
                  - minhash_dedup: {threshold: 0.7, num_perm: 128, verify: true}
                  - sentence_dedup: {min_doc_words: 20, min_num_sentences: 1}
                  - pii: {kinds: "email,phone"}
                  - decontaminate: {benchmark: b.jsonl, columns: [question], mode: flag}
                """);
        List<PipelineStage> j = json("""
                {"stages": [{"exact_dedup": {"column": "url"}}, {"gopher": {}}, {"c4": null},
                  {"minhash_dedup": {"threshold": 0.7, "num_perm": 128, "verify": true}},
                  {"sentence_dedup": {"min_doc_words": 20, "min_num_sentences": 1}}, {"pii": {"kinds": ["email", "phone"]}},
                  {"decontaminate": {"benchmark": "b.jsonl", "columns": ["question"], "mode": "flag"}}]}
                """);
        assertEquals(describe(y), describe(j));
        assertEquals(List.of("exact_dedup_url", "gopher_repetition", "gopher_quality", "c4", "minhash_dedup", "sentence_dedup",
                "pii", "decontaminate"), y.stream().map(PipelineStage::name).toList());
        MinHashDedup m = (MinHashDedup) y.get(4);
        assertEquals(128, m.minHashParams().numPerm());
        assertEquals(0.7, m.getThreshold());
        SentenceDedupStage sentences = (SentenceDedupStage) y.get(5);
        assertEquals(20, sentences.getMinDocWords());
        assertEquals(1, sentences.getMinNumSentences());
    }

    /** Refused from the file: JSON or YAML that Python's json.load or yaml.safe_load would read otherwise, or refuse. */
    @Test
    void filesAreReadAsALoaderReadsThemOrRefused(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Files.writeString(tmp.resolve("b.jsonl"), "{\"text\": \"an item\"}\n"); // the configs' benchmark
        String[][] cases = {
            // an alias was read as its name: exact dedup on a column 'text', not 'url'
            {"a.yaml", "col: &text url\nstages:\n  - exact_dedup: {column: *text}\n", "line 3: a YAML alias (*text) is not supported"},
            {"m.yaml", "base: &d {column: url}\nstages:\n  - exact_dedup:\n      <<: *d\n", "a YAML merge key (<<)"},
            // the second document was never read
            {"d.yaml", "stages: [c4]\n---\nstages: [fineweb]\n", "is not valid YAML: more follows the first value"},
            {"k.yaml", "stages:\n  - pii: {kinds: [email], kinds: [phone]}\n", "Duplicate field 'kinds'"},
            {"s.yaml", "stages: [c4]\nstages: [fineweb]\n", "Duplicate field 'stages'"},
            {"t.json", "{\"stages\": [{\"c4\": {}}]} {\"garbage\": 1}", "is not valid JSON"},
            {"u.yaml", "stages: [c4]\nstagse: [fineweb]\n", "unknown key 'stagse'"},
            // SnakeYAML's first line alone, "while scanning for the next token", did not say what or where
            {"tab.yaml", "stages:\n\t- c4: {}\n", "cannot start any token. (Do not use \\t(TAB) for indentation); line 2, column 1"},
            {"e.yaml", "stages:\n  - pii: {kinds: []}\n", "no PII kind given"},
            {"b.yaml", "stages:\n  - decontaminate: {benchmark: ''}\n", "stages[0] (decontaminate): 'benchmark' has no value (empty)"},
            {"c.yaml", "stages:\n  - decontaminate: {benchmark: b.jsonl, columns: []}\n", "'columns' must be one or more column names"},
            {"f.yaml", "stages:\n  - decontaminate: {benchmark: b.jsonl, flag_column: hit}\n", "'flag_column' applies with mode: flag"},
        };
        for (String[] c : cases) {
            java.nio.file.Path f = java.nio.file.Files.writeString(tmp.resolve(c[0]), c[1]);
            KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(f.toString(), null, false), c[0]);
            assertEquals(KindlingException.USAGE, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains(c[2]) && e.getMessage().contains(c[0]), c[0] + ": " + e.getMessage());
        }
        java.nio.file.Path ok = java.nio.file.Files.writeString(tmp.resolve("ok.yaml"),
                "stages:\n  - decontaminate: {benchmark: b.jsonl, mode: flag, flag_column: hit}\n  - pii: {kinds: email}\n");
        assertEquals(2, StageConfig.read(ok.toString(), null, false).size());
    }

    /**
     * The three slips a config's author makes first are each named with what was found: 'stage:' for 'stages:' (it said
     * "expected an object with a 'stages' list" alone), a bare '- c4' (no hint of '- c4: {}'), and YAML in a file named
     * otherwise than .yaml/.yml, read as JSON ("not valid JSON: Unrecognized token 'stages'", not saying why JSON).
     */
    @Test
    void aMistypedConfigSaysWhatItFound(@TempDir java.nio.file.Path tmp) throws Exception {
        String[][] cases = {
            {"typo.yaml", "stage:\n  - c4: {}\n", "expected an object with a 'stages' list, found the key 'stage'"},
            {"two.yaml", "stage: [c4]\nname: x\n", "found the keys 'stage', 'name'"},
            {"empty.yaml", "", "found an empty file"},
            {"list.yaml", "- c4: {}\n", "found a list (give it as 'stages: [...]')"},
            {"word.yaml", "c4\n", "found the value \"c4\""},
            {"map.yaml", "stages: {c4: {}}\n", "found 'stages' holding {\"c4\":{}}"},
            {"bare.yaml", "stages:\n  - c4\n", "stages[0]: expected a one-key object {type: {options}}, got \"c4\" (a stage "
                    + "without options is written '- c4: {}')"},
            {"pipeline.conf", "stages:\n  - c4: {}\n", "is not valid JSON (a config whose name ends in neither .yaml nor .yml "
                    + "is read as JSON): Unrecognized token 'stages'"},
        };
        for (String[] c : cases) {
            java.nio.file.Path f = java.nio.file.Files.writeString(tmp.resolve(c[0]), c[1]);
            KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(f.toString(), null, false), c[0]);
            assertEquals(KindlingException.USAGE, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains(c[2]), c[0] + ": " + e.getMessage());
        }
        // a .json file gets no such note: it is JSON by its name
        java.nio.file.Path json = java.nio.file.Files.writeString(tmp.resolve("p.json"), "stages:\n");
        assertFalse(assertThrows(KindlingException.class, () -> StageConfig.read(json.toString(), null, false)).getMessage()
                .contains("neither"));
    }

    /** exact_dedup's and minhash_dedup's 'against': paths of an earlier corpus, relative ones read from the config's folder. */
    @Test
    void againstPathsAreTheConfigsNeighbours(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path folder = java.nio.file.Files.createDirectories(tmp.resolve("configs"));
        java.nio.file.Files.createDirectories(folder.resolve("earlier"));
        java.nio.file.Path config = java.nio.file.Files.writeString(folder.resolve("p.yaml"), "stages:\n"
                + "  - exact_dedup: {against: [earlier, 's3a://corpus/2026-*']}\n  - minhash_dedup: {against: earlier}\n");
        List<PipelineStage> stages = StageConfig.read(config.toString(), null, false);
        assertEquals(List.of(folder.resolve("earlier").toString(), "s3a://corpus/2026-*"),
                List.of(((dev.kindling.spark.dedup.ExactDedup) stages.get(0)).getAgainstPaths()));
        assertEquals(List.of(folder.resolve("earlier").toString()), List.of(((MinHashDedup) stages.get(1)).getAgainstPaths()));
        java.nio.file.Path missing = java.nio.file.Files.writeString(folder.resolve("q.yaml"), "stages:\n  - minhash_dedup: {against: [nope]}\n");
        KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(missing.toString(), null, false));
        assertTrue(e.getMessage().contains("q.yaml: stages[0] (minhash_dedup): against " + folder.resolve("nope")
                + " does not exist (a relative path is read from the config's folder)"), e.getMessage());
    }

    /**
     * A relative benchmark is read from the config's folder, also when the run starts elsewhere: it was read from the
     * working directory, failing after Spark had started (or reading another folder's file of that name in silence).
     */
    @Test
    void aRelativeBenchmarkIsTheConfigsNeighbour(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Path folder = java.nio.file.Files.createDirectories(tmp.resolve("configs"));
        java.nio.file.Files.writeString(folder.resolve("bench.jsonl"), "{\"text\": \"an item\"}\n");
        java.nio.file.Path config = java.nio.file.Files.writeString(folder.resolve("p.yaml"),
                "stages:\n  - decontaminate: {benchmark: bench.jsonl}\n  - decontaminate: {benchmark: " + folder.resolve("bench.jsonl") + "}\n");
        List<PipelineStage> stages = StageConfig.read(config.toString(), null, false);
        assertEquals(folder.resolve("bench.jsonl").toString(), ((dev.kindling.spark.filter.Decontamination) stages.get(0)).getBenchmark());
        java.nio.file.Path missing = java.nio.file.Files.writeString(folder.resolve("q.yaml"), "stages:\n  - decontaminate: {benchmark: nope.jsonl}\n");
        KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(missing.toString(), null, false));
        assertTrue(e.getMessage().contains("q.yaml: stages[0] (decontaminate): benchmark " + folder.resolve("nope.jsonl")
                + " does not exist (a relative path is read from the config's folder)"), e.getMessage());
        // a colon after a slash is part of a name: a/b:c is relative too (it was read from the working directory). Spark's
        // reader cannot glob such a name, so the benchmark is refused before Spark starts, as an input is (the run failed
        // with Hadoop's URISyntaxException), naming it read from the config's folder
        java.nio.file.Files.createDirectories(folder.resolve("a"));
        java.nio.file.Files.writeString(folder.resolve("a").resolve("b:c.jsonl"), "{\"text\": \"an item\"}\n");
        java.nio.file.Path colon = java.nio.file.Files.writeString(folder.resolve("c.yaml"), "stages:\n  - decontaminate: {benchmark: 'a/b:c.jsonl'}\n");
        KindlingException c = assertThrows(KindlingException.class, () -> StageConfig.read(colon.toString(), null, false));
        assertTrue(c.getMessage().startsWith("config " + colon + ": stages[0] (decontaminate): benchmark " + folder.resolve("a/b:c.jsonl")
                + ": Hadoop cannot glob or open a file whose name holds ':'"), c.getMessage());
    }

    /**
     * A config's benchmark is read as Spark reads it, a glob: {@code bench/*.jsonl} and the escaped {@code b\[1\].jsonl}
     * were refused as "does not exist" (the literal path was looked for), though the refusal of {@code b[1].jsonl} gives
     * that very escape. Each is checked as read: the single file a glob matches has its columns checked, and a glob that
     * matches nothing is refused before Spark starts.
     */
    @Test
    void aConfigBenchmarkIsAGlobOrAnEscapedName(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Files.createDirectories(tmp.resolve("bench"));
        java.nio.file.Files.writeString(tmp.resolve("bench").resolve("mmlu.jsonl"), "{\"question\": \"an item\"}\n");
        java.nio.file.Files.writeString(tmp.resolve("b[1].jsonl"), "{\"question\": \"an item\"}\n");
        java.nio.file.Files.writeString(tmp.resolve("b1.jsonl"), "{\"question\": \"another item\"}\n");
        for (String benchmark : List.of("bench/*.jsonl", "b\\[1\\].jsonl")) {
            java.nio.file.Path config = java.nio.file.Files.writeString(tmp.resolve("p.yaml"), "stages:\n"
                    + "  - decontaminate: {benchmark: '" + benchmark + "', columns: [question]}\n");
            List<PipelineStage> stages = StageConfig.read(config.toString(), null, false);
            assertEquals(tmp.resolve(benchmark).toString(), ((dev.kindling.spark.filter.Decontamination) stages.get(0)).getBenchmark());
        }
        // the glob's one match and the escaped name's file are the files whose columns are checked
        java.nio.file.Path noColumn = java.nio.file.Files.writeString(tmp.resolve("q.yaml"), "stages:\n"
                + "  - decontaminate: {benchmark: 'b\\[1\\].jsonl', columns: [answer]}\n");
        KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(noColumn.toString(), null, false));
        assertTrue(e.getMessage().contains("stages[0] (decontaminate): benchmark " + tmp.resolve("b\\[1\\].jsonl")
                + " has no column 'answer'"), e.getMessage());
        java.nio.file.Path none = java.nio.file.Files.writeString(tmp.resolve("n.yaml"), "stages:\n"
                + "  - decontaminate: {benchmark: 'bench/*.parquet'}\n");
        e = assertThrows(KindlingException.class, () -> StageConfig.read(none.toString(), null, false));
        assertTrue(e.getMessage().contains("stages[0] (decontaminate): benchmark " + tmp.resolve("bench/*.parquet")
                + " does not exist (a relative path is read from the config's folder)"), e.getMessage());
    }

    /**
     * A config's bands and rows without num_perm take as many permutations as they use, as the dedup command's do: 20 x 8
     * was refused for not fitting in the default 112, and 7 x 8 computed 112 and used 56 (found by an adversarial pass).
     */
    @Test
    void bandsAndRowsWithoutNumPermTakeTheirOwn() throws Exception {
        MinHashDedup wide = (MinHashDedup) yaml("stages:\n  - minhash_dedup: {bands: 20, rows: 8}\n").get(0);
        assertEquals(160, wide.minHashParams().numPerm());
        assertEquals(56, ((MinHashDedup) yaml("stages:\n  - minhash_dedup: {bands: 7, rows: 8}\n").get(0)).minHashParams().numPerm());
        assertEquals(200, ((MinHashDedup) yaml("stages:\n  - minhash_dedup: {bands: 7, rows: 8, num_perm: 200}\n").get(0))
                .minHashParams().numPerm());
        KindlingException e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {num_perm: 50000}\n"));
        assertTrue(e.getMessage().contains("stages[0] (minhash_dedup): 'num_perm' must be in [1, 8192], got 50000"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {bands: 200, rows: 50}\n"));
        assertTrue(e.getMessage().contains("stages[0] (minhash_dedup): num_perm must be in [1, 8192] (the values of each document's signature; datatrove uses "
                + "112), got 10000"), e.getMessage());
    }

    /**
     * A benchmark path Hadoop cannot parse (a scheme before a relative path) is refused naming the stage: it failed after
     * Spark had started as a bare "URISyntaxException: Relative path in absolute URI".
     */
    @Test
    void aBenchmarkHadoopCannotParseIsRefused(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Files.writeString(tmp.resolve("bench.jsonl"), "{\"text\": \"an item\"}\n");
        String[][] cases = {
            {"file:bench.jsonl", "stages[0] (decontaminate): benchmark file:bench.jsonl: a file: URI takes an absolute path (file:/data/x or "
                    + "file:///data/x); give a relative path without file:"},
            {"co:lon/x.jsonl", "stages[0] (decontaminate): benchmark co:lon/x.jsonl is not a path Hadoop can read: it takes 'co' before the "
                    + "colon for a URI scheme, which needs an absolute path after it (co:/...)"},
        };
        for (String[] c : cases) {
            java.nio.file.Path config = java.nio.file.Files.writeString(tmp.resolve("p.yaml"), "stages:\n  - decontaminate: {benchmark: '" + c[0] + "'}\n");
            KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(config.toString(), null, false), c[0]);
            assertEquals(KindlingException.USAGE, e.exitCode(), e.getMessage());
            assertTrue(e.getMessage().contains(c[1]), e.getMessage());
        }
    }

    /**
     * An option given without a value (YAML's {@code column:} left empty) was read as absent, so exact_dedup compared the
     * text instead of the column meant; a stage given twice had its counts merged into the first's in the table.
     */
    @Test
    void emptyOptionsAndRepeatedStagesAreRefused(@TempDir java.nio.file.Path tmp) throws Exception {
        KindlingException e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - exact_dedup: {column: }\n"));
        assertTrue(e.getMessage().contains("stages[0] (exact_dedup): 'column' has no value (null)"), e.getMessage());
        // in block style Jackson reads the empty value as "", which exact_dedup took as the text column, in silence
        java.nio.file.Path block = java.nio.file.Files.writeString(tmp.resolve("block.yaml"), "stages:\n  - exact_dedup:\n      column:\n");
        e = assertThrows(KindlingException.class, () -> StageConfig.read(block.toString(), null, false));
        assertTrue(e.getMessage().contains("stages[0] (exact_dedup): 'column' has no value (empty)"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> json("{\"stages\": [{\"exact_dedup\": {\"normalize\": \"\"}}]}"));
        assertTrue(e.getMessage().contains("'normalize' has no value (empty)"), e.getMessage());
        // a bare stage name is a stage with no options, as {} is
        java.nio.file.Path bare = java.nio.file.Files.writeString(tmp.resolve("bare.yaml"), "stages:\n  - exact_dedup:\n  - gopher_repetition:\n");
        assertEquals(List.of("exact_dedup", "gopher_repetition"), StageConfig.read(bare.toString(), null, false)
                .stream().map(PipelineStage::name).toList());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {threshold: ~}\n"));
        assertTrue(e.getMessage().contains("'threshold' has no value"), e.getMessage());
        // a repeat is a stage of its own in the table (its reasons name#2:why); on another column it has another name
        List<PipelineStage> repeated = yaml("stages:\n  - exact_dedup: {normalize: none}\n  - gopher_repetition: {}\n"
                + "  - exact_dedup: {}\n  - exact_dedup: {column: url}\n  - exact_dedup: {normalize: near}\n");
        assertEquals(List.of("exact_dedup", "gopher_repetition", "exact_dedup#2", "exact_dedup_url", "exact_dedup#3"),
                repeated.stream().map(PipelineStage::name).toList());
    }

    /**
     * A repeated stage's rejections are its own (name#2:why) and the first's keep theirs: the second exact dedup, after a
     * first that compared texts as given, finds the copies that differ in case.
     */
    @Test
    void aRepeatedStageCountsItsOwnRows() throws Exception {
        org.apache.spark.sql.SparkSession spark = dev.kindling.spark.TestSpark.session();
        List<PipelineStage> stages = yaml("stages:\n  - exact_dedup: {normalize: none}\n  - exact_dedup: {}\n");
        org.apache.spark.sql.Dataset<org.apache.spark.sql.Row> docs = spark.sql("SELECT * FROM VALUES ('a', 'Hello world'), "
                + "('b', 'Hello world'), ('c', 'HELLO WORLD'), ('d', 'other') AS t(id, text)")
                .withColumn("reason", org.apache.spark.sql.functions.lit(null).cast("string"));
        dev.kindling.spark.stage.StageContext ctx = new dev.kindling.spark.stage.StageContext(spark, "id", "text");
        for (PipelineStage s : stages) {
            docs = s.apply(docs, ctx);
        }
        java.util.Map<String, String> reasons = new java.util.TreeMap<>();
        for (org.apache.spark.sql.Row r : docs.select("id", "reason").collectAsList()) {
            reasons.put(r.getString(0), r.getString(1));
        }
        java.util.Map<String, String> expected = new java.util.TreeMap<>();
        expected.put("a", null);
        expected.put("b", "exact_dedup:duplicate");
        expected.put("c", "exact_dedup#2:duplicate");
        expected.put("d", null);
        assertEquals(expected, reasons);
    }

    /** A reason's stage is the longest stage name it starts with: a column "src:url" made a phantom stage "exact_dedup_src". */
    @Test
    void aStageNameWithAColonKeepsItsCounts() {
        dev.kindling.spark.stage.RunReport r = dev.kindling.spark.stage.RunReport.of(List.of("read", "exact_dedup_src:url"),
                java.util.Map.of("kept", 2L, "exact_dedup_src:url:duplicate", 1L), java.util.Map.of(), 1.0);
        assertEquals(2, r.stages().size(), r.stages().toString());
        assertEquals("exact_dedup_src:url", r.stages().get(1).stage());
        assertEquals(java.util.Map.of("duplicate", 1L), r.stages().get(1).dropped());
    }

    @Test
    void errorsNameTheStageAndWhatWasExpected() throws Exception {
        KindlingException e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - exact_dedup: {}\n  - minhash: {}\n"));
        assertTrue(e.getMessage().contains("stages[1] (minhash): unknown stage type"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {threshold: high}\n"));
        assertTrue(e.getMessage().contains("'threshold' must be a number"), e.getMessage());
        // whole numbers are whole: 5.5 was truncated to 5 and 2^40 wrapped
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {ngram: 5.5}\n"));
        assertTrue(e.getMessage().contains("'ngram' must be a whole number, got 5.5"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {num_perm: 1099511627776}\n"));
        assertTrue(e.getMessage().contains("'num_perm' is out of range"), e.getMessage());
        // past the long range too (was "must be a whole number")
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {num_perm: 99999999999999999999999}\n"));
        assertTrue(e.getMessage().contains("'num_perm' is out of range: 99999999999999999999999"), e.getMessage());
        assertEquals(5, ((MinHashDedup) yaml("stages:\n  - minhash_dedup: {ngram: 5.0}\n").get(0)).minHashParams().ngram());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {threshold: 1.2}\n"));
        // the option as the config spells it, not the stage's class and random uid
        assertTrue(e.getMessage().endsWith("stages[0] (minhash_dedup): 'threshold' must be in (0, 1), got 1.2"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {num_perm: 0}\n"));
        assertFalse(e.getMessage().contains("kindling_minhash_dedup"), e.getMessage());
        assertTrue(e.getMessage().contains("stages[0] (minhash_dedup): 'num_perm' "), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - minhash_dedup: {bands: 20, rows: 8, num_perm: 112}\n"));
        // as the config spells it (it said numPerm, the Java field)
        assertTrue(e.getMessage().endsWith("stages[0] (minhash_dedup): bands x rows must fit in num_perm: bands=20 rows=8 num_perm=112"),
                e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - c4: {strict: true}\n"));
        assertTrue(e.getMessage().contains("unknown option 'strict' (it takes none)"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - decontaminate: {}\n"));
        assertTrue(e.getMessage().contains("'benchmark' (a file) is required"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("pipeline: []\n"));
        assertTrue(e.getMessage().contains("expected an object with a 'stages' list"), e.getMessage());
        e = assertThrows(KindlingException.class, () -> yaml("stages:\n  - pii: {kinds: [email, ssn]}\n"));
        assertTrue(e.getMessage().contains("unknown PII kind 'ssn'"), e.getMessage());
    }

    /**
     * A column a local benchmark file lacks is refused as the config is read, before Spark starts, naming the config, the
     * stage and the option: it failed once Spark had started, saying 'decontaminate: benchmark ... has no column'.
     */
    @Test
    void aColumnALocalBenchmarkLacksIsRefusedAsTheConfigIsRead(@TempDir java.nio.file.Path tmp) throws Exception {
        java.nio.file.Files.writeString(tmp.resolve("mmlu.jsonl"), "{\"question\":\"q one\",\"answer\":\"a\"}\n{\"question\":\"q two\"}\n");
        java.nio.file.Files.writeString(tmp.resolve("items.txt"), "one item a line\n");
        java.nio.file.Path config = java.nio.file.Files.writeString(tmp.resolve("cols.yaml"),
                "stages:\n  - pii: {}\n  - decontaminate: {benchmark: mmlu.jsonl, columns: [question, choices]}\n");
        KindlingException e = assertThrows(KindlingException.class, () -> StageConfig.read(config.toString(), null, false));
        assertEquals(KindlingException.USAGE, e.exitCode(), e.getMessage());
        assertEquals("config " + config + ": stages[1] (decontaminate): benchmark " + tmp.resolve("mmlu.jsonl") + " has no column "
                + "'choices' (columns: answer, question); choose them with 'columns'", e.getMessage());
        // a text benchmark's column is text
        java.nio.file.Path text = java.nio.file.Files.writeString(tmp.resolve("text.yaml"),
                "stages:\n  - decontaminate: {benchmark: items.txt, columns: [question]}\n");
        KindlingException t = assertThrows(KindlingException.class, () -> StageConfig.read(text.toString(), null, false));
        assertTrue(t.getMessage().contains("stages[0] (decontaminate): benchmark " + tmp.resolve("items.txt") + " has no column "
                + "'question' (columns: text)"), t.getMessage());
        java.nio.file.Path ok = java.nio.file.Files.writeString(tmp.resolve("ok-cols.yaml"),
                "stages:\n  - decontaminate: {benchmark: mmlu.jsonl, columns: [Question, answer]}\n");
        assertEquals(1, StageConfig.read(ok.toString(), null, false).size());
    }

    /**
     * The README's example config (its ```yaml block, as a user copies it, beside a benchmark file of the name it gives)
     * is read as the stages it lists, in its order.
     */
    @Test
    void theReadmesConfigIsReadAsItsStages(@TempDir java.nio.file.Path tmp) throws Exception {
        List<String> readme = java.nio.file.Files.readAllLines(java.nio.file.Path.of("../README.md"));
        int from = readme.indexOf("```yaml");
        assertTrue(from >= 0, "README.md has no ```yaml block");
        String config = String.join("\n", readme.subList(from + 1, readme.subList(from, readme.size()).indexOf("```") + from)) + "\n";
        java.nio.file.Files.writeString(tmp.resolve("pipeline.yaml"), config);
        java.nio.file.Files.writeString(tmp.resolve("mmlu_test.jsonl"), "{\"question\": \"an item\", \"answer\": \"A\"}\n");
        List<PipelineStage> stages = StageConfig.read(tmp.resolve("pipeline.yaml").toString(), null, false);
        assertEquals(List.of("exact_dedup", "exact_dedup_url", "gopher_repetition", "gopher_quality", "c4", "fineweb", "pii",
                "minhash_dedup", "sentence_dedup", "decontaminate"), stages.stream().map(PipelineStage::name).toList(), config);
    }
}
