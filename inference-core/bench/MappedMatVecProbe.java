import dev.kindling.formats.gguf.GgufFile;
import dev.kindling.inference.cpu.MatMul;
import dev.kindling.inference.cpu.WorkerPool;
import dev.kindling.inference.gguf.GgufModelLoader;
import dev.kindling.inference.model.Model;
import dev.kindling.inference.tensor.Tensor;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;

/** One thread, decode-shaped products (1..3 tokens) over every FFN matrix of a GGUF model: GB/s of weights per thread-CPU second (`java --add-modules jdk.incubator.vector -cp CLASSES MappedMatVecProbe M.gguf 1`). */
public class MappedMatVecProbe {
    public static void main(String[] a) throws Exception {
        Model m;
        try (GgufFile f = GgufFile.open(Path.of(a[0]))) { m = GgufModelLoader.load(f); }
        int tokens = Integer.parseInt(a[1]);
        var mx = ManagementFactory.getThreadMXBean();
        try (WorkerPool pool = new WorkerPool(1)) {
            int maxCols = 0;
            for (var l : m.weights().layers()) maxCols = Math.max(maxCols, Math.max(l.wGate().cols(), l.wDown().cols()));
            MatMul.Scratch[] s = {new MatMul.Scratch(maxCols)};
            for (int rep = 0; rep < 6; rep++) {
                long bytes = 0;
                long c0 = mx.getCurrentThreadCpuTime(), w0 = System.nanoTime();
                for (var l : m.weights().layers()) {
                    for (Tensor w : new Tensor[] {l.wGate(), l.wUp(), l.wDown()}) {
                        float[] x = new float[tokens * w.cols()];
                        java.util.Arrays.fill(x, 0.5f);
                        float[] out = new float[tokens * w.rows()];
                        MatMul.run(pool, s, tokens, new MatMul.Job(w, x, out));
                        bytes += w.storedBytes();
                    }
                }
                long c1 = mx.getCurrentThreadCpuTime(), w1 = System.nanoTime();
                System.out.printf("%s tokens=%d: %.2f GB/s per CPU-s, %.2f GB/s wall%n", m.weights().layers()[0].wGate().type(), tokens,
                        bytes / (double) (c1 - c0), bytes / (double) (w1 - w0));
            }
        }
    }
}
