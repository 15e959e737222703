"""Self-tests of the DeepSeek reference on tiny random checkpoints.

Run: /usr/bin/python3 -m unittest discover -s tests/engines/reference -v
"""
import cmath
import json
import math
import os
import subprocess
import sys
import tempfile
import unittest

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import deepseek_reference as ref  # noqa: E402
import make_random_checkpoint as mk  # noqa: E402

VARIANTS = ["v3", "v2-lite", "v2", "dense"]
TOKENS = [5, 17, 42, 99, 250, 3, 7, 150]


def run_cli(model, tokens, *extra):
    cmd = [sys.executable, os.path.join(HERE, "deepseek_reference.py"), "--model", model,
           "--tokens", ",".join(map(str, tokens)), *extra]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)["logits"]


def rel_err(a, b):
    return float((a.double() - b.double()).abs().max() / b.double().abs().max())


class ReferenceTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        torch.set_grad_enabled(False)
        cls.tmp = tempfile.TemporaryDirectory()
        cls.dirs, cls.orig = {}, {}
        for v in VARIANTS:
            cls.dirs[v] = os.path.join(cls.tmp.name, v)
            _, cls.orig[v] = mk.write_checkpoint(cls.dirs[v], v, seed=1)
        cls.logits64 = {v: ref.forward(cls.dirs[v], TOKENS) for v in VARIANTS}

    @classmethod
    def tearDownClass(cls):
        cls.tmp.cleanup()

    def sub(self, name):
        return os.path.join(self.tmp.name, name)

    # (1) ---------------------------------------------------------------
    def test_cli_last_position_equals_last_row_of_all_positions(self):
        for v in ["v3", "v2"]:
            last = run_cli(self.dirs[v], TOKENS)
            rows = run_cli(self.dirs[v], TOKENS, "--all-positions")
            self.assertEqual(len(rows), len(TOKENS))
            self.assertEqual(last, rows[-1], v)
            self.assertTrue(torch.allclose(torch.tensor(rows, dtype=torch.float64), self.logits64[v],
                                           rtol=0, atol=1e-12))

    # (2) ---------------------------------------------------------------
    def test_causal(self):
        for v in VARIANTS:
            k = 3
            changed = TOKENS[:k + 1] + [t + 1 for t in TOKENS[k + 1:]]
            other = ref.forward(self.dirs[v], changed)
            self.assertTrue(torch.allclose(other[:k + 1], self.logits64[v][:k + 1], rtol=1e-12, atol=1e-12), v)
            self.assertFalse(torch.allclose(other[k + 1:], self.logits64[v][k + 1:]), v)
            prefix = ref.forward(self.dirs[v], TOKENS[:k + 1])
            self.assertTrue(torch.allclose(prefix, self.logits64[v][:k + 1], rtol=1e-12, atol=1e-12), v)

    # (3) second, naive implementations -----------------------------------
    @staticmethod
    def naive_route(cfg, logits, bias, noaux_mask="neg_inf"):
        """Explicit loops: returns per token a dict expert -> weight."""
        E, k = logits.shape[1], cfg["num_experts_per_tok"]
        G = cfg.get("n_group") or 1
        per = E // G
        out = []
        for row_i, row in enumerate(logits.tolist()):
            if cfg["scoring_func"] == "softmax":
                m = max(row)
                ex = [math.exp(x - m) for x in row]
                scores = [x / sum(ex) for x in ex]
            else:
                scores = [1 / (1 + math.exp(-x)) for x in row]
            method = cfg["topk_method"]
            choice = [s + (bias[e] if method == "noaux_tc" else 0.0) for e, s in enumerate(scores)]
            allowed = list(range(E))
            if method in ("group_limited_greedy", "noaux_tc"):
                gscore = []
                for g in range(G):
                    members = sorted(choice[g * per:(g + 1) * per], reverse=True)
                    gscore.append(members[0] if method == "group_limited_greedy" else members[0] + members[1])
                kept = sorted(range(G), key=lambda g: -gscore[g])[:cfg["topk_group"]]
                allowed = [e for e in range(E) if e // per in kept]
            if method == "noaux_tc" and noaux_mask == "zero":
                cand = [(choice[e] if e in allowed else 0.0, e) for e in range(E)]
            else:
                cand = [(choice[e], e) for e in allowed]
            picked = [e for _, e in sorted(cand, reverse=True)[:k]]
            w = {e: scores[e] for e in picked}
            norm = k > 1 and cfg["norm_topk_prob"]
            if norm:
                total = sum(w.values()) + 1e-20
                w = {e: x / total for e, x in w.items()}
            if cfg["model_type"] == "deepseek_v3" or not norm:
                w = {e: x * cfg["routed_scaling_factor"] for e, x in w.items()}
            out.append(w)
        return out

    def check_route(self, cfg, logits, bias, mask="neg_inf"):
        idx, weight = ref.route(cfg, logits, bias, mask)
        expected = self.naive_route(cfg, logits, None if bias is None else bias.tolist(), mask)
        for t, exp in enumerate(expected):
            got = dict(zip(idx[t].tolist(), weight[t].tolist()))
            self.assertEqual(set(got), set(exp), f"token {t}")
            for e in exp:
                self.assertAlmostEqual(got[e], exp[e], delta=1e-12)

    def test_gate_against_naive_loops(self):
        gen = torch.Generator().manual_seed(7)
        for v in ["v3", "v2-lite", "v2"]:
            cfg = mk.make_config(v)
            E = cfg["n_routed_experts"]
            logits = 2 * torch.randn(64, E, generator=gen, dtype=torch.float64)
            bias = torch.randn(E, generator=gen, dtype=torch.float64) if cfg["topk_method"] == "noaux_tc" else None
            self.check_route(cfg, logits, bias)
            if bias is not None:
                # Small biases keep every biased score positive: then the 0.0 mask of the
                # first V3 release and the -inf mask of V3-0324 choose the same experts.
                self.check_route(cfg, logits, 0.1 * bias, "zero")
                self.check_route(cfg, logits, 0.1 * bias, "neg_inf")
                # Negative biases: -inf never picks an expert of a dropped group, 0.0 does
                # (several then tie at 0.0, so compare groups, not expert ids).
                bias = bias - 2.0
                self.check_route(cfg, logits, bias)
                a, _ = ref.route(cfg, logits, bias, "neg_inf")
                b, _ = ref.route(cfg, logits, bias, "zero")
                self.assertFalse(torch.equal(a.sort(-1).values, b.sort(-1).values))
        # V2 with norm_topk_prob false scales, with it true does not; V3 always scales.
        cfg = dict(mk.make_config("v2"), norm_topk_prob=False)
        self.check_route(cfg, torch.randn(8, 8, generator=gen, dtype=torch.float64), None)

    def test_yarn_inv_freq_against_formula(self):
        for v in ["v3", "v2", "dense"]:
            cfg = mk.make_config(v)
            rs, dim, base = cfg["rope_scaling"], cfg["qk_rope_head_dim"], cfg["rope_theta"]
            L, f = rs["original_max_position_embeddings"], rs["factor"]

            def pair_index_with_rotations(rot):
                # Pair i turns L * base^(-2i/dim) / (2 pi) times over L positions; solve for i.
                return dim / 2 * math.log(L / (2 * math.pi * rot)) / math.log(base)

            low = max(math.floor(pair_index_with_rotations(rs["beta_fast"])), 0)
            high = min(math.ceil(pair_index_with_rotations(rs["beta_slow"])), dim - 1)
            got, msc = ref.rope_inv_freq_and_mscale(cfg)
            for i in range(dim // 2):
                theta = base ** (-2 * i / dim)
                t = 0.0 if i <= low else 1.0 if i >= high else (i - low) / (high - low)
                # t = 0: keep the original frequency (fast pairs), t = 1: interpolate by 1/factor.
                self.assertAlmostEqual(got[i].item(), theta * (1 - t) + theta / f * t, delta=1e-15)
            m = lambda mscale: 0.1 * mscale * math.log(f) + 1.0  # noqa: E731
            self.assertAlmostEqual(msc, m(rs["mscale"]) / m(rs["mscale_all_dim"]), delta=1e-15)
            self.assertAlmostEqual(ref.softmax_scale(cfg), (24 ** -0.5) * m(rs["mscale_all_dim"]) ** 2, delta=1e-15)
        plain = mk.make_config("v2-lite")
        inv, msc = ref.rope_inv_freq_and_mscale(plain)
        self.assertEqual(msc, 1.0)
        self.assertTrue(torch.allclose(inv, torch.tensor([10000.0 ** (-2 * i / 8) for i in range(4)],
                                                         dtype=torch.float64), rtol=1e-15))

    def naive_attention(self, cfg, W, p, x):
        """Loops over positions and heads; RoPE as complex rotation of the checkpoint's
        interleaved pairs (x[2i] + j x[2i+1]) * mscale * e^{j pos inv_freq[i]}, the form
        of DeepSeek's own inference/model.py, instead of de-interleave + rotate_half."""
        n, Hh = x.shape[0], cfg["num_attention_heads"]
        nope, rope, vd, r = cfg["qk_nope_head_dim"], cfg["qk_rope_head_dim"], cfg["v_head_dim"], cfg["kv_lora_rank"]
        inv_freq, msc = ref.rope_inv_freq_and_mscale(cfg)
        scale = ref.softmax_scale(cfg)

        def rms(vec, w):
            return vec / math.sqrt(float((vec * vec).mean()) + 1e-6) * w

        def rot(vec, pos):
            return [complex(vec[2 * i], vec[2 * i + 1]) * msc * cmath.exp(1j * pos * inv_freq[i].item())
                    for i in range(rope // 2)]

        qs, ks, vs = [], [], []
        for t in range(n):
            if cfg["q_lora_rank"] is None:
                q = W(p + "q_proj.weight") @ x[t]
            else:
                q = W(p + "q_b_proj.weight") @ rms(W(p + "q_a_proj.weight") @ x[t], W(p + "q_a_layernorm.weight"))
            ckv = W(p + "kv_a_proj_with_mqa.weight") @ x[t]
            kv = W(p + "kv_b_proj.weight") @ rms(ckv[:r], W(p + "kv_a_layernorm.weight"))
            k_pe = rot(ckv[r:].tolist(), t)
            qs.append([(q[h * (nope + rope):h * (nope + rope) + nope], rot(q[h * (nope + rope) + nope:(h + 1) * (nope + rope)].tolist(), t)) for h in range(Hh)])
            ks.append([(kv[h * (nope + vd):h * (nope + vd) + nope], k_pe) for h in range(Hh)])
            vs.append([kv[h * (nope + vd) + nope:(h + 1) * (nope + vd)] for h in range(Hh)])
        out = torch.zeros(n, Hh * vd, dtype=torch.float64)
        for t in range(n):
            for h in range(Hh):
                qn, qp = qs[t][h]
                sc = []
                for s in range(t + 1):  # causal
                    kn, kp = ks[s][h]
                    pe = sum((a * b.conjugate()).real for a, b in zip(qp, kp))  # Re(q conj(k)) = dot product
                    sc.append((float(qn @ kn) + pe) * scale)
                m = max(sc)
                e = [math.exp(v - m) for v in sc]
                out[t, h * vd:(h + 1) * vd] = sum(e[s] / sum(e) * vs[s][h] for s in range(t + 1))
        return out @ W(p + "o_proj.weight").T

    def test_attention_against_naive_loops(self):
        gen = torch.Generator().manual_seed(3)
        for v in ["v3", "v2-lite", "dense"]:
            with open(os.path.join(self.dirs[v], "config.json")) as f:
                cfg = json.load(f)
            W = ref.Weights(ref.Checkpoint(self.dirs[v]), torch.float64)
            x = torch.randn(6, cfg["hidden_size"], generator=gen, dtype=torch.float64)
            cos, sin = ref.rope_cos_sin(cfg, 6, torch.float64)
            got = ref.attention(cfg, W, "model.layers.1.self_attn.", x, cos, sin)
            want = self.naive_attention(cfg, W, "model.layers.1.self_attn.", x)
            self.assertLess(rel_err(got, want), 1e-12, v)

    # (4) ---------------------------------------------------------------
    def test_float32_matches_float64(self):
        for v in VARIANTS:
            f32 = ref.forward(self.dirs[v], TOKENS, torch.float32)
            self.assertEqual(f32.dtype, torch.float32)
            self.assertLess(rel_err(f32, self.logits64[v]), 1e-5, v)

    # (5) ---------------------------------------------------------------
    def test_fp8_block_dequantisation(self):
        d = self.sub("v3-fp8")
        block = (16, 32)  # not square, and several blocks per matrix, so i/j mix-ups show
        cfg, orig = mk.write_checkpoint(d, "v3", fp8_block=block, seed=1)
        ck = ref.Checkpoint(d, block)
        checked = 0
        for name, w in orig.items():
            if not mk.is_fp8_weight(name):
                continue
            self.assertEqual(ck.entries[name][2]["dtype"], "F8_E4M3")
            mm, base, info = ck.entries[name]
            b, e = info["data_offsets"]
            codes = mm[base + b:base + e]
            scale = ck.get(name + "_scale_inv", torch.float64)
            got = ck.get(name, torch.float64)
            rows, cols = w.shape
            # Independent decode of a few bytes per block, by the bit formula.
            for i in range(0, rows, 7):
                for j in range(0, cols, 5):
                    c = codes[i * cols + j]
                    ex, man = (c >> 3) & 15, c & 7
                    val = (man / 8 * 2.0 ** -6) if ex == 0 else (1 + man / 8) * 2.0 ** (ex - 7)
                    val *= -1 if c & 0x80 else 1
                    s = scale[i // block[0], j // block[1]].item()
                    self.assertEqual(got[i, j].item(), val * s)
                    # Within e4m3's precision: half a step of a 3-bit mantissa, or half
                    # the subnormal step 2^-9 scaled, whichever is larger.
                    self.assertLessEqual(abs(val * s - w[i, j].item()),
                                         max(abs(w[i, j].item()) * 2.0 ** -4, 2.0 ** -10 * s) * (1 + 1e-6))
            err = ((got - w.double()).abs() / (w.double().abs() + 1e-3)).max()
            self.assertLess(err, 2.0 ** -4 + 1e-6)
            checked += 1
        self.assertGreater(checked, 20)
        # The whole model on exact dequantised weights (stored as F64) gives the same logits,
        # and the quantised model stays near the unquantised one.
        exact = self.sub("v3-dequant")
        tensors = {n: ("F64", ck.get(n, torch.float64)) for n in ck.entries if not n.endswith("_scale_inv")}
        os.makedirs(exact, exist_ok=True)
        mk.write_safetensors(os.path.join(exact, "model.safetensors"), tensors)
        cfg.pop("quantization_config")
        with open(os.path.join(exact, "config.json"), "w") as f:
            json.dump(cfg, f)
        fp8 = ref.forward(d, TOKENS)
        self.assertLess(rel_err(fp8, ref.forward(exact, TOKENS)), 1e-13)
        # (No closeness test against the unquantised model: e4m3 noise flips routing
        # choices in this random model, which moves some logits by ~50%.)
        self.assertEqual(ref.e4m3fn_table()[0x7E].item(), 448.0)
        self.assertTrue(math.isnan(ref.e4m3fn_table()[0xFF].item()))
        self.assertEqual(ref.e4m3fn_table()[0x01].item(), 2.0 ** -9)

    # loader and checkpoint layout ----------------------------------------
    def test_bf16_sharded_and_mtp(self):
        d = self.sub("v3-bf16")
        _, orig = mk.write_checkpoint(d, "v3", dtype="BF16", seed=1)
        ck = ref.Checkpoint(d)
        for name in ["model.embed_tokens.weight", "model.layers.2.mlp.experts.5.up_proj.weight"]:
            want = orig[name].to(torch.bfloat16).double()
            self.assertTrue(torch.equal(ck.get(name, torch.float64), want))
        bf16 = ref.forward(d, TOKENS)
        self.assertEqual(tuple(bf16.shape), (len(TOKENS), 300))
        self.assertTrue(bool(torch.isfinite(bf16).all()))
        # Sharded with an MTP layer (huge weights at index num_hidden_layers): same logits.
        d = self.sub("v3-sharded")
        mk.write_checkpoint(d, "v3", shards=3, mtp=True, seed=1)
        self.assertTrue(os.path.exists(os.path.join(d, "model.safetensors.index.json")))
        self.assertTrue(torch.equal(ref.forward(d, TOKENS), self.logits64["v3"]))


if __name__ == "__main__":
    unittest.main()
