package dev.kindling.tokenizer.normalize;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Writes a SentencePiece character map for tests, as {@code spm_train} lays one out: a uint32 trie size, a darts-clone
 * double array (an edge unit holds its label, a has-leaf bit and the xor offset to its node's children; a node's value
 * unit sits at its children's base and has bit 31 set), then the NUL-ended outputs. It is the test's oracle for
 * {@link PrecompiledCharsMap}: a plain trie of the rules, placed greedily, without darts-clone's shared subtrees.
 */
public final class CharsMapBlob {
    private final Map<String, byte[]> keys = new TreeMap<>();
    private final Map<String, String> outputs = new HashMap<>();

    /** A rule: the UTF-8 of {@code key} becomes {@code output}. */
    public CharsMapBlob rule(String key, String output) {
        return rule(key.getBytes(StandardCharsets.UTF_8), output);
    }

    /** A rule on raw bytes (a key may end inside a character, which leaves the rest of it behind). */
    public CharsMapBlob rule(byte[] key, String output) {
        String k = new String(key, StandardCharsets.ISO_8859_1);
        keys.put(k, key);
        outputs.put(k, output);
        return this;
    }

    private static final class Node {
        final TreeMap<Integer, Node> children = new TreeMap<>();
        int value = -1;
    }

    public byte[] bytes() {
        ByteArrayOutputStream text = new ByteArrayOutputStream();
        Map<String, Integer> offsets = new HashMap<>();
        Node root = new Node();
        for (Map.Entry<String, byte[]> e : keys.entrySet()) {
            String out = outputs.get(e.getKey());
            Integer at = offsets.get(out);
            if (at == null) {
                at = text.size();
                offsets.put(out, at);
                byte[] b = out.getBytes(StandardCharsets.UTF_8);
                text.write(b, 0, b.length);
                text.write(0);
            }
            Node n = root;
            for (byte b : e.getValue()) {
                n = n.children.computeIfAbsent(b & 0xFF, x -> new Node());
            }
            n.value = at;
        }
        int[] units = new int[1 << 16];
        BitSet usedPos = new BitSet();
        BitSet usedBase = new BitSet();
        usedPos.set(0);
        int[] size = {1};
        place(root, 0, units, usedPos, usedBase, size);
        int n = (size[0] + 255) / 256 * 256;
        ByteBuffer blob = ByteBuffer.allocate(4 + n * 4 + text.size()).order(ByteOrder.LITTLE_ENDIAN);
        blob.putInt(n * 4);
        for (int i = 0; i < n; i++) {
            blob.putInt(units[i]);
        }
        blob.put(text.toByteArray());
        return blob.array();
    }

    private static void place(Node node, int pos, int[] units, BitSet usedPos, BitSet usedBase, int[] size) {
        int[] labels = new int[node.children.size() + (node.value >= 0 ? 1 : 0)];
        int k = 0;
        if (node.value >= 0) {
            labels[k++] = 0;
        }
        for (int l : node.children.keySet()) {
            labels[k++] = l;
        }
        int base = 1;
        while (!fits(base, labels, usedPos, usedBase)) {
            base++;
        }
        usedBase.set(base);
        for (int l : labels) {
            usedPos.set(base ^ l);
            size[0] = Math.max(size[0], (base ^ l) + 1);
        }
        int offset = pos ^ base;
        if (offset >= 1 << 21) {
            throw new IllegalStateException("offset too large for this test writer");
        }
        units[pos] |= offset << 10;
        if (node.value >= 0) {
            units[base] = node.value | 1 << 31;
        }
        for (Map.Entry<Integer, Node> c : node.children.entrySet()) {
            int at = base ^ c.getKey();
            units[at] = c.getKey() | (c.getValue().value >= 0 ? 1 << 8 : 0);
            place(c.getValue(), at, units, usedPos, usedBase, size);
        }
    }

    private static boolean fits(int base, int[] labels, BitSet usedPos, BitSet usedBase) {
        if (usedBase.get(base)) {
            return false;
        }
        for (int l : labels) {
            if (usedPos.get(base ^ l)) {
                return false;
            }
        }
        return true;
    }

    /** The blob of {@link #bytes()} with its trie size field set to {@code trieBytes}. */
    public static byte[] withTrieSize(byte[] blob, int trieBytes) {
        byte[] b = Arrays.copyOf(blob, blob.length);
        ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).putInt(0, trieBytes);
        return b;
    }
}
