package dev.kindling.dedup.minhash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.dedup.Document;
import dev.kindling.dedup.io.JsonlDocuments;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.testing.SharedData;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * kindling-dedup is a plain Java library too: a JVM started without {@code --add-modules jdk.incubator.vector} (an
 * application that only added the dependency) got {@code NoClassDefFoundError: jdk/incubator/vector/Vector} from the
 * first signature, the scalar kernel included. It now computes the same signatures with the scalar kernel.
 */
class MinHasherWithoutVectorModuleTest {

    /** Run in a child JVM without the module: prints the default MinHasher's signature of the corpus's first text. */
    public static void main(String[] args) {
        String text = JsonlDocuments.read(Path.of(args[0]), "id", "text").get(1).text();
        System.out.println(Arrays.toString(new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).signature(text)));
    }

    @Test
    void signaturesWithoutTheVectorModuleAreTheSame() throws Exception {
        Path corpus = SharedData.require("corpus/moby-dick.jsonl");
        List<Document> docs = JsonlDocuments.read(corpus, "id", "text");
        String expected = Arrays.toString(new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR).signature(docs.get(1).text()));
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), getClass().getName(), corpus.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM did not finish");
        assertEquals(0, p.exitValue(), out);
        assertEquals(expected, out.strip());
    }
}
