package dev.kindling.inference.sample;

/**
 * How the next token is chosen.
 *
 * <p>Default sampler, in this order: penalties on the logits (repetition over the prompt and the
 * output, as Hugging Face / vLLM; frequency and presence over the output, as OpenAI); then
 * {@code temperature == 0} picks the argmax (ties: lowest id); otherwise softmax of
 * {@code logits / temperature}, keep the {@code topK} most likely (0 = all), then the smallest set
 * of those whose mass reaches {@code topP} of theirs (renormalised after top-k, as HF, vLLM and
 * llama.cpp; 1 = all), then drop tokens below {@code minP} x the top
 * probability (0 = none), renormalise and draw with the request's own generator seeded by
 * {@code seed} — so a seed gives the same text whatever else is in the batch.
 *
 * <p>Where it differs from the references, on purpose (the order and the sets are Hugging Face's,
 * {@code _get_logits_processor}: temperature, top-k, top-p, min-p):
 * <ul>
 *   <li>top-k keeps exactly k tokens, the lowest ids among those tied with the k-th (as llama.cpp);
 *       HF's TopKLogitsWarper and vLLM keep every token tied with the k-th. Ties elsewhere (the
 *       nucleus's last token, the argmax) also go to the lowest id;</li>
 *   <li>vLLM applies min-p before top-k / top-p, so its nucleus is measured on what min-p kept;
 *       here (as HF) min-p comes last. The two differ only when top-p and min-p are both set;</li>
 *   <li>llama.cpp's default chain truncates first and divides by the temperature last (top-k,
 *       top-p and min-p see {@code T = 1}); here, as HF and vLLM, the temperature comes first;</li>
 *   <li>penalties have no window: repetition counts the whole prompt and output (HF, vLLM),
 *       frequency and presence the whole output (OpenAI, vLLM); llama.cpp counts the last
 *       {@code penalty_last_n} (64) tokens, prompt included, for all three;</li>
 *   <li>the random generator is the engine's own: a seed reproduces Kindling's text, not another
 *       engine's (except {@link Kind#LLAMA2C}, which reproduces run.c's).</li>
 * </ul>
 * A penalty that pushes a logit past the float range (a repetition penalty of 1e-40 divides it into infinity) leaves it
 * the largest (or lowest) float, so the tokens pushed there tie, rather than a softmax of NaN.
 *
 * <p>{@link Kind#LLAMA2C} is llama2.c's sampler exactly ({@code run.c}: temperature, then top-p with
 * its cutoff, xorshift generator seeded with the raw seed (0, which run.c replaces by the time,
 * with a fixed non-zero state), one coin per step); top-k, min-p and penalties are refused with it.
 *
 * @param temperature       0 = greedy
 * @param topK              keep the k most likely tokens; 0 = off (-1, vLLM's off, is taken as 0; the engine takes
 *                          a k of the vocabulary's size or more as 0 too, as it keeps every token)
 * @param topP              nucleus mass in (0, 1]; 1 = off
 * @param minP              minimum probability relative to the most likely token; 0 = off
 * @param repetitionPenalty > 1 discourages tokens already in prompt or output; 1 = off
 * @param frequencyPenalty  subtracted per occurrence in the output; 0 = off
 * @param presencePenalty   subtracted once if present in the output; 0 = off
 * @param seed              the request's random seed
 * @param kind              which sampler
 */
public record SamplingParams(float temperature, int topK, float topP, float minP, float repetitionPenalty,
        float frequencyPenalty, float presencePenalty, long seed, Kind kind) {

    public enum Kind { DEFAULT, LLAMA2C }

    /**
     * One parameter out of its range: the message is the API's ("temperature must be a finite number >= 0, got NaN"); a command line
     * names its own option with {@link #parameter()} and {@link #requirement()} ("--temperature must be a finite number >= 0, got NaN").
     */
    public static final class InvalidParameterException extends IllegalArgumentException {
        private final String parameter;
        private final String requirement;

        InvalidParameterException(String words, String parameter, String requirement, Object value) {
            super(words + " " + requirement + ", got " + value);
            this.parameter = parameter;
            this.requirement = requirement;
        }

        /** The parameter as the options name it: temperature, top-k, top-p, min-p, repetition-penalty, frequency-penalty, presence-penalty. */
        public String parameter() {
            return parameter;
        }

        /** What it must be, without the value: "must be a finite number >= 0". */
        public String requirement() {
            return requirement;
        }
    }

    public SamplingParams {
        if (!(temperature >= 0) || Float.isInfinite(temperature)) {
            throw new InvalidParameterException("temperature", "temperature", "must be a finite number >= 0", temperature);
        }
        if (topK == -1) {
            topK = 0; // vLLM's "off" (llama.cpp's too): refused, a request written for vLLM failed here
        }
        if (topK < 0) {
            throw new InvalidParameterException("top-k", "top-k", "must be 0 or -1 (off) or at least 1", topK);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new InvalidParameterException("top-p", "top-p", "must be in (0, 1]", topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new InvalidParameterException("min-p", "min-p", "must be in [0, 1]", minP);
        }
        if (!(repetitionPenalty > 0) || Float.isInfinite(repetitionPenalty)) {
            throw new InvalidParameterException("repetition penalty", "repetition-penalty", "must be a finite number > 0",
                    repetitionPenalty);
        }
        // a NaN penalty turned every penalised logit into NaN (0 x NaN for the prompt's tokens too), and the
        // generation then ended at once with an empty text and no error
        if (!Float.isFinite(frequencyPenalty)) {
            throw new InvalidParameterException("frequency penalty", "frequency-penalty", "must be a finite number", frequencyPenalty);
        }
        if (!Float.isFinite(presencePenalty)) {
            throw new InvalidParameterException("presence penalty", "presence-penalty", "must be a finite number", presencePenalty);
        }
        if (kind == null) {
            kind = Kind.DEFAULT;
        }
        if (kind == Kind.LLAMA2C && (topK != 0 || minP != 0f || repetitionPenalty != 1f || frequencyPenalty != 0f
                || presencePenalty != 0f)) {
            // run.c's sampler has temperature and top-p only: the others were dropped without a word
            throw new IllegalArgumentException("llama2.c's sampler takes temperature, top-p and seed only, not top-k, min-p"
                    + " or penalties (got top-k " + topK + ", min-p " + minP + ", repetition " + repetitionPenalty
                    + ", frequency " + frequencyPenalty + ", presence " + presencePenalty + "): use the default sampler for them");
        }
    }

    /** Argmax decoding. */
    public static SamplingParams greedy() {
        return new SamplingParams(0f, 0, 1f, 0f, 1f, 0f, 0f, 0L, Kind.DEFAULT);
    }

    /** Temperature sampling with a seed, nothing else. */
    public static SamplingParams temperature(float t, long seed) {
        return new SamplingParams(t, 0, 1f, 0f, 1f, 0f, 0f, seed, Kind.DEFAULT);
    }

    /** llama2.c's sampler ({@code run -t T -p P -s SEED}). */
    public static SamplingParams llama2c(float temperature, float topP, long seed) {
        return new SamplingParams(temperature, 0, topP, 0f, 1f, 0f, 0f, seed, Kind.LLAMA2C);
    }

    public SamplingParams withTopK(int k) {
        return new SamplingParams(temperature, k, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed, kind);
    }

    public SamplingParams withTopP(float p) {
        return new SamplingParams(temperature, topK, p, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed, kind);
    }

    public SamplingParams withMinP(float p) {
        return new SamplingParams(temperature, topK, topP, p, repetitionPenalty, frequencyPenalty, presencePenalty, seed, kind);
    }

    public SamplingParams withPenalties(float repetition, float frequency, float presence) {
        return new SamplingParams(temperature, topK, topP, minP, repetition, frequency, presence, seed, kind);
    }

    public SamplingParams withSeed(long s) {
        return new SamplingParams(temperature, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, s, kind);
    }

    public SamplingParams withTemperature(float t) {
        return new SamplingParams(t, topK, topP, minP, repetitionPenalty, frequencyPenalty, presencePenalty, seed, kind);
    }
}
