package dev.kindling.spark.build;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/**
 * Checks the shaded jar, after the shade (spark-udf's pom runs it at {@code package}): it must hold no class of a library
 * that the README's "Install" leaves to the cluster (Spark, Scala, Hadoop, Jackson, SLF4J) under the library's own name.
 * Jinjava's jackson-datatype-jdk8 came in beside it unrelocated, where the shade's exclusion of Jackson named
 * {@code com.fasterxml.jackson.core} alone; such a copy clashes with or shadows the cluster's.
 */
public final class ShadedJarCheck {
    /** Package prefixes (as jar paths) of what the cluster provides. */
    static final List<String> CLUSTERS = List.of("org/apache/spark/", "scala/", "org/apache/hadoop/", "com/fasterxml/jackson/",
            "org/slf4j/");

    private ShadedJarCheck() {}

    /** The classes of {@code jar} under one of {@link #CLUSTERS}, in the jar's order. */
    static List<String> clustersClasses(Path jar) throws IOException {
        List<String> found = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith(".class") && CLUSTERS.stream().anyMatch(name::startsWith)) {
                    found.add(name);
                }
            }
        }
        return found;
    }

    /** Fails (an exception, as exec:java runs it inside Maven) naming the classes when {@code args[0]}, the jar, holds any. */
    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        List<String> found = clustersClasses(jar);
        if (!found.isEmpty()) {
            throw new IllegalStateException(jar.getFileName() + " holds " + found.size() + " classes of libraries the cluster "
                    + "provides (the README's Install leaves Spark, Scala, Hadoop, Jackson and SLF4J to it); exclude the library "
                    + "from the shade's artifactSet if the cluster has it, or relocate it under dev.kindling.shaded if it has not: "
                    + String.join(", ", found.subList(0, Math.min(10, found.size()))) + (found.size() > 10 ? ", ..." : ""));
        }
    }
}
