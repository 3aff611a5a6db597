package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/**
 * The Zeppelin note {@code notebooks/kindling-tour.zpln}. Zeppelin cannot be installed here, so:
 * <ul>
 *   <li>the note is parsed (Jackson) and checked against what Zeppelin's note loading
 *       ({@code Note.fromJson}, {@code GsonNoteParser} in later versions) reads: {@code paragraphs[]} each with {@code id}, {@code text} starting
 *       with an interpreter binding, {@code config} and {@code settings.params/forms}; the note's
 *       {@code info} and {@code config} objects, its id, and the editor modes matching the bindings;</li>
 *   <li>the {@code %spark} (Scala) paragraphs are run, in order, in the Scala 2.13 REPL the way
 *       Zeppelin's Spark interpreter runs them ({@link ZeppelinSparkRepl}), and the {@code %spark.sql}
 *       ones through {@code spark.sql}; their outputs are checked against the sample corpus like
 *       the Jupyter notebook's.</li>
 * </ul>
 * Not checked: Zeppelin's own server, UI, interpreter process and the {@code %spark.conf} handling
 * (its properties are parsed and applied here by the test).
 */
class ZeppelinNoteTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Map<String, String> LANGUAGE = Map.of(
            "md", "markdown", "spark", "scala", "spark.sql", "sql", "spark.conf", "text");
    private static final Pattern BINDING = Pattern.compile("^%([a-z][a-z0-9_.]*)\\s");
    private static final DateTimeFormatter ZEPPELIN_DATE = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss.SSS");

    private static JsonNode note() throws IOException {
        return JSON.readTree(Commands.moduleDir().resolve("kindling-tour.zpln").toFile());
    }

    private static String binding(JsonNode paragraph) {
        Matcher m = BINDING.matcher(paragraph.path("text").asText());
        assertTrue(m.find(), "paragraph " + paragraph.path("id").asText() + " does not start with an interpreter binding");
        return m.group(1);
    }

    private static String body(JsonNode paragraph) {
        String text = paragraph.path("text").asText();
        return text.substring(text.indexOf('\n') + 1);
    }

    @Test
    void noteHasZeppelinStructure() throws IOException {
        JsonNode note = note();
        assertFalse(note.path("name").asText().isBlank(), "note name");
        assertTrue(note.path("id").asText().matches("[A-Z0-9]{9}"), "note id like Zeppelin's (9 upper-case letters/digits): "
                + note.path("id"));
        assertEquals("spark", note.path("defaultInterpreterGroup").asText());
        assertTrue(note.path("version").asText().startsWith("0.11"), "note format version " + note.path("version"));
        for (String field : List.of("config", "info", "noteParams", "noteForms", "angularObjects")) {
            assertTrue(note.path(field).isObject(), "note field '" + field + "' must be an object (Zeppelin reads it)");
        }
        JsonNode paragraphs = note.path("paragraphs");
        assertTrue(paragraphs.isArray() && paragraphs.size() > 5, "paragraphs[]");
        Set<String> ids = new HashSet<>();
        Map<String, Integer> bindings = new TreeMap<>();
        for (JsonNode p : paragraphs) {
            String id = p.path("id").asText();
            assertTrue(!id.isBlank() && ids.add(id), "paragraph ids must be present and unique: " + id);
            String b = binding(p);
            assertTrue(LANGUAGE.containsKey(b), "paragraph " + id + ": unexpected interpreter %" + b);
            bindings.merge(b, 1, Integer::sum);
            JsonNode config = p.path("config");
            assertEquals(LANGUAGE.get(b), config.path("editorSetting").path("language").asText(), "editor language of " + id);
            assertEquals("ace/mode/" + LANGUAGE.get(b), config.path("editorMode").asText(), "editor mode of " + id);
            assertTrue(config.path("enabled").asBoolean(), "paragraph " + id + " disabled");
            assertTrue(p.path("settings").path("params").isObject() && p.path("settings").path("forms").isObject(),
                    "paragraph " + id + ": settings.params and settings.forms (Zeppelin converts them on load)");
            assertEquals("READY", p.path("status").asText(), "paragraph " + id + " status");
            assertTrue(p.path("results").isMissingNode(), "paragraph " + id + " is committed with results; clear them");
            LocalDateTime.parse(p.path("dateCreated").asText(), ZEPPELIN_DATE);
            assertFalse(body(p).isBlank(), "paragraph " + id + " is empty");
        }
        assertTrue(bindings.getOrDefault("spark", 0) >= 4 && bindings.getOrDefault("spark.sql", 0) >= 2, "bindings " + bindings);

        // the set-up paragraph comes first among the code paragraphs and loads this version's jar
        JsonNode first = null;
        for (JsonNode p : paragraphs) {
            if (!binding(p).equals("md")) {
                first = p;
                break;
            }
        }
        assertNotNull(first);
        assertEquals("spark.conf", binding(first), "the %spark.conf paragraph must run before the Spark interpreter starts");
        Map<String, String> conf = confProperties(body(first));
        assertTrue(conf.containsKey("SPARK_HOME"), "SPARK_HOME in " + conf);
        String jar = "kindling-" + buildProperties().getProperty("version") + "-all.jar";
        assertTrue(conf.getOrDefault("spark.jars", "").endsWith("/" + jar), "spark.jars must name " + jar + ": " + conf);
        // Zeppelin starts its Spark interpreter with spark-submit, which adds its own module options, not the rest of
        // Kindling's list (the engine runs in the driver in local mode, in the executors elsewhere)
        List<String> missing = NotebookTest.jvmFlagsSparkSubmitLacks();
        for (String key : List.of("spark.driver.extraJavaOptions", "spark.executor.extraJavaOptions")) {
            List<String> given = Arrays.asList(conf.getOrDefault(key, "").trim().split("\\s+"));
            assertTrue(given.containsAll(missing), key + " must carry " + missing + ": " + conf);
        }
    }

    @Test
    void paragraphsRunInZeppelinsScalaRepl() throws IOException {
        JsonNode note = note();
        Path tmp = Path.of(System.getProperty("java.io.tmpdir")).toAbsolutePath();
        SparkSession.Builder builder = SparkSession.builder().master("local[2]").appName("kindling-zeppelin-note")
                .config("spark.ui.enabled", "false")
                .config("spark.driver.host", "127.0.0.1")
                .config("spark.driver.bindAddress", "127.0.0.1")
                .config("spark.sql.session.timeZone", "UTC")
                .config("spark.hadoop.hadoop.tmp.dir", tmp.resolve("hadoop").toString())
                .config("spark.local.dir", tmp.resolve("spark-local").toString())
                .config("spark.sql.warehouse.dir", tmp.resolve("spark-warehouse").toString());
        for (JsonNode p : note.path("paragraphs")) {
            if (binding(p).equals("spark.conf")) {
                // what Zeppelin passes to the interpreter it launches; the jar is already on our classpath
                confProperties(body(p)).forEach((k, v) -> {
                    if (k.startsWith("spark.") && !k.equals("spark.jars")) {
                        builder.config(k, v);
                    }
                });
            }
        }
        SparkSession spark = builder.getOrCreate();
        Path replClasses = Files.createDirectories(tmp.resolve("zeppelin-repl-classes"));
        Map<String, String> outputs = new LinkedHashMap<>();
        try (ZeppelinSparkRepl repl = new ZeppelinSparkRepl(spark, replClasses)) {
            for (JsonNode p : note.path("paragraphs")) {
                String title = p.path("title").asText();
                switch (binding(p)) {
                    case "spark" -> {
                        ZeppelinSparkRepl.Run run = repl.interpret(body(p));
                        assertTrue(run.success(), "%spark paragraph '" + title + "' failed:\n" + run.repl() + run.output());
                        outputs.put(title, run.output());
                    }
                    case "spark.sql" -> outputs.put(title, table(spark.sql(body(p)).collectAsList(),
                            spark.sql(body(p)).columns()));
                    default -> { }
                }
            }
        } finally {
            spark.stop();
        }

        TourExpectations expect = TourExpectations.forSeed42();
        assertTrue(outputs.get("2. Write the sample corpus").contains("corpus.jsonl: " + expect.rowsIn() + " lines"),
                outputs.get("2. Write the sample corpus"));
        assertTrue(outputs.get("3. Read").contains("read:malformed_json"), outputs.get("3. Read"));
        String filters = outputs.get("5. Filter and redact PII");
        expect.assertCuration(outputs.get("5. Deduplicate"), filters);
        Matcher curatedKept = Pattern.compile("kept after curation: (\\d+) of").matcher(filters);
        assertTrue(curatedKept.find(), filters);
        assertEquals(curatedKept.group(1), rows(outputs.get("Curation verdicts")).get("kept"), "kept after curation, by SQL");
        expect.assertModelSections(outputs.get("6. The model"), outputs.get("6. Score"), outputs.get("7. SFT"), outputs.get("7. DPO"));
        long kept = expect.assertReportTable(outputs.get("8. Run the pipeline"));
        assertTrue(kept < expect.rowsIn() - expect.readDropped(), "the curation stages drop duplicates after reading");
        // "Documents by verdict" queries the view of what was read (section 3), before the pipeline
        Map<String, String> verdicts = rows(outputs.get("Documents by verdict"));
        assertEquals(String.valueOf(expect.rowsIn() - expect.readDropped()), verdicts.get("kept"), "kept documents by SQL: " + verdicts);
        Map<String, String> rejected = rows(outputs.get("Rejected documents by reason"));
        expect.readDrops().forEach((why, n) ->
                assertEquals(String.valueOf(n), rejected.get("read:" + why), "rejected rows read:" + why + ": " + rejected));
        assertTrue(outputs.get("The accounting as JSON (what --stats writes)").contains("\"documents_in\" : " + expect.rowsIn()));
        expect.assertPipelineOutputs(outputs.get("8. Run the pipeline"), outputs.get("The accounting as JSON (what --stats writes)"));
        assertTrue(outputs.get("Clean up").startsWith("removed "), outputs.get("Clean up"));
    }

    /** A {@code %spark.conf} paragraph: {@code key value} lines, {@code #} comments. */
    static Map<String, String> confProperties(String body) {
        Map<String, String> conf = new LinkedHashMap<>();
        for (String line : body.split("\n")) {
            String t = line.trim();
            if (t.isEmpty() || t.startsWith("#")) {
                continue;
            }
            String[] kv = t.split("\\s+", 2);
            assertEquals(2, kv.length, "%spark.conf line without a value: " + line);
            conf.put(kv[0], kv[1]);
        }
        return conf;
    }

    /** A SQL result as Zeppelin's TABLE output shows it: a header line, then rows, tab-separated. */
    private static String table(List<Row> rows, String[] columns) {
        StringBuilder sb = new StringBuilder(String.join("\t", columns)).append('\n');
        for (Row r : rows) {
            for (int i = 0; i < r.size(); i++) {
                sb.append(i == 0 ? "" : "\t").append(r.isNullAt(i) ? "null" : r.get(i).toString());
            }
            sb.append('\n');
        }
        return sb.toString();
    }

    /** First column → second column of a {@link #table} (header skipped). */
    private static Map<String, String> rows(String table) {
        Map<String, String> m = new LinkedHashMap<>();
        table.lines().skip(1).forEach(l -> {
            String[] f = l.split("\t");
            m.put(f[0], f[1]);
        });
        return m;
    }

    private static Properties buildProperties() throws IOException {
        Properties p = new Properties();
        try (InputStream in = ZeppelinNoteTest.class.getResourceAsStream("/kindling-build.properties")) {
            assertNotNull(in, "kindling-build.properties (spark-udf resources) is missing from the classpath");
            p.load(in);
        }
        return p;
    }
}
