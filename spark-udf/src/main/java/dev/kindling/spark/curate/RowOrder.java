package dev.kindling.spark.curate;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.xxhash64;

import dev.kindling.spark.io.Columns;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/**
 * The order that makes dedup deterministic: rows sorted by id, then (for rows sharing an id) by
 * source file, source offset and a hash of the text. "Keep the smallest id" means the first row in
 * this order. {@link #rank} numbers the rows 0, 1, 2... in this order: a dense 64-bit vertex id for
 * the joins of near dedup and sentence dedup, the same whatever the partitioning of the input.
 */
public final class RowOrder {
    /** The rank column {@link #rank} adds. */
    public static final String RANK = "_kd_rank";

    private RowOrder() {}

    /** The sort columns for {@code docs}. */
    public static List<Column> orderColumns(Dataset<Row> docs, String idColumn, String textColumn) {
        List<String> cols = Arrays.asList(docs.columns());
        List<Column> order = new ArrayList<>();
        order.add(col(idColumn).asc_nulls_first());
        if (cols.contains(Columns.SOURCE_FILE)) {
            order.add(col(Columns.SOURCE_FILE).asc_nulls_first());
        }
        if (cols.contains(Columns.SOURCE_OFFSET)) {
            order.add(col(Columns.SOURCE_OFFSET).asc_nulls_first());
        }
        order.add(xxhash64(col(textColumn)).asc_nulls_first());
        return order;
    }

    /**
     * Adds {@link #RANK} (0-based position in the order) to every row and materialises the result
     * ({@link Lineage#cut}). Costs one sort of the data.
     */
    public static Dataset<Row> rank(Dataset<Row> docs, String idColumn, String textColumn) {
        Dataset<Row> input = docs.persist(StorageLevel.MEMORY_AND_DISK());
        try {
            JavaRDD<Row> sorted = input.sort(orderColumns(input, idColumn, textColumn).toArray(new Column[0])).javaRDD();
            JavaRDD<Row> ranked = sorted.zipWithIndex().map(t -> {
                Row r = t._1();
                Object[] v = new Object[r.size() + 1];
                for (int i = 0; i < r.size(); i++) {
                    v[i] = r.get(i);
                }
                v[r.size()] = t._2();
                return RowFactory.create(v);
            });
            StructType schema = input.schema().add(RANK, DataTypes.LongType, false);
            return Lineage.cut(input.sparkSession().createDataFrame(ranked, schema));
        } finally {
            input.unpersist(false);
        }
    }
}
