package dev.kindling.dedup.io;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.kindling.dedup.Document;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
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

    /** Every document of the file, in file order. */
    public static List<Document> read(Path file, String idField, String textField) {
        List<Document> out = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(file);
             InputStream in = file.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
             BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                out.add(parse(line, file, lineNo, idField, textField));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
        }
        return out;
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
