"""YaRN in the rotary embedding itself, not only in config.json, and applied once across SFT rounds.

The expected frequencies are computed here from the YaRN paper (Peng et al., 2023, "YaRN: Efficient Context Window
Extension"; the NTK-by-parts ramp with beta_fast 32, beta_slow 1, and attention temperature 0.1 ln(s) + 1), not by
calling transformers' rope init, so a config the model silently ignores or reads differently fails here.
"""

import json
import math
import os

import pytest
import torch
from conftest import CONVERSATIONS, run_inprocess, write_jsonl

from swe_forge_trainer import sft
from swe_forge_trainer.config import ConfigError
from swe_forge_trainer.runtime import Runtime, load_model

CPU = Runtime(device=torch.device("cpu"))


def yarn_inv_freq(dim: int, base: float, factor: float, original: int) -> torch.Tensor:
    """inv_freq by YaRN's NTK-by-parts: dimensions that rotate more than beta_fast = 32 times over the original
    context keep their frequency, those under beta_slow = 1 are divided by the factor, a linear ramp between."""

    def correction_dim(rotations: float) -> float:
        return (dim * math.log(original / (rotations * 2 * math.pi))) / (2 * math.log(base))

    low = max(math.floor(correction_dim(32)), 0)
    high = min(math.ceil(correction_dim(1)), dim - 1)
    extrapolated = [1.0 / base ** (2 * i / dim) for i in range(dim // 2)]
    out = []
    for i, f in enumerate(extrapolated):
        ramp = min(max((i - low) / max(high - low, 0.001), 0.0), 1.0)  # 0: keep the frequency, 1: interpolate
        out.append(f / factor * ramp + f * (1 - ramp))
    return torch.tensor(out, dtype=torch.float64)


def rotary(model):
    return model.model.rotary_emb


def rope_theta(config) -> float:
    params = getattr(config, "rope_parameters", None) or {}
    return float(params.get("rope_theta") or getattr(config, "rope_theta", 10000.0))


def test_the_rotary_embedding_is_yarn_as_the_paper_defines_it(tiny_model):
    plain = load_model(tiny_model, CPU)
    head_dim = plain.config.hidden_size // plain.config.num_attention_heads
    base, original = rope_theta(plain.config), plain.config.max_position_embeddings
    default = torch.tensor([1.0 / base ** (2 * i / head_dim) for i in range(head_dim // 2)], dtype=torch.float64)
    assert torch.allclose(rotary(plain).inv_freq.double(), default, rtol=1e-5)
    assert rotary(plain).attention_scaling == 1.0

    model = load_model(tiny_model, CPU, {"type": "yarn", "factor": 4.0, "original_max_position_embeddings": original})
    assert model.config.max_position_embeddings == 4 * original
    got = rotary(model).inv_freq.double()
    want = yarn_inv_freq(head_dim, base, 4.0, original)
    assert torch.allclose(got, want, rtol=1e-5), (got, want)
    # Not a plain linear stretch: the fastest dimensions keep their frequency, the slowest are divided by 4.
    assert got[0].item() == pytest.approx(default[0].item(), rel=1e-5)
    assert got[-1].item() == pytest.approx(default[-1].item() / 4, rel=1e-5)
    assert rotary(model).attention_scaling == pytest.approx(0.1 * math.log(4.0) + 1.0, rel=1e-6)


def test_a_second_sft_round_does_not_apply_yarn_again(tiny_model, tmp_path, capfd):
    data = write_jsonl(tmp_path / "sft.jsonl", [{"messages": m} for m in CONVERSATIONS])
    original = load_model(tiny_model, CPU).config.max_position_embeddings
    rope = {"type": "yarn", "factor": 2.0, "original_max_position_embeddings": original}

    def sft_round(model, out, rope_scaling):
        raw = {"model": model, "data": str(data), "out_dir": str(tmp_path / out), "steps": 1, "batch_size": 1,
               "max_seq_len": 128, "lr": 1e-4, "device": "cpu", "rope_scaling": rope_scaling}  # fmt: skip
        return run_inprocess(sft, "sft", raw, capfd)[-1]["checkpoint"]

    round1 = sft_round(tiny_model, "r1", rope)
    cfg1 = json.load(open(os.path.join(round1, "config.json")))
    assert cfg1["max_position_embeddings"] == 2 * original
    once = rotary(load_model(round1, CPU))
    head_dim = cfg1["hidden_size"] // cfg1["num_attention_heads"]
    want = yarn_inv_freq(head_dim, rope_theta(load_model(round1, CPU).config), 2.0, original)
    assert torch.allclose(once.inv_freq.double(), want, rtol=1e-5)

    # Round 2 starts from round 1's checkpoint. The activity sends no rope_scaling for the factor it already has:
    # the rotary embedding and the context are round 1's.
    round2 = sft_round(round1, "r2", None)
    cfg2 = json.load(open(os.path.join(round2, "config.json")))
    assert cfg2["max_position_embeddings"] == 2 * original
    again = rotary(load_model(round2, CPU))
    assert torch.equal(again.inv_freq, once.inv_freq) and again.attention_scaling == once.attention_scaling

    # What the activity used to send: YaRN over the already stretched length. Refused, naming the original.
    stacked = {"type": "yarn", "factor": 2.0, "original_max_position_embeddings": 2 * original}
    with pytest.raises(ConfigError, match=rf"already has YaRN .* pass original_max_position_embeddings {original}"):
        sft_round(round1, "r3", stacked)
    # A new factor over the original length replaces the old one (it does not multiply it).
    model = load_model(round1, CPU, {**rope, "factor": 4.0})
    assert model.config.max_position_embeddings == 4 * original
    assert torch.allclose(rotary(model).inv_freq.double(), yarn_inv_freq(head_dim, rope_theta(model.config), 4.0,
                                                                         original), rtol=1e-5)  # fmt: skip
