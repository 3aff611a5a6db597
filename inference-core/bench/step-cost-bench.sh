#!/usr/bin/env bash
# The engine's CPU cost per row and per step on a tiny model, where it dominates (StepCostBench): generate with max
# tokens 1 over short prompts, 16 prompts generating 64 tokens, and scoring short texts, interleaved, medians.
#
#   bash inference-core/bench/step-cost-bench.sh [MODEL=/work/shared/data/llama2c/stories260K.bin] [TOKENIZER=tok512.bin] [ARGS...]
#
# ARGS go to StepCostBench (--threads 2 --rows 2000 --rounds 5 --warmup 1). JAVA picks the JVM (default: java);
# CLASSES, when set, runs those engine classes instead of this checkout's (an A/B against a copy of another build).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
source "$HERE/engine-classpath.sh"
MODEL=${1:-/work/shared/data/llama2c/stories260K.bin}
TOK=${2:-$(dirname "$MODEL")/tok512.bin}
shift $(( $# < 2 ? $# : 2 ))
if [ -n "${CLASSES:-}" ]; then
  CP="$CLASSES:${CP#*:}"
fi
# shellcheck disable=SC2086
"${JAVA:-java}" $JVM_FLAGS ${JAVA_OPTS:-} -Xmx1g -cp "$CP" dev.kindling.inference.bench.StepCostBench --model "$MODEL" --tokenizer "$TOK" "$@" 2>/dev/null
