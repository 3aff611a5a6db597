import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.ActivationFormat;
import dev.kindling.inference.tensor.*;
import java.nio.*;
import java.util.Random;

/**
 * The many-token Q8_0/Q4_0 product alone ({@code Q8BlockTensor.multiplyPanel} over every panel, one
 * thread, random weights and inputs): GMAC/s per thread-CPU second, one line per repetition. A probe
 * for docs/cpu-inference-log.md (what bounds prefill and batched decode), not part of the build.
 * {@code -Dkindling.simd.int16.tiles=false} compares Q4_0's float tile with its int16 one.
 *
 * <pre>
 * javac --add-modules jdk.incubator.vector -cp CLASSPATH -d /tmp/probe inference-core/bench/PrefillProbe.java
 * java --add-modules jdk.incubator.vector -cp CLASSPATH:/tmp/probe PrefillProbe Q4_0 2048 2048 64 60
 *     (type, rows, cols, tokens, repetitions; CLASSPATH as in compare-llamacpp.sh)
 * </pre>
 */
public class PrefillProbe {
    public static void main(String[] a) {
        GgmlType type = GgmlType.valueOf(a[0]);
        int rows = Integer.parseInt(a[1]), cols = Integer.parseInt(a[2]), nt = Integer.parseInt(a[3]);
        int reps = Integer.parseInt(a[4]);
        Random r = new Random(1);
        long rowBytes = type == GgmlType.Q4_0 ? cols / 32 * 18L : cols / 32 * 34L;
        ByteBuffer all = ByteBuffer.allocate((int) (rowBytes * rows)).order(ByteOrder.LITTLE_ENDIAN);
        r.nextBytes(all.array());
        for (long p = 0; p < rowBytes * rows; p += (type == GgmlType.Q4_0 ? 18 : 34)) all.putShort((int) p, (short) 0x2000);
        Tensor t = Tensors.read("w", type, rows, cols, (first, count) -> all.duplicate().position((int) (first * rowBytes)).limit((int) ((first + count) * rowBytes)).slice());
        Q8BlockTensor w = (Q8BlockTensor) t;
        float[] x = new float[nt * cols];
        for (int i = 0; i < x.length; i++) x[i] = (float) r.nextGaussian();
        int st = cols; float[] xq = new float[nt * st], dx = new float[nt * cols / 32], xs = new float[nt * cols / 32];
        for (int tk = 0; tk < nt; tk++) ActivationFormat.quantizeQ8_0(x, tk * cols, cols, xq, tk * st, dx, xs, tk * cols / 32);
        short[] xq16 = new short[nt * cols]; Q8BlockTensor.toInt16(xq, 0, nt * cols, xq16);
        float[] out = new float[nt * rows];
        Q8BlockTensor.Scratch s = new Q8BlockTensor.Scratch();
        var mx = java.lang.management.ManagementFactory.getThreadMXBean();
        for (int rep = 0; rep < reps; rep++) {
            long c0 = mx.getCurrentThreadCpuTime();
            for (int p = 0; p < w.panels(); p++) w.multiplyPanel(p, xq, xq16, dx, xs, null, nt, out, rows, 0, s);
            double sec = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
            System.out.printf("%s %dx%d tokens %d: %.1f GMAC/s per CPU-s%n", type, rows, cols, nt, (double) rows * cols * nt / sec / 1e9);
        }
        System.out.println(out[7]);
    }
}
