package dev.kindling.tokenizer.normalize;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.Map;

/**
 * SentencePiece's character map ({@code normalizer_spec.precompiled_charsmap} of a {@code tokenizer.model}, the
 * {@code Precompiled} normalizer of a {@code tokenizer.json}): rules that rewrite a UTF-8 byte sequence into a string,
 * as {@code spm_train} compiles them from {@code nmt_nfkc}, {@code nfkc_cf} or a TSV of rules. The blob is a uint32
 * little-endian size in bytes of a darts-clone double-array trie, that trie (uint32 little-endian units), then the
 * rules' outputs, each ended by a NUL; a key's value is the byte offset of its output.
 *
 * <p>{@link #parse} walks every node once (darts-clone shares equal subtrees, so the trie is a graph; a node is the
 * xor base of its children): every output a key can reach must lie inside the blob, end with a NUL and be UTF-8, so a
 * corrupt or cut blob is refused when it is read, never met halfway through a text. Lookups treat a position outside
 * the array as no match, as that walk did.
 */
public final class PrecompiledCharsMap {
    private final int[] units;
    /** Output by its byte offset among the outputs (the trie's values). */
    private final Map<Integer, String> outputs;

    private PrecompiledCharsMap(int[] units, Map<Integer, String> outputs) {
        this.units = units;
        this.outputs = outputs;
    }

    /** Thrown for a blob that is not a character map; the message says what is wrong, the caller names the field. */
    public static final class Corrupt extends IllegalArgumentException {
        Corrupt(String message) {
            super(message);
        }
    }

    public static PrecompiledCharsMap parse(byte[] blob) {
        if (blob.length <= 4) {
            throw new Corrupt(blob.length + " bytes: too short for the 4-byte trie size and a trie");
        }
        long trieBytes = (blob[0] & 0xFFL) | (blob[1] & 0xFFL) << 8 | (blob[2] & 0xFFL) << 16 | (blob[3] & 0xFFL) << 24;
        if (trieBytes == 0 || trieBytes % 4 != 0 || trieBytes > blob.length - 4) {
            throw new Corrupt("the trie size " + trieBytes + " is not a whole number of 4-byte units within the "
                    + (blob.length - 4) + " bytes after it (the blob is cut short or not a character map)");
        }
        int n = (int) (trieBytes / 4);
        int[] units = new int[n];
        ByteBuffer.wrap(blob, 4, n * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN).asIntBuffer().get(units);
        int textStart = 4 + n * 4;
        Map<Integer, String> outputs = new HashMap<>();
        BitSet seen = new BitSet(n); // a base at or past n has no children inside the array: never pushed twice either
        ArrayDeque<Integer> bases = new ArrayDeque<>();
        bases.push(offset(units[0]));
        while (!bases.isEmpty()) {
            int base = bases.pop();
            for (int label = 1; label < 256; label++) {
                int child = base ^ label;
                if (child >= n || label(units[child]) != label) {
                    continue;
                }
                int next = child ^ offset(units[child]);
                if (hasLeaf(units[child])) {
                    if (next >= n) {
                        throw new Corrupt("a rule's value unit " + next + " is outside the trie's " + n + " units");
                    }
                    int at = value(units[next]);
                    if (!outputs.containsKey(at)) {
                        outputs.put(at, output(blob, textStart, at));
                    }
                }
                if (next < n && !seen.get(next)) {
                    seen.set(next);
                    bases.push(next);
                }
            }
        }
        return new PrecompiledCharsMap(units, outputs);
    }

    private static String output(byte[] blob, int textStart, int at) {
        int from = textStart + at;
        int end = from;
        while (end < blob.length && blob[end] != 0) {
            end++;
        }
        if (from >= blob.length || end == blob.length) {
            throw new Corrupt("a rule's output at offset " + at + " of the " + (blob.length - textStart)
                    + " bytes of outputs " + (from >= blob.length ? "is past their end" : "has no terminating NUL")
                    + " (the blob is cut short)");
        }
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(blob, from, end - from)).toString();
        } catch (CharacterCodingException e) {
            throw new Corrupt("a rule's output at offset " + at + " is not valid UTF-8");
        }
    }

    private static boolean hasLeaf(int unit) {
        return ((unit >>> 8) & 1) == 1;
    }

    private static int value(int unit) {
        return unit & 0x7FFFFFFF;
    }

    /** The label of an edge unit; a value unit's has bit 31 set, so it never equals a byte. */
    private static int label(int unit) {
        return unit & 0x800000FF;
    }

    private static int offset(int unit) {
        return (unit >>> 10) << ((unit & (1 << 9)) >>> 6);
    }

    /**
     * The longest key that {@code b[from, to)} starts with, as sentencepiece's {@code NormalizePrefix} takes it:
     * {@code (length << 32) | value}, or -1 when none does. A NUL byte ends the search (no key holds one).
     */
    public long longestPrefix(byte[] b, int from, int to) {
        return prefix(b, from, to, false);
    }

    /** The shortest such key, as Hugging Face's {@code Precompiled::transform} takes the first match; -1 when none. */
    public long shortestPrefix(byte[] b, int from, int to) {
        return prefix(b, from, to, true);
    }

    private long prefix(byte[] b, int from, int to, boolean first) {
        int n = units.length;
        int node = offset(units[0]);
        long found = -1;
        for (int i = from; i < to; i++) {
            int c = b[i] & 0xFF;
            if (c == 0) {
                break;
            }
            node ^= c;
            if (node >= n || label(units[node]) != c) {
                break;
            }
            int unit = units[node];
            node ^= offset(unit);
            if (hasLeaf(unit) && node < n) {
                found = ((long) (i + 1 - from) << 32) | value(units[node]);
                if (first) {
                    break;
                }
            }
        }
        return found;
    }

    /** The output of a match that {@link #longestPrefix} or {@link #shortestPrefix} returned. */
    public String output(long match) {
        return outputs.get((int) match);
    }

    /** The length in bytes of the key of such a match. */
    public static int keyLength(long match) {
        return (int) (match >>> 32);
    }
}
