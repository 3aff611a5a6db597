package dev.kindling.spark.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.spark.KindlingException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ExecutorTokenizersTest {
    /**
     * A bare name that is no file was "nosuchname does not exist" (the SQL functions and transformers say it so): not
     * where it was looked for, nor that it is not a built-in tokenizer's name either.
     */
    @Test
    void aBareNameThatIsNoFileSaysWhereItLookedAndTheBuiltInNames() {
        KindlingException e = assertThrows(KindlingException.class, () -> ExecutorTokenizers.get("nosuchname"));
        assertEquals(KindlingException.USAGE, e.exitCode());
        // outside a Spark session there are no files given to Spark to look among
        assertEquals("tokenizer 'nosuchname': no such file (looked in " + Path.of("").toAbsolutePath()
                + "), and not a tokenizer name Kindling knows (byte-level)", e.getMessage());
    }
}
