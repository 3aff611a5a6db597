# Sourced by the inference-core bench scripts: compiles the engine (`mvn -pl inference-core -am compile` in the
# checkout at ROOT, default: the one holding this file) and sets CP to its classes and the runtime jars Maven resolves
# for it, so their versions are the root pom's (copies here were left behind by a version bump), and JVM_FLAGS to the
# build's JVM flags (the root pom's spark.jvm.flags: what ./kindling, the tests and the README's spark-submit use).
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
JVM_FLAGS=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
(cd "$ROOT" && mvn -B -q -o -pl inference-core -am compile dependency:build-classpath -Dkindling.ptx.skip=true \
  -Dmdep.includeScope=runtime -Dmdep.outputFile=target/runtime.classpath) >&2
CP="$ROOT/inference-core/target/classes:$(cat "$ROOT/inference-core/target/runtime.classpath")"
