#!/usr/bin/env bash
# Where a matrix product is worth handing to the CPU backend's workers (InlineWorkProbe): F32 products of growing
# size on the calling thread alone and split over two threads, wall and process CPU microseconds per product.
#
#   bash inference-core/bench/inline-work-probe.sh [ROUNDS=7]
#
# JAVA picks the JVM (default: java).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/engine-classpath.sh"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
javac -nowarn --add-modules jdk.incubator.vector -d "$TMP" -cp "$CP" "$HERE/InlineWorkProbe.java"
# shellcheck disable=SC2086
"${JAVA:-java}" $JVM_FLAGS -Xmx1g -cp "$TMP:$CP" InlineWorkProbe "$@" 2>/dev/null
