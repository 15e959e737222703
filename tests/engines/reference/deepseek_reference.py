#!/usr/bin/python3
"""Independent reference forward pass for DeepSeek-V2 / DeepSeek-V3 checkpoints.

Written from the published Hugging Face remote code, not from the C++ engine:
  V3: huggingface.co/deepseek-ai/DeepSeek-V3/blob/main/modeling_deepseek.py
      (and DeepSeek-V3-0324, whose commit e9b33add76883f293d6bf61f6bd89b497e80e335
      changed the noaux_tc group mask from 0.0 to -inf)
  V2: huggingface.co/deepseek-ai/DeepSeek-V2/blob/main/modeling_deepseek.py
      (same file in DeepSeek-V2-Lite)
It computes the plain (non-absorbed) MLA formulation of those files, for one
sequence at positions 0..n-1 with a causal mask, by default in float64 with all
weights upcast, and prints {"logits": [...]} (last position) or
{"logits": [[...], ...]} (--all-positions) as JSON on stdout.

Usage:
  deepseek_reference.py --model DIR --tokens 1,2,3 [--all-positions]
                        [--dtype float64|float32] [--noaux-mask neg_inf|zero] [--mtp]
"""
import argparse
import json
import math
import mmap
import os
import struct

import torch

# ----------------------------------------------------------------------------
# safetensors reading (no safetensors package: the format is an 8-byte LE
# header length N, N bytes of JSON, then the raw little-endian tensor data).


def e4m3fn_table():
    """Value of each of the 256 float8 e4m3fn bytes: 1 sign, 4 exponent bits
    (bias 7), 3 mantissa bits, subnormals at exponent 0, no infinities, and
    S.1111.111 (0x7F, 0xFF) the only NaNs; the largest finite is 448."""
    vals = []
    for b in range(256):
        sign = -1.0 if b & 0x80 else 1.0
        exp, man = (b >> 3) & 0xF, b & 0x7
        if exp == 0xF and man == 0x7:
            vals.append(float("nan"))
        elif exp == 0:
            vals.append(sign * man * 2.0 ** -9)  # (man/8) * 2^(1-7)
        else:
            vals.append(sign * (1.0 + man / 8.0) * 2.0 ** (exp - 7))
    return torch.tensor(vals, dtype=torch.float64)


_PLAIN_DTYPES = {"F64": torch.float64, "F32": torch.float32,
                 "F16": torch.float16, "BF16": torch.bfloat16}


class Checkpoint:
    """Lazy access to model.safetensors or a sharded model.safetensors.index.json."""

    def __init__(self, model_dir, block_size=(128, 128)):
        index = os.path.join(model_dir, "model.safetensors.index.json")
        if os.path.exists(index):
            with open(index) as f:
                files = sorted(set(json.load(f)["weight_map"].values()))
        else:
            files = ["model.safetensors"]
        self.block = block_size
        self.entries = {}  # name -> (mmap, absolute data start, info)
        self._maps = []
        for fname in files:
            fh = open(os.path.join(model_dir, fname), "rb")
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            fh.close()
            self._maps.append(mm)
            (n,) = struct.unpack("<Q", mm[:8])
            header = json.loads(mm[8:8 + n])
            for name, info in header.items():
                if name != "__metadata__":
                    self.entries[name] = (mm, 8 + n, info)
        self._fp8 = None

    def has(self, name):
        return name in self.entries

    def _raw(self, name):
        mm, base, info = self.entries[name]
        b, e = info["data_offsets"]
        shape = info["shape"]
        buf = bytearray(mm[base + b:base + e])
        dt = info["dtype"]
        if dt in _PLAIN_DTYPES:
            t = torch.frombuffer(buf, dtype=_PLAIN_DTYPES[dt]) if buf else torch.empty(0, dtype=_PLAIN_DTYPES[dt])
            return t.reshape(shape).to(torch.float64)
        if dt == "F8_E4M3":
            if self._fp8 is None:
                self._fp8 = e4m3fn_table()
            codes = torch.frombuffer(buf, dtype=torch.uint8).long()
            return self._fp8[codes].reshape(shape)
        raise ValueError(f"{name}: unsupported safetensors dtype {dt}")

    def get(self, name, dtype):
        """The tensor in `dtype`; FP8 weights are dequantised in float64 first:
        W[i, j] = q[i, j] * scale_inv[i // bm, j // bn] (DeepSeek-V3 block
        scaling, config quantization_config.weight_block_size = [bm, bn])."""
        t = self._raw(name)
        if self.entries[name][2]["dtype"] == "F8_E4M3":
            s = self._raw(name + "_scale_inv")
            bm, bn = self.block
            rows, cols = t.shape
            s = s.repeat_interleave(bm, 0)[:rows].repeat_interleave(bn, 1)[:, :cols]
            t = t * s
        return t.to(dtype)


# ----------------------------------------------------------------------------
# Building blocks, each following the published modeling_deepseek.py.


def rms_norm(x, w, eps):
    # DeepseekV3RMSNorm / DeepseekV2RMSNorm: x * rsqrt(mean(x^2) + eps) * weight.
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def yarn_find_correction_dim(num_rotations, dim, base, max_pos):
    return (dim * math.log(max_pos / (num_rotations * 2 * math.pi))) / (2 * math.log(base))


def yarn_find_correction_range(low_rot, high_rot, dim, base, max_pos):
    low = math.floor(yarn_find_correction_dim(low_rot, dim, base, max_pos))
    high = math.ceil(yarn_find_correction_dim(high_rot, dim, base, max_pos))
    return max(low, 0), min(high, dim - 1)


def yarn_get_mscale(scale=1, mscale=1):
    if scale <= 1:
        return 1.0
    return 0.1 * mscale * math.log(scale) + 1.0


def rope_inv_freq_and_mscale(cfg):
    """inv_freq (float64, dim/2 entries) and the cos/sin multiplier of
    DeepseekV{2,3}RotaryEmbedding (plain) or DeepseekV{2,3}YarnRotaryEmbedding."""
    dim, base = cfg["qk_rope_head_dim"], cfg.get("rope_theta", 10000.0)
    exponents = torch.arange(0, dim, 2, dtype=torch.float64) / dim
    rs = cfg.get("rope_scaling")
    if rs is None:
        return 1.0 / base ** exponents, 1.0
    kind = rs.get("type", rs.get("rope_type"))
    if kind != "yarn":
        raise NotImplementedError(f"rope_scaling type {kind!r} (only yarn is implemented)")
    factor = rs["factor"]
    # Defaults are DeepseekV3YarnRotaryEmbedding.__init__'s; _init_rope passes only keys present.
    orig_max = rs.get("original_max_position_embeddings", 4096)
    beta_fast, beta_slow = rs.get("beta_fast", 32), rs.get("beta_slow", 1)
    mscale, mscale_all_dim = rs.get("mscale", 1), rs.get("mscale_all_dim", 0)
    freq_extra = 1.0 / base ** exponents
    freq_inter = 1.0 / (factor * base ** exponents)
    low, high = yarn_find_correction_range(beta_fast, beta_slow, dim, base, orig_max)
    if low == high:
        high += 0.001  # yarn_linear_ramp_mask: prevent singularity
    ramp = ((torch.arange(dim // 2, dtype=torch.float64) - low) / (high - low)).clamp(0, 1)
    inv_freq_mask = 1.0 - ramp
    inv_freq = freq_inter * (1 - inv_freq_mask) + freq_extra * inv_freq_mask
    return inv_freq, yarn_get_mscale(factor, mscale) / yarn_get_mscale(factor, mscale_all_dim)


def rope_cos_sin(cfg, n, dtype):
    inv_freq, msc = rope_inv_freq_and_mscale(cfg)
    freqs = torch.outer(torch.arange(n, dtype=torch.float64), inv_freq)
    emb = torch.cat((freqs, freqs), dim=-1)  # [n, rope_dim]
    return (emb.cos() * msc).to(dtype), (emb.sin() * msc).to(dtype)


def apply_rope(x, cos, sin):
    """apply_rotary_pos_emb of modeling_deepseek.py for x [..., seq, d]: the
    checkpoint's rope dims are interleaved pairs, so the published code first
    de-interleaves (view d/2 x 2, transpose, reshape) and then applies the
    llama rotate_half form. The output stays in the de-interleaved order."""
    d = x.shape[-1]
    x = x.reshape(*x.shape[:-1], d // 2, 2).transpose(-1, -2).reshape(x.shape)
    rotated = torch.cat((-x[..., d // 2:], x[..., :d // 2]), dim=-1)
    return x * cos + rotated * sin


def softmax_scale(cfg):
    # DeepseekV3Attention.__init__: q_head_dim^-0.5, times mscale^2 when
    # rope_scaling is set and its mscale_all_dim is nonzero.
    scale = (cfg["qk_nope_head_dim"] + cfg["qk_rope_head_dim"]) ** -0.5
    rs = cfg.get("rope_scaling")
    if rs is not None and rs.get("mscale_all_dim", 0):
        m = yarn_get_mscale(rs["factor"], rs["mscale_all_dim"])
        scale = scale * m * m
    return scale


class Weights:
    def __init__(self, ckpt, dtype):
        self.ckpt, self.dtype = ckpt, dtype

    def __call__(self, name):
        return self.ckpt.get(name, self.dtype)

    def linear(self, x, prefix):
        # Linear layers are bias-free except with attention_bias; add one if stored.
        y = x @ self(prefix + ".weight").T
        return y + self(prefix + ".bias") if self.ckpt.has(prefix + ".bias") else y


def attention(cfg, W, p, x, cos, sin):
    """DeepseekV3Attention.forward (eager path, no cache) for x [n, hidden]."""
    n, H = x.shape[0], cfg["num_attention_heads"]
    nope, rope, vdim = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"]
    # q_a_layernorm / kv_a_layernorm are built as DeepseekV3RMSNorm(rank) without
    # eps, so they use the class default 1e-6, not config.rms_norm_eps.
    eps = 1e-6
    if cfg.get("q_lora_rank") is None:
        q = W.linear(x, p + "q_proj")
    else:
        q = W.linear(rms_norm(W.linear(x, p + "q_a_proj"), W(p + "q_a_layernorm.weight"), eps), p + "q_b_proj")
    q = q.view(n, H, nope + rope).transpose(0, 1)  # [H, n, nope+rope]
    q_nope, q_pe = q[..., :nope], q[..., nope:]
    ckv = W.linear(x, p + "kv_a_proj_with_mqa")
    c, k_pe = ckv[:, :cfg["kv_lora_rank"]], ckv[:, cfg["kv_lora_rank"]:]
    kv = W.linear(rms_norm(c, W(p + "kv_a_layernorm.weight"), eps), p + "kv_b_proj")
    kv = kv.view(n, H, nope + vdim).transpose(0, 1)  # [H, n, nope+v]
    k_nope, v = kv[..., :nope], kv[..., nope:]
    q_pe = apply_rope(q_pe, cos, sin)
    k_pe = apply_rope(k_pe.unsqueeze(0), cos, sin)  # one rope key shared by all heads
    qs = torch.cat((q_nope, q_pe), dim=-1)
    ks = torch.cat((k_nope, k_pe.expand(H, n, rope)), dim=-1)
    scores = qs @ ks.transpose(1, 2) * softmax_scale(cfg)
    causal = torch.ones(n, n, dtype=torch.bool).triu(1)
    probs = scores.masked_fill(causal, float("-inf")).softmax(dim=-1)
    out = (probs @ v).transpose(0, 1).reshape(n, H * vdim)
    return W.linear(out, p + "o_proj")


def mlp(W, p, x):
    # DeepseekV3MLP: down_proj(silu(gate_proj(x)) * up_proj(x)).
    return W.linear(torch.nn.functional.silu(W.linear(x, p + "gate_proj")) * W.linear(x, p + "up_proj"), p + "down_proj")


def route(cfg, logits, bias=None, noaux_mask="neg_inf"):
    """MoEGate.forward after the gate matmul: (topk_idx [n, k], topk_weight [n, k]).

    Selection (same in the V2 and V3 files, V3 adds noaux_tc):
      greedy:               topk(scores)
      group_limited_greedy: group score = max in group; keep topk_group groups,
                            others' scores masked to 0.0; topk; weights = those scores
      noaux_tc:             choice = scores + e_score_correction_bias; group score =
                            sum of the top 2 choice values in the group; keep
                            topk_group groups, others masked; topk on choice;
                            weights gathered from the unbiased scores.
    The noaux_tc mask is -inf as in DeepSeek-V3-0324's modeling_deepseek.py
    (commit e9b33add) and the official inference/model.py; the first V3 release
    masked with 0.0 (noaux_mask="zero"), which can pick an expert of a dropped
    group when a kept group's biased scores are negative.
    Weights (model_type decides, as the two published files differ):
      deepseek_v3: if top_k > 1 and norm_topk_prob: w /= sum(w) + 1e-20; then
                   always w *= routed_scaling_factor
      deepseek_v2: if top_k > 1 and norm_topk_prob: w /= sum(w) + 1e-20
                   else w *= routed_scaling_factor
    """
    n, E = logits.shape
    k = cfg["num_experts_per_tok"]
    func = cfg.get("scoring_func", "softmax")
    if func == "softmax":
        scores = logits.softmax(dim=-1)
    elif func == "sigmoid":
        scores = logits.sigmoid()
    else:
        raise NotImplementedError(f"scoring_func {func!r}")
    method = cfg.get("topk_method", "greedy")
    G = cfg.get("n_group") or 1
    if method == "greedy":
        weight, idx = torch.topk(scores, k, dim=-1)
    elif method in ("group_limited_greedy", "noaux_tc"):
        choice = scores if method == "group_limited_greedy" else scores + bias.unsqueeze(0)
        grouped = choice.view(n, G, E // G)
        group_scores = grouped.max(dim=-1).values if method == "group_limited_greedy" \
            else grouped.topk(2, dim=-1).values.sum(dim=-1)
        keep_groups = torch.topk(group_scores, cfg["topk_group"], dim=-1).indices
        keep = torch.zeros(n, G, dtype=torch.bool)
        keep.scatter_(1, keep_groups, True)
        keep = keep.unsqueeze(-1).expand(n, G, E // G).reshape(n, E)
        fill = float("-inf") if method == "noaux_tc" and noaux_mask == "neg_inf" else 0.0
        weight, idx = torch.topk(choice.masked_fill(~keep, fill), k, dim=-1)
        if method == "noaux_tc":
            weight = scores.gather(1, idx)  # V2 keeps the (masked) topk values themselves
    else:
        raise NotImplementedError(f"topk_method {method!r}")
    norm = k > 1 and cfg.get("norm_topk_prob", False)
    if norm:
        weight = weight / (weight.sum(dim=-1, keepdim=True) + 1e-20)
    if cfg["model_type"] != "deepseek_v2" or not norm:
        weight = weight * cfg.get("routed_scaling_factor", 1.0)
    return idx, weight


def moe(cfg, W, p, x, noaux_mask):
    """DeepseekV3MoE.forward: sum_k w_k * expert_{idx_k}(x) + shared_experts(x)."""
    bias = W(p + "gate.e_score_correction_bias") if cfg.get("topk_method") == "noaux_tc" else None
    idx, weight = route(cfg, x @ W(p + "gate.weight").T, bias, noaux_mask)
    y = torch.zeros_like(x)
    for e in idx.unique().tolist():
        tok, slot = (idx == e).nonzero(as_tuple=True)
        y.index_add_(0, tok, mlp(W, f"{p}experts.{e}.", x[tok]) * weight[tok, slot].unsqueeze(-1))
    if cfg.get("n_shared_experts"):
        y = y + mlp(W, p + "shared_experts.", x)
    return y


def is_moe_layer(cfg, i):
    # DeepseekV3DecoderLayer.__init__.
    return (cfg.get("n_routed_experts") is not None and i >= cfg.get("first_k_dense_replace", 0)
            and i % cfg.get("moe_layer_freq", 1) == 0)


def decoder_layer(cfg, W, i, h, cos, sin, eps, noaux_mask):
    """DeepseekV3DecoderLayer.forward: pre-norm residual attention, then MLP or MoE."""
    p = f"model.layers.{i}."
    h = h + attention(cfg, W, p + "self_attn.", rms_norm(h, W(p + "input_layernorm.weight"), eps), cos, sin)
    x = rms_norm(h, W(p + "post_attention_layernorm.weight"), eps)
    return h + (moe(cfg, W, p + "mlp.", x, noaux_mask) if is_moe_layer(cfg, i) else mlp(W, p + "mlp.", x))


def mtp_logits(cfg, W, ids, h, eps, noaux_mask, dtype):
    """MTP module 0 at model.layers.{num_hidden_layers} (DeepSeek-V3 paper, section 2.2, and the
    layout of its release): row i takes h_i, the main model's final-normed hidden state at
    position i, and token i+1; x = eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)]), the embedding
    half first, goes through one decoder layer at positions 0..n-2 over its own causal keys, and
    shared_head (its norm, then its head) predicts token i+2. The module's embed_tokens and
    shared_head.head may be omitted: the main model's are used."""
    L = cfg["num_hidden_layers"]
    p = f"model.layers.{L}."
    main_head = "model.embed_tokens.weight" if cfg.get("tie_word_embeddings", False) else "lm_head.weight"
    embed = W(p + "embed_tokens.weight" if W.ckpt.has(p + "embed_tokens.weight") else "model.embed_tokens.weight")
    head = W(p + "shared_head.head.weight" if W.ckpt.has(p + "shared_head.head.weight") else main_head)
    e = rms_norm(embed[ids[1:]], W(p + "enorm.weight"), eps)
    x = W.linear(torch.cat((e, rms_norm(h[:-1], W(p + "hnorm.weight"), eps)), dim=-1), p + "eh_proj")
    cos, sin = rope_cos_sin(cfg, len(ids) - 1, dtype)
    x = decoder_layer(cfg, W, L, x, cos, sin, eps, noaux_mask)
    return rms_norm(x, W(p + "shared_head.norm.weight"), eps) @ head.T


def forward(model_dir, tokens, dtype=torch.float64, noaux_mask="neg_inf", mtp=False):
    """Logits [len(tokens), vocab] for one causal sequence at positions 0..n-1; with mtp, the
    MTP module's [len(tokens) - 1, vocab] (row i predicts token i+2)."""
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    if cfg.get("model_type") not in ("deepseek_v2", "deepseek_v3"):
        raise ValueError(f"model_type {cfg.get('model_type')!r} is not deepseek_v2/deepseek_v3")
    if cfg.get("hidden_act", "silu") != "silu":
        raise NotImplementedError(f"hidden_act {cfg['hidden_act']!r}")
    block = (cfg.get("quantization_config") or {}).get("weight_block_size", [128, 128])
    W = Weights(Checkpoint(model_dir, tuple(block)), dtype)
    eps = cfg.get("rms_norm_eps", 1e-6)
    ids = torch.tensor(tokens, dtype=torch.long)
    h = W("model.embed_tokens.weight")[ids]
    cos, sin = rope_cos_sin(cfg, len(tokens), dtype)
    # Layers with index >= num_hidden_layers (V3's MTP module) are not part of the forward.
    for i in range(cfg["num_hidden_layers"]):
        h = decoder_layer(cfg, W, i, h, cos, sin, eps, noaux_mask)
    h = rms_norm(h, W("model.norm.weight"), eps)
    if mtp:
        return mtp_logits(cfg, W, ids, h, eps, noaux_mask, dtype)
    head = "model.embed_tokens.weight" if cfg.get("tie_word_embeddings", False) else "lm_head.weight"
    return h @ W(head).T


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="directory with config.json and *.safetensors")
    ap.add_argument("--tokens", required=True, help="comma-separated token ids")
    ap.add_argument("--all-positions", action="store_true", help="print logits for every position")
    ap.add_argument("--dtype", choices=["float64", "float32"], default="float64")
    ap.add_argument("--noaux-mask", choices=["neg_inf", "zero"], default="neg_inf",
                    help="noaux_tc mask for dropped groups: -inf (V3-0324 and later) or 0.0 (first V3 release)")
    ap.add_argument("--mtp", action="store_true",
                    help="the MTP module's logits: row i (positions 0..n-2) predicts token i+2")
    args = ap.parse_args()
    tokens = [int(t) for t in args.tokens.split(",") if t.strip()]
    if not tokens or (args.mtp and len(tokens) < 2):
        ap.error("--tokens is empty" if not tokens else "--mtp needs at least 2 tokens")
    logits = forward(args.model, tokens, getattr(torch, args.dtype), args.noaux_mask, args.mtp)
    out = logits.double().tolist() if args.all_positions else logits[-1].double().tolist()
    print(json.dumps({"logits": out}))


if __name__ == "__main__":
    torch.set_grad_enabled(False)
    main()
