package dev.kindling.inference.cuda;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import jcuda.driver.CUresult;
import org.junit.jupiter.api.Test;

/** The availability probe: every way CUDA can be missing gives a reason, never a crash. */
class CudaProbeTest {
    record Fake(Object result, int count) implements CudaProbe.Driver {
        @Override
        public int init() {
            if (result instanceof LinkageError e) {
                throw e;
            }
            return (Integer) result;
        }

        @Override
        public int deviceCount(int[] out) {
            out[0] = count;
            return 0;
        }

        @Override
        public int driverVersion(int[] out) {
            out[0] = 12040;
            return 0;
        }
    }

    @Test
    void noDriverLibraryIsAReason() {
        UnsatisfiedLinkError cause = new UnsatisfiedLinkError("libcuda.so.1: cannot open shared object file");
        UnsatisfiedLinkError e = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"");
        e.initCause(cause);
        CudaProbe.Result r = CudaProbe.probe(new Fake(e, 0));
        assertFalse(r.available());
        assertTrue(r.reason().contains("libcuda.so.1") && r.reason().contains("cannot open shared object file"), r.reason());
        CudaProbe.Result later = CudaProbe.probe(new Fake(new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver"), 0));
        assertFalse(later.available());
        assertTrue(later.reason().contains("NoClassDefFoundError"), later.reason());
    }

    @Test
    void jcudasMultiLineMessageIsReducedToTheLibcudaLine() {
        String msg = "Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\nOperating system name: Linux\n"
                + "Stack trace from the attempt to load the library as a resource:\njava.lang.UnsatisfiedLinkError: "
                + "/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory\n";
        CudaProbe.Result r = CudaProbe.probe(new Fake(new UnsatisfiedLinkError(msg), 0));
        assertTrue(r.reason().endsWith("libcuda.so.1: cannot open shared object file: No such file or directory"), r.reason());
    }

    @Test
    void initErrorsAndNoDevicesAreReasons() {
        CudaProbe.Result r = CudaProbe.probe(new Fake(CUresult.CUDA_ERROR_NO_DEVICE, 0));
        assertFalse(r.available());
        assertTrue(r.reason().contains("CUDA_ERROR_NO_DEVICE") && r.reason().contains("CUDA_VISIBLE_DEVICES"), r.reason());
        CudaProbe.Result none = CudaProbe.probe(new Fake(0, 0));
        assertFalse(none.available());
        assertTrue(none.reason().contains("no CUDA device"), none.reason());
        CudaProbe.Result two = CudaProbe.probe(new Fake(0, 2));
        assertTrue(two.available());
        assertEquals(2, two.devices());
        assertEquals("12.4", CudaProbe.version(two.driverVersion()));
    }

    @Test
    void theRealProbeAnswersAndCaches() {
        CudaProbe.Result r = CudaProbe.get();
        assertSame(r, CudaProbe.get());
        if (!r.available()) {
            assertTrue(r.reason() != null && !r.reason().isBlank());
        } else {
            assertTrue(r.devices() > 0);
        }
    }
}
