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
 * decompressed). A line that is not such an object fails with the file and line number (an {@link UncheckedIOException}
 * caused by a {@link BadDocumentException}).
 *
 * <pre>{@code
 * List<Document> docs = JsonlDocuments.read(Path.of("corpus.jsonl.gz"), "id", "text");
 * }</pre>
 */
public final class JsonlDocuments {
    private static final JsonFactory JSON = new JsonFactory();

    private JsonlDocuments() {}

    /**
     * Every document of the file, in file order. Lines end at {@code \n}, {@code \r\n} or {@code \r}; each is decoded
     * on its own, so a byte that is not UTF-8 is an error naming its line and byte (a decoding reader would have put
     * U+FFFD in its place and read on).
     */
    public static List<Document> read(Path file, String idField, String textField) {
        List<Document> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw) {
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();   // reports malformed input
            ByteArrayOutputStream line = new ByteArrayOutputStream(1 << 12);
            byte[] buf = new byte[1 << 16];
            int lineNo = 0;
            boolean afterCr = false;
            int n;
            while ((n = in.read(buf)) > 0) {
                int start = 0;
                for (int i = 0; i < n; i++) {
                    byte b = buf[i];
                    if (b == '\n' && afterCr) {
                        start = i + 1;   // the \n of a \r\n: that line has been read
                    } else if (b == '\n' || b == '\r') {
                        line.write(buf, start, i - start);
                        add(out, line, utf8, file, ++lineNo, idField, textField);
                        start = i + 1;
                    }
                    afterCr = b == '\r';
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
        ByteBuffer in = ByteBuffer.wrap(bytes.toByteArray());
        bytes.reset();
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
