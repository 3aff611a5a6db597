package dev.kindling.spark.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.GenerationRequest;
import dev.kindling.spark.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where an executor's engines run (one per GPU the tasks were assigned), and when the files they opened change. */
class ExecutorEnginesTest {
    @TempDir static Path tmp;

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
    void aModelReplacedAtItsPathIsOpenedAnewAndTheEngineOfTheOldOneClosed() throws Exception {
        // the engine was keyed on the path as given, and the replaced file was served by the engine of the old one
        Path model = tmp.resolve("replaced-outside-a-task.gguf");
        Files.copy(Stories.model(), model);
        EngineSpec spec = EngineSpec.of(model.toString()).withThreads(1).withMaxSequences(3);
        Engine first = ExecutorEngines.get(spec);
        assertEquals(2048, first.config().contextLength(), "stories260K's own context");
        assertSame(first, ExecutorEngines.get(spec), "the same files: the same engine");
        Files.copy(Stories.withContext(tmp, 64), model, StandardCopyOption.REPLACE_EXISTING);
        Engine second = ExecutorEngines.get(spec);
        assertNotSame(first, second);
        assertEquals(64, second.config().contextLength(), "the new file's model");
        assertThrows(Exception.class, () -> first.generate(GenerationRequest.of("Once").withMaxTokens(2)),
                "no task used the old engine: closed");
        assertSame(second, ExecutorEngines.get(spec));
    }

    /**
     * A model cut short on an executor (a copy that stopped) fails each of two tasks that ask for it at once, naming the
     * file once and what is wrong (neither waits for ever on the other's failed load; a local path was said twice, "model
     * /m/x.gguf: /m/x.gguf: tensor ..."), and no engine is kept for it, nor for the whole file when the lookup's thread is
     * interrupted (a task killed as it opens the engine, said so, where it was "cannot open model"); once the
     * whole file is at the path, the next lookup opens it, and the one after gets that engine. (One load for tasks that
     * ask at once: PerJvmTest, whose loader is slow enough for them to meet.)
     */
    @Test
    void aTruncatedModelFailsNamingItAndTheWholeOneOpensAfter() throws Exception {
        Path model = tmp.resolve("cut-short.gguf");
        byte[] whole = Files.readAllBytes(Stories.model());
        Files.write(model, java.util.Arrays.copyOf(whole, whole.length / 3));
        EngineSpec spec = EngineSpec.of(model.toString()).withThreads(1).withMaxSequences(7);
        List<Object> cut = atOnce(() -> ExecutorEngines.get(spec));
        for (Object o : cut) {
            String m = String.valueOf(o instanceof Throwable t ? t.getMessage() : o);
            org.junit.jupiter.api.Assertions.assertTrue(m.startsWith("model " + model + ": tensor ")
                    && m.contains("extends past the end of the file"), m);
        }
        Files.write(model, whole);
        // a task killed (interrupted) as it opens the engine: said so, not as the model's failure, and nothing is kept
        Thread.currentThread().interrupt();
        try {
            Exception x = assertThrows(java.util.concurrent.CancellationException.class, () -> ExecutorEngines.get(spec));
            org.junit.jupiter.api.Assertions.assertTrue(x.getMessage().startsWith(model + ": opening the model was interrupted"),
                    x.getMessage());
        } finally {
            Thread.interrupted();
        }
        Engine opened = ExecutorEngines.get(spec);
        assertSame(opened, ExecutorEngines.get(spec));
        assertEquals(2, opened.generate(GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true)).tokens().length);
    }

    /** What {@code call} gave (or threw) on each of two threads started together. */
    private static List<Object> atOnce(java.util.concurrent.Callable<Object> call) throws Exception {
        java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(2);
        java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
        try {
            List<java.util.concurrent.Future<Object>> fs = new java.util.ArrayList<>();
            for (int i = 0; i < 2; i++) {
                fs.add(pool.submit(() -> {
                    start.await();
                    try {
                        return call.call();
                    } catch (RuntimeException e) {
                        return e;
                    }
                }));
            }
            List<Object> out = new java.util.ArrayList<>();
            for (java.util.concurrent.Future<Object> f : fs) {
                out.add(f.get(60, java.util.concurrent.TimeUnit.SECONDS));
            }
            return out;
        } finally {
            pool.shutdown();
        }
    }

    static final AtomicReference<Engine> IN_TASK_OLD = new AtomicReference<>();
    static final AtomicReference<Engine> IN_TASK_NEW = new AtomicReference<>();
    static final AtomicInteger IN_TASK_OLD_TOKENS = new AtomicInteger();

    @Test
    void theEngineOfAReplacedModelStaysOpenUntilTheTasksUsingItEnd() throws Exception {
        // a task that has the old engine keeps it for its rows (closing it would fail them); it closes when the task ends
        Path model = tmp.resolve("replaced-in-a-task.gguf");
        Files.copy(Stories.model(), model);
        String path = model.toString();
        String replacement = Stories.withContext(tmp, 64).toString();
        JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.session().sparkContext());
        jsc.parallelize(List.of(1), 1).foreach(x -> replaceInTask(path, replacement));
        assertEquals(2, IN_TASK_OLD_TOKENS.get(), "the old engine worked in the task after the file was replaced");
        assertNotSame(IN_TASK_OLD.get(), IN_TASK_NEW.get());
        assertEquals(64, IN_TASK_NEW.get().config().contextLength());
        assertThrows(Exception.class, () -> IN_TASK_OLD.get().generate(GenerationRequest.of("Once").withMaxTokens(2)),
                "closed when the task ended");
        EngineSpec spec = EngineSpec.of(path).withThreads(1).withMaxSequences(3);
        assertSame(IN_TASK_NEW.get(), ExecutorEngines.get(spec), "the new engine stays");
    }

    private static void replaceInTask(String path, String replacement) throws java.io.IOException {
        EngineSpec spec = EngineSpec.of(path).withThreads(1).withMaxSequences(3);
        Engine old = ExecutorEngines.get(spec);
        Files.copy(Path.of(replacement), Path.of(path), StandardCopyOption.REPLACE_EXISTING);
        IN_TASK_NEW.set(ExecutorEngines.get(spec));
        IN_TASK_OLD.set(old);
        IN_TASK_OLD_TOKENS.set(old.generate(GenerationRequest.of("Once").withMaxTokens(2).withIgnoreEos(true)).tokens().length);
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

    /**
     * A task assigned a GPU, its auto-placed engine opened on the CPU, killed (without an interrupt) as it waits on another
     * task's load of the shared engine: the engine it opened, in no cache, is closed, and the close failing too (made to
     * here, through the closer ExecutorEngines.get takes) is suppressed in the kill, which stays the task's end, where the
     * close's exception replaced it and the killed task ended as failed, counted against spark.task.maxFailures.
     */
    @Test
    void aTaskKilledWaitingOnTheSharedEngineClosesTheOneItOpenedAndEndsKilled() throws Exception {
        assumeNoCuda();
        EngineSpec spec = EngineSpec.of(Stories.model().toString()).withThreads(1).withMaxSequences(6);
        String sharedKey = spec.key(1) + "|files=" + dev.kindling.spark.executor.LocalFiles.identity(Stories.model());
        java.util.concurrent.CountDownLatch loading = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
        java.util.concurrent.CompletableFuture<Object> other = java.util.concurrent.CompletableFuture.supplyAsync(
                () -> dev.kindling.spark.executor.PerJvm.get(sharedKey, k -> {   // another task's load of the shared engine
                    loading.countDown();
                    try {
                        release.await(60, java.util.concurrent.TimeUnit.SECONDS);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                    throw new IllegalStateException("the other task's load, not kept");
                }));
        loading.await(60, java.util.concurrent.TimeUnit.SECONDS);
        AtomicReference<Engine> closed = new AtomicReference<>();
        org.apache.spark.TaskContext outer = org.apache.spark.TaskContext.get();
        org.apache.spark.TaskContextImpl task = new org.apache.spark.TaskContextImpl(0, 0, 0, 1, 0, 1, null,
                new java.util.Properties(), null, org.apache.spark.executor.TaskMetrics.empty(), 1,
                scala.collection.immutable.Map$.MODULE$.empty());
        task.markInterrupted("test: killed");
        java.util.function.Consumer<ExecutorEngines.CachedEngine> failingClose = c -> {
            c.close();
            closed.set(c.engine);
            throw new IllegalStateException("test: the close failed");
        };
        org.apache.spark.TaskContext$.MODULE$.setTaskContext(task);
        try {
            org.apache.spark.TaskKilledException killed = assertThrows(org.apache.spark.TaskKilledException.class,
                    () -> ExecutorEngines.get(spec, null, ExecutorEngines.placement(spec, 7, true), failingClose));
            assertEquals("test: killed (killed while waiting for " + sharedKey + " to load)", killed.getMessage());
            assertEquals(List.of("test: the close failed"), java.util.Arrays.stream(killed.getSuppressed())
                    .map(Throwable::getMessage).toList());
            assertEquals(7, closed.get().options().gpuDevice(), "the engine the task opened for GPU 7");
            assertThrows(Exception.class, () -> closed.get().generate(GenerationRequest.of("Once").withMaxTokens(2)), "closed");
        } finally {
            org.apache.spark.TaskContext$.MODULE$.setTaskContext(outer);
            release.countDown();
        }
        java.util.concurrent.ExecutionException x = assertThrows(java.util.concurrent.ExecutionException.class,
                () -> other.get(60, java.util.concurrent.TimeUnit.SECONDS));
        assertEquals("the other task's load, not kept", x.getCause().getMessage());
    }

    /** These tests need auto to fall back to the CPU: on a host with a CUDA driver the tasks' GPUs would take the model. */
    private static void assumeNoCuda() {
        org.junit.jupiter.api.Assumptions.assumeFalse(dev.kindling.inference.cuda.CudaProbe.get().available(),
                "a CUDA driver and device are present: auto would open the engines on the GPUs");
    }
}
