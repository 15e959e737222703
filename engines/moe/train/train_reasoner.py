#!/usr/bin/env python3
"""Trains rbench's small reasoning model and exports it in Hugging Face layout.

The model is the DeepSeek-V3 architecture at toy size: Multi-head Latent Attention (q and kv
low-rank projections, decoupled RoPE keys), a dense first layer, MoE layers with one shared and
eight routed experts picked by a sigmoid gate with a load-balancing bias (noaux_tc, group-limited
top-2), and one multi-token-prediction (MTP) module. It learns the arithmetic word problems of
arith_problems.py in DeepSeek-R1's format: steps inside <think>...</think>, then \\boxed{answer}.

The export (config.json, model.safetensors, tokenizer.json) is what rbench's C++ engine loads;
every formula below mirrors engines/moe/model/model.cpp, and reference.json keeps logits computed here
so the C++ test suite checks both implementations agree.

Run (CPU, Debian's python3-torch; about 25 minutes on 2 cores):
    python3 engines/moe/train/train_reasoner.py --out data/checkpoints/tiny-r1-arith
"""

import argparse
import json
import math
import os
import random
import re
import struct
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import arith_problems  # noqa: E402

BOS = "<｜begin▁of▁sentence｜>"
EOS = "<｜end▁of▁sentence｜>"
USER = "<｜User｜>"
ASSISTANT = "<｜Assistant｜>"
# (content, special) in id order after the learnt vocabulary, as rbench's own BPE trainer writes
# them (engines/moe/tokenizer/bpe_tokenizer_json.cpp): <think> and </think> are not special, as in R1.
ADDED = [(BOS, True), (EOS, True), (USER, True), (ASSISTANT, True), ("<think>", False),
         ("</think>", False), ("<｜▁pad▁｜>", True)]
# suites/prompts.cpp, math-cot-boxed-v1: what rbench sends after each question.
INSTRUCTION = "Please reason step by step, and put your final answer within \\boxed{}."


# ----------------------------------------------------------------------------- tokenizer

def bytes_to_unicode():
    """GPT-2's byte-level alphabet: every byte as a printable character."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE_CHARS = bytes_to_unicode()
# GPT-2's pattern restricted to ASCII (\p{L} = letters, \p{N} = digits), which is all our text.
GPT2_ASCII = re.compile(r"'s|'t|'re|'ve|'m|'ll|'d| ?[A-Za-z]+| ?[0-9]+| ?[^\sA-Za-z0-9]+|"
                        r"\s+(?!\S)|\s+")
SPECIAL_SPLIT = re.compile("(" + "|".join(re.escape(c) for c, _ in ADDED) + ")")


def pre_tokenize(text):
    """Digits(individual_digits) then ByteLevel(use_regex, no prefix space), as tokenizer.json
    declares, so every digit is its own token: the arithmetic is learnt digit by digit."""
    assert text.isascii(), text
    pieces = []
    for part in re.split(r"([0-9])", text):
        if part:
            pieces.extend(GPT2_ASCII.findall(part))
    return ["".join(BYTE_CHARS[b] for b in p.encode()) for p in pieces]


class Tokenizer:
    def __init__(self, merges):
        self.merges = merges
        self.rank = {pair: i for i, pair in enumerate(merges)}
        self.vocab = [BYTE_CHARS[b] for b in range(256)] + [a + b for a, b in merges]
        self.ids = {t: i for i, t in enumerate(self.vocab)}
        self.special = {c: len(self.vocab) + i for i, (c, _) in enumerate(ADDED)}
        self.cache = {}

    @property
    def size(self):
        return len(self.vocab) + len(ADDED)

    def word(self, w):
        if w in self.cache:
            return self.cache[w]
        syms = list(w)
        while len(syms) > 1:
            best = min(((self.rank.get((a, b), 1 << 30), i)
                        for i, (a, b) in enumerate(zip(syms, syms[1:]))))
            if best[0] == 1 << 30:
                break
            i = best[1]
            syms[i:i + 2] = [syms[i] + syms[i + 1]]
        ids = [self.ids[s] for s in syms]
        self.cache[w] = ids
        return ids

    def encode(self, text):
        """Added tokens matched in the text, the rest pre-tokenized and merged."""
        out = []
        for part in SPECIAL_SPLIT.split(text):
            if part in self.special:
                out.append(self.special[part])
            elif part:
                for w in pre_tokenize(part):
                    out.extend(self.word(w))
        return out

    def decode(self, ids):
        inv = {c: b for b, c in BYTE_CHARS.items()}
        specials = {v: k for k, v in self.special.items()}
        out, buf = [], []
        for i in ids:
            if i in specials:
                out.append(bytes(buf).decode("utf-8", "replace"))
                buf = []
                out.append(specials[i])
            else:
                buf.extend(inv[c] for c in self.vocab[i])
        out.append(bytes(buf).decode("utf-8", "replace"))
        return "".join(out)

    def to_json(self):
        bos = self.special[BOS]
        item = lambda kind, ident, type_id: {kind: {"id": ident, "type_id": type_id}}  # noqa
        return {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": self.special[c], "content": c, "single_word": False,
                              "lstrip": False, "rstrip": False, "normalized": False,
                              "special": s} for c, s in ADDED],
            "normalizer": None,
            "pre_tokenizer": {"type": "Sequence", "pretokenizers": [
                {"type": "Digits", "individual_digits": True},
                {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                 "use_regex": True}]},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [item("SpecialToken", BOS, 0), item("Sequence", "A", 0)],
                "pair": [item("SpecialToken", BOS, 0), item("Sequence", "A", 0),
                         item("SpecialToken", BOS, 1), item("Sequence", "B", 1)],
                "special_tokens": {BOS: {"id": BOS, "ids": [bos], "tokens": [BOS]}}},
            "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True,
                        "use_regex": True},
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": None, "end_of_word_suffix": None,
                      "fuse_unk": False, "byte_fallback": False, "ignore_merges": False,
                      "vocab": {t: i for i, t in enumerate(self.vocab)},
                      "merges": [f"{a} {b}" for a, b in self.merges]},
        }


def train_bpe(texts, max_merges):
    """Byte-level BPE merges by pair frequency over pre-tokenized words (ties: smaller pair)."""
    counts = {}
    for t in texts:
        for part in SPECIAL_SPLIT.split(t):
            if part and part not in dict(ADDED):
                for w in pre_tokenize(part):
                    counts[w] = counts.get(w, 0) + 1
    words = {tuple(w): c for w, c in counts.items()}
    merges = []
    while len(merges) < max_merges:
        pairs = {}
        for syms, c in words.items():
            for pair in zip(syms, syms[1:]):
                pairs[pair] = pairs.get(pair, 0) + c
        if not pairs:
            break
        best = min(pairs, key=lambda p: (-pairs[p], p))
        if pairs[best] < 2:
            break
        merges.append(best)
        merged = {}
        for syms, c in words.items():
            out, i = [], 0
            while i < len(syms):
                if i + 1 < len(syms) and (syms[i], syms[i + 1]) == best:
                    out.append(syms[i] + syms[i + 1])
                    i += 2
                else:
                    out.append(syms[i])
                    i += 1
            merged[tuple(out)] = merged.get(tuple(out), 0) + c
        words = merged
    return merges


def chat_prompt(question):
    """engines/moe/tokenizer/chat_template.cpp for one user message, with R1's opened <think>."""
    return f"{BOS}{USER}{question}\n\n{INSTRUCTION}{ASSISTANT}<think>\n"


# ----------------------------------------------------------------------------- model

CONFIG = {
    "architectures": ["DeepseekV3ForCausalLM"],
    "model_type": "deepseek_v3",
    "hidden_size": 96,
    "intermediate_size": 256,
    "moe_intermediate_size": 48,
    "num_hidden_layers": 3,
    "num_attention_heads": 4,
    "num_key_value_heads": 4,
    "max_position_embeddings": 512,
    "n_routed_experts": 8,
    "n_shared_experts": 1,
    "num_experts_per_tok": 2,
    "n_group": 4,
    "topk_group": 2,
    "first_k_dense_replace": 1,
    "moe_layer_freq": 1,
    "topk_method": "noaux_tc",
    "scoring_func": "sigmoid",
    "norm_topk_prob": True,
    "routed_scaling_factor": 2.5,
    "q_lora_rank": 64,
    "kv_lora_rank": 48,
    "qk_nope_head_dim": 24,
    "qk_rope_head_dim": 8,
    "v_head_dim": 24,
    "rope_theta": 10000.0,
    "rope_scaling": None,
    "rms_norm_eps": 1e-6,
    "num_nextn_predict_layers": 1,
    "hidden_act": "silu",
    "tie_word_embeddings": False,
    "torch_dtype": "float32",
}
LORA_EPS = 1e-6  # q_a_layernorm and kv_a_layernorm keep the RMSNorm default (model.cpp)


class RMSNorm(nn.Module):
    def __init__(self, dim, eps):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(dim))
        self.eps = eps

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def linear(n_in, n_out):
    layer = nn.Linear(n_in, n_out, bias=False)
    nn.init.normal_(layer.weight, std=0.02)
    return layer


def rope_tables(c, length):
    dim = c["qk_rope_head_dim"]
    inv = 1.0 / (c["rope_theta"] ** (torch.arange(0, dim, 2, dtype=torch.float64) / dim))
    ang = torch.arange(length, dtype=torch.float32)[:, None] * inv.float()[None, :]
    return ang.cos(), ang.sin()


def rotate(x, cos, sin):
    """Pairs (x[2i], x[2i+1]) rotated by position * inv_freq[i] (Rope::apply). The result is
    laid out de-interleaved; only dot products of rotated vectors are used, so that is fine."""
    a, b = x[..., 0::2], x[..., 1::2]
    return torch.cat([a * cos - b * sin, b * cos + a * sin], dim=-1)


class Attention(nn.Module):
    """MLA, written out (not absorbed): the same scores as the C++ engine's absorbed form."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h, heads = c["hidden_size"], c["num_attention_heads"]
        self.qk = c["qk_nope_head_dim"] + c["qk_rope_head_dim"]
        self.q_a_proj = linear(h, c["q_lora_rank"])
        self.q_a_layernorm = RMSNorm(c["q_lora_rank"], LORA_EPS)
        self.q_b_proj = linear(c["q_lora_rank"], heads * self.qk)
        self.kv_a_proj_with_mqa = linear(h, c["kv_lora_rank"] + c["qk_rope_head_dim"])
        self.kv_a_layernorm = RMSNorm(c["kv_lora_rank"], LORA_EPS)
        self.kv_b_proj = linear(c["kv_lora_rank"],
                                heads * (c["qk_nope_head_dim"] + c["v_head_dim"]))
        self.o_proj = linear(heads * c["v_head_dim"], h)
        self.scale = self.qk ** -0.5

    def forward(self, x, cos, sin, mask):
        c = self.c
        bsz, t, _ = x.shape
        heads, nope, rope, vd = (c["num_attention_heads"], c["qk_nope_head_dim"],
                                 c["qk_rope_head_dim"], c["v_head_dim"])
        q = self.q_b_proj(self.q_a_layernorm(self.q_a_proj(x))).view(bsz, t, heads, self.qk)
        q_nope, q_pe = q[..., :nope], rotate(q[..., nope:], cos[:, None], sin[:, None])
        kva = self.kv_a_proj_with_mqa(x)
        latent = self.kv_a_layernorm(kva[..., :c["kv_lora_rank"]])
        k_pe = rotate(kva[..., c["kv_lora_rank"]:], cos, sin)  # one rope key for all heads
        kv = self.kv_b_proj(latent).view(bsz, t, heads, nope + vd)
        k_nope, v = kv[..., :nope], kv[..., nope:]
        # One batched product for both halves: [q_nope, q_pe] . [k_nope, k_pe].
        q = torch.cat([q_nope, q_pe], -1).transpose(1, 2)  # b h t d
        k = torch.cat([k_nope, k_pe[:, :, None].expand(bsz, t, heads, rope)], -1)
        scores = torch.matmul(q, k.permute(0, 2, 3, 1)) * self.scale + mask
        out = torch.matmul(scores.softmax(-1), v.transpose(1, 2))
        out = out.transpose(1, 2).reshape(bsz, t, heads * vd)
        return self.o_proj(out)


class Mlp(nn.Module):
    def __init__(self, hidden, inter):
        super().__init__()
        self.gate_proj, self.up_proj = linear(hidden, inter), linear(hidden, inter)
        self.down_proj = linear(inter, hidden)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Moe(nn.Module):
    """DeepSeek-V3's router (route_token in model.cpp): sigmoid scores; the correction bias added
    for selection only; groups ranked by the sum of their best two; top-k inside the best groups;
    weights from the unbiased scores, normalised, times routed_scaling_factor. The bias is not
    trained by gradients: after each step it moves towards balance (auxiliary-loss-free)."""

    def __init__(self, c):
        super().__init__()
        self.c = c
        h, e = c["hidden_size"], c["n_routed_experts"]
        self.gate = nn.Linear(h, e, bias=False)
        nn.init.normal_(self.gate.weight, std=0.02)
        self.register_buffer("e_score_correction_bias", torch.zeros(e))
        self.experts = nn.ModuleList(Mlp(h, c["moe_intermediate_size"]) for _ in range(e))
        self.shared_experts = Mlp(h, c["moe_intermediate_size"] * c["n_shared_experts"])
        self.load = torch.zeros(e)

    def forward(self, x):
        c = self.c
        shape = x.shape
        x = x.reshape(-1, shape[-1])
        e, k, groups = c["n_routed_experts"], c["num_experts_per_tok"], c["n_group"]
        scores = torch.sigmoid(self.gate(x))
        choice = scores.detach() + self.e_score_correction_bias
        grouped = choice.view(-1, groups, e // groups)
        group_score = grouped.topk(2, dim=-1).values.sum(-1)
        keep = torch.zeros_like(group_score, dtype=torch.bool)
        keep.scatter_(1, group_score.topk(c["topk_group"], dim=-1).indices, True)
        choice = choice.masked_fill(~keep.repeat_interleave(e // groups, dim=1), float("-inf"))
        idx = choice.topk(k, dim=-1).indices
        w = scores.gather(1, idx)
        w = w / (w.sum(-1, keepdim=True) + 1e-20) * c["routed_scaling_factor"]
        out = self.shared_experts(x)
        routed = torch.zeros_like(x)
        for j, expert in enumerate(self.experts):
            rows, slot = (idx == j).nonzero(as_tuple=True)
            if rows.numel():
                routed.index_add_(0, rows, expert(x[rows]) * w[rows, slot, None])
        self.load = torch.bincount(idx.flatten(), minlength=e).float()
        return (out + routed).view(shape)

    @torch.no_grad()
    def balance(self, rate):
        self.e_score_correction_bias += rate * torch.sign(self.load.mean() - self.load)


class Layer(nn.Module):
    def __init__(self, c, index):
        super().__init__()
        eps = c["rms_norm_eps"]
        self.input_layernorm = RMSNorm(c["hidden_size"], eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c["hidden_size"], eps)
        moe = c["n_routed_experts"] > 0 and index >= c["first_k_dense_replace"] and \
            index % c["moe_layer_freq"] == 0
        self.mlp = Moe(c) if moe else Mlp(c["hidden_size"], c["intermediate_size"])

    def forward(self, x, cos, sin, mask):
        x = x + self.self_attn(self.input_layernorm(x), cos, sin, mask)
        return x + self.mlp(self.post_attention_layernorm(x))


class Mtp(nn.Module):
    """One MTP module (layer index num_hidden_layers in the checkpoint). For position i it takes
    the main model's final-normed hidden state h_i and the next token t_{i+1}:
    eh_proj([enorm(embed(t_{i+1})); hnorm(h_i)]), one decoder layer at RoPE position i over its own
    cache, then shared_head.norm and the output head (the main lm_head, shared) predict t_{i+2}."""

    def __init__(self, c):
        super().__init__()
        h, eps = c["hidden_size"], c["rms_norm_eps"]
        self.enorm, self.hnorm = RMSNorm(h, eps), RMSNorm(h, eps)
        self.eh_proj = linear(2 * h, h)
        self.layer = Layer(c, c["num_hidden_layers"])
        self.shared_head_norm = RMSNorm(h, eps)

    def forward(self, emb_next, hidden, cos, sin, mask):
        x = self.eh_proj(torch.cat([self.enorm(emb_next), self.hnorm(hidden)], dim=-1))
        return self.shared_head_norm(self.layer(x, cos, sin, mask))


class Model(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.c = c
        self.embed_tokens = nn.Embedding(c["vocab_size"], c["hidden_size"])
        nn.init.normal_(self.embed_tokens.weight, std=0.02)
        self.layers = nn.ModuleList(Layer(c, i) for i in range(c["num_hidden_layers"]))
        self.norm = RMSNorm(c["hidden_size"], c["rms_norm_eps"])
        self.lm_head = linear(c["hidden_size"], c["vocab_size"])
        self.mtp = Mtp(c)
        self.cos, self.sin = rope_tables(c, c["max_position_embeddings"])

    def forward(self, ids, with_mtp=False):
        t = ids.shape[1]
        mask = torch.full((t, t), float("-inf")).triu(1)  # added to the scores: causal
        cos, sin = self.cos[:t], self.sin[:t]
        x = self.embed_tokens(ids)
        for layer in self.layers:
            x = layer(x, cos, sin, mask)
        hidden = self.norm(x)
        logits = self.lm_head(hidden)
        if not with_mtp:
            return logits, None
        # Position i of the MTP pass sees h_i and t_{i+1}, for i < t - 1.
        m = self.mtp(self.embed_tokens(ids[:, 1:]), hidden[:, :-1], cos[:t - 1], sin[:t - 1],
                     mask[:t - 1, :t - 1])
        return logits, self.lm_head(m)

    def moes(self):
        return [m for m in self.modules() if isinstance(m, Moe)]


# ----------------------------------------------------------------------------- data

def encode_example(tok, problem):
    prompt = tok.encode(chat_prompt(problem["question"]))
    answer = tok.encode(arith_problems.response_text(problem)) + [tok.special[EOS]]
    return prompt, answer


def batch_of(tok, rng, size, held_out):
    seqs = []
    while len(seqs) < size:
        p = arith_problems.training_problem(rng)
        if p["question"] in held_out:
            continue
        seqs.append(encode_example(tok, p))
    t = max(len(a) + len(b) for a, b in seqs)
    pad = tok.special["<｜▁pad▁｜>"]
    ids = torch.full((size, t), pad, dtype=torch.long)
    loss_mask = torch.zeros(size, t, dtype=torch.bool)  # target positions: the answer only
    for i, (a, b) in enumerate(seqs):
        ids[i, :len(a) + len(b)] = torch.tensor(a + b)
        loss_mask[i, len(a):len(a) + len(b)] = True
    return ids, loss_mask


@torch.no_grad()
def greedy_batch(model, tok, prompts, max_new=256):
    """Greedy continuations of several prompts at once: rows right-padded, the whole batch
    recomputed each step (no cache; fine at this size), each row read at its own last token."""
    eos, pad = tok.special[EOS], tok.special["<｜▁pad▁｜>"]
    rows = [list(p) for p in prompts]
    done = [False] * len(rows)
    for _ in range(max_new):
        live = [i for i, d in enumerate(done) if not d]
        if not live:
            break
        t = max(len(rows[i]) for i in live)
        ids = torch.full((len(live), t), pad, dtype=torch.long)
        for j, i in enumerate(live):
            ids[j, :len(rows[i])] = torch.tensor(rows[i])
        logits, _ = model(ids)
        for j, i in enumerate(live):
            nxt = int(logits[j, len(rows[i]) - 1].argmax())
            if nxt == eos:
                done[i] = True
            else:
                rows[i].append(nxt)
    return [tok.decode(r[len(p):]) for r, p in zip(rows, prompts)]


def boxed(text):
    m = re.findall(r"\\boxed\{([^}]*)\}", text.split("</think>")[-1])
    return m[-1].strip() if m else None


def accuracy(model, tok, problems, chunk=64):
    model.eval()
    right = 0
    for k in range(0, len(problems), chunk):
        part = problems[k:k + chunk]
        texts = greedy_batch(model, tok, [encode_example(tok, p)[0] for p in part])
        right += sum(boxed(t) == p["answer"] for t, p in zip(texts, part))
    model.train()
    return right / len(problems)


# ----------------------------------------------------------------------------- export

def write_safetensors(path, tensors):
    """safetensors: a little-endian u64 header size, the JSON header (8-byte aligned), data."""
    header, blobs, offset = {"__metadata__": {"format": "pt"}}, [], 0
    for name, t in tensors:
        data = t.detach().to(torch.float32).contiguous().numpy().tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for b in blobs:
            f.write(b)


def hf_tensors(model):
    """The model's tensors under DeepSeek-V3's Hugging Face names."""
    out = [("model.embed_tokens.weight", model.embed_tokens.weight)]

    def layer(prefix, lay):
        a = lay.self_attn
        items = [("input_layernorm.weight", lay.input_layernorm.weight),
                 ("post_attention_layernorm.weight", lay.post_attention_layernorm.weight)]
        for n in ("q_a_proj", "q_b_proj", "kv_a_proj_with_mqa", "kv_b_proj", "o_proj"):
            items.append((f"self_attn.{n}.weight", getattr(a, n).weight))
        items += [("self_attn.q_a_layernorm.weight", a.q_a_layernorm.weight),
                  ("self_attn.kv_a_layernorm.weight", a.kv_a_layernorm.weight)]
        mlp = lay.mlp
        if isinstance(mlp, Moe):
            items += [("mlp.gate.weight", mlp.gate.weight),
                      ("mlp.gate.e_score_correction_bias", mlp.e_score_correction_bias)]
            for j, e in enumerate(mlp.experts):
                for n in ("gate_proj", "up_proj", "down_proj"):
                    items.append((f"mlp.experts.{j}.{n}.weight", getattr(e, n).weight))
            for n in ("gate_proj", "up_proj", "down_proj"):
                items.append((f"mlp.shared_experts.{n}.weight", getattr(mlp.shared_experts,
                                                                        n).weight))
        else:
            for n in ("gate_proj", "up_proj", "down_proj"):
                items.append((f"mlp.{n}.weight", getattr(mlp, n).weight))
        return [(f"{prefix}.{n}", t) for n, t in items]

    for i, lay in enumerate(model.layers):
        out += layer(f"model.layers.{i}", lay)
    out += [("model.norm.weight", model.norm.weight), ("lm_head.weight", model.lm_head.weight)]
    # The MTP module; its embed_tokens and shared_head.head are the main ones, so they are left
    # out (the engine then uses model.embed_tokens and lm_head, as DeepSeek-V3 shares them).
    m, p = model.mtp, f"model.layers.{model.c['num_hidden_layers']}"
    out += [(f"{p}.enorm.weight", m.enorm.weight), (f"{p}.hnorm.weight", m.hnorm.weight),
            (f"{p}.eh_proj.weight", m.eh_proj.weight),
            (f"{p}.shared_head.norm.weight", m.shared_head_norm.weight)]
    out += layer(p, m.layer)
    return out


def export(model, tok, out_dir, card):
    os.makedirs(out_dir, exist_ok=True)
    c = dict(model.c)
    c["bos_token_id"], c["eos_token_id"] = tok.special[BOS], tok.special[EOS]
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(c, f, indent=2, sort_keys=True)
        f.write("\n")
    with open(os.path.join(out_dir, "tokenizer.json"), "w", encoding="utf-8") as f:
        json.dump(tok.to_json(), f, ensure_ascii=False, indent=1)
        f.write("\n")
    write_safetensors(os.path.join(out_dir, "model.safetensors"), hf_tensors(model))
    # Logits computed here, for the C++ engine's cross-check (tests/engines).
    model.eval()
    problems = arith_problems.split("easy", 2)
    ref = []
    with torch.no_grad():
        for p in problems:
            prompt, answer = encode_example(tok, p)
            ids = prompt + answer[:12]
            logits, mtp_logits = model(torch.tensor([ids]), with_mtp=True)
            ref.append({"text": chat_prompt(p["question"]), "tokens": ids,
                        "last_logits": [round(float(v), 5) for v in logits[0, -1]],
                        "mtp_last_logits": [round(float(v), 5) for v in mtp_logits[0, -1]]})
    with open(os.path.join(out_dir, "reference.json"), "w") as f:
        json.dump({"note": "logits of train_reasoner.py's PyTorch model, for the C++ cross-check",
                   "cases": ref}, f)
        f.write("\n")
    with open(os.path.join(out_dir, "training.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")


def read_safetensors(path):
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, meta in header.items():
        if name == "__metadata__":
            continue
        if meta["dtype"] != "F32":
            sys.exit(f"{path}: {name} is {meta['dtype']}; --evaluate reads the trainer's own f32 "
                     "export (evaluate a quantised copy with `rbench run --engine builtin`)")
        b, e = meta["data_offsets"]
        out[name] = torch.frombuffer(bytearray(data[b:e]), dtype=torch.float32).view(meta["shape"])
    return out


def load_export(out_dir):
    """The model and tokenizer of an export, back in PyTorch (to evaluate a shipped checkpoint)."""
    with open(os.path.join(out_dir, "tokenizer.json"), encoding="utf-8") as f:
        merges = [tuple(m.split(" ")) for m in json.load(f)["model"]["merges"]]
    tok = Tokenizer(merges)
    with open(os.path.join(out_dir, "config.json")) as f:
        saved = json.load(f)
    model = Model(dict(CONFIG, vocab_size=saved["vocab_size"]))
    tensors = read_safetensors(os.path.join(out_dir, "model.safetensors"))
    with torch.no_grad():
        for name, t in hf_tensors(model):
            t.copy_(tensors[name])
    return model, tok


def count_parameters(model):
    c = model.c
    total = sum(p.numel() for n, p in model.named_parameters() if not n.startswith("mtp."))
    mtp = sum(p.numel() for n, p in model.named_parameters() if n.startswith("mtp."))
    expert = sum(p.numel() for p in model.moes()[0].experts[0].parameters())
    inactive = expert * (c["n_routed_experts"] - c["num_experts_per_tok"]) * len(
        [lay for lay in model.layers if isinstance(lay.mlp, Moe)])
    # The embedding is a lookup: one row per token is read, not the matrix.
    active = total - inactive - model.embed_tokens.weight.numel() + c["hidden_size"]
    return {"total": total, "active_per_token": active, "mtp_module": mtp}


# ----------------------------------------------------------------------------- main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True, help="checkpoint directory to write")
    ap.add_argument("--steps", type=int, default=1500)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=1000)
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1: reproducible, and no spinning when the cores are shared)")
    ap.add_argument("--mtp-weight", type=float, default=0.3, help="lambda of DeepSeek-V3's MTP loss")
    ap.add_argument("--eval-every", type=int, default=300)
    ap.add_argument("--eval-count", type=int, default=64)
    ap.add_argument("--final-count", type=int, default=200)
    ap.add_argument("--evaluate", action="store_true",
                    help="only evaluate the export in --out (greedy, PyTorch) and print accuracy")
    args = ap.parse_args()
    if args.evaluate:
        torch.set_num_threads(args.threads)
        model, tok = load_export(args.out)
        model.eval()
        print(json.dumps({"easy": accuracy(model, tok, arith_problems.split("easy", 200)),
                          "hard": accuracy(model, tok, arith_problems.split("hard", 100))}))
        return

    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    rng = random.Random(args.seed)
    started = time.time()

    easy = arith_problems.split("easy", 500)
    hard = arith_problems.split("hard", 200)
    held_out = {p["question"] for p in easy + hard}
    corpus_rng = random.Random(args.seed + 1)
    corpus = [chat_prompt(p["question"]) + arith_problems.response_text(p) + EOS
              for p in (arith_problems.training_problem(corpus_rng) for _ in range(5000))]
    tok = Tokenizer(train_bpe(corpus, 400))
    c = dict(CONFIG, vocab_size=tok.size)
    model = Model(c)
    params = count_parameters(model)
    print(f"vocab {tok.size}, parameters {params}", flush=True)

    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    other = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.05},
                             {"params": other, "weight_decay": 0.0}],
                            lr=args.lr, betas=(0.9, 0.95))
    warmup = 100
    history = []
    for step in range(1, args.steps + 1):
        lr = args.lr * min(1.0, step / warmup) * \
            (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, step / args.steps))))
        for g in opt.param_groups:
            g["lr"] = lr
        ids, mask = batch_of(tok, rng, args.batch, held_out)
        logits, mtp_logits = model(ids, with_mtp=True)
        # Main: position i predicts t_{i+1}; MTP: position i predicts t_{i+2}.
        main_loss = F.cross_entropy(logits[:, :-1][mask[:, 1:]], ids[:, 1:][mask[:, 1:]])
        mtp_loss = F.cross_entropy(mtp_logits[:, :-1][mask[:, 2:]], ids[:, 2:][mask[:, 2:]])
        loss = main_loss + args.mtp_weight * mtp_loss
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        for moe in model.moes():
            moe.balance(1e-3)
        if step % 50 == 0:
            print(f"step {step} loss {main_loss.item():.4f} mtp {mtp_loss.item():.4f} "
                  f"lr {lr:.2e} {time.time() - started:.0f}s", flush=True)
        if step % args.eval_every == 0 or step == args.steps:
            acc = accuracy(model, tok, easy[:args.eval_count])
            sample = greedy_batch(model, tok, [encode_example(tok, easy[0])[0]])[0]
            print(f"  {easy[0]['question']}\n  -> {sample!r}", flush=True)
            export(model, tok, args.out, {"step": step, "easy_accuracy": acc})
            history.append({"step": step, "easy_accuracy": acc,
                            "seconds": round(time.time() - started)})
            print(f"step {step} easy accuracy {acc:.3f}", flush=True)

    final = {"easy": accuracy(model, tok, easy[:args.final_count]),
             "hard": accuracy(model, tok, hard[:args.final_count // 4])}
    card = {"command": " ".join(["python3"] + sys.argv), "seed": args.seed,
            "steps": args.steps, "batch": args.batch, "threads": args.threads,
            "seconds": round(time.time() - started), "torch": torch.__version__,
            "parameters": params, "vocab_size": tok.size, "pytorch_accuracy": final,
            "history": history}
    export(model, tok, args.out, card)
    print(json.dumps(card, indent=2), flush=True)


if __name__ == "__main__":
    main()
