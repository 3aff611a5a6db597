#!/usr/bin/env bash
# Side-by-side tokenizer throughput: Kindling's TokenizerBench vs the reference implementations
# (Hugging Face tokenizers 0.23.2 native via shared/tools/ref/hf_tokenizers.mjs, tiktoken via
# tiktoken.mjs), single thread, same corpus, back to back, several rounds.
#
#   tokenizer/bench/compare-with-reference.sh [corpus: sotu|moby] [rounds]
#
# Needs: the reference tools in ~/.cache/kindling-ref (bash shared/tools/ref/setup.sh), the shared
# data in ../shared/data (or KINDLING_SHARED=<dir holding data/>), node, python3, maven.
# Prints one JSON line per run and a table: tokenizer, reference MB/s, ours MB/s, ratio (ours/ref).
set -euo pipefail
cd "$(dirname "$0")/../.."
# shellcheck source=unpack.sh
. tokenizer/bench/unpack.sh
CORPUS=${1:-sotu}
ROUNDS=${2:-3}
SHARED=${KINDLING_SHARED:-$(cd .. && pwd)/shared}
DATA=$SHARED/data
REF=${KINDLING_REF:-$HOME/.cache/kindling-ref}
WORK=${KINDLING_BENCH_DIR:-/tmp/kindling-bench}
mkdir -p "$WORK"

mvn -B -q -pl tokenizer -am package -DskipTests dependency:build-classpath -Dmdep.outputFile=target/cp.txt \
    -Dmdep.includeScope=runtime >/dev/null
CP=tokenizer/target/classes:$(cat tokenizer/target/cp.txt)

# the reference reads plain files only: unpack the corpus and the tokenizer.json files once
case "$CORPUS" in
  sotu) [ -s "$WORK/sotu.jsonl" ] || zcat "$DATA/corpus/sotu.jsonl.gz" > "$WORK/sotu.jsonl"; INPUT=$WORK/sotu.jsonl ;;
  moby) INPUT=$DATA/corpus/moby-dick.jsonl ;;
  *) echo "corpus must be sotu or moby" >&2; exit 2 ;;
esac
for t in llama3 qwen3 gemma3 gpt4o llama2; do
  unpack_tokenizer "$DATA" "$WORK" "$t"
done

RESULTS=$WORK/results-$CORPUS.jsonl
: > "$RESULTS"
for round in $(seq 1 "$ROUNDS"); do
  for t in llama3 qwen3 gemma3 gpt4o llama2; do
    ref=$(node "$REF/hf_tokenizers.mjs" --impl native --tokenizer "$WORK/$t/tokenizer.json" --input "$INPUT")
    ours=$(java -Xmx3g -cp "$CP" dev.kindling.tokenizer.bench.TokenizerBench --tokenizer "$WORK/$t/tokenizer.json" --input "$INPUT")
    echo "{\"round\":$round,\"name\":\"$t\",\"reference\":$ref,\"kindling\":$ours}" | tee -a "$RESULTS"
  done
  for enc in o200k_base cl100k_base; do
    ref=$(node "$REF/tiktoken.mjs" --encoding "$enc" --input "$INPUT")
    ours=$(java -Xmx3g -cp "$CP" dev.kindling.tokenizer.bench.TokenizerBench --tokenizer "$DATA/tokenizers/tiktoken/$enc.tiktoken" --input "$INPUT")
    echo "{\"round\":$round,\"name\":\"$enc\",\"reference\":$ref,\"kindling\":$ours}" | tee -a "$RESULTS"
  done
done

python3 - "$RESULTS" <<'PY'
import json, sys, statistics
rows = [json.loads(l) for l in open(sys.argv[1])]
names = list(dict.fromkeys(r["name"] for r in rows))
print(f"\n{'tokenizer':12} {'ref MB/s':>9} {'ours MB/s':>10} {'ratio':>6} {'ratios per round':>24} {'ref load s':>10} {'our load s':>10} {'tokens equal':>12}")
for n in names:
    rs = [r for r in rows if r["name"] == n]
    ref = [r["reference"]["MBPerSecond"] for r in rs]
    ours = [r["kindling"]["mb_per_s"] for r in rs]
    ratios = [o / f for o, f in zip(ours, ref)]
    same = all(r["reference"]["tokens"] == r["kindling"]["tokens"] for r in rs)
    print(f"{n:12} {statistics.median(ref):9.2f} {statistics.median(ours):10.2f} {statistics.median(ratios):6.2f} "
          f"{' '.join(f'{x:.2f}' for x in ratios):>24} {statistics.median(r['reference']['loadSeconds'] for r in rs):10.2f} "
          f"{statistics.median(r['kindling']['load_seconds'] for r in rs):10.2f} {str(same):>12}")
PY
