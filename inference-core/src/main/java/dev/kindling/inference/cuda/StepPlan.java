package dev.kindling.inference.cuda;

import dev.kindling.inference.backend.Step;
import dev.kindling.inference.model.ModelConfig;
import java.util.Arrays;

/**
 * The host-side layout of one {@link Step} for the kernels (pure Java; the CUDA backend uploads
 * these arrays, the Java reference reads them): each token's KV slot, the attention tiles (runs of
 * consecutive positions of one sequence, at most {@link #ATT_ROWS} query rows per tile), the
 * flattened block tables, and where each token's flash-decoding partials go.
 */
public final class StepPlan {
    /** Positions per flash-decoding split (= ATT_SPLIT in ops.cu). */
    public static final int ATT_SPLIT = 512;
    /** Positions per online-softmax step (= ATT_CHUNK). */
    public static final int ATT_CHUNK = 32;
    /** Query rows (tokens x heads per KV head) per attention CTA (= ATT_ROWS). */
    public static final int ATT_ROWS = 32;

    public final int tokens;
    public final int[] tokenIds;
    public final int[] positions;
    /** KV slot of each token: block * blockSize + position % blockSize. */
    public final int[] slots;
    public final int tileCount;
    public final int[] tileToken;
    public final int[] tileLen;
    public final int[] tileSeq;
    /** Block tables of the step's sequences, one after the other. */
    public final int[] tables;
    public final int[] tableOff;
    /** First partial slot of each token: its heads x splits slots follow. */
    public final int[] partBase;
    public final int partSlots;
    /** Most splits of any token (the attention grid's z). */
    public final int maxSplits;
    public final int logitRows;
    public final int[] logitTokens;
    /** True when every token is a sequence's only token in the step (a decode step). */
    public final boolean decodeOnly;

    public StepPlan(Step s, ModelConfig c, int blockSize) {
        int n = s.tokenCount();
        this.tokens = n;
        tokenIds = new int[n];
        positions = new int[n];
        slots = new int[n];
        int g = c.heads() / c.kvHeads();
        int perTile = Math.max(1, ATT_ROWS / g);
        int[] tt = new int[n];
        int[] tl = new int[n];
        int[] ts = new int[n];
        int tiles = 0;
        int[] seqTokens = new int[s.sequenceCount()];
        for (int t = 0; t < n; t++) {
            int seq = s.sequenceOf(t);
            int pos = s.position(t);
            int[] table = s.blockTable(seq);
            if (pos < 0 || pos / blockSize >= table.length) {
                throw new IllegalStateException("token " + t + " at position " + pos + " has no KV block (its table holds "
                        + table.length + " blocks of " + blockSize + ")");
            }
            tokenIds[t] = s.token(t);
            positions[t] = pos;
            slots[t] = table[pos / blockSize] * blockSize + pos % blockSize;
            seqTokens[seq]++;
            boolean extend = tiles > 0 && ts[tiles - 1] == seq && tl[tiles - 1] < perTile
                    && positions[tt[tiles - 1]] + tl[tiles - 1] == pos && tt[tiles - 1] + tl[tiles - 1] == t;
            if (extend) {
                tl[tiles - 1]++;
            } else {
                tt[tiles] = t;
                tl[tiles] = 1;
                ts[tiles] = seq;
                tiles++;
            }
        }
        tileCount = tiles;
        tileToken = Arrays.copyOf(tt, tiles);
        tileLen = Arrays.copyOf(tl, tiles);
        tileSeq = Arrays.copyOf(ts, tiles);
        tableOff = new int[s.sequenceCount()];
        int total = 0;
        for (int q = 0; q < s.sequenceCount(); q++) {
            tableOff[q] = total;
            total += s.blockTable(q).length;
        }
        tables = new int[Math.max(1, total)];
        for (int q = 0; q < s.sequenceCount(); q++) {
            System.arraycopy(s.blockTable(q), 0, tables, tableOff[q], s.blockTable(q).length);
        }
        partBase = new int[n];
        int slotsSoFar = 0;
        int most = 1;
        boolean decode = true;
        for (int t = 0; t < n; t++) {
            partBase[t] = slotsSoFar;
            int ns = splits(positions[t]);
            most = Math.max(most, ns);
            slotsSoFar += c.heads() * ns;
            decode &= seqTokens[s.sequenceOf(t)] == 1;
        }
        partSlots = slotsSoFar;
        maxSplits = most;
        decodeOnly = decode;
        logitRows = s.logitCount();
        logitTokens = new int[logitRows];
        for (int i = 0; i < logitRows; i++) {
            logitTokens[i] = s.logitToken(i);
        }
    }

    /** Flash-decoding splits of a token at {@code position}. */
    public static int splits(int position) {
        return position / ATT_SPLIT + 1;
    }
}
