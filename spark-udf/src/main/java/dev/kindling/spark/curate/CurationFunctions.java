package dev.kindling.spark.curate;

import dev.kindling.dedup.filter.DocumentFilter;
import dev.kindling.dedup.filter.FilterResult;
import dev.kindling.dedup.filter.Filters;
import dev.kindling.dedup.minhash.Jaccard;
import dev.kindling.dedup.minhash.MinHashParams;
import dev.kindling.dedup.minhash.MinHasher;
import dev.kindling.dedup.minhash.Shingler;
import dev.kindling.dedup.normalize.NormalizeOptions;
import dev.kindling.dedup.normalize.TextNormalizer;
import dev.kindling.dedup.pii.PiiRedactor;
import dev.kindling.spark.dedup.ExactDedup;
import dev.kindling.spark.sql.SqlFunction;
import dev.kindling.spark.sql.SqlUdfs;
import dev.kindling.spark.sql.SqlUdfs.Arg;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.types.DataTypes;

/**
 * The curation SQL functions, registered by {@link dev.kindling.spark.sql.KindlingFunctions}:
 *
 * <pre>
 * kindling_minhash(text)                  array&lt;bigint&gt;: 112 MinHash values of the word 5-gram shingles
 * kindling_jaccard(text_a, text_b)        double: exact Jaccard similarity of the two shingle sets
 * kindling_text_hash(text)                string: 128-bit MurmurHash3 (hex) of the exact-dedup normalised text
 * kindling_normalize(text, 'near')        string: none | exact | near normalisation
 * kindling_quality_reason(text, 'gopher,c4')  string: "filter:reason" of the first filter that drops it, or NULL
 *                                         (a NULL text: "filter:null_text" of the first filter, as the stages)
 * kindling_redact_pii(text)               string: e-mails, IPs and phone numbers replaced
 * </pre>
 *
 * Shingles, normalisation and thresholds are the stages' defaults, so
 * {@code kindling_jaccard(a, b) >= 0.8} is the test {@code kindling dedup --minhash} verifies.
 */
public final class CurationFunctions {
    private CurationFunctions() {}

    private static final ThreadLocal<MinHasher> HASHER =
            ThreadLocal.withInitial(() -> new MinHasher(MinHashParams.DEFAULT, NormalizeOptions.NEAR));
    private static final ThreadLocal<Shingler> SHINGLER =
            ThreadLocal.withInitial(() -> new Shingler(MinHashParams.DEFAULT.ngram(), NormalizeOptions.NEAR));
    /**
     * Parsed filter chains a JVM keeps, the least recently used dropped first: kindling_quality_reason's filters may be
     * a column, and a map of every distinct string grew for the life of the executor.
     */
    static final int FILTER_CHAINS = 64;
    private static final Map<String, List<DocumentFilter>> FILTERS = Collections.synchronizedMap(
            new LinkedHashMap<String, List<DocumentFilter>>(16, 0.75f, true) {
                @Override
                protected boolean removeEldestEntry(Map.Entry<String, List<DocumentFilter>> eldest) {
                    return size() > FILTER_CHAINS;
                }
            });
    private static final PiiRedactor PII = PiiRedactor.defaults();
    private static final SqlFunction NORMALIZE = SqlUdfs.function("kindling_normalize", Arg.string("text"), Arg.string("mode"));
    /** kindling_normalize's mode, as its errors name it. */
    private static final SqlFunction.Argument MODE = NORMALIZE.argument("mode");
    private static final SqlFunction QUALITY_REASON = SqlUdfs.function("kindling_quality_reason", Arg.string("text"),
            Arg.string("filters"));
    /** kindling_quality_reason's filters, as its errors name them. */
    private static final SqlFunction.Argument FILTERS_ARGUMENT = QUALITY_REASON.argument("filters");

    public static void register(SparkSession spark) {
        SqlUdfs.register(spark, SqlUdfs.function("kindling_minhash", Arg.string("text")),
                (UDF1<String, List<Long>>) CurationFunctions::minhash, DataTypes.createArrayType(DataTypes.LongType, false));
        SqlUdfs.register(spark, SqlUdfs.function("kindling_jaccard", Arg.string("text_a"), Arg.string("text_b")),
                (UDF2<String, String, Double>) CurationFunctions::jaccard, DataTypes.DoubleType);
        SqlUdfs.register(spark, SqlUdfs.function("kindling_text_hash", Arg.string("text")),
                (UDF1<String, String>) t -> t == null ? null : ExactDedup.key(t, NormalizeOptions.EXACT).toHex(), DataTypes.StringType);
        SqlUdfs.register(spark, NORMALIZE,
                (UDF2<String, String, String>) (t, mode) -> t == null || mode == null ? null : TextNormalizer.normalize(t, mode(mode)),
                DataTypes.StringType);
        SqlUdfs.register(spark, QUALITY_REASON, (UDF2<String, String, String>) CurationFunctions::qualityReason, DataTypes.StringType);
        // a misspelt constant fails as the query is analysed, naming the function, not in the first task
        SqlUdfs.checkConstantArgument(spark, MODE, NormalizeOptions::named);
        SqlUdfs.checkConstantArgument(spark, FILTERS_ARGUMENT, CurationFunctions::parseFilters, NULL_FILTERS);
        SqlUdfs.register(spark, SqlUdfs.function("kindling_redact_pii", Arg.string("text")),
                (UDF1<String, String>) t -> t == null ? null : PII.redact(t).text(), DataTypes.StringType);
    }

    static List<Long> minhash(String text) {
        if (text == null) {
            return null;
        }
        long[] sig = HASHER.get().signature(text);
        List<Long> out = new ArrayList<>(sig.length);
        for (long v : sig) {
            out.add(v);
        }
        return out;
    }

    static Double jaccard(String a, String b) {
        if (a == null || b == null) {
            return null;
        }
        Shingler sh = SHINGLER.get();
        return Jaccard.of(sh.shingleSet(a), sh.shingleSet(b));
    }

    /** kindling_normalize's mode, a bad one named as the function's argument (a column of modes is checked per row). */
    private static NormalizeOptions mode(String mode) {
        try {
            return NormalizeOptions.named(mode);
        } catch (IllegalArgumentException e) {
            throw MODE.bad(mode, e);
        }
    }

    /** kindling_quality_reason's filters: comma-separated names, {@code gopher} being repetition then quality. */
    static List<DocumentFilter> parseFilters(String filters) {
        List<DocumentFilter> out = new ArrayList<>();
        for (String n : filters.split(",")) {
            if (!n.isBlank()) {
                out.addAll(n.trim().equals("gopher")
                        ? List.of(Filters.named("gopher_repetition").get(0), Filters.named("gopher_quality").get(0))
                        : Filters.named(n));
            }
        }
        if (out.isEmpty()) {
            // no filter keeps every row, NULL texts too, which the README says never read as kept (QualityFilter refuses
            // an empty list as well)
            throw new IllegalArgumentException("no filter named: give one or more of " + String.join(", ",
                    dev.kindling.spark.filter.QualityFilter.NAMES) + ", gopher, comma-separated");
        }
        return out;
    }

    /** The filters strings whose parsed chains this JVM holds, least recently used first. */
    static List<String> cachedFilterStrings() {
        synchronized (FILTERS) {
            return new ArrayList<>(FILTERS.keySet());
        }
    }

    /** What a NULL filters argument of kindling_quality_reason is told. */
    static final String NULL_FILTERS = "give the filters to apply, e.g. 'gopher,c4' (a NULL answer would read as kept)";

    /**
     * The reason the quality filters {@code filters} drop {@code text} for, or null when they keep it. A NULL text is
     * dropped by the first filter as {@code <filter>:null_text}, as the {@link dev.kindling.spark.filter.QualityFilter}
     * stages reject it: NULL here meant kept, and a row without a text passed the SQL check that the stages fail. NULL
     * filters fail, naming the argument: they gave NULL, kept, so a row whose filters column was NULL passed unchecked.
     */
    static String qualityReason(String text, String filters) {
        if (filters == null) {
            throw FILTERS_ARGUMENT.isNull(NULL_FILTERS);
        }
        List<DocumentFilter> chain;
        try {
            chain = FILTERS.computeIfAbsent(filters, CurationFunctions::parseFilters);
        } catch (IllegalArgumentException e) {
            throw FILTERS_ARGUMENT.bad(filters, e);
        }
        if (text == null) {
            return chain.isEmpty() ? null : chain.get(0).name() + ":" + dev.kindling.spark.filter.QualityFilter.NULL_TEXT;
        }
        String t = text;
        for (DocumentFilter f : chain) {
            FilterResult r = f.apply(t);
            if (!r.keep()) {
                return f.name() + ":" + r.reason();
            }
            t = r.text();
        }
        return null;
    }
}
