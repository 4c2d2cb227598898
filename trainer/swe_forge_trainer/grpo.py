"""`grpo-step`: one SWE-Master GRPO update from a batch of scored trajectories.

loss = -(1 / (n_groups * G * L_max)) * sum_i sum_t min(rho_it * A_i, clip(rho_it, 1 - eps_low, 1 + eps_high) * A_i)
over assistant tokens only, no KL term. Advantages come precomputed (leave-one-out) from the TypeScript side.
"""

from __future__ import annotations

import math
import os
import time

import torch

from . import checkpoints, data, events
from .config import ConfigError, Field, device_field, existing_file, model_dir, non_negative, positive
from .runtime import STOP, Terminated, init_runtime, load_model, load_tokenizer, seed_everything

log = events.log

SPEC = {
    "model": Field("str", help="current policy directory (a checkpoint or the SFT model)", check=model_dir),
    "out_dir": Field("str", help="the new checkpoint goes to out_dir/checkpoints/step-N"),
    "batch": Field("str", help="JSONL of {messages, advantage, masked, group}", check=existing_file),
    "eps_low": Field("float", 0.2, "lower clip range", non_negative),
    "eps_high": Field("float", 0.28, "upper clip range (clip-higher)", non_negative),
    "l_max": Field("int", help="constant length normaliser L_max (max response tokens)", check=positive),
    "group_size": Field("int", help="G, samples per task", check=positive),
    "lr": Field("float", 1e-6, "AdamW learning rate", positive),
    "weight_decay": Field("float", 0.0, "AdamW weight decay", non_negative),
    "grad_clip": Field("float", 1.0, "max global grad norm (0 = off)", non_negative),
    "ppo_epochs": Field("int", 1, "optimizer steps over the same batch", positive),
    "micro_batch_size": Field("int", 1, "rows per forward/backward (gradient accumulation)", positive),
    "max_seq_len": Field("int", None, "cut longer trajectories at the end (default: no cut)", positive),
    "keep_checkpoints": Field("int", 2, "keep the newest N checkpoints in out_dir (0 = all)", non_negative),
    "seed": Field("int", 0, "seed"),
    "gradient_checkpointing": Field("bool", False, "trade compute for activation memory"),
    "device": device_field(),
}


def read_batch(cfg) -> tuple[list[dict], int]:
    rows, used, masked = data.read_jsonl(cfg.batch, "grpo-step.batch"), [], 0
    for n, row in enumerate(rows, start=1):
        where = f"grpo-step.batch line {n}"
        if not isinstance(row.get("masked", False), bool):
            raise ConfigError(f"{where}.masked must be true or false")
        if row.get("masked", False):
            masked += 1  # infrastructure error: neither reward nor blame
            continue
        adv = row.get("advantage")
        if isinstance(adv, bool) or not isinstance(adv, (int, float)) or not math.isfinite(adv):
            raise ConfigError(f"{where}.advantage must be a finite number")
        if not isinstance(row.get("group"), str):
            raise ConfigError(f"{where}.group must be a string")
        used.append(
            {
                "messages": data.check_messages(row.get("messages"), where),
                "advantage": float(adv),
                "group": row["group"],
            }
        )
    sizes: dict[str, int] = {}
    for r in used:
        sizes[r["group"]] = sizes.get(r["group"], 0) + 1
    for group, size in sizes.items():
        if size > cfg.group_size:
            raise ConfigError(
                f"config field 'grpo-step.group_size' is {cfg.group_size} but group {group!r} has {size} rows"
            )
    return used, masked


def token_logprobs(model, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    logits = model(input_ids=batch["input_ids"], position_ids=batch["position_ids"]).logits[:, :-1].float()
    labels = batch["labels"][:, 1:]
    lp = torch.log_softmax(logits, dim=-1).gather(-1, labels.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return lp, labels != data.IGNORE


def clipped_objective(ratio, adv, mask, eps_low: float, eps_high: float, denom: float) -> torch.Tensor:
    """The loss of one micro-batch: -(1/denom) * sum over unmasked tokens of the clipped surrogate."""
    surrogate = torch.minimum(ratio * adv, ratio.clamp(1 - eps_low, 1 + eps_high) * adv)
    return -(surrogate * mask).sum() / denom


def _reduce_grads(model, rt) -> None:
    # Ranks may hold different numbers of micro-batches, so DDP's per-backward hooks would deadlock; summing
    # the accumulated gradients once keeps the loss a global sum over every rank's rows.
    for p in model.parameters():
        if p.grad is None:
            p.grad = torch.zeros_like(p)
        torch.distributed.all_reduce(p.grad)


def run(cfg) -> None:
    STOP.defer()
    rt = init_runtime(cfg.device, "grpo-step.device")
    seed_everything(cfg.seed)
    used, masked = read_batch(cfg)
    base = {"rows_used": len(used), "rows_masked": masked}
    if not used:
        log.warning("every row is masked: no update, the policy stays %s", cfg.model)
        events.emit(
            "done",
            checkpoint=os.path.abspath(cfg.model),
            metrics={**base, "skipped": True, "reason": "all rows masked", "tokens": 0},
        )
        return
    prev = checkpoints.read_state(cfg.model) or {}
    resume_opt = prev.get("command") == "grpo-step"
    step = (prev.get("step", 0) if resume_opt else 0) + 1
    done = checkpoints.step_dir(cfg.out_dir, step)
    if os.path.isfile(os.path.join(done, "trainer_state.json")):
        log.info("%s already exists: this step was applied by an earlier attempt", done)
        events.emit("done", checkpoint=done, metrics={**base, "step": step, "already_done": True})
        return

    model = load_model(cfg.model, rt)
    if cfg.gradient_checkpointing:
        model.gradient_checkpointing_enable()
    tokenizer = load_tokenizer(cfg.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if resume_opt and checkpoints.load_optimizer(cfg.model, optimizer):
        for group in optimizer.param_groups:
            group["lr"] = cfg.lr
    mine = used[rt.rank :: rt.world_size]
    examples = [data.encode_chat(tokenizer, r["messages"], cfg.max_seq_len) for r in mine]
    advantages = [r["advantage"] for r in mine]
    n_groups = len({r["group"] for r in used})
    denom = n_groups * cfg.group_size * cfg.l_max
    chunks = [
        list(range(i, min(i + cfg.micro_batch_size, len(examples))))
        for i in range(0, len(examples), cfg.micro_batch_size)
    ]
    batches = [data.collate([examples[i] for i in c], tokenizer.pad_token_id) for c in chunks]
    batches = [{k: v.to(rt.device) for k, v in b.items()} for b in batches]
    adv = [torch.tensor([advantages[i] for i in c], device=rt.device).unsqueeze(1) for c in chunks]
    longest = max((sum(1 for x in e.labels if x != data.IGNORE) for e in examples), default=0)
    if longest > cfg.l_max:
        log.warning("a trajectory has %d assistant tokens > l_max=%d", longest, cfg.l_max)

    model.train()  # Qwen has no dropout, so train mode keeps log-probs deterministic and allows grad checkpointing
    with torch.no_grad(), rt.autocast():
        old = [token_logprobs(model, b)[0].detach() for b in batches]
    metrics: dict = {}
    for epoch in range(cfg.ppo_epochs):
        if STOP.should_stop(rt):
            raise Terminated()  # nothing applied yet in this epoch; the input policy is unchanged on disk
        optimizer.zero_grad(set_to_none=True)
        began = time.perf_counter()
        loss_sum = clipped = kl_sum = tokens = 0.0
        for b, a, o in zip(batches, adv, old):
            with rt.autocast():
                lp, mask = token_logprobs(model, b)
            ratio = torch.exp(lp - o)
            loss = clipped_objective(ratio, a, mask, cfg.eps_low, cfg.eps_high, denom)
            loss.backward()
            with torch.no_grad():
                m = mask.float()
                outside = ((ratio < 1 - cfg.eps_low) | (ratio > 1 + cfg.eps_high)).float()
                loss_sum += loss.item()
                clipped += (outside * m).sum().item()
                kl_sum += (((ratio - 1) - torch.log(ratio)) * m).sum().item()
                tokens += m.sum().item()
        if rt.distributed:
            _reduce_grads(model, rt)
            loss_sum, clipped, kl_sum, tokens = (rt.all_reduce_sum(x) for x in (loss_sum, clipped, kl_sum, tokens))
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip or float("inf"))
        optimizer.step()
        metrics = {
            "loss": loss_sum,
            "clip_fraction": clipped / max(tokens, 1),
            "approx_kl": kl_sum / max(tokens, 1),
            "grad_norm": float(grad_norm),
            "tokens": int(tokens),
        }
        seen = rt.all_reduce_sum(float(sum(b["attention_mask"].sum().item() for b in batches)))
        speed = seen / max(time.perf_counter() - began, 1e-9)
        events.emit("progress", step=epoch + 1, total_steps=cfg.ppo_epochs, loss=loss_sum, tokens_per_s=speed)
    path = None
    if rt.main:
        state = {"command": "grpo-step", "source_model": os.path.abspath(cfg.model), "seed": cfg.seed}
        path = checkpoints.save(cfg.out_dir, step, model, tokenizer, optimizer, state, cfg.keep_checkpoints)
        events.emit("checkpoint", step=step, path=path)
    if STOP.requested:
        raise Terminated()  # the update finished and is saved; report it, then honour the signal
    events.emit(
        "done",
        checkpoint=path,
        metrics={**metrics, **base, "groups": n_groups, "step": step, "ppo_epochs": cfg.ppo_epochs},
    )
