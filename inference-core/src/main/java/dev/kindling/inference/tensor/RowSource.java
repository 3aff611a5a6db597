package dev.kindling.inference.tensor;

import java.nio.ByteBuffer;

/**
 * Where a tensor's stored bytes come from: {@code rows(first, count)} returns the bytes of rows
 * {@code [first, first+count)} in the file's layout (little-endian), e.g. a memory-mapped slice of a
 * GGUF file. Callers ask for at most {@link Tensor#MAX_CHUNK_BYTES}.
 *
 * <p>F32, F16 and BF16 tensors keep the buffers they are given and compute from them for their
 * whole life, so a source must hand out views that stay valid (a mapping, or a buffer nobody
 * reuses); the quantized types copy what they need at load.
 */
@FunctionalInterface
public interface RowSource {
    ByteBuffer rows(long first, int count);
}
