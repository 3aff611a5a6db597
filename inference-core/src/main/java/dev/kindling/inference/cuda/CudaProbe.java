package dev.kindling.inference.cuda;

import jcuda.driver.CUresult;
import jcuda.driver.JCudaDriver;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Is there a usable CUDA driver and device? Answered once per JVM and cached.
 *
 * <p>Without the NVIDIA driver ({@code libcuda.so.1}), the first use of {@link JCudaDriver} fails
 * in its static initializer with an {@link UnsatisfiedLinkError}, and every later use with a
 * {@link NoClassDefFoundError}; both are {@link LinkageError}s, caught here and turned into a
 * reason. With the driver, {@code cuInit} and the device count decide.
 */
public final class CudaProbe {
    private static final Logger LOG = LoggerFactory.getLogger(CudaProbe.class);

    /** @param reason why not, when not available */
    public record Result(boolean available, String reason, int devices, int driverVersion) {
        static Result no(String reason) {
            return new Result(false, reason, 0, 0);
        }
    }

    /** The driver calls the probe makes (a seam for tests). */
    interface Driver {
        int init();

        int deviceCount(int[] out);

        int driverVersion(int[] out);
    }

    private static volatile Result cached;

    private CudaProbe() {}

    /** The cached answer for this JVM. */
    public static Result get() {
        Result r = cached;
        if (r == null) {
            synchronized (CudaProbe.class) {
                r = cached;
                if (r == null) {
                    r = probe(new JCuda());
                    cached = r;
                    if (r.available()) {
                        LOG.info("CUDA: {} device(s), driver API {}", r.devices(), version(r.driverVersion()));
                    }
                }
            }
        }
        return r;
    }

    static String version(int v) {
        return v / 1000 + "." + (v % 1000) / 10;
    }

    static Result probe(Driver d) {
        try {
            int rc = d.init();
            if (rc != CUresult.CUDA_SUCCESS) {
                return Result.no("cuInit failed: " + CudaException.name(rc) + " (" + rc + ")"
                        + (CudaException.hint(rc).isEmpty() ? "" : ": " + CudaException.hint(rc)));
            }
            int[] n = new int[1];
            rc = d.deviceCount(n);
            if (rc != CUresult.CUDA_SUCCESS) {
                return Result.no("cuDeviceGetCount failed: " + CudaException.name(rc));
            }
            if (n[0] == 0) {
                return Result.no("no CUDA device is visible (check CUDA_VISIBLE_DEVICES)");
            }
            int[] v = new int[1];
            d.driverVersion(v);
            return new Result(true, null, n[0], v[0]);
        } catch (LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getMessage() == null ? root.toString() : root.getMessage();
            return Result.no("the NVIDIA driver library (libcuda.so.1) could not be loaded through JCuda: "
                    + e.getClass().getSimpleName() + ": " + firstLine(why));
        }
    }

    /**
     * JCuda's message lists every way it tried to load its library, one per line; the line that
     * names libcuda (the usual cause) says most, else the first.
     */
    static String firstLine(String s) {
        for (String line : s.split("\n")) {
            if (line.contains("libcuda")) {
                return line.strip();
            }
        }
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    /** The real driver through JCuda. */
    static final class JCuda implements Driver {
        @Override
        public int init() {
            JCudaDriver.setExceptionsEnabled(false);
            return JCudaDriver.cuInit(0);
        }

        @Override
        public int deviceCount(int[] out) {
            return JCudaDriver.cuDeviceGetCount(out);
        }

        @Override
        public int driverVersion(int[] out) {
            return JCudaDriver.cuDriverGetVersion(out);
        }
    }
}
