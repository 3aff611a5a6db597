package dev.kindling.formats.safetensors;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.ModelFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * The weights of a Hugging Face checkpoint directory: {@code model.safetensors}, or the shards listed
 * by {@code model.safetensors.index.json} ({@code {"weight_map": {"tensor": "model-00001-of-00002.safetensors"}}}).
 * Every shard's header is read and cross-checked with the index (a tensor the index places in a
 * shard must be there; every tensor of a listed shard is the checkpoint's, listed or not); tensor bytes stay mapped on
 * demand. A folder with both {@code model.safetensors} and an index of other shards is refused.
 *
 * <pre>{@code
 * try (SafetensorsCheckpoint ck = SafetensorsCheckpoint.open(Path.of("Mistral-7B-v0.1"))) {
 *     SafetensorsTensor t = ck.tensor("model.embed_tokens.weight");
 *     ByteBuffer row = ck.file(t).mapRows(t, 42, 1);
 * }
 * }</pre>
 */
public final class SafetensorsCheckpoint implements AutoCloseable {
    public static final String SINGLE = "model.safetensors";
    public static final String INDEX = "model.safetensors.index.json";

    private final Path dir;
    private final List<SafetensorsFile> files;
    private final Map<String, SafetensorsFile> fileOf;

    private SafetensorsCheckpoint(Path dir, List<SafetensorsFile> files, Map<String, SafetensorsFile> fileOf) {
        this.dir = dir;
        this.files = files;
        this.fileOf = fileOf;
    }

    /** True when {@code dir} holds {@code model.safetensors} or its index. */
    public static boolean isCheckpointDir(Path dir) {
        return Files.isDirectory(dir) && (Files.isRegularFile(dir.resolve(SINGLE)) || Files.isRegularFile(dir.resolve(INDEX)));
    }

    /** Opens the weights of a checkpoint directory (single file or index + shards). */
    public static SafetensorsCheckpoint open(Path dir) {
        if (Files.isRegularFile(dir.resolve(INDEX))) {
            SafetensorsCheckpoint sharded = openSharded(dir, dir.resolve(INDEX));
            if (Files.isRegularFile(dir.resolve(SINGLE))
                    && sharded.files.stream().noneMatch(f -> f.path().getFileName().toString().equals(SINGLE))) {
                // two models in one folder (a conversion left beside the original): the shards were read without a word,
                // where transformers reads model.safetensors and vLLM the shards
                sharded.close();
                throw new ModelFormatException(dir, "holds both " + SINGLE + " and " + INDEX + " (whose shards are other "
                        + "files): transformers loads " + SINGLE + " and vLLM the shards, so which weights are meant is unknowable; "
                        + "remove the one that is not the model");
            }
            return sharded;
        }
        if (Files.isRegularFile(dir.resolve(SINGLE))) {
            SafetensorsFile f = SafetensorsFile.open(dir.resolve(SINGLE));
            Map<String, SafetensorsFile> map = new LinkedHashMap<>();
            for (String name : f.tensors().keySet()) {
                map.put(name, f);
            }
            return new SafetensorsCheckpoint(dir, List.of(f), map);
        }
        throw new ModelFormatException(dir, "no " + SINGLE + " or " + INDEX + " in this directory");
    }

    private static SafetensorsCheckpoint openSharded(Path dir, Path index) {
        JsonNode root;
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(index);
        } catch (IOException e) {
            throw new ModelFormatException(index, "cannot read the shard index: " + e, e);
        }
        try {
            // one JSON value and nothing after it, as Python's json.load (transformers') reads it
            root = new ObjectMapper().enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                    .readTree(bytes);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new ModelFormatException(index, "the shard index is not JSON: " + e.getOriginalMessage()
                    + (e.getLocation() != null ? " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")" : ""), e);
        } catch (IOException e) {
            throw new ModelFormatException(index, "cannot read the shard index: " + e, e);
        }
        if (root == null || root.isMissingNode()) {
            throw new ModelFormatException(index, "the shard index is empty: expected a JSON object with a \"weight_map\"");
        }
        JsonNode wm = root == null ? null : root.get("weight_map");
        if (wm == null || !wm.isObject()) {
            throw new ModelFormatException(index, "no \"weight_map\" object (tensor name -> shard file)");
        }
        Map<String, String> shardOf = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wm.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            String shard = e.getValue().asText();
            // a name no path can hold (a NUL) too: Path.resolve threw InvalidPathException, naming neither the index nor the tensor
            if (!e.getValue().isTextual() || shard.isEmpty() || shard.contains("/") || shard.contains("\\") || shard.startsWith(".")
                    || !isPathName(dir, shard)) {
                throw new ModelFormatException(index, "weight_map[" + e.getKey() + "] = " + e.getValue()
                        + " is not a shard file name in this directory");
            }
            shardOf.put(e.getKey(), shard);
        }
        Map<String, SafetensorsFile> opened = new LinkedHashMap<>();
        List<SafetensorsFile> files = new ArrayList<>();
        try {
            for (String shard : new TreeSet<>(shardOf.values())) {
                Path p = dir.resolve(shard);
                if (!Files.isRegularFile(p)) {
                    throw new ModelFormatException(index, "shard " + shard + " is listed in the weight_map but missing");
                }
                SafetensorsFile f = SafetensorsFile.open(p);
                opened.put(shard, f);
                files.add(f);
            }
            // a tensor two shards hold: the index names one, but transformers loads every tensor of every shard (the
            // later shard's copy wins), so which weights are meant is unknowable
            Map<String, SafetensorsFile> holder = new LinkedHashMap<>();
            for (SafetensorsFile f : files) {
                for (String name : f.tensors().keySet()) {
                    SafetensorsFile other = holder.putIfAbsent(name, f);
                    if (other != null) {
                        throw new ModelFormatException(index, "tensor " + name + " is in two shards, "
                                + other.path().getFileName() + " and " + f.path().getFileName());
                    }
                }
            }
            for (Map.Entry<String, String> e : shardOf.entrySet()) {
                SafetensorsFile f = opened.get(e.getValue());
                if (f.find(e.getKey()).isEmpty()) {
                    throw new ModelFormatException(f.path(), "tensor " + e.getKey() + " is listed for this shard in "
                            + INDEX + " but not in its header");
                }
            }
            // every tensor of every listed shard, as transformers and vLLM load them: one the weight_map leaves out was
            // "missing" here
            return new SafetensorsCheckpoint(dir, Collections.unmodifiableList(files), holder);
        } catch (RuntimeException e) {
            files.forEach(SafetensorsFile::close);
            throw e;
        }
    }

    private static boolean isPathName(Path dir, String name) {
        try {
            dir.resolve(name);
            return true;
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    public Path dir() {
        return dir;
    }

    /** The files (one, or the shards in name order). */
    public List<SafetensorsFile> files() {
        return files;
    }

    /** Tensor names in file (and header) order. */
    public Iterable<String> names() {
        return fileOf.keySet();
    }

    public boolean has(String name) {
        return fileOf.containsKey(name);
    }

    public Optional<SafetensorsTensor> find(String name) {
        SafetensorsFile f = fileOf.get(name);
        return f == null ? Optional.empty() : f.find(name);
    }

    public SafetensorsTensor tensor(String name) {
        SafetensorsFile f = fileOf.get(name);
        if (f == null) {
            throw new ModelFormatException(dir, "the checkpoint has no tensor named " + name);
        }
        return f.tensor(name);
    }

    /** The file holding {@code t}. */
    public SafetensorsFile file(SafetensorsTensor t) {
        return fileOf.get(t.name());
    }

    /** Sum of the files' sizes. */
    public long totalBytes() {
        long n = 0;
        for (SafetensorsFile f : files) {
            n += f.fileSize();
        }
        return n;
    }

    @Override
    public void close() {
        files.forEach(SafetensorsFile::close);
    }
}
