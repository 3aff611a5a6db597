package dev.kindling.inference.cuda;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import jcuda.Pointer;

/** Page-locked host memory (cuMemAllocHost) for asynchronous copies; a little-endian view of it. */
final class PinnedBuffer {
    final Pointer ptr;
    final long bytes;
    final ByteBuffer buf;

    PinnedBuffer(Pointer ptr, long bytes) {
        this.ptr = ptr;
        this.bytes = bytes;
        this.buf = ptr.getByteBuffer(0, bytes).order(ByteOrder.LITTLE_ENDIAN);
    }
}
