package dev.kindling.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of generated token ids into text without ever emitting half a character: token
 * bytes ({@link Tokenizer#tokenBytes}) accumulate, and only complete UTF-8 sequences come out.
 * Bytes that can never become valid UTF-8 come out as U+FFFD (one per maximal invalid subpart, as
 * {@link dev.kindling.tokenizer.text.Utf8#decodeLossy}); {@link #flush()} emits what is left at the end. Where the
 * tokenizer's decoder joins runs of byte tokens as Hugging Face's ByteFallback does ({@link Tokenizer#fallbackByte}:
 * an invalid run is one U+FFFD per byte, its valid bytes too), a run is held until a token that is not a byte token
 * ends it (a skipped special token does not), so the pieces add up to {@code decode(ids, skipSpecialTokens)}: a
 * Llama 2 {@code <0x0A>} before a character cut short decodes as {@code ���}, not as a newline and one U+FFFD. Where
 * the decoder gives a token its text by its place ({@link Tokenizer#placedText}: WordPiece, BERT's), each token comes
 * out as decode places it: a space before a word that is not the first token, none before a {@code ##} continuation,
 * each token cleaned up on its own.
 *
 * <pre>{@code
 * StreamingDecoder sd = new StreamingDecoder(tokenizer, true);
 * for (int id : generated) System.out.print(sd.next(id));
 * System.out.print(sd.flush());
 * }</pre>
 *
 * <p>One instance per generation stream (not thread-safe). With {@code stripLeadingSpace} the
 * first non-special piece loses one leading space, as SentencePiece decoding does after BOS.
 */
public final class StreamingDecoder {
    private final Tokenizer tokenizer;
    private final boolean skipSpecialTokens;
    /** Whether byte runs are joined as the tokenizer's decode joins them ({@link Tokenizer#fallbackByte}). */
    private final boolean asDecode;
    private boolean stripLeadingSpace;
    private byte[] pending = new byte[16];
    private int n;
    /** The byte tokens of a ByteFallback run not yet ended ({@link Tokenizer#fallbackByte}). */
    private byte[] run = new byte[16];
    private int runLength;
    /** Whether no token has had its place yet ({@link Tokenizer#placedText}: decode's first token). */
    private boolean first = true;

    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this(tokenizer, skipSpecialTokens, false);
    }

    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens, boolean stripLeadingSpace) {
        this(tokenizer, skipSpecialTokens, stripLeadingSpace, true);
    }

    private StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens, boolean stripLeadingSpace, boolean asDecode) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.stripLeadingSpace = stripLeadingSpace;
        this.asDecode = asDecode;
    }

    /**
     * Pieces that add up to the lossy UTF-8 of the tokens' bytes ({@link Tokenizer#tokenBytes} joined, one U+FFFD per
     * maximal invalid subpart) whatever the decoder: the generation engine's text, which is its tokens' bytes. It
     * differs from {@code decode} only where a ByteFallback run is not valid UTF-8 ({@code <0x0A><0xF0><0x9F>} gives
     * a newline and one U+FFFD, HF's decode three) or where the decoder places its tokens (a WordPiece
     * tokenizer.json's words run together, {@link Tokenizer#placedText}), and holds no byte token back for the run's end.
     */
    public static StreamingDecoder ofTokenBytes(Tokenizer tokenizer, boolean skipSpecialTokens, boolean stripLeadingSpace) {
        return new StreamingDecoder(tokenizer, skipSpecialTokens, stripLeadingSpace, false);
    }

    /** Adds one token; returns the text that is now complete (possibly empty). */
    public String next(int id) {
        if (skipSpecialTokens && tokenizer.isSpecial(id)) {
            return "";
        }
        int fallback = asDecode ? tokenizer.fallbackByte(id) : -1;
        if (fallback >= 0) {
            if (runLength == run.length) {
                run = Arrays.copyOf(run, run.length * 2);
            }
            run[runLength++] = (byte) fallback;
            return "";
        }
        endRun();
        String placed = asDecode ? tokenizer.placedText(id, first) : null;
        if (placed != null) {
            first = false;
            append(placed.getBytes(java.nio.charset.StandardCharsets.UTF_8), false); // decode's text: no space to strip
        } else {
            append(tokenizer.tokenBytes(id), !tokenizer.isSpecial(id));
        }
        return drain(false);
    }

    /** Emits whatever is still buffered (an incomplete sequence becomes U+FFFD). */
    public String flush() {
        endRun();
        return drain(true);
    }

    /** Bytes held back because they may be the start of a character or are in a byte run not yet ended. */
    public int pendingBytes() {
        return n + runLength;
    }

    /** The text of the byte run that has ended goes to the pending bytes, as ByteFallback gives it. */
    private void endRun() {
        if (runLength > 0) {
            String text = dev.kindling.tokenizer.decode.Decoders.byteRunText(run, 0, runLength);
            runLength = 0;
            append(text.getBytes(java.nio.charset.StandardCharsets.UTF_8), true);
        }
    }

    /** Adds a token's bytes; the first token's leading space goes where it is to be stripped, unless it is special. */
    private void append(byte[] b, boolean text) {
        int off = 0;
        if (stripLeadingSpace) {
            // a special token kept in the text comes first and keeps the space after it, as decode keeps it
            if (text && b.length > 0 && b[0] == ' ') {
                off = 1;
            }
            stripLeadingSpace = false;
        }
        if (n + b.length - off > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, n + b.length));
        }
        System.arraycopy(b, off, pending, n, b.length - off);
        n += b.length - off;
    }

    private String drain(boolean all) {
        int keep = all ? 0 : incompleteTail();
        int emit = n - keep;
        if (emit <= 0) {
            return "";
        }
        String s = dev.kindling.tokenizer.text.Utf8.decodeLossy(pending, 0, emit);
        System.arraycopy(pending, emit, pending, 0, keep);
        n = keep;
        return s;
    }

    /** Length of a trailing prefix of a valid multi-byte sequence that may still be completed. */
    private int incompleteTail() {
        for (int back = 1; back <= Math.min(3, n); back++) {
            int c = pending[n - back] & 0xFF;
            if (c < 0x80) {
                return 0;
            }
            if (c >= 0xC0) { // a lead byte
                int need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                if (c > 0xF4 || c < 0xC2) {
                    return 0;
                }
                if (back >= need) {
                    return 0;
                }
                // the continuation bytes seen so far must be allowed after this lead
                if (back >= 2) {
                    int c1 = pending[n - back + 1] & 0xFF;
                    int lo = c == 0xE0 ? 0xA0 : c == 0xF0 ? 0x90 : 0x80;
                    int hi = c == 0xED ? 0x9F : c == 0xF4 ? 0x8F : 0xBF;
                    if (c1 < lo || c1 > hi) {
                        return 0;
                    }
                }
                return back;
            }
        }
        return 0;
    }
}
