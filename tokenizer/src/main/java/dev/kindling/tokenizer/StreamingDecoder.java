package dev.kindling.tokenizer;

import java.util.Arrays;

/**
 * Turns a stream of generated token ids into text without ever emitting half a character: token
 * bytes ({@link Tokenizer#tokenBytes}) accumulate, and only complete UTF-8 sequences come out.
 * Bytes that can never become valid UTF-8 come out as U+FFFD (one per maximal invalid subpart, as
 * {@link dev.kindling.tokenizer.text.Utf8#decodeLossy}); {@link #flush()} emits what is left at the end.
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
    private boolean stripLeadingSpace;
    private byte[] pending = new byte[16];
    private int n;

    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens) {
        this(tokenizer, skipSpecialTokens, false);
    }

    public StreamingDecoder(Tokenizer tokenizer, boolean skipSpecialTokens, boolean stripLeadingSpace) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.stripLeadingSpace = stripLeadingSpace;
    }

    /** Adds one token; returns the text that is now complete (possibly empty). */
    public String next(int id) {
        if (skipSpecialTokens && tokenizer.isSpecial(id)) {
            return "";
        }
        byte[] b = tokenizer.tokenBytes(id);
        int off = 0;
        if (stripLeadingSpace && !tokenizer.isSpecial(id)) {
            if (b.length > 0 && b[0] == ' ') {
                off = 1;
            }
            stripLeadingSpace = false;
        }
        if (n + b.length - off > pending.length) {
            pending = Arrays.copyOf(pending, Math.max(pending.length * 2, n + b.length));
        }
        System.arraycopy(b, off, pending, n, b.length - off);
        n += b.length - off;
        return drain(false);
    }

    /** Emits whatever is still buffered (an incomplete sequence becomes U+FFFD). */
    public String flush() {
        return drain(true);
    }

    /** Bytes held back because they may be the start of a character. */
    public int pendingBytes() {
        return n;
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
