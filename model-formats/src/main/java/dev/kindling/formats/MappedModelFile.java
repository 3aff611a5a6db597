package dev.kindling.formats;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The file handling GGUF and safetensors share: open read-only, read the size, map little-endian
 * ranges, close — every failure a {@link ModelFormatException} naming the file.
 */
public final class MappedModelFile {
    private MappedModelFile() {}

    /**
     * Opens {@code path} and hands the channel and its size to {@code reader}; the channel is closed
     * when the reader fails (on success the result owns it).
     */
    public static <T> T open(Path path, ChannelReader<T> reader) {
        FileChannel ch;
        try {
            ch = FileChannel.open(path, StandardOpenOption.READ);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot open: " + e, e);
        }
        try {
            long size;
            try {
                size = ch.size();
            } catch (IOException e) {
                throw new ModelFormatException(path, "cannot read size: " + e, e);
            }
            return reader.read(path, ch, size);
        } catch (RuntimeException e) {
            closeQuietly(ch);
            throw e;
        }
    }

    /** Reads a model file's header from an open channel of {@code size} bytes. */
    @FunctionalInterface
    public interface ChannelReader<T> {
        T read(Path path, FileChannel channel, long size);
    }

    /**
     * Maps {@code length} bytes at {@code offset} read-only, little-endian; {@code what} prefixes the
     * error message ("tensor x: ", or empty).
     */
    public static ByteBuffer map(Path path, FileChannel channel, long offset, long length, String what) {
        if (length > Integer.MAX_VALUE) {
            throw new ModelFormatException(path, what + "cannot map " + length + " bytes at once; map it in row ranges");
        }
        try {
            return channel.map(FileChannel.MapMode.READ_ONLY, offset, length).order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new ModelFormatException(path, what + "cannot map bytes " + offset + "+" + length + ": " + e, e);
        }
    }

    /** Closes a read-only channel; there is nothing to recover from a failure to close one. */
    public static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // a read-only channel: nothing was written, nothing is lost
        }
    }
}
