#!/usr/bin/env python3
"""An independent reference for OPT and Galactica: the forward pass of Hugging Face's
OPTForCausalLM in float64 numpy, written from transformers' own source, not from Kindling.

Follows huggingface/transformers src/transformers/models/opt/modeling_opt.py at commit
0184d2087e15afbd83ffa3cef25044a4f6c05047 (the Transformers 5 line: `_tied_weights_keys` is a dict,
attention through `eager_attention_forward`) and configuration_opt.py at commit
1f3ae2b3ac7e5b32262588602ff42efb372a6232 (the defaults below). The OPT forward pass has not changed
in substance since `enable_bias` / `layer_norm_elementwise_affine` were added (transformers PR #20390,
v4.25, for Galactica-30b/120b). Comments quote the lines each step follows.

It reads what `save_pretrained` writes: config.json and model.safetensors (or the shards listed in
model.safetensors.index.json), parsing safetensors itself (8-byte little-endian header length, a
JSON header, then raw little-endian F32 / F16 / BF16 data). Dropout, LayerDrop and the KV cache do
not change inference logits and are left out; one unpadded sequence, so the attention mask is all
ones.

  python3 opt_forward.py MODEL_DIR [MODEL_DIR ...] --tokens 1,300,261,...

prints one JSON line per model: {"model": DIR, "tokens": [...], "logits": [[vocab floats after token 0],
[... after token 1], ...]}. Needs only numpy (any 1.x / 2.x).
"""
import argparse
import json
import math
import os
import sys

import numpy as np

# ---------------------------------------------------------------- safetensors

_DTYPES = {"F32": np.dtype("<f4"), "F16": np.dtype("<f2"), "BF16": np.dtype("<u2"), "F64": np.dtype("<f8")}


def read_safetensors(path):
    """{name: float64 array} of one .safetensors file."""
    with open(path, "rb") as f:
        blob = f.read()
    (header_len,) = np.frombuffer(blob[:8], dtype="<u8")
    header = json.loads(blob[8:8 + int(header_len)].decode("utf-8"))
    data = memoryview(blob)[8 + int(header_len):]
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = info["dtype"]
        if dtype not in _DTYPES:
            raise SystemExit(f"{path}: tensor {name} has dtype {dtype}; this reference reads F32, F16, BF16, F64")
        begin, end = info["data_offsets"]
        raw = np.frombuffer(data[begin:end], dtype=_DTYPES[dtype])
        if dtype == "BF16":
            # bfloat16 is the top half of a float32
            raw = (raw.astype(np.uint32) << 16).view(np.float32)
        out[name] = raw.astype(np.float64).reshape(info["shape"])
    return out


def read_weights(model_dir):
    index = os.path.join(model_dir, "model.safetensors.index.json")
    if os.path.exists(index):
        with open(index) as f:
            shards = sorted(set(json.load(f)["weight_map"].values()))
        weights = {}
        for s in shards:
            weights.update(read_safetensors(os.path.join(model_dir, s)))
        return weights
    return read_safetensors(os.path.join(model_dir, "model.safetensors"))


# ---------------------------------------------------------------- configuration_opt.py


def read_config(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        j = json.load(f)
    hidden = j.get("hidden_size", 768)
    # OPTConfig.__init__ defaults
    return {
        "vocab_size": j.get("vocab_size", 50272),
        "hidden_size": hidden,
        "num_hidden_layers": j.get("num_hidden_layers", 12),
        "ffn_dim": j.get("ffn_dim", 3072),
        "max_position_embeddings": j.get("max_position_embeddings", 2048),
        "do_layer_norm_before": j.get("do_layer_norm_before", True),
        "_remove_final_layer_norm": j.get("_remove_final_layer_norm", False),
        # self.word_embed_proj_dim = word_embed_proj_dim if word_embed_proj_dim is not None else hidden_size
        "word_embed_proj_dim": j.get("word_embed_proj_dim") if j.get("word_embed_proj_dim") is not None else hidden,
        "num_attention_heads": j.get("num_attention_heads", 12),
        "activation_function": j.get("activation_function", "relu"),
        "enable_bias": j.get("enable_bias", True),
        "layer_norm_elementwise_affine": j.get("layer_norm_elementwise_affine", True),
        # PretrainedConfig: tie_word_embeddings defaults to True
        "tie_word_embeddings": j.get("tie_word_embeddings", True),
    }


# ---------------------------------------------------------------- building blocks


class Weights:
    """The state dict under OPTForCausalLM's names; an OPTModel export ("decoder.*") is read as "model.decoder.*"."""

    def __init__(self, tensors):
        self.t = {}
        for name, v in tensors.items():
            self.t[name if name.startswith(("model.", "lm_head.")) else "model." + name] = v
        self.used = set()

    def get(self, name, shape):
        if name not in self.t:
            raise SystemExit(f"missing tensor {name}")
        v = self.t[name]
        if tuple(v.shape) != tuple(shape):
            raise SystemExit(f"tensor {name} has shape {list(v.shape)}, the config implies {list(shape)}")
        self.used.add(name)
        return v


def linear(w, prefix, out_features, in_features, bias):
    """nn.Linear(in_features, out_features, bias=bias): y = x W^T + b."""
    weight = w.get(prefix + ".weight", (out_features, in_features))
    b = w.get(prefix + ".bias", (out_features,)) if bias else None
    return lambda x: x @ weight.T + (b if b is not None else 0.0)


def layer_norm(w, prefix, n, elementwise_affine):
    """nn.LayerNorm(n, elementwise_affine=...): eps is the default 1e-5 (OPT passes none); biased variance."""
    weight = w.get(prefix + ".weight", (n,)) if elementwise_affine else None
    bias = w.get(prefix + ".bias", (n,)) if elementwise_affine else None

    def apply(x):
        mean = x.mean(-1, keepdims=True)
        var = ((x - mean) ** 2).mean(-1, keepdims=True)
        y = (x - mean) / np.sqrt(var + 1e-5)
        return y * weight + bias if elementwise_affine else y

    return apply


_erf = np.vectorize(math.erf)


def activation(name):
    """transformers.activations.ACT2FN for the names OPT configs use."""
    if name == "relu":
        return lambda x: np.maximum(x, 0.0)
    if name == "gelu":  # GELUActivation: nn.functional.gelu, the exact erf form
        return lambda x: 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)))
    if name in ("gelu_new", "gelu_pytorch_tanh", "gelu_fast"):  # the tanh approximation
        return lambda x: 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    if name in ("silu", "swish"):
        return lambda x: x / (1.0 + np.exp(-x))
    raise SystemExit(f"activation_function {name} is not in this reference")


# ---------------------------------------------------------------- the model


def forward(cfg, w, tokens):
    """OPTForCausalLM.forward(input_ids).logits[0] for one unpadded sequence: [len(tokens), vocab]."""
    d = cfg["hidden_size"]
    e = cfg["word_embed_proj_dim"]
    heads = cfg["num_attention_heads"]
    # OPTAttention: self.head_dim = self.embed_dim // self.num_heads (divisibility is checked there)
    if d % heads != 0:
        raise SystemExit(f"hidden_size {d} is not divisible by num_attention_heads {heads}")
    hd = d // heads
    n = len(tokens)
    prefix = "model.decoder."
    bias = cfg["enable_bias"]
    affine = cfg["layer_norm_elementwise_affine"]
    pre_ln = cfg["do_layer_norm_before"]

    # OPTDecoder.__init__: self.embed_tokens = nn.Embedding(config.vocab_size, config.word_embed_proj_dim, ...)
    embed_tokens = w.get(prefix + "embed_tokens.weight", (cfg["vocab_size"], e))
    # OPTLearnedPositionalEmbedding(config.max_position_embeddings, config.hidden_size): "self.offset = 2;
    # super().__init__(num_embeddings + self.offset, embedding_dim)"
    offset = 2
    embed_positions = w.get(prefix + "embed_positions.weight", (cfg["max_position_embeddings"] + offset, d))

    # OPTDecoder.forward: "inputs_embeds = self.embed_tokens(input_ids)" (no scaling in OPT)
    inputs_embeds = embed_tokens[np.asarray(tokens)]
    # "attention_mask = torch.ones(inputs_embeds.shape[0], seq_length)" when none is given
    attention_mask = np.ones(n, dtype=np.int64)
    # "position_ids = torch.cumsum(attention_mask, dim=1); position_ids = (position_ids * attention_mask - 1).long()"
    position_ids = np.cumsum(attention_mask) * attention_mask - 1
    if position_ids.max() + offset >= embed_positions.shape[0]:
        raise SystemExit(f"{n} tokens exceed max_position_embeddings {cfg['max_position_embeddings']}")
    # OPTLearnedPositionalEmbedding.forward: "return super().forward(position_ids + self.offset)"
    pos_embeds = embed_positions[position_ids + offset]
    # "if config.word_embed_proj_dim != config.hidden_size: self.project_in = nn.Linear(word_embed_proj_dim, hidden_size, bias=False)"
    if e != d:
        inputs_embeds = linear(w, prefix + "project_in", d, e, False)(inputs_embeds)
    # "hidden_states = inputs_embeds + pos_embeds"
    h = inputs_embeds + pos_embeds

    # the causal mask: query i sees keys 0..i (min_dtype above the diagonal; -inf here)
    causal = np.triu(np.full((n, n), -np.inf), k=1)
    act = activation(cfg["activation_function"])

    for layer in range(cfg["num_hidden_layers"]):
        p = f"{prefix}layers.{layer}."
        # OPTAttention.__init__: q/k/v/out_proj = nn.Linear(embed_dim, embed_dim, bias=self.enable_bias)
        q_proj = linear(w, p + "self_attn.q_proj", d, d, bias)
        k_proj = linear(w, p + "self_attn.k_proj", d, d, bias)
        v_proj = linear(w, p + "self_attn.v_proj", d, d, bias)
        out_proj = linear(w, p + "self_attn.out_proj", d, d, bias)
        # OPTDecoderLayer.__init__: both norms nn.LayerNorm(embed_dim, elementwise_affine=config.layer_norm_elementwise_affine);
        # fc1/fc2 nn.Linear(..., bias=config.enable_bias)
        self_attn_layer_norm = layer_norm(w, p + "self_attn_layer_norm", d, affine)
        final_layer_norm = layer_norm(w, p + "final_layer_norm", d, affine)
        fc1 = linear(w, p + "fc1", cfg["ffn_dim"], d, bias)
        fc2 = linear(w, p + "fc2", d, cfg["ffn_dim"], bias)

        # OPTDecoderLayer.forward
        residual = h
        if pre_ln:  # "125m, 1.7B, ..., 175B applies layer norm BEFORE attention"
            h = self_attn_layer_norm(h)
        # OPTAttention.forward: "query_states = self.q_proj(hidden_states) * self.scaling" (scaling = head_dim**-0.5),
        # then eager_attention_forward with scaling=1.0: softmax(q k^T + mask) v, heads concatenated, out_proj
        q = (q_proj(h) * hd ** -0.5).reshape(n, heads, hd).transpose(1, 0, 2)
        k = k_proj(h).reshape(n, heads, hd).transpose(1, 0, 2)
        v = v_proj(h).reshape(n, heads, hd).transpose(1, 0, 2)
        scores = q @ k.transpose(0, 2, 1) + causal
        scores = np.exp(scores - scores.max(-1, keepdims=True))
        probs = scores / scores.sum(-1, keepdims=True)
        attn = (probs @ v).transpose(1, 0, 2).reshape(n, d)
        h = residual + out_proj(attn)  # "hidden_states = residual + hidden_states"
        if not pre_ln:  # "350m applies layer norm AFTER attention"
            h = self_attn_layer_norm(h)

        # Fully Connected
        residual = h
        if pre_ln:
            h = final_layer_norm(h)
        h = fc2(act(fc1(h)))  # "fc1; activation_fn; fc2"
        h = residual + h  # "hidden_states = (residual + hidden_states).view(hidden_states_shape)"
        if not pre_ln:
            h = final_layer_norm(h)

    # OPTDecoder.__init__: "if config.do_layer_norm_before and not config._remove_final_layer_norm:
    # self.final_layer_norm = nn.LayerNorm(hidden_size, elementwise_affine=...) else: self.final_layer_norm = None"
    if pre_ln and not cfg["_remove_final_layer_norm"]:
        h = layer_norm(w, prefix + "final_layer_norm", d, affine)(h)
    # "self.project_out = nn.Linear(config.hidden_size, config.word_embed_proj_dim, bias=False)" when they differ
    if e != d:
        h = linear(w, prefix + "project_out", e, d, False)(h)

    # OPTForCausalLM: "self.lm_head = nn.Linear(config.word_embed_proj_dim, config.vocab_size, bias=False)",
    # tied to model.decoder.embed_tokens.weight (_tied_weights_keys) unless tie_word_embeddings is false
    if cfg["tie_word_embeddings"]:
        lm_head = embed_tokens
    else:
        lm_head = w.get("lm_head.weight", (cfg["vocab_size"], e))
    # OPTModel's last_hidden_state is h here (after project_out), and the logits are made from it
    return h @ lm_head.T, h


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("model_dir", nargs="+")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    a = ap.parse_args()
    tokens = [int(t) for t in a.tokens.split(",")]
    for model_dir in a.model_dir:
        cfg = read_config(model_dir)
        w = Weights(read_weights(model_dir))
        bad = [t for t in tokens if not 0 <= t < cfg["vocab_size"]]
        if bad:
            raise SystemExit(f"{model_dir}: token ids {bad} are outside the vocabulary of {cfg['vocab_size']}")
        logits, hidden = forward(cfg, w, tokens)
        # tensors the model does not build (e.g. a final_layer_norm of a post-norm checkpoint) are ignored,
        # as from_pretrained ignores unexpected keys; say which, on stderr
        unused = sorted(set(w.t) - w.used - {"lm_head.weight"})
        if unused:
            print(f"opt_forward: {model_dir}: unused tensors (not part of this configuration): {unused}", file=sys.stderr)
        json.dump({"model": model_dir, "tokens": tokens, "logits": logits.tolist(),
                   "mean_hidden": hidden.mean(axis=0).tolist()}, sys.stdout)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
