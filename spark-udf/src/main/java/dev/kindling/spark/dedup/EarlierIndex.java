package dev.kindling.spark.dedup;

import static org.apache.spark.sql.functions.col;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.kindling.spark.KindlingException;
import dev.kindling.spark.curate.RowOrder;
import dev.kindling.spark.io.Columns;
import dev.kindling.spark.stage.PipelineStage;
import dev.kindling.spark.stage.StageContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * A saved dedup index of an earlier corpus ({@code kindling dedup --save-index}): what the dedup stages compute from the
 * earlier texts each {@code --against} run, kept as Parquet, so that a later run compares with it without reading the
 * texts again (datatrove's {@code MinhashBuildIndex} and {@code index_folder}). A folder:
 * <ul>
 *   <li>{@code manifest.json}: the format and its version, the id type, the corpus it was made from and, per stage,
 *       the parameters its part was made with (what must match for it to stand for the texts) and its documents;</li>
 *   <li>one Parquet folder per stage, named as the stage: {@code exact_dedup} (and {@code exact_dedup_url} ...):
 *       {@link #KEY}, {@link #ID}, what {@link ExactDedup#earlierKeys} gives; {@code minhash_dedup}: what {@link
 *       MinHashDedup#earlierEntries} gives ({@link #ID}, the source file and offset and {@link #TEXT_HASH}: what the
 *       earlier documents are ordered by; {@link #BAND_KEYS}; {@link #TEXT}), with {@link #ORD}, the document's place in
 *       that order, and stored in it.</li>
 * </ul>
 * The stages use a part as they use the same data made from the texts, so the result is the same as {@code --against}
 * with the corpus the index was made from. The manifest is written last: a folder without one is not an index.
 *
 * <p>Version 2 holds the text where version 1 held the shingle set: the check of a candidate pair shingles the texts of
 * the few earlier documents in one, as {@code --against} does, and the text, zstd-compressed, is far smaller than a set
 * of 8 bytes a shingle (version 1's index of 37.5 MB of texts took 54 MB, this one 16 MB). Parquet reads a column only
 * where it is used: a run reads the band keys once, to find the documents that share a bucket with a new one, and the
 * texts of those in a candidate pair, in the check, by their {@link #ORD} ({@code MinHashDedup.EarlierTexts}): only
 * the pages ({@link #TEXT_PAGE_ROWS}) that hold them.
 */
public record EarlierIndex(String path, String label, JsonNode manifest) {
    static final String FORMAT = "kindling-dedup-index";
    static final int VERSION = 2;
    static final String MANIFEST = "manifest.json";
    /** The option that writes an index, as its errors name it. */
    static final String SAVE_INDEX = "--save-index";
    /** Exact dedup's key of an earlier document: the hex of its 128-bit key. */
    static final String KEY = "key";
    /** The earlier document's id, of the earlier corpus's id type. */
    static final String ID = "id";
    /** The xxhash64 of the earlier text: what {@link dev.kindling.spark.curate.RowOrder} orders by after id, file and offset. */
    static final String TEXT_HASH = "text_hash";
    /** Near dedup's band keys of an earlier document, packed as little-endian longs. */
    static final String BAND_KEYS = "band_keys";
    /** The earlier text, for the exact Jaccard check of the few documents in a candidate pair. */
    static final String TEXT = "text";
    /**
     * Near dedup's number of an earlier document, unique in its part: in an index its place in the order of {@link
     * dev.kindling.spark.curate.RowOrder} (id, source file and offset, text hash), which a run against that index alone
     * numbers the documents by instead of sorting them again.
     */
    static final String ORD = "ord";
    /**
     * The most rows of a page of a part: the fewest texts a run reads to find one earlier document's (pages also end at
     * Parquet's 1 MB, a thousand texts of about a kilobyte).
     */
    static final int TEXT_PAGE_ROWS = 1_000;
    /** An exact dedup part's manifest entry: true when no key is there twice. */
    static final String UNIQUE_KEYS = "unique_keys";

    /** Near dedup's entries ({@link MinHashDedup#earlierEntries}), the id of {@code idType}. */
    static StructType entrySchema(DataType idType) {
        return new StructType().add(ID, idType, false).add(Columns.SOURCE_FILE, DataTypes.StringType, true)
                .add(Columns.SOURCE_OFFSET, DataTypes.LongType, true).add(TEXT_HASH, DataTypes.LongType, false)
                .add(BAND_KEYS, DataTypes.BinaryType, false).add(TEXT, DataTypes.StringType, false);
    }

    /**
     * The indexes a stage compares with: those the CLI opened and checked ({@code given}), else its {@code
     * againstIndexPaths} opened and checked now.
     */
    static List<EarlierIndex> forStage(List<EarlierIndex> given, String[] paths, StageContext ctx, PipelineStage stage) {
        if (given != null) {
            return given;
        }
        List<EarlierIndex> out = new ArrayList<>();
        for (String p : paths) {
            EarlierIndex index = open(ctx.spark().sparkContext().hadoopConfiguration(), p, stage.name() + ": againstIndexPaths");
            index.requireMatches(stage);
            out.add(index);
        }
        return out;
    }

    /**
     * Opens each local index of {@code paths} and checks it against {@code stage} (a curate config's {@code
     * against_index}, before Spark starts); remote ones are checked when the stage runs. Errors name {@code option}.
     */
    public static void requireLocalFit(String[] paths, PipelineStage stage, String option) {
        for (String p : paths) {
            if (dev.kindling.spark.io.LocalPaths.localOrNull(p) != null) {
                open(new Configuration(), p, option).requireMatches(stage);
            }
        }
    }

    /**
     * Opens the index at {@code path}, reading its manifest only (no Spark job): a usage error naming {@code option} and
     * the path when it is missing, has no manifest, or the manifest is not one this version reads; a store that fails
     * (one where none answers names its endpoint setting: {@link dev.kindling.spark.io.DataFormat#storeFailure}) exit 1.
     */
    public static EarlierIndex open(Configuration conf, String path, String option) {
        String label = option + " " + path;
        JsonNode m;
        try {
            FileSystem fs = manifestFileSystem(new Path(path), conf);
            // its parts are read by Spark's reader, as a glob: the manifest is read from the folder that glob matches,
            // refused where that is not the folder of its name (idx[1] beside idx1 had idx1's parts read under its manifest)
            FileStatus[] matches = dev.kindling.spark.io.DataFormat.matches(fs, path, label);
            if (matches.length == 0) {
                throw KindlingException.usage(label + " does not exist");
            }
            if (matches.length > 1) {
                throw KindlingException.usage(label + " matches " + matches.length + " paths as a glob (" + matches[0].getPath()
                        + ", ...): give one index folder");
            }
            Path manifest = new Path(matches[0].getPath(), MANIFEST);
            if (!fs.exists(manifest)) {
                throw KindlingException.usage(label + " has no " + MANIFEST + ": not a dedup index (kindling dedup --save-index "
                        + "writes one, its manifest last)");
            }
            try (InputStream in = fs.open(manifest)) {
                m = new ObjectMapper().readTree(in);
            }
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw KindlingException.usage(label + ": " + MANIFEST + " is not valid JSON (" + e.getOriginalMessage() + ")");
        } catch (IOException e) {
            throw dev.kindling.spark.io.DataFormat.storeError(e, label + " does not exist: ", label + ": cannot read it: ", path, conf);
        }
        String where = label + ": " + MANIFEST;
        if (m == null || !m.isObject() || !FORMAT.equals(m.path("format").asText(null))) {
            throw KindlingException.usage(where + " is not a dedup index manifest (no \"format\": \"" + FORMAT + "\")");
        }
        if (m.path("version").asInt(-1) != VERSION) {
            throw KindlingException.usage(where + " has format version " + m.path("version") + "; this Kindling reads version "
                    + VERSION + ": make the index again");
        }
        if (!m.path("id_type").isTextual() || !m.path("stages").isObject() || m.path("stages").isEmpty()) {
            throw KindlingException.usage(where + " has no \"id_type\" or no \"stages\"");
        }
        idType(label, m);
        return new EarlierIndex(path, label, m);
    }

    /**
     * Whether this index's part for exact dedup stage {@code stage} has each key once (the manifest's {@link
     * #UNIQUE_KEYS}, as a corpus exact dedup has run on has): each key's smallest id is then its only one.
     */
    boolean uniqueKeys(String stage) {
        return manifest.path("stages").path(stage).path(UNIQUE_KEYS).asBoolean(false);
    }

    /** The manifest's id type: a usage error naming {@code label} when it is not one. */
    private static DataType idType(String label, JsonNode manifest) {
        String said = manifest.path("id_type").asText();
        try {
            return DataType.fromDDL(said);
        } catch (Exception e) { // Spark's parse error is an AnalysisException, a checked one thrown from Scala
            throw KindlingException.usage(label + ": " + MANIFEST + " has id type '" + said + "', which is not a type: the index is "
                    + "damaged; make it again");
        }
    }

    /** {@link #requireMatches(String, Map)} for a dedup stage (exact or near). */
    void requireMatches(PipelineStage stage) {
        if (stage instanceof ExactDedup x) {
            requireMatches(x.name(), x.indexParams());
        } else if (stage instanceof MinHashDedup m) {
            requireMatches(m.name(), m.indexParams());
        } else {
            throw KindlingException.usage(label + ": " + stage.name() + " does not compare with an earlier corpus");
        }
    }

    /**
     * Refuses this index for stage {@code stage} with {@code params} unless it has a part for it made with the same: a
     * usage error naming the parameter and both values.
     */
    void requireMatches(String stage, Map<String, Object> params) {
        JsonNode part = manifest.path("stages").path(stage);
        if (!part.isObject()) {
            List<String> has = new ArrayList<>();
            manifest.path("stages").fieldNames().forEachRemaining(has::add);
            throw KindlingException.usage(label + " has no " + stage + " (it was made for " + String.join(", ", has)
                    + "): make it with the stages this run has");
        }
        for (Map.Entry<String, Object> p : params.entrySet()) {
            if (p.getKey().equals(ExactDedup.NORMALISED_TO_NOTHING) && !part.has(p.getKey())) {
                continue; // an index of before the entry: refused below, saying why, once its other parameters fit
            }
            String want = String.valueOf(p.getValue());
            String got = part.has(p.getKey()) ? part.get(p.getKey()).asText() : "(none)";
            if (!want.equals(got)) {
                throw KindlingException.usage(label + " was made with " + stage + " " + p.getKey() + " '" + got + "', this run's is '"
                        + want + "': an index stands for the earlier texts only under the parameters it was made with");
            }
        }
        if (params.containsKey(ExactDedup.NORMALISED_TO_NOTHING) && !part.has(ExactDedup.NORMALISED_TO_NOTHING)) {
            // its keys cannot be mended: the part holds keys and ids, not the texts they were made of
            throw KindlingException.usage(label + " was made before " + stage + " keyed a text that normalises to nothing (invisible "
                    + "characters only; emoji or punctuation only under normalize near) by the text as it is: it holds the empty key "
                    + "for every such earlier text, so their copies would not be found; make the index again (kindling dedup -i "
                    + "EARLIER --save-index DIR --index-only)");
        }
    }

    /** This index's part for {@code stage}, as an earlier corpus of rows (its id column {@link #ID}). */
    EarlierCorpus part(SparkSession spark, String stage) {
        String at = new Path(path, stage).toString();
        DataType idType = idType(label, manifest);
        // read with the schema the manifest tells: inferred, it was a Spark job of its own over the files' footers for each
        // part, before the stage's (a file that holds another type fails the read naming the file and the column)
        StructType schema = new StructType().add(KEY, DataTypes.StringType, false).add(ID, idType, false);
        if (stage.equals(MinHashDedup.NAME)) {
            // near dedup's part: its entries (entrySchema), each after its place in the dedup order
            schema = new StructType().add(ORD, DataTypes.LongType, false);
            for (org.apache.spark.sql.types.StructField f : entrySchema(idType).fields()) {
                schema = schema.add(f);
            }
        }
        try {
            return new EarlierCorpus(spark.read().schema(schema).parquet(at), ID, null, label);
        } catch (RuntimeException e) {
            throw KindlingException.usage(label + ": cannot read its " + stage + " part " + at + " (" + e.getMessage() + ")");
        }
    }

    /**
     * Refuses {@code dir} when it exists and is not an empty folder: an index is written into a new one. A store that
     * fails is exit 1, said as {@link dev.kindling.spark.io.DataFormat#storeFailure} says it.
     */
    static void requireNew(Configuration conf, String dir, String option) {
        try {
            Path p = new Path(dir);
            FileSystem fs = p.getFileSystem(conf);
            if (fs.exists(p)) {
                FileStatus s = fs.getFileStatus(p);
                if (!s.isDirectory() || fs.listStatus(p).length > 0) {
                    throw KindlingException.usage(option + " " + dir + " exists and is not an empty folder: an index is written "
                            + "into a new one");
                }
            }
        } catch (IOException e) {
            throw dev.kindling.spark.io.DataFormat.storeError(e, option + " " + dir + " cannot be written: ",
                    option + " " + dir + ": cannot check it: ", dir, conf);
        }
    }

    /**
     * Writes the index of {@code corpus} for the stages among {@code stages} that compare with an earlier corpus into
     * {@code dir} (new: {@link #requireNew}), its manifest last; {@code source} says what it was made from. Returns the
     * documents of each part. A store that fails on the driver (a part's write or read back, the manifest's write) is exit
     * 1 naming {@code --save-index}, the folder and what was written ({@link #writeManifest}).
     */
    static Map<String, Long> write(SparkSession spark, EarlierCorpus corpus, List<PipelineStage> stages, String dir, String source) {
        ObjectMapper json = new ObjectMapper();
        ObjectNode m = json.createObjectNode();
        m.put("format", FORMAT);
        m.put("version", VERSION);
        m.put("source", source);
        m.put("id_type", corpus.docs().schema().apply(corpus.idColumn()).dataType().simpleString());
        ObjectNode parts = m.putObject("stages");
        Map<String, Long> counts = new LinkedHashMap<>();
        for (PipelineStage s : stages) {
            Map<String, Object> params;
            Dataset<Row> rows;
            if (s instanceof ExactDedup x) {
                params = x.indexParams();
                EarlierCorpus keys = x.earlierKeys(corpus);
                // a null id fails here, naming the corpus, not in the run that reads the index
                rows = keys.docs().select(col(KEY), keys.idAs(keys.docs().schema().apply(keys.idColumn()).dataType()).as(ID));
            } else if (s instanceof MinHashDedup h) {
                params = h.indexParams();
                // numbered and stored in the dedup order once here, rather than sorted again by every run that reads it
                Dataset<Row> entries = h.earlierEntries(corpus).docs();
                rows = RowOrder.rank(entries, MinHashDedup.earlierOrder())
                        .select(col(RowOrder.RANK).as(ORD), col(ID), col(Columns.SOURCE_FILE), col(Columns.SOURCE_OFFSET), col(TEXT_HASH),
                                col(BAND_KEYS), col(TEXT));
            } else {
                continue;
            }
            String at = new Path(dir, s.name()).toString();
            // zstd: the texts are most of an index, and compress to about a third of their size. Pages of at most
            // TEXT_PAGE_ROWS rows (Parquet's default is 20,000): a run reads the texts of the few earlier documents in a
            // candidate pair by their ORD, the order the part is stored in, and Parquet skips every page that holds none
            Row exact;
            long n;
            try {
                rows.write().option("compression", "zstd").option("parquet.page.row.count.limit", TEXT_PAGE_ROWS).parquet(at);
                // with the schema it was written with: inferred, it was read from the part's footers in a job of its own;
                // by its escaped name, not as a glob (an index out[1] was read back from out1)
                Dataset<Row> written = spark.read().schema(rows.schema()).parquet(dev.kindling.spark.io.DataFormat.escapeGlob(at));
                exact = s instanceof ExactDedup ? written.agg(functions.count(functions.lit(1)), functions.countDistinct(col(KEY))).first() : null;
                n = exact != null ? exact.getLong(0) : written.count();
            } catch (Exception e) { // the store's failure on the driver, an IOException thrown undeclared from Scala
                if (e instanceof IOException io) {
                    throw cannotWrite(dir, s.name() + " part", io, spark.sparkContext().hadoopConfiguration());
                }
                throw e; // a task's failure (Spark's SparkException), which names what failed there
            }
            ObjectNode part = parts.putObject(s.name());
            for (Map.Entry<String, Object> p : params.entrySet()) {
                part.putPOJO(p.getKey(), p.getValue());
            }
            part.put("documents", n);
            if (exact != null) {
                part.put(UNIQUE_KEYS, exact.getLong(1) == n);
            }
            counts.put(s.name(), n);
        }
        writeManifest(spark.sparkContext().hadoopConfiguration(), dir, m);
        return counts;
    }

    /**
     * Writes {@code m} as the manifest of the index in {@code dir}: a store that fails is exit 1, naming the option and the
     * folder and said as {@link dev.kindling.spark.io.DataFormat#storeFailure} says it (an S3 endpoint where none answers
     * by its setting), where S3A's text came as it was.
     */
    static void writeManifest(Configuration conf, String dir, ObjectNode m) {
        Path manifest = new Path(dir, MANIFEST);
        try (OutputStream out = manifestFileSystem(manifest, conf).create(manifest, false)) {
            out.write(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(m).getBytes(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw cannotWrite(dir, MANIFEST, e, conf);
        }
    }

    /** {@code --save-index dir: cannot write its what: } and the store's failure ({@link dev.kindling.spark.io.DataFormat#storeFailure}). */
    private static KindlingException cannotWrite(String dir, String what, IOException e, Configuration conf) {
        return new KindlingException(KindlingException.FAILURE, SAVE_INDEX + " " + dir + ": cannot write its " + what + ": "
                + dev.kindling.spark.io.DataFormat.storeFailure(e, dir, conf), e);
    }

    /**
     * The file system of {@code p}, without the local one's checksum files: the manifest is a small text a user may read
     * and edit, and an edit without its {@code .crc} failed as a "checksum error" rather than on what it says.
     */
    private static FileSystem manifestFileSystem(Path p, Configuration conf) throws IOException {
        FileSystem fs = p.getFileSystem(conf);
        return fs instanceof org.apache.hadoop.fs.ChecksumFileSystem c ? c.getRawFileSystem() : fs;
    }
}
