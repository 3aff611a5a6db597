package dev.kindling.inference.model;

import java.nio.file.Path;

/**
 * A loaded model: where it came from, its configuration and weights (F32, F16 and BF16 read in place
 * from the memory-mapped file, quantized types repacked into heap arrays).
 *
 * @param source     the file
 * @param format     "gguf" or "llama2c"
 * @param fileType   the main weight type, e.g. {@code Q8_0} (for logs and benchmark output)
 */
public record Model(Path source, String format, String fileType, ModelConfig config, Weights weights) {
}
