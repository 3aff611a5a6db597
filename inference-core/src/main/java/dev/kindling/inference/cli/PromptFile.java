package dev.kindling.inference.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --prompt-file FILE} (llama.cpp's {@code -f}): the file's bytes decoded as UTF-8, as they are, except one final
 * {@code \n}, which is dropped as llama.cpp's {@code -f} drops it (common/arg.cpp: {@code if (prompt.back() == '\n')
 * prompt.pop_back()}), so that a file an editor ended with a newline is the text typed. Only that one byte: a second
 * newline, a {@code \r} before it, a byte order mark and every other white space stay. An empty file is the empty prompt,
 * as {@code --prompt ""} is.
 */
public final class PromptFile {
    private PromptFile() {}

    /**
     * The prompt in {@code file}; an {@link IllegalArgumentException} of one line naming the file when it is missing, a
     * directory, unreadable, not UTF-8 (with the offset of the first bad byte) or binary (a NUL byte, with its offset).
     */
    public static String read(Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--prompt-file " + file + " is a directory, not a file");
        }
        if (!Files.exists(file)) {
            throw new IllegalArgumentException("--prompt-file " + file + ": no such file");
        }
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("--prompt-file " + file + " cannot be read: " + e);
        }
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                // valid UTF-8, but no text holds it: a model file or an archive given by mistake
                throw new IllegalArgumentException("--prompt-file " + file + " is binary (a NUL byte at offset " + i + "), not text");
            }
        }
        int length = bytes.length > 0 && bytes[bytes.length - 1] == '\n' ? bytes.length - 1 : bytes.length;
        return StrictUtf8.decode(bytes, 0, length, 0, "--prompt-file " + file);
    }
}
