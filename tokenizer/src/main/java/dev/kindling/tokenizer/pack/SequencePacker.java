package dev.kindling.tokenizer.pack;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Packs tokenized documents into fixed-length training sequences, the standard pre-training layout:
 * each document's ids followed by EOS are appended to one running stream, which is cut every
 * {@code seqLen} tokens. A document longer than the space left continues in the next sequence (no
 * token is dropped). At the end, the partial last sequence is either dropped (counted in
 * {@link #droppedTokens()}) or padded with {@code padId}.
 *
 * <pre>{@code
 * SequencePacker p = new SequencePacker(2048, tok.eosId(), seq -> shard.addDocument(seq));
 * for (String text : docs) p.add(tok.encode(text, false));
 * p.finish(false, -1);
 * }</pre>
 *
 * Not thread-safe (one per output stream).
 */
public final class SequencePacker {
    private final int seqLen;
    private final int eosId;
    private final Consumer<int[]> sink;
    private final int[] buf;
    private int fill;
    private long documents;
    private long withoutTokens;
    private long sequences;
    private long tokens;
    private long dropped;
    private long padded;

    /**
     * @param eosId appended after each document; -1 appends nothing (documents then run together)
     * @param sink receives each full sequence (a fresh array it may keep)
     */
    public SequencePacker(int seqLen, int eosId, Consumer<int[]> sink) {
        if (seqLen <= 0) {
            throw new IllegalArgumentException("seqLen must be positive, got " + seqLen);
        }
        this.seqLen = seqLen;
        this.eosId = eosId;
        this.sink = sink;
        this.buf = new int[seqLen];
    }

    /**
     * Appends one document (its ids, then EOS). A document without ids (a text its tokenizer normalises away, such as
     * zero-width spaces) adds nothing: as in Megatron's preprocess_data.py, which appends EOD only after a document's
     * tokens, not a lone EOS.
     */
    public void add(int[] ids) {
        documents++;
        if (ids.length == 0) {
            withoutTokens++;
            return;
        }
        for (int id : ids) {
            put(id);
        }
        if (eosId >= 0) {
            put(eosId);
        }
    }

    /** Documents added without ids, which added nothing. */
    public long documentsWithoutTokens() {
        return withoutTokens;
    }

    private void put(int id) {
        buf[fill++] = id;
        tokens++;
        if (fill == seqLen) {
            sink.accept(buf.clone());
            sequences++;
            fill = 0;
        }
    }

    /** Ends the stream: the partial sequence is padded with {@code padId} when {@code pad}, else dropped. */
    public void finish(boolean pad, int padId) {
        if (fill == 0) {
            return;
        }
        if (pad) {
            int[] last = Arrays.copyOf(buf, seqLen);
            Arrays.fill(last, fill, seqLen, padId);
            padded += seqLen - fill;
            sink.accept(last);
            sequences++;
        } else {
            dropped += fill;
        }
        fill = 0;
    }

    public long documents() {
        return documents;
    }

    public long sequences() {
        return sequences;
    }

    /** Tokens added (document ids and EOS), before padding or dropping. */
    public long tokens() {
        return tokens;
    }

    /** Tokens of the last partial sequence dropped by {@link #finish}. */
    public long droppedTokens() {
        return dropped;
    }

    public long paddingTokens() {
        return padded;
    }
}
