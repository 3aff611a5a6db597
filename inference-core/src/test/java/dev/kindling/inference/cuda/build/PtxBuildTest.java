package dev.kindling.inference.cuda.build;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The build check's logic, with a stand-in for nvcc; and the committed PTX against the real sources. */
class PtxBuildTest {
    @TempDir
    Path module;

    /** "Compiles" by echoing the source with a PTX 9.0 header and a hint pragma; counts calls. */
    static final class FakeNvcc implements PtxBuild.Toolchain {
        String version;
        int compiles;
        String extra = "";
        String reject;

        FakeNvcc(String version) {
            this.version = version;
        }

        @Override
        public Optional<String> nvccVersion() {
            return Optional.ofNullable(version);
        }

        @Override
        public String compile(Path cu, String target) throws IOException {
            compiles++;
            return "//\n.version 9.0\n.target " + target.replace("compute_", "sm_") + "\n\t.pragma \"used_bytes_mask 4095\";\n"
                    + "// " + Files.readString(cu).strip() + extra + "\n";
        }

        @Override
        public String validate(String ptx, String target) {
            return reject;
        }
    }

    PtxBuild build(FakeNvcc nvcc) throws IOException {
        Files.createDirectories(module.resolve("src/main/cuda"));
        return new PtxBuild(module, nvcc);
    }

    void source(String name, String text) throws IOException {
        Files.writeString(module.resolve("src/main/cuda").resolve(name), text);
    }

    @Test
    void writeLowersTheIsaAndCheckAcceptsItsOwnOutput() throws IOException {
        FakeNvcc nvcc = new FakeNvcc("13.0.88");
        PtxBuild b = build(nvcc);
        source("a.cu", "kernel a");
        source("common.cuh", "shared");
        assertEquals(2, b.write().size());
        String ptx = Files.readString(PtxBuild.ptxName(b.outDir(), "a.cu", "sm_90"));
        assertTrue(ptx.startsWith("// kindling-ptx source=a.cu target=sm_90 sha256="), ptx);
        assertTrue(ptx.contains("\n.version 8.0\n") && !ptx.contains("used_bytes_mask"), ptx);
        PtxBuild.Result r = b.check();
        assertTrue(r.ok(), r.toString());
        assertTrue(r.notes().get(0).contains("matches"), r.toString());
        int compiled = nvcc.compiles;
        assertTrue(b.check().notes().get(0).contains("up to date"));
        assertEquals(compiled, nvcc.compiles, "the stamp skips re-compiling");
    }

    @Test
    void editedSourcesOrHeadersAndMissingFilesFail() throws IOException {
        FakeNvcc nvcc = new FakeNvcc("13.0.88");
        PtxBuild b = build(nvcc);
        source("a.cu", "kernel a");
        source("common.cuh", "shared");
        b.write();
        source("common.cuh", "shared, edited");
        PtxBuild.Result r = b.check();
        assertFalse(r.ok());
        assertTrue(r.failures().get(0).contains("was generated from other sources") && r.failures().get(0).contains("--write"),
                r.toString());
        source("common.cuh", "shared");
        assertTrue(b.check().ok());
        source("b.cu", "kernel b");
        r = b.check();
        assertFalse(r.ok());
        assertTrue(r.failures().get(0).contains("b.sm_90.ptx is missing"), r.toString());
    }

    @Test
    void withoutNvccOnlyHashesAreChecked() throws IOException {
        FakeNvcc nvcc = new FakeNvcc("13.0.88");
        PtxBuild b = build(nvcc);
        source("a.cu", "kernel a");
        b.write();
        nvcc.version = null;
        PtxBuild.Result r = b.check();
        assertTrue(r.ok());
        assertTrue(r.notes().get(0).startsWith("nvcc not found"), r.toString());
        assertThrows(IOException.class, b::write, "writing needs nvcc");
    }

    @Test
    void differentOutputFailsButAnotherNvccVersionIsOnlyASyntaxCheck() throws IOException {
        FakeNvcc nvcc = new FakeNvcc("13.0.88");
        PtxBuild b = build(nvcc);
        source("a.cu", "kernel a");
        b.write();
        nvcc.extra = " (the compiler changed its mind)";
        PtxBuild.Result r = b.check();
        assertFalse(r.ok());
        assertTrue(r.failures().get(0).contains("differs from the committed file"), r.toString());
        nvcc.version = "12.9.41";
        r = b.check();
        assertTrue(r.ok(), r.toString());
        assertTrue(r.notes().get(0).contains("syntax check"), r.toString());
        nvcc.reject = "ptxas: Feature requires PTX ISA .version 8.3";
        Files.delete(b.stamp()); // (the stamp remembers the last good check of these sources and this nvcc)
        r = b.check();
        assertFalse(r.ok());
        assertTrue(r.failures().get(0).contains("does not assemble"), r.toString());
    }

    @Test
    void theCommittedPtxComesFromTheCurrentSources() throws IOException {
        Path real = Path.of(System.getProperty("user.dir"));
        if (!Files.isDirectory(real.resolve("src/main/cuda"))) {
            real = real.resolve("inference-core");
        }
        FakeNvcc none = new FakeNvcc(null);
        PtxBuild.Result r = new PtxBuild(real, none).check();
        assertTrue(r.ok(), String.join("\n", r.failures()));
    }
}
