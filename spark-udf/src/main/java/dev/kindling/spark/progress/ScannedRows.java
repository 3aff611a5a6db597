package dev.kindling.spark.progress;

import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.AccumulableInfo;
import org.apache.spark.scheduler.SparkListenerEvent;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.execution.SparkPlanInfo;
import org.apache.spark.sql.execution.metric.SQLMetricInfo;
import org.apache.spark.sql.execution.ui.SparkListenerSQLAdaptiveExecutionUpdate;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionEnd;
import org.apache.spark.sql.execution.ui.SparkListenerSQLExecutionStart;

/**
 * The rows a task scanned, for the progress lines' "rows scanned": for a DataFrame's job, the rows its plan's scans output
 * (the {@code number of output rows} of each leaf, a cached DataFrame's {@code InMemoryTableScan} taken as one), else
 * (an RDD's job) the task's input records, as for a task that ran none of its plan's scans (the job AQE runs to fill a
 * cache before a shuffle over it reads the input through the cache's own plan). A DataFrame's input records would not do:
 * a read of a cached DataFrame counts one record per cached batch of up to 10,000 rows, so the tour's score job over 12
 * cached documents said "1 rows scanned". An RDD made of a DataFrame ({@code df.rdd()}, {@code df.javaRDD().map(...)})
 * runs the DataFrame's plan in a job of no SQL execution: Spark posts the plan in one that ends as the RDD is made, so
 * the scans of the last {@link #ENDED_KEPT} executions that ended are kept, and such a task counts theirs.
 * Fed by its listener's events, in their order: an execution's plan comes before its jobs, a job before its tasks.
 */
final class ScannedRows {
    private static final String EXECUTION_ID = "spark.sql.execution.id";
    /** The accumulators of the scans' row counts of each running SQL execution (every plan AQE posted for it). */
    private final Map<Long, Set<Long>> scansOfExecution = new ConcurrentHashMap<>();
    /** The SQL execution of each stage of a job that has one. */
    private final Map<Integer, Long> executionOfStage = new ConcurrentHashMap<>();
    /** How many ended executions' scans are kept for the RDDs made of their DataFrames. */
    static final int ENDED_KEPT = 64;
    /** The scans of the executions that ended last, oldest first. */
    private final Map<Long, Set<Long>> scansOfEnded = new java.util.LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Long, Set<Long>> eldest) {
            return size() > ENDED_KEPT;
        }
    };

    void onOtherEvent(SparkListenerEvent event) {
        if (event instanceof SparkListenerSQLExecutionStart start) {
            addScans(start.executionId(), start.sparkPlanInfo());
        } else if (event instanceof SparkListenerSQLAdaptiveExecutionUpdate update) {
            addScans(update.executionId(), update.sparkPlanInfo());
        } else if (event instanceof SparkListenerSQLExecutionEnd end) {
            Set<Long> scans = scansOfExecution.remove(end.executionId());
            executionOfStage.values().removeIf(id -> id == end.executionId());
            if (scans != null) {
                synchronized (scansOfEnded) {
                    scansOfEnded.put(end.executionId(), scans);
                }
            }
        }
    }

    void onJobStart(SparkListenerJobStart start) {
        String id = start.properties() == null ? null : start.properties().getProperty(EXECUTION_ID);
        if (id != null && scansOfExecution.containsKey(Long.parseLong(id))) {
            for (int i = 0; i < start.stageIds().size(); i++) {
                executionOfStage.put((Integer) start.stageIds().apply(i), Long.parseLong(id));
            }
        }
    }

    /** The rows {@code end}'s task scanned. */
    long of(SparkListenerTaskEnd end) {
        Long execution = executionOfStage.get(end.stageId());
        Set<Long> scans = execution == null ? null : scansOfExecution.get(execution);
        // a job of no execution: an RDD's, or one made of a DataFrame, which runs the plan of an execution that ended
        long rows = scans != null ? scanned(end, scans::contains) : scanned(end, this::isScanOfEnded);
        // a task that ran none of the plan's scans, as those of the job AQE runs to fill a cache (the cache's own plan,
        // its scans not walked), read its input records: it read the input, and said 0 rows; so did an RDD's
        return rows >= 0 || end.taskMetrics() == null ? Math.max(rows, 0) : end.taskMetrics().inputMetrics().recordsRead();
    }

    /** The rows output by the scans ({@code isScan}, by accumulator id) {@code end}'s task ran; -1 when it ran none. */
    private static long scanned(SparkListenerTaskEnd end, java.util.function.LongPredicate isScan) {
        long rows = 0;
        boolean ranAScan = false;
        scala.collection.Iterator<AccumulableInfo> it = end.taskInfo().accumulables().iterator();
        while (it.hasNext()) {
            AccumulableInfo acc = it.next();
            if (isScan.test(acc.id()) && acc.update().isDefined() && acc.update().get() instanceof Long n) {
                rows += n;
                ranAScan = true;
            }
        }
        return ranAScan ? rows : -1;
    }

    private boolean isScanOfEnded(long accumulator) {
        synchronized (scansOfEnded) {
            for (Set<Long> scans : scansOfEnded.values()) {
                if (scans.contains(accumulator)) {
                    return true;
                }
            }
            return false;
        }
    }

    private void addScans(long execution, SparkPlanInfo plan) {
        Set<Long> scans = scansOfExecution.computeIfAbsent(execution, k -> ConcurrentHashMap.newKeySet());
        collect(plan, scans);
    }

    /** The row counts of {@code plan}'s leaves; a cached DataFrame's scan is one, its plan (the cache's making) is not walked. */
    private static void collect(SparkPlanInfo plan, Set<Long> scans) {
        if (plan.children().isEmpty() || plan.nodeName().equals("InMemoryTableScan")) {
            scala.collection.Iterator<SQLMetricInfo> metrics = plan.metrics().iterator();
            while (metrics.hasNext()) {
                SQLMetricInfo m = metrics.next();
                if (m.name().equals("number of output rows")) {
                    scans.add(m.accumulatorId());
                }
            }
            return;
        }
        scala.collection.Iterator<SparkPlanInfo> children = plan.children().iterator();
        while (children.hasNext()) {
            collect(children.next(), scans);
        }
    }
}
