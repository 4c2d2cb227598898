"""`sft`: long-horizon supervised fine-tuning with the loss on assistant tokens only."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import torch

from . import data, events, lm_loss
from .config import ConfigError, Device, device_param, existing_file, model_dir, param, positive
from .loop import LoopConfig, prepare, train
from .runtime import STOP, init_runtime, seed_everything

log = events.log


def rope_problem(value: dict) -> str | None:
    kind = value.get("type", value.get("rope_type"))
    if not isinstance(kind, str):
        return 'needs a string "type" (e.g. "yarn")'
    factor = value.get("factor")
    if kind != "default" and (isinstance(factor, bool) or not isinstance(factor, (int, float)) or factor <= 0):
        return "needs a number factor > 0"
    return None


@dataclass(frozen=True, kw_only=True)
class SftConfig(LoopConfig):
    model: str = param(help="base model directory (HF format)", check=model_dir)
    data: str = param(help="JSONL of {messages:[...], tools?:[...]}", check=existing_file)
    steps: int | None = param(None, "optimizer steps (this or epochs)", positive)
    epochs: float | None = param(None, "passes over the data (this or steps)", positive)
    batch_size: int = param(1, "sequences per step per process", positive)
    max_seq_len: int = param(2048, "tokens per sequence; longer conversations are cut at the end", positive)
    packing: bool = param(False, "pack several conversations into one max_seq_len row")
    rope_scaling: dict[str, Any] | None = param(
        None, 'e.g. {"type":"yarn","factor":4.0,"original_max_position_embeddings":32768}', rope_problem
    )
    device: Device = device_param()


SPEC = SftConfig


def causal_lm_loss(model, batch: dict, chunk: int = 4096) -> tuple[torch.Tensor, int]:
    """(summed next-token cross-entropy over assistant tokens, their count); logits `chunk` tokens at a time."""
    return lm_loss.token_loss_sum(model, batch, chunk)


def total_steps(cfg, n_items: int, world_size: int, command: str) -> int:
    if (cfg.steps is None) == (cfg.epochs is None):
        raise ConfigError(f"config field '{command}.steps' or '{command}.epochs' is required (exactly one)")
    if cfg.steps is not None:
        return cfg.steps
    return max(1, math.ceil(cfg.epochs * data.steps_per_epoch(n_items, cfg.batch_size, world_size)))


def load_examples(cfg, tokenizer) -> tuple[list[data.Example], dict]:
    rows = data.read_jsonl(cfg.data, "sft.data")
    examples, truncated, empty = [], 0, 0
    for n, row in enumerate(rows, start=1):
        messages = data.check_messages(row.get("messages"), f"sft.data line {n}")
        tools = row.get("tools")
        if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
            raise ConfigError(f"sft.data line {n}: tools must be a list of tool specs")
        ex = data.encode_chat(tokenizer, messages, cfg.max_seq_len, tools or None)
        if all(label == data.IGNORE for label in ex.labels):
            empty += 1  # nothing to learn from: no assistant token survived truncation
            continue
        truncated += ex.truncated
        examples.append(ex)
    if not examples:
        raise ConfigError("sft.data: no row has an assistant token within max_seq_len")
    return examples, {"rows": len(rows), "rows_truncated": truncated, "rows_without_assistant_tokens": empty}


def run(cfg) -> None:
    STOP.defer()
    rt = init_runtime(cfg.device, "sft.device")
    seed_everything(cfg.seed)
    job = prepare(rt, "sft", cfg, cfg.rope_scaling)
    examples, stats = load_examples(cfg, job.tokenizer)
    if cfg.packing:
        packed = data.pack(examples, cfg.max_seq_len)
        items, positions = [p[0] for p in packed], [p[1] for p in packed]
    else:
        items, positions = examples, None
    total = total_steps(cfg, len(items), rt.world_size, "sft")
    pad = job.tokenizer.pad_token_id

    def batch_fn(step: int) -> dict:
        idx = data.batch_indices(len(items), cfg.batch_size, step, cfg.seed, rt.rank, rt.world_size)
        return data.collate([items[i] for i in idx], pad, [positions[i] for i in idx] if positions else None)

    log.info("sft: %d sequences, %d steps (starting at %d)", len(items), total, job.start_step)
    ckpt, metrics = train(job, total, batch_fn, lambda m, b: causal_lm_loss(m, b, cfg.logit_chunk))
    events.emit("done", checkpoint=ckpt, metrics={**metrics, **stats, "sequences": len(items)})
