#!/usr/bin/env bash
# Regenerates the llama.cpp expected outputs read by LlamaCppParityTest (tiny-<type>.json here).
#
#   bash inference-core/src/test/resources/llamacpp/regenerate.sh
#   KV=f16 TYPES="f32 q8_0" bash inference-core/src/test/resources/llamacpp/regenerate.sh   (tiny-<type>-kvf16.json:
#       llama.cpp with its default F16 KV cache, for LlamaCppParityTest's F16-cache test)
#
# Needs the reference tools installed at ~/.cache/kindling-ref (bash shared/tools/ref/setup.sh:
# node-llama-cpp 3.21.1 = llama.cpp release v0.4.0, CPU prebuilt); classpath.sh compiles the test classes. For
# every type it:
#   1. writes the tiny model (TinyModels: make_gguf.py --seed 4242 for f32/f16/q8_0/q4_0; random
#      blocks over make_gguf.py's f32 file for q4_1/q4_k/q5_k/q6_k/bf16, and q4_k_m: Q6_K for output,
#      attn_v and ffn_down, Q4_K elsewhere),
#   2. runs llama.cpp: node llamacpp.mjs logits --tokens $TOKENS --all-positions --full --kv-type $KV --threads 1
#      and node llamacpp.mjs generate --tokens $TOKENS --n 64 --kv-type $KV --threads 1,
#   3. runs the exact float64 forward pass (ref_forward.py --compare) on the model (or, for the types
#      ref_forward.py cannot read, on its exact F32 dequantization) to record llama.cpp's own error.
set -euo pipefail
REF=${KINDLING_REF:-$HOME/.cache/kindling-ref}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
KV=${KV:-f32}
SUFFIX=$([ "$KV" = f32 ] || echo "-kv$KV")
TOKENS=1,412,277,358,300,491,263,329,455,301,388,270,444,317,359,402
source "$HERE/classpath.sh"
java --add-modules jdk.incubator.vector -cp "$CP" dev.kindling.inference.gguf.TinyModels "$WORK" "$REF/make_gguf.py"
for t in ${TYPES:-f32 f16 q8_0 q4_0 q4_1 q4_k q5_k q6_k bf16 q4_k_m}; do
  M=$WORK/tiny-$t.gguf
  EXACT=$M
  EXACT=$WORK/tiny-$t.dequant.gguf
  node "$REF/llamacpp.mjs" logits --model "$M" --tokens "$TOKENS" --all-positions --full --kv-type $KV --threads 1 > "$WORK/$t.logits.json" 2>/dev/null
  node "$REF/llamacpp.mjs" generate --model "$M" --tokens "$TOKENS" --n 64 --kv-type $KV --threads 1 > "$WORK/$t.gen.json" 2>/dev/null
  python3 "$REF/ref_forward.py" --model "$EXACT" --tokens "$TOKENS" --compare "$WORK/$t.logits.json" > "$WORK/$t.ref.json"
  python3 - "$t" "$M" "$WORK" "$HERE/tiny-$t$SUFFIX.json" <<'PY'
import hashlib, json, sys
t, model, work, out = sys.argv[1:]
lg = json.load(open(f"{work}/{t}.logits.json"))
gen = json.load(open(f"{work}/{t}.gen.json"))
ref = json.load(open(f"{work}/{t}.ref.json"))
json.dump({
    "type": t,
    "model_sha256": hashlib.sha256(open(model, "rb").read()).hexdigest(),
    "tokens": lg["tokens"],
    "llamacpp": lg["binary"]["package"] + " " + lg["binary"]["version"] + " (llama.cpp " + lg["binary"]["llamaCppRelease"]["release"] + ")",
    "kv": lg["context"]["kvCacheKeyType"],
    "argmax": [p["argmax"] for p in lg["positions"]],
    "logprobs": [[None if v is None else round(v, 6) for v in p["logprobs"]] for p in lg["positions"]],
    "greedy": gen["generatedTokens"],
    "llamacpp_vs_exact_max_abs_logprob_diff": ref["compare"]["maxAbsLogprobDiff"],
    "llamacpp_vs_exact_argmax_equal": ref["compare"]["argmaxEqual"],
}, open(out, "w"), separators=(",", ":"))
print(t, "llama.cpp vs exact:", ref["compare"])
PY
done
