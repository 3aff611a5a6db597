#!/usr/bin/env bash
# Tokenizer load time in fresh JVMs (LoadBench: one load per process) for the files of the README's
# tokenizer table (GPT-4o and o200k_base are the 200k vocabularies, Gemma 3 262k), repeated; with KINDLING_AB_CLASSES=<other tokenizer/target/classes> each run is
# paired with one of those classes (A/B interleaved, same files) and the ratio of medians is printed.
#
#   tokenizer/bench/load-time.sh [rounds]
#
# Needs the shared data in ../shared/data (or KINDLING_SHARED=<dir holding data/>) and maven.
# Prints one JSON line per run, then per tokenizer the medians and the load average during the runs.
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=unpack.sh
. tokenizer/bench/unpack.sh
ROUNDS=${1:-5}
SHARED=${KINDLING_SHARED:-$(cd .. && pwd)/shared}
DATA=$SHARED/data
WORK=${KINDLING_BENCH_DIR:-/tmp/kindling-bench}
mkdir -p "$WORK"
# test-compile, not compile: the reactor resolves model-formats' test-jar only from test-compile on
mvn -B -q -pl tokenizer -am test-compile dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
    -Dmdep.includeScope=runtime >/dev/null || { echo "load-time.sh: the build failed (run it without -q to see why)" >&2; exit 1; }
DEPS=$(cat tokenizer/target/cp.txt)
# the same plain tokenizer.json files as compare-with-reference.sh (unpacked once; no gunzip in the load)
FILES=()
for t in gpt4o gemma3 llama3 qwen3 llama2; do
  unpack_tokenizer "$DATA" "$WORK" "$t"
  FILES+=("$WORK/$t")
done
FILES+=("$DATA/tokenizers/tiktoken/o200k_base.tiktoken" "$DATA/tokenizers/tiktoken/cl100k_base.tiktoken")
RESULTS=$WORK/load-times.jsonl
: > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for f in "${FILES[@]}"; do
    for side in new ${KINDLING_AB_CLASSES:+old}; do
      classes=tokenizer/target/classes
      # the other classes first: they shadow this tree's, whose LoadBench still runs them
      [ "$side" = old ] && classes=$KINDLING_AB_CLASSES:tokenizer/target/classes
      out=$(java -cp "$classes:$DEPS" dev.kindling.tokenizer.bench.LoadBench "$f")
      echo "{\"round\":$round,\"side\":\"$side\",\"loadavg\":$(cut -d' ' -f1 /proc/loadavg),\"result\":$out}" | tee -a "$RESULTS"
    done
  done
done
python3 - "$RESULTS" <<'PY'
import json, sys, statistics as st
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda xs: st.median(xs) if xs else float("nan")
print("%-26s %-4s %6s %8s %8s %8s %8s" % ("tokenizer", "side", "runs", "wall s", "cpu s", "proc s", "loadavg"))
for name in dict.fromkeys(r["result"]["tokenizer"] for r in rows):
    by = {}
    for side in ("new", "old"):
        rs = [r for r in rows if r["result"]["tokenizer"] == name and r["side"] == side]
        if rs:
            by[side] = [med([r["result"][k] for r in rs]) for k in ("load_seconds", "load_cpu_seconds", "process_cpu_seconds")]
            print("%-26s %-4s %6d %8.3f %8.3f %8.3f %8.1f" % (name, side, len(rs), *by[side], med([r["loadavg"] for r in rs])))
    if "old" in by:
        print("%-26s new/old: wall %.2f, cpu %.2f, process cpu %.2f" % (name, *[n / o for n, o in zip(by["new"], by["old"])]))
PY
