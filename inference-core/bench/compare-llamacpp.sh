#!/usr/bin/env bash
# Side-by-side speed of Kindling's engine and llama.cpp on the same GGUF, same threads, run back to
# back ROUNDS times (the machine is shared and noisy: medians and ratios are what count; the
# *_ratio_paired fields are medians of the per-round ratios, each round's two runs side by side).
#
#   bash inference-core/bench/compare-llamacpp.sh MODEL.gguf [ROUNDS=3] [THREADS=2] [BATCH=1]
#
# Kindling: dev.kindling.inference.bench.GenerateBench (--prompt-tokens 128 --gen 64, 1 warm-up rep, the
# build's JVM flags from engine-classpath.sh);
# llama.cpp: node ~/.cache/kindling-ref/llamacpp.mjs bench (same sizes; node-llama-cpp 3.21.1, CPU; its default F16
# KV cache). PROMPT_TOKENS and GEN change the sizes, KV=f16 gives Kindling an F16 KV cache as well (default f32):
#   PROMPT_TOKENS=1024 KV=f16 bash inference-core/bench/compare-llamacpp.sh MODEL.gguf 3
# JAVA (default: java on the PATH) picks the JVM, e.g. JAVA=/usr/lib/jvm/temurin-25-jdk-amd64/bin/java.
# Needs: Maven (engine-classpath.sh compiles the engine); the reference tools (bash shared/tools/ref/setup.sh).
set -euo pipefail
MODEL=$1; ROUNDS=${2:-3}; THREADS=${3:-2}; BATCH=${4:-1}
PROMPT_TOKENS=${PROMPT_TOKENS:-128}; GEN=${GEN:-64}; KV=${KV:-f32}
REF=${KINDLING_REF:-$HOME/.cache/kindling-ref}
JAVA=${JAVA:-java}
source "$(dirname "$0")/engine-classpath.sh"
OUT=$(mktemp)
for r in $(seq 1 "$ROUNDS"); do
  "$JAVA" $JVM_FLAGS -Xmx12g -cp "$CP" dev.kindling.inference.bench.GenerateBench \
      --model "$MODEL" --prompt-tokens "$PROMPT_TOKENS" --gen "$GEN" --threads "$THREADS" --batch "$BATCH" --reps 1 --warmup 1 \
      --kv-cache-type "$KV" 2>/dev/null \
      | sed 's/^/kindling /' >> "$OUT"
  if [ "$BATCH" = 1 ]; then
    node "$REF/llamacpp.mjs" bench --model "$MODEL" --prompt-tokens "$PROMPT_TOKENS" --gen "$GEN" --threads "$THREADS" --reps 1 --warmup 1 2>/dev/null \
        | sed 's/^/llamacpp /' >> "$OUT"
  fi
done
python3 - "$OUT" "$MODEL" "$THREADS" "$BATCH" "$PROMPT_TOKENS" "$GEN" "$KV" <<'PY'
import json, statistics, sys
out, model, threads, batch, prompt_tokens, gen, kv = sys.argv[1:]
k = {"prefill": [], "decode": [], "gbps": []}; l = {"prefill": [], "decode": []}
for line in open(out):
    who, js = line.split(" ", 1)
    d = json.loads(js)
    if who == "kindling":
        k["prefill"].append(d["prefill_tok_s"]); k["decode"].append(d["decode_tok_s"]); k["gbps"].append(d["decode_GBps"])
        simd, java = d["simd"], d["java"]
    else:
        l["prefill"].append(d["ppTokensPerSecond"]); l["decode"].append(d["tgTokensPerSecond"])
med = lambda a: statistics.median(a) if a else float("nan")
res = {"model": model, "threads": int(threads), "batch": int(batch), "prompt_tokens": int(prompt_tokens), "gen": int(gen),
       "kindling_kv_cache": kv, "rounds": len(k["decode"]),
       "kindling_prefill_tok_s": med(k["prefill"]), "kindling_decode_tok_s": med(k["decode"]), "kindling_decode_GBps": med(k["gbps"]),
       "kindling_runs": k, "java": java, "simd": simd}
if l["decode"]:
    # each Kindling round ran right before its llama.cpp round: the median of these per-round ratios
    # shrugs off a round that a noisy neighbour slowed for both, or for one of them
    paired = lambda key: med([a / b for a, b in zip(k[key], l[key])])
    res.update({"llamacpp_prefill_tok_s": med(l["prefill"]), "llamacpp_decode_tok_s": med(l["decode"]), "llamacpp_runs": l,
                "prefill_ratio": med(k["prefill"]) / med(l["prefill"]), "decode_ratio": med(k["decode"]) / med(l["decode"]),
                "prefill_ratio_paired": paired("prefill"), "decode_ratio_paired": paired("decode")})
print(json.dumps(res))
PY
rm -f "$OUT"
