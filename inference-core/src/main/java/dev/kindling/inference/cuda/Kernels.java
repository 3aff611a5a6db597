package dev.kindling.inference.cuda;

import static jcuda.driver.JCudaDriver.cuFuncSetAttribute;
import static jcuda.driver.JCudaDriver.cuLaunchKernel;
import static jcuda.driver.JCudaDriver.cuModuleGetFunction;
import static jcuda.driver.JCudaDriver.cuModuleLoadData;
import static jcuda.driver.JCudaDriver.cuModuleLoadDataJIT;
import static jcuda.driver.JCudaDriver.cuModuleUnload;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import jcuda.NativePointerObject;
import jcuda.Pointer;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUjit_option;
import jcuda.driver.CUmodule;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.JITOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel modules loaded on one context (the PTX variant for its compute capability, JIT
 * compiled by the driver), their functions by name, and launches whose errors name the kernel.
 *
 * <p>With {@code -Dkindling.cuda.sync=true} every launch is followed by a stream synchronize, so an
 * asynchronous fault (e.g. an illegal address) is reported against the kernel that caused it
 * rather than at the end of the step.
 */
public final class Kernels implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Kernels.class);
    static final boolean SYNC = Boolean.getBoolean("kindling.cuda.sync");

    private final CudaContext ctx;
    public final String variant;
    private final Map<String, CUmodule> modules = new LinkedHashMap<>();
    private final Map<String, CUfunction> functions = new HashMap<>();
    private final Map<String, Integer> smemLimit = new HashMap<>();
    /** Milliseconds the driver took to load (JIT) each module. */
    public final Map<String, Long> loadMillis = new LinkedHashMap<>();

    /** Loads the ops and sample modules now; a product module when its first kernel is asked for. */
    public Kernels(CudaContext ctx, String variant) {
        this.ctx = ctx;
        this.variant = variant;
        try {
            module("ops");
            module("sample");
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Loads (JIT compiles) every module now; returns the milliseconds each took. */
    public Map<String, Long> loadAll() {
        for (String m : Ptx.MODULES) {
            module(m);
        }
        return loadMillis;
    }

    private CUmodule module(String name) {
        CUmodule m = modules.get(name);
        if (m == null) {
            long t0 = System.nanoTime();
            m = loadModule(name, Ptx.load(name, variant));
            modules.put(name, m);
            loadMillis.put(name, (System.nanoTime() - t0) / 1_000_000);
            LOG.info("CUDA module {} ({} PTX) loaded in {} ms", name, variant, loadMillis.get(name));
        }
        return m;
    }

    private static CUmodule loadModule(String name, byte[] ptx) {
        CUmodule m = new CUmodule();
        int rc = cuModuleLoadData(m, ptx);
        if (rc == 0) {
            return m;
        }
        // again with the JIT's error log, for the message
        String log = "";
        try {
            JITOptions o = new JITOptions();
            o.putBytes(CUjit_option.CU_JIT_ERROR_LOG_BUFFER, new byte[16384]);
            cuModuleLoadDataJIT(new CUmodule(), Pointer.to(ptx), o);
            log = o.getString(CUjit_option.CU_JIT_ERROR_LOG_BUFFER);
        } catch (RuntimeException ignored) {
            // the log is a courtesy; the error code below is what matters
        }
        throw new CudaException(rc, "cuModuleLoadData(" + name + " PTX)", log == null || log.isBlank() ? null : "JIT log: " + log);
    }

    CUfunction function(String name) {
        CUfunction f = functions.get(name);
        if (f == null) {
            f = new CUfunction();
            CudaException.check(cuModuleGetFunction(f, module(Ptx.moduleOf(name)), name), "cuModuleGetFunction(" + name + ")");
            functions.put(name, f);
        }
        return f;
    }

    /** Lets {@code name} use up to {@code bytes} of dynamic shared memory (needed above 48 KiB). */
    public void allowSharedMemory(String name, int bytes) {
        Integer have = smemLimit.get(name);
        if (bytes > 48 * 1024 && (have == null || have < bytes)) {
            if (bytes > ctx.info.sharedPerBlockOptin()) {
                throw new IllegalStateException(name + " needs " + bytes + " bytes of shared memory; "
                        + ctx.info.name() + " allows " + ctx.info.sharedPerBlockOptin() + " per block");
            }
            CudaException.check(cuFuncSetAttribute(function(name),
                    CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, bytes),
                    "cuFuncSetAttribute(" + name + ", dynamic shared memory " + bytes + ")");
            smemLimit.put(name, bytes);
        }
    }

    /**
     * Launches {@code name} on the context's stream. Arguments: {@link DeviceBuffer},
     * {@link CUdeviceptr} (null = a null pointer), Integer, Long, Float.
     */
    public void launch(String name, int gx, int gy, int gz, int block, int smem, Object... args) {
        CUfunction f = function(name);
        allowSharedMemory(name, smem);
        NativePointerObject[] ps = new NativePointerObject[args.length];
        for (int i = 0; i < args.length; i++) {
            Object a = args[i];
            if (a == null) {
                ps[i] = Pointer.to(new CUdeviceptr());
            } else if (a instanceof DeviceBuffer b) {
                ps[i] = Pointer.to(b.ptr);
            } else if (a instanceof CUdeviceptr p) {
                ps[i] = Pointer.to(p);
            } else if (a instanceof Integer v) {
                ps[i] = Pointer.to(new int[] {v});
            } else if (a instanceof Long v) {
                ps[i] = Pointer.to(new long[] {v});
            } else if (a instanceof Float v) {
                ps[i] = Pointer.to(new float[] {v});
            } else {
                throw new IllegalArgumentException(name + ": argument " + i + " of type " + a.getClass().getName());
            }
        }
        if (gx <= 0 || gy <= 0 || gz <= 0) {
            return; // nothing to do (an empty step part)
        }
        int rc = cuLaunchKernel(f, gx, gy, gz, block, 1, 1, smem, ctx.stream, Pointer.to(ps), null);
        if (rc != 0) {
            throw new CudaException(rc, "cuLaunchKernel(" + name + ", grid " + gx + "x" + gy + "x" + gz + ", block " + block
                    + ", shared " + smem + ")");
        }
        if (SYNC) {
            CudaException.check(cuStreamSynchronize(ctx.stream), "kernel " + name);
        }
    }

    @Override
    public void close() {
        for (CUmodule m : modules.values()) {
            cuModuleUnload(m);
        }
        modules.clear();
        functions.clear();
    }
}
