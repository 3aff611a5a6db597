package dev.kindling.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.inference.backend.Step;
import dev.kindling.inference.model.Architecture;
import dev.kindling.inference.model.ModelConfig;
import dev.kindling.inference.model.Rope;
import dev.kindling.inference.model.RopeStyle;
import org.junit.jupiter.api.Test;

class StepPlanTest {
    static ModelConfig config(int heads, int kvHeads) {
        return new ModelConfig(Architecture.LLAMA, 64, 128, 1, heads, kvHeads, 64 / heads, 100, 4096, 1e-5f,
                new Rope(RopeStyle.ADJACENT, 64 / heads, 10000, 1, null), 0, false);
    }

    @Test
    void tilesSlotsTablesAndPartials() {
        Step s = new Step(64);
        int a = s.addSequence(new int[] {7, 3, 9});           // prefill of 20 tokens at positions 0..19
        int b = s.addSequence(new int[] {1, 2, 4, 5, 6, 8, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24,
            25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39}); // one decode token at position 560
        for (int i = 0; i < 20; i++) {
            s.addToken(a, 100 + i, i, i == 19);
        }
        s.addToken(b, 5, 560, true);
        StepPlan p = new StepPlan(s, config(8, 2), 16); // G = 4: 8 tokens per tile
        assertEquals(21, p.tokens);
        assertEquals(7 * 16 + 0, p.slots[0]);
        assertEquals(3 * 16 + 3, p.slots[19]);
        assertEquals(39 * 16 + 0, p.slots[20], "position 560 = block 35 of its table (id 39), slot 0");
        assertEquals(4, p.tileCount);
        assertArrayEquals(new int[] {0, 8, 16, 20}, p.tileToken);
        assertArrayEquals(new int[] {8, 8, 4, 1}, p.tileLen);
        assertArrayEquals(new int[] {0, 0, 0, 1}, p.tileSeq);
        assertArrayEquals(new int[] {0, 3}, p.tableOff);
        assertEquals(2, p.maxSplits, "position 560 needs splits 0 and 1");
        assertEquals(8 * 20, p.partBase[20]);
        assertEquals(8 * 20 + 8 * 2, p.partSlots);
        assertArrayEquals(new int[] {19, 20}, p.logitTokens);
        assertFalse(p.decodeOnly);
    }

    @Test
    void decodeStepsAndErrors() {
        Step s = new Step(8);
        for (int q = 0; q < 3; q++) {
            s.addToken(s.addSequence(new int[] {q}), 1, 5, true);
        }
        StepPlan p = new StepPlan(s, config(4, 4), 16);
        assertTrue(p.decodeOnly);
        assertEquals(3, p.tileCount);
        Step bad = new Step(2);
        bad.addToken(bad.addSequence(new int[] {0}), 1, 16, true);
        assertThrows(IllegalStateException.class, () -> new StepPlan(bad, config(4, 4), 16));
    }
}
