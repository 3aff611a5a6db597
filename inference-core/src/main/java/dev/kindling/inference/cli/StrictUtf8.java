package dev.kindling.inference.cli;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Strict UTF-8 for the commands' input files ({@link PromptFile}, each line of {@code generate --input}): bytes that are
 * not UTF-8 are an error giving the offset and value of the first bad one, never text with U+FFFD in their place.
 */
final class StrictUtf8 {
    private StrictUtf8() {}

    /**
     * The text of {@code bytes[from, to)}; an {@link IllegalArgumentException} "{@code what} is not valid UTF-8: byte offset
     * N (0xNN)" when it is not, N counted from {@code base} (the start of the file or of the line, which may lie before
     * {@code from}: a byte order mark skipped). A sequence cut short at {@code to} is bad at its first byte.
     */
    static String decode(byte[] bytes, int from, int to, int base, String what) {
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        ByteBuffer in = ByteBuffer.wrap(bytes, from, to - from);
        CharBuffer out = CharBuffer.allocate(to - from);
        CoderResult r = utf8.decode(in, out, true);
        if (r.isUnderflow()) {
            r = utf8.flush(out);
        }
        if (r.isError()) {
            // the decoder stops at the first byte of the bad sequence
            throw new IllegalArgumentException(what + " is not valid UTF-8: byte offset " + (in.position() - base) + " (0x"
                    + String.format("%02x", bytes[in.position()] & 0xff) + ")");
        }
        return out.flip().toString();
    }
}
