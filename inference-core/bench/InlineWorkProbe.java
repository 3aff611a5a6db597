import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.MatMul;
import dev.kindling.inference.cpu.WorkerPool;
import dev.kindling.inference.tensor.Tensor;
import dev.kindling.inference.tensor.Tensors;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Random;

/**
 * Where a matrix product is worth handing to the workers ({@link WorkerPool#INLINE_WORK}): F32 products of ROWSxCOLS
 * weights with TOKENS tokens, on the calling thread alone (a one-thread pool) and split over a two-thread pool, in
 * alternating bursts of ~20 ms; prints per size the median wall microseconds and process CPU microseconds per product of
 * each (the two-thread pool splits every product, {@code new WorkerPool(2, 0)}):
 *
 * <pre>
 * bash inference-core/bench/inline-work-probe.sh [ROUNDS=7]
 * </pre>
 */
public class InlineWorkProbe {
    public static void main(String[] a) {
        int rounds = a.length > 0 ? Integer.parseInt(a[0]) : 7;
        int[][] sizes = {{64, 64, 1}, {172, 64, 1}, {256, 64, 1}, {256, 128, 1}, {512, 128, 1}, {512, 256, 1}, {1024, 256, 1},
                {1024, 512, 1}, {2048, 512, 1}, {64, 64, 16}, {172, 64, 16}, {256, 128, 16}, {512, 256, 16}};
        WorkerPool one = new WorkerPool(1);
        WorkerPool two = new WorkerPool(2, 0);
        System.out.println("rows cols tokens work inline_wall_us split_wall_us inline_cpu_us split_cpu_us");
        for (int[] sz : sizes) {
            int rows = sz[0], cols = sz[1], tokens = sz[2];
            Tensor w = random(rows, cols);
            float[] x = new float[tokens * cols];
            Random r = new Random(1);
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) r.nextGaussian();
            }
            float[] out = new float[tokens * rows];
            MatMul.Job job = new MatMul.Job(w, x, cols, out, rows, 0);
            double[][] m = new double[4][rounds];
            for (int k = 0; k < rounds + 1; k++) {
                double[] i1 = burst(one, job, tokens), i2 = burst(two, job, tokens);
                if (k > 0) {
                    m[0][k - 1] = i1[0];
                    m[1][k - 1] = i2[0];
                    m[2][k - 1] = i1[1];
                    m[3][k - 1] = i2[1];
                }
            }
            System.out.printf("%d %d %d %d %.2f %.2f %.2f %.2f%n", rows, cols, tokens, (long) rows * cols * tokens,
                    median(m[0]), median(m[1]), median(m[2]), median(m[3]));
        }
        two.close();
    }

    /** {wall us, process CPU us} per product over a burst of ~20 ms. */
    static double[] burst(WorkerPool pool, MatMul.Job job, int tokens) {
        MatMul.Scratch[] s = new MatMul.Scratch[pool.threads()];
        for (int i = 0; i < s.length; i++) {
            s[i] = new MatMul.Scratch(job.w().cols());
        }
        var os = (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        long cpu0 = os.getProcessCpuTime();
        long t0 = System.nanoTime();
        int n = 0;
        while (System.nanoTime() - t0 < 20_000_000L) {
            for (int i = 0; i < 50; i++) {
                MatMul.run(pool, s, tokens, job);
            }
            n += 50;
        }
        return new double[] {(System.nanoTime() - t0) / 1e3 / n, (os.getProcessCpuTime() - cpu0) / 1e3 / n};
    }

    static Tensor random(int rows, int cols) {
        byte[] data = new byte[rows * cols * 4];
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        Random r = new Random(7);
        for (int i = 0; i < data.length; i += 4) {
            b.putFloat(i, (float) r.nextGaussian());
        }
        long rowBytes = 4L * cols;
        return Tensors.read("probe", GgmlType.F32, rows, cols, (first, count) ->
                ByteBuffer.wrap(data, (int) (first * rowBytes), (int) (count * rowBytes)).slice().order(ByteOrder.LITTLE_ENDIAN));
    }

    static double median(double[] a) {
        double[] s = a.clone();
        Arrays.sort(s);
        return s[s.length / 2];
    }
}
