"""The resumable training loop shared by `sft` and `train-verifier`."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch

from . import checkpoints, events
from .config import ConfigError, Field, non_negative, positive
from .runtime import STOP, Runtime, Terminated, load_model, load_tokenizer

log = events.log

COMMON_FIELDS = {
    "out_dir": Field("str", help="where checkpoints/ is written; an existing one is resumed"),
    "lr": Field("float", 1e-5, "AdamW learning rate", positive),
    "weight_decay": Field("float", 0.0, "AdamW weight decay", non_negative),
    "warmup_steps": Field("int", 0, "linear warm-up steps, then constant lr", non_negative),
    "grad_clip": Field("float", 1.0, "max global grad norm (0 = off)", non_negative),
    "save_every": Field("int", 50, "checkpoint every N steps (and at the end)", positive),
    "keep_checkpoints": Field("int", 2, "keep the newest N checkpoints (0 = all)", non_negative),
    "seed": Field("int", 0, "data order and init seed"),
    "gradient_checkpointing": Field("bool", False, "trade compute for activation memory"),
}


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


def prepare(rt: Runtime, command: str, cfg, rope_scaling: dict | None = None) -> Job:
    if rt.main:
        checkpoints.remove_partial(cfg.out_dir)
    if rt.distributed:
        torch.distributed.barrier()
    last = checkpoints.latest(cfg.out_dir)
    if last:
        state = checkpoints.read_state(last[1]) or {}
        if state.get("command") != command:
            raise ConfigError(
                f"config field '{command}.out_dir' holds checkpoints of '{state.get('command')}', not '{command}'"
            )
        log.info("resuming from %s (step %d)", last[1], last[0])
    source = last[1] if last else cfg.model
    # rope scaling is part of a resumed checkpoint's saved config already.
    model = load_model(source, rt, None if last else rope_scaling)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    tokenizer = load_tokenizer(source)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if last:
        checkpoints.load_optimizer(last[1], optimizer)
        checkpoints.restore_rng(last[1])
    return Job(rt, command, cfg, model, tokenizer, optimizer, last[0] if last else 0, last[1] if last else None)


def _save(job: Job, step: int, total: int) -> str | None:
    path = None
    if job.rt.main:
        state = {"command": job.command, "total_steps": total, "seed": job.cfg.seed, **job.state}
        path = checkpoints.save(
            job.cfg.out_dir, step, job.model, job.tokenizer, job.optimizer, state, job.cfg.keep_checkpoints
        )
        events.emit("checkpoint", step=step, path=path)
    if job.rt.distributed:
        torch.distributed.barrier()
    return path


def train(
    job: Job, total: int, batch_fn: Callable[[int], dict], loss_fn: Callable, module: torch.nn.Module | None = None
) -> tuple[str | None, dict]:
    """`module` is what loss_fn calls (default: the model); it must own job.model, which is what gets saved."""
    rt, cfg, model = job.rt, job.cfg, module or job.model
    if rt.distributed:
        model = torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[rt.local_rank] if rt.device.type == "cuda" else None
        )
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
        with rt.autocast():
            loss = loss_fn(model, batch)
        loss.backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip or float("inf"))
        job.optimizer.step()
        job.optimizer.zero_grad(set_to_none=True)
        step_loss = rt.all_reduce_sum(loss.item()) / rt.world_size
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
    return ckpt, metrics
