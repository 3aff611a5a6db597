# Sourced by the inference-core bench scripts: sets CP to the engine's compiled classes (from
# `mvn -pl inference-core -am compile` in the checkout at ROOT, default: the one holding this file)
# and its few runtime jars from the local Maven repository, and JVM_FLAGS to the build's JVM flags
# (the root pom's spark.jvm.flags: what ./kindling, the tests and the README's spark-submit use).
ROOT=${ROOT:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}
JVM_FLAGS=$(sed -n 's:.*<spark.jvm.flags>\(.*\)</spark.jvm.flags>.*:\1:p' "$ROOT/pom.xml")
M2=$HOME/.m2/repository
CP="$ROOT/inference-core/target/classes:$ROOT/model-formats/target/classes:$ROOT/tokenizer/target/classes"
for j in org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar; do CP="$CP:$M2/$j"; done
for j in $(find "$M2/com/fasterxml/jackson/core" -name '*2.21.2.jar' 2>/dev/null); do CP="$CP:$j"; done
for j in $(find "$M2/com/hubspot/jinjava" -name '*.jar' 2>/dev/null | head -1); do CP="$CP:$j"; done
