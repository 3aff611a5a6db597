package dev.kindling.spark.io;

import org.apache.hadoop.mapreduce.JobContext;
import org.apache.hadoop.mapreduce.TaskAttemptContext;
import org.apache.spark.internal.io.FileNameSpec;
import org.apache.spark.internal.io.cloud.PathOutputCommitProtocol;

/**
 * spark-hadoop-cloud's {@code PathOutputCommitProtocol} (the S3A committers on {@code s3a://}, Hadoop's file committer
 * elsewhere), which also counts the files each task commits and notes the write as it begins and as it commits ({@link
 * CommittedWrite}), as {@link CountingCommitProtocol} does for Spark's own protocol. {@code SparkSessions} names it where
 * spark-hadoop-cloud is on the class path.
 */
public class CountingPathOutputCommitProtocol extends PathOutputCommitProtocol {
    private final String jobId;
    private transient int files;

    public CountingPathOutputCommitProtocol(String jobId, String path, boolean dynamicPartitionOverwrite) {
        super(jobId, path, dynamicPartitionOverwrite);
        this.jobId = jobId;
        CommittedWrite.begun(jobId);
    }

    /**
     * Names the S3A committers' job UUID after this write's, which Spark puts in its part files' names: the magic
     * committer's work folder is then {@code __magic_job-<that UUID>}, which a failed run tells from another write's as it
     * tells its part files ({@link RunWrites#removeOwn}), where it was named after Hadoop's job ID ({@code job_<time>_0000}).
     * The committer takes it from the job's settings, and its tasks from the settings it passes them. A {@code
     * fs.s3a.committer.uuid} of the user's own is replaced, without a word: one UUID for every write would give two writes
     * of one output (a run's and a retry's) one work folder, whose commit or abort by either takes the other's uploads.
     */
    @Override
    public void setupJob(JobContext jobContext) {
        jobContext.getConfiguration().set("fs.s3a.committer.uuid", jobId);
        super.setupJob(jobContext);
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
