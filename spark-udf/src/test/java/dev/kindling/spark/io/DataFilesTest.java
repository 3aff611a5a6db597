package dev.kindling.spark.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.spark.KindlingException;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A folder's data files are the ones Spark's readers read: a {@code _} or {@code .} name at any level below the folder
 * hides a file, as it does for the readers. Format inference looked at the file's own name alone, so a job's leftover
 * {@code _temporary/} Parquet files beside JSON Lines parts made the folder "mix formats", though Spark reads the JSON only.
 */
class DataFilesTest {
    @TempDir Path tmp;

    @Test
    void filesInHiddenFoldersAreNotData() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        Files.writeString(out.resolve("part-00000.json"), "{\"text\":\"a\"}\n");
        Files.writeString(out.resolve("_SUCCESS"), "");
        Files.writeString(Files.createDirectories(out.resolve("_temporary/0/task_1")).resolve("part-00001.parquet"), "PAR1");
        Files.writeString(Files.createDirectories(out.resolve(".spark-staging-1")).resolve("part-00002.txt"), "x\n");
        Files.writeString(Files.createDirectories(out.resolve("lang=en")).resolve("part-00003.json"), "{\"text\":\"b\"}\n");
        Configuration conf = new Configuration();
        org.apache.hadoop.fs.Path folder = new org.apache.hadoop.fs.Path(out.toUri());
        List<FileStatus> files = DataFormat.dataFiles(FileSystem.get(folder.toUri(), conf), folder);
        assertEquals(List.of("part-00000.json", "part-00003.json"),
                files.stream().map(f -> f.getPath().getName()).sorted().toList());
        assertEquals(DataFormat.JSONL, DataFormat.infer(out.toString(), conf));
    }

    /**
     * Hadoop reads every input as a glob, so a file whose name holds {@code [1]} or {@code {x}} is matched by its pattern,
     * not its name: {@code data[1].jsonl} was refused as "does not exist", though it is there. The error says so and how
     * to escape the name; a name that matches nothing and is not there stays "does not exist", unexplained.
     */
    @Test
    void aFileWhoseNameReadsAsAGlobIsNotSaidToBeMissing() throws Exception {
        Configuration conf = new Configuration();
        for (String name : new String[] {"data[1].jsonl", "h{x}.jsonl"}) {
            Path file = Files.writeString(tmp.resolve(name), "{\"text\":\"a\"}\n");
            String escaped = file.toString().replaceAll("([\\[\\]{}])", "\\\\$1");
            KindlingException e = assertThrows(KindlingException.class, () -> DataFormat.infer(file.toString(), conf));
            assertTrue(e.getMessage().contains("input " + file + " matches no file as a glob") && e.getMessage().contains("is there")
                    && e.getMessage().contains(escaped), e.getMessage());
            assertEquals(DataFormat.JSONL, DataFormat.infer(escaped, conf), "the escaped name reads the file");
        }
        KindlingException missing = assertThrows(KindlingException.class,
                () -> DataFormat.infer(tmp.resolve("gone[2].jsonl").toString(), conf));
        assertEquals("input " + tmp.resolve("gone[2].jsonl") + " does not exist", missing.getMessage());
    }

    /**
     * A name whose glob matches another file, the named one there too ({@code data[1].jsonl} beside {@code data1.jsonl}),
     * read the other file in silence, exit 0. It is refused as the unmatched name is, naming what the glob matched; a
     * folder of such a name is said to be a folder.
     */
    @Test
    void aGlobThatMatchesAnotherFileThanTheNamedOneIsRefused() throws Exception {
        Configuration conf = new Configuration();
        Path named = Files.writeString(tmp.resolve("data[1].jsonl"), "{\"text\":\"named\"}\n");
        Files.writeString(tmp.resolve("data1.jsonl"), "{\"text\":\"other\"}\n");
        KindlingException e = assertThrows(KindlingException.class, () -> DataFormat.infer(named.toString(), conf));
        assertTrue(e.getMessage().contains("input " + named + " matches ") && e.getMessage().contains(tmp.resolve("data1.jsonl") + " as a glob")
                && e.getMessage().contains("though a file of that name is there")
                && e.getMessage().contains(named.toString().replaceAll("([\\[\\]])", "\\\\$1")), e.getMessage());

        Path folder = Files.createDirectories(tmp.resolve("f[2]"));
        Files.writeString(folder.resolve("x.jsonl"), "{\"text\":\"in folder\"}\n");
        KindlingException f = assertThrows(KindlingException.class, () -> DataFormat.infer(folder.toString(), conf));
        assertTrue(f.getMessage().contains("matches no file as a glob") && f.getMessage().contains("though a folder of that name is there"),
                f.getMessage());

        // the glob's characters in a parent folder: the match is named whole, not by the base name both share
        Path inRun = Files.writeString(Files.createDirectories(tmp.resolve("run[1]")).resolve("data.jsonl"), "{\"text\":\"named\"}\n");
        Path other = Files.writeString(Files.createDirectories(tmp.resolve("run1")).resolve("data.jsonl"), "{\"text\":\"other\"}\n");
        KindlingException g = assertThrows(KindlingException.class, () -> DataFormat.infer(inRun.toString(), conf));
        assertTrue(g.getMessage().contains(other + " as a glob"), g.getMessage());
    }
}
