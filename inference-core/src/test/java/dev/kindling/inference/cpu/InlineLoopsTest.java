package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.backend.Step;
import dev.kindling.inference.llama2c.Llama2cLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.testing.SharedData;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Loops too small to be worth a hand-off run on the step thread alone ({@link WorkerPool#INLINE_WORK}), with the same
 * bits as when the workers take them.
 */
class InlineLoopsTest {

    @Test
    void smallLoopsRunOnTheCallingThread() {
        try (WorkerPool pool = new WorkerPool(2, 1000)) {
            List<Thread> ran = new ArrayList<>();
            pool.run(8, 999, (worker, i) -> {
                assertEquals(0, worker, "index " + i + " of an inline loop ran as worker " + worker);
                ran.add(Thread.currentThread());
            });
            assertEquals(8, ran.size());
            assertTrue(ran.stream().allMatch(t -> t == Thread.currentThread()), "an inline loop ran on another thread: " + ran);
            assertEquals(0, pool.handOffs(), "a loop of 999 units under the pool's 1000 was handed to the workers");
            pool.run(8, 1000, (worker, i) -> { });
            assertEquals(1, pool.handOffs(), "a loop of the pool's 1000 units was not handed to the workers");
        }
    }

    /**
     * stories260K (64 wide) has no loop worth a hand-off: a prefill step and 16 decode steps of two sequences on two
     * threads hand nothing to the workers (before, every one of the ~60 loops of a step did, and the step thread spent
     * most of its time waiting for them), and give the same logits, bit for bit, as a pool that hands every loop over.
     */
    @Test
    void tinyModelStepsStayOnTheStepThreadWithTheSameLogits() throws Exception {
        Model model = Llama2cLoader.load(SharedData.require("llama2c/stories260K.bin"));
        CpuBackend inline = new CpuBackend(model, 2, 64, 16, 8L << 20);
        CpuBackend split = new CpuBackend(model, new WorkerPool(2, 0), 64, 16, 8L << 20);
        try {
            float[][] a = run(inline);
            float[][] b = run(split);
            for (int i = 0; i < a.length; i++) {
                assertArrayEquals(b[i], a[i], "step " + i + ": logits on the step thread alone differ from the split ones");
            }
            assertEquals(0, inline.handOffs(), "stories260K steps handed loops to the workers");
            assertTrue(split.handOffs() > 0, "the pool with no inline work handed nothing over, so the comparison compared nothing");
        } finally {
            inline.close();
            split.close();
        }
    }

    /** The logits of a prefill of two 7-token prompts, then 16 greedy decode steps of both. */
    private static float[][] run(CpuBackend b) {
        int vocab = b.config().vocabSize();
        int[][] tables = {{0, 1}, {2, 3}};
        int[][] seqs = {{1, 403, 407, 261, 378, 285, 339}, {1, 265, 260, 280, 314, 290, 297}};
        int[] next = new int[2];
        float[][] out = new float[17][];
        Step s = new Step(64);
        for (int q = 0; q < 2; q++) {
            int seq = s.addSequence(tables[q]);
            for (int p = 0; p < seqs[q].length; p++) {
                s.addToken(seq, seqs[q][p], p, p == seqs[q].length - 1);
            }
        }
        for (int step = 0; step < 17; step++) {
            if (step > 0) {
                s.clear();
                for (int q = 0; q < 2; q++) {
                    s.addToken(s.addSequence(tables[q]), next[q], 6 + step, true);
                }
            }
            b.forward(s);
            out[step] = java.util.Arrays.copyOf(s.logits, 2 * vocab);
            for (int q = 0; q < 2; q++) {
                next[q] = dev.kindling.inference.sample.Sampler.argmax(s.logits, q * vocab, vocab);
            }
        }
        return out;
    }
}
