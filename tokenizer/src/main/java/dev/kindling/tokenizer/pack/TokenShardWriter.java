package dev.kindling.tokenizer.pack;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes flat token shards in the layout of Megatron-LM's {@code MMapIndexedDataset}
 * ({@code megatron/core/datasets/indexed_dataset.py}), which datatrove's tokenizer output resembles
 * (flat little-endian token ids plus document boundaries as offsets). Two files per shard:
 *
 * <p><b>{@code <prefix>.bin}</b>: every sequence's token ids back to back, little-endian, as
 * {@code uint16} ({@link DType#UINT16}, vocabularies up to 65,536 ids) or {@code int32}
 * ({@link DType#INT32}; Megatron has no uint32 code, and every vocabulary id fits in int32, so the
 * bytes equal datatrove's uint32 shards). Nothing else: no header, no separators.
 *
 * <p><b>{@code <prefix>.idx}</b>, all little-endian:
 * <pre>
 *   9 bytes   magic "MMIDIDX\0\0"
 *   uint64    version = 1
 *   uint8     dtype code: 8 = uint16, 4 = int32 (Megatron's DType codes)
 *   uint64    S = number of sequences
 *   uint64    D = number of document-index entries (documents + 1)
 *   int32[S]  length of each sequence in tokens
 *   int64[S]  byte offset of each sequence in the .bin file (0, len0*size, ...)
 *   int64[D]  document boundaries as sequence indices: 0, then the index after each document's last sequence
 * </pre>
 *
 * <p>{@link #addDocument} writes one sequence that is one document (Megatron's preprocessing without
 * sentence splitting); {@link #addSequence} plus {@link #endDocument} lets a document span several
 * sequences. A token id that does not fit the dtype is an error naming the id, never a silent wrap. A failed write (a
 * full disk) is a {@link FileSystemException} naming the shard's file, where the stream's own error named none.
 * Read back with {@link TokenShardReader}.
 */
public final class TokenShardWriter implements Closeable {
    /** Megatron's dtype codes for the two widths Kindling writes. */
    public enum DType {
        UINT16(8, 2), INT32(4, 4);

        public final int code;
        public final int bytes;

        DType(int code, int bytes) {
            this.code = code;
            this.bytes = bytes;
        }

        /** The narrowest dtype that holds ids {@code < vocabSize}. */
        public static DType forVocab(int vocabSize) {
            return vocabSize <= 65536 ? UINT16 : INT32;
        }
    }

    public static final byte[] MAGIC = {'M', 'M', 'I', 'D', 'I', 'D', 'X', 0, 0};

    /** Opens a shard's file for writing: the disk ({@link Files#newOutputStream}), or in tests a stream that fails. */
    public interface Sink {
        OutputStream open(Path file) throws IOException;
    }

    private final Path bin;
    private final Path idx;
    private final DType dtype;
    private final Sink sink;
    private final OutputStream out;
    private final ByteBuffer scratch = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
    private int[] lengths = new int[1024];
    private int sequences;
    private long[] docIndex = new long[1024];
    private int docs;
    private long tokens;
    private boolean closed;

    public TokenShardWriter(Path prefix, DType dtype) throws IOException {
        this(prefix, dtype, file -> Files.newOutputStream(file));
    }

    /** A writer whose {@code .bin} and {@code .idx} are opened by {@code sink}. */
    public TokenShardWriter(Path prefix, DType dtype, Sink sink) throws IOException {
        this.bin = Path.of(prefix + ".bin");
        this.idx = Path.of(prefix + ".idx");
        this.dtype = dtype;
        this.sink = sink;
        if (prefix.toAbsolutePath().getParent() != null) {
            Files.createDirectories(prefix.toAbsolutePath().getParent());
        }
        this.out = new BufferedOutputStream(open(bin), 1 << 16);
        docIndex[docs++] = 0;
    }

    public Path binPath() {
        return bin;
    }

    public Path idxPath() {
        return idx;
    }

    /** Writes one document as one sequence. */
    public void addDocument(int[] ids) throws IOException {
        addSequence(ids);
        endDocument();
    }

    /** Writes one sequence (part of the current document). */
    public void addSequence(int[] ids) throws IOException {
        if (closed) {
            throw new IllegalStateException("shard " + bin + " is closed");
        }
        for (int i = 0; i < ids.length; i++) {
            int id = ids[i];
            if (id < 0 || (dtype == DType.UINT16 && id > 0xFFFF)) {
                throw new IllegalArgumentException("token id " + id + " (position " + i + " of sequence " + sequences
                        + ") does not fit " + dtype + " in " + bin);
            }
            if (scratch.remaining() < 4) {
                flushScratch();
            }
            if (dtype == DType.UINT16) {
                scratch.putShort((short) id);
            } else {
                scratch.putInt(id);
            }
        }
        flushScratch();
        if (sequences == lengths.length) {
            lengths = Arrays.copyOf(lengths, sequences * 2);
        }
        lengths[sequences++] = ids.length;
        tokens += ids.length;
    }

    /** Marks the end of the current document (after its sequences). */
    public void endDocument() {
        if (docs == docIndex.length) {
            docIndex = Arrays.copyOf(docIndex, docs * 2);
        }
        docIndex[docs++] = sequences;
    }

    private void flushScratch() throws IOException {
        try {
            out.write(scratch.array(), 0, scratch.position());
        } catch (IOException e) {
            throw named(bin, e);
        }
        scratch.clear();
    }

    private OutputStream open(Path file) throws IOException {
        try {
            return sink.open(file);
        } catch (IOException e) {
            throw named(file, e);
        }
    }

    /**
     * {@code e} as a {@link FileSystemException} naming {@code file} ("No space left on device" alone named no file), or
     * {@code e} itself where it names one already (a file that cannot be opened).
     */
    private static IOException named(Path file, IOException e) {
        if (e instanceof FileSystemException f && f.getFile() != null) {
            return e;
        }
        FileSystemException named = new FileSystemException(file.toString(), null, e.getMessage());
        named.initCause(e);
        return named;
    }

    public long tokens() {
        return tokens;
    }

    public int sequences() {
        return sequences;
    }

    /** Number of documents ended so far. */
    public int documents() {
        return docs - 1;
    }

    @Override
    public void close() throws IOException {
        if (closed) {
            return;
        }
        closed = true;
        try {
            out.close();
        } catch (IOException e) {
            throw named(bin, e);
        }
        try {
            writeIndex();
        } catch (IOException e) {
            throw named(idx, e);
        }
    }

    private void writeIndex() throws IOException {
        try (DataOutputStream d = new DataOutputStream(new BufferedOutputStream(open(idx), 1 << 16))) {
            ByteBuffer b = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            d.write(MAGIC);
            d.write(b.clear().putLong(1).array(), 0, 8);
            d.write(dtype.code);
            d.write(b.clear().putLong(sequences).array(), 0, 8);
            d.write(b.clear().putLong(docs).array(), 0, 8);
            for (int i = 0; i < sequences; i++) {
                d.write(b.clear().putInt(lengths[i]).array(), 0, 4);
            }
            long offset = 0;
            for (int i = 0; i < sequences; i++) {
                d.write(b.clear().putLong(offset).array(), 0, 8);
                offset += (long) lengths[i] * dtype.bytes;
            }
            for (int i = 0; i < docs; i++) {
                d.write(b.clear().putLong(docIndex[i]).array(), 0, 8);
            }
        }
    }
}
