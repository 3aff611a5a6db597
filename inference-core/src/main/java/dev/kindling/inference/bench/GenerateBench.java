package dev.kindling.inference.bench;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.KvCacheType;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.cpu.Simd;
import dev.kindling.inference.model.ModelConfig;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * {@code bench generate}: prefill and decode speed on a model, measured the way
 * {@code llamacpp.mjs bench} measures llama.cpp, so the two can run back to back.
 *
 * <pre>
 *   java --add-modules jdk.incubator.vector -cp ... dev.kindling.inference.bench.GenerateBench \
 *       --model M.gguf --prompt-tokens 128 --gen 64 --threads 2 [--batch B] [--versus-batch V] [--reps 3] [--warmup 1] [--kv-cache-type f32|f16]
 * </pre>
 *
 * Prompt: BOS then pseudo-random ids (the same generator as {@code llamacpp.mjs}). Prefill = time
 * from submitting to the first generated token (one batched pass over the prompt, plus sampling);
 * decode = {@code gen} further single-token steps, greedy. With {@code --batch B}, B sequences
 * (different prompts) are submitted together and prefilled in one step; decode tok/s is then the
 * aggregate over all sequences after that step. Prints one JSON line with the
 * median over the repetitions, and the weight bytes streamed per second during decode.
 *
 * <p>With {@code --versus-batch V}, every repetition also runs V sequences in the same engine, right
 * before or after the B-sequence run (the order alternates), and the line adds V's decode tok/s and
 * {@code decode_ratio}, the median of the per-repetition ratios B/V. On a shared machine whose speed
 * drifts by tens of percent between minutes, these paired ratios are what holds still; the aggregate
 * of batch 16 against batch 1 ({@code --batch 16 --versus-batch 1}) is the batching target's figure.
 */
public final class GenerateBench {
    private GenerateBench() {}

    /**
     * The medians; {@code versusBatch} is 0 without {@code --versus-batch}, and then the two fields after
     * it are NaN and left out of the JSON.
     */
    public record Result(String model, String type, int threads, int batch, double prefillTokS, double decodeTokS,
            double decodeGBps, long weightBytes, int versusBatch, double versusDecodeTokS, double decodeRatio, String kvCache) {
        public String toJson() {
            String versus = versusBatch == 0 ? "" : String.format(Locale.ROOT,
                    "\"versus_batch\":%d,\"versus_decode_tok_s\":%.2f,\"decode_ratio\":%.3f,", versusBatch, versusDecodeTokS, decodeRatio);
            return String.format(Locale.ROOT, "{\"model\":\"%s\",\"type\":\"%s\",\"threads\":%d,\"batch\":%d,"
                    + "\"prefill_tok_s\":%.2f,\"decode_tok_s\":%.2f,\"decode_GBps\":%.2f,\"weight_bytes\":%d,%s"
                    + "\"kv_cache\":\"%s\",\"simd\":\"%s\",\"java\":\"%s\"}", new String(com.fasterxml.jackson.core.io.JsonStringEncoder.getInstance().quoteAsString(model)), type, threads,
                    batch, prefillTokS, decodeTokS, decodeGBps, weightBytes, versus, kvCache, Simd.describe(), System.getProperty("java.version"));
        }
    }

    public static void main(String[] args) {
        String model = null;
        int promptTokens = 128, gen = 64, threads = Runtime.getRuntime().availableProcessors(), batch = 1, versus = 0, reps = 3, warmup = 1;
        KvCacheType kv = KvCacheType.F32;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String v = i + 1 < args.length ? args[i + 1] : null;
            switch (a) {
                case "--model" -> { model = v; i++; }
                case "--prompt-tokens" -> { promptTokens = Integer.parseInt(v); i++; }
                case "--gen" -> { gen = Integer.parseInt(v); i++; }
                case "--threads" -> { threads = Integer.parseInt(v); i++; }
                case "--batch" -> { batch = Integer.parseInt(v); i++; }
                case "--versus-batch" -> { versus = Integer.parseInt(v); i++; }
                case "--reps" -> { reps = Integer.parseInt(v); i++; }
                case "--warmup" -> { warmup = Integer.parseInt(v); i++; }
                case "--kv-cache-type" -> { kv = KvCacheType.parse(v); i++; }
                default -> {
                    System.err.println("unknown argument " + a);
                    System.exit(2);
                }
            }
        }
        if (model == null) {
            System.err.println("usage: GenerateBench --model M --prompt-tokens 128 --gen 64 --threads 2 [--batch B] [--versus-batch V] [--reps 3] [--warmup 1] [--kv-cache-type f32|f16]");
            System.exit(2);
        }
        try {
            dev.kindling.inference.cli.LocalModel.checkLocalModel("--model", Path.of(model));
        } catch (IllegalArgumentException e) {
            System.err.println("GenerateBench: " + e.getMessage());
            System.exit(2);
        }
        System.out.println(run(Path.of(model), promptTokens, gen, threads, batch, versus, reps, warmup, kv).toJson());
    }

    /** {@code versusBatch}: 0, or the batch size to pair every repetition with (see the class comment); {@code kv}: the CPU backend's KV cache. */
    public static Result run(Path model, int promptTokens, int gen, int threads, int batch, int versusBatch, int reps, int warmup,
            KvCacheType kv) {
        if (batch < 1 || versusBatch < 0) {
            throw new IllegalArgumentException("batch must be >= 1 and versus batch >= 1 (or 0 for none), got " + batch + " and " + versusBatch);
        }
        int most = Math.max(batch, versusBatch);
        EngineOptions o = EngineOptions.defaults().withThreads(threads).withMaxSequences(most)
                // a step holds one token of each sequence at least: --batch 100000 was refused as "maxBatchTokens (8192) is
                // less than maxSequences"
                .withMaxBatchTokens(Math.max(most, Math.max(256, Math.min(8192, promptTokens * most)))).withKvCacheType(kv);
        try (Engine e = Engine.open(model, o)) {
            ModelConfig c = e.config();
            if ((long) promptTokens + gen + 1 > c.contextLength()) {
                // the generations would stop at the context's end, and the rates count tokens never generated
                throw new IllegalArgumentException("--prompt-tokens " + promptTokens + " and --gen " + gen + " need "
                        + ((long) promptTokens + gen + 1) + " positions, but " + model + " holds " + c.contextLength());
            }
            long bytes = e.model().weights().bytesPerToken(c.expertsUsed());
            double[] pre = new double[reps];
            double[] dec = new double[reps];
            double[] versusDec = new double[reps];
            double[] ratio = new double[reps];
            for (int r = 0; r < warmup + reps; r++) {
                // the versus run goes first in every other repetition, so that a drift favours neither
                double vs = versusBatch > 0 && r % 2 == 0 ? once(e, c, promptTokens, gen, versusBatch, 1000 + r)[1] : 0;
                double[] m = once(e, c, promptTokens, gen, batch, r);
                if (versusBatch > 0 && r % 2 == 1) {
                    vs = once(e, c, promptTokens, gen, versusBatch, 1000 + r)[1];
                }
                if (r >= warmup) {
                    pre[r - warmup] = m[0];
                    dec[r - warmup] = m[1];
                    versusDec[r - warmup] = vs;
                    ratio[r - warmup] = versusBatch > 0 ? m[1] / vs : Double.NaN;
                }
            }
            double p = median(pre), d = median(dec);
            return new Result(model.toString(), e.model().fileType(), threads, batch, p, d, bytes * d / batch / 1e9, bytes,
                    versusBatch, versusBatch > 0 ? median(versusDec) : Double.NaN, versusBatch > 0 ? median(ratio) : Double.NaN,
                    kv.label());
        }
    }

    /** One repetition: {prefill tok/s, decode tok/s (aggregate)}. */
    private static double[] once(Engine e, ModelConfig c, int promptTokens, int gen, int batch, int rep) {
        int lo = Math.min(259, c.vocabSize() - 1);
        long[][] at = new long[batch][gen + 1]; // when each sequence's tokens came
        List<CompletableFuture<?>> fs = new ArrayList<>();
        long t0 = System.nanoTime();
        for (int b = 0; b < batch; b++) {
            int[] prompt = new int[promptTokens];
            long s = 12345 + 7919L * b + 104729L * rep;
            prompt[0] = 1;
            for (int i = 1; i < promptTokens; i++) {
                s = (s * 1103515245L + 12345L) % 2147483648L;
                prompt[i] = lo + (int) (s / 2147483648.0 * (c.vocabSize() - lo));
            }
            int seq = b;
            GenerationRequest req = GenerationRequest.ofTokens(prompt).withMaxTokens(gen + 1).withIgnoreEos(true);
            fs.add(e.submit(req, (index, token, text, lp) -> at[seq][index] = System.nanoTime()));
        }
        CompletableFuture.allOf(fs.toArray(new CompletableFuture[0])).join();
        return rates(t0, at, promptTokens);
    }

    /**
     * {prefill tok/s, decode tok/s} of one repetition started at {@code t0}: {@code at[s][i]} is when sequence {@code s}
     * got its token {@code i} (token 0 ends its prompt). Decode counts the tokens that came after every sequence had its
     * first one, over that time. When all prompts go through in one step that is every token after the first; when they
     * take several (more prompt tokens than a step holds), the sequences prefilled first decode while the others prefill,
     * and those tokens came before the window: counting them, as it did, overstated decode (by up to a fifth measured).
     */
    static double[] rates(long t0, long[][] at, int promptTokens) {
        long allFirst = t0;
        long allLast = t0;
        for (long[] times : at) {
            allFirst = Math.max(allFirst, times[0]);
            allLast = Math.max(allLast, times[times.length - 1]);
        }
        long decoded = 0;
        for (long[] times : at) {
            for (int i = 1; i < times.length; i++) {
                decoded += times[i] > allFirst ? 1 : 0;
            }
        }
        double prefill = (double) promptTokens * at.length / ((allFirst - t0) / 1e9);
        return new double[] {prefill, decoded / ((allLast - allFirst) / 1e9)};
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
