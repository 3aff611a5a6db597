package dev.kindling.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.ToolProvider;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's examples as {@link ReadmeExamples} compiles them: the same text, and they run; and every Java block compiles. */
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

    /** A ```java block of the README: the number of its first code line, and its code without the fences. */
    record Block(int line, String code) {}

    /** The README's ```java blocks. */
    static List<Block> readmeJavaBlocks() throws Exception {
        List<Block> blocks = new ArrayList<>();
        StringBuilder block = null;
        int first = 0;
        List<String> lines = Files.readAllLines(Path.of("../README.md"));
        for (int i = 0; i < lines.size(); i++) {
            String l = lines.get(i);
            if (block == null && l.equals("```java")) {
                block = new StringBuilder();
                first = i + 2;
            } else if (block != null && l.equals("```")) {
                blocks.add(new Block(first, block.toString().stripTrailing()));
                block = null;
            } else if (block != null) {
                block.append(l).append('\n');
            }
        }
        return blocks;
    }

    /** The README's ```java blocks, each without its fences. */
    static List<String> readmeBlocks() throws Exception {
        return readmeJavaBlocks().stream().map(Block::code).toList();
    }

    /** What every README block may name without importing it: the packages of the classes the blocks use. */
    private static final String BLOCK_IMPORTS = String.join("\n",
            "import dev.kindling.spark.dedup.*;", "import dev.kindling.spark.distill.*;", "import dev.kindling.spark.filter.*;",
            "import dev.kindling.spark.inference.*;", "import dev.kindling.spark.sql.KindlingFunctions;",
            "import dev.kindling.tokenizer.*;", "import java.nio.file.Path;", "import java.util.*;",
            "import org.apache.spark.ml.*;", "import org.apache.spark.sql.*;", "");

    /**
     * Every ```java block of the README compiles against this build, each as the body of a method of one class whose
     * fields are the names the README's prose gives a block ({@code spark}, {@code docs}, {@code prompts}, {@code dir},
     * and {@code tok}, the tokenizer of the block before): a class, method, setter or type a block names that the API
     * no longer has fails here, with the README's line. Compiled only, by the JDK's javac in this JVM (the pipeline
     * block also runs, above); a new block that names a class of another package adds it to {@link #BLOCK_IMPORTS}.
     */
    @Test
    void everyJavaBlockOfTheReadmeCompiles() throws Exception {
        List<Block> blocks = readmeJavaBlocks();
        assertTrue(blocks.size() >= 2, "README.md's ```java blocks were not found: " + blocks);
        StringBuilder source = new StringBuilder(BLOCK_IMPORTS).append("class ReadmeBlocks {\n")
                .append("    static SparkSession spark; static Dataset<Row> docs, prompts; static String dir; static Tokenizer tok;\n");
        // the README line of each line of the source (0: a line of the wrapping)
        List<Integer> readmeLine = new ArrayList<>();
        source.chars().filter(c -> c == '\n').forEach(c -> readmeLine.add(0));
        for (Block b : blocks) {
            source.append("    static void block").append(b.line()).append("() throws Exception {\n");
            readmeLine.add(0);
            List<String> code = b.code().lines().toList();
            for (int i = 0; i < code.size(); i++) {
                source.append(code.get(i)).append('\n');
                readmeLine.add(b.line() + i);
            }
            source.append("    }\n");
            readmeLine.add(0);
        }
        source.append("}\n");

        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertNotNull(javac, "this JVM has no Java compiler (a JRE, not a JDK): the README's blocks cannot be compiled");
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        JavaFileObject file = new SimpleJavaFileObject(URI.create("string:///ReadmeBlocks.java"), JavaFileObject.Kind.SOURCE) {
            @Override
            public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return source;
            }
        };
        Path out = Files.createDirectories(tmp.resolve("readme-blocks"));
        boolean ok = javac.getTask(null, null, diagnostics, List.of("-d", out.toString(), "-proc:none",
                "-classpath", System.getProperty("java.class.path")), null, List.of(file)).call();
        String errors = diagnostics.getDiagnostics().stream().filter(d -> d.getKind() == Diagnostic.Kind.ERROR)
                .map(d -> {
                    int line = (int) d.getLineNumber();
                    int at = line >= 1 && line <= readmeLine.size() ? readmeLine.get(line - 1) : 0;
                    return (at > 0 ? "README.md:" + at : "ReadmeBlocks.java:" + line) + ": " + d.getMessage(null);
                })
                .collect(Collectors.joining("\n"));
        assertTrue(ok && errors.isEmpty(), "README.md's ```java blocks do not compile:\n" + errors);
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
