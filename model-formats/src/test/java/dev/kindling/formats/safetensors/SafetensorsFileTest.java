package dev.kindling.formats.safetensors;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    static float[] values(int n, int seed) {
        Random r = new Random(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) r.nextGaussian();
        }
        return v;
    }

    @Test
    void roundTripsF32F16Bf16AndMapsRows() throws Exception {
        float[] a = values(6, 1);
        float[] b = values(12, 2);
        Path p = dir.resolve("model.safetensors");
        new SafetensorsWriter().metadata("format", "pt")
                .put("a", SafetensorsDtype.F32, new long[] {2, 3}, a)
                .put("b", SafetensorsDtype.F16, new long[] {3, 4}, b)
                .put("c", SafetensorsDtype.BF16, new long[] {4}, new float[] {1, -2, 0.5f, 3})
                .write(p);
        assertTrue(SafetensorsFile.looksLikeSafetensors(p));
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertEquals("pt", f.metadata().get("format"));
            assertEquals(3, f.tensors().size());
            SafetensorsTensor ta = f.tensor("a");
            assertEquals(2, ta.rows());
            assertEquals(3, ta.cols());
            ByteBuffer row1 = f.mapRows(ta, 1, 1);
            for (int i = 0; i < 3; i++) {
                assertEquals(a[3 + i], row1.getFloat(4 * i));
            }
            SafetensorsTensor tb = f.tensor("b");
            assertEquals(SafetensorsDtype.F16, tb.dtype());
            ByteBuffer all = f.map(tb);
            assertEquals(SafetensorsWriter.toHalf(b[5]), all.getShort(2 * 5));
            SafetensorsTensor tc = f.tensor("c");
            assertEquals(1, tc.rows());
            assertEquals((short) 0xC000, f.map(tc).getShort(2)); // -2 in bfloat16
            assertThrows(ModelFormatException.class, () -> f.mapRows(ta, 1, 2));
        }
    }

    @Test
    void shardedCheckpointFollowsTheIndex() throws Exception {
        new SafetensorsWriter().put("x", SafetensorsDtype.F32, new long[] {2}, new float[] {1, 2})
                .write(dir.resolve("model-00001-of-00002.safetensors"));
        new SafetensorsWriter().put("y", SafetensorsDtype.F32, new long[] {1}, new float[] {3})
                .write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX),
                "{\"metadata\":{\"total_size\":12},\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\","
                        + "\"y\":\"model-00002-of-00002.safetensors\"}}");
        assertTrue(SafetensorsCheckpoint.isCheckpointDir(dir));
        try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(dir)) {
            assertEquals(2, ck.files().size());
            SafetensorsTensor y = ck.tensor("y");
            assertEquals(3f, ck.file(y).map(y).getFloat(0));
            assertFalse(ck.has("z"));
        }
        // an index entry whose shard does not hold the tensor
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX),
                "{\"weight_map\":{\"x\":\"model-00002-of-00002.safetensors\"}}");
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("tensor x is listed for this shard"), e.getMessage());
        // a tensor in two shards: the index picked one without a word, while transformers loads every shard's tensors
        // (the later shard's copy wins there), so the two could run different weights
        new SafetensorsWriter().put("y", SafetensorsDtype.F32, new long[] {1}, new float[] {3})
                .put("x", SafetensorsDtype.F32, new long[] {2}, new float[] {0, 0}).write(dir.resolve("model-00002-of-00002.safetensors"));
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX),
                "{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\",\"y\":\"model-00002-of-00002.safetensors\"}}");
        e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("tensor x") && e.getMessage().contains("model-00001-of-00002.safetensors")
                && e.getMessage().contains("model-00002-of-00002.safetensors"), e.getMessage());
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), "{\"weight_map\":{\"x\":\"missing.safetensors\"}}");
        e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("shard missing.safetensors is listed"), e.getMessage());
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), "{\"weight_map\":{\"x\":\"../model.safetensors\"}}");
        e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertTrue(e.getMessage().contains("not a shard file name"), e.getMessage());
        // an index that is not JSON, or is more than one JSON value, or nothing (transformers' json.load refuses each)
        for (String[] bad : new String[][] {{"{\"weight_map\": {\"x\": ", "the shard index is not JSON: Unexpected end-of-input"},
                {"{\"weight_map\":{\"x\":\"model-00001-of-00002.safetensors\"}} {}", "the shard index is not JSON: Trailing token"},
                {"weight_map", "the shard index is not JSON: Unrecognized token 'weight_map'"}, {"", "the shard index is empty"}}) {
            Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), bad[0]);
            e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
            assertTrue(e.getMessage().startsWith(dir.resolve(SafetensorsCheckpoint.INDEX) + ": " + bad[1]), e.getMessage());
        }
        // a NUL, which no path holds: it was Path.resolve's InvalidPathException, naming neither the index nor the tensor
        Files.writeString(dir.resolve(SafetensorsCheckpoint.INDEX), "{\"weight_map\":{\"x\":\"model\\u0000.safetensors\"}}");
        e = assertThrows(ModelFormatException.class, () -> SafetensorsCheckpoint.open(dir));
        assertEquals(dir.resolve(SafetensorsCheckpoint.INDEX) + ": weight_map[x] = \"model\\u0000.safetensors\" is not a shard file name in this directory",
                e.getMessage());
    }

    /** A file with the given header JSON and {@code data} bytes after it. */
    Path raw(String json, int dataBytes) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
        out.write(h);
        out.write(new byte[dataBytes]);
        Path p = Files.createTempFile(dir, "bad", ".safetensors");
        Files.write(p, out.toByteArray());
        return p;
    }

    void fails(Path p, String expected) {
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> SafetensorsFile.open(p).close());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString()), "names the file: " + e.getMessage());
    }

    @Test
    void badFilesNameTheFileAndTensor() throws Exception {
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}", 8), "tensor w: data_offsets [0, 16] are outside");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16), "tensor w: 12 bytes of data for shape [2,2] F32, expected 16");
        fails(raw("{\"w\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,1]}}", 1), "tensor w has unknown dtype Q4");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}", 4), "tensor w: dimension 0 is -1");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4), "tensor w: \"data_offsets\" must be [begin, end]");
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,4]}}", 4), "absurdly large");
        fails(raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "overlap");
        // a name given twice: the last entry was kept without a word (safetensors' own reader fails: the other's bytes
        // leave a hole in the data)
        fails(raw("{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", 8),
                "Duplicate field 'w'");
        fails(raw("{\"w\": [1, 2", 0), "not valid JSON");
        fails(raw("[1, 2]", 0), "does not start with '{'");
        Path huge = dir.resolve("huge.safetensors");
        Files.write(huge, ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1L << 40).array());
        fails(huge, "header size 1099511627776 does not fit a file of 16 bytes");
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[3]);
        fails(tiny, "only 3 bytes");
        // an integer tensor is listed, but refused when a model uses it
        Path ints = raw("{\"mask\":{\"dtype\":\"BOOL\",\"shape\":[4],\"data_offsets\":[0,4]}}", 4);
        try (SafetensorsFile f = SafetensorsFile.open(ints)) {
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> f.requireFloatWeight(f.tensor("mask")));
            assertTrue(e.getMessage().contains("tensor mask has dtype BOOL; Kindling reads F32, F16 and BF16"), e.getMessage());
        }
    }

    /**
     * What safetensors' reader accepts (a header padded with spaces, as its writer pads it, or other JSON whitespace; a
     * null __metadata__) opens; what it refuses (anything else after the header's object, metadata values that are not
     * strings, data_offsets that leave bytes of the data to no tensor, between tensors or after them) names the file
     * and what is wrong, where Jackson passed the junk over unread, a number or object in the metadata became text and
     * the bytes no tensor holds were ignored.
     */
    @Test
    void headersAreReadAsSafetensorsReadsThem() throws Exception {
        String w = "\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}";
        for (String padding : new String[] {"", "   ", " \n\t\r "}) {
            try (SafetensorsFile f = SafetensorsFile.open(raw("{\"__metadata__\":{\"format\":\"pt\"}," + w + "}" + padding, 4))) {
                assertEquals(Map.of("format", "pt"), f.metadata());
                assertEquals(4, f.tensor("w").byteSize());
            }
        }
        try (SafetensorsFile f = SafetensorsFile.open(raw("{\"__metadata__\":null," + w + "}", 4))) {
            assertEquals(Map.of(), f.metadata());
        }
        int end = 8 + w.length() + 2; // of the object, in the file
        fails(raw("{" + w + "}  x ", 4), "safetensors header: its JSON object ends at byte " + end + " of the file, but the header,"
                + " to byte " + (end + 4) + ", goes on with more than the spaces it may be padded with, from byte " + (end + 2) + ": \"x \"");
        fails(raw("{" + w + "}}", 4), "from byte " + end + ": \"}\"");
        fails(raw("{" + w + "}\u0000\u0000", 4), "from byte " + end + ": \"??\"");
        fails(raw("{" + w + "}{\"v\":{}}", 4), "from byte " + end + ": \"{\"v\":{}}\"");
        fails(raw("{\"__metadata__\":{\"format\":1}," + w + "}", 4), "__metadata__[format] = 1, expected a string");
        fails(raw("{\"__metadata__\":{\"a\":{\"b\":\"c\"}}," + w + "}", 4), "__metadata__[a] = {\"b\":\"c\"}, expected a string");
        fails(raw("{\"__metadata__\":[\"pt\"]," + w + "}", 4), "__metadata__ is array, expected a JSON object of strings");
        String v = "\"v\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}";
        fails(raw("{" + w + "," + v + "}", 12), "tensor v: data_offsets begin at 8, but the tensor before it, w, ends at 4: bytes 4 to"
                + " 8 of the data belong to no tensor");
        fails(raw("{" + v + "}", 12), "tensor v: data_offsets begin at 8, but no tensor comes before it: bytes 0 to 8");
        fails(raw("{" + w + "}", 8), "the data after the header holds 8 bytes, but the tensors' data_offsets end at 4: bytes 4 to 8"
                + " belong to no tensor");
        fails(raw("{}", 1), "the data after the header holds 1 bytes, but the tensors' data_offsets end at 0");
        try (SafetensorsFile f = SafetensorsFile.open(raw("{}      ", 0))) {
            assertTrue(f.tensors().isEmpty());
        }
    }

    @Test
    void fuzzedHeadersFailCleanly() throws Exception {
        Path good = dir.resolve("good.safetensors");
        new SafetensorsWriter().put("model.layers.0.w", SafetensorsDtype.F16, new long[] {4, 8}, values(32, 3))
                .put("model.norm.weight", SafetensorsDtype.F32, new long[] {8}, values(8, 4)).write(good);
        byte[] bytes = Files.readAllBytes(good);
        long headerEnd = 8 + ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        Random r = new Random(7);
        int opened = 0;
        for (int i = 0; i < 300; i++) {
            byte[] m = bytes.clone();
            for (int k = 0; k < 1 + r.nextInt(3); k++) {
                int at = r.nextInt((int) headerEnd);
                m[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : "0123456789[]{},\"-".charAt(r.nextInt(17)));
            }
            Path p = dir.resolve("fuzz.safetensors");
            Files.write(p, r.nextInt(10) == 0 ? java.util.Arrays.copyOf(m, r.nextInt(m.length)) : m);
            try (SafetensorsFile f = SafetensorsFile.open(p)) {
                for (SafetensorsTensor t : f.tensors().values()) {
                    f.map(t); // every listed range is inside the file
                }
                opened++;
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
            }
        }
        assertTrue(opened < 300, "mutations were noticed");
    }

    @Test
    void emptyTensorAndScalar() throws Exception {
        Path p = dir.resolve("s.safetensors");
        new SafetensorsWriter().put("scalar", SafetensorsDtype.F32, new long[] {}, new float[] {5})
                .put("empty", SafetensorsDtype.F32, new long[] {0, 3}, new float[0]).write(p);
        try (SafetensorsFile f = SafetensorsFile.open(p)) {
            assertArrayEquals(new long[0], f.tensor("scalar").shape());
            assertEquals(5f, f.map(f.tensor("scalar")).getFloat(0));
            assertEquals(0, f.tensor("empty").rows());
        }
    }
}
