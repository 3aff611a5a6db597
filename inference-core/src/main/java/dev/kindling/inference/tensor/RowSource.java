package dev.kindling.inference.tensor;

import java.nio.ByteBuffer;

/**
 * Where a tensor's stored bytes come from while it is loaded: {@code rows(first, count)} returns
 * the bytes of rows {@code [first, first+count)} in the file's layout (little-endian), e.g. a
 * memory-mapped slice of a GGUF file. Callers ask for at most {@link Tensor#MAX_CHUNK_BYTES}.
 */
@FunctionalInterface
public interface RowSource {
    ByteBuffer rows(long first, int count);
}
