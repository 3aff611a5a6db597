package dev.kindling.tokenizer.spm;

import dev.kindling.formats.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads llama2.c's {@code tokenizer.bin} (written by its {@code tokenizer.py export}):
 * little-endian {@code int32 max_token_length}, then per token {@code float32 score},
 * {@code int32 length}, {@code length} bytes of UTF-8. The file does not store the vocabulary size
 * (run.c takes it from the checkpoint), so tokens are read to the end of the file. Conventions of
 * that format: id 0 = {@code <unk>}, 1 = BOS, 2 = EOS, ids 3..258 = {@code <0x00>..<0xFF>}, spaces
 * stored as plain spaces.
 */
public final class Llama2cTokenizerFile {
    private Llama2cTokenizerFile() {}

    /** Largest plausible max_token_length (run.c allocates buffers from it). */
    private static final int MAX_TOKEN_LENGTH_LIMIT = 1 << 16;

    /** True when the file parses as a tokenizer.bin (cheap check of the header and the first entries). */
    public static boolean looksLike(Path path) {
        try {
            long size = Files.size(path);
            if (size < 12) {
                return false;
            }
            byte[] head = new byte[(int) Math.min(size, 4096)];
            try (var in = Files.newInputStream(path)) {
                int r = in.readNBytes(head, 0, head.length);
                ByteBuffer b = ByteBuffer.wrap(head, 0, r).order(ByteOrder.LITTLE_ENDIAN);
                int max = b.getInt();
                if (max <= 0 || max > MAX_TOKEN_LENGTH_LIMIT) {
                    return false;
                }
                int seen = 0;
                while (b.remaining() >= 8 && seen < 8) {
                    float score = b.getFloat();
                    int len = b.getInt();
                    if (Float.isNaN(score) || len < 0 || len > max) {
                        return false;
                    }
                    if (b.remaining() < len) {
                        break;
                    }
                    b.position(b.position() + len);
                    seen++;
                }
                return seen > 0;
            }
        } catch (IOException e) {
            return false;
        }
    }

    public static SpmTokenizer read(Path path) {
        byte[] data = ModelFormatException.readAllBytes(path);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        if (b.remaining() < 4) {
            throw new ModelFormatException(path, "llama2.c tokenizer: file too short for max_token_length");
        }
        int max = b.getInt();
        if (max <= 0 || max > MAX_TOKEN_LENGTH_LIMIT) {
            throw new ModelFormatException(path, "llama2.c tokenizer: max_token_length " + max + " outside 1.." + MAX_TOKEN_LENGTH_LIMIT);
        }
        List<String> pieces = new ArrayList<>();
        List<Float> scores = new ArrayList<>();
        while (b.hasRemaining()) {
            int id = pieces.size();
            if (b.remaining() < 8) {
                throw new ModelFormatException(path, "llama2.c tokenizer: truncated header of token " + id + " at byte " + b.position());
            }
            float score = b.getFloat();
            int len = b.getInt();
            if (len < 0 || len > max) {
                throw new ModelFormatException(path, "llama2.c tokenizer: token " + id + " has length " + len
                        + ", expected 0.." + max + " (max_token_length)");
            }
            if (b.remaining() < len) {
                throw new ModelFormatException(path, "llama2.c tokenizer: token " + id + " (" + len + " bytes) runs past the end of the file");
            }
            byte[] s = new byte[len];
            b.get(s);
            pieces.add(new String(s, StandardCharsets.UTF_8));
            scores.add(score);
        }
        if (pieces.size() < 259) {
            throw new ModelFormatException(path, "llama2.c tokenizer: only " + pieces.size()
                    + " tokens; the format needs <unk>, BOS, EOS and 256 byte tokens");
        }
        float[] sc = new float[scores.size()];
        for (int i = 0; i < sc.length; i++) {
            sc[i] = scores.get(i);
        }
        String name = path.getFileName().toString();
        return new SpmTokenizer(new SpmTokenizer.Spec(name, SpmTokenizer.Algorithm.LLAMA2C,
                pieces.toArray(String[]::new), sc, null, 1, 2, 0, new int[] {2}, true, false, true, null, null, null));
    }
}
