package dev.kindling.dedup.hash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class MurmurHash3Test {

    /** SMHasher's VerificationTest: the published check value of MurmurHash3_x64_128 is 0x6384BA69. */
    @Test
    void smhasherVerificationValue() {
        byte[] key = new byte[256];
        byte[] hashes = new byte[256 * 16];
        for (int i = 0; i < 256; i++) {
            key[i] = (byte) i;
            byte[] h = MurmurHash3.hash128(key, 0, i, 256 - i).toBytes();
            System.arraycopy(h, 0, hashes, i * 16, 16);
        }
        byte[] fin = MurmurHash3.hash128(hashes, 0, hashes.length, 0).toBytes();
        int verification = (fin[0] & 0xFF) | (fin[1] & 0xFF) << 8 | (fin[2] & 0xFF) << 16 | (fin[3] & 0xFF) << 24;
        assertEquals(0x6384BA69, verification);
    }

    /** Vectors from murmurhash3js-revisited (see the resource's header for the command). */
    @Test
    void matchesReferenceVectors() throws Exception {
        List<String[]> rows = new ArrayList<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                getClass().getResourceAsStream("/dev/kindling/dedup/murmur3_x64_128_vectors.tsv"), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.startsWith("#")) {
                    rows.add(line.split("\t", 3));
                }
            }
        }
        assertEquals(22, rows.size());
        for (String[] row : rows) {
            int seed = Integer.parseInt(row[0]);
            String text = unjson(row[2]);
            byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
            Hash128 h = MurmurHash3.hash128(bytes, 0, bytes.length, seed);
            String got = String.format("%016x%016x", h.h1(), h.h2());
            assertEquals(row[1], got, "seed " + seed + " text " + row[2]);
        }
    }

    @Test
    void offsetAndHexAgree() {
        byte[] buf = "..hello world..".getBytes(StandardCharsets.UTF_8);
        assertEquals(MurmurHash3.hash128("hello world"), MurmurHash3.hash128(buf, 2, 11, 0));
        // digest bytes: h1 little-endian then h2 little-endian
        Hash128 h = new Hash128(0x0102030405060708L, 0x1112131415161718L);
        assertEquals("08070605040302011817161514131211", h.toHex());
        assertNotEquals(MurmurHash3.hash128("a"), MurmurHash3.hash128("b"));
    }

    private static String unjson(String s) {
        // the resource's texts are simple JSON strings: quotes around, no escapes except none used
        String t = s.substring(1, s.length() - 1);
        if (t.contains("\\")) {
            throw new IllegalStateException("escapes not expected in " + s);
        }
        return t;
    }
}
