package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code kindling} launcher script, run by bash on a copy of it in a small fake checkout: a fake Maven that writes
 * the files a build leaves (and logs each build), a fake java that prints its arguments one per line. Each case is one
 * a review reproduced against the launcher (an interrupted build reused a corrupt jar, quoted JVM options were split, a
 * source dated in the future rebuilt on every run, a symlinked launcher did not find its checkout, Java 11 was run).
 */
class LauncherScriptTest {
    @TempDir
    Path tmp;
    Path root;
    Path buildLog;

    @BeforeEach
    void fakeCheckout() throws IOException {
        root = Files.createDirectories(tmp.resolve("checkout"));
        Path launcher = Path.of(System.getProperty("user.dir")).getParent().resolve("kindling");
        Files.copy(launcher, root.resolve("kindling"));
        executable(root.resolve("kindling"));
        Files.writeString(root.resolve("pom.xml"), "<project>\n  <version>9.9</version>\n</project>\n");
        Path src = Files.createDirectories(root.resolve("spark-udf/src/main/java"));
        Files.writeString(src.resolve("A.java"), "class A {}\n");
        buildLog = tmp.resolve("builds.log");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        Files.writeString(bin.resolve("mvn"), """
                #!/usr/bin/env bash
                # as Maven 3.8.7 does (its jansi's reset escapes), also with -B and when not on a terminal
                case "$MAVEN_OPTS" in *-Djansi.noreset=true*) ;; *) printf '\033[0m\033[0m'; printf '\033[0m\033[0m' >&2;; esac
                echo "$MAVEN_OPTS" > "$FAKE_BUILD_LOG.opts"
                echo build >> "$FAKE_BUILD_LOG"
                t=spark-udf/target
                mkdir -p "$t/classes"
                echo jar > "$t/kindling-9.9-all.jar"
                echo /deps.jar > "$t/kindling-local.classpath"
                echo -Xflag > "$t/classes/kindling-jvm-flags.txt"
                exit "${FAKE_MVN_RC:-0}"
                """);
        executable(bin.resolve("mvn"));
        Path jdk = Files.createDirectories(tmp.resolve("jdk/bin"));
        Files.writeString(jdk.resolve("java"), """
                #!/usr/bin/env bash
                if [ "$1" = -version ] && [ -n "$FAKE_JAVA_FAILS" ]; then echo "$FAKE_JAVA_FAILS" >&2; exit 1; fi
                if [ "$1" = -version ]; then echo "openjdk version \\"${FAKE_JAVA_VERSION:-17.0.15}\\" 2025-04-15" >&2; exit 0; fi
                printf '%s\\n' "$@"
                """);
        executable(jdk.resolve("java"));
    }

    private static void executable(Path p) throws IOException {
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    record Run(int code, List<String> out, String err) {}

    private Run run(Map<String, String> env, String... args) throws Exception {
        return runScript(root.resolve("kindling"), env, args);
    }

    private Run runScript(Path script, Map<String, String> env, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(tmp.toFile());
        pb.environment().put("PATH", tmp.resolve("bin") + ":/usr/bin:/bin");
        pb.environment().put("JAVA_HOME", tmp.resolve("jdk").toString());
        pb.environment().put("FAKE_BUILD_LOG", buildLog.toString());
        pb.environment().remove("KINDLING_JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the launcher finished");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8).lines().toList(), err);
    }

    private long builds() throws IOException {
        return Files.exists(buildLog) ? Files.readAllLines(buildLog).size() : 0;
    }

    private void age(Path file, long secondsFromNow) throws IOException {
        Files.setLastModifiedTime(file, FileTime.from(Instant.now().plusSeconds(secondsFromNow)));
    }

    @Test
    void buildsOnceThenRunsTheCopiedJarWithTheFlagsAndArguments() throws Exception {
        Run first = run(Map.of(), "generate", "--prompt", "two  words");
        assertEquals(0, first.code(), first.toString());
        assertEquals(1, builds());
        Path target = root.resolve("spark-udf/target");
        assertEquals(List.of("-Xflag", "-Dkindling.home=" + root, "-Dkindling.stderr.terminal=false", "-cp", target.resolve("kindling-run.jar") + ":/deps.jar",
                "dev.kindling.spark.cli.KindlingCli", "generate", "--prompt", "two  words"), first.out());
        assertEquals(0, run(Map.of()).code());
        assertEquals(1, builds(), "nothing changed: no build");

        // a source edited after the build rebuilds; one dated in the future (clock skew) does not, every run
        Path source = root.resolve("spark-udf/src/main/java/A.java");
        age(target.resolve("kindling-build.ok"), -20);
        age(source, -10);
        assertEquals(0, run(Map.of()).code());
        assertEquals(2, builds());
        age(source, 3600);
        assertEquals(0, run(Map.of()).code());
        assertEquals(2, builds());

        // a source deleted (a git switch that drops a file) dates only its folder: that rebuilds too, once
        for (Path p : List.of(source, root.resolve("pom.xml"), source.getParent(), source.getParent().getParent())) {
            age(p, -30);
        }
        age(target.resolve("kindling-build.ok"), -20);
        assertEquals(0, run(Map.of()).code());
        assertEquals(2, builds(), "everything older than the build: no build");
        Files.delete(source);
        assertEquals(0, run(Map.of()).code());
        assertEquals(3, builds());
        assertEquals(0, run(Map.of()).code());
        assertEquals(3, builds(), "nothing changed since: no build");
    }

    /** The sources were found by matching the full path: a checkout under a folder src/main rebuilt on every run. */
    @Test
    void aCheckoutInsideASrcMainFolderBuildsOnce() throws Exception {
        Path moved = Files.createDirectories(tmp.resolve("work/src/main/[x]")).resolve("checkout");
        Files.move(root, moved);
        root = moved;
        assertEquals(0, run(Map.of(), "--version").code());
        assertEquals(0, run(Map.of(), "--version").code());
        assertEquals(1, builds(), "nothing changed: no build");
    }

    /** A ':' in the checkout's path split Java's class path: ClassNotFoundException on every run, after a build. */
    @Test
    void aCheckoutPathWithAColonIsRefusedBeforeBuilding() throws Exception {
        Path moved = Files.createDirectories(tmp.resolve("a:b")).resolve("checkout");
        Files.move(root, moved);
        root = moved;
        Run r = run(Map.of(), "--version");
        assertEquals(1, r.code(), r.toString());
        assertTrue(r.err().contains("holds a ':'") && r.err().contains(moved.toString()), r.err());
        assertEquals(0, builds(), "refused before building");
    }

    @Test
    void theBuildWritesNoStrayEscapesAndKeepsTheUsersMavenOptions() throws Exception {
        Run r = run(Map.of("MAVEN_OPTS", "-Xmx2g"), "--version");
        assertEquals(0, r.code(), r.toString());
        assertEquals(1, builds());
        assertTrue(!r.err().contains("\u001b") && r.out().stream().noneMatch(l -> l.contains("\u001b")),
                "no escape codes: " + r.err().replace("\u001b", "ESC") + r.out());
        assertTrue(Files.readString(Path.of(buildLog + ".opts")).startsWith("-Xmx2g "), "MAVEN_OPTS kept");
    }

    @Test
    void anInterruptedBuildIsRedoneNotReused() throws Exception {
        Run interrupted = run(Map.of("FAKE_MVN_RC", "130"));
        assertEquals(130, interrupted.code(), interrupted.toString());
        assertTrue(interrupted.err().contains("kindling: build interrupted"), interrupted.err());
        Run next = run(Map.of());
        assertEquals(0, next.code(), next.toString());
        assertEquals(2, builds(), "the half-built jar was not trusted");
        Run failed = run(Map.of("FAKE_MVN_RC", "1"));
        assertEquals(0, failed.code(), "a finished build is not redone: " + failed);
    }

    @Test
    void javaOptionsKeepTheirQuotesAndBadOnesAreAnError() throws Exception {
        Run quoted = run(Map.of("KINDLING_JAVA_OPTS", "-Dfoo=\"a b\" -Xmx1g"), "--version");
        assertEquals(0, quoted.code(), quoted.toString());
        assertEquals(List.of("-Xflag", "-Dfoo=a b", "-Xmx1g"), quoted.out().subList(0, 3));
        Run unmatched = run(Map.of("KINDLING_JAVA_OPTS", "-Dq=it's"), "--version");
        assertEquals(2, unmatched.code(), unmatched.toString());
        assertTrue(unmatched.err().contains("cannot split KINDLING_JAVA_OPTS"), unmatched.err());
    }

    @Test
    void oldJavaIsRefusedAndASymlinkFindsItsCheckout() throws Exception {
        for (String version : List.of("11.0.2", "1.8.0_291")) {
            Run old = run(Map.of("FAKE_JAVA_VERSION", version), "--version");
            assertEquals(1, old.code(), old.toString());
            assertTrue(old.err().contains("Java 17 or later is needed") && old.err().contains("is version " + version.split("\\.")[
                    version.startsWith("1.") ? 1 : 0]), old.err());
        }
        Run noJava = run(Map.of("JAVA_HOME", tmp.resolve("nowhere").toString()), "--version");
        assertEquals(1, noJava.code(), noJava.toString());
        assertTrue(noJava.err().contains("no Java found"), noJava.err());
        // a java that fails (a bad JAVA_TOOL_OPTIONS) stopped the script with exit 1 and nothing said
        Run failing = run(Map.of("FAKE_JAVA_FAILS", "Invalid maximum heap size: -Xmx512q"), "--version");
        assertEquals(1, failing.code(), failing.toString());
        assertTrue(failing.err().contains("-version failed: Invalid maximum heap size: -Xmx512q"), failing.err());

        // Java 25 has no sun.security.action, which Spark's flags open: it warned on every run
        assertEquals(0, run(Map.of(), "--version").code(), "built");
        Path flags = root.resolve("spark-udf/target/classes/kindling-jvm-flags.txt");
        Files.writeString(flags, "-Xflag --add-opens=java.base/sun.security.action=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED\n");
        Run on17 = run(Map.of(), "--version");
        assertEquals(List.of("-Xflag", "--add-opens=java.base/sun.security.action=ALL-UNNAMED", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"),
                on17.out().subList(0, 3));
        Run on25 = run(Map.of("FAKE_JAVA_VERSION", "25.0.3"), "--version");
        assertEquals(List.of("-Xflag", "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED"), on25.out().subList(0, 2));

        Path link = Files.createDirectories(tmp.resolve("elsewhere/bin")).resolve("kindling");
        Files.createSymbolicLink(link, root.resolve("kindling"));
        Run linked = runScript(link, Map.of(), "--version");
        assertEquals(0, linked.code(), linked.toString());
        assertTrue(linked.out().contains("-Dkindling.home=" + root), linked.out().toString());
    }
}
