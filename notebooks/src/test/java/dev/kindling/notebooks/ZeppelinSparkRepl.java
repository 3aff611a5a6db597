package dev.kindling.notebooks;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import scala.Console$;
import scala.jdk.javaapi.CollectionConverters;
import scala.tools.nsc.Settings;
import scala.tools.nsc.interpreter.IMain;
import scala.tools.nsc.interpreter.Results;
import scala.tools.nsc.interpreter.shell.ReplReporterImpl;

/**
 * Runs {@code %spark} paragraphs the way Zeppelin's Spark interpreter for Scala 2.13
 * ({@code SparkScala213Interpreter}) does: the Scala compiler's REPL ({@code IMain}) with
 * {@code -Yrepl-class-based}, the session bound as {@code spark} (and {@code sc}, {@code sqlContext})
 * with Zeppelin's default imports, each paragraph's whole text interpreted as one request, its output
 * taken from {@code Console.out} (and {@code System.out}, which Zeppelin redirects the same way).
 *
 * <p>What it does not have is Zeppelin itself: no {@code z} (ZeppelinContext), no interpreter
 * process, no {@code %spark.conf} handling — the tests apply that paragraph's properties themselves.
 */
final class ZeppelinSparkRepl implements AutoCloseable {
    /** A paragraph's outcome: whether it succeeded, what it printed, what the REPL reported. */
    record Run(boolean success, String output, String repl) {}

    private final IMain intp;
    private final ByteArrayOutputStream replOut = new ByteArrayOutputStream();

    ZeppelinSparkRepl(SparkSession spark, Path classOutputDir) {
        Settings settings = new Settings();
        settings.processArguments(CollectionConverters.asScala(List.of(
                "-usejavacp", "-Yrepl-class-based", "-Yrepl-outdir", classOutputDir.toString())).toList(), true);
        PrintWriter replWriter = new PrintWriter(replOut, true, StandardCharsets.UTF_8);
        intp = new IMain(settings, new ReplReporterImpl(settings, replWriter));
        bind("spark", spark.getClass().getCanonicalName(), spark);
        bind("sc", "org.apache.spark.SparkContext", spark.sparkContext());
        bind("sqlContext", "org.apache.spark.sql.SQLContext", spark.sqlContext());
        // Zeppelin's default imports (it sends them one by one; one request here saves compiler runs)
        String imports = String.join("\n", "import org.apache.spark.SparkContext._", "import spark.implicits._",
                "import sqlContext.implicits._", "import spark.sql", "import org.apache.spark.sql.functions._");
        Run r = interpret(imports);
        if (!r.success()) {
            throw new IllegalStateException("REPL set-up failed at the default imports:\n" + r.repl());
        }
    }

    private void bind(String name, String type, Object value) {
        Results.Result r = intp.bind(name, type, value,
                CollectionConverters.asScala(List.of("@transient")).toList());
        if (r != Results.Success$.MODULE$) {
            throw new IllegalStateException("cannot bind " + name + " in the Scala REPL:\n" + replOut.toString(StandardCharsets.UTF_8));
        }
    }

    /** Interprets one paragraph's code (without its {@code %spark} line). */
    synchronized Run interpret(String code) {
        replOut.reset();
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        PrintStream stream = new PrintStream(printed, true, StandardCharsets.UTF_8);
        PrintStream originalOut = System.out;
        Results.Result result;
        try {
            System.setOut(stream);
            result = Console$.MODULE$.withOut(stream, () -> intp.interpret(code));
        } finally {
            System.setOut(originalOut);
        }
        stream.flush();
        return new Run(result == Results.Success$.MODULE$, printed.toString(StandardCharsets.UTF_8),
                replOut.toString(StandardCharsets.UTF_8));
    }

    @Override
    public void close() {
        intp.close();
    }
}
