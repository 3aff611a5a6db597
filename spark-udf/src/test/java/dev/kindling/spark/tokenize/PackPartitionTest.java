package dev.kindling.spark.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.tokenizer.Tokenizers;
import java.util.Arrays;
import java.util.Iterator;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.util.LongAccumulator;
import org.junit.jupiter.api.Test;

/**
 * pack's rows output streams a partition's sequences as its documents are read: it held every sequence of the partition
 * in a list before the write saw the first, so a task's heap grew with its partition (4 bytes a token: a 128 MB partition
 * of byte-level tokens, 512 MB of ids, besides the rows).
 */
class PackPartitionTest {
    @Test
    void aPartitionsSequencesStreamAsItsDocumentsAreRead() {
        LongAccumulator tokens = new LongAccumulator();
        LongAccumulator dropped = new LongAccumulator();
        LongAccumulator withoutTokens = new LongAccumulator();
        LongAccumulator padding = new LongAccumulator();
        PackCommand.PackPartition f = new PackCommand.PackPartition(ExecutorTokenizers.BYTE_LEVEL, null, false, false, 8, 0, false, 0,
                tokens, dropped, withoutTokens, padding);
        int documents = 20_000;
        int[] read = {0};
        Iterator<Row> in = new Iterator<>() {
            @Override
            public boolean hasNext() {
                return read[0] < documents;
            }

            @Override
            public Row next() {
                return RowFactory.create(read[0]++ % 100 == 0 ? "" : "document " + read[0]);
            }
        };
        Iterator<Row> out = f.call(in);
        assertTrue(out.hasNext());
        int[] first = (int[]) out.next().get(0);
        // "document 2" (the first, empty, adds nothing) is 10 ids and EOS: the first sequence needs that document alone
        assertEquals(2, read[0], "documents read for the first sequence");
        assertArrayEquals(Arrays.copyOf(Tokenizers.byteLevel().encode("document 2", false), 8), first);
        long sequences = 1;
        while (out.hasNext()) {
            assertEquals(8, ((int[]) out.next().get(0)).length);
            sequences++;
        }
        assertFalse(out.hasNext());
        long expected = 0;
        for (int i = 1; i <= documents; i++) {
            expected += (i - 1) % 100 == 0 ? 0 : ("document " + i).length() + 1;
        }
        // the counts, added once the partition's last document is packed, and once only
        assertEquals(expected, tokens.value());
        assertEquals(expected / 8, sequences);
        assertEquals(expected % 8, dropped.value());
        assertEquals(documents / 100, withoutTokens.value());
        assertEquals(0, padding.value());
    }
}
