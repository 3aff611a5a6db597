package dev.kindling.spark.io;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.internal.io.FileCommitProtocol.TaskCommitMessage;

/**
 * What a write committed, as its commit protocol ({@link CountingCommitProtocol}, {@link CountingPathOutputCommitProtocol})
 * saw it: the write's job UUID, which Spark puts in each part file's name, and the number of files its committed tasks
 * wrote. Kept for the thread that ran the write (Spark commits a write's job on the thread that asked for it), so that
 * {@link DatasetWriter} can find out whether the output holds exactly this write.
 */
record CommittedWrite(String jobId, long files) {
    private static final ThreadLocal<CommittedWrite> LAST = new ThreadLocal<>();

    /**
     * Notes the job UUID of a write this thread asked for, as Spark makes its commit protocol (on that thread, before any
     * task runs), so that a failed run can tell the part files its write left from another write's ({@link RunWrites}).
     */
    static void begun(String jobId) {
        RunWrites.begun(jobId);
    }

    /** The write this thread committed last, taken (null when none since the last call). */
    static CommittedWrite take() {
        CommittedWrite w = LAST.get();
        LAST.remove();
        return w;
    }

    /**
     * A task's commit message, with the number of files the task wrote: a {@code Tuple2} of the protocol's own message and
     * the count, as a task's result goes to the driver through {@code spark.serializer}, and Spark's Kryo serializer takes
     * a {@code Tuple2} (it registers it, for {@code spark.kryo.registrationRequired}) where it failed every write's task
     * on a class of Kindling's (a record: "Unable to create serializer FieldSerializer"; registered: "Class is not
     * registered").
     */
    static TaskCommitMessage counted(TaskCommitMessage message, int files) {
        return new TaskCommitMessage(new scala.Tuple2<Object, Object>(message.obj(), files));
    }

    /**
     * The tasks' messages as the protocol made them, for its own commit; notes the write for this thread, {@code jobId}
     * and the files the messages count.
     */
    static scala.collection.immutable.Seq<TaskCommitMessage> committing(String jobId,
            scala.collection.immutable.Seq<TaskCommitMessage> taskCommits) {
        List<TaskCommitMessage> inner = new ArrayList<>();
        long files = 0;
        for (TaskCommitMessage m : scala.jdk.javaapi.CollectionConverters.asJava(taskCommits)) {
            scala.Tuple2<?, ?> c = (scala.Tuple2<?, ?>) m.obj();
            inner.add(new TaskCommitMessage(c._1()));
            files += (Integer) c._2();
        }
        LAST.set(new CommittedWrite(jobId, files));
        return scala.jdk.javaapi.CollectionConverters.asScala(inner).toSeq();
    }
}
