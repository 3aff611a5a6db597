package dev.kindling.spark.curate;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.raise_error;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import dev.kindling.spark.io.Columns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.BooleanType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DateType;
import org.apache.spark.sql.types.NullType;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.TimestampNTZType;
import org.apache.spark.sql.types.TimestampType;
import org.apache.spark.storage.StorageLevel;

/**
 * The order that makes dedup deterministic: rows sorted by id, then (for rows sharing an id) by
 * source file, source offset, a hash of the text and a hash of the other columns. "Keep the smallest
 * id" means the first row in this order. {@link #rank} numbers the rows along this order: a 64-bit vertex id for the joins of
 * near dedup and sentence dedup, whose order (all the stages look at) does not depend on partitioning.
 */
public final class RowOrder {
    /** The rank column {@link #rank} adds. */
    public static final String RANK = "_kd_rank";

    private RowOrder() {}

    /**
     * The sort columns for {@code docs}; sorting by them fails the job on a row {@code stage} looks at (no reason yet)
     * whose id is null ({@link #idOrFail}).
     */
    public static List<Column> orderColumns(Dataset<Row> docs, String stage, String idColumn, String textColumn) {
        List<String> cols = Arrays.asList(docs.columns());
        List<Column> order = new ArrayList<>();
        order.add(idOrFail(stage, idColumn, textColumn).asc_nulls_first());
        if (cols.contains(Columns.SOURCE_FILE)) {
            order.add(col(Columns.SOURCE_FILE).asc_nulls_first());
        }
        if (cols.contains(Columns.SOURCE_OFFSET)) {
            order.add(col(Columns.SOURCE_OFFSET).asc_nulls_first());
        }
        order.add(xxhash64(Columns.named(textColumn)).asc_nulls_first());
        // Rows that agree on all of that (the same document under two URLs, read without source columns) would
        // otherwise be ordered as they came in, which depends on the partitioning. The columns the stages rewrite
        // are left out, so every stage breaks such ties the same way.
        List<String> skip = List.of(idColumn, textColumn, Columns.SOURCE_FILE, Columns.SOURCE_OFFSET, Columns.REASON,
                Columns.CLUSTER_ID, Columns.DUPLICATE_OF);
        List<Column> rest = new ArrayList<>();
        for (StructField f : docs.schema().fields()) {
            if (!skip.contains(f.name()) && hashable(f.dataType())) {
                rest.add(Columns.named(f.name()));
            }
        }
        if (!rest.isEmpty()) {
            order.add(xxhash64(rest.toArray(new Column[0])).asc_nulls_first());
        }
        return order;
    }

    /**
     * The id, or an error for a row without one among those the stage looks at: "keep the smallest id" has no answer
     * for it, and a null-id row ordered first became the kept row of its group, so its duplicates were dropped with a
     * null {@code duplicate_of} (and, in near dedup, their own id as {@code cluster_id}): dropped without naming the row
     * kept in their place. Rows already rejected keep their null id. The message names the stage, the column and the
     * start of the text.
     */
    private static Column idOrFail(String stage, String idColumn, String textColumn) {
        Column id = Columns.named(idColumn);
        Column message = concat(lit(stage + ": a document has a null id (column '" + idColumn + "', text \""),
                coalesce(substring(Columns.named(textColumn), 1, 60), lit("")),
                lit("\"): each group keeps its smallest id, so every document a dedup stage looks at needs one; fill them "
                        + "first, e.g. with coalesce(" + idColumn + ", sha2(" + textColumn + ", 256))"));
        return when(col(Columns.REASON).isNull().and(id.isNull()), raise_error(message)).otherwise(id);
    }

    /** Types Spark's hash functions take (maps and variants they refuse). */
    private static boolean hashable(DataType t) {
        if (t instanceof ArrayType a) {
            return hashable(a.elementType());
        }
        if (t instanceof StructType s) {
            return Arrays.stream(s.fields()).allMatch(f -> hashable(f.dataType()));
        }
        return t instanceof StringType || t instanceof NumericType || t instanceof BooleanType || t instanceof BinaryType
                || t instanceof DateType || t instanceof TimestampType || t instanceof TimestampNTZType || t instanceof NullType;
    }

    /**
     * Adds {@link #RANK}, a long that orders the rows as {@link #orderColumns} does (unique, increasing
     * along the order, not dense), and materialises the result ({@link Lineage#cut}). Costs one sort
     * of the data.
     *
     * <p>The numbers come from {@code monotonically_increasing_id} evaluated on the sorted, range-partitioned
     * rows: (partition index, position in the partition), so a row before another in the order gets
     * a smaller number. Their values depend on how the sort split the data, their order does not, and
     * the stages only ever compare them: the outcome is the same for any partitioning.
     */
    public static Dataset<Row> rank(Dataset<Row> docs, String stage, String idColumn, String textColumn) {
        return rank(docs, orderColumns(docs, stage, idColumn, textColumn));
    }

    /**
     * As {@link #rank(Dataset, String, String, String)}, along {@code order}: for rows that hold what the order is made of
     * rather than the documents themselves (near dedup's earlier documents, whose text may be in an index as its hash).
     */
    public static Dataset<Row> rank(Dataset<Row> docs, List<Column> order) {
        Dataset<Row> input = docs.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            return Lineage.cut(input.sort(order.toArray(new Column[0])).withColumn(RANK, functions.monotonically_increasing_id()));
        } finally {
            input.unpersist(false);
        }
    }
}
