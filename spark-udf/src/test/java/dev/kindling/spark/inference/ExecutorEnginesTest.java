package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.kindling.inference.EngineOptions;
import org.junit.jupiter.api.Test;

/** Where an executor's engines run: one per GPU the tasks were assigned. */
class ExecutorEnginesTest {
    /** A notebook that tried a model frees its engine: closed, and opened again on the next use. */
    @Test
    void closeAllClosesTheJvmsEnginesAndTheNextUseOpensAnew() {
        EngineSpec spec = EngineSpec.of(Stories.model().toString()).withThreads(1).withMaxSequences(3);
        dev.kindling.inference.Engine first = ExecutorEngines.get(spec);
        assertSame(first, ExecutorEngines.get(spec), "one engine per spec");
        org.junit.jupiter.api.Assertions.assertTrue(ExecutorEngines.closeAll() >= 1);
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class,
                () -> first.generate(dev.kindling.inference.GenerationRequest.of("Once").withMaxTokens(2)), "closed");
        dev.kindling.inference.Engine second = ExecutorEngines.get(spec);
        org.junit.jupiter.api.Assertions.assertNotSame(first, second);
        assertEquals(2, second.generate(dev.kindling.inference.GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true))
                .tokens().length);
    }

    @Test
    void aTaskAssignedAGpuGetsTheEngineOnThatGpu() {
        // GpuAssignment was never asked: with two GPUs per executor every task opened its engine on the first one
        EngineSpec auto = EngineSpec.of("m.gguf");
        ExecutorEngines.Placement gpu1 = ExecutorEngines.placement(auto, 1);
        assertEquals("#gpu1", gpu1.keySuffix());
        assertEquals(1, gpu1.apply(EngineOptions.defaults()).gpuDevice());
        assertEquals("#gpu0", ExecutorEngines.placement(auto.withDevice("cuda"), 0).keySuffix());
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto, -1), "no GPU assigned");
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto.withDevice("cpu"), 1),
                "a CPU engine is shared whatever GPU the task holds");
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto),
                "outside a task (or in local mode) nothing is assigned");
    }
}
