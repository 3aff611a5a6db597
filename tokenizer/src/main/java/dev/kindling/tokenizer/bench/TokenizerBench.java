package dev.kindling.tokenizer.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.GZIPInputStream;

/**
 * Tokenizer throughput, measured the way {@code shared/tools/ref/hf_tokenizers.mjs} measures the
 * reference: load, read a JSONL corpus, encode every document once untimed (warm-up), then time
 * {@code --repeat} passes of encoding only and report the best one, as one JSON line:
 *
 * <pre>
 * java -cp ... dev.kindling.tokenizer.bench.TokenizerBench --tokenizer T --input corpus.jsonl[.gz]
 *      [--threads N] [--add-special] [--repeat 3] [--warmup 1] [--field text]
 * {"tokenizer":..,"docs":..,"bytes":..,"tokens":..,"seconds":..,"tokens_per_s":..,"mb_per_s":..,...}
 * </pre>
 *
 * MB = 10^6 bytes of UTF-8 text. With {@code --threads N} the documents are shared out to N threads
 * (one tokenizer instance, as Spark task threads share it); seconds is wall time.
 */
public final class TokenizerBench {
    private TokenizerBench() {}

    public record Result(String tokenizer, int docs, int skipped, long bytes, long tokens, double seconds, double loadSeconds,
            int threads, List<Double> runs) {
        public double tokensPerSecond() {
            return tokens / seconds;
        }

        public double mbPerSecond() {
            return bytes / 1e6 / seconds;
        }

        public String toJson() {
            ObjectNode o = new ObjectMapper().createObjectNode();
            o.put("tokenizer", tokenizer);
            o.put("docs", docs);
            o.put("skipped", skipped);
            o.put("bytes", bytes);
            o.put("tokens", tokens);
            o.put("seconds", seconds);
            o.put("tokens_per_s", tokensPerSecond());
            o.put("mb_per_s", mbPerSecond());
            o.put("threads", threads);
            o.put("load_seconds", loadSeconds);
            var a = o.putArray("runs");
            runs.forEach(a::add);
            return o.toString();
        }
    }

    public static void main(String[] args) throws Exception {
        String tokenizer = null;
        String input = null;
        String field = "text";
        int threads = 1;
        int repeat = 3;
        int warmup = 1;
        boolean addSpecial = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--tokenizer" -> tokenizer = args[++i];
                case "--input" -> input = args[++i];
                case "--field" -> field = args[++i];
                case "--threads" -> threads = Integer.parseInt(args[++i]);
                case "--repeat" -> repeat = Integer.parseInt(args[++i]);
                case "--warmup" -> warmup = Integer.parseInt(args[++i]);
                case "--add-special" -> addSpecial = true;
                default -> {
                    System.err.println("unknown argument " + args[i]);
                    usage();
                }
            }
        }
        if (tokenizer == null || input == null) {
            usage();
        }
        Result r = run(Path.of(tokenizer), Path.of(input), field, threads, repeat, warmup, addSpecial);
        System.out.println(r.toJson());
    }

    private static void usage() {
        System.err.println("usage: TokenizerBench --tokenizer PATH --input FILE.jsonl[.gz] [--threads N] [--add-special] "
                + "[--repeat 3] [--warmup 1] [--field text]");
        System.exit(2);
    }

    /**
     * The documents of a corpus as {@code kindling tokenize} reads them: a row whose text is missing, null, not a string
     * or blank (white space as the reader's {@code read:empty_text} has it) is skipped and counted, not tokenized as "" or
     * as the number's digits (the counts then differed from what tokenize keeps).
     */
    public record Corpus(List<String> texts, int skipped) {}

    public static List<String> readTexts(Path input, String field) throws IOException {
        return readCorpus(input, field).texts();
    }

    /** A .gz file's text; one that is not gzip is named ("Not in GZIP format" named neither the file nor the option). */
    private static InputStream gunzip(Path input, InputStream raw) throws IOException {
        try {
            return new GZIPInputStream(raw, 1 << 16);
        } catch (java.util.zip.ZipException | java.io.EOFException e) {
            throw new IOException(input + ": not a gzip file, though its name ends in .gz (" + e.getMessage() + ")", e);
        }
    }

    /**
     * The next line of {@code r}, or null at its end: lines end at {@code \n} alone, a {@code \r} before it (or ending the
     * input) being part of the line end, as the Spark reader's JSON Lines do. {@code BufferedReader.readLine} also ends one
     * at a {@code \r} alone, which cut a record holding a raw {@code \r} (JSON white space, which {@code json.loads} of
     * the {@code \n}-split line takes) into two malformed lines.
     */
    static String readLine(BufferedReader r) throws IOException {
        StringBuilder line = new StringBuilder();
        int c;
        while ((c = r.read()) != -1 && c != '\n') {
            line.append((char) c);
        }
        if (c == -1 && line.length() == 0) {
            return null;
        }
        int end = line.length();
        return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
    }

    /**
     * Jackson's default (since 2.15) refuses a string over 20M characters as invalid JSON: a whole book in one document is
     * valid input, which the Spark reader reads (its limit raised so too), and bench tokenizer failed on it.
     */
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build());

    public static Corpus readCorpus(Path input, String field) throws IOException {
        ObjectMapper m = JSON;
        List<String> texts = new ArrayList<>();
        int skipped = 0;
        try (InputStream raw = Files.newInputStream(input);
                InputStream in = dev.kindling.formats.JsonLines.skipByteOrderMark(input.toString().endsWith(".gz") ? gunzip(input, raw) : raw);
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            int n = 0;
            while ((line = readLine(r)) != null) {
                n++;
                if (line.isBlank()) {
                    continue;
                }
                JsonNode row;
                try (com.fasterxml.jackson.core.JsonParser p = m.createParser(line)) {
                    row = m.readTree(p);
                    // readTree stops at the value's end: a second record on the line ({...} {...}, or records separated
                    // by a \r alone) was dropped without a trace, where tokenize's reader rejects the line
                    String more = dev.kindling.formats.JsonLines.afterObject(line, (int) p.currentLocation().getCharOffset());
                    if (more != null) {
                        throw new IOException(input + " line " + n + ": " + more);
                    }
                    // a key given twice: readTree kept its last value and lost the first without a word, where tokenize's
                    // reader refuses the row
                    String twice = dev.kindling.formats.JsonLines.objectLineError(line.getBytes(StandardCharsets.UTF_8));
                    if (twice != null) {
                        throw new IOException(input + " line " + n + ": " + twice);
                    }
                } catch (JsonProcessingException e) {
                    // Jackson's message counts from the line alone ("line: 1") and names no file; at a line's end it also
                    // pointed at a "[Source: REDACTED ...]" of its own
                    throw new IOException(input + " line " + n + ": malformed JSON: " + (e instanceof com.fasterxml.jackson.core.io.JsonEOFException
                            ? "the line ends before its JSON value does (cut short?)" : e.getOriginalMessage()), e);
                }
                JsonNode t = row.get(field);
                if (t == null || !t.isTextual() || dev.kindling.formats.JsonLines.isBlankText(t.textValue())) {
                    skipped++;
                    continue;
                }
                texts.add(t.textValue());
            }
        }
        if (texts.isEmpty()) {
            throw new IOException(input + " has no text to tokenize: " + skipped + " rows without a non-blank string \""
                    + field + "\" field");
        }
        return new Corpus(texts, skipped);
    }

    public static Result run(Path tokenizerPath, Path input, String field, int threads, int repeat, int warmup,
            boolean addSpecial) throws Exception {
        // load first, before anything else warms up the JVM (JSON reading, String decoding): load_seconds
        // is what a fresh process or Spark executor pays, JIT warm-up of the loading code included
        long t0 = System.nanoTime();
        Tokenizer tok = Tokenizer.load(tokenizerPath);
        double load = (System.nanoTime() - t0) / 1e9;
        Corpus corpus = readCorpus(input, field);
        List<String> texts = corpus.texts();
        long bytes = 0;
        for (String t : texts) {
            bytes += t.getBytes(StandardCharsets.UTF_8).length;
        }
        ExecutorService pool = threads > 1 ? Executors.newFixedThreadPool(threads) : null;
        try {
            for (int i = 0; i < warmup; i++) {
                pass(tok, texts, addSpecial, threads, pool);
            }
            List<Double> runs = new ArrayList<>();
            long tokens = 0;
            double best = Double.MAX_VALUE;
            for (int i = 0; i < repeat; i++) {
                long s = System.nanoTime();
                tokens = pass(tok, texts, addSpecial, threads, pool);
                double sec = (System.nanoTime() - s) / 1e9;
                runs.add(sec);
                best = Math.min(best, sec);
            }
            return new Result(tok.name(), texts.size(), corpus.skipped(), bytes, tokens, best, load, threads, runs);
        } finally {
            if (pool != null) {
                pool.shutdownNow();
            }
        }
    }

    private static long pass(Tokenizer tok, List<String> texts, boolean addSpecial, int threads, ExecutorService pool)
            throws Exception {
        if (threads <= 1) {
            long n = 0;
            for (String t : texts) {
                n += tok.encode(t, addSpecial).length;
            }
            return n;
        }
        AtomicInteger next = new AtomicInteger();
        AtomicLong total = new AtomicLong();
        List<Future<?>> fs = new ArrayList<>();
        for (int k = 0; k < threads; k++) {
            fs.add(pool.submit(() -> {
                long n = 0;
                for (int i = next.getAndIncrement(); i < texts.size(); i = next.getAndIncrement()) {
                    n += tok.encode(texts.get(i), addSpecial).length;
                }
                total.addAndGet(n);
            }));
        }
        for (Future<?> f : fs) {
            f.get();
        }
        return total.get();
    }
}
