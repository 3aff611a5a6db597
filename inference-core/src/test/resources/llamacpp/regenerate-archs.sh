#!/usr/bin/env bash
# Regenerates the llama.cpp expected outputs read by LlamaCppArchParityTest (arch-<case>.json here).
#
#   bash inference-core/src/test/resources/llamacpp/regenerate-archs.sh
#
# Needs the reference tools installed at ~/.cache/kindling-ref (bash shared/tools/ref/setup.sh:
# node-llama-cpp 3.21.1 = llama.cpp release v0.4.0, CPU prebuilt). For every case of TinyArchs that
# has a GGUF form it:
#   1. writes the tiny random GGUF (TinyArchs: what convert_hf_to_gguf.py makes of the HF directory),
#   2. runs llama.cpp: node llamacpp.mjs logits --tokens $TOKENS --all-positions --full --kv-type f32 --threads 1
#   3. keeps the log-probabilities of every position (rounded to 1e-6) and the model's sha256.
set -euo pipefail
REF=${KINDLING_REF:-$HOME/.cache/kindling-ref}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
TOKENS=1,300,261,287,13,299,270,312,259,45,301,277
source "$HERE/classpath.sh"
java --add-modules jdk.incubator.vector -cp "$CP" dev.kindling.inference.arch.TinyArchs "$WORK"
for M in "$WORK"/*.gguf; do
  n=$(basename "$M" .gguf)
  node "$REF/llamacpp.mjs" logits --model "$M" --tokens "$TOKENS" --all-positions --full --kv-type f32 --threads 1 > "$WORK/$n.json" 2>/dev/null
  python3 - "$n" "$M" "$WORK/$n.json" "$HERE/arch-$n.json" <<'PY'
import hashlib, json, sys
n, model, logits, out = sys.argv[1:]
lg = json.load(open(logits))
json.dump({
    "case": n,
    "model_sha256": hashlib.sha256(open(model, "rb").read()).hexdigest(),
    "tokens": lg["tokens"],
    "llamacpp": lg["binary"]["package"] + " " + lg["binary"]["version"] + " (llama.cpp " + lg["binary"]["llamaCppRelease"]["release"] + ")",
    "kv": lg["context"]["kvCacheKeyType"],
    "argmax": [p["argmax"] for p in lg["positions"]],
    "logprobs": [[None if v is None else round(v, 6) for v in p["logprobs"]] for p in lg["positions"]],
}, open(out, "w"), separators=(",", ":"))
print(n, "argmax", [p["argmax"] for p in lg["positions"]])
PY
done
