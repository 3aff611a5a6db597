package dev.kindling.inference.cuda;

import jcuda.driver.CUresult;

/**
 * A CUDA driver call failed: names the call (and the kernel, for launches), the {@code CUresult}
 * and what it usually means. Pure Java ({@link CUresult#stringFor} needs no native library).
 */
public class CudaException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final int code;
    private final String call;

    public CudaException(int code, String call) {
        this(code, call, null);
    }

    public CudaException(int code, String call, String detail) {
        super(message(code, call, detail));
        this.code = code;
        this.call = call;
    }

    /** Throws unless {@code code} is CUDA_SUCCESS. */
    public static void check(int code, String call) {
        if (code != CUresult.CUDA_SUCCESS) {
            throw new CudaException(code, call);
        }
    }

    public int code() {
        return code;
    }

    public String call() {
        return call;
    }

    public boolean outOfMemory() {
        return code == CUresult.CUDA_ERROR_OUT_OF_MEMORY;
    }

    /** The CUresult's name, e.g. {@code CUDA_ERROR_OUT_OF_MEMORY}. */
    public static String name(int code) {
        String s = CUresult.stringFor(code);
        return s == null || s.startsWith("INVALID CUresult") ? "CUresult " + code : s;
    }

    static String message(int code, String call, String detail) {
        String hint = hint(code);
        return call + " failed: " + name(code) + " (" + code + ")" + (hint.isEmpty() ? "" : ": " + hint)
                + (detail == null || detail.isBlank() ? "" : "\n" + detail.strip());
    }

    /** What a result usually means and what to do about it. */
    static String hint(int code) {
        return switch (code) {
            case CUresult.CUDA_ERROR_OUT_OF_MEMORY -> "out of GPU memory";
            case CUresult.CUDA_ERROR_NO_DEVICE -> "no CUDA device is visible (check CUDA_VISIBLE_DEVICES and the driver)";
            case CUresult.CUDA_ERROR_INVALID_DEVICE -> "no device with that ordinal";
            case 35 -> // CUDA_ERROR_INSUFFICIENT_DRIVER (not a JCuda constant)
                    "the NVIDIA driver is older than the CUDA 12 driver API this build uses (JCuda 12.6): update the driver";
            case CUresult.CUDA_ERROR_STUB_LIBRARY -> "libcuda.so is the toolkit's stub library, not the driver's";
            case CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH -> "the kernel driver and libcuda.so versions differ";
            case CUresult.CUDA_ERROR_UNSUPPORTED_PTX_VERSION ->
                    "the driver cannot compile this PTX version (the kernels declare PTX ISA 8.0: a CUDA 12.0+ driver, R525 or newer)";
            case CUresult.CUDA_ERROR_INVALID_PTX -> "the driver's PTX compiler rejected a kernel module";
            case CUresult.CUDA_ERROR_NO_BINARY_FOR_GPU -> "no kernel code for this GPU's architecture";
            case CUresult.CUDA_ERROR_ILLEGAL_ADDRESS ->
                    "a kernel accessed memory outside its buffers; the CUDA context is unusable now (a bug: please report it)";
            case CUresult.CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES -> "too many registers or too much shared memory for this launch";
            case CUresult.CUDA_ERROR_LAUNCH_FAILED -> "a kernel failed; the CUDA context is unusable now";
            case CUresult.CUDA_ERROR_INVALID_VALUE -> "an invalid argument (launch size, pointer or attribute)";
            case CUresult.CUDA_ERROR_NOT_INITIALIZED -> "cuInit was not called or failed";
            default -> "";
        };
    }
}
