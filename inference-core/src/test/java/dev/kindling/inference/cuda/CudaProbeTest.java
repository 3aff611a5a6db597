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
    void aDriverThatFailsIsToldApartFromNoDriverOrNoDevice() {
        // no libcuda: the common CPU machine; also the NoClassDefFoundError of a later use, whose cause holds the first error
        UnsatisfiedLinkError missing = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-x86_64\"\n"
                + "java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib\n"
                + "java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: "
                + "No such file or directory\n");
        assertEquals(CudaProbe.Unavailable.NO_DRIVER, CudaProbe.probe(new Fake(missing, 0)).unavailable());
        NoClassDefFoundError later = new NoClassDefFoundError("Could not initialize class jcuda.driver.JCudaDriver");
        later.initCause(new ExceptionInInitializerError("Exception " + missing + " [in thread \"main\"]"));
        assertEquals(CudaProbe.Unavailable.NO_DRIVER, CudaProbe.probe(new Fake(later, 0)).unavailable());
        // a platform this build has no JCuda library for
        UnsatisfiedLinkError noNative = new UnsatisfiedLinkError("Error while loading native library \"JCudaDriver-12.6.0-linux-aarch64\"\n"
                + "java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-aarch64 in java.library.path: /usr/lib\n"
                + "java.lang.UnsatisfiedLinkError: No resource found with name '/lib/libJCudaDriver-12.6.0-linux-aarch64.so'\n");
        assertEquals(CudaProbe.Unavailable.NO_DRIVER, CudaProbe.probe(new Fake(noNative, 0)).unavailable());
        assertEquals(CudaProbe.Unavailable.NO_DRIVER,
                CudaProbe.probe(new Fake(CUresult.CUDA_ERROR_STUB_LIBRARY, 0)).unavailable(), "only the toolkit's stub libcuda");
        assertEquals(CudaProbe.Unavailable.NO_DEVICE, CudaProbe.probe(new Fake(CUresult.CUDA_ERROR_NO_DEVICE, 0)).unavailable());
        assertEquals(CudaProbe.Unavailable.NO_DEVICE, CudaProbe.probe(new Fake(0, 0)).unavailable());

        // a driver that is there and fails: the GPU the user expects stays unused
        CudaProbe.Result mismatch = CudaProbe.probe(new Fake(CUresult.CUDA_ERROR_SYSTEM_DRIVER_MISMATCH, 0));
        assertEquals(CudaProbe.Unavailable.DRIVER_ERROR, mismatch.unavailable());
        assertEquals("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", mismatch.error());
        assertEquals(CudaProbe.Unavailable.DRIVER_ERROR, CudaProbe.probe(new Fake(35, 0)).unavailable(), "CUDA_ERROR_INSUFFICIENT_DRIVER");
        CudaProbe.Result oldDriver = CudaProbe.probe(new Fake(new UnsatisfiedLinkError("/tmp/libJCudaDriver-12.6.0-linux-x86_64.so: "
                + "undefined symbol: cuMemAllocAsync"), 0));
        assertEquals(CudaProbe.Unavailable.DRIVER_ERROR, oldDriver.unavailable());
        assertEquals("UnsatisfiedLinkError", oldDriver.error());
        CudaProbe.Result countFails = CudaProbe.probe(new CudaProbe.Driver() {
            @Override
            public int init() {
                return 0;
            }

            @Override
            public int deviceCount(int[] out) {
                return CUresult.CUDA_ERROR_UNKNOWN;
            }

            @Override
            public int driverVersion(int[] out) {
                return 0;
            }
        });
        assertEquals(CudaProbe.Unavailable.DRIVER_ERROR, countFails.unavailable());
        assertEquals("CUDA_ERROR_UNKNOWN", countFails.error());
        CudaProbe.Result ok = CudaProbe.probe(new Fake(0, 1));
        assertTrue(ok.available() && ok.unavailable() == null && ok.error() == null, ok.toString());
    }

    @Test
    void theRealProbeAnswersAndCaches() {
        CudaProbe.Result r = CudaProbe.get();
        assertSame(r, CudaProbe.get());
        if (!r.available()) {
            assertTrue(r.reason() != null && !r.reason().isBlank());
            assertTrue(r.unavailable() != null, r.toString());
            if (r.reason().contains("libcuda.so.1: cannot open shared object file")) {
                assertEquals(CudaProbe.Unavailable.NO_DRIVER, r.unavailable(), "JCuda's real message, read as no driver");
            }
        } else {
            assertTrue(r.devices() > 0);
        }
    }
}
