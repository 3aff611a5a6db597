"""Kindling on Airflow: curate a pool of prompts on S3, then distill an SFT dataset from it.

Two ``spark-submit`` jobs of Kindling's shaded jar, one after the other, for each daily run:

    curate       kindling curate      raw prompts  -> deduplicated, filtered prompts (every drop counted)
    distill_sft  kindling distill sft curated prompts + teacher model -> SFT rows {id, prompt_id, prompt, messages,
                                      completion, finish_reason, model, error}

Set-up (see the README's "Airflow" section):

* ``pip install apache-airflow-providers-apache-spark`` on the Airflow workers, and a Spark 4.2
  client, ``spark-submit`` on the PATH (the provider refuses a ``spark-home`` in the connection since 4.0).
* The connection ``spark_default`` (type *Spark*): host = the master (``spark://spark-master`` with
  port 7077, ``yarn``, ``k8s://https://kubernetes.default.svc``), extra ``{"deploy-mode": "cluster"}``
  (or ``client``). For example:
  ``AIRFLOW_CONN_SPARK_DEFAULT='{"conn_type": "spark", "host": "spark://spark-master", "port": 7077, "extra": {"deploy-mode": "cluster"}}'``
* Kindling's shaded jar where ``spark-submit`` can read it: ``mvn -DskipTests package`` builds
  ``spark-udf/target/kindling-0.1.0-SNAPSHOT-all.jar``.
* S3 credentials from the cluster's standard AWS chain (instance or pod role, environment); for MinIO
  and other S3 APIs add ``spark.hadoop.fs.s3a.endpoint`` and ``spark.hadoop.fs.s3a.path.style.access``
  to ``SPARK_CONF``.

Outputs are partitioned by the run's date (``{{ ds }}``) and written with ``--overwrite``, so a task
that Airflow retries replaces its own partial output instead of failing on it.

Everything the tasks use is a module-level constant: Kindling's tests read this file with Python's
``ast`` (no Airflow needed) and check the operators, the task wiring and the Kindling command lines.
"""

from __future__ import annotations

import pendulum

try:  # Airflow 3
    from airflow.sdk import DAG
except ImportError:  # Airflow 2.4+
    from airflow import DAG
from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

# --- edit these for your deployment -------------------------------------------------------------

# Kindling's shaded jar, a path spark-submit can read (a local path on the Airflow worker, or an
# s3a:// / hdfs:// URI in cluster deploy mode).
KINDLING_JAR = "/opt/kindling/kindling-0.1.0-SNAPSHOT-all.jar"
BUCKET = "s3a://my-bucket"
# The curation pipeline (stages in order), a path the Spark driver can read: pipeline.yaml beside this
# file is one for prompt rows (exact and near dedup, PII redaction).
PIPELINE_CONFIG = "/opt/kindling/pipeline.yaml"
# The teacher model (GGUF); Kindling copies it once to each executor's local disk.
TEACHER_MODEL = f"{BUCKET}/models/teacher.gguf"

# The Spark connection: host = master URL, extra {"deploy-mode": "cluster" | "client"}.
SPARK_CONN_ID = "spark_default"

# Maven packages spark-submit adds when the Spark distribution lacks them: S3A (hadoop-aws, matching
# Spark 4.2's Hadoop 3.5.0) and the S3A committer binding (spark-hadoop-cloud; 4.1.2 is the newest
# published and works with Spark 4.2). Where the 654 MiB AWS SDK bundle hadoop-aws pulls matters,
# see the README for the slim alternative (exclude_packages + three SDK modules).
SPARK_PACKAGES = "org.apache.hadoop:hadoop-aws:3.5.0,org.apache.spark:spark-hadoop-cloud_2.13:4.1.2"

# Outputs to s3a:// are committed by the S3A magic committer, never by renames (Kindling sets the
# same defaults itself; they are spelled out here so they hold from the first spark-submit).
SPARK_CONF = {
    "spark.hadoop.mapreduce.outputcommitter.factory.scheme.s3a": "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory",
    "spark.hadoop.fs.s3a.committer.name": "magic",
    "spark.hadoop.fs.s3a.committer.magic.enabled": "true",
    "spark.sql.sources.commitProtocolClass": "dev.kindling.spark.io.CountingPathOutputCommitProtocol",
    "spark.sql.parquet.output.committer.class": "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter",
    "spark.hadoop.fs.s3a.endpoint.region": "us-east-1",
    # The one JVM flag of Kindling's list that spark-submit does not add itself (the README's spark-submit
    # example): without it the teacher's Q4_K/Q5_K decode kernels can compile without vector stores.
    "spark.executor.extraJavaOptions": "-XX:PerMethodTrapLimit=1000",
    "spark.driver.extraJavaOptions": "-XX:PerMethodTrapLimit=1000",
}

# --- the Kindling command lines (templated: Airflow fills in {{ ds }}) ------------------------------

RUN_DATE = "{{ ds }}"
CURATED = f"{BUCKET}/prompts/curated/{RUN_DATE}/"

# The raw prompts are rows {id, prompt}: curate reads and writes the prompt column (its default is text), which is
# the column distill sft reads (its default is prompt).
CURATE_ARGS = [
    "curate",
    "--config", PIPELINE_CONFIG,
    "--input", f"{BUCKET}/prompts/raw/",
    "--text-column", "prompt",
    "--output", CURATED,
    "--format", "parquet",
    "--on-error", "quarantine",
    # unreadable rows; by default they would go to <output>.quarantine, a folder beside the date partitions of
    # prompts/curated/ that a reader of prompts/curated/*/ would take for one
    "--quarantine", f"{BUCKET}/prompts/quarantine/{RUN_DATE}/",
    "--rejected", f"{BUCKET}/prompts/rejected/{RUN_DATE}/",
    # the day's accounting (rows in, kept, dropped by reason), beside the Spark driver's log
    "--stats", f"{BUCKET}/stats/{RUN_DATE}/curate.json",
    "--overwrite",
]

DISTILL_SFT_ARGS = [
    "distill", "sft",
    "--teacher", TEACHER_MODEL,
    "--prompts", CURATED,
    "--output", f"{BUCKET}/sft/{RUN_DATE}/",
    "--stats", f"{BUCKET}/stats/{RUN_DATE}/distill_sft.json",
    "--overwrite",
]

with DAG(
    dag_id="kindling_curate_distill",
    description="Kindling: curate prompts, then distill an SFT dataset from a teacher model",
    schedule="@daily",
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    default_args={"retries": 1, "retry_delay": pendulum.duration(minutes=10)},
    tags=["kindling", "spark"],
) as dag:
    curate = SparkSubmitOperator(
        task_id="curate",
        conn_id=SPARK_CONN_ID,
        application=KINDLING_JAR,
        java_class="dev.kindling.spark.cli.KindlingCli",
        packages=SPARK_PACKAGES,
        conf=SPARK_CONF,
        application_args=CURATE_ARGS,
        name="kindling-curate",
    )

    distill_sft = SparkSubmitOperator(
        task_id="distill_sft",
        conn_id=SPARK_CONN_ID,
        application=KINDLING_JAR,
        java_class="dev.kindling.spark.cli.KindlingCli",
        packages=SPARK_PACKAGES,
        conf=SPARK_CONF,
        application_args=DISTILL_SFT_ARGS,
        name="kindling-distill-sft",
    )

    curate >> distill_sft
