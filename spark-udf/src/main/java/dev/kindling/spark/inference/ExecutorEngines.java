package dev.kindling.spark.inference;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.cuda.CudaProbe;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.executor.GpuAssignment;
import dev.kindling.spark.executor.LocalFiles;
import dev.kindling.spark.executor.PerJvm;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inference engine per executor JVM and {@link EngineSpec}: opened on first use by whichever
 * task asks first (the others wait for it), shared by every task thread of the executor (the
 * engine batches their requests together), closed when the JVM ends ({@link PerJvm}). The model is
 * made local by {@link LocalFiles} — a local path as it is, a {@code SparkFiles} name, or an
 * {@code s3a://}/{@code hdfs://} file copied once per host (size-checked; concurrent tasks wait for
 * the one copy) — and then memory-mapped.
 *
 * <p>Threads: the spec's, or the executor's cores ({@link ExecutorCores}).
 */
public final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);

    private ExecutorEngines() {}

    /**
     * Closes every engine this JVM holds and returns how many: their KV caches, threads and mapped files go, and the
     * next use opens the engine again. An executor otherwise keeps each engine for its life; in local mode (a
     * notebook, {@code local[*]}) the executor is the driver's JVM, so a notebook that tried several models or
     * settings frees them with {@code ExecutorEngines.closeAll()} between runs. Requests still in flight fail
     * ("engine closed"): call it when no job is running.
     */
    public static int closeAll() {
        return PerJvm.evictAll("engine:");
    }

    /** The engine for {@code spec} on this JVM (opened on first use), remote files read with this JVM's Hadoop settings. */
    public static Engine get(EngineSpec spec) {
        return get(spec, null);
    }

    /**
     * The engine for {@code spec} on this JVM (opened on first use).
     *
     * @param hadoop the job's Hadoop configuration for a model on {@code s3a://}/{@code hdfs://} (see
     *               {@link HadoopConf}), or null for this JVM's
     */
    public static Engine get(EngineSpec spec, HadoopConf hadoop) {
        return get(spec, hadoop, placement(spec));
    }

    /** {@link #get(EngineSpec, HadoopConf)} for a given placement. */
    static Engine get(EngineSpec spec, HadoopConf hadoop, Placement placement) {
        int threads = spec.threads() > 0 ? spec.threads() : ExecutorCores.current();
        if (placement == Placement.SHARED) {
            return PerJvm.get(spec.key(threads), k -> open(spec, threads, placement, hadoop));
        }
        return PerJvm.get(spec.key(threads) + placement.keySuffix(), k -> {
            Engine engine = open(spec, threads, placement, hadoop);
            if (engine.onGpu() || spec.device().equals("cuda")) {
                return engine;
            }
            // auto, and CUDA would not take the model (its family, GPU memory): a CPU engine per assigned GPU would run
            // several engines on the executor's cores, each with every core's threads and its own KV cache. The engine
            // just opened becomes the shared one, unless another task's already is: closing it and opening the shared
            // one loaded the model twice, and the first tasks of every GPU held a copy each meanwhile
            Engine shared = PerJvm.get(spec.key(threads), s -> engine);
            if (shared != engine) {
                engine.close();
            }
            return shared;
        });
    }

    /**
     * Where this task's engine runs: Spark's GPU scheduling. With
     * {@code spark.executor.resource.gpu.amount} set, a task is assigned a GPU address
     * ({@code TaskContext.resources()}, mapped to a CUDA ordinal by {@link GpuAssignment}); an executor
     * with several GPUs then needs one engine per device, so the device becomes part of the per-JVM
     * key ({@link Placement#keySuffix}) and of the engine options ({@link Placement#apply}). Without
     * an assignment, or for a CPU engine, every task shares the one engine.
     */
    static Placement placement(EngineSpec spec) {
        int gpu = GpuAssignment.deviceOrdinal();
        return placement(spec, gpu, gpu < 0 || !spec.device().equals("auto") || CudaProbe.get().available());
    }

    /**
     * {@link #placement(EngineSpec)} for the CUDA ordinal {@code gpu} (-1: none assigned), where {@code cudaUsable} says
     * whether this JVM has a CUDA driver and device.
     */
    static Placement placement(EngineSpec spec, int gpu, boolean cudaUsable) {
        if (gpu < 0 || spec.device().equals("cpu") || (spec.device().equals("auto") && !cudaUsable)) {
            // a CPU engine per assigned GPU would be the same engine twice, each with all the executor's cores
            return Placement.SHARED;
        }
        return new Placement() {
            @Override
            public String keySuffix() {
                return "#gpu" + gpu;
            }

            @Override
            public EngineOptions apply(EngineOptions options) {
                return options.withGpuDevice(gpu);
            }
        };
    }

    /** The device part of an engine's identity (see {@link #placement(EngineSpec)}). */
    interface Placement {
        Placement SHARED = new Placement() {
            @Override
            public String keySuffix() {
                return "";
            }

            @Override
            public EngineOptions apply(EngineOptions options) {
                return options;
            }
        };

        /** Appended to the per-JVM key, e.g. {@code "#gpu1"}. */
        String keySuffix();

        /** The engine options for this placement (e.g. with the assigned GPU ordinal). */
        EngineOptions apply(EngineOptions options);
    }

    private static Path localize(String path, HadoopConf hadoop) {
        return hadoop != null ? LocalFiles.localize(path, hadoop.get()) : LocalFiles.localize(path);
    }

    private static Engine open(EngineSpec spec, int threads, Placement placement, HadoopConf hadoop) {
        long t0 = System.nanoTime();
        Path model = localize(spec.model(), hadoop);
        Path tokenizer = spec.tokenizer() == null ? null : localize(spec.tokenizer(), hadoop);
        EngineOptions options = placement.apply(spec.options(threads, tokenizer));
        Engine engine;
        try {
            engine = Engine.open(model, options);
        } catch (ModelFormatException e) {
            throw new KindlingException(KindlingException.FAILURE, "model " + spec.model() + ": " + e.getMessage(), e);
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot open model " + spec.model() + ": " + e.getMessage(), e);
        }
        if (!engine.hasTokenizer()) {
            engine.close();
            throw KindlingException.usage("model " + spec.model() + " has no vocabulary; give its tokenizer file (--tokenizer)");
        }
        LOG.info("kindling: engine {} ready in {} s on {}", spec.modelName(),
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9), engine.device());
        return engine;
    }
}
