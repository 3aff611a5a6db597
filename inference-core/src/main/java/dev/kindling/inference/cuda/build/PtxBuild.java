package dev.kindling.inference.cuda.build;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Builds and checks the committed PTX of {@code src/main/cuda/*.cu}.
 *
 * <p>The kernels are compiled on a developer machine with {@code nvcc} and the PTX is committed
 * under {@code src/main/resources/dev/kindling/inference/cuda/<name>.<target>.ptx}, so neither the
 * build nor a GPU machine needs the CUDA toolkit. Each file starts with a line naming its source's
 * SHA-256 (the {@code .cu} and every {@code .cuh}), the target and the nvcc version. The normal
 * build runs {@code --check} (exec-maven-plugin, phase process-classes):
 * <ol>
 *   <li>always: every PTX exists and was generated from the current sources (hash), else the
 *       build fails and says to run {@code --write};</li>
 *   <li>when nvcc is on the PATH (or in {@code $CUDA_HOME/bin}): the sources are compiled again;
 *       with the nvcc version that made the committed PTX the output must be byte-identical, with
 *       another version the compile is only a syntax check (a message says so). A stamp in
 *       {@code target/} skips this while nothing changed.</li>
 * </ol>
 * Without nvcc (CI) the check says so and only compares hashes.
 *
 * <p>After nvcc, the PTX is lowered to ISA {@value #ISA} (CUDA 12.0) when nvcc wrote a newer
 * {@code .version} (13.0 writes 9.0, which only CUDA 13 drivers can JIT), dropping nvcc's
 * {@code used_bytes_mask} hint pragmas; {@code ptxas} then proves the lowered text assembles for
 * its target, so the kernels load on any driver from R525 on.
 *
 * <pre>
 *   java -cp inference-core/target/classes dev.kindling.inference.cuda.build.PtxBuild --write inference-core
 * </pre>
 */
public final class PtxBuild {
    /** PTX ISA the committed files declare. */
    public static final String ISA = "8.0";
    /** Targets: resource suffix and nvcc architecture (ptxas validates sm_90 / sm_80). */
    public static final List<String> TARGETS = List.of("sm_90", "compute_80");
    static final List<String> FLAGS = List.of("-ptx", "-O3", "-std=c++17", "-fmad=false");
    static final String HEADER = "// kindling-ptx ";
    private static final Pattern HEADER_FIELDS = Pattern.compile(
            "// kindling-ptx source=(\\S+) target=(\\S+) sha256=([0-9a-f]{64}) nvcc=(\\S+) isa=(\\S+)");

    /** What compiles CUDA here (nvcc, ptxas); replaced in tests. */
    public interface Toolchain {
        /** The nvcc version (e.g. {@code 13.0.88}), empty when nvcc is not installed. */
        Optional<String> nvccVersion();

        /** PTX text of {@code cu} for {@code target} (nvcc -arch=target plus {@link #FLAGS}). */
        String compile(Path cu, String target) throws IOException;

        /** Null when ptxas accepts {@code ptx} for {@code target} (or ptxas is absent), else its error. */
        String validate(String ptx, String target) throws IOException;
    }

    /** Outcome of {@link #check}: failures (the build fails) and notes (printed). */
    public record Result(List<String> failures, List<String> notes) {
        public boolean ok() {
            return failures.isEmpty();
        }
    }

    private final Path module;
    private final Toolchain tools;

    public PtxBuild(Path module, Toolchain tools) {
        this.module = module;
        this.tools = tools;
    }

    Path cudaDir() {
        return module.resolve("src/main/cuda");
    }

    Path outDir() {
        return module.resolve("src/main/resources/dev/kindling/inference/cuda");
    }

    Path stamp() {
        return module.resolve("target/ptx-check.stamp");
    }

    public static Path ptxName(Path outDir, String source, String target) {
        return outDir.resolve(source.replaceAll("\\.cu$", "") + "." + target + ".ptx");
    }

    List<Path> sources() throws IOException {
        try (Stream<Path> s = Files.list(cudaDir())) {
            return s.filter(p -> p.toString().endsWith(".cu")).sorted().toList();
        }
    }

    /** SHA-256 over the source, every header of the folder, the flags and the target. */
    String sourceHash(Path cu, String target) throws IOException {
        MessageDigest md;
        try {
            md = MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
        List<Path> files = new ArrayList<>();
        files.add(cu);
        try (Stream<Path> s = Files.list(cudaDir())) {
            s.filter(p -> p.toString().endsWith(".cuh")).sorted().forEach(files::add);
        }
        for (Path f : files) {
            md.update((f.getFileName() + "\n").getBytes(StandardCharsets.UTF_8));
            md.update(Files.readString(f).replace("\r\n", "\n").getBytes(StandardCharsets.UTF_8));
        }
        md.update((String.join(" ", FLAGS) + " -arch=" + target + " isa=" + ISA).getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }

    /** nvcc's PTX lowered to {@link #ISA} (see the class comment), with the header line. */
    String finish(String ptx, Path cu, String target, String nvcc) {
        String body = ptx.replace("\r\n", "\n")
                .replaceAll("(?m)^\\.version \\d+\\.\\d+$", ".version " + ISA)
                .replaceAll("(?m)^\\s*\\.pragma \"used_bytes_mask \\d+\";\\n", "");
        try {
            return HEADER + "source=" + cu.getFileName() + " target=" + target + " sha256=" + sourceHash(cu, target)
                    + " nvcc=" + nvcc + " isa=" + ISA + "\n" + body;
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Compiles every source for every target and writes the PTX files. */
    public List<Path> write() throws IOException {
        String nvcc = tools.nvccVersion().orElseThrow(() -> new IOException(
                "nvcc is not on the PATH (nor in $CUDA_HOME/bin): install the CUDA toolkit to regenerate the PTX"));
        Files.createDirectories(outDir());
        List<Path> written = new ArrayList<>();
        for (Path cu : sources()) {
            for (String target : TARGETS) {
                String ptx = finish(tools.compile(cu, target), cu, target, nvcc);
                String err = tools.validate(ptx, target);
                if (err != null) {
                    throw new IOException(cu.getFileName() + " for " + target + ": the PTX lowered to ISA " + ISA
                            + " does not assemble (a newer PTX feature is used):\n" + err);
                }
                Path out = ptxName(outDir(), cu.getFileName().toString(), target);
                Files.writeString(out, ptx);
                written.add(out);
            }
        }
        return written;
    }

    /** The build check (see the class comment). */
    public Result check() throws IOException {
        List<String> failures = new ArrayList<>();
        List<String> notes = new ArrayList<>();
        String regen = "regenerate with: java -cp inference-core/target/classes dev.kindling.inference.cuda.build.PtxBuild --write inference-core";
        StringBuilder key = new StringBuilder();
        List<String[]> committed = new ArrayList<>(); // {source, target, committed text, recorded nvcc}
        for (Path cu : sources()) {
            for (String target : TARGETS) {
                Path f = ptxName(outDir(), cu.getFileName().toString(), target);
                if (!Files.isRegularFile(f)) {
                    failures.add(module.relativize(f) + " is missing; " + regen);
                    continue;
                }
                String text = Files.readString(f);
                String first = text.lines().findFirst().orElse("");
                Matcher m = HEADER_FIELDS.matcher(first);
                String hash = sourceHash(cu, target);
                if (!m.matches()) {
                    failures.add(module.relativize(f) + " has no kindling-ptx header line; " + regen);
                    continue;
                }
                if (!m.group(3).equals(hash)) {
                    failures.add(module.relativize(f) + " was generated from other sources than the current "
                            + cu.getFileName() + " and headers; " + regen);
                    continue;
                }
                committed.add(new String[] {cu.toString(), target, text, m.group(4)});
                key.append(hash).append(Integer.toHexString(text.hashCode())).append('\n');
            }
        }
        if (!failures.isEmpty()) {
            return new Result(failures, notes);
        }
        Optional<String> nvcc = tools.nvccVersion();
        if (nvcc.isEmpty()) {
            notes.add("nvcc not found: the committed PTX was checked against the source hashes only (not re-compiled)");
            return new Result(failures, notes);
        }
        key.append(nvcc.get());
        if (Files.isRegularFile(stamp()) && Files.readString(stamp()).equals(key.toString())) {
            notes.add("PTX up to date (nvcc " + nvcc.get() + ", unchanged since the last check)");
            return new Result(failures, notes);
        }
        for (String[] c : committed) {
            Path cu = Path.of(c[0]);
            String fresh = finish(tools.compile(cu, c[1]), cu, c[1], nvcc.get());
            String err = tools.validate(fresh, c[1]);
            if (err != null) {
                failures.add(cu.getFileName() + " for " + c[1] + ": the lowered PTX does not assemble:\n" + err);
            } else if (!nvcc.get().equals(c[3])) {
                notes.add(cu.getFileName() + " (" + c[1] + "): compiled with nvcc " + nvcc.get() + " as a syntax check; the "
                        + "committed PTX was made by nvcc " + c[3] + ", so it is not compared byte for byte");
            } else if (!fresh.equals(c[2])) {
                failures.add(cu.getFileName() + " (" + c[1] + "): nvcc " + nvcc.get()
                        + " produces PTX that differs from the committed file; " + regen);
            }
        }
        if (failures.isEmpty()) {
            Files.createDirectories(stamp().getParent());
            Files.writeString(stamp(), key.toString());
            notes.add("PTX re-compiled with nvcc " + nvcc.get() + " and matches the committed files");
        }
        return new Result(failures, notes);
    }

    /** nvcc and ptxas found on the PATH or under {@code $CUDA_HOME/bin}. */
    public static final class Nvcc implements Toolchain {
        private final Optional<Path> nvcc;
        private final Optional<Path> ptxas;
        private final Path cudaDir;

        public Nvcc(Path cudaDir) {
            this.cudaDir = cudaDir;
            this.nvcc = find("nvcc");
            this.ptxas = find("ptxas");
        }

        static Optional<Path> find(String tool) {
            List<String> dirs = new ArrayList<>();
            String home = System.getenv("CUDA_HOME");
            if (home != null) {
                dirs.add(home + "/bin");
            }
            String path = System.getenv("PATH");
            if (path != null) {
                dirs.addAll(List.of(path.split(java.io.File.pathSeparator)));
            }
            for (String d : dirs) {
                Path p = Path.of(d, tool);
                if (Files.isExecutable(p)) {
                    return Optional.of(p);
                }
            }
            return Optional.empty();
        }

        @Override
        public Optional<String> nvccVersion() {
            if (nvcc.isEmpty()) {
                return Optional.empty();
            }
            try {
                String out = run(List.of(nvcc.get().toString(), "--version"), cudaDir);
                Matcher m = Pattern.compile("V(\\d+\\.\\d+\\.\\d+)").matcher(out);
                return m.find() ? Optional.of(m.group(1)) : Optional.of("unknown");
            } catch (IOException e) {
                return Optional.empty();
            }
        }

        @Override
        public String compile(Path cu, String target) throws IOException {
            Path out = Files.createTempFile("kindling-", ".ptx");
            try {
                List<String> cmd = new ArrayList<>(List.of(nvcc.orElseThrow().toString(), "-arch=" + target));
                cmd.addAll(FLAGS);
                cmd.addAll(List.of("-o", out.toString(), cu.getFileName().toString()));
                run(cmd, cu.getParent());
                return Files.readString(out);
            } finally {
                Files.deleteIfExists(out);
            }
        }

        @Override
        public String validate(String ptx, String target) throws IOException {
            if (ptxas.isEmpty()) {
                return null;
            }
            Path in = Files.createTempFile("kindling-", ".ptx");
            Path out = Files.createTempFile("kindling-", ".cubin");
            try {
                Files.writeString(in, ptx);
                String arch = target.replace("compute_", "sm_");
                run(List.of(ptxas.get().toString(), "-arch=" + arch, in.toString(), "-o", out.toString()), in.getParent());
                return null;
            } catch (IOException e) {
                return e.getMessage();
            } finally {
                Files.deleteIfExists(in);
                Files.deleteIfExists(out);
            }
        }

        private static String run(List<String> cmd, Path dir) throws IOException {
            Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            try (InputStream in = p.getInputStream()) {
                in.transferTo(buf);
            }
            try {
                if (!p.waitFor(600, TimeUnit.SECONDS)) {
                    p.destroyForcibly();
                    throw new IOException(String.join(" ", cmd) + ": timed out");
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted", e);
            }
            String out = buf.toString(StandardCharsets.UTF_8);
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "):\n" + out);
            }
            return out;
        }
    }

    /** {@code --check DIR} (the build) or {@code --write DIR} (a developer with nvcc). */
    public static void main(String[] args) throws IOException {
        if (args.length != 2 || !(args[0].equals("--check") || args[0].equals("--write"))) {
            System.err.println("usage: PtxBuild --check|--write <inference-core directory>");
            System.exit(2);
        }
        Path module = Path.of(args[1]).toAbsolutePath();
        PtxBuild b = new PtxBuild(module, new Nvcc(module.resolve("src/main/cuda")));
        if (args[0].equals("--write")) {
            for (Path p : b.write()) {
                System.out.println("wrote " + module.relativize(p));
            }
            return;
        }
        Result r = b.check();
        r.notes().forEach(n -> System.out.println("[ptx] " + n));
        if (!r.ok()) {
            String msg = "PTX check failed:\n  " + String.join("\n  ", r.failures());
            // thrown (not System.exit) so exec:java fails the build with this message
            throw new IllegalStateException(msg);
        }
    }
}
