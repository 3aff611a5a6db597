import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The int16 tile step of {@code Q8BlockTensor.tile4Int16} in three shapes, alone: per column of a tile in
 * L1, 64 rows (two weight vectors) x 4 broadcast tokens (the kernel's shape), 128 rows (four weight vectors)
 * x 4 tokens, and 128 rows x 2 tokens; the int16 sums reduced once per 32-column block. Prints GMAC/s
 * per shape. A probe for docs/cpu-inference-log.md ("Two panels per tile"), not part of the build. The
 * shapes with more rows per broadcast run 1.4-1.55x faster here, but in the engine the same inner loops
 * differed by about 6% (dequantization and epilogues switched off), and a two-panel kernel was slower
 * overall: read this probe's ratios as an upper bound. Each shape is written out on purpose (a loop over
 * tokens or rows would not compile to the kernel's form), so the three methods repeat each other.
 *
 * <pre>
 * javac --add-modules jdk.incubator.vector -d /tmp/probe inference-core/bench/TileShapeProbe.java
 * java --add-modules jdk.incubator.vector -cp /tmp/probe TileShapeProbe
 * </pre>
 */
public class TileShapeProbe {
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;

    /** 64 rows x 4 tokens per column, as in the kernel. */
    static long rows64tokens4(short[] tile, short[] xq, int reps) {
        ShortVector z = ShortVector.zero(S);
        long sum = 0;
        for (int r = 0; r < reps; r++) {
            for (int b = 0; b < 4; b++) {
                ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
                int xb = b * 128, wb = b * 32 * 64;
                for (int i = 0; i < 32; i++) {
                    int w = wb + i * 64, xi = xb + 4 * i;
                    ShortVector w0 = ShortVector.fromArray(S, tile, w), w1 = ShortVector.fromArray(S, tile, w + 32);
                    ShortVector x = ShortVector.broadcast(S, xq[xi]);
                    p00 = w0.mul(x).add(p00);
                    p10 = w1.mul(x).add(p10);
                    x = ShortVector.broadcast(S, xq[xi + 1]);
                    p01 = w0.mul(x).add(p01);
                    p11 = w1.mul(x).add(p11);
                    x = ShortVector.broadcast(S, xq[xi + 2]);
                    p02 = w0.mul(x).add(p02);
                    p12 = w1.mul(x).add(p12);
                    x = ShortVector.broadcast(S, xq[xi + 3]);
                    p03 = w0.mul(x).add(p03);
                    p13 = w1.mul(x).add(p13);
                }
                sum += p00.add(p01).add(p02).add(p03).add(p10).add(p11).add(p12).add(p13).reduceLanes(VectorOperators.ADD);
            }
        }
        return sum;
    }

    /** 128 rows x 4 tokens per column: each broadcast serves four weight vectors. */
    static long rows128tokens4(short[] tile, short[] xq, int reps) {
        ShortVector z = ShortVector.zero(S);
        long sum = 0;
        for (int r = 0; r < reps; r++) {
            for (int b = 0; b < 4; b++) {
                ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
                ShortVector p20 = z, p21 = z, p22 = z, p23 = z, p30 = z, p31 = z, p32 = z, p33 = z;
                int xb = b * 128, wb = b * 32 * 128;
                for (int i = 0; i < 32; i++) {
                    int w = wb + i * 128, xi = xb + 4 * i;
                    ShortVector w0 = ShortVector.fromArray(S, tile, w), w1 = ShortVector.fromArray(S, tile, w + 32);
                    ShortVector w2 = ShortVector.fromArray(S, tile, w + 64), w3 = ShortVector.fromArray(S, tile, w + 96);
                    ShortVector x = ShortVector.broadcast(S, xq[xi]);
                    p00 = w0.mul(x).add(p00);
                    p10 = w1.mul(x).add(p10);
                    p20 = w2.mul(x).add(p20);
                    p30 = w3.mul(x).add(p30);
                    x = ShortVector.broadcast(S, xq[xi + 1]);
                    p01 = w0.mul(x).add(p01);
                    p11 = w1.mul(x).add(p11);
                    p21 = w2.mul(x).add(p21);
                    p31 = w3.mul(x).add(p31);
                    x = ShortVector.broadcast(S, xq[xi + 2]);
                    p02 = w0.mul(x).add(p02);
                    p12 = w1.mul(x).add(p12);
                    p22 = w2.mul(x).add(p22);
                    p32 = w3.mul(x).add(p32);
                    x = ShortVector.broadcast(S, xq[xi + 3]);
                    p03 = w0.mul(x).add(p03);
                    p13 = w1.mul(x).add(p13);
                    p23 = w2.mul(x).add(p23);
                    p33 = w3.mul(x).add(p33);
                }
                sum += p00.add(p01).add(p02).add(p03).add(p10).add(p11).add(p12).add(p13).reduceLanes(VectorOperators.ADD);
                sum += p20.add(p21).add(p22).add(p23).add(p30).add(p31).add(p32).add(p33).reduceLanes(VectorOperators.ADD);
            }
        }
        return sum;
    }

    /** 128 rows x 2 tokens per column (twice per block, for the same four tokens). */
    static long rows128tokens2(short[] tile, short[] xq, int reps) {
        ShortVector z = ShortVector.zero(S);
        long sum = 0;
        for (int r = 0; r < reps; r++) {
            for (int b = 0; b < 4; b++) {
                for (int tt = 0; tt < 4; tt += 2) {
                    ShortVector p00 = z, p01 = z, p10 = z, p11 = z, p20 = z, p21 = z, p30 = z, p31 = z;
                    int xb = b * 128 + tt, wb = b * 32 * 128;
                    for (int i = 0; i < 32; i++) {
                        int w = wb + i * 128, xi = xb + 4 * i;
                        ShortVector w0 = ShortVector.fromArray(S, tile, w), w1 = ShortVector.fromArray(S, tile, w + 32);
                        ShortVector w2 = ShortVector.fromArray(S, tile, w + 64), w3 = ShortVector.fromArray(S, tile, w + 96);
                        ShortVector x = ShortVector.broadcast(S, xq[xi]);
                        p00 = w0.mul(x).add(p00);
                        p10 = w1.mul(x).add(p10);
                        p20 = w2.mul(x).add(p20);
                        p30 = w3.mul(x).add(p30);
                        x = ShortVector.broadcast(S, xq[xi + 1]);
                        p01 = w0.mul(x).add(p01);
                        p11 = w1.mul(x).add(p11);
                        p21 = w2.mul(x).add(p21);
                        p31 = w3.mul(x).add(p31);
                    }
                    sum += p00.add(p01).add(p10).add(p11).reduceLanes(VectorOperators.ADD);
                    sum += p20.add(p21).add(p30).add(p31).reduceLanes(VectorOperators.ADD);
                }
            }
        }
        return sum;
    }

    public static void main(String[] args) {
        short[] tile = new short[128 * 128], xq = new short[4 * 128];
        for (int i = 0; i < tile.length; i++) {
            tile[i] = (short) ((i * 7) % 16 - 8); // 4-bit weights, as after dequantization
        }
        for (int i = 0; i < xq.length; i++) {
            xq[i] = (short) ((i * 13) % 255 - 127); // Q8_0 inputs
        }
        int reps = 200_000;
        double macs = 128.0 * 4 * 128 * reps / 2; // each shape does the same products: 128 columns x 256 or 512 row-tokens
        for (int round = 0; round < 8; round++) {
            long t = System.nanoTime();
            long check = rows64tokens4(tile, xq, reps);
            double a = macs / (System.nanoTime() - t);
            t = System.nanoTime();
            check += rows128tokens4(tile, xq, reps / 2);
            double b = macs / (System.nanoTime() - t);
            t = System.nanoTime();
            check += rows128tokens2(tile, xq, reps / 2);
            double c = macs / (System.nanoTime() - t);
            System.out.printf("GMAC/s: 64 rows x 4 tokens %.0f | 128 rows x 4 tokens %.0f | 128 rows x 2 tokens %.0f (check %d)%n",
                    a, b, c, check);
        }
    }
}
