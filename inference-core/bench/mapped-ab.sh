#!/usr/bin/env bash
# Interleaved A/B of two checkouts' CPU engines on one model: load time, heap after load, RSS
# (private vs file-backed), prefill and decode tok/s by wall clock and per process CPU-second
# (MappedWeightsProbe; the CPU-second figures are the ones to compare on a shared machine).
#
#   bash inference-core/bench/mapped-ab.sh A_CHECKOUT B_CHECKOUT MODEL [ROUNDS=3] [PROMPT=64] [GEN=16] [REPS=2]
#
# Both checkouts need `mvn -o -pl inference-core -am compile`. JAVA picks the JVM (default: java).
set -euo pipefail
A=$1; B=$2; MODEL=$3; ROUNDS=${4:-3}; PT=${5:-64}; GEN=${6:-16}; REPS=${7:-2}
JAVA=${JAVA:-java}
HERE=$(cd "$(dirname "$0")" && pwd)
M2=$HOME/.m2/repository
DEPS="$M2/org/slf4j/slf4j-api/2.0.17/slf4j-api-2.0.17.jar"
for j in $(find "$M2/com/fasterxml/jackson/core" -name '*2.21.2.jar' 2>/dev/null); do DEPS="$DEPS:$j"; done
for j in $(find "$M2/com/hubspot/jinjava" -name '*.jar' 2>/dev/null | head -1); do DEPS="$DEPS:$j"; done
cp_of() { echo "$1/inference-core/target/classes:$1/model-formats/target/classes:$1/tokenizer/target/classes:$DEPS"; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for side in A B; do
  mkdir -p "$TMP/$side"
  javac -nowarn -d "$TMP/$side" -cp "$(cp_of "${!side}")" "$HERE/MappedWeightsProbe.java"
done
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    echo -n "$side "
    "$JAVA" --add-modules jdk.incubator.vector -Xmx4g -cp "$TMP/$side:$(cp_of "${!side}")" MappedWeightsProbe \
        "$MODEL" "$PT" "$GEN" "$REPS" 2>/dev/null
  done
done
