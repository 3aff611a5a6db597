package dev.kindling.formats.gguf;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes GGUF v3 files: used by tests (tiny random models, corrupted files for the reader's fuzz
 * tests) and by converters. Values keep the exact GGUF type they are given.
 */
public final class GgufWriter {
    private final Map<String, GgufValue> metadata = new LinkedHashMap<>();
    private final List<Object[]> tensors = new ArrayList<>(); // {name, dims, type, bytes}
    private int alignment = GgufFile.DEFAULT_ALIGNMENT;

    public GgufWriter put(String key, GgufValue value) {
        metadata.put(key, value);
        if (key.equals("general.alignment")) {
            alignment = (int) (long) (Long) value.value();
        }
        return this;
    }

    public GgufWriter putString(String key, String v) {
        return put(key, new GgufValue(GgufValueType.STRING, null, v));
    }

    public GgufWriter putU32(String key, long v) {
        return put(key, new GgufValue(GgufValueType.UINT32, null, v));
    }

    public GgufWriter putI32(String key, long v) {
        return put(key, new GgufValue(GgufValueType.INT32, null, v));
    }

    public GgufWriter putF32(String key, float v) {
        return put(key, new GgufValue(GgufValueType.FLOAT32, null, v));
    }

    public GgufWriter putBool(String key, boolean v) {
        return put(key, new GgufValue(GgufValueType.BOOL, null, v));
    }

    public GgufWriter putStrings(String key, String... v) {
        return put(key, new GgufValue(GgufValueType.ARRAY, GgufValueType.STRING, v));
    }

    public GgufWriter putF32s(String key, float... v) {
        return put(key, new GgufValue(GgufValueType.ARRAY, GgufValueType.FLOAT32, v));
    }

    public GgufWriter putI32s(String key, int... v) {
        return put(key, new GgufValue(GgufValueType.ARRAY, GgufValueType.INT32, v));
    }

    /**
     * Adds a tensor. {@code dims} are in ggml order (innermost first); {@code data} must hold exactly
     * the tensor's bytes in that type's layout.
     */
    public GgufWriter tensor(String name, GgmlType type, long[] dims, byte[] data) {
        long n = 1;
        for (long d : dims) {
            n *= d;
        }
        if (type.byteSize(n) != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " bytes given, " + type.byteSize(n) + " needed");
        }
        tensors.add(new Object[] {name, dims.clone(), type, data});
        return this;
    }

    /** Adds an F32 tensor from floats. */
    public GgufWriter tensorF32(String name, long[] dims, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(values.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            b.putFloat(v);
        }
        return tensor(name, GgmlType.F32, dims, b.array());
    }

    public void write(Path path) throws IOException {
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(path), 1 << 16)) {
            write(os);
        }
    }

    public void write(OutputStream out) throws IOException {
        Counting os = new Counting(out);
        os.i32(GgufFile.MAGIC);
        os.i32(3);
        os.i64(tensors.size());
        os.i64(metadata.size());
        for (Map.Entry<String, GgufValue> e : metadata.entrySet()) {
            os.str(e.getKey());
            os.i32(e.getValue().type().id);
            writeValue(os, e.getValue());
        }
        long offset = 0;
        for (Object[] t : tensors) {
            long[] dims = (long[]) t[1];
            os.str((String) t[0]);
            os.i32(dims.length);
            for (long d : dims) {
                os.i64(d);
            }
            os.i32(((GgmlType) t[2]).id);
            os.i64(offset);
            offset = GgufFile.align(offset + ((byte[]) t[3]).length, alignment);
        }
        os.pad(alignment);
        for (Object[] t : tensors) {
            os.write((byte[]) t[3]);
            os.pad(alignment);
        }
        os.flush();
    }

    private static void writeValue(Counting os, GgufValue v) throws IOException {
        if (v.isArray()) {
            os.i32(v.elementType().id);
            int n = v.length();
            os.i64(n);
            for (int i = 0; i < n; i++) {
                Object el = java.lang.reflect.Array.get(v.value(), i);
                if (el instanceof GgufValue nested) {
                    writeValue(os, nested);
                } else {
                    writeScalar(os, v.elementType(), el);
                }
            }
        } else {
            writeScalar(os, v.type(), v.value());
        }
    }

    private static void writeScalar(Counting os, GgufValueType t, Object v) throws IOException {
        switch (t) {
            case UINT8, INT8 -> os.write(((Number) v).intValue());
            case UINT16, INT16 -> os.i16(((Number) v).intValue());
            case UINT32, INT32 -> os.i32(((Number) v).intValue());
            case UINT64, INT64 -> os.i64(((Number) v).longValue());
            case FLOAT32 -> os.i32(Float.floatToIntBits(((Number) v).floatValue()));
            case FLOAT64 -> os.i64(Double.doubleToLongBits(((Number) v).doubleValue()));
            case BOOL -> os.write((Boolean) v ? 1 : 0);
            case STRING -> os.str((String) v);
            case ARRAY -> throw new IllegalArgumentException("nested arrays are written as GgufValue elements");
        }
    }

    private static final class Counting extends java.io.FilterOutputStream {
        long count;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            count += len;
        }

        void i16(int v) throws IOException {
            write(v & 0xFF);
            write((v >>> 8) & 0xFF);
        }

        void i32(int v) throws IOException {
            for (int i = 0; i < 4; i++) {
                write((v >>> (8 * i)) & 0xFF);
            }
        }

        void i64(long v) throws IOException {
            for (int i = 0; i < 8; i++) {
                write((int) (v >>> (8 * i)) & 0xFF);
            }
        }

        void str(String s) throws IOException {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            i64(b.length);
            write(b, 0, b.length);
        }

        void pad(int alignment) throws IOException {
            while (count % alignment != 0) {
                write(0);
            }
        }
    }
}
