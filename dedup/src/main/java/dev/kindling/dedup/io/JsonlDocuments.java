package dev.kindling.dedup.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kindling.dedup.Document;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Reads JSON Lines of documents ({@code {"id": ..., "text": ...}}, other fields ignored; {@code .gz}
 * decompressed). A line that is not such an object, or gives the id or the text twice, fails with the file and line number (an {@link UncheckedIOException}
 * caused by a {@link BadDocumentException}).
 *
 * <pre>{@code
 * List<Document> docs = JsonlDocuments.read(Path.of("corpus.jsonl.gz"), "id", "text");
 * }</pre>
 */
public final class JsonlDocuments {
    /**
     * Jackson's default (since 2.15) refuses a string over 20M characters as invalid JSON: a whole book in one document is
     * valid input, which the Spark reader reads (its limit raised so too), and bench dedup failed on it.
     */
    private static final JsonFactory JSON = JsonFactory.builder()
            .streamReadConstraints(com.fasterxml.jackson.core.StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
            .build();

    private JsonlDocuments() {}

    /**
     * Every document of the file, in file order. Lines end at {@code \n} alone, a {@code \r} before it (or ending the
     * file) being part of the line end, as the Spark reader's JSON Lines, {@code decontaminate} and {@code bench tokenizer}
     * read them: a raw {@code \r} inside a record is JSON white space, which {@code json.loads} of the {@code \n}-split
     * line takes (ended there, the record was cut into two malformed lines, and the lines after it numbered one too far).
     * Each line is decoded on its own, so a byte that is not UTF-8 is an error naming its line and byte (a decoding reader
     * would have put U+FFFD in its place and read on).
     */
    public static List<Document> read(Path file, String idField, String textField) {
        List<Document> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();   // reports malformed input
            ByteArrayOutputStream line = new ByteArrayOutputStream(1 << 12);
            byte[] buf = new byte[1 << 16];
            int lineNo = 0;
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    if (buf[i] == '\n') {
                        line.write(buf, start, i - start);
                        add(out, line, utf8, file, ++lineNo, idField, textField);
                        start = i + 1;
                    }
                }
                line.write(buf, start, n - start);
            }
            if (line.size() > 0) {
                add(out, line, utf8, file, ++lineNo, idField, textField);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
    }

    private static void add(List<Document> out, ByteArrayOutputStream bytes, CharsetDecoder utf8, Path file, int lineNo,
                            String idField, String textField) throws IOException {
        byte[] b = bytes.toByteArray();
        bytes.reset();
        // a \r that ends the line is part of its line end (\r\n, or a \r that ends the file)
        ByteBuffer in = ByteBuffer.wrap(b, 0, b.length > 0 && b[b.length - 1] == '\r' ? b.length - 1 : b.length);
        CharBuffer chars = CharBuffer.allocate(in.remaining());
        utf8.reset();
        CoderResult r = utf8.decode(in, chars, true);
        if (r.isError()) {
            throw new BadDocumentException(file, lineNo, "invalid UTF-8 at byte " + in.position() + " of the line", null);
        }
        utf8.flush(chars);
        String line = chars.flip().toString();
        if (!line.isBlank()) {
            out.add(parse(line, file, lineNo, idField, textField));
        }
    }

    static Document parse(String line, Path file, int lineNo, String idField, String textField) throws IOException {
        String id = null;
        String text = null;
        boolean idSeen = false;
        boolean textSeen = false;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadDocumentException(file, lineNo, "expected a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                // a key given twice kept its last value, the first lost without a word (pyarrow refuses the row, and the
                // Spark reader sets it aside): the two fields read here are refused, as the others are not read
                if (name.equals(idField) ? idSeen : name.equals(textField) && textSeen) {
                    throw new BadDocumentException(file, lineNo, "key '" + name + "' given twice in the line's object, the "
                            + "second at character " + (line.codePointCount(0, (int) p.currentTokenLocation().getCharOffset()) + 1)
                            + " of the line (a reader keeps one of its values and loses the other)", null);
                }
                idSeen |= name.equals(idField);
                textSeen |= name.equals(textField);
                JsonToken v = p.nextToken();
                if (name.equals(idField) && v != JsonToken.VALUE_NULL) {
                    id = v.isScalarValue() ? p.getValueAsString() : null;
                } else if (name.equals(textField) && v == JsonToken.VALUE_STRING) {
                    text = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            String more = afterObject(line, (int) p.currentTokenLocation().getCharOffset() + 1);
            if (more != null) {
                throw new BadDocumentException(file, lineNo, more, null);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new BadDocumentException(file, lineNo, "invalid JSON: " + e.getOriginalMessage(), e);
        }
        if (id == null) {
            throw new BadDocumentException(file, lineNo, "field '" + idField + "' is missing or null", null);
        }
        if (text == null) {
            throw new BadDocumentException(file, lineNo, "field '" + textField + "' is missing or not a string", null);
        }
        return new Document(id, text);
    }

    /**
     * What follows the object that ends before {@code from} in {@code line}, as an error naming the character where it
     * starts (from 1, in code points, as the Spark reader counts), or null when only white space does. The parse stops at
     * the object's closing brace: a second record on the line ({@code {...}{...}}, records separated by a {@code \r}
     * alone) was dropped without a trace. The words are {@code dev.kindling.formats.JsonLines}'s, which the other readers
     * call; written here again because this module does not depend on model-formats (an application that only
     * deduplicates takes kindling-dedup and Jackson's core alone).
     */
    static String afterObject(String line, int from) {
        boolean cr = false;
        for (int k = from; k < line.length(); k++) {
            char c = line.charAt(k);
            if (c != ' ' && c != '\t' && c != '\r' && c != '\n') {
                return "more after the JSON object at character " + (line.codePointCount(0, k) + 1) + " of the line (JSON Lines "
                        + "holds one object per line" + (cr ? "; a \\r before it: JSON Lines lines end at \\n alone, so records "
                        + "separated by \\r alone are one line; convert the file with tr '\\r' '\\n'" : "") + ")";
            }
            cr |= c == '\r';
        }
        return null;
    }
}
