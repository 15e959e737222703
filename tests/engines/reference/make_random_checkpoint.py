#!/usr/bin/python3
"""Writes a tiny random DeepSeek-V2/V3 checkpoint (config.json + safetensors)
for testing the reference and the C++ engine without real weights.

Variants (each picks settings that make a mistake in that path visible):
  v3       deepseek_v3: q_lora_rank set, YaRN (mscale == mscale_all_dim), first
           layer dense, noaux_tc sigmoid gate with e_score_correction_bias,
           norm_topk_prob and routed_scaling_factor 2.5 (both apply in V3)
  v2-lite  deepseek_v2: q_proj (q_lora_rank null), plain RoPE, greedy softmax
           gate, norm_topk_prob false so routed_scaling_factor 1.7 applies,
           moe_layer_freq 2 (layers 0,1 dense, 2 MoE)
  v2       deepseek_v2: q_lora_rank set, YaRN (mscale 0.707 = mscale_all_dim),
           group_limited_greedy softmax, norm_topk_prob true so V2 ignores
           routed_scaling_factor 3.0, all layers MoE, 2 shared experts
  dense    deepseek_v3 without routed experts, q_proj, YaRN with mscale !=
           mscale_all_dim (so cos/sin carry a factor != 1), tied embeddings

Usage:
  make_random_checkpoint.py --out DIR --variant v3 [--dtype F32|BF16]
      [--fp8 BM,BN] [--shards N] [--mtp] [--seed S]
--fp8 stores the attention/MLP/expert projection weights as F8_E4M3 with
float32 NAME_scale_inv block scales (DeepSeek-V3's layout); the gate,
embeddings, lm_head and norms stay in --dtype, as in the published checkpoint.
"""
import argparse
import json
import os

import torch

BASE = dict(
    vocab_size=300, hidden_size=64, intermediate_size=96, moe_intermediate_size=32,
    num_hidden_layers=3, num_attention_heads=4, num_key_value_heads=4,
    kv_lora_rank=32, qk_rope_head_dim=8, qk_nope_head_dim=16, v_head_dim=16,
    n_routed_experts=8, num_experts_per_tok=2, n_shared_experts=1,
    n_group=1, topk_group=1, first_k_dense_replace=0, moe_layer_freq=1,
    hidden_act="silu", rms_norm_eps=1e-6, rope_theta=10000.0, max_position_embeddings=4096,
    attention_bias=False, tie_word_embeddings=False, bos_token_id=0, eos_token_id=1,
    torch_dtype="bfloat16",
)

VARIANTS = {
    "v3": dict(model_type="deepseek_v3", architectures=["DeepseekV3ForCausalLM"], q_lora_rank=48,
               rope_scaling=dict(type="yarn", factor=40, original_max_position_embeddings=4096,
                                 beta_fast=32, beta_slow=1, mscale=1.0, mscale_all_dim=1.0),
               max_position_embeddings=163840, scoring_func="sigmoid", topk_method="noaux_tc",
               n_group=4, topk_group=2, norm_topk_prob=True, routed_scaling_factor=2.5,
               first_k_dense_replace=1),
    "v2-lite": dict(model_type="deepseek_v2", architectures=["DeepseekV2ForCausalLM"], q_lora_rank=None,
                    rope_scaling=None, scoring_func="softmax", topk_method="greedy",
                    norm_topk_prob=False, routed_scaling_factor=1.7, first_k_dense_replace=1,
                    moe_layer_freq=2, n_shared_experts=2),
    "v2": dict(model_type="deepseek_v2", architectures=["DeepseekV2ForCausalLM"], q_lora_rank=48,
               rope_scaling=dict(type="yarn", factor=40, original_max_position_embeddings=4096,
                                 beta_fast=32, beta_slow=1, mscale=0.707, mscale_all_dim=0.707),
               max_position_embeddings=163840, scoring_func="softmax", topk_method="group_limited_greedy",
               n_group=4, topk_group=2, norm_topk_prob=True, routed_scaling_factor=3.0,
               n_shared_experts=2),
    "dense": dict(model_type="deepseek_v3", architectures=["DeepseekV3ForCausalLM"], q_lora_rank=None,
                  rope_scaling=dict(type="yarn", factor=4, original_max_position_embeddings=1024,
                                    beta_fast=32, beta_slow=1, mscale=1.0, mscale_all_dim=0.5),
                  n_routed_experts=None, n_shared_experts=None, tie_word_embeddings=True),
}


def make_config(variant):
    cfg = dict(BASE)
    cfg.update(VARIANTS[variant])
    return cfg


def random_weights(cfg, gen, mtp=False):
    """name -> float32 tensor, named as in the Hugging Face checkpoints."""
    H, heads = cfg["hidden_size"], cfg["num_attention_heads"]
    nope, rope, vd = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    w = {}

    def lin(name, out_f, in_f):
        w[name + ".weight"] = torch.randn(out_f, in_f, generator=gen) / in_f ** 0.5

    def norm(name, n):
        w[name + ".weight"] = 1.0 + 0.1 * torch.randn(n, generator=gen)

    def mlp(p, inter):
        lin(p + "gate_proj", inter, H)
        lin(p + "up_proj", inter, H)
        lin(p + "down_proj", H, inter)

    def layer(i):
        p = f"model.layers.{i}."
        norm(p + "input_layernorm", H)
        norm(p + "post_attention_layernorm", H)
        a = p + "self_attn."
        if cfg["q_lora_rank"] is None:
            lin(a + "q_proj", heads * (nope + rope), H)
        else:
            lin(a + "q_a_proj", cfg["q_lora_rank"], H)
            norm(a + "q_a_layernorm", cfg["q_lora_rank"])
            lin(a + "q_b_proj", heads * (nope + rope), cfg["q_lora_rank"])
        lin(a + "kv_a_proj_with_mqa", cfg["kv_lora_rank"] + rope, H)
        norm(a + "kv_a_layernorm", cfg["kv_lora_rank"])
        lin(a + "kv_b_proj", heads * (nope + vd), cfg["kv_lora_rank"])
        lin(a + "o_proj", H, heads * vd)
        E = cfg["n_routed_experts"]
        if E is not None and i >= cfg["first_k_dense_replace"] and i % cfg["moe_layer_freq"] == 0:
            w[p + "mlp.gate.weight"] = torch.randn(E, H, generator=gen) / H ** 0.5 * 2
            if cfg["topk_method"] == "noaux_tc":
                w[p + "mlp.gate.e_score_correction_bias"] = 0.1 * torch.randn(E, generator=gen)
            for e in range(E):
                mlp(f"{p}mlp.experts.{e}.", cfg["moe_intermediate_size"])
            if cfg["n_shared_experts"]:
                mlp(p + "mlp.shared_experts.", cfg["moe_intermediate_size"] * cfg["n_shared_experts"])
        else:
            mlp(p + "mlp.", cfg["intermediate_size"])

    w["model.embed_tokens.weight"] = torch.randn(cfg["vocab_size"], H, generator=gen)
    for i in range(cfg["num_hidden_layers"]):
        layer(i)
    norm("model.norm", H)
    if not cfg["tie_word_embeddings"]:
        lin("lm_head", cfg["vocab_size"], H)
    if mtp:  # a V3-style MTP layer at index num_hidden_layers, which a forward must ignore
        L = cfg["num_hidden_layers"]
        layer(L)
        norm(f"model.layers.{L}.enorm", H)
        norm(f"model.layers.{L}.hnorm", H)
        lin(f"model.layers.{L}.eh_proj", H, 2 * H)
        norm(f"model.layers.{L}.shared_head.norm", H)
        w = {k: (v * 1e3 if k.startswith(f"model.layers.{L}.") else v) for k, v in w.items()}
    return w


def _e4m3_positive_values():
    # Finite non-negative e4m3fn values by code 0x00..0x7E (ascending with the code).
    vals = []
    for b in range(0x7F):
        exp, man = b >> 3, b & 7
        vals.append(man * 2.0 ** -9 if exp == 0 else (1 + man / 8) * 2.0 ** (exp - 7))
    return torch.tensor(vals, dtype=torch.float64)


def quantize_e4m3(x):
    """Round float64 x (|x| <= 448) to the nearest e4m3fn code (ties to even)."""
    vals = _e4m3_positive_values()
    a = x.abs().clamp(max=448.0).flatten()
    hi = torch.searchsorted(vals, a).clamp(max=len(vals) - 1)
    lo = (hi - 1).clamp(min=0)
    d_lo, d_hi = a - vals[lo], vals[hi] - a
    code = torch.where((d_lo < d_hi) | ((d_lo == d_hi) & (lo % 2 == 0)), lo, hi)
    code = code | ((x.flatten() < 0).long() << 7)
    return code.to(torch.uint8).reshape(x.shape)


def quantize_blocks(wt, bm, bn):
    """DeepSeek-V3 block FP8: scale = amax(block)/448 per [bm, bn] block, codes =
    e4m3(w / scale); the checkpoint stores scale as NAME_scale_inv (the factor
    that dequantisation multiplies by)."""
    rows, cols = wt.shape
    w64 = wt.double()
    scale = torch.empty((rows + bm - 1) // bm, (cols + bn - 1) // bn, dtype=torch.float64)
    codes = torch.empty(rows, cols, dtype=torch.uint8)
    for i in range(scale.shape[0]):
        for j in range(scale.shape[1]):
            blk = w64[i * bm:(i + 1) * bm, j * bn:(j + 1) * bn]
            s = float(blk.abs().max()) / 448.0 or 1.0
            s = float(torch.tensor(s, dtype=torch.float32))  # stored as F32; quantise with that value
            scale[i, j] = s
            codes[i * bm:(i + 1) * bm, j * bn:(j + 1) * bn] = quantize_e4m3(blk / s)
    return codes, scale.float()


FP8_SUFFIXES = ("_proj.weight",)  # q/kv/o projections, MLP, experts, shared experts


def is_fp8_weight(name):
    return name.endswith(FP8_SUFFIXES) and ".mlp.gate." not in name


def _encode(t, dtype):
    if dtype == "F8_E4M3":
        return t.contiguous().numpy().tobytes()
    if dtype == "BF16":
        return t.float().to(torch.bfloat16).view(torch.int16).contiguous().numpy().tobytes()
    return t.to({"F32": torch.float32, "F64": torch.float64}[dtype]).contiguous().numpy().tobytes()


def write_safetensors(path, tensors):
    """tensors: name -> (dtype string, tensor)."""
    header, blobs, off = {"__metadata__": {"format": "pt"}}, [], 0
    for name, (dt, t) in tensors.items():
        b = _encode(t, dt)
        header[name] = {"dtype": dt, "shape": list(t.shape), "data_offsets": [off, off + len(b)]}
        blobs.append(b)
        off += len(b)
    hb = json.dumps(header).encode()
    hb += b" " * (-len(hb) % 8)
    with open(path, "wb") as f:
        f.write(len(hb).to_bytes(8, "little") + hb)
        for b in blobs:
            f.write(b)


def write_checkpoint(out, variant, dtype="F32", fp8_block=None, shards=1, mtp=False, seed=0):
    """Writes the checkpoint; returns (config, original float32 weights)."""
    cfg = make_config(variant)
    if mtp:
        cfg["num_nextn_predict_layers"] = 1
    if fp8_block:
        cfg["quantization_config"] = {"activation_scheme": "dynamic", "fmt": "e4m3",
                                      "quant_method": "fp8", "weight_block_size": list(fp8_block)}
    gen = torch.Generator().manual_seed(seed)
    weights = random_weights(cfg, gen, mtp)
    tensors = {}
    for name, t in weights.items():
        if fp8_block and is_fp8_weight(name):
            codes, scale_inv = quantize_blocks(t, *fp8_block)
            tensors[name] = ("F8_E4M3", codes)
            tensors[name + "_scale_inv"] = ("F32", scale_inv)
        else:
            tensors[name] = (dtype, t)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
    names = list(tensors)
    if shards <= 1:
        write_safetensors(os.path.join(out, "model.safetensors"), tensors)
    else:
        weight_map = {}
        for s in range(shards):
            fname = f"model-{s + 1:05d}-of-{shards:05d}.safetensors"
            part = {n: tensors[n] for n in names[s::shards]}
            write_safetensors(os.path.join(out, fname), part)
            weight_map.update({n: fname for n in part})
        with open(os.path.join(out, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {}, "weight_map": weight_map}, f, indent=2)
    return cfg, weights


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", required=True)
    ap.add_argument("--variant", choices=sorted(VARIANTS), required=True)
    ap.add_argument("--dtype", choices=["F32", "BF16"], default="F32")
    ap.add_argument("--fp8", metavar="BM,BN", help="store projection weights as F8_E4M3 with these block sizes")
    ap.add_argument("--shards", type=int, default=1)
    ap.add_argument("--mtp", action="store_true", help="add an MTP layer (index num_hidden_layers)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    block = tuple(int(v) for v in a.fp8.split(",")) if a.fp8 else None
    write_checkpoint(a.out, a.variant, a.dtype, block, a.shards, a.mtp, a.seed)


if __name__ == "__main__":
    main()
