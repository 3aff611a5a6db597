package dev.kindling.spark.build;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shaded jar's check finds a cluster library's classes under their own name, and passes relocated ones; it finds the
 * annotation-only libraries' classes, which the shade leaves out.
 */
class ShadedJarCheckTest {
    @TempDir Path tmp;

    private Path jar(String name, String... entries) throws IOException {
        Path jar = tmp.resolve(name);
        try (OutputStream out = Files.newOutputStream(jar); ZipOutputStream zip = new ZipOutputStream(out)) {
            for (String e : entries) {
                zip.putNextEntry(new ZipEntry(e));
                zip.closeEntry();
            }
        }
        return jar;
    }

    @Test
    void anUnrelocatedJacksonModuleIsFoundAndARelocatedOneIsNot() throws IOException {
        Path bad = jar("bad.jar", "dev/kindling/spark/cli/KindlingCli.class", "com/fasterxml/jackson/datatype/jdk8/Jdk8Module.class",
                "META-INF/services/com.fasterxml.jackson.databind.Module", "org/slf4j/Logger.class");
        assertEquals(List.of("com/fasterxml/jackson/datatype/jdk8/Jdk8Module.class", "org/slf4j/Logger.class"),
                ShadedJarCheck.clustersClasses(bad));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ShadedJarCheck.main(new String[] {bad.toString()}));
        assertTrue(e.getMessage().startsWith("bad.jar holds 2 classes of libraries the cluster provides")
                && e.getMessage().contains("com/fasterxml/jackson/datatype/jdk8/Jdk8Module.class"), e.getMessage());
        Path good = jar("good.jar", "dev/kindling/spark/cli/KindlingCli.class",
                "dev/kindling/shaded/com/fasterxml/jackson/datatype/jdk8/Jdk8Module.class", "scala-notes/readme.txt");
        assertEquals(List.of(), ShadedJarCheck.clustersClasses(good));
        assertDoesNotThrow(() -> ShadedJarCheck.main(new String[] {good.toString()}));
    }

    @Test
    void annotationOnlyLibrariesUnderTheirOwnNamesAreFound() throws IOException {
        Path bad = jar("bad.jar", "dev/kindling/spark/cli/KindlingCli.class", "javax/annotation/Nullable.class",
                "com/google/errorprone/annotations/CanIgnoreReturnValue.class", "com/google/j2objc/annotations/ReflectionSupport.class",
                "org/jspecify/annotations/Nullable.class", "edu/umd/cs/findbugs/annotations/SuppressFBWarnings.class",
                "net/jcip/annotations/ThreadSafe.class", "org/immutables/encode/Encoding.class", "org/derive4j/Data.class",
                "META-INF/maven/com.google.code.findbugs/jsr305/pom.xml");
        assertEquals(8, ShadedJarCheck.annotationClasses(bad).size());
        assertEquals(List.of(), ShadedJarCheck.clustersClasses(bad));
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> ShadedJarCheck.main(new String[] {bad.toString()}));
        assertTrue(e.getMessage().startsWith("bad.jar holds 8 classes of annotation-only libraries")
                && e.getMessage().contains("javax/annotation/Nullable.class") && e.getMessage().contains("org/derive4j/Data.class"),
                e.getMessage());
        Path good = jar("good.jar", "dev/kindling/spark/cli/KindlingCli.class", "dev/kindling/shaded/com/google/common/base/Optional.class",
                "com/hubspot/jinjava/Jinjava.class", "META-INF/maven/com.google.code.findbugs/jsr305/pom.properties");
        assertEquals(List.of(), ShadedJarCheck.annotationClasses(good));
        assertDoesNotThrow(() -> ShadedJarCheck.main(new String[] {good.toString()}));
    }
}
