package dev.kindling.formats.gguf;

import dev.kindling.formats.MappedModelFile;
import dev.kindling.formats.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A GGUF file (versions 2 and 3, little-endian): its metadata and tensor directory, read once; the
 * tensor bytes stay on disk and are mapped on demand with {@link #map}.
 *
 * <p>Layout (ggml's {@code docs/gguf.md}): magic {@code "GGUF"}, {@code uint32 version},
 * {@code uint64 tensor_count}, {@code uint64 metadata_kv_count}, the key/value pairs, the tensor
 * infos ({@code name, n_dims, dims[n_dims], type, offset}), padding to {@code general.alignment}
 * (default 32), then the tensor data; each tensor's offset is relative to the start of that data.
 *
 * <p>Every count and length is checked against the file size before anything is allocated, so a
 * truncated or corrupt file fails with a {@link ModelFormatException} naming the file and the field
 * or tensor, never with an {@link OutOfMemoryError}.
 */
public final class GgufFile implements AutoCloseable {
    public static final int MAGIC = 0x46554747; // "GGUF" read little-endian
    public static final int DEFAULT_ALIGNMENT = 32;
    /** ggml's GGML_MAX_DIMS. */
    public static final int MAX_DIMS = 4;

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final int version;
    private final Map<String, GgufValue> metadata;
    private final Map<String, GgufTensorInfo> tensors;
    private final int alignment;
    private final long dataOffset;

    private GgufFile(Path path, FileChannel channel, long fileSize, int version, Map<String, GgufValue> metadata,
            Map<String, GgufTensorInfo> tensors, int alignment, long dataOffset) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.version = version;
        this.metadata = metadata;
        this.tensors = tensors;
        this.alignment = alignment;
        this.dataOffset = dataOffset;
    }

    /** True when the file starts with the GGUF magic (cheap format detection). */
    public static boolean looksLikeGguf(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            while (b.hasRemaining() && ch.read(b) >= 0) { /* fill */ }
            return b.position() == 4 && b.getInt(0) == MAGIC;
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    /** Reads the header, metadata and tensor directory of {@code path}. */
    public static GgufFile open(Path path) {
        return MappedModelFile.open(path, GgufFile::read);
    }

    private static GgufFile read(Path path, FileChannel ch, long size) {
        Reader r = new Reader(path, ch, size);
        if (size < 24) {
            throw new ModelFormatException(path, "not a GGUF file: only " + size + " bytes (a header needs 24)");
        }
        int magic = r.i32("magic");
        if (magic != MAGIC) {
            throw new ModelFormatException(path, String.format(
                    "not a GGUF file: magic is 0x%08x, expected 0x%08x (\"GGUF\")", magic, MAGIC));
        }
        int version = r.i32("version");
        if (version == 1) {
            throw new ModelFormatException(path, "GGUF version 1 is not supported (re-convert with a current llama.cpp)");
        }
        if (version != 2 && version != 3) {
            String hint = Integer.reverseBytes(version) >= 1 && Integer.reverseBytes(version) <= 3
                    ? " (this looks like a big-endian GGUF, which is not supported)" : "";
            throw new ModelFormatException(path, "unsupported GGUF version " + version + hint + "; expected 2 or 3");
        }
        long tensorCount = r.u64("tensor_count");
        long kvCount = r.u64("metadata_kv_count");
        // each kv takes at least 8 (key length) + 4 (type) + 1 bytes; each tensor info at least 8+4+4+8
        if (kvCount < 0 || kvCount > (size - r.position()) / 13) {
            throw new ModelFormatException(path, "metadata_kv_count " + Long.toUnsignedString(kvCount)
                    + " is impossible for a file of " + size + " bytes");
        }
        if (tensorCount < 0 || tensorCount > (size - r.position()) / 24) {
            throw new ModelFormatException(path, "tensor_count " + Long.toUnsignedString(tensorCount)
                    + " is impossible for a file of " + size + " bytes");
        }
        Map<String, GgufValue> meta = new LinkedHashMap<>();
        for (long i = 0; i < kvCount; i++) {
            String key = r.string("key of metadata entry " + i);
            int typeId = r.i32("type of " + key);
            GgufValueType type = GgufValueType.byId(typeId);
            if (type == null) {
                throw new ModelFormatException(path, "metadata " + key + ": unknown value type " + typeId);
            }
            GgufValue v = r.value(key, type, 0);
            if (meta.containsKey(key)) {
                // which of the two values the writer meant is unknowable; ggml's reader refuses such a file too
                throw new ModelFormatException(path, "metadata key " + key + " appears twice");
            }
            meta.put(key, v);
        }
        int alignment = DEFAULT_ALIGNMENT;
        GgufValue al = meta.get("general.alignment");
        if (al != null) {
            if (al.isArray() || !(al.value() instanceof Long l) || l <= 0 || l > (1 << 30) || Long.bitCount(l) != 1) {
                throw new ModelFormatException(path, "general.alignment must be a power of two, got " + al);
            }
            alignment = (int) (long) (Long) al.value();
        }
        Map<String, long[]> dimsByName = new LinkedHashMap<>();
        Map<String, Object[]> raw = new LinkedHashMap<>();
        for (long i = 0; i < tensorCount; i++) {
            String name = r.string("name of tensor " + i);
            int nDims = r.i32("n_dims of tensor " + name);
            if (nDims < 1 || nDims > MAX_DIMS) {
                throw new ModelFormatException(path, "tensor " + name + ": n_dims " + nDims + " outside 1.." + MAX_DIMS);
            }
            long[] dims = new long[nDims];
            for (int d = 0; d < nDims; d++) {
                dims[d] = r.u64("dim " + d + " of tensor " + name);
                if (dims[d] <= 0 || dims[d] > size * 8) {
                    throw new ModelFormatException(path, "tensor " + name + ": dimension " + d + " is "
                            + Long.toUnsignedString(dims[d]) + ", impossible for a file of " + size + " bytes");
                }
            }
            int typeId = r.i32("type of tensor " + name);
            long offset = r.u64("offset of tensor " + name);
            if (raw.containsKey(name)) {
                throw new ModelFormatException(path, "tensor " + name + " appears twice");
            }
            dimsByName.put(name, dims);
            raw.put(name, new Object[] {typeId, offset});
        }
        long dataOffset = align(r.position(), alignment);
        Map<String, GgufTensorInfo> tensors = new LinkedHashMap<>();
        for (Map.Entry<String, long[]> e : dimsByName.entrySet()) {
            String name = e.getKey();
            long[] dims = e.getValue();
            int typeId = (Integer) raw.get(name)[0];
            long offset = (Long) raw.get(name)[1];
            GgmlType type = GgmlType.byId(typeId);
            if (type == null) {
                throw new ModelFormatException(path, "tensor " + name + ": unknown ggml type " + typeId);
            }
            long elements;
            try {
                elements = 1;
                for (long d : dims) {
                    elements = Math.multiplyExact(elements, d);
                }
            } catch (ArithmeticException ex) {
                throw new ModelFormatException(path, "tensor " + name + ": element count overflows");
            }
            if (dims[0] % type.blockSize != 0) {
                throw new ModelFormatException(path, "tensor " + name + ": row length " + dims[0]
                        + " is not a multiple of the " + type + " block size " + type.blockSize);
            }
            long bytes = type.byteSize(elements);
            if (offset < 0) {
                // a u64 past 2^63: far past the end of any file (it may well be a multiple of the alignment)
                throw new ModelFormatException(path, "tensor " + name + ": data offset " + Long.toUnsignedString(offset)
                        + " is past the end of the file (" + size + " bytes): the file is corrupt");
            }
            if (offset % alignment != 0) {
                throw new ModelFormatException(path, "tensor " + name + ": data offset " + offset
                        + " is not a multiple of the alignment " + alignment);
            }
            long start = dataOffset + offset;
            if (start < dataOffset || start > size || bytes > size - start) {
                throw new ModelFormatException(path, "tensor " + name + " (" + type + " " + java.util.Arrays.toString(dims)
                        + ", " + bytes + " bytes at " + start + ") extends past the end of the file (" + size
                        + " bytes): the file is truncated or corrupt");
            }
            tensors.put(name, new GgufTensorInfo(name, dims, type, start, bytes));
        }
        return new GgufFile(path, ch, size, version, Collections.unmodifiableMap(meta),
                Collections.unmodifiableMap(tensors), alignment, dataOffset);
    }

    static long align(long offset, int alignment) {
        return (offset + alignment - 1) / alignment * alignment;
    }

    public Path path() {
        return path;
    }

    public int version() {
        return version;
    }

    public long fileSize() {
        return fileSize;
    }

    public int alignment() {
        return alignment;
    }

    /** Absolute offset of the tensor data section. */
    public long dataOffset() {
        return dataOffset;
    }

    /** All metadata in file order. */
    public Map<String, GgufValue> metadata() {
        return metadata;
    }

    /** All tensors in file order. */
    public Map<String, GgufTensorInfo> tensors() {
        return tensors;
    }

    public List<GgufTensorInfo> tensorList() {
        return List.copyOf(tensors.values());
    }

    public boolean has(String key) {
        return metadata.containsKey(key);
    }

    public Optional<GgufValue> get(String key) {
        return Optional.ofNullable(metadata.get(key));
    }

    /** The tensor called {@code name}; an error naming the file when it is missing. */
    public GgufTensorInfo tensor(String name) {
        GgufTensorInfo t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(path, "tensor " + name + " is missing");
        }
        return t;
    }

    public Optional<GgufTensorInfo> findTensor(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    // ---- typed metadata accessors: errors name the key and what was expected ----

    private GgufValue require(String key) {
        GgufValue v = metadata.get(key);
        if (v == null) {
            throw new ModelFormatException(path, "metadata key " + key + " is missing");
        }
        return v;
    }

    public String getString(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof String s) {
            return s;
        }
        throw wrongType(key, v, "a string");
    }

    public String getString(String key, String defaultValue) {
        return has(key) ? getString(key) : defaultValue;
    }

    public long getLong(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof Long l) {
            return l;
        }
        throw wrongType(key, v, "an integer");
    }

    public long getLong(String key, long defaultValue) {
        return has(key) ? getLong(key) : defaultValue;
    }

    public int getInt(String key) {
        long l = getLong(key);
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) {
            throw new ModelFormatException(path, "metadata " + key + " = " + l + " does not fit an int");
        }
        return (int) l;
    }

    public int getInt(String key, int defaultValue) {
        return has(key) ? getInt(key) : defaultValue;
    }

    public double getDouble(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof Float f) {
            return f;
        }
        if (v.value() instanceof Double d) {
            return d;
        }
        if (v.value() instanceof Long l) {
            return l;
        }
        throw wrongType(key, v, "a number");
    }

    public double getDouble(String key, double defaultValue) {
        return has(key) ? getDouble(key) : defaultValue;
    }

    public float getFloat(String key, float defaultValue) {
        return has(key) ? (float) getDouble(key) : defaultValue;
    }

    public boolean getBool(String key, boolean defaultValue) {
        if (!has(key)) {
            return defaultValue;
        }
        GgufValue v = require(key);
        if (v.value() instanceof Boolean b) {
            return b;
        }
        if (v.value() instanceof Long l) {
            return l != 0;
        }
        throw wrongType(key, v, "a bool");
    }

    public String[] getStringArray(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof String[] a) {
            return a;
        }
        throw wrongType(key, v, "an array of strings");
    }

    public float[] getFloatArray(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof float[] a) {
            return a;
        }
        if (v.value() instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) {
                f[i] = (float) d[i];
            }
            return f;
        }
        throw wrongType(key, v, "an array of floats");
    }

    public int[] getIntArray(String key) {
        GgufValue v = require(key);
        if (v.value() instanceof int[] a) {
            return a;
        }
        if (v.value() instanceof long[] l) {
            int[] a = new int[l.length];
            for (int i = 0; i < l.length; i++) {
                a[i] = Math.toIntExact(l[i]);
            }
            return a;
        }
        throw wrongType(key, v, "an array of integers");
    }

    private ModelFormatException wrongType(String key, GgufValue v, String expected) {
        return new ModelFormatException(path, "metadata " + key + " is " + v.type()
                + (v.isArray() ? "<" + v.elementType() + ">" : "") + ", expected " + expected);
    }

    /** {@code general.architecture}, e.g. {@code llama}. */
    public String architecture() {
        return getString("general.architecture");
    }

    // ---- tensor data ----

    /**
     * Maps {@code length} bytes starting at absolute {@code offset} read-only, little-endian. A single
     * mapping holds at most {@link Integer#MAX_VALUE} bytes; larger tensors are mapped in pieces
     * (see {@link #mapRows}).
     */
    public ByteBuffer map(long offset, long length) {
        if (offset < 0 || length < 0 || offset > fileSize || length > fileSize - offset) {
            throw new ModelFormatException(path, "range " + offset + "+" + length + " is outside the file (" + fileSize + " bytes)");
        }
        return MappedModelFile.map(path, channel, offset, length, "");
    }

    /** Maps a whole tensor (up to 2 GiB). */
    public ByteBuffer map(GgufTensorInfo t) {
        if (t.byteSize() > Integer.MAX_VALUE) {
            throw new ModelFormatException(path, "tensor " + t.name() + " is " + t.byteSize()
                    + " bytes; map it in row ranges with mapRows");
        }
        return map(t.fileOffset(), t.byteSize());
    }

    /** Maps rows {@code [firstRow, firstRow + rowCount)} of a tensor. */
    public ByteBuffer mapRows(GgufTensorInfo t, long firstRow, long rowCount) {
        long rb = t.rowBytes();
        if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > t.rows()) {
            throw new ModelFormatException(path, "tensor " + t.name() + ": rows " + firstRow + "+" + rowCount
                    + " outside 0.." + t.rows());
        }
        return map(t.fileOffset() + firstRow * rb, rowCount * rb);
    }

    @Override
    public void close() {
        MappedModelFile.closeQuietly(channel);
    }


    @Override
    public String toString() {
        return "GGUF v" + version + " " + path + " (" + metadata.size() + " metadata keys, " + tensors.size() + " tensors)";
    }

    /** Sequential little-endian reader over a channel with bounds checks against the file size. */
    private static final class Reader {
        private final Path path;
        private final FileChannel ch;
        private final long size;
        private final ByteBuffer buf = ByteBuffer.allocate(1 << 16).order(ByteOrder.LITTLE_ENDIAN);
        private long bufStart; // file offset of buf[0]

        Reader(Path path, FileChannel ch, long size) {
            this.path = path;
            this.ch = ch;
            this.size = size;
            buf.limit(0);
        }

        long position() {
            return bufStart + buf.position();
        }

        private void need(int n, String what) {
            if (buf.remaining() >= n) {
                return;
            }
            long pos = position();
            if (pos + n > size) {
                throw new ModelFormatException(path, "truncated while reading " + what + " at byte " + pos
                        + " (file has " + size + " bytes)");
            }
            buf.compact(); // the unread bytes, which start at file offset pos, move to buf[0..]
            try {
                while (buf.position() < n) {
                    int read = ch.read(buf, pos + buf.position());
                    if (read < 0) {
                        throw new ModelFormatException(path, "unexpected end of file reading " + what);
                    }
                }
            } catch (IOException e) {
                throw new ModelFormatException(path, "read error at byte " + pos + ": " + e, e);
            }
            buf.flip();
            bufStart = pos;
        }

        int i32(String what) {
            need(4, what);
            return buf.getInt();
        }

        long u64(String what) {
            need(8, what);
            return buf.getLong();
        }

        byte i8(String what) {
            need(1, what);
            return buf.get();
        }

        short i16(String what) {
            need(2, what);
            return buf.getShort();
        }

        String string(String what) {
            long len = u64("length of " + what);
            if (len < 0 || len > size - position()) {
                throw new ModelFormatException(path, what + ": string length " + Long.toUnsignedString(len)
                        + " runs past the end of the file");
            }
            byte[] bytes = new byte[(int) Math.min(len, Integer.MAX_VALUE)];
            int off = 0;
            while (off < bytes.length) {
                need(1, what);
                int n = Math.min(buf.remaining(), bytes.length - off);
                buf.get(bytes, off, n);
                off += n;
            }
            try {
                return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
            } catch (CharacterCodingException e) {
                // some vocabularies carry partial UTF-8 sequences; keep them readable, as llama.cpp does
                return new String(bytes, StandardCharsets.UTF_8);
            }
        }

        GgufValue value(String key, GgufValueType type, int depth) {
            return switch (type) {
                case UINT8 -> new GgufValue(type, null, (long) (i8(key) & 0xFF));
                case INT8 -> new GgufValue(type, null, (long) i8(key));
                case UINT16 -> new GgufValue(type, null, (long) (i16(key) & 0xFFFF));
                case INT16 -> new GgufValue(type, null, (long) i16(key));
                case UINT32 -> new GgufValue(type, null, i32(key) & 0xFFFFFFFFL);
                case INT32 -> new GgufValue(type, null, (long) i32(key));
                case UINT64, INT64 -> new GgufValue(type, null, u64(key));
                case FLOAT32 -> new GgufValue(type, null, Float.intBitsToFloat(i32(key)));
                case FLOAT64 -> new GgufValue(type, null, Double.longBitsToDouble(u64(key)));
                case BOOL -> new GgufValue(type, null, i8(key) != 0);
                case STRING -> new GgufValue(type, null, string(key));
                case ARRAY -> array(key, depth);
            };
        }

        private GgufValue array(String key, int depth) {
            if (depth > 4) {
                throw new ModelFormatException(path, "metadata " + key + ": arrays nested too deeply");
            }
            int typeId = i32("element type of " + key);
            GgufValueType et = GgufValueType.byId(typeId);
            if (et == null) {
                throw new ModelFormatException(path, "metadata " + key + ": unknown array element type " + typeId);
            }
            long count = u64("length of " + key);
            if (count < 0 || count > (size - position()) / et.minBytes) {
                throw new ModelFormatException(path, "metadata " + key + ": array of " + Long.toUnsignedString(count)
                        + " " + et + " values cannot fit in the rest of the file");
            }
            int n = (int) count;
            Object arr;
            switch (et) {
                case UINT8 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i8(key) & 0xFF; arr = a; }
                case INT8 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i8(key); arr = a; }
                case UINT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i16(key) & 0xFFFF; arr = a; }
                case INT16 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i16(key); arr = a; }
                case UINT32, INT32 -> { int[] a = new int[n]; for (int i = 0; i < n; i++) a[i] = i32(key); arr = a; }
                case UINT64, INT64 -> { long[] a = new long[n]; for (int i = 0; i < n; i++) a[i] = u64(key); arr = a; }
                case FLOAT32 -> { float[] a = new float[n]; for (int i = 0; i < n; i++) a[i] = Float.intBitsToFloat(i32(key)); arr = a; }
                case FLOAT64 -> { double[] a = new double[n]; for (int i = 0; i < n; i++) a[i] = Double.longBitsToDouble(u64(key)); arr = a; }
                case BOOL -> { boolean[] a = new boolean[n]; for (int i = 0; i < n; i++) a[i] = i8(key) != 0; arr = a; }
                case STRING -> { String[] a = new String[n]; for (int i = 0; i < n; i++) a[i] = string(key + "[" + i + "]"); arr = a; }
                case ARRAY -> { GgufValue[] a = new GgufValue[n]; for (int i = 0; i < n; i++) a[i] = array(key + "[" + i + "]", depth + 1); arr = a; }
                default -> throw new IllegalStateException();
            }
            return new GgufValue(GgufValueType.ARRAY, et, arr);
        }
    }
}
