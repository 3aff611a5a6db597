package dev.kindling.tokenizer.spm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.formats.ModelFormatException;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** tokenizer.model files that are corrupt, truncated, or say what Kindling does not implement: an error naming the file. */
class SentencePieceBadInputTest {
    @TempDir
    Path tmp;

    private ModelFormatException refused(Consumer<SpmModelWriter> change) throws Exception {
        SpmModelWriter w = SpmModelWriter.small();
        change.accept(w);
        Path file = w.write(tmp.resolve("tokenizer.model"));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
        return e;
    }

    private static void assertMentions(ModelFormatException e, String... parts) {
        for (String p : parts) {
            assertTrue(e.getMessage().contains(p), "'" + p + "' in: " + e.getMessage());
        }
    }

    @Test
    void whatKindlingDoesNotImplementIsRefusedByField() throws Exception {
        assertMentions(refused(w -> w.modelType = SentencePieceModelFile.WORD), "trainer_spec.model_type WORD");
        assertMentions(refused(w -> w.modelType = SentencePieceModelFile.CHAR), "trainer_spec.model_type CHAR");
        assertMentions(refused(w -> w.piece("zz", -20, SpmTokenizer.UNUSED)), "pieces[14]", "UNUSED");
    }

    @Test
    void whatSentencepieceRefusesToLoadIsRefused() throws Exception {
        assertMentions(refused(w -> w.piece("ab", -20, SpmTokenizer.NORMAL)), "pieces[14] \"ab\" is already pieces[5]");
        assertMentions(refused(w -> w.piece("<unk2>", 0, SpmTokenizer.UNKNOWN)), "pieces[14] is a second UNKNOWN piece");
        assertMentions(refused(w -> w.piece("<0x41>", 0, SpmTokenizer.BYTE)), "pieces[14] is a BYTE piece", "byte_fallback");
        assertMentions(refused(w -> w.piece("", -20, SpmTokenizer.NORMAL)), "pieces[14].piece: missing or empty");
        assertMentions(refused(w -> w.piece("x", -20, 9)), "pieces[14].type: 9");
        assertMentions(refused(w -> w.bosId = 99), "trainer_spec.bos_id 99");
        SpmModelWriter noUnknown = new SpmModelWriter().piece("a", 0, SpmTokenizer.NORMAL);
        Path file = noUnknown.write(tmp.resolve("no-unk.model"));
        assertMentions(assertThrows(ModelFormatException.class, () -> Tokenizer.load(file)), "no piece has type UNKNOWN");
    }

    @Test
    void aPieceThatIsNotUtf8OrHasTheWrongWireTypeIsNamed() throws Exception {
        byte[] good = SpmModelWriter.small().bytes();
        // pieces[0] is 0A len 0A 05 "<unk>" ...: make its text invalid UTF-8
        byte[] bad = good.clone();
        bad[4] = (byte) 0xFF;
        Path file = Files.write(tmp.resolve("bad-utf8.model"), bad);
        assertMentions(assertThrows(ModelFormatException.class, () -> Tokenizer.load(file)), "pieces[0].piece: not valid UTF-8");
        // pieces[0].score (field 2) as a varint instead of a float
        bad = good.clone();
        int score = indexOf(bad, (byte) 0x15, 9);
        bad[score] = 0x10;
        Path file2 = Files.write(tmp.resolve("bad-wire.model"), bad);
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file2));
        assertTrue(e.getMessage().contains("pieces[0]"), e.getMessage());
    }

    private static int indexOf(byte[] b, byte v, int from) {
        for (int i = from; i < b.length; i++) {
            if (b[i] == v) {
                return i;
            }
        }
        throw new AssertionError("no " + v);
    }

    /** Every truncation of a real file is an error naming it (and where the protobuf broke), never another exception. */
    @Test
    void truncatedFilesAreErrorsNamingTheFileAndPiece() throws Exception {
        byte[] data = Files.readAllBytes(SharedData.require("llama2c/tok512.model"));
        Path file = tmp.resolve("tokenizer.model");
        int named = 0;
        for (int len = 0; len < data.length; len += len < 200 ? 1 : 37) {
            Files.write(file, Arrays.copyOf(data, len));
            ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file), "length " + len);
            assertTrue(e.getMessage().startsWith(file.toString()), e.getMessage());
            named += e.getMessage().contains("pieces[") ? 1 : 0;
        }
        assertTrue(named > 100, "most cuts fall inside a piece, and say which: " + named);
        Files.write(file, Arrays.copyOf(data, 3000));
        ModelFormatException e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().matches(".*SentencePiece model: malformed protobuf in pieces\\[\\d+\\].*"), e.getMessage());
        // cut between two pieces: valid protobuf, but without the specs the trainer writes after them
        Files.write(file, Arrays.copyOf(data, 45));
        e = assertThrows(ModelFormatException.class, () -> Tokenizer.load(file));
        assertTrue(e.getMessage().contains("no trainer_spec (ModelProto field 2) after 3 pieces"), e.getMessage());
    }

    /** Random byte changes: the file loads (and encodes) or is an error naming it; nothing else escapes. */
    @Test
    void mutatedFilesLoadOrAreErrorsNamingTheFile() throws Exception {
        byte[] data = Files.readAllBytes(SharedData.require("llama2c/tok512.model"));
        Path file = tmp.resolve("tokenizer.model");
        Random rnd = new Random(2026);
        int loaded = 0;
        int refused = 0;
        for (int round = 0; round < 300; round++) {
            byte[] m = data.clone();
            for (int k = 1 + rnd.nextInt(3); k > 0; k--) {
                m[rnd.nextInt(m.length)] = (byte) rnd.nextInt(256);
            }
            Files.write(file, m);
            try {
                Tokenizer t = Tokenizer.load(file);
                t.decode(t.encode("Once upon a time, \u00e9t\u00e9 \uD83E\uDD99  twice", true), false);
                loaded++;
            } catch (ModelFormatException e) {
                assertTrue(e.getMessage().startsWith(file.toString()), "round " + round + ": " + e.getMessage());
                refused++;
            }
        }
        assertEquals(300, loaded + refused);
        assertTrue(loaded > 0 && refused > 0, "loaded " + loaded + ", refused " + refused);
    }
}
