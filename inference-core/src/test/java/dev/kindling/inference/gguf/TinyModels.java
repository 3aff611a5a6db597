package dev.kindling.inference.gguf;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.formats.gguf.GgufTensorInfo;
import dev.kindling.formats.gguf.GgufValue;
import dev.kindling.formats.gguf.GgufWriter;
import dev.kindling.inference.cpu.ScalarKernels;
import dev.kindling.inference.tensor.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * Tiny random Llama GGUF files for the parity tests against llama.cpp.
 *
 * <p>F32, F16, Q8_0 and Q4_0 come straight from {@code shared/tools/ref/make_gguf.py}. The other
 * types (Q4_1, Q4_K, Q5_K, Q6_K, BF16) start from make_gguf.py's F32 file (same vocabulary; the
 * K-quants from a wider one, embedding 256 and FFN 512, since their blocks hold 256 values;
 * metadata and norms) whose 2-D matrices are replaced by random blocks of the type: random quants,
 * random sub-block scales/mins and f16 super-block scales chosen so each matrix keeps make_gguf.py's
 * spread (std ~ gain/sqrt(fan_in)) and a mean near 0. Deterministic for a seed.
 * {@link #dequantized} writes the F32 file holding exactly the values a type stands for, which the
 * independent Python forward pass ({@code ref_forward.py}) can read.
 *
 * <p>{@code main(dir)} writes all of them (used by {@code src/test/resources/llamacpp/regenerate.sh}).
 */
public final class TinyModels {
    public static final int SEED = 4242;
    /**
     * The types of the tiny models; {@code q4_k_m} mixes types as llama.cpp's Q4_K_M does: Q6_K for
     * {@code output.weight}, {@code attn_v} and {@code ffn_down} (Q4_K_M takes Q6_K for half of the latter two), Q4_K for
     * the other matrices, so one product group holds both types.
     */
    public static final List<String> TYPES = List.of("f32", "f16", "q8_0", "q4_0", "q4_1", "q4_k", "q5_k", "q6_k", "bf16", "q4_k_m");

    private TinyModels() {}

    /** Writes the tiny model of {@code type} into {@code dir} (make_gguf.py needs python3). */
    public static Path make(Path makeGguf, Path dir, String type) throws IOException, InterruptedException {
        Path out = dir.resolve("tiny-" + type + ".gguf");
        if (Files.exists(out)) {
            return out;
        }
        boolean native4 = List.of("f32", "f16", "q8_0", "q4_0").contains(type);
        // K-quants need rows of 256 values: their base model is wider (embedding 256, FFN 512)
        boolean wide = type.contains("_k");
        Path base = native4 ? out : dir.resolve(wide ? "tiny256-f32.gguf" : "tiny-f32.gguf");
        if (!Files.exists(base)) {
            List<String> args = new ArrayList<>(List.of("--type", native4 ? type : "f32", "--seed", Integer.toString(SEED)));
            if (wide) {
                args.addAll(List.of("--n-embd", "256", "--n-ff", "512", "--n-head", "4", "--n-head-kv", "2"));
            }
            runMakeGguf(makeGguf, base, args);
        }
        if (!native4) {
            rewrite(base, type, out);
        }
        return out;
    }

    /** Runs make_gguf.py with {@code args}, writing {@code out}. */
    static void runMakeGguf(Path makeGguf, Path out, List<String> args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("python3", makeGguf.toString(), "--out", out.toString()));
        cmd.addAll(args);
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String log = new String(p.getInputStream().readAllBytes());
        if (p.waitFor() != 0) {
            throw new IOException("make_gguf.py failed: " + log);
        }
    }

    /**
     * {@link #rewrite(Path, GgmlType, Path)} for a type name, where {@code q4_k_m} is the mix of {@link #TYPES} and
     * {@code q5_k_m} the same mix with Q5_K in place of Q4_K (for the benchmarks only).
     */
    static void rewrite(Path f32, String type, Path out) throws IOException {
        if (type.equals("q4_k_m") || type.equals("q5_k_m")) {
            GgmlType rest = type.equals("q4_k_m") ? GgmlType.Q4_K : GgmlType.Q5_K;
            rewrite(f32, name -> name.equals("output.weight") || name.endsWith("attn_v.weight") || name.endsWith("ffn_down.weight")
                    ? GgmlType.Q6_K : rest, 31L * SEED + 1000, out);
        } else {
            rewrite(f32, GgmlType.valueOf(type.toUpperCase(java.util.Locale.ROOT)), out);
        }
    }

    /** Copies {@code f32} with every 2-D matrix replaced by random blocks of {@code type}. */
    static void rewrite(Path f32, GgmlType type, Path out) throws IOException {
        rewrite(f32, name -> type, SEED * 31L + type.id, out);
    }

    /** Copies {@code f32} with each 2-D matrix replaced by random blocks of the type {@code typeOf} gives for its name. */
    static void rewrite(Path f32, java.util.function.Function<String, GgmlType> typeOf, long seed, Path out) throws IOException {
        Random r = new Random(seed);
        try (GgufFile in = GgufFile.open(f32)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().entrySet()) {
                w.put(e.getKey(), e.getKey().equals("general.file_type") ? new GgufValue(e.getValue().type(), null, 0L) : e.getValue());
            }
            for (GgufTensorInfo t : in.tensorList()) {
                byte[] bytes = new byte[(int) t.byteSize()];
                in.map(t).get(bytes);
                if (t.dims().length == 2) {
                    int cols = (int) t.dim(0);
                    double gain = t.name().equals("output.weight") ? 3.0 : 1.0;
                    double std = t.name().equals("token_embd.weight") ? 1.0 : gain / Math.sqrt(cols);
                    GgmlType type = typeOf.apply(t.name());
                    w.tensor(t.name(), type, t.dims(), randomBlocks(type, (int) t.rows() * cols, std, r));
                } else {
                    w.tensor(t.name(), t.type(), t.dims(), bytes);
                }
            }
            w.write(out);
        }
    }

    /** Writes the F32 GGUF holding the exact values of {@code model}'s tensors (as this engine decodes them). */
    public static Path dequantized(Path model, Path out) throws IOException {
        try (GgufFile in = GgufFile.open(model)) {
            GgufWriter w = new GgufWriter();
            for (Map.Entry<String, GgufValue> e : in.metadata().entrySet()) {
                w.put(e.getKey(), e.getValue());
            }
            for (GgufTensorInfo t : in.tensorList()) {
                Tensor tensor = GgufModelLoader.readTensor(in, t);
                float[] v = new float[tensor.rows() * tensor.cols()];
                for (int row = 0; row < tensor.rows(); row++) {
                    tensor.dequantizeRowScalar(row, v, row * tensor.cols());
                }
                w.tensorF32(t.name(), t.dims(), v);
            }
            w.write(out);
        }
        return out;
    }

    static byte[] randomBlocks(GgmlType type, int n, double std, Random r) {
        ByteBuffer b = ByteBuffer.allocate((int) type.byteSize(n)).order(ByteOrder.LITTLE_ENDIAN);
        int blocks = n / type.blockSize;
        switch (type) {
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    b.putShort((short) (Float.floatToIntBits((float) (r.nextGaussian() * std)) >>> 16));
                }
            }
            case Q4_1 -> {
                for (int i = 0; i < blocks; i++) {
                    float d = (float) (std / 4.61 * (0.75 + 0.5 * r.nextDouble()));
                    short dh = ScalarKernels.floatToHalf(d);
                    b.putShort(dh).putShort(ScalarKernels.floatToHalf(-7.5f * ScalarKernels.halfToFloat(dh)));
                    for (int j = 0; j < 16; j++) {
                        b.put((byte) r.nextInt(256));
                    }
                }
            }
            case Q4_K, Q5_K -> {
                boolean five = type == GgmlType.Q5_K;
                double qMean = five ? 15.5 : 7.5;
                double qStd = five ? 9.23 : 4.61;
                int scLo = five ? 16 : 32, scHi = five ? 32 : 63;
                for (int i = 0; i < blocks; i++) {
                    int[] sc = new int[8], m = new int[8];
                    for (int j = 0; j < 8; j++) {
                        sc[j] = scLo + r.nextInt(scHi - scLo + 1);
                        m[j] = (int) Math.round(sc[j] * qMean / 8);
                    }
                    float d = (float) (std / (qStd * (scLo + scHi) / 2.0));
                    b.putShort(ScalarKernels.floatToHalf(d)).putShort(ScalarKernels.floatToHalf(8 * d));
                    byte[] packed = new byte[12];
                    for (int j = 0; j < 4; j++) {
                        packed[j] = (byte) (sc[j] | ((sc[j + 4] >> 4) << 6));
                        packed[j + 4] = (byte) (m[j] | ((m[j + 4] >> 4) << 6));
                        packed[j + 8] = (byte) ((sc[j + 4] & 0xF) | ((m[j + 4] & 0xF) << 4));
                    }
                    b.put(packed);
                    int rest = five ? 32 + 128 : 128;
                    for (int j = 0; j < rest; j++) {
                        b.put((byte) r.nextInt(256));
                    }
                }
            }
            case Q6_K -> {
                for (int i = 0; i < blocks; i++) {
                    for (int j = 0; j < 192; j++) {
                        b.put((byte) r.nextInt(256));
                    }
                    for (int j = 0; j < 16; j++) {
                        int s = 16 + r.nextInt(49);
                        b.put((byte) s);
                    }
                    b.putShort(ScalarKernels.floatToHalf((float) (std / (18.5 * 40))));
                }
            }
            default -> throw new IllegalArgumentException("no random writer for " + type);
        }
        return b.array();
    }

    /**
     * {@code DIR MAKE_GGUF}: writes every tiny model of {@link #TYPES} and its dequantized F32 twin into {@code DIR};
     * {@code rewrite F32 TYPE OUT}: rewrites an F32 GGUF (e.g. make_gguf.py's {@code --preset llama1b}) into random
     * blocks of {@code TYPE} ({@code q4_k}, {@code q6_k}, ..., or the {@code q4_k_m} or {@code q5_k_m} mix), for the benchmarks.
     */
    public static void main(String[] args) throws Exception {
        if (args.length == 4 && args[0].equals("rewrite")) {
            rewrite(Path.of(args[1]), args[2], Path.of(args[3]));
            return;
        }
        Path dir = Path.of(args[0]);
        Path makeGguf = Path.of(args[1]);
        Files.createDirectories(dir);
        List<Path> made = new ArrayList<>();
        for (String t : TYPES) {
            Path m = make(makeGguf, dir, t);
            made.add(m);
            dequantized(m, dir.resolve("tiny-" + t + ".dequant.gguf"));
        }
        System.out.println(made);
    }
}
