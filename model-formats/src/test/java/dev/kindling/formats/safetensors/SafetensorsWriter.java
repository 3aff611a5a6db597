package dev.kindling.formats.safetensors;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
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
 * Writes safetensors files for tests (the layout {@link SafetensorsFile} reads): tensors in the order
 * added, data offsets contiguous, the JSON header padded with spaces to a multiple of 8 bytes as the
 * reference implementation does. Values given as floats are stored as F32, F16 (round to nearest
 * even) or BF16 (round to nearest even).
 *
 * <pre>{@code
 * new SafetensorsWriter().put("w", SafetensorsDtype.F16, new long[] {2, 3}, values).write(dir.resolve("model.safetensors"));
 * }</pre>
 */
public final class SafetensorsWriter {
    private record Entry(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {}

    private final List<Entry> entries = new ArrayList<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Adds a tensor from raw little-endian bytes. */
    public SafetensorsWriter putBytes(String name, SafetensorsDtype dtype, long[] shape, byte[] data) {
        entries.add(new Entry(name, dtype, shape.clone(), data));
        return this;
    }

    /** Adds a float tensor stored as {@code dtype} (F32, F16 or BF16). */
    public SafetensorsWriter put(String name, SafetensorsDtype dtype, long[] shape, float[] values) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != values.length) {
            throw new IllegalArgumentException(name + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        ByteBuffer b = ByteBuffer.allocate(values.length * dtype.size).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            switch (dtype) {
                case F32 -> b.putFloat(v);
                case F16 -> b.putShort(toHalf(v));
                case BF16 -> b.putShort(toBf16(v));
                default -> throw new IllegalArgumentException("floats can be stored as F32, F16 or BF16, not " + dtype);
            }
        }
        return putBytes(name, dtype, shape, b.array());
    }

    public void write(Path path) throws IOException {
        Files.createDirectories(path.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(path)) {
            write(out);
        }
    }

    public void write(OutputStream out) throws IOException {
        ObjectMapper om = new ObjectMapper();
        ObjectNode header = om.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode m = header.putObject("__metadata__");
            metadata.forEach(m::put);
        }
        long offset = 0;
        for (Entry e : entries) {
            ObjectNode t = header.putObject(e.name);
            t.put("dtype", e.dtype.name());
            ArrayNode shape = t.putArray("shape");
            for (long d : e.shape) {
                shape.add(d);
            }
            ArrayNode offs = t.putArray("data_offsets");
            offs.add(offset);
            offs.add(offset + e.data.length);
            offset += e.data.length;
        }
        byte[] json = om.writeValueAsString(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] h = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(h, json.length, padded, (byte) ' ');
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
        out.write(h);
        for (Entry e : entries) {
            out.write(e.data);
        }
    }

    /** IEEE binary16 with round-to-nearest-even (finite inputs within range). */
    public static short toHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int ax = x & 0x7FFFFFFF;
        if (ax >= 0x477FF000) { // rounds to >= 65520: infinity (NaN is not expected in test data)
            return (short) (sign | 0x7C00);
        }
        if (ax < 0x38800000) { // subnormal half or zero
            return (short) (sign | (int) Math.rint(Float.intBitsToFloat(ax) * 0x1p24f));
        }
        int half = (((ax >>> 23) - 112) << 10) | ((ax & 0x7FFFFF) >>> 13);
        int rest = ax & 0x1FFF;
        if (rest > 0x1000 || (rest == 0x1000 && (half & 1) == 1)) {
            half++;
        }
        return (short) (sign | half);
    }

    /** bfloat16 with round-to-nearest-even (finite inputs). */
    public static short toBf16(float f) {
        int x = Float.floatToRawIntBits(f);
        int lsb = (x >>> 16) & 1;
        return (short) ((x + 0x7FFF + lsb) >>> 16);
    }
}
