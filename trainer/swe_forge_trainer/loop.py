"""The resumable training loop shared by `sft` and `train-verifier`.

Each step takes this rank's rows, runs them `micro_batch_size` at a time (gradient accumulation) and makes one
optimizer step. A loss function returns either a mean (a tensor) or `(sum, count)`: sums are divided by the count
over every micro-batch of every rank, so N ranks compute exactly the loss of one process on the whole batch.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from . import checkpoints, distributed, events
from .config import ConfigError, non_negative, param, positive
from .data import IGNORE
from .runtime import STOP, Runtime, Terminated, load_tokenizer

log = events.log

@dataclass(frozen=True, kw_only=True)
class LoopConfig(distributed.SetupConfig):
    """The fields `sft` and `train-verifier` share: output, optimizer, checkpoints."""

    out_dir: str = param(help="where checkpoints/ is written; an existing one is resumed")
    lr: float = param(1e-5, "AdamW learning rate", positive)
    weight_decay: float = param(0.0, "AdamW weight decay", non_negative)
    warmup_steps: int = param(0, "linear warm-up steps, then constant lr", non_negative)
    grad_clip: float = param(1.0, "max global grad norm (0 = off)", non_negative)
    save_every: int = param(50, "checkpoint every N steps (and at the end)", positive)
    keep_checkpoints: int = param(2, "keep the newest N checkpoints (0 = all)", non_negative)
    seed: int = param(0, "data order and init seed")
    gradient_checkpointing: bool = param(False, "trade compute for activation memory")
    micro_batch_size: int | None = param(None, "rows per forward/backward (default: all of batch_size)", positive)


@dataclass
class Job:
    rt: Runtime
    command: str
    cfg: object
    model: torch.nn.Module
    tokenizer: object
    optimizer: torch.optim.Optimizer
    start_step: int
    last_ckpt: str | None
    state: dict = field(default_factory=dict)


def prepare(rt: Runtime, command: str, cfg, rope_scaling: dict | None = None, wrap: bool = True) -> Job:
    if rt.main:
        checkpoints.remove_partial(cfg.out_dir)
    if rt.distributed:
        torch.distributed.barrier()
    last = checkpoints.latest(cfg.out_dir)
    state: dict = {}
    if last:
        state = checkpoints.read_state(last[1]) or {}
        if state.get("command") != command:
            raise ConfigError(
                f"config field '{command}.out_dir' holds checkpoints of '{state.get('command')}', not '{command}'"
            )
        log.info("resuming from %s (step %d)", last[1], last[0])
    adapter = os.path.join(last[1], "adapter") if last and state.get("lora") else None
    # A LoRA checkpoint resumes as base + adapter; a full one carries its rope scaling in its config already.
    source = state.get("base_model") if adapter else (last[1] if last else cfg.model)
    model = distributed.load_for_training(source, rt, cfg, rope_scaling if adapter or not last else None, adapter, wrap)
    tokenizer = load_tokenizer(last[1] if last else cfg.model)
    optimizer = make_optimizer(model, cfg, last[1] if last else None)
    if last:
        checkpoints.restore_rng(last[1])
    return Job(rt, command, cfg, model, tokenizer, optimizer, last[0] if last else 0, last[1] if last else None)


def make_optimizer(model, cfg, checkpoint: str | None) -> torch.optim.Optimizer:
    optimizer = torch.optim.AdamW(distributed.trainable(model), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if checkpoint:
        checkpoints.load_optimizer(checkpoint, optimizer, model)
    return optimizer


def _save(job: Job, step: int, total: int) -> str | None:
    full = checkpoints.gather_state(job.model, job.optimizer)  # a collective under FSDP: every rank takes part
    path = None
    if job.rt.main:
        state = {"command": job.command, "total_steps": total, "seed": job.cfg.seed, **job.state}
        path = checkpoints.save(
            job.cfg.out_dir, step, job.model, job.tokenizer, job.optimizer, state, job.cfg.keep_checkpoints, full
        )
        events.emit("checkpoint", step=step, path=path)
    if job.rt.distributed:
        torch.distributed.barrier()
    return path


def split_rows(batch: dict, size: int | None) -> list[dict]:
    rows = next(iter(batch.values())).shape[0]
    size = size or rows
    return [{k: v[i : i + size] for k, v in batch.items()} for i in range(0, rows, size)]


def labelled(batch: dict) -> int:
    return int((batch["labels"][:, 1:] != IGNORE).sum().item()) if "labels" in batch else 0


def accumulate(job: Job, model, micro: list[dict], loss_fn: Callable) -> float:
    """Forward/backward over this rank's micro-batches; returns the step's loss over every rank."""
    rt, scale = job.rt, distributed.grad_scale(job.rt)
    count = rt.all_reduce_sum(float(sum(labelled(b) for b in micro)))
    n_micro = rt.all_reduce_sum(float(len(micro)))
    loss_sum = 0.0
    for b in micro:
        with rt.autocast(), distributed.activation_context(job.cfg):
            out = loss_fn(model, b)
        # (sum, count): normalised by the labelled tokens of the whole global batch; a mean: by the micro-batches.
        loss = out[0] / max(count, 1.0) if isinstance(out, tuple) else out / n_micro
        (loss * scale).backward()
        loss_sum += loss.item()
    return rt.all_reduce_sum(loss_sum)


def train(
    job: Job, total: int, batch_fn: Callable[[int], dict], loss_fn: Callable, module: torch.nn.Module | None = None
) -> tuple[str | None, dict]:
    """`module` is what loss_fn calls (default: the model); it must own job.model, which is what gets saved."""
    rt, cfg, model = job.rt, job.cfg, module or job.model
    if module is not None and rt.distributed:
        model = distributed.wrap(module, rt, cfg)
        # Sharding swapped the parameters for sharded ones: the optimizer must step those.
        job.optimizer = make_optimizer(job.model, cfg, job.last_ckpt)
    model.train()
    saved_step, ckpt = job.start_step, job.last_ckpt
    metrics = {"resumed_from_step": job.start_step, "tokens": 0, "loss": None}
    began = time.perf_counter()
    for step in range(job.start_step, total):
        if STOP.should_stop(rt):
            if step > saved_step:
                ckpt = _save(job, step, total)
            elif ckpt is not None and rt.main:
                events.emit("checkpoint", step=saved_step, path=ckpt)
            raise Terminated()
        t0 = time.perf_counter()
        batch = {k: v.to(rt.device) for k, v in batch_fn(step).items()}
        lr = cfg.lr * min(1.0, (step + 1) / cfg.warmup_steps) if cfg.warmup_steps else cfg.lr
        for group in job.optimizer.param_groups:
            group["lr"] = lr
        step_loss = accumulate(job, model, split_rows(batch, cfg.micro_batch_size), loss_fn)
        grad_norm = distributed.clip_grad_norm(job.model, cfg.grad_clip)
        job.optimizer.step()
        job.optimizer.zero_grad(set_to_none=True)
        tokens = int(rt.all_reduce_sum(batch["attention_mask"].sum().item()))
        elapsed = time.perf_counter() - t0
        metrics.update(loss=step_loss, grad_norm=float(grad_norm), lr=lr)
        metrics["tokens"] += tokens
        events.emit(
            "progress", step=step + 1, total_steps=total, loss=step_loss, tokens_per_s=tokens / max(elapsed, 1e-9)
        )
        if (step + 1) % cfg.save_every == 0 or step + 1 == total:
            ckpt, saved_step = _save(job, step + 1, total), step + 1
    wall = time.perf_counter() - began
    metrics.update(steps=total, train_seconds=wall, tokens_per_s=metrics["tokens"] / max(wall, 1e-9))
    metrics.update(world_size=rt.world_size, sharded=distributed.is_sharded(job.model))
    return ckpt, metrics
