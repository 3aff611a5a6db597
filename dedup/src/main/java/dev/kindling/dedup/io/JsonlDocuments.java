package dev.kindling.dedup.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kindling.dedup.Document;
import dev.kindling.formats.JsonLines;
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
 * decompressed). A line that is not such an object, or whose object (or an object nested in it) gives a key twice, fails
 * with the file and line number (an {@link UncheckedIOException} caused by a {@link BadDocumentException}), worded as
 * every JSON Lines reader of Kindling words it ({@link JsonLines#objectLineError}).
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
     * would have put U+FFFD in its place and read on). A UTF-8 byte order mark that starts the file is dropped.
     */
    public static List<Document> read(Path file, String idField, String textField) {
        List<Document> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = JsonLines.skipByteOrderMark(file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw)) {
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
            // a key given twice, in any field: a parser keeps its last value and loses the first without a word (pyarrow
            // refuses the row, the Spark reader sets it aside), which the same check refuses in every reader
            String twice = JsonLines.objectLineError(b);
            if (twice != null) {
                throw new BadDocumentException(file, lineNo, twice, null);
            }
            out.add(parse(line, file, lineNo, idField, textField));
        }
    }

    static Document parse(String line, Path file, int lineNo, String idField, String textField) throws IOException {
        String id = null;
        String text = null;
        try (JsonParser p = JSON.createParser(line)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                throw new BadDocumentException(file, lineNo, "expected a JSON object", null);
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String name = p.currentName();
                JsonToken v = p.nextToken();
                if (name.equals(idField) && v != JsonToken.VALUE_NULL) {
                    id = v.isScalarValue() ? p.getValueAsString() : null;
                } else if (name.equals(textField) && v == JsonToken.VALUE_STRING) {
                    text = p.getText();
                } else {
                    p.skipChildren();
                }
            }
            String more = JsonLines.afterObject(line, (int) p.currentTokenLocation().getCharOffset() + 1);
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
}
