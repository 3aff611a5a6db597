package dev.kindling.inference.cuda;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Rows of {@link GpuCheck}'s results: printed as they come, appended to {@code results.jsonl} (so a
 * run cut short still leaves what it measured), and printed as a table at the end.
 */
final class CheckReport implements AutoCloseable {
    enum Status { PASS, FAIL, SKIP, INFO }

    record Row(String section, String name, Status status, String value, String detail) {}

    private final List<Row> rows = new ArrayList<>();
    private final Writer jsonl;

    CheckReport(Path out) {
        try {
            Files.createDirectories(out);
            jsonl = Files.newBufferedWriter(out.resolve("results.jsonl"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void add(String section, String name, Status status, String value, String detail) {
        Row r = new Row(section, name, status, value == null ? "" : value, detail == null ? "" : detail);
        rows.add(r);
        System.out.printf(Locale.ROOT, "[%s] %-5s %s: %s %s%n", section, status, name, r.value, r.detail);
        try {
            jsonl.write(String.format(Locale.ROOT, "{\"section\":%s,\"name\":%s,\"status\":\"%s\",\"value\":%s,\"detail\":%s}%n",
                    json(section), json(name), status, json(r.value), json(r.detail)));
            jsonl.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    void check(String section, String name, boolean ok, String value, String detail) {
        add(section, name, ok ? Status.PASS : Status.FAIL, value, detail);
    }

    void info(String section, String name, String value, String detail) {
        add(section, name, Status.INFO, value, detail);
    }

    void fail(String section, String name, Throwable t) {
        StringBuilder b = new StringBuilder(t.toString());
        for (StackTraceElement e : t.getStackTrace()) {
            if (e.getClassName().startsWith("dev.kindling")) {
                b.append(" at ").append(e.getClassName().replace("dev.kindling.inference.", "")).append('.')
                        .append(e.getMethodName()).append(':').append(e.getLineNumber());
                break;
            }
        }
        add(section, name, Status.FAIL, "exception", b.toString());
    }

    long count(Status s) {
        return rows.stream().filter(r -> r.status == s).count();
    }

    /** The table of every row of {@code sections} (the end of the output). */
    void table(List<String> sections) {
        System.out.println();
        for (String sec : sections) {
            System.out.println("== " + sec);
            for (Row r : rows) {
                if (r.section.equals(sec)) {
                    System.out.printf(Locale.ROOT, "  %-5s %-46s %-22s %s%n", r.status, r.name, r.value, r.detail);
                }
            }
        }
        System.out.printf(Locale.ROOT, "%d passed, %d failed, %d skipped%n", count(Status.PASS), count(Status.FAIL),
                count(Status.SKIP));
    }

    static String json(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }

    @Override
    public void close() {
        try {
            jsonl.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
