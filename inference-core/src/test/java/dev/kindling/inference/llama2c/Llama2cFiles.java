package dev.kindling.inference.llama2c;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helper: rewrites a legacy llama2.c checkpoint in the version-1 layout ({@code export.py --version 1}). */
final class Llama2cFiles {
    private Llama2cFiles() {}

    static Path toVersion1(Path legacy, Path out) throws IOException {
        ByteBuffer in = ByteBuffer.wrap(Files.readAllBytes(legacy)).order(ByteOrder.LITTLE_ENDIAN);
        int dim = in.getInt(0), hidden = in.getInt(4), layers = in.getInt(8), heads = in.getInt(12);
        int kvHeads = in.getInt(16), vocabRaw = in.getInt(20), seq = in.getInt(24);
        int vocab = Math.abs(vocabRaw);
        int kvDim = dim / heads * kvHeads;
        int p = 28;
        int embd = p; p += vocab * dim * 4;
        int att = p; p += layers * dim * 4;
        int wq = p; p += layers * dim * dim * 4;
        int wk = p; p += layers * dim * kvDim * 4;
        int wv = p; p += layers * dim * kvDim * 4;
        int wo = p; p += layers * dim * dim * 4;
        int ffn = p; p += layers * dim * 4;
        int w1 = p; p += layers * dim * hidden * 4;
        int w2 = p; p += layers * dim * hidden * 4;
        int w3 = p; p += layers * dim * hidden * 4;
        int fin = p;
        ByteBuffer o = ByteBuffer.allocate(in.capacity() + 1024).order(ByteOrder.LITTLE_ENDIAN);
        o.putInt(0x616b3432).putInt(1).putInt(dim).putInt(hidden).putInt(layers).putInt(heads).putInt(kvHeads)
                .putInt(vocab).putInt(seq).put((byte) (vocabRaw > 0 ? 1 : 0));
        o.position(256);
        copy(in, o, att, layers * dim * 4);
        copy(in, o, ffn, layers * dim * 4);
        copy(in, o, fin, dim * 4);
        copy(in, o, embd, vocab * dim * 4);
        copy(in, o, wq, layers * dim * dim * 4);
        copy(in, o, wk, layers * dim * kvDim * 4);
        copy(in, o, wv, layers * dim * kvDim * 4);
        copy(in, o, wo, layers * dim * dim * 4);
        copy(in, o, w1, layers * dim * hidden * 4);
        copy(in, o, w2, layers * dim * hidden * 4);
        copy(in, o, w3, layers * dim * hidden * 4);
        Files.write(out, java.util.Arrays.copyOf(o.array(), o.position()));
        return out;
    }

    private static void copy(ByteBuffer in, ByteBuffer out, int from, int bytes) {
        out.put(in.array(), from, bytes);
    }
}
