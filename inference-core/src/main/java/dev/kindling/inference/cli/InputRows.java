package dev.kindling.inference.cli;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;

/**
 * The rows of {@code generate --input}, read lazily: one line at a time from the file, so the input may be any size (it
 * was read whole, which capped it at 2 GiB and held every row in memory). Each non-blank line is a {@link Row}: its JSON,
 * or why it has none (not UTF-8, not JSON, not a JSON object, longer than {@link #MAX_LINE_BYTES}), which its output row
 * reports while the other rows are generated. Blank lines are skipped but counted, so line numbers are the file's.
 *
 * <p>A line over the bound is skipped unread to its newline (its bytes are counted, not kept): a file without newlines,
 * or with one huge line, is that row's error instead of an {@code OutOfMemoryError}. An {@link IOException} while
 * reading is an {@link UncheckedIOException} out of {@link #hasNext}.
 */
final class InputRows implements Iterator<InputRows.Row>, Closeable {
    /** The longest line read, in bytes: as {@link PromptFile#MAX_BYTES}, more text than any model's context holds. */
    static final int MAX_LINE_BYTES = PromptFile.MAX_BYTES;

    /**
     * A non-blank input line and its number (from 1, for messages): its JSON object, or why it has none ({@code error}).
     */
    record Row(long line, JsonNode json, String error) {
    }

    // more after a line's object (two rows on one line, a newline lost) is not JSON, as Python's json.loads says "Extra
    // data": Jackson read the first object and dropped the rest without a word
    // Jackson's default 20 MB string limit made a long prompt "not JSON" (its id lost) under the 256 MiB a line may have
    private static final ObjectMapper JSON = new ObjectMapper(com.fasterxml.jackson.core.JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build()).enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final Path file;
    private final InputStream in;
    private final int maxLineBytes;
    private final byte[] chunk = new byte[1 << 16];
    private int chunkPos;
    private int chunkEnd;
    private boolean eof;
    private byte[] line = new byte[1 << 12];
    private long lineNumber;
    private Row next;

    /** Opens {@code file}; an {@link IOException} when it cannot be opened. */
    InputRows(Path file) throws IOException {
        this(file, MAX_LINE_BYTES);
    }

    InputRows(Path file, int maxLineBytes) throws IOException {
        this.file = file;
        this.maxLineBytes = maxLineBytes;
        this.in = Files.newInputStream(file);
    }

    /** The number of the last line read (blank ones included). */
    long linesRead() {
        return lineNumber;
    }

    @Override
    public boolean hasNext() {
        try {
            while (next == null && !eof) {
                next = readLine();
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + " after line " + lineNumber + ": " + e, e);
        }
        return next != null;
    }

    @Override
    public Row next() {
        if (!hasNext()) {
            throw new NoSuchElementException();
        }
        Row r = next;
        next = null;
        return r;
    }

    @Override
    public void close() throws IOException {
        in.close();
    }

    /** Reads one line: its row, or null for a blank line (or nothing left). */
    private Row readLine() throws IOException {
        long length = 0; // the line's bytes, kept or not
        int kept = 0;
        boolean any = false;
        while (true) {
            if (chunkPos == chunkEnd) {
                int n = in.read(chunk);
                if (n < 0) {
                    eof = true;
                    break;
                }
                chunkPos = 0;
                chunkEnd = n;
            }
            any = true;
            int end = chunkPos;
            while (end < chunkEnd && chunk[end] != '\n') {
                end++;
            }
            int n = end - chunkPos;
            if (length + n <= maxLineBytes) {
                if (kept + n > line.length) {
                    line = Arrays.copyOf(line, (int) Math.min(maxLineBytes, Math.max((long) kept + n, 2L * line.length)));
                }
                System.arraycopy(chunk, chunkPos, line, kept, n);
                kept += n;
            }
            length += n;
            if (end < chunkEnd) {
                chunkPos = end + 1;
                break;
            }
            chunkPos = chunkEnd;
        }
        if (!any) {
            return null; // the end of the file, right after a newline (or an empty file)
        }
        lineNumber++;
        String where = file + " line " + lineNumber;
        if (length > maxLineBytes) {
            if (line.length > 1 << 12) {
                line = new byte[1 << 12]; // the buffer of the longest line is not kept for the lines after it
            }
            return new Row(lineNumber, null, where + " is " + length + " bytes, over the " + describe(maxLineBytes)
                    + " a line may have (no model's context holds that much text): split it or shorten it");
        }
        // a UTF-8 byte order mark starting the file is not text: skipped, as the Spark job's reader (Hadoop's LineReader)
        // and Python's json.loads of the bytes skip it; it made line 1 "not JSON" (Jackson reads it as a character)
        int from = lineNumber == 1 && kept >= 3 && (line[0] & 0xff) == 0xef && (line[1] & 0xff) == 0xbb && (line[2] & 0xff) == 0xbf
                ? 3 : 0;
        try {
            // offsets count from the line's first byte, the byte order mark's on line 1
            String text = StrictUtf8.decode(line, from, kept, 0, where);
            if (text.isBlank()) {
                return null;
            }
            JsonNode row = JSON.readTree(text);
            if (!row.isObject()) {
                return new Row(lineNumber, null, where + " is not a JSON object");
            }
            // a key given twice: readTree keeps its last value and loses the first without a word, where the Spark job's
            // reader refuses the row
            String twice = dev.kindling.formats.JsonLines.objectLineError(Arrays.copyOfRange(line, from, kept));
            if (twice != null) {
                return new Row(lineNumber, null, where + ": " + twice);
            }
            // an escape of half a surrogate pair ("\ud800") is valid JSON but no text: UTF-8 cannot encode it, and writing
            // the row back failed the whole output after it (the Spark job's reader refuses such a line the same way)
            String bad = unpairedSurrogate(row, "");
            return bad == null ? new Row(lineNumber, row, null) : new Row(lineNumber, null, where + " is not text: " + bad);
        } catch (IllegalArgumentException e) { // not UTF-8: StrictUtf8's message, with the bad byte's offset in the line
            return new Row(lineNumber, null, e.getMessage());
        } catch (IOException e) {
            return new Row(lineNumber, null, where + " is not JSON: " + e.getMessage().lines().findFirst().orElse(""));
        } finally {
            if (line.length > 1 << 20) {
                line = new byte[1 << 12];
            }
        }
    }

    /** Where a string of {@code node} (its field path) holds half a surrogate pair, or null. */
    private static String unpairedSurrogate(JsonNode node, String path) {
        if (node.isTextual()) {
            return unpairedSurrogate(node.textValue(), path.isEmpty() ? "the value" : "field " + path);
        }
        if (node.isObject()) {
            for (java.util.Iterator<java.util.Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                java.util.Map.Entry<String, JsonNode> e = it.next();
                String bad = unpairedSurrogate(e.getKey(), "a field name");
                if (bad == null) {
                    bad = unpairedSurrogate(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
                }
                if (bad != null) {
                    return bad;
                }
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                String bad = unpairedSurrogate(node.get(i), path + "[" + i + "]");
                if (bad != null) {
                    return bad;
                }
            }
        }
        return null;
    }

    /** Where {@code t} (called {@code what}) holds half a surrogate pair, or null. */
    private static String unpairedSurrogate(String t, String what) {
        int i = dev.kindling.inference.GenerationRequest.firstUnpairedSurrogate(t);
        return i < 0 ? null : what + " holds an unpaired surrogate escape \\u" + String.format("%04X", (int) t.charAt(i))
                + " at character " + (i + 1) + " of its string";
    }

    private static String describe(int bytes) {
        return bytes % (1 << 20) == 0 ? (bytes >> 20) + " MiB" : bytes + " bytes";
    }
}
