package dev.kindling.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The shell scripts that run the engine outside Maven (this module's llama.cpp regenerate scripts and benches, and the
 * checkout's bench/stage-device.sh, which stages it for the GPU machine) take their jars from Maven's resolution of the root pom, not from paths into ~/.m2 with versions of their own: a
 * version bump in the root pom left those behind, and a glob for Jackson 2.21* took 2.21.0 while the build used 2.21.2.
 */
class ScriptClasspathTest {
    @Test
    void scriptsTakeTheirJarsFromTheBuildNotFromPathsIntoTheLocalRepository() throws IOException {
        List<Path> scripts = new ArrayList<>();
        for (String dir : List.of("bench", "src/test/resources/llamacpp", "../bench")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                files.filter(f -> f.toString().endsWith(".sh")).forEach(scripts::add);
            }
        }
        assertTrue(scripts.size() >= 5 && scripts.contains(Path.of("../bench/stage-device.sh")), "found the scripts: " + scripts);
        List<String> hardCoded = new ArrayList<>();
        for (Path s : scripts) {
            List<String> lines = Files.readAllLines(s);
            for (int i = 0; i < lines.size(); i++) {
                // stage-device.sh also named JCuda's version itself, in its jar's and its native library's names
                if (lines.get(i).contains(".m2/repository") || lines.get(i).matches(".*jcuda[-\\w]*-\\d+\\.\\d+.*")) {
                    hardCoded.add(s + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), hardCoded);
    }
}
