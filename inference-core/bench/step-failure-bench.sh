#!/usr/bin/env bash
# Cost of the engine's per-request failure handling (StepFailureBench): rows per step-thread CPU-second with no failure,
# one failing request, and every batched step failing, on one CPU thread.
#
#   bash inference-core/bench/step-failure-bench.sh MODEL.bin [ROUNDS=5] [REQUESTS=16] [TOKENS=256]
#
# JAVA picks the JVM (default: java).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/engine-classpath.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
javac -nowarn --add-modules jdk.incubator.vector -d "$TMP" -cp "$CP" "$HERE/StepFailureBench.java"
# shellcheck disable=SC2086
"${JAVA:-java}" $JVM_FLAGS -Xmx2g -cp "$TMP:$CP" StepFailureBench "$@" 2>/dev/null
