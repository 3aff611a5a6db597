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
        ExecutorEngines.Placement gpu1 = ExecutorEngines.placement(auto, 1, true);
        assertEquals("#gpu1", gpu1.keySuffix());
        assertEquals(1, gpu1.apply(EngineOptions.defaults()).gpuDevice());
        assertEquals("#gpu0", ExecutorEngines.placement(auto.withDevice("cuda"), 0, false).keySuffix());
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto, -1, true), "no GPU assigned");
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto.withDevice("cpu"), 1, true),
                "a CPU engine is shared whatever GPU the task holds");
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto, 1, false),
                "auto without a usable CUDA driver runs on the CPU: one engine, not one per assigned GPU");
        assertSame(ExecutorEngines.Placement.SHARED, ExecutorEngines.placement(auto),
                "outside a task (or in local mode) nothing is assigned");
    }

    @Test
    void tasksAssignedGpusShareOneCpuEngineWhenCudaDoesNotTakeTheModel() {
        // auto with GPUs assigned, CUDA falling back to the CPU (here: no driver): each GPU got a CPU engine of its own,
        // every one with all the executor's threads and a KV cache
        assumeNoCuda();
        EngineSpec spec = EngineSpec.of(Stories.model().toString()).withThreads(1).withMaxSequences(2);
        dev.kindling.inference.Engine onGpu0 = ExecutorEngines.get(spec, null, ExecutorEngines.placement(spec, 0, true));
        dev.kindling.inference.Engine onGpu1 = ExecutorEngines.get(spec, null, ExecutorEngines.placement(spec, 1, true));
        assertSame(onGpu0, onGpu1);
        assertSame(onGpu0, ExecutorEngines.get(spec), "the CPU engine of the tasks without a GPU");
        assertEquals(2, onGpu1.generate(dev.kindling.inference.GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true))
                .tokens().length);
    }

    @Test
    void theCpuEngineOpenedForAGpuTaskIsTheSharedOneNotASecondLoad() {
        // the fallback closed the CPU engine it had just opened for the GPU task and opened the shared one: the model was
        // loaded twice, and each GPU's first task held a copy of its own while the shared one loaded. The engine opened
        // with the task's placement (GPU ordinal 1) is the one every task now shares.
        assumeNoCuda();
        EngineSpec spec = EngineSpec.of(Stories.model().toString()).withThreads(1).withMaxSequences(5);
        dev.kindling.inference.Engine onGpu1 = ExecutorEngines.get(spec, null, ExecutorEngines.placement(spec, 1, true));
        assertSame(onGpu1, ExecutorEngines.get(spec));
        assertEquals(1, onGpu1.options().gpuDevice(), "the engine the GPU task opened, not one opened again");
        assertEquals(2, onGpu1.generate(dev.kindling.inference.GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true))
                .tokens().length, "kept open");
    }

    /** These tests need auto to fall back to the CPU: on a host with a CUDA driver the tasks' GPUs would take the model. */
    private static void assumeNoCuda() {
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.kindling.inference.cuda.CudaProbe.get().available(),
                "a CUDA driver and device are present: auto would open the engines on the GPUs");
    }
}
