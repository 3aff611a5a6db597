package dev.kindling.notebooks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code notebooks/install-kernel.sh} with its default classpath (the launcher's), run by bash on a copy of it and of
 * the {@code kindling} launcher in a small fake checkout: a fake Maven that writes the files a build leaves, writing
 * the shaded jar in place as the shade plugin does, and a fake java.
 */
class InstallKernelScriptTest {
    @TempDir
    Path tmp;

    /**
     * A notebook kernel is a long-lived JVM that opens the jars of its classpath once and reads classes from them as
     * cells first use them. A rebuild (the launcher's after a source change, or {@code mvn package}) rewrites the
     * shaded jar in place, so a kernel reading that very file meets a different jar under its open handle
     * (NoClassDefFoundError, "invalid LOC header") — what the launcher itself avoids by running a copy it replaces in
     * one rename. The kernel must run such a copy too: what it has open stays as it was.
     */
    @Test
    void aRebuildDoesNotRewriteTheJarUnderARunningKernel() throws Exception {
        assumeTrue(Commands.onPath("python3"), "python3 is not on the PATH (install-kernel.sh writes kernel.json with it)");
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Path repo = Commands.moduleDir().getParent();
        Files.copy(repo.resolve("kindling"), root.resolve("kindling"));
        executable(root.resolve("kindling"));
        Path notebooks = Files.createDirectories(root.resolve("notebooks"));
        Files.copy(repo.resolve("notebooks/install-kernel.sh"), notebooks.resolve("install-kernel.sh"));
        Files.writeString(root.resolve("pom.xml"), "<project>\n  <version>9.9</version>\n</project>\n");
        Path source = Files.createDirectories(root.resolve("spark-udf/src/main/java")).resolve("A.java");
        Files.writeString(source, "class A {}\n");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        // each build writes its number into the jar, in place ('>' truncates the file, as the shade plugin rewrites it)
        Files.writeString(bin.resolve("mvn"), """
                #!/usr/bin/env bash
                echo build >> "$FAKE_BUILD_LOG"
                t=spark-udf/target
                mkdir -p "$t/classes"
                echo "build $(wc -l < "$FAKE_BUILD_LOG")" > "$t/kindling-9.9-all.jar"
                echo /deps.jar > "$t/kindling-local.classpath"
                echo -Xflag > "$t/classes/kindling-jvm-flags.txt"
                """);
        executable(bin.resolve("mvn"));
        Path java = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, """
                #!/usr/bin/env bash
                if [ "$1" = -version ]; then echo 'openjdk version "17.0.15" 2025-04-15' >&2; exit 0; fi
                """);
        executable(java);
        Path kernelJar = Files.writeString(tmp.resolve("rapaio-jupyter-kernel.jar"), "kernel");
        Map<String, String> env = Map.of("PATH", bin + ":" + System.getenv("PATH"), "JAVA_HOME", java.getParent().getParent().toString(),
                "FAKE_BUILD_LOG", tmp.resolve("builds.log").toString());

        Path kernels = tmp.resolve("kernels");
        Commands.Result install = Commands.run(List.of("bash", notebooks.resolve("install-kernel.sh").toString(),
                        "--kernels-dir", kernels.toString(), "--kernel-jar", kernelJar.toString(), "--java", java.toString()),
                tmp, env, tmp.resolve("install.log"), Duration.ofMinutes(1));
        assertEquals(0, install.exitCode(), install.output());
        JsonNode spec = new ObjectMapper().readTree(kernels.resolve("kindling-java/kernel.json").toFile());
        List<String> classpath = List.of(spec.path("env").path("RJK_CLASSPATH").asText().split(";"));
        assertEquals("/deps.jar", classpath.get(1), "the launcher's local classpath follows Kindling's jar: " + classpath);
        Path kindlingJar = Path.of(classpath.get(0));

        try (FileChannel running = FileChannel.open(kindlingJar)) {
            assertEquals("build 1\n", read(running));
            // a source edited after the build: the next launcher run rebuilds
            Files.setLastModifiedTime(root.resolve("spark-udf/target/kindling-build.ok"),
                    FileTime.fromMillis(System.currentTimeMillis() - 20_000));
            Files.setLastModifiedTime(source, FileTime.fromMillis(System.currentTimeMillis() - 10_000));
            Commands.Result rebuild = Commands.run(List.of("bash", root.resolve("kindling").toString(), "--version"),
                    tmp, env, tmp.resolve("rebuild.log"), Duration.ofMinutes(1));
            assertEquals(0, rebuild.exitCode(), rebuild.output());
            assertEquals(2, Files.readAllLines(tmp.resolve("builds.log")).size(), "the edit rebuilt the jar");
            assertEquals("build 1\n", read(running), "the jar the running kernel has open (" + kindlingJar + ") was rewritten");
        }
        // a kernel started after the rebuild runs the new build
        assertEquals("build 2\n", Files.readString(kindlingJar, StandardCharsets.UTF_8));
    }

    /**
     * Maven 3.8's jansi writes a reset escape (ESC[0m) at start and exit even with -B and when not on a terminal: the
     * kernel jar's download printed "^[[0m^[[0m^[[0m^[[0m" before "installed Jupyter kernel" (the launcher's build
     * had the fix, jansi.noreset, and this script did not).
     */
    @Test
    void theKernelJarsDownloadPrintsNoEscapes() throws Exception {
        assumeTrue(Commands.onPath("python3"), "python3 is not on the PATH (install-kernel.sh writes kernel.json with it)");
        Path notebooks = installerCheckout("  <rapaio-jupyter-kernel.version>3.0.1</rapaio-jupyter-kernel.version>\n");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("mvn"), """
                #!/usr/bin/env bash
                # as Maven 3.8.7 does (its jansi's reset escapes), also with -B and when not on a terminal
                case "$MAVEN_OPTS" in *-Djansi.noreset=true*) ;; *) printf '\033[0m\033[0m'; printf '\033[0m\033[0m' >&2;; esac
                for a in "$@"; do case "$a" in -DoutputDirectory=*) echo kernel > "${a#-DoutputDirectory=}/rapaio-jupyter-kernel-3.0.1.jar";; esac; done
                """);
        executable(bin.resolve("mvn"));
        Path java = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\n");
        executable(java);
        Commands.Result install = Commands.run(List.of("bash", notebooks.resolve("install-kernel.sh").toString(),
                        "--kernels-dir", tmp.resolve("kernels").toString(), "--classpath", "/kindling.jar:/deps.jar", "--java", java.toString()),
                tmp, Map.of("PATH", bin + ":" + System.getenv("PATH")), tmp.resolve("install.log"), Duration.ofMinutes(1));
        assertEquals(0, install.exitCode(), install.output());
        assertTrue(install.output().contains("installed Jupyter kernel 'kindling-java'"), install.output());
        assertFalse(install.output().contains("\u001b"), "escapes in: " + install.output().replace("\u001b", "ESC"));
    }

    /**
     * Paths as a user types them: relative ones were written to the spec as typed, and Jupyter starts the kernel in the
     * notebook's folder ("Unable to access jarfile"); a classpath entry with [ or ] was skipped by the kernel (it reads a
     * pattern there); a non-ASCII log path was read by log4j as ISO-8859-1, the log written to a mis-decoded folder.
     */
    @Test
    void relativePathsBracketsAndNonAsciiPathsAreWrittenSoTheKernelFindsThem() throws Exception {
        assumeTrue(Commands.onPath("python3"), "python3 is not on the PATH (install-kernel.sh writes kernel.json with it)");
        Path notebooks = installerCheckout("");
        Path java = Files.createDirectories(tmp.resolve("jdk/bin")).resolve("java");
        Files.writeString(java, "#!/usr/bin/env bash\n");
        executable(java);
        Files.writeString(tmp.resolve("k.jar"), "kernel");
        Path bracketed = Files.createDirectories(tmp.resolve("br[x]")).resolve("kindling.jar");
        Files.writeString(bracketed, "kindling");
        Map<String, String> env = Map.of("PATH", System.getenv("PATH"));
        Commands.Result install = Commands.run(List.of("bash", notebooks.resolve("install-kernel.sh").toString(),
                        "--kernels-dir", "kernels", "--kernel-jar", "k.jar", "--java", "jdk/bin/java", "--log-file", "logs/ké.log",
                        "--classpath", "br[x]/kindling.jar:deps.jar"),
                tmp, env, tmp.resolve("install.log"), Duration.ofMinutes(1));
        assertEquals(0, install.exitCode(), install.output());
        Path kernel = tmp.resolve("kernels/kindling-java");
        JsonNode spec = new ObjectMapper().readTree(kernel.resolve("kernel.json").toFile());
        List<String> argv = new java.util.ArrayList<>();
        spec.path("argv").forEach(a -> argv.add(a.asText()));
        assertEquals(java.toString(), argv.get(0));
        assertEquals("-Dlog4j2.configurationFile=" + kernel.resolve("log4j2.properties"), argv.get(1));
        assertEquals(tmp.resolve("k.jar").toString(), argv.get(argv.indexOf("-jar") + 1));
        List<String> classpath = List.of(spec.path("env").path("RJK_CLASSPATH").asText().split(";"));
        assertEquals(2, classpath.size(), classpath.toString());
        Path link = Path.of(classpath.get(0));
        assertTrue(link.startsWith(kernel) && !link.toString().contains("[") && !link.toString().contains("]"), link.toString());
        assertEquals("kindling", Files.readString(link), "the link reaches the jar");
        assertEquals(tmp.resolve("deps.jar").toString(), classpath.get(1));
        java.util.Properties log4j = new java.util.Properties();
        try (var in = Files.newInputStream(kernel.resolve("log4j2.properties"))) {
            log4j.load(in); // ISO-8859-1, as log4j reads it
        }
        assertEquals(tmp.resolve("logs/ké.log").toString(), log4j.getProperty("appender.file.fileName"));

        Commands.Result noValue = Commands.run(List.of("bash", notebooks.resolve("install-kernel.sh").toString(), "--name"),
                tmp, env, tmp.resolve("novalue.log"), Duration.ofMinutes(1));
        assertEquals(2, noValue.exitCode(), noValue.output());
        assertTrue(noValue.output().contains("--name needs a value"), noValue.output());
    }

    /**
     * A fake checkout holding install-kernel.sh, a root pom (version 9.9, plus {@code pomExtra}) and the build's JVM
     * flags file, for an install given its --classpath (no launcher build); returns its notebooks folder.
     */
    private Path installerCheckout(String pomExtra) throws IOException {
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Path notebooks = Files.createDirectories(root.resolve("notebooks"));
        Files.copy(Commands.moduleDir().getParent().resolve("notebooks/install-kernel.sh"), notebooks.resolve("install-kernel.sh"));
        Files.writeString(root.resolve("pom.xml"), "<project>\n  <version>9.9</version>\n" + pomExtra + "</project>\n");
        Path flags = Files.createDirectories(root.resolve("spark-udf/target/classes")).resolve("kindling-jvm-flags.txt");
        Files.writeString(flags, "-Xflag\n");
        return notebooks;
    }

    private static String read(FileChannel channel) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(64);
        channel.read(buffer, 0);
        return new String(buffer.array(), 0, buffer.position(), StandardCharsets.UTF_8);
    }

    private static void executable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
}
