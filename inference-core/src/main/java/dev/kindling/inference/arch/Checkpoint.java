package dev.kindling.inference.arch;

import dev.kindling.inference.tensor.Tensor;
import java.nio.file.Path;

/**
 * Tensors of a model file under <em>canonical</em> names — llama.cpp's GGUF names
 * ({@code token_embd.weight}, {@code blk.N.attn_q.weight}, {@code blk.N.attn_qkv.bias},
 * {@code blk.N.ffn_gate.E.weight} for expert E, {@code output.weight}, ...) — so one loader
 * ({@link WeightsLoader}) builds every family from either format. A GGUF file is read almost as it
 * is ({@link GgufCheckpoint}); a Hugging Face directory is renamed and re-laid-out by its family's
 * {@link TensorNames} ({@link HfCheckpoint}), the way llama.cpp's converter would, but lazily: a
 * tensor whose rows are stored in another order keeps a row map over the memory-mapped file instead
 * of a re-laid-out copy.
 *
 * <p>Shapes are {@code rows x cols} with {@code cols} the innermost (input) dimension; a fused or
 * stacked tensor is addressed by row ranges.
 */
public interface Checkpoint {
    /** The file or directory (for messages). */
    Path path();

    boolean has(String name);

    /**
     * True when the model's configuration says it has no such tensor (OPT's final LayerNorm when the
     * config builds none), so a loader must not require it; false when it may simply be missing.
     */
    default boolean omitted(String name) {
        return false;
    }

    /** {@code {rows, cols}} of a tensor (leading dimensions multiplied into rows). */
    long[] shape(String name);

    /**
     * Rows {@code [first, first + rows)} of a tensor as a weight matrix (F32, F16, BF16: read in place
     * from the mapped file; quantized types: repacked into heap arrays).
     */
    Tensor matrix(String name, int first, int rows);

    /** The name a canonical tensor has in the file, with the canonical one when they differ (for messages). */
    default String describe(String name) {
        return name;
    }

    /** Elements {@code [first, first + count)} of a tensor, as floats. */
    float[] floats(String name, int first, int count);
}
