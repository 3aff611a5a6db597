package dev.kindling.spark.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * A mistyped command or option is a usage error that names the nearest one. None of these starts Spark (a bad --master
 * makes sure a check that does not fire fails fast too).
 */
class TyposTest {
    /** {@code kindling tokenise --help} printed the top-level help and exited 0, as if the word had not been typed. */
    @Test
    void aMistypedCommandWithHelpIsAnErrorSuggestingTheCommand() {
        ModeOptionsTest.Result r = ModeOptionsTest.run("tokenise", "--help");
        assertEquals(2, r.code(), r.out() + r.err());
        assertEquals("", r.out());
        assertTrue(r.err().contains("'tokenise'") && r.err().contains("Did you mean: kindling tokenize"), r.err());
        ModeOptionsTest.Result sub = ModeOptionsTest.run("distill", "sfft", "--help");
        assertEquals(2, sub.code(), sub.out() + sub.err());
        assertTrue(sub.err().contains("Did you mean: distill sft"), sub.err()); // picocli names a nested command so
    }

    /** picocli suggests only options sharing the first two letters: {@code --treshold} got no suggestion. */
    @Test
    void aMistypedOptionSuggestsTheNearestOption() {
        ModeOptionsTest.Result r = ModeOptionsTest.run("dedup", "--master", "bogus://x", "-i", "in.jsonl", "-o", "out",
                "--treshold", "0.7");
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains("Unknown option") && r.err().contains("'--treshold'"), r.err());
        assertTrue(r.err().contains("Did you mean: kindling dedup --threshold?"), r.err());
        ModeOptionsTest.Result far = ModeOptionsTest.run("dedup", "--master", "bogus://x", "--colour");
        assertEquals(2, far.code(), far.err());
        assertTrue(!far.err().contains("Did you mean"), "no option is near --colour: " + far.err());
    }
}
