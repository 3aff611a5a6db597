package dev.kindling.formats.safetensors;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.kindling.formats.MappedModelFile;
import dev.kindling.formats.ModelFormatException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Hugging Face safetensors file: its header (tensor directory and {@code __metadata__}), read once;
 * the tensor bytes stay on disk and are memory-mapped on demand ({@link #map}, {@link #mapRows}).
 *
 * <p>Layout (safetensors' README): {@code uint64} little-endian header size {@code N}, {@code N}
 * bytes of UTF-8 JSON — {@code {"name": {"dtype": "F16", "shape": [r, c], "data_offsets": [b, e]},
 * ..., "__metadata__": {"k": "v"}}} — then the data; offsets are relative to the start of the data
 * (byte {@code 8 + N}), little-endian, row-major.
 *
 * <p>Everything is checked before use, as safetensors' own reader checks it: the header size against the file (and
 * the format's 100 MB limit), the header one JSON object (names given once; after it only the spaces it may be padded
 * with), {@code __metadata__} strings by name, each entry's fields, {@code end - begin == elements x dtype size}, and
 * the ranges covering the data exactly (none overlapping, no byte between or after them left to no tensor). Errors are
 * {@link ModelFormatException}s naming the file and the tensor.
 * Unknown dtypes are rejected when the file is read; known ones Kindling does not compute with
 * (integers, FP8, F64) are listed, and refused by {@link #requireFloatWeight} when a model uses them.
 *
 * <pre>{@code
 * try (SafetensorsFile st = SafetensorsFile.open(Path.of("model.safetensors"))) {
 *     SafetensorsTensor t = st.tensor("lm_head.weight");
 *     ByteBuffer rows = st.mapRows(t, 0, 16);      // the first 16 rows, little-endian
 * }
 * }</pre>
 */
public final class SafetensorsFile implements AutoCloseable {
    /** The format's own limit on the header (safetensors rejects larger ones). */
    public static final long MAX_HEADER_BYTES = 100L << 20;

    private final Path path;
    private final FileChannel channel;
    private final long fileSize;
    private final long dataOffset;
    private final Map<String, SafetensorsTensor> tensors;
    private final Map<String, String> metadata;

    private SafetensorsFile(Path path, FileChannel channel, long fileSize, long dataOffset,
            Map<String, SafetensorsTensor> tensors, Map<String, String> metadata) {
        this.path = path;
        this.channel = channel;
        this.fileSize = fileSize;
        this.dataOffset = dataOffset;
        this.tensors = tensors;
        this.metadata = metadata;
    }

    /** Reads the header of {@code path}. */
    public static SafetensorsFile open(Path path) {
        return MappedModelFile.open(path, SafetensorsFile::read);
    }

    private static SafetensorsFile read(Path path, FileChannel ch, long size) {
        if (size < 10) {
            throw new ModelFormatException(path, "not a safetensors file: only " + size + " bytes (the header alone needs 10)");
        }
        long headerSize = readFully(path, ch, 0, 8).getLong(0);
        if (headerSize < 2 || headerSize > size - 8) {
            throw new ModelFormatException(path, "not a safetensors file: header size " + Long.toUnsignedString(headerSize)
                    + " does not fit a file of " + size + " bytes");
        }
        if (headerSize > MAX_HEADER_BYTES) {
            throw new ModelFormatException(path, "safetensors header of " + headerSize + " bytes exceeds the format's limit of "
                    + MAX_HEADER_BYTES);
        }
        ByteBuffer hb = readFully(path, ch, 8, (int) headerSize);
        byte[] json = new byte[(int) headerSize];
        hb.get(json);
        if (json[0] != '{') {
            throw new ModelFormatException(path, "not a safetensors file: the header does not start with '{'");
        }
        JsonNode root;
        // a name given twice (a tensor, or a field of one) is refused: which entry is meant is unknowable, and
        // safetensors' own reader fails on such a file; Jackson would keep the last one without a word
        ObjectMapper mapper = new ObjectMapper().enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        try (JsonParser parser = mapper.getFactory().createParser(json)) {
            root = mapper.readTree(parser);
            checkPadding(path, json, (int) parser.currentLocation().getByteOffset());
        } catch (JsonProcessingException e) {
            throw new ModelFormatException(path, "safetensors header is not valid JSON: " + e.getOriginalMessage(), e);
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot parse the safetensors header: " + e, e);
        }
        if (root == null || !root.isObject()) {
            throw new ModelFormatException(path, "safetensors header is not a JSON object");
        }
        long dataOffset = 8 + headerSize;
        long dataSize = size - dataOffset;
        Map<String, SafetensorsTensor> tensors = new LinkedHashMap<>();
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (e.getKey().equals("__metadata__")) {
                readMetadata(path, e.getValue(), metadata);
                continue;
            }
            tensors.put(e.getKey(), entry(path, e.getKey(), e.getValue(), dataOffset, dataSize));
        }
        checkLayout(path, tensors, dataOffset, dataSize);
        return new SafetensorsFile(path, ch, size, dataOffset, Collections.unmodifiableMap(tensors),
                Collections.unmodifiableMap(metadata));
    }

    /**
     * After the header's JSON object only whitespace may follow: the format pads the header with spaces (to 8 bytes, as
     * safetensors' writer does), and its reader (serde_json) takes JSON whitespace there and refuses anything else,
     * which Jackson would pass over unread (a second object, NUL bytes).
     */
    private static void checkPadding(Path path, byte[] json, int end) {
        for (int i = end; i < json.length; i++) {
            byte b = json[i];
            if (b != ' ' && b != '\t' && b != '\n' && b != '\r') {
                String junk = new String(json, i, Math.min(16, json.length - i), java.nio.charset.StandardCharsets.ISO_8859_1);
                throw new ModelFormatException(path, "safetensors header: its JSON object ends at byte " + (8 + end) + " of the file,"
                        + " but the header, to byte " + (8 + json.length) + ", goes on with more than the spaces it may be padded"
                        + " with, from byte " + (8 + i) + ": \"" + junk.replaceAll("[^\\x20-\\x7e]", "?") + "\"");
            }
        }
    }

    /** {@code __metadata__}: strings by name, as safetensors reads it ({@code Option<HashMap<String, String>>}: null is none). */
    private static void readMetadata(Path path, JsonNode m, Map<String, String> metadata) {
        if (m.isNull()) {
            return;
        }
        if (!m.isObject()) {
            throw new ModelFormatException(path, "__metadata__ is " + m.getNodeType().toString().toLowerCase(java.util.Locale.ROOT)
                    + ", expected a JSON object of strings");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = m.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new ModelFormatException(path, "__metadata__[" + e.getKey() + "] = " + e.getValue()
                        + ", expected a string (the metadata maps strings to strings)");
            }
            metadata.put(e.getKey(), e.getValue().asText());
        }
    }

    private static SafetensorsTensor entry(Path path, String name, JsonNode e, long dataOffset, long dataSize) {
        if (!e.isObject()) {
            throw new ModelFormatException(path, "tensor " + name + ": header entry is not a JSON object");
        }
        JsonNode dt = e.get("dtype");
        JsonNode sh = e.get("shape");
        JsonNode off = e.get("data_offsets");
        if (dt == null || !dt.isTextual()) {
            throw new ModelFormatException(path, "tensor " + name + ": missing or non-string \"dtype\"");
        }
        SafetensorsDtype dtype = SafetensorsDtype.parse(dt.asText());
        if (dtype == null) {
            throw new ModelFormatException(path, "tensor " + name + " has unknown dtype " + dt.asText());
        }
        if (sh == null || !sh.isArray() || sh.size() > 8) {
            throw new ModelFormatException(path, "tensor " + name + ": \"shape\" must be an array of at most 8 dimensions");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            JsonNode d = sh.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ModelFormatException(path, "tensor " + name + ": dimension " + i + " is " + d + ", expected an integer >= 0");
            }
            shape[i] = d.asLong();
        }
        if (off == null || !off.isArray() || off.size() != 2 || !off.get(0).isIntegralNumber() || !off.get(1).isIntegralNumber()) {
            throw new ModelFormatException(path, "tensor " + name + ": \"data_offsets\" must be [begin, end]");
        }
        long begin = off.get(0).asLong();
        long end = off.get(1).asLong();
        if (begin < 0 || end < begin || end > dataSize) {
            throw new ModelFormatException(path, "tensor " + name + ": data_offsets [" + begin + ", " + end
                    + "] are outside the " + dataSize + " bytes of data (the file is truncated or corrupt)");
        }
        long expected;
        try {
            long n = 1;
            for (long d : shape) {
                n = Math.multiplyExact(n, d);
            }
            expected = Math.multiplyExact(n, (long) dtype.size);
        } catch (ArithmeticException ex) {
            throw new ModelFormatException(path, "tensor " + name + ": shape " + sh + " is absurdly large");
        }
        if (end - begin != expected) {
            throw new ModelFormatException(path, "tensor " + name + ": " + (end - begin) + " bytes of data for shape " + sh
                    + " " + dtype + ", expected " + expected);
        }
        return new SafetensorsTensor(name, dtype, shape, dataOffset + begin, end - begin);
    }

    /**
     * The tensors' data_offsets, in order, cover the data exactly, as safetensors' reader requires (its {@code validate}:
     * each tensor begins where the one before ends, {@code InvalidOffset}, and the last ends at the end of the file,
     * {@code MetadataIncompleteBuffer}): no two overlap, no byte between them or after them belongs to no tensor.
     */
    private static void checkLayout(Path path, Map<String, SafetensorsTensor> tensors, long dataOffset, long dataSize) {
        List<SafetensorsTensor> sorted = new ArrayList<>(tensors.values());
        sorted.sort(Comparator.comparingLong(SafetensorsTensor::fileOffset).thenComparingLong(SafetensorsTensor::byteSize));
        long covered = 0; // of the data, by the tensors so far
        SafetensorsTensor last = null;
        for (SafetensorsTensor t : sorted) {
            long begin = t.fileOffset() - dataOffset;
            if (begin < covered) {
                throw new ModelFormatException(path, "tensors " + last.name() + " and " + t.name() + " overlap in the file");
            }
            if (begin > covered) {
                throw new ModelFormatException(path, "tensor " + t.name() + ": data_offsets begin at " + begin + ", but "
                        + (last == null ? "no tensor comes before it" : "the tensor before it, " + last.name() + ", ends at "
                        + covered) + ": bytes " + covered + " to " + begin + " of the data belong to no tensor (safetensors"
                        + " packs the tensors without a gap, and its reader refuses such a file)");
            }
            covered = begin + t.byteSize();
            last = t;
        }
        if (covered != dataSize) {
            throw new ModelFormatException(path, "the data after the header holds " + dataSize + " bytes, but the tensors'"
                    + " data_offsets end at " + covered + ": bytes " + covered + " to " + dataSize + " belong to no tensor"
                    + " (the file was joined to something, or its header lost entries; safetensors' reader refuses it)");
        }
    }

    private static ByteBuffer readFully(Path path, FileChannel ch, long pos, int n) {
        ByteBuffer b = ByteBuffer.allocate(n).order(ByteOrder.LITTLE_ENDIAN);
        try {
            while (b.hasRemaining()) {
                if (ch.read(b, pos + b.position()) < 0) {
                    throw new ModelFormatException(path, "unexpected end of file at byte " + (pos + b.position()));
                }
            }
        } catch (IOException e) {
            throw new ModelFormatException(path, "cannot read: " + e, e);
        }
        return b.flip();
    }

    /** True when the file starts like a safetensors file (a plausible header size, then '{'). */
    public static boolean looksLikeSafetensors(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 10) {
                return false;
            }
            ByteBuffer b = readFully(path, ch, 0, 9);
            long n = b.getLong(0);
            return n >= 2 && n <= size - 8 && b.get(8) == '{';
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    public Path path() {
        return path;
    }

    public long fileSize() {
        return fileSize;
    }

    /** Absolute offset of the data section. */
    public long dataOffset() {
        return dataOffset;
    }

    /** Tensors in header order. */
    public Map<String, SafetensorsTensor> tensors() {
        return tensors;
    }

    /** The header's {@code __metadata__} (string to string). */
    public Map<String, String> metadata() {
        return metadata;
    }

    public Optional<SafetensorsTensor> find(String name) {
        return Optional.ofNullable(tensors.get(name));
    }

    public SafetensorsTensor tensor(String name) {
        SafetensorsTensor t = tensors.get(name);
        if (t == null) {
            throw new ModelFormatException(path, "no tensor named " + name);
        }
        return t;
    }

    /** Fails (naming file and tensor) unless the tensor is F32, F16 or BF16. */
    public SafetensorsTensor requireFloatWeight(SafetensorsTensor t) {
        if (!t.dtype().isFloatWeight()) {
            throw new ModelFormatException(path, "tensor " + t.name() + " has dtype " + t.dtype()
                    + "; Kindling reads F32, F16 and BF16 safetensors weights (quantized checkpoints: use a GGUF)");
        }
        return t;
    }

    /** Maps a whole tensor (up to 2 GiB) read-only, little-endian. */
    public ByteBuffer map(SafetensorsTensor t) {
        return map(t, t.fileOffset(), t.byteSize());
    }

    /** Maps rows {@code [firstRow, firstRow + rowCount)} (rows = all dimensions but the innermost). */
    public ByteBuffer mapRows(SafetensorsTensor t, long firstRow, long rowCount) {
        if (firstRow < 0 || rowCount < 0 || firstRow + rowCount > t.rows()) {
            throw new ModelFormatException(path, "tensor " + t.name() + ": rows " + firstRow + "+" + rowCount
                    + " outside 0.." + t.rows());
        }
        return map(t, t.fileOffset() + firstRow * t.rowBytes(), rowCount * t.rowBytes());
    }

    private ByteBuffer map(SafetensorsTensor t, long offset, long length) {
        if (offset < dataOffset || offset + length > fileSize) {
            throw new ModelFormatException(path, "tensor " + t.name() + ": bytes " + offset + "+" + length + " are outside the file");
        }
        return MappedModelFile.map(path, channel, offset, length, "tensor " + t.name() + ": ");
    }

    @Override
    public void close() {
        MappedModelFile.closeQuietly(channel);
    }


    @Override
    public String toString() {
        return path + " (safetensors, " + tensors.size() + " tensors)";
    }
}
