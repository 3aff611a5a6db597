package dev.kindling.inference.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code --prompt-file FILE} (llama.cpp's {@code -f}): the file's bytes decoded as UTF-8, as they are, except one final
 * {@code \n}, which is dropped as llama.cpp's {@code -f} drops it (common/arg.cpp: {@code if (prompt.back() == '\n')
 * prompt.pop_back()}), so that a file an editor ended with a newline is the text typed. Only that one byte: a second
 * newline, a {@code \r} before it, a byte order mark and every other white space stay. An empty file is the empty prompt,
 * as {@code --prompt ""} is.
 *
 * <p>A file over {@link #MAX_BYTES} (256 MiB) is refused before it is read: it was read whole, so a file of some GB was an
 * {@code OutOfMemoryError} (over 2 GiB, "Required array size too large") instead of a message. No model can take such a
 * prompt: the longest context of an open model, 10M tokens (Llama 4 Scout), is some 40 MB of text at the 4 bytes or so
 * a token holds on average, and 256 MiB is over 25 bytes for each of its tokens. The bound is fixed, not the model's
 * context times its longest token, because the file is read before the model loads (a bad file is a usage error that
 * costs no load).
 */
public final class PromptFile {
    /** The largest prompt file read, in bytes. */
    static final int MAX_BYTES = 256 << 20;

    private PromptFile() {}

    /**
     * The prompt in {@code file}; an {@link IllegalArgumentException} of one line naming the file when it is missing, a
     * directory, unreadable, over {@link #MAX_BYTES}, not UTF-8 (with the offset of the first bad byte) or binary (a NUL
     * byte, with its offset).
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
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw tooLarge(file, size + " bytes");
            }
            // at most one byte past the bound, whatever the size said: a pipe (/dev/stdin) has none, a file may grow
            try (InputStream in = Files.newInputStream(file)) {
                bytes = in.readNBytes(MAX_BYTES + 1);
            }
        } catch (IOException e) {
            throw new IllegalArgumentException("--prompt-file " + file + " cannot be read: " + e);
        }
        if (bytes.length > MAX_BYTES) {
            throw tooLarge(file, "more than " + MAX_BYTES + " bytes");
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

    private static IllegalArgumentException tooLarge(Path file, String size) {
        return new IllegalArgumentException("--prompt-file " + file + " is " + size + ", over the 256 MiB a prompt file may have: "
                + "no model's context holds that much text (the longest, 10M tokens, is some 40 MB): give a shorter file");
    }

    /**
     * The prompt of {@code --prompt-file} or {@code --prompt} (null when neither is given), with {@link #replacementWarning}
     * printed to {@code err} for a {@code --prompt} that holds U+FFFD.
     */
    static String fromArgs(CliArgs a, String command, java.io.PrintStream err) {
        if (a.has("prompt-file")) {
            return read(Path.of(a.get("prompt-file")));
        }
        String prompt = a.get("prompt");
        String warning = a.has("prompt") ? replacementWarning(command, prompt) : null;
        if (warning != null) {
            err.println(warning);
        }
        return prompt;
    }

    /**
     * A warning for a {@code --prompt} argument that holds U+FFFD, or null. The JVM decodes its arguments before any
     * code sees them and replaces bytes that are not UTF-8 with U+FFFD, silently; such a prompt was generated from as
     * if it had been typed so. The character may also have been typed, so this warns rather than refuses.
     */
    public static String replacementWarning(String command, String prompt) {
        if (prompt == null || prompt.indexOf('\uFFFD') < 0) {
            return null;
        }
        String at = command + ": warning: --prompt holds U+FFFD (the replacement character) at character "
                + (prompt.codePointCount(0, prompt.indexOf('\uFFFD')) + 1) + ": ";
        String encoding = System.getProperty("sun.jnu.encoding", "UTF-8");
        if (!java.nio.charset.Charset.isSupported(encoding) || !java.nio.charset.Charset.forName(encoding).equals(
                java.nio.charset.StandardCharsets.UTF_8)) {
            // LANG=C in a container: the JVM decodes its arguments as ASCII, and every non-ASCII byte is replaced
            return at + "the JVM decodes its arguments as " + encoding + ", not UTF-8, and replaced the characters it could not "
                    + "read; set LANG or LC_ALL to a UTF-8 locale (C.UTF-8), or use --prompt-file";
        }
        return at + "if the argument had bytes that are not UTF-8, the JVM replaced them before Kindling saw them; --prompt-file "
                + "takes the exact bytes (and refuses those)";
    }
}
