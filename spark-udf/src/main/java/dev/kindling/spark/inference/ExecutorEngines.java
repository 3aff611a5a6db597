package dev.kindling.spark.inference;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.inference.Engine;
import dev.kindling.inference.EngineOptions;
import dev.kindling.inference.cuda.CudaProbe;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.executor.CurrentKeys;
import dev.kindling.spark.executor.GpuAssignment;
import dev.kindling.spark.executor.LocalFiles;
import dev.kindling.spark.executor.PerJvm;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import org.apache.spark.TaskContext;
import org.apache.spark.util.TaskCompletionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One inference engine per executor JVM, {@link EngineSpec} and model files: opened on first use by
 * whichever task asks first (the others wait for it), shared by every task thread of the executor
 * (the engine batches their requests together), closed when the JVM ends ({@link PerJvm}). Every
 * lookup checks the files the spec names as they are on disk ({@link LocalFiles#identity}): when
 * they changed (a model replaced at its path, a later session's {@code SparkFiles} of the same name),
 * the next task opens the new files, and the engine of the old ones closes when the last task using
 * it ends. The model is
 * made local by {@link LocalFiles} — a local path as it is, a {@code SparkFiles} name, or an
 * {@code s3a://}/{@code hdfs://} file looked up once per task and copied once per host and version
 * (size-checked; concurrent tasks wait for the one copy; a version replaced under the URI is copied beside
 * the one before, so the old engine keeps its mapped files, and removed once no engine or task on the host uses it) —
 * and then memory-mapped.
 *
 * <p>Threads: the spec's, or the executor's cores ({@link ExecutorCores}).
 */
public final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);

    /**
     * Per engine key without the files' identity (settings and placement): the key of the engine opened last. The
     * engine of files replaced is retired: closed once no task uses it.
     */
    private static final CurrentKeys CURRENT = new CurrentKeys(CachedEngine::retireValue);

    private ExecutorEngines() {}

    /**
     * Closes every engine this JVM holds and returns how many: their KV caches, threads and mapped files go, and the
     * next use opens the engine again. An executor otherwise keeps each engine for its life; in local mode (a
     * notebook, {@code local[*]}) the executor is the driver's JVM, so a notebook that tried several models or
     * settings frees them with {@code ExecutorEngines.closeAll()} between runs. Requests still in flight fail
     * ("engine closed"), and so do the tasks whose rows they are (not the rows: an error column would keep them as
     * failed), which Spark then runs again on the model opened anew, up to {@code spark.task.maxFailures}: call it when
     * no job is running.
     */
    public static int closeAll() {
        return PerJvm.evictAll("engine:");
    }

    /**
     * Checks, before Spark starts, a model given as a local path ({@code --model}, {@code --teacher}, {@code --judge}): a
     * missing one, or a directory that is no Hugging Face checkpoint, was reported only once the session had started,
     * read the input and failed a task. A remote one ({@code s3a://}) is checked once the session is there
     * ({@link #checkRemoteModel}), and a bare name that is no local
     * file may be a SparkFiles name, found only in the session (as {@link
     * dev.kindling.spark.tokenize.ExecutorTokenizers#checkLocal} for a tokenizer).
     */
    public static void checkLocalModel(String option, String path) {
        Path local = LocalFiles.existingLocal(option, path);
        if (local != null && java.nio.file.Files.isDirectory(local) && !dev.kindling.inference.hf.HfModelLoader.isCheckpoint(local)) {
            throw noModelIn(option, path);
        }
        if (local != null && java.nio.file.Files.isDirectory(local)) {
            // its index and shards, as the engine opens them: a shard the index lists that is not there failed every task
            // once Spark had started (exit 1), where a folder without config.json was refused before it
            try (var weights = dev.kindling.formats.safetensors.SafetensorsCheckpoint.open(local)) {
                // opened to be checked only
            } catch (dev.kindling.formats.ModelFormatException e) {
                throw KindlingException.usage(option + " " + path + ": " + e.getMessage());
            }
        }
        if (local != null && java.nio.file.Files.isRegularFile(local)) {
            // its first bytes, as generate --prompt looks at them: a file that is no model (a typo naming another file, a
            // download that saved an HTML page) failed in the first task, after Spark had started, exit 1, which a
            // scheduler retries
            try {
                dev.kindling.inference.cli.LocalModel.checkLocalModel(option, local);
            } catch (IllegalArgumentException e) {
                throw KindlingException.usage(e.getMessage());
            }
        }
    }

    private static KindlingException noModelIn(String option, String path) {
        return KindlingException.usage(option + " " + path + ": directory holds no model (config.json and model.safetensors, "
                + "or model.safetensors.index.json and its shards); give a .gguf file, a llama2.c checkpoint or a Hugging "
                + "Face checkpoint directory");
    }

    /**
     * Checks, on the driver before the job, a model given as a remote path ({@code s3a://}, {@code hdfs://}) with the
     * session's Hadoop settings ({@link LocalFiles#existingRemote}): an object that is not there, an empty one, or a
     * directory without {@code config.json} and its weights failed in the job's first task (exit 1, naming no option).
     */
    public static void checkRemoteModel(String option, String path, org.apache.hadoop.conf.Configuration conf) {
        LocalFiles.RemoteEntry found = LocalFiles.existingRemote(option, path, conf);
        if (found != null && found.status().isDirectory() && !dev.kindling.inference.hf.HfModelLoader.isCheckpoint(found.files())) {
            throw noModelIn(option, path);
        }
    }

    /**
     * Checks, on the driver before the job, a model a stage or a SQL function's constant argument gives: a local path with
     * a local master ({@link #checkLocalModel}; a cluster's executors read their own disks), a remote one with any
     * ({@link #checkRemoteModel}), with the session's Hadoop settings as they are now.
     */
    public static void checkOnDriver(String option, String path, org.apache.spark.SparkContext sc) {
        if (sc.isLocal()) {
            checkLocalModel(option, path);
        }
        checkRemoteModel(option, path, sc.hadoopConfiguration());
    }

    /**
     * {@code failure}, met opening {@code spec}'s files in a task, named with the param of {@code stage} that gave the file
     * it is about ({@link LocalFiles#naming}): {@code Generate(uid).tokenizer s3a://b/t.json does not exist}.
     */
    static KindlingException naming(KindlingException failure, EngineSpec spec, String stage) {
        String m = String.valueOf(failure.getMessage());
        String tok = spec.tokenizer();
        boolean aboutTokenizer = tok != null && !tok.isEmpty() && m.contains(tok)
                && !(m.contains(spec.model()) && spec.model().length() > tok.length());
        return aboutTokenizer ? LocalFiles.naming(stage + ".tokenizer", tok, failure) : LocalFiles.naming(stage + ".model", spec.model(), failure);
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
        return get(spec, hadoop, placement, CachedEngine::close);
    }

    /**
     * {@link #get(EngineSpec, HadoopConf, Placement)}, where {@code closeUnused} closes an engine the task opened for an
     * auto placement and does not keep (the shared one is another's, or the task was killed waiting for it): {@link
     * CachedEngine#close}, or a test's that fails (a CPU engine's close does not today, and should one fail under a kill,
     * the kill must stay the task's end).
     */
    static Engine get(EngineSpec spec, HadoopConf hadoop, Placement placement, java.util.function.Consumer<CachedEngine> closeUnused) {
        int threads = spec.threads() > 0 ? spec.threads() : ExecutorCores.current();
        TaskContext task = TaskContext.get();
        while (true) {
            // the files as they are now, not the name the spec gives: a model replaced at its path, or a SparkFiles name
            // shipped again by a later session, was served by the engine of the file opened first
            Path model = HadoopConf.localize(spec.model(), hadoop);
            Path tokenizer = spec.tokenizer() == null ? null : HadoopConf.localize(spec.tokenizer(), hadoop);
            String files = "|files=" + LocalFiles.identity(model) + (tokenizer == null ? "" : "|" + LocalFiles.identity(tokenizer));
            String sharedSpec = spec.key(threads);
            String placed = sharedSpec + placement.keySuffix();
            String key = placed + files;
            current(placed, key);
            CachedEngine c = PerJvm.get(key, k -> {
                // the cached copies of remote files stay on disk while the engine is open (LocalFiles removes superseded ones)
                CachedEngine mine = new CachedEngine(open(spec, placement, model, tokenizer, threads),
                        LocalFiles.use(model), tokenizer == null ? LocalFiles.InUse.NONE : LocalFiles.use(tokenizer));
                if (placement == Placement.SHARED || mine.engine.onGpu() || spec.device().equals("cuda")) {
                    return mine;
                }
                // auto, and CUDA would not take the model (its family, GPU memory): a CPU engine per assigned GPU would
                // run several engines on the executor's cores, each with every core's threads and its own KV cache. The
                // engine just opened becomes the shared one, unless another task's already is: closing it and opening
                // the shared one loaded the model twice, and the first tasks of every GPU held a copy each meanwhile
                String sharedKey = sharedSpec + files;
                current(sharedSpec, sharedKey);
                CachedEngine shared;
                try {
                    shared = PerJvm.get(sharedKey, s -> mine);
                    while (shared != mine && shared.isClosed()) {
                        // closed as retired under a GPU's key (the files changed and changed back): not to be shared again
                        PerJvm.forget(sharedKey, shared);
                        shared = PerJvm.get(sharedKey, s -> mine);
                    }
                } catch (RuntimeException | Error e) {
                    // the task killed as it waited on another's load of the shared engine: the engine it opened, in no
                    // cache, stayed open (its model mapped, its cached copy of a remote file held on disk)
                    try {
                        closeUnused.accept(mine);
                    } catch (RuntimeException | Error closing) {
                        e.addSuppressed(closing);   // the kill stays the task's end, not a close's failure counted against it
                    }
                    throw e;
                }
                if (shared != mine) {
                    closeUnused.accept(mine);
                }
                return shared;
            });
            if (!CURRENT.stillCurrent(placed, key)) {
                continue; // retired as the files changed again while it opened: the files are looked at again
            }
            if (c.use(task)) {
                return c.engine;
            }
            // closed under this key or another: retired as its files changed, and the tasks using it ended
            PerJvm.forget(key, c);
        }
    }

    /**
     * The engine key for these settings and placement ({@code placed}) is now {@code key}: the engine of the files
     * before, if any, is retired (closed once no task uses it).
     */
    private static void current(String placed, String key) {
        String before = CURRENT.replace(placed, key);
        if (before != null) {
            LOG.info("kindling: the model files of {} changed; the engine opened on the old ones closes when its tasks end",
                    before.substring(0, before.indexOf("|files=")));
        }
    }

    /**
     * An engine in the per-JVM cache and the tasks using it: each task that gets it counts until it ends, so an engine
     * retired because its files changed is closed when the last of them ends, not under rows still in it.
     */
    static final class CachedEngine implements AutoCloseable {
        final Engine engine;
        private final LocalFiles.InUse[] files;
        private final Set<Long> tasks = new HashSet<>();
        private boolean retired;
        private boolean closed;

        CachedEngine(Engine engine, LocalFiles.InUse... files) {
            this.engine = engine;
            this.files = files;
        }

        /** Closes the engine, then lets its files go. */
        private void closeEngine() {
            try {
                engine.close();
            } finally {
                for (LocalFiles.InUse f : files) {
                    f.close();
                }
            }
        }

        /**
         * Counts {@code task} (null: a caller outside a task, not counted) as a user until it ends; false when the
         * engine is closed already, here or by a caller that closed the engine it got ({@code try (Engine e =
         * ExecutorEngines.get(spec))}): kept, that engine failed every later request in the JVM, the retries of the
         * tasks too.
         */
        boolean use(TaskContext task) {
            boolean first;
            boolean closedOutside;
            synchronized (this) {
                if (closed) {
                    return false;
                }
                closedOutside = engine.isClosed();
                closed = closedOutside;
                first = !closedOutside && task != null && tasks.add(task.taskAttemptId());
            }
            if (closedOutside) {
                closeEngine(); // the engine closes once; its files are let go here
                return false;
            }
            if (first) {
                // outside the lock: a task that has ended calls the listener at once, from here
                task.addTaskCompletionListener((TaskCompletionListener) ctx -> release(ctx.taskAttemptId()));
            }
            return true;
        }

        synchronized boolean isClosed() {
            return closed;
        }

        private void release(long task) {
            boolean close;
            synchronized (this) {
                tasks.remove(task);
                close = retired && tasks.isEmpty() && !closed;
                closed |= close;
            }
            if (close) {
                closeEngine();
            }
        }

        /** Out of the cache: closed now if no task uses it, else when the last one ends. */
        void retire() {
            boolean close;
            synchronized (this) {
                retired = true;
                close = tasks.isEmpty() && !closed;
                closed |= close;
            }
            if (close) {
                closeEngine();
            }
        }

        static void retireValue(Object cached) {
            ((CachedEngine) cached).retire();
        }

        /** Closed now ({@link #closeAll}, the JVM's end): requests still in flight fail. */
        @Override
        public void close() {
            boolean close;
            synchronized (this) {
                close = !closed;
                closed = true;
            }
            if (close) {
                closeEngine();
            }
        }
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

    private static Engine open(EngineSpec spec, Placement placement, Path model, Path tokenizer, int threads) {
        long t0 = System.nanoTime();
        EngineOptions options = placement.apply(spec.options(threads, tokenizer));
        Engine engine;
        try {
            engine = Engine.open(model, options);
        } catch (ModelFormatException e) {
            // its message names the file it read: a local model's path was said twice, "model /m/x.gguf: /m/x.gguf: tensor
            // ...", where a remote one's cached copy is worth saying after its URI
            String m = String.valueOf(e.getMessage());
            throw new KindlingException(KindlingException.FAILURE, "model " + (m.startsWith(spec.model() + ": ") ? m
                    : spec.model() + ": " + m), e);
        } catch (java.util.concurrent.CancellationException e) {
            // the task was killed as it opened the engine (Engine.open says the file was not read): not the model's failure
            throw e;
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new KindlingException(KindlingException.FAILURE, "cannot open model " + spec.model() + ": " + e.getMessage(), e);
        }
        if (!engine.hasTokenizer()) {
            engine.close();
            throw KindlingException.usage("model " + spec.model() + " has no vocabulary; give its tokenizer file (--tokenizer; "
                    + "distill: --teacher-tokenizer or --judge-tokenizer)");
        }
        LOG.info("kindling: engine {} ready in {} s on {}", spec.modelName(),
                String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9), engine.device());
        return engine;
    }
}
