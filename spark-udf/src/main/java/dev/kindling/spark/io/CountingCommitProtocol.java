package dev.kindling.spark.io;

import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.internal.io.FileNameSpec;
import org.apache.spark.sql.execution.datasources.SQLHadoopMapReduceCommitProtocol;

/**
 * Spark's own file commit protocol, which also counts the files each task commits and notes the write as it begins and as
 * it commits ({@link CommittedWrite}), for {@link DatasetWriter}'s check that the output holds exactly this write and a
 * failed run's removal of what it wrote ({@link RunWrites}). {@code
 * SparkSessions} names it where {@link CountingPathOutputCommitProtocol} (spark-hadoop-cloud) is not there.
 */
public class CountingCommitProtocol extends SQLHadoopMapReduceCommitProtocol {
    private final String jobId;
    private transient int files;

    public CountingCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
        super(jobId, path, dynamicPartitionOverwrite);
        this.jobId = jobId;
        CommittedWrite.begun(jobId);
    }

    @Override
    public void setupTask(TaskAttemptContext taskContext) {
        super.setupTask(taskContext);
        files = 0;
    }

    @Override
    public String newTaskTempFile(TaskAttemptContext taskContext, scala.Option<String> dir, FileNameSpec spec) {
        files++;
        return super.newTaskTempFile(taskContext, dir, spec);
    }

    @Override
    public String newTaskTempFileAbsPath(TaskAttemptContext taskContext, String absoluteDir, FileNameSpec spec) {
        files++;
        return super.newTaskTempFileAbsPath(taskContext, absoluteDir, spec);
    }

    @Override
    public TaskCommitMessage commitTask(TaskAttemptContext taskContext) {
        return CommittedWrite.counted(super.commitTask(taskContext), files);
    }

    @Override
    public void commitJob(JobContext jobContext, scala.collection.immutable.Seq<TaskCommitMessage> taskCommits) {
        super.commitJob(jobContext, CommittedWrite.committing(jobId, taskCommits));
    }
}
