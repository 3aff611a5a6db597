package dev.kindling.spark.stage;

import java.util.HashMap;
import java.util.Map;
import org.apache.spark.TaskContext;
import org.apache.spark.util.AccumulatorV2;

/**
 * A count that tasks add to, kept per stage and partition, where a task's count replaces what an earlier attempt of
 * the same stage and partition counted instead of adding to it. Spark merges a task's accumulator updates into the
 * driver's once for each successful task in a result stage, but in a shuffle-map stage it merges those of every
 * successful attempt: a partition run again because its shuffle output was lost (an executor lost on a cluster) counted
 * twice in a {@link org.apache.spark.util.LongAccumulator}. Here the last attempt's count is kept, so a count of the rows
 * a shuffle-map stage read is the rows, however often Spark ran them. A second job over the same rows (another stage)
 * still counts again.
 *
 * <p>A task adds to a field of its own copy ({@link #add} takes no lock and no map look-up); the driver keeps one count
 * per (stage, partition), and adds made on the driver, outside any task, to its own.
 */
public final class TaskCount extends AccumulatorV2<Long, Long> {
    private static final long serialVersionUID = 1L;
    private static final long NO_TASK = Long.MIN_VALUE;

    /** The stage and partition of the task this copy counts in ({@link #NO_TASK} until its first add, or on the driver). */
    private long task = NO_TASK;
    private long count;
    /** The driver's: the last count merged for each (stage, partition). */
    private final Map<Long, Long> byTask = new HashMap<>();

    @Override
    public boolean isZero() {
        return count == 0 && byTask.isEmpty();
    }

    @Override
    public synchronized TaskCount copy() {
        TaskCount c = new TaskCount();
        c.task = task;
        c.count = count;
        c.byTask.putAll(byTask);
        return c;
    }

    @Override
    public synchronized void reset() {
        task = NO_TASK;
        count = 0;
        byTask.clear();
    }

    @Override
    public void add(Long n) {
        add(n.longValue());
    }

    public void add(long n) {
        if (task == NO_TASK) {
            TaskContext ctx = TaskContext.get();
            if (ctx != null) {
                task = ((long) ctx.stageId() << 32) | (ctx.partitionId() & 0xffffffffL);
            }
        }
        count += n;
    }

    @Override
    public void merge(AccumulatorV2<Long, Long> other) {
        if (!(other instanceof TaskCount o)) {
            throw new UnsupportedOperationException("cannot merge a " + other.getClass().getName() + " into a TaskCount");
        }
        synchronized (this) {
            synchronized (o) {
                byTask.putAll(o.byTask);
                if (o.task == NO_TASK) {
                    count += o.count;
                } else {
                    byTask.put(o.task, o.count);
                }
            }
        }
    }

    @Override
    public synchronized Long value() {
        long sum = count;
        for (long n : byTask.values()) {
            sum += n;
        }
        return sum;
    }
}
