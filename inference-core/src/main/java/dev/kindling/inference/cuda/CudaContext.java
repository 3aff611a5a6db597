package dev.kindling.inference.cuda;

import static jcuda.driver.JCudaDriver.cuCtxSetCurrent;
import static jcuda.driver.JCudaDriver.cuDeviceGet;
import static jcuda.driver.JCudaDriver.cuDeviceGetAttribute;
import static jcuda.driver.JCudaDriver.cuDeviceGetName;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRelease;
import static jcuda.driver.JCudaDriver.cuDevicePrimaryCtxRetain;
import static jcuda.driver.JCudaDriver.cuDeviceTotalMem;
import static jcuda.driver.JCudaDriver.cuMemAlloc;
import static jcuda.driver.JCudaDriver.cuMemAllocHost;
import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemFreeHost;
import static jcuda.driver.JCudaDriver.cuMemGetInfo;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoHAsync;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoDAsync;
import static jcuda.driver.JCudaDriver.cuMemsetD8Async;
import static jcuda.driver.JCudaDriver.cuStreamCreate;
import static jcuda.driver.JCudaDriver.cuStreamDestroy;
import static jcuda.driver.JCudaDriver.cuStreamSynchronize;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.Pointer;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUstream;

/**
 * One GPU: its primary context, one stream, and every allocation made through it (freed on
 * {@link #close}). Calls made from another thread first make the context current there
 * ({@link #makeCurrent}); the engine uses the backend from its single step thread.
 */
public final class CudaContext implements AutoCloseable {
    /** What the kernels' launch decisions need to know about the device. */
    public record DeviceInfo(int ordinal, String name, int major, int minor, int multiprocessors,
            int sharedPerBlockOptin, long totalMemory, int l2Bytes) {
        @Override
        public String toString() {
            return String.format("%s (device %d, compute %d.%d, %d SMs, %.1f GiB)", name, ordinal, major, minor,
                    multiprocessors, totalMemory / 1073741824.0);
        }
    }

    private final CUdevice device = new CUdevice();
    private final CUcontext context = new CUcontext();
    final CUstream stream = new CUstream();
    public final DeviceInfo info;
    private final List<DeviceBuffer> buffers = new ArrayList<>();
    private final List<PinnedBuffer> pinned = new ArrayList<>();
    private long allocated;
    private boolean closed;

    private CudaContext(int ordinal) {
        CudaException.check(cuDeviceGet(device, ordinal), "cuDeviceGet(" + ordinal + ")");
        CudaException.check(cuDevicePrimaryCtxRetain(context, device), "cuDevicePrimaryCtxRetain");
        try {
            CudaException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
            CudaException.check(cuStreamCreate(stream, 1 /* CU_STREAM_NON_BLOCKING */), "cuStreamCreate");
            byte[] name = new byte[256];
            CudaException.check(cuDeviceGetName(name, name.length, device), "cuDeviceGetName");
            int len = 0;
            while (len < name.length && name[len] != 0) {
                len++;
            }
            long[] total = new long[1];
            CudaException.check(cuDeviceTotalMem(total, device), "cuDeviceTotalMem");
            info = new DeviceInfo(ordinal, new String(name, 0, len, StandardCharsets.UTF_8),
                    attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR),
                    attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR),
                    attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT),
                    attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN),
                    total[0], attribute(CUdevice_attribute.CU_DEVICE_ATTRIBUTE_L2_CACHE_SIZE));
        } catch (RuntimeException e) {
            cuDevicePrimaryCtxRelease(device);
            throw e;
        }
    }

    /** Opens device {@code ordinal} (after {@link CudaProbe} said CUDA is available). */
    public static CudaContext open(int ordinal) {
        return new CudaContext(ordinal);
    }

    private int attribute(int a) {
        int[] v = new int[1];
        CudaException.check(cuDeviceGetAttribute(v, a, device), "cuDeviceGetAttribute(" + a + ")");
        return v[0];
    }

    public void makeCurrent() {
        CudaException.check(cuCtxSetCurrent(context), "cuCtxSetCurrent");
    }

    /** {free, total} device memory in bytes. */
    public long[] memoryInfo() {
        long[] free = new long[1];
        long[] total = new long[1];
        CudaException.check(cuMemGetInfo(free, total), "cuMemGetInfo");
        return new long[] {free[0], total[0]};
    }

    public long allocatedBytes() {
        return allocated;
    }

    /** A device allocation; running out of memory is a {@link CudaException} naming {@code what}. */
    public DeviceBuffer alloc(long bytes, String what) {
        CUdeviceptr p = new CUdeviceptr();
        int rc = cuMemAlloc(p, Math.max(bytes, 1));
        if (rc != 0) {
            throw new CudaException(rc, "cuMemAlloc(" + bytes + " bytes for " + what + ")",
                    String.format("%.2f GiB already allocated by this engine", allocated / 1073741824.0));
        }
        DeviceBuffer b = new DeviceBuffer(p, bytes, what);
        buffers.add(b);
        allocated += bytes;
        return b;
    }

    public void free(DeviceBuffer b) {
        if (b != null && !b.freed) {
            b.freed = true;
            cuMemFree(b.ptr);
            buffers.remove(b);
            allocated -= b.bytes;
        }
    }

    PinnedBuffer pinned(long bytes) {
        Pointer p = new Pointer();
        CudaException.check(cuMemAllocHost(p, bytes), "cuMemAllocHost(" + bytes + ")");
        PinnedBuffer b = new PinnedBuffer(p, bytes);
        pinned.add(b);
        return b;
    }

    void freePinned(PinnedBuffer b) {
        if (pinned.remove(b)) {
            cuMemFreeHost(b.ptr);
        }
    }

    /**
     * Waits for what is queued on the stream before a synchronous copy. The stream is non-blocking, so the legacy
     * stream's {@code cuMemcpyHtoD}/{@code DtoH} do not wait for it: a buffer filled on the stream (GpuKernelChecks
     * poisons every buffer with NaN) and then uploaded could be overwritten by the fill after the upload, and a download
     * could read what a kernel had not yet written. The kernel checks failed at random for it on the first H200 run.
     */
    private void drainStream(String what) {
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize (before a copy of " + what + ")");
    }

    /** Synchronous copy of {@code len} bytes of {@code src} from {@code off} to {@code dst + offset}. */
    public void upload(DeviceBuffer dst, long offset, byte[] src, int off, int len) {
        checkRange(dst, offset, len);
        drainStream(dst.what);
        CudaException.check(cuMemcpyHtoD(dst.at(offset), Pointer.to(src).withByteOffset(off), len), "cuMemcpyHtoD(" + dst.what + ")");
    }

    public void upload(DeviceBuffer dst, float[] src) {
        checkRange(dst, 0, 4L * src.length);
        drainStream(dst.what);
        CudaException.check(cuMemcpyHtoD(dst.ptr, Pointer.to(src), 4L * src.length), "cuMemcpyHtoD(" + dst.what + ")");
    }

    public void upload(DeviceBuffer dst, int[] src) {
        checkRange(dst, 0, 4L * src.length);
        drainStream(dst.what);
        CudaException.check(cuMemcpyHtoD(dst.ptr, Pointer.to(src), 4L * src.length), "cuMemcpyHtoD(" + dst.what + ")");
    }

    public void download(float[] dst, int dstOff, DeviceBuffer src, long srcOffset, int count) {
        checkRange(src, srcOffset, 4L * count);
        drainStream(src.what);
        CudaException.check(cuMemcpyDtoH(Pointer.to(dst).withByteOffset(4L * dstOff), src.at(srcOffset), 4L * count),
                "cuMemcpyDtoH(" + src.what + ")");
    }

    public void download(byte[] dst, DeviceBuffer src, long srcOffset, int len) {
        checkRange(src, srcOffset, len);
        drainStream(src.what);
        CudaException.check(cuMemcpyDtoH(Pointer.to(dst), src.at(srcOffset), len), "cuMemcpyDtoH(" + src.what + ")");
    }

    public void download(int[] dst, DeviceBuffer src, long srcOffset, int count) {
        checkRange(src, srcOffset, 4L * count);
        drainStream(src.what);
        CudaException.check(cuMemcpyDtoH(Pointer.to(dst), src.at(srcOffset), 4L * count), "cuMemcpyDtoH(" + src.what + ")");
    }

    void uploadAsync(DeviceBuffer dst, long offset, PinnedBuffer src, long srcOffset, long bytes) {
        checkRange(dst, offset, bytes);
        CudaException.check(cuMemcpyHtoDAsync(dst.at(offset), src.ptr.withByteOffset(srcOffset), bytes, stream),
                "cuMemcpyHtoDAsync(" + dst.what + ")");
    }

    void downloadAsync(PinnedBuffer dst, long dstOffset, DeviceBuffer src, long srcOffset, long bytes) {
        checkRange(src, srcOffset, bytes);
        CudaException.check(cuMemcpyDtoHAsync(dst.ptr.withByteOffset(dstOffset), src.at(srcOffset), bytes, stream),
                "cuMemcpyDtoHAsync(" + src.what + ")");
    }

    /** Fills {@code bytes} at {@code dst + offset} with {@code value} (on the stream). */
    public void fill(DeviceBuffer dst, long offset, byte value, long bytes) {
        checkRange(dst, offset, bytes);
        CudaException.check(cuMemsetD8Async(dst.at(offset), value, bytes, stream), "cuMemsetD8Async(" + dst.what + ")");
    }

    /** Waits for the stream; an asynchronous kernel error surfaces here, named with {@code what}. */
    public void synchronize(String what) {
        CudaException.check(cuStreamSynchronize(stream), "cuStreamSynchronize after " + what);
    }

    private static void checkRange(DeviceBuffer b, long offset, long bytes) {
        if (b.freed) {
            throw new IllegalStateException(b.what + " was freed");
        }
        if (offset < 0 || bytes < 0 || offset + bytes > b.bytes) {
            throw new IndexOutOfBoundsException(b.what + ": bytes " + offset + "+" + bytes + " outside " + b.bytes);
        }
    }

    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        cuCtxSetCurrent(context);
        cuStreamSynchronize(stream);
        for (DeviceBuffer b : new ArrayList<>(buffers)) {
            free(b);
        }
        for (PinnedBuffer p : new ArrayList<>(pinned)) {
            freePinned(p);
        }
        cuStreamDestroy(stream);
        cuDevicePrimaryCtxRelease(device);
    }
}
