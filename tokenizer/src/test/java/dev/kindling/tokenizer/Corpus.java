package dev.kindling.tokenizer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;

/** Reads the JSONL corpora and reference-id files of shared/data (plain or gzipped). */
public final class Corpus {
    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Corpus() {}

    public static List<JsonNode> readJsonl(Path p) throws IOException {
        List<JsonNode> rows = new ArrayList<>();
        try (InputStream raw = Files.newInputStream(p);
                InputStream in = p.toString().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
                BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8), 1 << 16)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (!line.isBlank()) {
                    rows.add(MAPPER.readTree(line));
                }
            }
        }
        return rows;
    }

    public static List<String> texts(Path p) throws IOException {
        return readJsonl(p).stream().map(n -> n.get("text").asText()).toList();
    }

    public static List<int[]> ids(Path p) throws IOException {
        List<int[]> out = new ArrayList<>();
        for (JsonNode n : readJsonl(p)) {
            JsonNode a = n.get("ids");
            int[] ids = new int[a.size()];
            for (int i = 0; i < ids.length; i++) {
                ids[i] = a.get(i).asInt();
            }
            out.add(ids);
        }
        return out;
    }
}
