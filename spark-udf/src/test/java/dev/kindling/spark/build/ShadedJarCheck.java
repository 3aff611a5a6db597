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
 * {@code com.fasterxml.jackson.core} alone; such a copy clashes with or shadows the cluster's. Nor may it hold the
 * annotation-only libraries Jinjava and Guava bring ({@link #ANNOTATIONS}): they came in the same way, under their own
 * names, where a cluster or notebook may hold other versions (jsr305's {@code javax.annotation} splits the package of
 * {@code javax.annotation-api}).
 */
public final class ShadedJarCheck {
    /** Package prefixes (as jar paths) of what the cluster provides. */
    static final List<String> CLUSTERS = List.of("org/apache/spark/", "scala/", "org/apache/hadoop/", "com/fasterxml/jackson/",
            "org/slf4j/");

    /**
     * Package prefixes of the annotation-only libraries of Jinjava and Guava (jsr305, FindBugs' annotations with jcip's,
     * Error Prone's, J2ObjC's, JSpecify, Immutables' encode, derive4j), which the shade leaves out.
     */
    static final List<String> ANNOTATIONS = List.of("javax/annotation/", "edu/umd/cs/findbugs/", "net/jcip/annotations/",
            "com/google/errorprone/annotations/", "com/google/j2objc/annotations/", "org/jspecify/", "org/immutables/",
            "org/derive4j/");

    private ShadedJarCheck() {}

    /** The classes of {@code jar} under one of {@link #CLUSTERS}, in the jar's order. */
    static List<String> clustersClasses(Path jar) throws IOException {
        return classesUnder(jar, CLUSTERS);
    }

    /** The classes of {@code jar} under one of {@link #ANNOTATIONS}, in the jar's order. */
    static List<String> annotationClasses(Path jar) throws IOException {
        return classesUnder(jar, ANNOTATIONS);
    }

    private static List<String> classesUnder(Path jar, List<String> prefixes) throws IOException {
        List<String> found = new ArrayList<>();
        try (ZipFile zip = new ZipFile(jar.toFile())) {
            for (Enumeration<? extends ZipEntry> e = zip.entries(); e.hasMoreElements(); ) {
                String name = e.nextElement().getName();
                if (name.endsWith(".class") && prefixes.stream().anyMatch(name::startsWith)) {
                    found.add(name);
                }
            }
        }
        return found;
    }

    /**
     * Fails (an exception, as exec:java runs it inside Maven) naming the classes when {@code args[0]}, the jar, holds a
     * cluster library's or an annotation library's.
     */
    public static void main(String[] args) throws IOException {
        Path jar = Path.of(args[0]);
        List<String> problems = new ArrayList<>();
        List<String> clusters = clustersClasses(jar);
        if (!clusters.isEmpty()) {
            problems.add(clusters.size() + " classes of libraries the cluster provides (the README's Install leaves Spark, "
                    + "Scala, Hadoop, Jackson and SLF4J to it); exclude the library from the shade's artifactSet if the cluster "
                    + "has it, or relocate it under dev.kindling.shaded if it has not: " + some(clusters));
        }
        List<String> annotations = annotationClasses(jar);
        if (!annotations.isEmpty()) {
            problems.add(annotations.size() + " classes of annotation-only libraries, which nothing needs at run time and a "
                    + "user's classpath may hold in other versions; exclude the library from the shade's artifactSet: "
                    + some(annotations));
        }
        if (!problems.isEmpty()) {
            throw new IllegalStateException(jar.getFileName() + " holds " + String.join("; and ", problems));
        }
    }

    private static String some(List<String> classes) {
        return String.join(", ", classes.subList(0, Math.min(10, classes.size()))) + (classes.size() > 10 ? ", ..." : "");
    }
}
