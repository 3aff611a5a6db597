#!/usr/bin/env bash
# install-kernel.sh — installs a Jupyter kernel ("Java (Kindling + Spark)") that runs Java cells with
# Kindling and Spark on the classpath, so notebooks/kindling-tour.ipynb runs as it is.
#
# The kernel is rapaio-jupyter-kernel (JShell inside the kernel JVM; Maven Central
# io.github.padreati:rapaio-jupyter-kernel, version from the root pom). The spec it writes is what
# the notebooks' tests execute the tour with (NotebookTest runs this script), so what is tested is
# what you install:
#   - the kernel JVM gets the JVM flags Spark needs on Java 17+ (the root pom's spark.jvm.flags, as
#     the build copies them to spark-udf/target/classes/kindling-jvm-flags.txt — the launcher's list);
#   - RJK_CLASSPATH: Kindling and Spark, entries separated by ';' (the kernel splits on ';' only);
#   - log4j writes to a FILE: console logging from Spark races with the kernel's capture of cell
#     output ("No bound env at flush");
#   - SPARK_LOCAL_IP=127.0.0.1 and `--add-modules jdk.incubator.vector` for the cells' compiler.
#
# Usage: notebooks/install-kernel.sh [options]
#   --name NAME         kernel name (default: kindling-java; the notebook's metadata names it)
#   --kernels-dir DIR   where kernel specs live (default: "$(jupyter --data-dir)/kernels", which
#                       honours JUPYTER_DATA_DIR)
#   --classpath CP      ':'-separated classpath with Kindling and Spark (default: the launcher's —
#                       spark-udf/target/kindling-run.jar, the copy of the shaded jar that ./kindling
#                       replaces in one rename after each build, so a rebuild never changes the jar
#                       under a running kernel, plus spark-udf/target/kindling-local.classpath; built
#                       when missing or stale)
#   --kernel-jar JAR    the rapaio-jupyter-kernel jar (default: copied from Maven into the kernel dir)
#   --java PATH         java for the kernel (default: $JAVA_HOME/bin/java, else java on the PATH)
#   --log-file FILE     where Spark's logs go (default: kernel.log in the kernel dir)
#   --jvm-opt OPT       extra kernel JVM option, repeatable (e.g. --jvm-opt -Xmx8g)
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$here")"

name="kindling-java"
kernels_dir=""
classpath=""
kernel_jar=""
java=""
log_file=""
jvm_opts=()
while [ $# -gt 0 ]; do
  case "$1" in
    --name|--kernels-dir|--classpath|--kernel-jar|--java|--log-file|--jvm-opt)
      [ $# -ge 2 ] || { echo "install-kernel.sh: $1 needs a value (see --help)" >&2; exit 2; } ;;
  esac
  case "$1" in
    --name) name="$2"; shift 2 ;;
    --kernels-dir) kernels_dir="$2"; shift 2 ;;
    --classpath) classpath="$2"; shift 2 ;;
    --kernel-jar) kernel_jar="$2"; shift 2 ;;
    --java) java="$2"; shift 2 ;;
    --log-file) log_file="$2"; shift 2 ;;
    --jvm-opt) jvm_opts+=("$2"); shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "install-kernel.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

mvn_cmd="${KINDLING_MVN:-mvn}"
flags_file="$root/spark-udf/target/classes/kindling-jvm-flags.txt"

if [ -z "$kernels_dir" ]; then
  command -v jupyter >/dev/null || { echo "install-kernel.sh: jupyter is not installed (see the README's Notebooks section)" >&2; exit 1; }
  kernels_dir="$(jupyter --data-dir)/kernels"
fi
# Jupyter starts the kernel in the notebook's folder: every path the spec holds must be absolute
absolute() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s/%s' "$PWD" "$1" ;; esac; }
kernels_dir="$(absolute "$kernels_dir")"
kernel_dir="$kernels_dir/$name"
case "$kernel_dir" in
  *[][]*) echo "install-kernel.sh: the kernel folder $kernel_dir has [ or ] in its path, which the kernel reads as a" \
            "pattern in its classpath; give another --kernels-dir" >&2; exit 2 ;;
esac
mkdir -p "$kernel_dir"
[ -z "$log_file" ] || log_file="$(absolute "$log_file")"
[ -z "$kernel_jar" ] || kernel_jar="$(absolute "$kernel_jar")"
case "$java" in */*) java="$(absolute "$java")" ;; esac

if [ -z "$classpath" ]; then
  # the launcher builds the shaded jar and the local classpath when they are missing or stale, and refreshes
  # kindling-run.jar, its copy of the jar replaced in one rename: a kernel reads classes from its jar for as long
  # as it runs, and a rebuild rewrites the shaded jar itself in place
  "$root/kindling" --version >/dev/null
  classpath="$root/spark-udf/target/kindling-run.jar:$(cat "$root/spark-udf/target/kindling-local.classpath")"
fi
# each entry absolute; one with [ or ] in its path (the kernel skips it, reading a pattern) through a link in the
# kernel folder, which follows the launcher's rename of kindling-run.jar after a rebuild
entries=()
IFS=':' read -r -a given <<< "$classpath"
rm -rf "$kernel_dir/classpath-links"
for e in ${given[@]+"${given[@]}"}; do
  [ -n "$e" ] || continue
  e="$(absolute "$e")"
  case "$e" in
    *[][]*)
      mkdir -p "$kernel_dir/classpath-links"
      link="$kernel_dir/classpath-links/${#entries[@]}-$(basename "$e" | tr -d '][')"
      ln -s "$e" "$link"
      e="$link" ;;
  esac
  entries+=("$e")
done
classpath="$(IFS=':'; printf '%s' "${entries[*]+"${entries[*]}"}")"
[ -f "$flags_file" ] || { echo "install-kernel.sh: $flags_file is missing; build first (mvn -DskipTests -pl spark-udf -am package)" >&2; exit 1; }

if [ -z "$kernel_jar" ]; then
  rjk_version="$(sed -n 's:.*<rapaio-jupyter-kernel.version>\(.*\)</rapaio-jupyter-kernel.version>.*:\1:p' "$root/pom.xml")"
  # Maven 3.8's jansi writes a reset escape (ESC[0m) at start and exit even with -B and when not on a terminal: stray
  # "[0m" before the "installed" line; jansi.noreset leaves them out, as the launcher's build does
  (cd "$root" && MAVEN_OPTS="${MAVEN_OPTS:+$MAVEN_OPTS }-Djansi.noreset=true" $mvn_cmd -B -q -N dependency:copy \
      -Dartifact="io.github.padreati:rapaio-jupyter-kernel:$rjk_version" -DoutputDirectory="$kernel_dir")
  kernel_jar="$kernel_dir/rapaio-jupyter-kernel-$rjk_version.jar"
fi
[ -f "$kernel_jar" ] || { echo "install-kernel.sh: kernel jar $kernel_jar not found" >&2; exit 1; }

if [ -z "$java" ]; then
  java="java"
  [ -n "${JAVA_HOME:-}" ] && java="$JAVA_HOME/bin/java"
  found="$(command -v "$java")" || { echo "install-kernel.sh: no java at $java; set JAVA_HOME or pass --java" >&2; exit 1; }
  java="$found"
fi
[ -n "$log_file" ] || log_file="$kernel_dir/kernel.log"

# log4j reads a .properties file as ISO-8859-1: the path's other characters (and a backslash) as \uXXXX escapes, or
# the log went to a folder named by the mis-decoded path
escaped_log_file="$(KINDLING_LOG_FILE="$log_file" "${PYTHON:-python3}" -c '
import os, sys
text = os.environ["KINDLING_LOG_FILE"]
units = text.encode("utf-16-be")
sys.stdout.write("".join(chr(u) if 0x20 <= u < 0x7f and u != 0x5c else "\\u%04x" % u
                         for u in (int.from_bytes(units[i:i + 2], "big") for i in range(0, len(units), 2))))
')"
cat >"$kernel_dir/log4j2.properties" <<EOF
# Spark's logs from the notebook kernel go to a file: console output would race with the kernel's
# capture of cell output.
status = error
appender.file.type = File
appender.file.name = file
appender.file.fileName = $escaped_log_file
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d{HH:mm:ss.SSS} %p %c{1}: %m%n%ex
rootLogger.level = info
rootLogger.appenderRef.file.ref = file
EOF

# kernel.json through Python's json module (Jupyter needs Python anyway): paths are quoted right
KINDLING_KERNEL_NAME="$name" KINDLING_KERNEL_DIR="$kernel_dir" KINDLING_KERNEL_JAR="$kernel_jar" \
KINDLING_JAVA="$java" KINDLING_FLAGS="$(cat "$flags_file")" KINDLING_CLASSPATH="$classpath" \
KINDLING_JVM_OPTS="$(printf '%s\n' "${jvm_opts[@]+"${jvm_opts[@]}"}")" \
"${PYTHON:-python3}" - <<'EOF'
import json, os
d = os.environ
kernel_dir = d["KINDLING_KERNEL_DIR"]
argv = [d["KINDLING_JAVA"], "-Dlog4j2.configurationFile=" + os.path.join(kernel_dir, "log4j2.properties")]
argv += d["KINDLING_FLAGS"].split()
argv += [o for o in d["KINDLING_JVM_OPTS"].split("\n") if o]
argv += ["-jar", d["KINDLING_KERNEL_JAR"], "{connection_file}"]
spec = {
    "argv": argv,
    "display_name": "Java (Kindling + Spark)",
    "language": "java",
    "interrupt_mode": "message",
    "env": {
        "RJK_CLASSPATH": ";".join(e for e in d["KINDLING_CLASSPATH"].split(":") if e),
        "RJK_COMPILER_OPTIONS": "--add-modules jdk.incubator.vector",
        "RJK_INIT_SCRIPT": "",
        "RJK_TIMEOUT_MILLIS": "-1",
        "RJK_MIMA_CACHE": os.path.join(kernel_dir, "mima_cache"),
        "SPARK_LOCAL_IP": "127.0.0.1",
    },
}
with open(os.path.join(kernel_dir, "kernel.json"), "w") as f:
    json.dump(spec, f, indent=2)
    f.write("\n")
EOF
echo "installed Jupyter kernel '$name' in $kernel_dir (Spark logs: $log_file)"
