#!/usr/bin/env bash
# Interleaved A/B of two checkouts' CPU engines on one model: load time, heap after load, RSS
# (private vs file-backed), prefill and decode tok/s by wall clock and per process CPU-second
# (MappedWeightsProbe; the CPU-second figures are the ones to compare on a shared machine).
#
#   bash inference-core/bench/mapped-ab.sh A_CHECKOUT B_CHECKOUT MODEL [ROUNDS=3] [PROMPT=64] [GEN=16] [REPS=2]
#
# Each checkout is compiled by engine-classpath.sh (Maven). JAVA picks the JVM (default: java).
set -euo pipefail
A=$1; B=$2; MODEL=$3; ROUNDS=${4:-3}; PT=${5:-64}; GEN=${6:-16}; REPS=${7:-2}
JAVA=${JAVA:-java}
HERE=$(cd "$(dirname "$0")" && pwd)
# each checkout's engine with the jars its own pom resolves (engine-classpath.sh compiles it)
declare -A CPS
for side in A B; do CPS[$side]=$(ROOT=${!side}; source "$HERE/engine-classpath.sh"; echo "$CP"); done
cp_of() { echo "${CPS[$1]}"; }
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
for side in A B; do
  mkdir -p "$TMP/$side"
  javac -nowarn -d "$TMP/$side" -cp "$(cp_of "$side")" "$HERE/MappedWeightsProbe.java"
done
for r in $(seq 1 "$ROUNDS"); do
  for side in A B; do
    echo -n "$side "
    "$JAVA" --add-modules jdk.incubator.vector -Xmx4g -cp "$TMP/$side:$(cp_of "$side")" MappedWeightsProbe \
        "$MODEL" "$PT" "$GEN" "$REPS" 2>/dev/null
  done
done
