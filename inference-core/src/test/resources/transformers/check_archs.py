#!/usr/bin/env python3
"""Kindling's CPU engine against Hugging Face Transformers, per architecture (not run yet: needs
PyTorch + transformers, which this project's build machine lacks; the GPU machine has them).

For every family it builds a tiny random model with transformers (float32, eager attention), saves
it with save_pretrained (config.json + model.safetensors), runs transformers' forward pass on a
12-token prompt, runs Kindling on the saved directory (the logits command with --all-positions) and
prints the worst relative error of the log-softmax over the vocabulary and positions:
max |kindling - transformers| / max |transformers - mean|. Pass: below 1e-3. One JSON line per
family, then a Markdown table for the README.

  python3 check_archs.py --java JAVA --cp 'CLASSPATH' [--out DIR] [--only llama,phi]

CLASSPATH: inference-core, tokenizer and model-formats classes or jars plus slf4j-api and the three
Jackson jars (e.g. bench/stage-device.sh's .device/lib/* with Jackson added). JAVA: Java 17+.
Transformers has no native Qwen (v1) or DeciLM (they need remote code): those are skipped.
"""
import argparse, json, os, subprocess, sys, tempfile

import torch
import transformers as T

DIM, HEADS, LAYERS, FF, VOCAB, CTX = 64, 4, 2, 128, 320, 64
TOKENS = [1, 300, 261, 287, 13, 299, 270, 312, 259, 45, 301, 277]

COMMON = dict(vocab_size=VOCAB, tie_word_embeddings=False)
FAMILIES = {
    "llama": (T.LlamaConfig, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                  num_key_value_heads=2, max_position_embeddings=CTX, rms_norm_eps=1e-5)),
    "mistral": (T.MistralConfig, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                      num_key_value_heads=2, max_position_embeddings=CTX, rms_norm_eps=1e-5, sliding_window=6)),
    "mixtral": (T.MixtralConfig, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                      num_key_value_heads=2, max_position_embeddings=CTX, rms_norm_eps=1e-5,
                                      num_local_experts=4, num_experts_per_tok=2)),
    "qwen2": (T.Qwen2Config, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                  num_key_value_heads=2, max_position_embeddings=CTX, rms_norm_eps=1e-5, tie_word_embeddings=True)),
    "phi": (T.PhiConfig, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                              max_position_embeddings=CTX, partial_rotary_factor=0.5)),
    "gpt_neox": (T.GPTNeoXConfig, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                       max_position_embeddings=CTX, rotary_pct=0.25)),
    "stablelm": (T.StableLmConfig, dict(hidden_size=DIM, intermediate_size=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                        num_key_value_heads=2, max_position_embeddings=CTX, partial_rotary_factor=0.25,
                                        use_qkv_bias=True)),
    "falcon-7b": (T.FalconConfig, dict(hidden_size=DIM, num_hidden_layers=LAYERS, num_attention_heads=HEADS, multi_query=True,
                                       parallel_attn=True, bias=False, alibi=False, new_decoder_architecture=False,
                                       max_position_embeddings=CTX, ffn_hidden_size=FF)),
    "falcon-40b": (T.FalconConfig, dict(hidden_size=DIM, num_hidden_layers=LAYERS, num_attention_heads=HEADS, num_kv_heads=2,
                                        new_decoder_architecture=True, bias=False, alibi=False, max_position_embeddings=CTX,
                                        ffn_hidden_size=FF)),
    "mpt": (T.MptConfig, dict(d_model=DIM, n_heads=HEADS, n_layers=LAYERS, expansion_ratio=2, max_seq_len=CTX, no_bias=True,
                              tie_word_embeddings=True)),
    "bloom": (T.BloomConfig, dict(hidden_size=DIM, n_head=HEADS, n_layer=LAYERS, tie_word_embeddings=True)),
    "opt": (T.OPTConfig, dict(hidden_size=DIM, ffn_dim=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                              max_position_embeddings=CTX, word_embed_proj_dim=DIM, tie_word_embeddings=True)),
    "opt-350m-style": (T.OPTConfig, dict(hidden_size=DIM, ffn_dim=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                         max_position_embeddings=CTX, word_embed_proj_dim=32, do_layer_norm_before=False,
                                         tie_word_embeddings=True)),
    "galactica-30b-style": (T.OPTConfig, dict(hidden_size=DIM, ffn_dim=FF, num_hidden_layers=LAYERS, num_attention_heads=HEADS,
                                              max_position_embeddings=CTX, word_embed_proj_dim=DIM, activation_function="gelu",
                                              enable_bias=False, layer_norm_elementwise_affine=False, tie_word_embeddings=True)),
}


def randomize(model, seed):
    """Weights with std gain/sqrt(fan-in) (the default 0.02 init gives nearly uniform logits), norms 1 +- 0.1."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() >= 2:
                p.copy_(torch.randn(p.shape, generator=g) / (p.shape[-1] ** 0.5))
            elif "norm" in name or "ln" in name or name.endswith("layernorm.weight"):
                p.copy_(1 + 0.1 * torch.randn(p.shape, generator=g) if name.endswith("weight") else 0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(0.1 * torch.randn(p.shape, generator=g))


def check(name, out_dir, java, cp):
    cls, kw = FAMILIES[name]
    cfg = cls(**{**COMMON, **kw})
    cfg._attn_implementation = "eager"
    torch.manual_seed(0)
    model = T.AutoModelForCausalLM.from_config(cfg, torch_dtype=torch.float32).eval()
    randomize(model, abs(hash(name)) % (2 ** 31))
    d = os.path.join(out_dir, name)
    model.save_pretrained(d, safe_serialization=True)
    with torch.no_grad():
        ref = model(torch.tensor([TOKENS])).logits[0].double().log_softmax(-1)
    run = subprocess.run([java, "--add-modules", "jdk.incubator.vector", "-cp", cp, "dev.kindling.inference.cli.LogitsCommand",
                          "--model", d, "--tokens", ",".join(map(str, TOKENS)), "--all-positions", "--threads", "4"],
                         capture_output=True, text=True)
    if run.returncode != 0:
        return dict(family=name, transformers=T.__version__, error=run.stderr.strip().splitlines()[-1:] or run.stdout[-300:])
    ours = torch.tensor(json.loads(run.stdout)["positions"], dtype=torch.float64).log_softmax(-1)
    spread = (ref - ref.mean(-1, keepdim=True)).abs().amax(-1)
    rel = ((ours - ref).abs().amax(-1) / spread).max().item()
    argmax = int((ours.argmax(-1) == ref.argmax(-1)).sum())
    return dict(family=name, transformers=T.__version__, torch=torch.__version__, relative_error=rel,
                max_abs_logprob_diff=(ours - ref).abs().max().item(), argmax_equal=f"{argmax}/{len(TOKENS)}", passed=rel < 1e-3)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--java", required=True)
    ap.add_argument("--cp", required=True)
    ap.add_argument("--out", default=None)
    ap.add_argument("--only", default=None)
    a = ap.parse_args()
    out = a.out or tempfile.mkdtemp(prefix="kindling-archs-")
    names = a.only.split(",") if a.only else list(FAMILIES)
    rows = []
    for n in names:
        try:
            r = check(n, out, a.java, a.cp)
        except Exception as e:  # a family this transformers version cannot build: reported, not hidden
            r = dict(family=n, transformers=T.__version__, error=f"{type(e).__name__}: {e}")
        print(json.dumps(r), flush=True)
        rows.append(r)
    print("\n| family | relative error vs transformers | argmax equal | result |\n|---|---|---|---|")
    for r in rows:
        if "error" in r:
            print(f"| {r['family']} | — | — | error: {r['error']} |")
        else:
            print(f"| {r['family']} | {r['relative_error']:.2e} | {r['argmax_equal']} | {'pass' if r['passed'] else 'FAIL'} |")
    sys.exit(0 if all(r.get("passed") for r in rows) else 1)


if __name__ == "__main__":
    main()
