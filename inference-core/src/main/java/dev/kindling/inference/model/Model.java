package dev.kindling.inference.model;

import java.nio.file.Path;

/**
 * A loaded model: where it came from, its configuration and weights (in heap arrays).
 *
 * @param source     the file
 * @param format     "gguf" or "llama2c"
 * @param fileType   the main weight type, e.g. {@code Q8_0} (for logs and benchmark output)
 */
public record Model(Path source, String format, String fileType, ModelConfig config, Weights weights) {
}
