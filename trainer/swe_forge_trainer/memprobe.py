"""Measures the peak memory of one SFT step on CPU, to check the memory plan (core/memoryPlan.ts) against.

`python -m swe_forge_trainer.memprobe '{"hidden_size":256,...}'` prints one JSON line. What is measured: the process's
peak resident set (VmHWM, reset through /proc/self/clear_refs right before the measured step) minus its resident set
before the model existed. Run it with MALLOC_MMAP_THRESHOLD_=65536 so glibc serves every tensor from its own mapping
and returns it on free: the resident set then follows live tensor bytes instead of keeping freed heap pages. The
measured step is the second one, so AdamW's state exists, as in every step after the first. Kernels and libraries
are warmed up on a throwaway model before the baseline is taken, so their code pages are not counted.
"""

from __future__ import annotations

import json
import sys
import time

import torch

from . import lm_loss
from .distributed import LoraConfig, apply_lora
from .runtime import seed_everything


def _status(key: str) -> int:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith(key + ":"):
                return int(line.split()[1]) * 1024
    raise RuntimeError(f"no {key} in /proc/self/status")


def _reset_peak() -> None:
    with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
        fh.write("5")  # resets VmHWM to the current resident set


def build(spec: dict):
    from transformers import Qwen2Config, Qwen2ForCausalLM

    config = Qwen2Config(
        vocab_size=spec["vocab_size"],
        hidden_size=spec["hidden_size"],
        intermediate_size=spec["intermediate_size"],
        num_hidden_layers=spec["num_layers"],
        num_attention_heads=spec["num_heads"],
        num_key_value_heads=spec["num_kv_heads"],
        tie_word_embeddings=spec.get("tie_embeddings", False),
        max_position_embeddings=max(4096, spec["seq_len"]),
        use_cache=False,
    )
    model = Qwen2ForCausalLM(config)
    if spec.get("lora_rank"):
        model = apply_lora(model, LoraConfig(rank=spec["lora_rank"], alpha=2 * spec["lora_rank"]))
    if spec.get("gradient_checkpointing"):
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    model.train()
    return model


def step(model, optimizer, batch: dict, chunk: int) -> float:
    total, count = lm_loss.token_loss_sum(model, batch, chunk)
    loss = total / max(count, 1)
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)
    return float(loss)


def measure(spec: dict) -> dict:
    seed_everything(0)
    rows, seq = spec.get("micro_batch", 1), spec["seq_len"]
    ids = torch.randint(0, spec["vocab_size"], (rows, seq))
    batch = {"input_ids": ids, "labels": ids.clone(), "position_ids": torch.arange(seq).expand(rows, seq)}
    chunk = spec.get("logit_chunk", 4096)
    small = {"num_layers": 1, "hidden_size": 64, "intermediate_size": 128, "num_heads": 4, "num_kv_heads": 2}
    warm = build({**spec, **small})
    warm_batch = {**batch, "input_ids": ids % 64, "labels": ids % 64}
    step(warm, torch.optim.AdamW([p for p in warm.parameters() if p.requires_grad]), warm_batch, chunk)
    del warm
    baseline = _status("VmRSS")
    model = build(spec)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-4)
    step(model, optimizer, batch, chunk)
    _reset_peak()
    began = time.perf_counter()
    step(model, optimizer, batch, chunk)
    seconds = time.perf_counter() - began
    return {
        "peak_bytes": _status("VmHWM") - baseline,
        "baseline_bytes": baseline,
        "parameters": sum(p.numel() for p in model.parameters()),
        "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad),
        "step_seconds": seconds,
        "tokens_per_s": rows * seq / seconds,
    }


if __name__ == "__main__":
    torch.set_num_threads(int(__import__("os").environ.get("SWE_FORGE_TORCH_THREADS", "2")))
    print(json.dumps(measure(json.loads(sys.argv[1]))))
