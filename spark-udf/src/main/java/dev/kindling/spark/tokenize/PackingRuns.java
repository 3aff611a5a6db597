package dev.kindling.spark.tokenize;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.spark.Partition;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.PartitionCoalescer;
import org.apache.spark.rdd.PartitionGroup;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import scala.Option;

/**
 * The documents pack cuts into sequences, their small partitions joined into runs of consecutive ones. A sequence
 * cannot span two tasks, so each partition's last, shorter sequence is dropped (or padded); JSON Lines were read a
 * partition per file at least (small files now share one, but a small input is still spread over the cores), and a
 * dataset of many small files lost up to a sequence per file: 300 files of five short documents dropped 10.5% of their
 * tokens at --seq-len 128, and at 512 filled no sequence at all.
 *
 * <p>Partitions are joined in their order (no shuffle: the documents keep theirs) until a run holds text for about
 * {@link #SEQUENCES_PER_RUN} sequences, at four characters a token; a partition that large already stays alone, so a
 * big input keeps its tasks.
 */
final class PackingRuns {
    /** Sequences a run's text fills at least: what a run drops at its end is then at most about 1/200 of it. */
    static final int SEQUENCES_PER_RUN = 200;
    private static final int CHARS_PER_TOKEN = 4;

    private PackingRuns() {}

    /** {@code texts} (one string column) as an RDD of its partitions joined in runs, for sequences of {@code seqLen}. */
    static JavaRDD<Row> of(Dataset<Row> texts, int seqLen) {
        List<Long> chars = texts.javaRDD().mapPartitions((Iterator<Row> it) -> {
            long n = 0;
            while (it.hasNext()) {
                Row r = it.next();
                n += r.isNullAt(0) ? 0 : r.getString(0).length();
            }
            return List.of(n).iterator();
        }).collect();
        List<int[]> runs = runs(chars, (long) SEQUENCES_PER_RUN * seqLen * CHARS_PER_TOKEN);
        RDD<Row> rows = texts.rdd();
        if (runs.size() == chars.size()) {
            return rows.toJavaRDD();
        }
        return rows.coalesce(runs.size(), false, Option.apply(new InOrder(runs)), null).toJavaRDD();
    }

    /** Consecutive indices of {@code sizes} grouped until each group (but the last) reaches {@code target}. */
    static List<int[]> runs(List<Long> sizes, long target) {
        List<int[]> runs = new ArrayList<>();
        int start = 0;
        long size = 0;
        for (int i = 0; i < sizes.size(); i++) {
            size += sizes.get(i);
            if (size >= target) {
                runs.add(range(start, i + 1));
                start = i + 1;
                size = 0;
            }
        }
        if (start < sizes.size()) {
            if (!runs.isEmpty() && size < target) {
                // the short tail joins the run before it, which then drops one partial sequence, not two
                int[] last = runs.remove(runs.size() - 1);
                runs.add(range(last[0], sizes.size()));
            } else {
                runs.add(range(start, sizes.size()));
            }
        }
        return runs;
    }

    private static int[] range(int from, int to) {
        int[] r = new int[to - from];
        for (int i = 0; i < r.length; i++) {
            r[i] = from + i;
        }
        return r;
    }

    /** The parent's partitions in the given runs, each run one partition, in order. */
    private static final class InOrder implements PartitionCoalescer, Serializable {
        private static final long serialVersionUID = 1L;
        private final List<int[]> runs;

        InOrder(List<int[]> runs) {
            this.runs = runs;
        }

        @Override
        public PartitionGroup[] coalesce(int maxPartitions, RDD<?> parent) {
            Partition[] parts = parent.partitions();
            PartitionGroup[] out = new PartitionGroup[runs.size()];
            for (int g = 0; g < out.length; g++) {
                out[g] = new PartitionGroup(Option.empty());
                for (int index : runs.get(g)) {
                    out[g].partitions().addOne(parts[index]);
                }
            }
            return out;
        }
    }
}
