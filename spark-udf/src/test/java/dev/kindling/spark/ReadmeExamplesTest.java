package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples as {@link ReadmeExamples} compiles them: the same text, and they run. */
class ReadmeExamplesTest {
    @TempDir Path tmp;

    /** The lines of {@code ReadmeExamples.java} between {@code // README name} and {@code // README end}, less their indent. */
    static String compiled(String name) throws Exception {
        List<String> lines = Files.readAllLines(Path.of("src/test/java/dev/kindling/spark/ReadmeExamples.java"));
        int from = lines.indexOf(lines.stream().filter(l -> l.strip().equals("// README " + name)).findFirst()
                .orElseThrow(() -> new AssertionError("ReadmeExamples.java has no '// README " + name + "' line")));
        List<String> block = new ArrayList<>();
        for (String l : lines.subList(from + 1, lines.size())) {
            if (l.strip().equals("// README end")) {
                String indent = lines.get(from).substring(0, lines.get(from).indexOf("//"));
                return String.join("\n", block.stream().map(b -> b.startsWith(indent) ? b.substring(indent.length()) : b).toList());
            }
            block.add(l);
        }
        throw new AssertionError("ReadmeExamples.java: '// README " + name + "' has no '// README end' after it");
    }

    /** The README's ```java blocks, each without its fences. */
    static List<String> readmeBlocks() throws Exception {
        List<String> blocks = new ArrayList<>();
        StringBuilder block = null;
        for (String l : Files.readAllLines(Path.of("../README.md"))) {
            if (block == null && l.equals("```java")) {
                block = new StringBuilder();
            } else if (block != null && l.equals("```")) {
                blocks.add(block.toString().stripTrailing());
                block = null;
            } else if (block != null) {
                block.append(l).append('\n');
            }
        }
        return blocks;
    }

    @Test
    void thePipelineExampleIsTheReadmesAndRuns() throws Exception {
        String code = compiled("pipeline");
        assertTrue(readmeBlocks().contains(code), "README.md has no ```java block that is ReadmeExamples.pipeline's:\n" + code);

        StructType schema = new StructType().add("id", DataTypes.StringType).add("text", DataTypes.StringType);
        String story = "The committee met on Tuesday to discuss the new library. Members agreed that the reading room "
                + "needs more light and that the opening hours should be longer. The plan goes to a vote next month. "
                + "Until then the old hours stay as they are. Everyone is welcome to say what they think at the front desk.";
        Dataset<Row> docs = TestSpark.session().createDataFrame(List.of(RowFactory.create("1", story),
                RowFactory.create("2", story), RowFactory.create("3", story.replace("Members", "Write to ann@example.org: members"))),
                schema);
        ReadmeExamples.Saved saved = ReadmeExamples.pipeline(docs, tmp.toString());
        List<Row> rows = saved.curated().orderBy("id").collectAsList();
        assertEquals(3, rows.size());
        assertNull(rows.get(0).<String>getAs("reason"), rows.toString());
        assertEquals("exact_dedup:duplicate", rows.get(1).<String>getAs("reason"));
        assertNull(rows.get(2).<String>getAs("reason"), rows.toString());
        assertTrue(rows.get(2).<String>getAs("text").contains("<EMAIL>"), rows.toString());
        assertEquals(1, (int) rows.get(2).<scala.collection.Map<String, Integer>>getAs("pii").apply("email"));
        assertEquals(0.7, saved.minhash().getThreshold());
        assertTrue(Files.isDirectory(tmp.resolve("curation")) && Files.isDirectory(tmp.resolve("minhash")));
    }
}
