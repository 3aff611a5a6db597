package dev.kindling.spark.inference;

import dev.kindling.inference.Engine;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.inference.PromptTooLongException;
import dev.kindling.inference.ScoreResult;
import dev.kindling.inference.sample.LogProbs;
import dev.kindling.tokenizer.ChatTemplate;
import dev.kindling.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * One LLM-as-judge rating: the judge model reads the rubric filled with the instruction and the
 * candidate response (through its chat template when it has one) and answers.
 *
 * <p>{@code auto}: the judge writes its answer (greedy, up to {@code maxTokens}) and
 * {@link RatingParser} reads the rating from it ({@code source = "parsed"}). When no rating can be
 * read, the fallback reads the judge's probabilities instead: the prompt is extended with
 * {@code "Rating:"} and each rating {@code r} of the scale is scored as the continuation
 * {@code " r"}; the rating is the most likely one and {@code probabilities} holds their normalised
 * probabilities ({@code source = "logprobs"}). {@code logprobs} skips the written answer. So every
 * row gets a rating.
 *
 * <p>How the continuations are scored depends on the vocabulary: when the tokens of
 * {@code "Rating: 1"}, {@code "Rating: 2"}... first differ at one position, their last, a single forward pass
 * gives the next-token distribution at that position (the rating tokens' probabilities); when one
 * continuation is a prefix of another (a 1..10 scale: {@code "1"} and {@code "10"}), each
 * continuation is scored in full, and a rating's probability is that of the answer ending there
 * ({@code P("1") - P("10")}), so the ratings are disjoint answers and their probabilities sum to 1.
 */
public final class Judging {
    private Judging() {}

    /**
     * A rating and how it was obtained, with the tokens the judge read (its prompt, and the rating passes' prompts when
     * the probabilities decided) and wrote (its answer).
     */
    public record Judgment(double rating, String source, String text, double[] probabilities, long promptTokens,
            long generatedTokens) {
        /** The probability-weighted rating when the probabilities are known, else the rating. */
        public double expected(int minRating) {
            if (probabilities == null) {
                return rating;
            }
            double e = 0;
            for (int i = 0; i < probabilities.length; i++) {
                e += probabilities[i] * (minRating + i);
            }
            return e;
        }
    }

    /** The judge's prompt (rendered and tokenized) and its fallback continuations, computed up front. */
    record Request(int[] prompt, int[] prefix, int[][] continuations, int divergeAt, boolean singlePass) {}

    static Request request(Engine engine, Rubric rubric, String instruction, String response) {
        Tokenizer tok = engine.tokenizer().orElseThrow();
        String filled = rubric.fill(instruction, response);
        ChatTemplate template = tok.chatTemplate().orElse(null);
        String prompt;
        boolean special;
        if (template != null) {
            prompt = template.render(List.of(Prompts.message("user", filled)), true);
            special = false; // the template holds BOS where the model wants it
        } else {
            prompt = filled + "\n";
            special = true;
        }
        int[] ids = tok.encode(prompt, special);
        String prefix = prompt + "Rating:";
        int n = rubric.maxRating() - rubric.minRating() + 1;
        int[][] cont = new int[n][];
        for (int i = 0; i < n; i++) {
            cont[i] = tok.encode(prefix + " " + (rubric.minRating() + i), special);
        }
        int lcp = cont[0].length;
        for (int i = 1; i < n; i++) {
            lcp = Math.min(lcp, commonPrefix(cont[0], cont[i]));
        }
        boolean single = true;
        Set<Integer> next = new HashSet<>();
        for (int[] c : cont) {
            // one pass reads one token per rating: each must end there ("1" "0" for 10 on a 6..10 scale does not,
            // and P("1") is that of any number starting with 1)
            if (c.length != lcp + 1 || !next.add(c[lcp])) {
                single = false;
                break;
            }
        }
        return new Request(ids, Arrays.copyOf(cont[0], lcp), cont, lcp, single);
    }

    static int commonPrefix(int[] a, int[] b) {
        int i = 0;
        while (i < a.length && i < b.length && a[i] == b[i]) {
            i++;
        }
        return i;
    }

    /**
     * Starts judging {@code response} to {@code instruction}.
     *
     * @param method {@code auto} (write, parse, fall back to probabilities) or {@code logprobs}
     */
    public static CompletableFuture<Judgment> submit(Engine engine, Rubric rubric, String instruction, String response,
            String method, int maxTokens) {
        Request r = request(engine, rubric, instruction, response);
        if (method.equals("logprobs")) {
            return probabilities(engine, rubric, r, null, 0);
        }
        GenerationRequest g = GenerationRequest.ofTokens(r.prompt()).withMaxTokens(maxTokens);
        return InOrderWindow.flatMap(engine.submit(g, null), c -> {
            OptionalDouble parsed = RatingParser.parse(c.text(), rubric.minRating(), rubric.maxRating());
            if (parsed.isPresent()) {
                return CompletableFuture.completedFuture(new Judgment(parsed.getAsDouble(), "parsed", c.text(), null,
                        r.prompt().length, c.tokens().length));
            }
            return probabilities(engine, rubric, r, c.text(), c.tokens().length);
        });
    }

    /** The judgment by the ratings' probabilities; {@code generated}: the tokens of the answer {@code text} (0 for none). */
    private static CompletableFuture<Judgment> probabilities(Engine engine, Rubric rubric, Request r, String text, long generated) {
        int n = r.continuations().length;
        int longest = r.singlePass() ? r.prefix().length : Arrays.stream(r.continuations()).mapToInt(c -> c.length).max().orElse(0);
        int context = engine.config().contextLength();
        if (longest > context) {
            // refused as the written answer's prompt is, so that each surface advises its own remedy (a shorter prompt, a
            // judge of a longer context): the engine's scoring refusal ("the sequence has N tokens") advised nothing
            return CompletableFuture.failedFuture(new PromptTooLongException(engine.source() + ": the judge prompt and \"Rating:\" "
                    + "have " + longest + " tokens but the context holds " + context, Judge.LONG_PROMPT_ADVICE, longest, context));
        }
        // what the judge read: its prompt when it wrote an answer first, then the rating passes' prompts
        long read = (text != null ? r.prompt().length : 0)
                + (r.singlePass() ? r.prefix().length : Arrays.stream(r.continuations()).mapToLong(c -> c.length).sum());
        if (r.singlePass()) {
            return InOrderWindow.map(engine.submitLogits(r.prefix()), logits -> {
                double lse = LogProbs.logSumExp(logits, 0, logits.length);
                double[] lp = new double[n];
                for (int i = 0; i < n; i++) {
                    lp[i] = logits[r.continuations()[i][r.divergeAt()]] - lse;
                }
                return judgment(rubric, lp, text, read, generated);
            });
        }
        List<CompletableFuture<ScoreResult>> parts = new ArrayList<>(n);
        for (int[] c : r.continuations()) {
            parts.add(engine.submitScore(c));
        }
        return InOrderWindow.map(InOrderWindow.allOf(parts), rs -> {
            double[] lp = new double[n];
            for (int i = 0; i < n; i++) {
                float[] l = rs.get(i).logprobs();
                for (int pos = Math.max(1, r.divergeAt()); pos < r.continuations()[i].length; pos++) {
                    lp[i] += l[pos - 1];
                }
            }
            return judgment(rubric, endingThere(r.continuations(), lp), text, read, generated);
        });
    }

    /**
     * The log-probabilities of the ratings as answers that end there: a continuation that begins longer ones
     * ({@code "1"} of {@code "10"}) holds their probability too, so theirs is taken off (its direct extensions only:
     * theirs already exclude the longer ones still). Without this rating 1 got rating 10's mass as well, could never
     * lose to it, and the scale's probabilities counted it twice.
     */
    static double[] endingThere(int[][] cont, double[] lp) {
        double[] out = lp.clone();
        for (int i = 0; i < cont.length; i++) {
            double longer = 0; // sum of P(extension) / P(cont[i])
            for (int j = 0; j < cont.length; j++) {
                if (continues(cont[j], cont[i]) && !between(cont, i, j)) {
                    longer += Math.exp(lp[j] - lp[i]);
                }
            }
            if (longer > 0) {
                // P(extension) <= P(cont[i]) up to rounding (the shared tokens were scored in separate passes)
                out[i] = lp[i] + Math.log(Math.max(0, 1 - longer));
            }
        }
        return out;
    }

    /** Whether {@code a} is {@code b} followed by more tokens. */
    private static boolean continues(int[] a, int[] b) {
        return a.length > b.length && commonPrefix(a, b) == b.length;
    }

    /** Whether some continuation lies strictly between {@code cont[i]} and its extension {@code cont[j]}. */
    private static boolean between(int[][] cont, int i, int j) {
        for (int[] k : cont) {
            if (continues(k, cont[i]) && continues(cont[j], k)) {
                return true;
            }
        }
        return false;
    }

    private static Judgment judgment(Rubric rubric, double[] logprobs, String text, long promptTokens, long generatedTokens) {
        double max = Double.NEGATIVE_INFINITY;
        int best = 0;
        for (int i = 0; i < logprobs.length; i++) {
            if (logprobs[i] > max) {
                max = logprobs[i];
                best = i;
            }
        }
        double sum = 0;
        double[] p = new double[logprobs.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = Math.exp(logprobs[i] - max);
            sum += p[i];
        }
        for (int i = 0; i < p.length; i++) {
            p[i] /= sum;
        }
        return new Judgment(rubric.minRating() + best, "logprobs", text, p, promptTokens, generatedTokens);
    }
}
