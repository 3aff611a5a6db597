package dev.kindling.spark.io;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.Dependency;
import org.apache.spark.OneToOneDependency;
import org.apache.spark.Partition;
import org.apache.spark.network.util.JavaUtils;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import org.apache.spark.sql.execution.datasources.HadoopFsRelation;
import org.apache.spark.sql.execution.datasources.LogicalRelation;
import org.apache.spark.sql.execution.datasources.FilePartition;
import org.apache.spark.sql.execution.datasources.PartitionedFile;
import scala.Option;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A Spark file scan (Parquet, {@code binaryFile}) read file by file in name order, as the line reader reads JSON Lines.
 *
 * <p>Spark's scan sorts its splits largest first and packs them into partitions in that order: the rows of a multi-file
 * input came in another order than the files' (the last, largest file first). Here the scan is planned with the split
 * size Spark would choose ({@code FilePartition.maxSplitBytes}) and a file open cost above any split, so that each split
 * is a partition of its own; then runs of consecutive splits, in order of file name and offset, are packed into
 * partitions as Spark packs them ({@link #packed}): the same splits and as many tasks as Spark's own scan. No shuffle:
 * the result is a narrow view of the scan's partitions.
 */
final class FileOrder {
    /** Above any split: with it, Spark's packing closes a partition after every split. */
    private static final long OPEN_COST_ABOVE_ANY_SPLIT = 1L << 50;
    private static final String OPEN_COST = "spark.sql.files.openCostInBytes";
    private static final String MAX_PARTITION_BYTES = "spark.sql.files.maxPartitionBytes";

    private FileOrder() {}

    /** {@code scan}'s rows with its files in name order, packed as Spark packs them; {@code scan} itself if it reads no files. */
    static Dataset<Row> inNameOrder(SparkSession spark, Dataset<Row> scan) {
        RuntimeConfig conf = spark.conf();
        long openCost = JavaUtils.byteStringAsBytes(conf.get(OPEN_COST));
        long[] input = inputBytesAndFiles(scan);
        if (input == null) {
            return scan;
        }
        // FilePartition.maxSplitBytes, as Spark sizes the splits of this input: at least the open cost, at most
        // maxPartitionBytes, else the bytes per core (so a single 100 MB file is read by as many tasks as there are cores)
        long maxBytes = JavaUtils.byteStringAsBytes(conf.get(MAX_PARTITION_BYTES));
        Option<String> minPartitions = conf.getOption("spark.sql.files.minPartitionNum");
        long cores = minPartitions.isDefined() ? Long.parseLong(minPartitions.get()) : spark.sparkContext().defaultParallelism();
        long splitBytes = Math.min(maxBytes, Math.max(openCost, (input[0] + input[1] * openCost) / Math.max(1, cores)));
        RDD<Row> rows;
        // the scan's partitions are made when its RDD is (Dataset.rdd plans the query): only then are the settings read,
        // a split size of Spark's own choosing and an open cost that closes a partition after every split (a notebook's
        // other threads planning a file scan in the same moment would get such partitions too, which changes no result)
        synchronized (FileOrder.class) {
            Option<String> openBefore = conf.getOption(OPEN_COST);
            Option<String> maxBefore = conf.getOption(MAX_PARTITION_BYTES);
            try {
                conf.set(OPEN_COST, String.valueOf(OPEN_COST_ABOVE_ANY_SPLIT));
                conf.set(MAX_PARTITION_BYTES, String.valueOf(splitBytes));
                rows = scan.rdd();
            } finally {
                restore(conf, OPEN_COST, openBefore);
                restore(conf, MAX_PARTITION_BYTES, maxBefore);
            }
        }
        Partition[] splits = scanPartitions(rows);
        if (splits == null) {
            return scan;
        }
        Integer[] order = new Integer[splits.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparing((Integer i) -> firstFile(splits[i]).toPath().toString())
                .thenComparingLong(i -> firstFile(splits[i]).start()));
        List<int[]> groups = packed(splits, order, splitBytes, openCost);
        RDD<Row> ordered = rows.coalesce(groups.size(), false, Option.apply(new InOrder(groups)), null);
        return spark.createDataFrame(ordered.toJavaRDD(), scan.schema());
    }

    private static void restore(RuntimeConfig conf, String key, Option<String> before) {
        if (before.isDefined()) {
            conf.set(key, before.get());
        } else {
            conf.unset(key);
        }
    }

    /** The bytes and the number of files {@code scan} reads (its one file relation's), or null when it reads none. */
    private static long[] inputBytesAndFiles(Dataset<Row> scan) {
        long[] found = null;
        for (LogicalPlan leaf : CollectionConverters.asJava(scan.queryExecution().optimizedPlan().collectLeaves())) {
            if (leaf instanceof LogicalRelation r && r.relation() instanceof HadoopFsRelation fs) {
                if (found != null) {
                    return null; // two file scans: not a plain read
                }
                found = new long[] {fs.location().sizeInBytes(), fs.location().inputFiles().length};
            }
        }
        return found;
    }

    /**
     * The splits, taken in {@code order}, packed into partitions as Spark packs them (a split's bytes plus the file open
     * cost, up to the split size), except that a partition holds a run of consecutive splits: many small files are read
     * by as many tasks as Spark would use, not one each.
     */
    private static List<int[]> packed(Partition[] splits, Integer[] order, long splitBytes, long openCost) {
        List<int[]> groups = new ArrayList<>();
        List<Integer> current = new ArrayList<>();
        long size = 0;
        for (int index : order) {
            long length = firstFile(splits[index]).length();
            if (!current.isEmpty() && size + length > splitBytes) {
                groups.add(current.stream().mapToInt(Integer::intValue).toArray());
                current.clear();
                size = 0;
            }
            current.add(index);
            size += length + openCost;
        }
        if (!current.isEmpty()) {
            groups.add(current.stream().mapToInt(Integer::intValue).toArray());
        }
        return groups;
    }

    /** The file partitions under {@code rdd}, one per partition of it (a chain of one-to-one steps), or null. */
    private static Partition[] scanPartitions(RDD<?> rdd) {
        int n = rdd.partitions().length;
        for (RDD<?> r = rdd; ; ) {
            Partition[] parts = r.partitions();
            if (parts.length != n) {
                return null;
            }
            if (n > 0 && Arrays.stream(parts).allMatch(p -> p instanceof FilePartition fp && fp.files().length == 1)) {
                return parts;
            }
            scala.collection.immutable.Seq<Dependency<?>> deps = r.dependencies();
            if (deps.size() != 1 || !(deps.head() instanceof OneToOneDependency<?> one)) {
                return null;
            }
            r = one.rdd();
        }
    }

    private static PartitionedFile firstFile(Partition p) {
        return ((FilePartition) p).files()[0];
    }

    /** The parent's partitions in the given runs, each run one partition. */
    private static final class InOrder implements PartitionCoalescer, Serializable {
        private static final long serialVersionUID = 1L;
        private final List<int[]> groups;

        InOrder(List<int[]> groups) {
            this.groups = groups;
        }

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] parts = parent.partitions();
            PartitionGroup[] out = new PartitionGroup[groups.size()];
            for (int g = 0; g < out.length; g++) {
                out[g] = new PartitionGroup(Option.empty());
                for (int index : groups.get(g)) {
                    out[g].partitions().addOne(parts[index]);
                }
            }
            return out;
        }
    }
}
