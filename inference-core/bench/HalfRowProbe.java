import jdk.incubator.vector.*;
import java.nio.*;
import java.nio.channels.FileChannel;
import java.nio.file.*;
/**
 * How fast one thread widens F16 rows to floats, by where the halves come from (a probe for the
 * "weights mapped in place vs copied to the heap" entry of docs/cpu-inference-log.md, not part of the build):
 * mode 0 = bulk copy of a row out of the mapped file, then the vector conversion of the copy (what
 * mapped F16 tensors do); 1 = conversion straight from a heap {@code short[]} (what
 * {@code -Dkindling.weights=heap} does); 2 = the bulk copy alone; 3 = conversion straight from the
 * mapping with {@code fromByteBuffer} (JDK 17-19 only); 4 = {@code System.arraycopy} of a row out
 * of a heap copy, then the conversion. Prints GB/s of halves per thread-CPU second for the last 3 of 12 passes.
 * {@code -Danon=true} first copies the rows into anonymous direct memory ({@code allocateDirect}, with
 * {@code -XX:MaxDirectMemorySize=4g}), to tell the file mapping from the buffer path.
 *
 * <pre>
 * javac --add-modules jdk.incubator.vector -d /tmp/probe inference-core/bench/HalfRowProbe.java
 * java --add-modules jdk.incubator.vector -Xmx6g -Dmb=1536 -cp /tmp/probe HalfRowProbe MODEL.gguf MODE
 * </pre>
 */
public class HalfRowProbe {
    static final VectorSpecies<Short> S = ShortVector.SPECIES_256;
    static final VectorSpecies<Integer> I = IntVector.SPECIES_512;
    static final VectorSpecies<Float> F = FloatVector.SPECIES_512;
    static void conv(short[] h0, int o, float[] dst, int n) {
        for (int i = 0; i < n; i += 16) {
            IntVector h = (IntVector) ShortVector.fromArray(S, h0, o + i).castShape(I, 0);
            IntVector em = h.and(0x7FFF);
            IntVector shifted = em.lanewise(VectorOperators.LSHL, 13);
            IntVector bits = shifted.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts();
            bits = bits.blend(shifted.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00));
            bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(dst, i);
        }
    }
    public static void main(String[] a) throws Exception {
        int n = 2048; long bytes = Long.getLong("mb", 512L) << 20; int rows = (int) (bytes / (2 * n));
        int mode = Integer.parseInt(a[1]);
        try (FileChannel ch = FileChannel.open(Path.of(a[0]))) {
            ByteBuffer mb = ch.map(FileChannel.MapMode.READ_ONLY, 1 << 20, bytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            if (Boolean.getBoolean("anon")) { // the same bytes in anonymous direct memory: is it the file mapping or the buffer path?
                ByteBuffer d = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.LITTLE_ENDIAN);
                d.put(mb.duplicate());
                d.clear();
                mb = d.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            }
            ShortBuffer sb = mb.asShortBuffer();
            short[] heap = mode == 1 || mode == 4 ? new short[rows * n] : null; 
            if (heap != null) sb.get(0, heap, 0, rows * n);
            short[] tmp = new short[n]; float[] row = new float[n];
            var mx = java.lang.management.ManagementFactory.getThreadMXBean();
            double sink = 0;
            for (int r = 0; r < 12; r++) {
                long c0 = mx.getCurrentThreadCpuTime();
                for (int k = 0; k < rows; k++) {
                    if (mode == 0) { sb.get(k * n, tmp, 0, n); conv(tmp, 0, row, n); }
                    else if (mode == 1) conv(heap, k * n, row, n);
                    else if (mode == 4) { System.arraycopy(heap, k * n, tmp, 0, n); conv(tmp, 0, row, n); }
                    else if (mode == 2) { sb.get(k * n, tmp, 0, n); }
                    else if (mode == 3) { for (int i = 0; i < n; i += 16) { IntVector h = (IntVector) ShortVector.fromByteBuffer(S, mb, (k * n + i) * 2, ByteOrder.LITTLE_ENDIAN).castShape(I, 0); IntVector em = h.and(0x7FFF); IntVector sh = em.lanewise(VectorOperators.LSHL, 13); IntVector bits = sh.reinterpretAsFloats().mul(0x1p112f).reinterpretAsInts(); bits = bits.blend(sh.or(0x7F800000), em.compare(VectorOperators.GE, 0x7C00)); bits.or(h.and(0x8000).lanewise(VectorOperators.LSHL, 16)).reinterpretAsFloats().intoArray(row, i); } }
                    sink += row[k & 2047];
                }
                double s = (mx.getCurrentThreadCpuTime() - c0) / 1e9;
                if (r >= 9) System.out.printf("mode %d GB/s %.1f%n", mode, bytes / s / 1e9);
            }
            System.out.println(sink);
        }
    }
}
