import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * What bounds the tiled products on this core: throughput of the 512-bit int16 multiply, int16 add and
 * float FMA (eight independent chains each, operands in registers), the int16 tile's inner step (8
 * multiplies, 8 adds, 4 broadcasts, as in {@code Q8BlockTensor.tile4Int16}), a mix of four multiplies
 * and four FMAs (if they used different pipes it would take half the time of eight of either), and
 * the plain {@code short[]} dot-product loops that C2's auto-vectorizer could turn into VNNI
 * ({@code MulAddS2I}), as a reduction and in the store-per-lane form. A probe for
 * docs/cpu-inference-log.md, not part of the build.
 *
 * <pre>
 * javac --add-modules jdk.incubator.vector -d /tmp/probe inference-core/bench/MultiplyPipesProbe.java
 * java --add-modules jdk.incubator.vector -cp /tmp/probe MultiplyPipesProbe
 * </pre>
 */
public class MultiplyPipesProbe {
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;

    /**
     * Eight independent chains of int16 multiplies ({@code multiply}) or adds. The choice is a boolean
     * that C2 hoists out of the loop; passing the operator itself ({@code lanewise(op, v)}) is not compiled
     * to the instruction (about 100x slower).
     */
    static long chains(short[] a, int n, boolean multiply) {
        ShortVector x = ShortVector.fromArray(S, a, 0), y = ShortVector.fromArray(S, a, 32);
        ShortVector p0 = x, p1 = y, p2 = x.add(y), p3 = x.sub(y), p4 = y.add(y), p5 = x.add(x), p6 = p2.add(x), p7 = p3.add(y);
        for (int i = 0; i < n; i++) {
            if (multiply) {
                p0 = p0.mul(x); p1 = p1.mul(x); p2 = p2.mul(x); p3 = p3.mul(x);
                p4 = p4.mul(y); p5 = p5.mul(y); p6 = p6.mul(y); p7 = p7.mul(y);
            } else {
                p0 = p0.add(x); p1 = p1.add(x); p2 = p2.add(x); p3 = p3.add(x);
                p4 = p4.add(y); p5 = p5.add(y); p6 = p6.add(y); p7 = p7.add(y);
            }
        }
        return p0.add(p1).add(p2).add(p3).add(p4).add(p5).add(p6).add(p7).reduceLanes(VectorOperators.ADD);
    }

    static float fma(float[] a, int n) {
        FloatVector x = FloatVector.fromArray(F, a, 0), y = FloatVector.fromArray(F, a, 16);
        FloatVector p0 = x, p1 = y, p2 = x.add(y), p3 = x.sub(y), p4 = y.add(y), p5 = x.add(x), p6 = p2.add(x), p7 = p3.add(y);
        for (int i = 0; i < n; i++) {
            p0 = p0.fma(x, y); p1 = p1.fma(x, y); p2 = p2.fma(x, y); p3 = p3.fma(x, y);
            p4 = p4.fma(y, x); p5 = p5.fma(y, x); p6 = p6.fma(y, x); p7 = p7.fma(y, x);
        }
        return p0.add(p1).add(p2).add(p3).add(p4).add(p5).add(p6).add(p7).reduceLanes(VectorOperators.ADD);
    }

    /** The int16 tile's inner step: two weight vectors, four broadcast inputs, 8 multiplies, 8 adds. */
    static long tileStep(short[] a, int n) {
        ShortVector w0 = ShortVector.fromArray(S, a, 0), w1 = ShortVector.fromArray(S, a, 32);
        ShortVector z = ShortVector.zero(S), p0 = z, p1 = z, p2 = z, p3 = z, p4 = z, p5 = z, p6 = z, p7 = z;
        for (int i = 0; i < n; i++) {
            int k = i & 63;
            ShortVector x = ShortVector.broadcast(S, a[k]);
            p0 = w0.mul(x).add(p0); p1 = w1.mul(x).add(p1);
            x = ShortVector.broadcast(S, a[k + 1]);
            p2 = w0.mul(x).add(p2); p3 = w1.mul(x).add(p3);
            x = ShortVector.broadcast(S, a[k + 2]);
            p4 = w0.mul(x).add(p4); p5 = w1.mul(x).add(p5);
            x = ShortVector.broadcast(S, a[k + 3]);
            p6 = w0.mul(x).add(p6); p7 = w1.mul(x).add(p7);
        }
        return p0.add(p1).add(p2).add(p3).add(p4).add(p5).add(p6).add(p7).reduceLanes(VectorOperators.ADD);
    }

    /** Four int16 multiply chains beside four FMA chains. */
    static float mixed(short[] a, float[] b, int n) {
        ShortVector x = ShortVector.fromArray(S, a, 0), y = ShortVector.fromArray(S, a, 32);
        ShortVector p0 = x, p1 = y, p2 = x.add(y), p3 = x.sub(y);
        FloatVector fx = FloatVector.fromArray(F, b, 0), fy = FloatVector.fromArray(F, b, 16);
        FloatVector q0 = fx, q1 = fy, q2 = fx.add(fy), q3 = fx.sub(fy);
        for (int i = 0; i < n; i++) {
            p0 = p0.mul(x); p1 = p1.mul(x); p2 = p2.mul(y); p3 = p3.mul(y);
            q0 = q0.fma(fx, fy); q1 = q1.fma(fx, fy); q2 = q2.fma(fy, fx); q3 = q3.fma(fy, fx);
        }
        return p0.add(p1).add(p2).add(p3).reduceLanes(VectorOperators.ADD) + q0.add(q1).add(q2).add(q3).reduceLanes(VectorOperators.ADD);
    }

    /** The pair-sum shape C2 matches as MulAddS2I, as a reduction. */
    static int dotReduction(short[] a, short[] b, int off, int n) {
        int s = 0;
        for (int i = 0; i < n; i++) {
            s += a[off + 2 * i] * b[2 * i] + a[off + 2 * i + 1] * b[2 * i + 1];
        }
        return s;
    }

    /** The same, one int per pair stored back (the form C2's own VNNI test uses). */
    static void dotPerLane(short[] a, short[] b, int[] out, int n) {
        for (int i = 0; i < n; i++) {
            out[i] += a[2 * i] * b[2 * i] + a[2 * i + 1] * b[2 * i + 1];
        }
    }

    public static void main(String[] args) {
        short[] a = new short[128];
        float[] b = new float[64];
        for (int i = 0; i < a.length; i++) a[i] = (short) (i * 7 + 1);
        for (int i = 0; i < b.length; i++) b[i] = 1f + i * 1e-7f;
        int k = 2048, rows = 64;
        short[] w = new short[rows * k], x = new short[k];
        int[] out = new int[k / 2];
        java.util.Random r = new java.util.Random(1);
        for (int i = 0; i < w.length; i++) w[i] = (short) (r.nextInt(16) - 8);
        for (int i = 0; i < k; i++) x[i] = (short) (r.nextInt(255) - 127);
        int n = 20_000_000;
        double sink = 0;
        for (int rep = 0; rep < 6; rep++) {
            long t0 = System.nanoTime(); sink += chains(a, n, true);
            long t1 = System.nanoTime(); sink += chains(a, n, false);
            long t2 = System.nanoTime(); sink += fma(b, n);
            long t3 = System.nanoTime(); sink += tileStep(a, n);
            long t4 = System.nanoTime(); sink += mixed(a, b, n);
            long t5 = System.nanoTime();
            for (int it = 0; it < 200; it++) for (int row = 0; row < rows; row++) sink += dotReduction(w, x, row * k, k / 2);
            long t6 = System.nanoTime();
            for (int it = 0; it < 200; it++) for (int row = 0; row < rows; row++) dotPerLane(w, x, out, k / 2);
            long t7 = System.nanoTime();
            double macs = 200.0 * rows * k;
            System.out.printf("ns per instruction: int16 mul %.3f, int16 add %.3f, float fma %.3f | tile step (256 products) %.3f ns"
                    + " = %.0f GMAC/s | 4 mul + 4 fma %.3f ns | short[] dot: reduction %.1f, per lane %.1f GMAC/s%s%n",
                    (t1 - t0) / (8.0 * n), (t2 - t1) / (8.0 * n), (t3 - t2) / (8.0 * n), (t4 - t3) / (double) n,
                    256.0 * n / (t4 - t3), (t5 - t4) / (double) n, macs / (t6 - t5), macs / (t7 - t6), sink == 0.5 ? " " : "");
        }
    }
}
