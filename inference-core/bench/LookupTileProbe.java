import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Could a table lookup stand in for the int16 multiply of the 4-bit tiles? Q4_0 weights take only 16
 * values, so {@code w * x} for one input {@code x} is one of 16 int16 values: with a table of them per
 * input, {@code vpermw} (the Vector API's {@code selectFrom} on 512-bit shorts) gives 32 products per
 * instruction, as {@code vpmullw} does. If the two ran on different pipes, a tile that multiplies half its
 * rows and looks up the other half would outrun both. Three kernels over one L1-resident 32-column block
 * (64 rows, 8 tokens, the shape of {@code Q8BlockTensor.tile8Int16}): multiplies, lookups, half and half.
 * A probe for docs/cpu-inference-log.md, not part of the build.
 *
 * <pre>
 * javac --add-modules jdk.incubator.vector -d /tmp/probe inference-core/bench/LookupTileProbe.java
 * java --add-modules jdk.incubator.vector -cp /tmp/probe LookupTileProbe
 * </pre>
 */
public class LookupTileProbe {
    static final VectorSpecies<Short> S = ShortVector.SPECIES_512;

    /** {@code w}: 32 columns x 64 rows of int16 weights; {@code x}: 32 columns x 8 tokens of int16 inputs. */
    static long mulTile(short[] w, short[] x, int reps) {
        long sink = 0;
        for (int r = 0; r < reps; r++) {
            ShortVector z = ShortVector.zero(S);
            ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            ShortVector p04 = z, p05 = z, p06 = z, p07 = z, p14 = z, p15 = z, p16 = z, p17 = z;
            for (int i = 0; i < 32; i++) {
                ShortVector w0 = ShortVector.fromArray(S, w, i * 64), w1 = ShortVector.fromArray(S, w, i * 64 + 32);
                int xi = i * 8;
                ShortVector v = ShortVector.broadcast(S, x[xi]); p00 = w0.mul(v).add(p00); p10 = w1.mul(v).add(p10);
                v = ShortVector.broadcast(S, x[xi + 1]); p01 = w0.mul(v).add(p01); p11 = w1.mul(v).add(p11);
                v = ShortVector.broadcast(S, x[xi + 2]); p02 = w0.mul(v).add(p02); p12 = w1.mul(v).add(p12);
                v = ShortVector.broadcast(S, x[xi + 3]); p03 = w0.mul(v).add(p03); p13 = w1.mul(v).add(p13);
                v = ShortVector.broadcast(S, x[xi + 4]); p04 = w0.mul(v).add(p04); p14 = w1.mul(v).add(p14);
                v = ShortVector.broadcast(S, x[xi + 5]); p05 = w0.mul(v).add(p05); p15 = w1.mul(v).add(p15);
                v = ShortVector.broadcast(S, x[xi + 6]); p06 = w0.mul(v).add(p06); p16 = w1.mul(v).add(p16);
                v = ShortVector.broadcast(S, x[xi + 7]); p07 = w0.mul(v).add(p07); p17 = w1.mul(v).add(p17);
            }
            sink += p00.add(p01).add(p02).add(p03).add(p04).add(p05).add(p06).add(p07)
                .add(p10).add(p11).add(p12).add(p13).add(p14).add(p15).add(p16).add(p17).reduceLanes(VectorOperators.ADD);
        }
        return sink;
    }

    /** {@code idx}: the weights as {@code w + 8} (0..15); {@code tab}: per column and token the 16 products {@code (i - 8) * x}, twice. */
    static long permTile(short[] idx, short[] tab, int reps) {
        long sink = 0;
        for (int r = 0; r < reps; r++) {
            ShortVector z = ShortVector.zero(S);
            ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            ShortVector p04 = z, p05 = z, p06 = z, p07 = z, p14 = z, p15 = z, p16 = z, p17 = z;
            for (int i = 0; i < 32; i++) {
                ShortVector w0 = ShortVector.fromArray(S, idx, i * 64), w1 = ShortVector.fromArray(S, idx, i * 64 + 32);
                int ti = i * 256;
                ShortVector t = ShortVector.fromArray(S, tab, ti); p00 = w0.selectFrom(t).add(p00); p10 = w1.selectFrom(t).add(p10);
                t = ShortVector.fromArray(S, tab, ti + 32); p01 = w0.selectFrom(t).add(p01); p11 = w1.selectFrom(t).add(p11);
                t = ShortVector.fromArray(S, tab, ti + 64); p02 = w0.selectFrom(t).add(p02); p12 = w1.selectFrom(t).add(p12);
                t = ShortVector.fromArray(S, tab, ti + 96); p03 = w0.selectFrom(t).add(p03); p13 = w1.selectFrom(t).add(p13);
                t = ShortVector.fromArray(S, tab, ti + 128); p04 = w0.selectFrom(t).add(p04); p14 = w1.selectFrom(t).add(p14);
                t = ShortVector.fromArray(S, tab, ti + 160); p05 = w0.selectFrom(t).add(p05); p15 = w1.selectFrom(t).add(p15);
                t = ShortVector.fromArray(S, tab, ti + 192); p06 = w0.selectFrom(t).add(p06); p16 = w1.selectFrom(t).add(p16);
                t = ShortVector.fromArray(S, tab, ti + 224); p07 = w0.selectFrom(t).add(p07); p17 = w1.selectFrom(t).add(p17);
            }
            sink += p00.add(p01).add(p02).add(p03).add(p04).add(p05).add(p06).add(p07)
                .add(p10).add(p11).add(p12).add(p13).add(p14).add(p15).add(p16).add(p17).reduceLanes(VectorOperators.ADD);
        }
        return sink;
    }

    /** Rows 0-31 by multiplies, rows 32-63 by lookups. */
    static long mixedTile(short[] w, short[] x, short[] idx, short[] tab, int reps) {
        long sink = 0;
        for (int r = 0; r < reps; r++) {
            ShortVector z = ShortVector.zero(S);
            ShortVector p00 = z, p01 = z, p02 = z, p03 = z, p10 = z, p11 = z, p12 = z, p13 = z;
            ShortVector p04 = z, p05 = z, p06 = z, p07 = z, p14 = z, p15 = z, p16 = z, p17 = z;
            for (int i = 0; i < 32; i++) {
                ShortVector w0 = ShortVector.fromArray(S, w, i * 64), w1 = ShortVector.fromArray(S, idx, i * 64 + 32);
                int xi = i * 8, ti = i * 256;
                ShortVector v = ShortVector.broadcast(S, x[xi]); p00 = w0.mul(v).add(p00);
                ShortVector t = ShortVector.fromArray(S, tab, ti); p10 = w1.selectFrom(t).add(p10);
                v = ShortVector.broadcast(S, x[xi + 1]); p01 = w0.mul(v).add(p01);
                t = ShortVector.fromArray(S, tab, ti + 32); p11 = w1.selectFrom(t).add(p11);
                v = ShortVector.broadcast(S, x[xi + 2]); p02 = w0.mul(v).add(p02);
                t = ShortVector.fromArray(S, tab, ti + 64); p12 = w1.selectFrom(t).add(p12);
                v = ShortVector.broadcast(S, x[xi + 3]); p03 = w0.mul(v).add(p03);
                t = ShortVector.fromArray(S, tab, ti + 96); p13 = w1.selectFrom(t).add(p13);
                v = ShortVector.broadcast(S, x[xi + 4]); p04 = w0.mul(v).add(p04);
                t = ShortVector.fromArray(S, tab, ti + 128); p14 = w1.selectFrom(t).add(p14);
                v = ShortVector.broadcast(S, x[xi + 5]); p05 = w0.mul(v).add(p05);
                t = ShortVector.fromArray(S, tab, ti + 160); p15 = w1.selectFrom(t).add(p15);
                v = ShortVector.broadcast(S, x[xi + 6]); p06 = w0.mul(v).add(p06);
                t = ShortVector.fromArray(S, tab, ti + 192); p16 = w1.selectFrom(t).add(p16);
                v = ShortVector.broadcast(S, x[xi + 7]); p07 = w0.mul(v).add(p07);
                t = ShortVector.fromArray(S, tab, ti + 224); p17 = w1.selectFrom(t).add(p17);
            }
            sink += p00.add(p01).add(p02).add(p03).add(p04).add(p05).add(p06).add(p07)
                .add(p10).add(p11).add(p12).add(p13).add(p14).add(p15).add(p16).add(p17).reduceLanes(VectorOperators.ADD);
        }
        return sink;
    }

    public static void main(String[] args) {
        short[] w = new short[32 * 64], x = new short[32 * 8], idx = new short[32 * 64], tab = new short[32 * 256];
        java.util.Random rnd = new java.util.Random(1);
        for (int i = 0; i < w.length; i++) { idx[i] = (short) rnd.nextInt(16); w[i] = (short) (idx[i] - 8); }
        for (int i = 0; i < x.length; i++) x[i] = (short) (rnd.nextInt(255) - 127);
        for (int c = 0; c < 32; c++) for (int t = 0; t < 8; t++) for (int j = 0; j < 32; j++)
            tab[c * 256 + t * 32 + j] = (short) (((j & 15) - 8) * x[c * 8 + t]);
        System.out.println("check " + mulTile(w, x, 1) + " " + permTile(idx, tab, 1) + " " + mixedTile(w, x, idx, tab, 1));
        int reps = 2_000_000;
        for (int rep = 0; rep < 6; rep++) {
            long t0 = System.nanoTime(); long a = mulTile(w, x, reps); long t1 = System.nanoTime();
            long b = permTile(idx, tab, reps); long t2 = System.nanoTime();
            long c = mixedTile(w, x, idx, tab, reps); long t3 = System.nanoTime();
            double macs = 32.0 * 64 * 8 * reps;
            System.out.printf("mul tile %.1f GMAC/s   perm tile %.1f GMAC/s  mixed %.1f (%d %d %d)%n", macs / (t1 - t0), macs / (t2 - t1), macs / (t3 - t2), a, b, c);
        }
    }
}
