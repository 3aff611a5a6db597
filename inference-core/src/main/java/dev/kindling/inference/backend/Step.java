package dev.kindling.inference.backend;

/**
 * One forward step over a batch of tokens from one or more sequences — the unit of work the
 * scheduler hands to a {@link Backend}. Prefill chunks and decode tokens of different sequences
 * mix freely: each token carries its sequence and position, and each sequence its KV block table.
 *
 * <p>The scheduler fills it ({@link #clear}, {@link #addSequence}, {@link #addToken}); the backend
 * reads it and writes {@link #logits} for the tokens marked {@code wantLogits} (in the order they
 * were added), and {@link #hidden} (final normalised hidden state of every token) when
 * {@link #wantHidden} is set.
 */
public final class Step {
    private final int capacity;
    private int tokenCount;
    private final int[] tokens;
    private final int[] positions;
    private final int[] sequenceOf;
    private int sequenceCount;
    private int[][] blockTables = new int[8][];
    private int logitCount;
    private final int[] logitTokens;
    /** {@code logitCount x vocab}, row i = next-token logits after token {@code logitTokens[i]}. */
    public float[] logits = new float[0];
    /** Set by the scheduler when some sequence in the step wants embeddings. */
    public boolean wantHidden;
    /** {@code tokenCount x} {@link Backend#hiddenWidth()} when {@link #wantHidden}. */
    public float[] hidden = new float[0];
    /**
     * Set by the scheduler only when {@link Backend#reducesLogits()}: per logit row, a reduction
     * (argmax, sample with a given coin, log-prob of a target) the backend computes where the
     * logits are, so a GPU copies back one id or value per row instead of a vocabulary of floats.
     * Results go to {@link #reducedTokens} and {@link #reducedValues} (row i at index i); those
     * rows of {@link #logits} are then unspecified. A null array or entry asks for the full row.
     */
    public LogitReduction[] reductions;
    public int[] reducedTokens = new int[0];
    public float[] reducedValues = new float[0];

    public Step(int capacity) {
        this.capacity = capacity;
        tokens = new int[capacity];
        positions = new int[capacity];
        sequenceOf = new int[capacity];
        logitTokens = new int[capacity];
    }

    public void clear() {
        tokenCount = 0;
        sequenceCount = 0;
        logitCount = 0;
        wantHidden = false;
        reductions = null;
    }

    /** Registers a sequence by its KV block table (block ids in position order); returns its index. */
    public int addSequence(int[] blockTable) {
        if (sequenceCount == blockTables.length) {
            blockTables = java.util.Arrays.copyOf(blockTables, sequenceCount * 2);
        }
        blockTables[sequenceCount] = blockTable;
        return sequenceCount++;
    }

    /** Adds a token of sequence {@code seq} at {@code position}; returns its index in the step. */
    public int addToken(int seq, int token, int position, boolean wantLogits) {
        if (tokenCount == capacity) {
            throw new IllegalStateException("step is full (" + capacity + " tokens)");
        }
        tokens[tokenCount] = token;
        positions[tokenCount] = position;
        sequenceOf[tokenCount] = seq;
        if (wantLogits) {
            logitTokens[logitCount++] = tokenCount;
        }
        return tokenCount++;
    }

    public int capacity() {
        return capacity;
    }

    public int remaining() {
        return capacity - tokenCount;
    }

    public int tokenCount() {
        return tokenCount;
    }

    public int token(int i) {
        return tokens[i];
    }

    public int position(int i) {
        return positions[i];
    }

    public int sequenceOf(int i) {
        return sequenceOf[i];
    }

    public int sequenceCount() {
        return sequenceCount;
    }

    public int[] blockTable(int seq) {
        return blockTables[seq];
    }

    public int logitCount() {
        return logitCount;
    }

    public int logitToken(int i) {
        return logitTokens[i];
    }
}
