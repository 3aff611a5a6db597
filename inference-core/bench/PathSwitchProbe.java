package dev.kindling.inference.bench;

import dev.kindling.formats.gguf.GgmlType;
import dev.kindling.inference.cpu.MatMul;
import dev.kindling.inference.cpu.WorkerPool;
import dev.kindling.inference.tensor.Tensor;

/**
 * What a change of product path costs once C2 has compiled {@code Q8BlockTensor.multiplyPanel} for the other: 16-token
 * products of a random 4096 x 2048 matrix on two threads for 8 s, fifty more timed (steady), one 1-token product
 * (the decode path's first call), then six times fifty 16-token products, timed per fifty. A probe for
 * docs/cpu-inference-log.md, not part of the build:
 * <pre>
 * source inference-core/bench/engine-classpath.sh
 * javac --add-modules jdk.incubator.vector -cp "$CP" -d /tmp/probe inference-core/bench/PathSwitchProbe.java
 * java $JVM_FLAGS -cp "/tmp/probe:$CP" dev.kindling.inference.bench.PathSwitchProbe Q8_0
 * </pre>
 */
public class PathSwitchProbe {
    public static void main(String[] args) {
        GgmlType type = GgmlType.valueOf(args[0]);
        int cols = 2048;
        int rows = 4096;
        Tensor w = KernelBench.randomTensor(type, rows, cols, 2);
        try (WorkerPool pool = new WorkerPool(2, 0)) {
            MatMul.Scratch[] scratch = {new MatMul.Scratch(cols), new MatMul.Scratch(cols)};
            float[] x = new float[16 * cols];
            for (int i = 0; i < x.length; i++) {
                x[i] = (float) Math.sin(i);
            }
            MatMul.Job job = new MatMul.Job(w, x, cols, new float[16 * rows], rows, 0);
            long end = System.nanoTime() + 8_000_000_000L;
            while (System.nanoTime() < end) {
                MatMul.run(pool, scratch, 16, job);
            }
            double steady = msPerProduct(pool, scratch, job);
            long s = System.nanoTime();
            MatMul.run(pool, scratch, 1, job);
            double first = (System.nanoTime() - s) / 1e6;
            StringBuilder after = new StringBuilder();
            for (int k = 0; k < 6; k++) {
                after.append(String.format(" %.2f", msPerProduct(pool, scratch, job)));
            }
            System.out.printf("%s: steady 16-token product %.2f ms | first 1-token product %.1f ms | the next 16-token products,"
                    + " ms each, by fifties:%s%n", type, steady, first, after);
        }
    }

    private static double msPerProduct(WorkerPool pool, MatMul.Scratch[] scratch, MatMul.Job job) {
        long s = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            MatMul.run(pool, scratch, 16, job);
        }
        return (System.nanoTime() - s) / 50e6;
    }
}
