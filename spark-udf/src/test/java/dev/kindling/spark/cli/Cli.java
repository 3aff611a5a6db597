package dev.kindling.spark.cli;

import dev.kindling.spark.TestSpark;
import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the CLI in-process against the shared test session and captures what it prints. */
public final class Cli {
    public record Result(int code, String out, String err) {
        @Override
        public String toString() {
            return "exit " + code + "\n--- out\n" + out + "\n--- err\n" + err;
        }
    }

    private Cli() {}

    public static Result run(String... args) {
        TestSpark.session();
        CommandLine cl = KindlingCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cl.setOut(new PrintWriter(out, true));
        cl.setErr(new PrintWriter(err, true));
        String[] withNoProgress = args;
        int code = cl.execute(withNoProgress);
        return new Result(code, out.toString(), err.toString());
    }
}
