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
 * The shell scripts of this module that run the engine outside Maven (the llama.cpp regenerate scripts, the benches)
 * take their jars from Maven's resolution of the root pom, not from paths into ~/.m2 with versions of their own: a
 * version bump in the root pom left those behind, and a glob for Jackson 2.21* took 2.21.0 while the build used 2.21.2.
 */
class ScriptClasspathTest {
    @Test
    void scriptsTakeTheirJarsFromTheBuildNotFromPathsIntoTheLocalRepository() throws IOException {
        List<Path> scripts = new ArrayList<>();
        for (String dir : List.of("bench", "src/test/resources/llamacpp")) {
            try (Stream<Path> files = Files.list(Path.of(dir))) {
                files.filter(f -> f.toString().endsWith(".sh")).forEach(scripts::add);
            }
        }
        assertTrue(scripts.size() >= 5, "found the scripts: " + scripts);
        List<String> hardCoded = new ArrayList<>();
        for (Path s : scripts) {
            List<String> lines = Files.readAllLines(s);
            for (int i = 0; i < lines.size(); i++) {
                if (lines.get(i).contains(".m2/repository")) {
                    hardCoded.add(s + ":" + (i + 1) + ": " + lines.get(i).strip());
                }
            }
        }
        assertEquals(List.of(), hardCoded);
    }
}
