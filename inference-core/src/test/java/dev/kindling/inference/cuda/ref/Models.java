package dev.kindling.inference.cuda.ref;

import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.backend.Backend;
import dev.kindling.inference.backend.Step;
import dev.kindling.inference.cuda.pack.ModelPlan;
import dev.kindling.inference.gguf.GgufModelLoader;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import java.nio.file.Path;

/** Loading models and running steps in the reference-backend tests. */
final class Models {
    private Models() {}

    static Model load(Path p) {
        if (GgufFile.looksLikeGguf(p)) {
            try (GgufFile f = GgufFile.open(p)) {
                return GgufModelLoader.load(f);
            }
        }
        return Llama2cLoader.load(p);
    }

    /** The reference backend over the plan the CUDA backend would upload (GGUF: from the file). */
    static ReferenceBackend reference(Model m, int maxTokens, int blocks) {
        if ("gguf".equals(m.format())) {
            try (GgufFile f = GgufFile.open(m.source())) {
                return new ReferenceBackend(ModelPlan.of(m, f), maxTokens, 16, blocks);
            }
        }
        return new ReferenceBackend(ModelPlan.of(m), maxTokens, 16, blocks);
    }

    /** Logits after every token of {@code tokens} (one step; blocks 0.. in order). */
    static float[] prefillLogits(Backend b, int[] tokens) {
        int[] table = new int[(tokens.length + 15) / 16];
        for (int i = 0; i < table.length; i++) {
            table[i] = i;
        }
        Step s = new Step(Math.max(tokens.length, 1));
        int seq = s.addSequence(table);
        for (int i = 0; i < tokens.length; i++) {
            s.addToken(seq, tokens[i], i, true);
        }
        b.forward(s);
        return java.util.Arrays.copyOf(s.logits, tokens.length * b.config().vocabSize());
    }

    /** ||a - b|| / ||b||. */
    static double relativeError(float[] a, float[] b) {
        double num = 0, den = 0;
        for (int i = 0; i < b.length; i++) {
            double d = (double) a[i] - b[i];
            num += d * d;
            den += (double) b[i] * b[i];
        }
        return Math.sqrt(num / den);
    }

    /** Largest relative error of any one row of {@code vocab} values. */
    static double worstRowError(float[] a, float[] b, int vocab) {
        double worst = 0;
        for (int r = 0; r < b.length / vocab; r++) {
            worst = Math.max(worst, relativeError(java.util.Arrays.copyOfRange(a, r * vocab, (r + 1) * vocab),
                    java.util.Arrays.copyOfRange(b, r * vocab, (r + 1) * vocab)));
        }
        return worst;
    }
}
