package dev.kindling.inference.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The attention kernels give their scalar twins' bits, for head sizes and position counts around the vector width. */
class AttentionKernelsTest {
    @ParameterizedTest
    @CsvSource({"64,16", "64,32", "128,16", "8,16", "80,16", "6,7", "2,5", "96,48", "1,16", "3,1"})
    void vectorKernelsEqualScalarTwins(int hd, int blockSize) {
        Random r = new Random(hd * 31 + blockSize);
        int kvHeads = 2;
        int kvDim = kvHeads * hd;
        float[] kt = new float[kvDim * blockSize + 3];
        float[] v = new float[blockSize * kvDim + 3];
        float[] q = new float[hd + 5];
        for (float[] a : new float[][] {kt, v, q}) {
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) r.nextGaussian();
            }
        }
        for (int head = 0; head < kvHeads; head++) {
            for (int first = 0; first < blockSize; first += Math.max(1, blockSize / 3)) {
                int n = blockSize - first;
                int kOff = 1 + head * hd * blockSize + first;
                float[] scores = new float[n + 2];
                AttentionKernels.scores(q, 3, kt, kOff, blockSize, hd, n, scores, 2);
                for (int j = 0; j < n; j++) {
                    float expect = AttentionKernels.scoreScalar(q, 3, kt, kOff + j, blockSize, hd);
                    assertEquals(Float.floatToIntBits(expect), Float.floatToIntBits(scores[2 + j]),
                            "score hd=" + hd + " position " + (first + j));
                    float plain = 0f; // and it is the dot product
                    for (int d = 0; d < hd; d++) {
                        plain += q[3 + d] * kt[kOff + j + d * blockSize];
                    }
                    assertEquals(plain, scores[2 + j], 1e-4f * (1 + Math.abs(plain)));
                }
                float[] out = new float[hd + 4];
                float[] expect = new float[hd + 4];
                for (int d = 0; d < hd; d++) {
                    out[1 + d] = expect[1 + d] = (float) r.nextGaussian();
                }
                int vOff = 2 + first * kvDim + head * hd;
                AttentionKernels.weightedSum(scores, 2, v, vOff, kvDim, hd, n, out, 1);
                AttentionKernels.weightedSumScalar(scores, 2, v, vOff, kvDim, 0, hd, n, expect, 1);
                for (int d = 0; d < hd + 4; d++) {
                    assertEquals(Float.floatToIntBits(expect[d]), Float.floatToIntBits(out[d]), "weighted sum hd=" + hd + " element " + d);
                }
            }
        }
    }

    @Test
    void softmaxIsThePlainOneWithThePolynomialExp() {
        Random r = new Random(11);
        for (int n : new int[] {1, 5, 16, 17, 33, 200}) {
            float[] a = new float[n + 2];
            for (int i = 0; i < a.length; i++) {
                a[i] = (float) (r.nextGaussian() * 30);
            }
            float[] expect = a.clone();
            float max = Float.NEGATIVE_INFINITY;
            for (int i = 1; i <= n; i++) {
                max = Math.max(max, expect[i]);
            }
            float sum = 0f;
            for (int i = 1; i <= n; i++) {
                expect[i] = ScalarKernels.exp(expect[i] - max);
                sum += expect[i];
            }
            float inv = 1f / sum;
            double total = 0;
            for (int i = 1; i <= n; i++) {
                expect[i] *= inv;
                total += expect[i];
            }
            AttentionKernels.softmax(a, 1, n);
            for (int i = 0; i < a.length; i++) {
                assertEquals(Float.floatToIntBits(expect[i]), Float.floatToIntBits(a[i]), "n=" + n + " element " + i);
            }
            assertEquals(1.0, total, 1e-5);
        }
    }
}
