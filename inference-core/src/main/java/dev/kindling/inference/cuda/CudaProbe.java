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
 *
 * <p>Why CUDA is unavailable is also sorted ({@link Unavailable}): no driver or no device is a CPU
 * machine's normal state, while a driver that is installed and fails means a GPU the user likely
 * expects to be used.
 */
public final class CudaProbe {
    private static final Logger LOG = LoggerFactory.getLogger(CudaProbe.class);

    /** Why CUDA is not available. */
    public enum Unavailable {
        /** No NVIDIA driver library to load ({@code libcuda.so.1} or JCuda's own library not found, or only the toolkit's stub). */
        NO_DRIVER,
        /** The driver is there and sees no device ({@code CUDA_VISIBLE_DEVICES} hides them, or none is installed). */
        NO_DEVICE,
        /**
         * The driver is there and fails: a {@code cuInit} or device query error other than no device (a driver and
         * kernel module mismatch, a driver too old), or a native library that exists but does not load.
         */
        DRIVER_ERROR
    }

    /**
     * @param reason why not, when not available
     * @param unavailable why not, sorted; null when available
     * @param error the CUDA error name (e.g. {@code CUDA_ERROR_SYSTEM_DRIVER_MISMATCH}) or the {@link LinkageError}'s
     *     class name that made it unavailable; null when available or when no call failed (no device)
     */
    public record Result(boolean available, String reason, int devices, int driverVersion, Unavailable unavailable, String error) {
        static Result no(Unavailable why, String error, String reason) {
            return new Result(false, reason, 0, 0, why, error);
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
                return Result.no(initFailure(rc), CudaException.name(rc), "cuInit failed: " + CudaException.name(rc) + " (" + rc + ")"
                        + (CudaException.hint(rc).isEmpty() ? "" : ": " + CudaException.hint(rc)));
            }
            int[] n = new int[1];
            rc = d.deviceCount(n);
            if (rc != CUresult.CUDA_SUCCESS) {
                return Result.no(Unavailable.DRIVER_ERROR, CudaException.name(rc), "cuDeviceGetCount failed: " + CudaException.name(rc));
            }
            if (n[0] == 0) {
                return Result.no(Unavailable.NO_DEVICE, null, "no CUDA device is visible (check CUDA_VISIBLE_DEVICES)");
            }
            int[] v = new int[1];
            d.driverVersion(v);
            return new Result(true, null, n[0], v[0], null, null);
        } catch (LinkageError e) {
            Throwable root = e;
            while (root.getCause() != null && root.getCause() != root) {
                root = root.getCause();
            }
            String why = root.getMessage() == null ? root.toString() : root.getMessage();
            return Result.no(notFound(e) ? Unavailable.NO_DRIVER : Unavailable.DRIVER_ERROR, e.getClass().getSimpleName(),
                    "the NVIDIA driver library (libcuda.so.1) could not be loaded through JCuda: "
                    // JCuda's lines repeat the class ("UnsatisfiedLinkError: java.lang.UnsatisfiedLinkError: /tmp/...")
                    + e.getClass().getSimpleName() + ": " + firstLine(why).replaceFirst("^java\\.lang\\.\\w+: ", ""));
        }
    }

    /**
     * A {@code cuInit} error: no device, or the toolkit's stub {@code libcuda.so} found instead of a driver (a
     * machine with the CUDA toolkit and no driver), is no GPU to use; any other error is a driver that fails.
     */
    static Unavailable initFailure(int rc) {
        return switch (rc) {
            case CUresult.CUDA_ERROR_NO_DEVICE -> Unavailable.NO_DEVICE;
            case CUresult.CUDA_ERROR_STUB_LIBRARY -> Unavailable.NO_DRIVER;
            default -> Unavailable.DRIVER_ERROR;
        };
    }

    /**
     * Whether loading failed because a library is not there: {@code libcuda.so.1} missing (dlopen's "cannot open
     * shared object file"), or no JCuda library for this platform in the jar ("No resource found"). JCuda tries a
     * file in {@code java.library.path} first ("no ... in java.library.path", every time) and then the jar's
     * resource, and its message holds both attempts; a later {@link NoClassDefFoundError} carries the first error's
     * text in its cause. Anything else (a symbol or version missing from an old driver, a wrong ELF class) is a
     * library that is there and does not load.
     */
    static boolean notFound(LinkageError e) {
        StringBuilder text = new StringBuilder();
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            text.append(t.getMessage()).append('\n');
        }
        for (String line : text.toString().split("\n")) {
            if ((line.contains("libcuda") && line.contains("cannot open shared object file")) || line.contains("No resource found with name")) {
                return true;
            }
        }
        return false;
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
