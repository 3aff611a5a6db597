package dev.kindling.tokenizer.pack;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;

/**
 * Reads a shard written by {@link TokenShardWriter} (or by Megatron-LM's indexed dataset builder
 * with a uint16/int32 dtype); the layout is documented there. Every count and offset is checked
 * against the file sizes, so a corrupt index fails with a message naming the file.
 */
public final class TokenShardReader implements AutoCloseable {
    private final Path idxPath;
    private final TokenShardWriter.DType dtype;
    private final int[] lengths;
    private final long[] pointers;
    private final long[] docIndex;
    private final FileChannel bin;
    private final long binSize;

    public TokenShardReader(Path prefix) throws IOException {
        this.idxPath = Path.of(prefix + ".idx");
        ByteBuffer b;
        try (FileChannel ch = FileChannel.open(idxPath, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size > Integer.MAX_VALUE) {
                throw new IOException(idxPath + ": index of " + size + " bytes is too large");
            }
            b = ByteBuffer.allocate((int) size).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) {
                // fill
            }
            b.flip();
        }
        if (b.remaining() < 34) {
            throw new IOException(idxPath + ": too short for a Megatron index header");
        }
        byte[] magic = new byte[9];
        b.get(magic);
        if (!Arrays.equals(magic, TokenShardWriter.MAGIC)) {
            throw new IOException(idxPath + ": magic is not MMIDIDX");
        }
        long version = b.getLong();
        if (version != 1) {
            throw new IOException(idxPath + ": version " + version + ", expected 1");
        }
        int code = b.get() & 0xFF;
        this.dtype = code == 8 ? TokenShardWriter.DType.UINT16 : code == 4 ? TokenShardWriter.DType.INT32 : null;
        if (dtype == null) {
            throw new IOException(idxPath + ": dtype code " + code + " is not uint16 (8) or int32 (4)");
        }
        long s = b.getLong();
        long d = b.getLong();
        if (s < 0 || d < 1 || s * 12 + d * 8 != b.remaining()) {
            throw new IOException(idxPath + ": " + s + " sequences and " + d + " document entries do not match the "
                    + b.remaining() + " bytes that follow the header");
        }
        lengths = new int[(int) s];
        pointers = new long[(int) s];
        docIndex = new long[(int) d];
        for (int i = 0; i < s; i++) {
            lengths[i] = b.getInt();
        }
        for (int i = 0; i < s; i++) {
            pointers[i] = b.getLong();
        }
        for (int i = 0; i < d; i++) {
            docIndex[i] = b.getLong();
        }
        Path binPath = Path.of(prefix + ".bin");
        this.bin = FileChannel.open(binPath, StandardOpenOption.READ);
        this.binSize = bin.size();
        for (int i = 0; i < s; i++) {
            if (lengths[i] < 0 || pointers[i] < 0 || pointers[i] + (long) lengths[i] * dtype.bytes > binSize) {
                bin.close();
                throw new IOException(idxPath + ": sequence " + i + " points outside " + binPath + " (" + binSize + " bytes)");
            }
        }
    }

    public TokenShardWriter.DType dtype() {
        return dtype;
    }

    public int sequences() {
        return lengths.length;
    }

    /** Document boundaries as sequence indices: 0, then one entry per document. */
    public long[] documentIndex() {
        return docIndex.clone();
    }

    public int[] sequence(int i) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(lengths[i] * dtype.bytes).order(ByteOrder.LITTLE_ENDIAN);
        long pos = pointers[i];
        while (b.hasRemaining()) {
            int r = bin.read(b, pos + b.position());
            if (r < 0) {
                throw new IOException(idxPath + ": .bin ends inside sequence " + i);
            }
        }
        b.flip();
        int[] ids = new int[lengths[i]];
        for (int k = 0; k < ids.length; k++) {
            ids[k] = dtype == TokenShardWriter.DType.UINT16 ? b.getShort() & 0xFFFF : b.getInt();
        }
        return ids;
    }

    @Override
    public void close() throws IOException {
        bin.close();
    }
}
