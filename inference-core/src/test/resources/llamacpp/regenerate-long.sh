#!/usr/bin/env bash
# Regenerates the llama.cpp expected outputs read by LongContextParityTest (long-<variant>.json here).
#
#   bash inference-core/src/test/resources/llamacpp/regenerate-long.sh
#
# Needs the reference tools installed at ~/.cache/kindling-ref (bash shared/tools/ref/setup.sh:
# node-llama-cpp 3.21.1 = llama.cpp release v0.4.0, CPU prebuilt). It:
#   1. writes the models of every RoPE variant and the 2048-token prompt (LongContextParityTest's main:
#      make_gguf.py --ctx 4096 --seed 4343, rewritten per variant),
#   2. runs llama.cpp: node llamacpp.mjs logits --tokens <prompt> --all-positions --full --kv-type f32 --ctx 4096 --threads 2,
#   3. keeps the log-probabilities of the test's positions (rounded to 1e-6), the argmax there and the model's sha256.
set -euo pipefail
REF=${KINDLING_REF:-$HOME/.cache/kindling-ref}
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../../../.." && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
source "$HERE/classpath.sh"
java --add-modules jdk.incubator.vector -cp "$CP" dev.kindling.inference.gguf.LongContextParityTest "$WORK" "$REF/make_gguf.py"
for v in llama llama31 linear qwen2; do
  M=$WORK/long-$v.gguf
  node "$REF/llamacpp.mjs" logits --model "$M" --tokens "$(cat "$WORK/tokens.txt")" --all-positions --full --kv-type f32 \
      --ctx 4096 --threads 2 > "$WORK/$v.json" 2>/dev/null
  python3 - "$v" "$M" "$WORK/$v.json" "$WORK/positions.txt" "$HERE/long-$v.json" <<'PY'
import hashlib, json, sys
v, model, logits, positions, out = sys.argv[1:]
lg = json.load(open(logits))
keep = json.load(open(positions))
rows = {p["position"]: p for p in lg["positions"]}
json.dump({
    "variant": v,
    "model_sha256": hashlib.sha256(open(model, "rb").read()).hexdigest(),
    "tokens": lg["tokens"],
    "llamacpp": lg["binary"]["package"] + " " + lg["binary"]["version"] + " (llama.cpp " + lg["binary"]["llamaCppRelease"]["release"] + ")",
    "kv": lg["context"]["kvCacheKeyType"],
    "context": lg["context"]["contextSize"],
    "positions": keep,
    "argmax": [rows[p]["argmax"] for p in keep],
    "logprobs": [[None if x is None else round(x, 6) for x in rows[p]["logprobs"]] for p in keep],
}, open(out, "w"), separators=(",", ":"))
print(v, "argmax", [rows[p]["argmax"] for p in keep])
PY
done
