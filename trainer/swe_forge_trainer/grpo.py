"""`grpo-step`: one SWE-Master GRPO update from a batch of scored trajectories.

loss = -(1 / (n_groups * G * L_max)) * sum_i sum_t min(rho_it * A_i, clip(rho_it, 1 - eps_low, 1 + eps_high) * A_i)
over assistant tokens only, no KL term. Advantages come precomputed (leave-one-out) from the TypeScript side.

rho = pi_theta / pi_old, pi_old the sampler's log-probs (the rollout's `meta.sampled`) or recomputed (required with
truncated IS, `tis_cap > 0`: the weight then carries the sampler correction, truncated); the groups
split into `mini_batches` optimizer steps per epoch, `ppo_epochs` epochs, so from the second update on the ratio
moves away from 1 and the clip acts. Assistant turns are trained on the token ids the sampler drew.
"""

from __future__ import annotations

import math
import os
import time
from dataclasses import dataclass
from typing import Literal

import torch

from . import checkpoints, data, distributed, events, lm_loss
from .config import ConfigError, Device, device_param, existing_file, model_dir, non_negative, param, positive
from .grpo_loss import ClipStats, clipped_objective, normaliser, pi_old, sampler_kl, tis_truncated, tis_weight
from .rollout_tokens import encode_rollout
from .runtime import STOP, Terminated, init_runtime, load_tokenizer, seed_everything

log = events.log

@dataclass(frozen=True, kw_only=True)
class GrpoStepConfig(distributed.SetupConfig):
    model: str = param(help="current policy directory (a checkpoint or the SFT model)", check=model_dir)
    out_dir: str = param(help="the new checkpoint goes to out_dir/checkpoints/step-N")
    batch: str = param(help="JSONL of {messages, advantage, masked, group, tools?}", check=existing_file)
    eps_low: float = param(0.2, "lower clip range", non_negative)
    eps_high: float = param(0.28, "upper clip range (clip-higher)", non_negative)
    l_max: int = param(help="constant length normaliser L_max (max response tokens)", check=positive)
    group_size: int = param(help="G, samples per task", check=positive)
    lr: float = param(1e-6, "AdamW learning rate", positive)
    weight_decay: float = param(0.0, "AdamW weight decay", non_negative)
    grad_clip: float = param(1.0, "max global grad norm (0 = off)", non_negative)
    ppo_epochs: int = param(1, "passes over the same batch", positive)
    mini_batches: int = param(1, "optimizer steps per epoch (the batch's groups split this many ways)", positive)
    old_logprobs: Literal["sampler", "recomputed"] = param(
        "sampler", "pi_old: the sampler's log-probs (recomputed where absent) or recomputed"
    )
    tis_cap: float = param(
        0.0, "truncated IS cap on pi_trainer_old/pi_sampler (0 = off); needs old_logprobs recomputed", non_negative
    )
    micro_batch_size: int = param(1, "rows per forward/backward (gradient accumulation)", positive)
    max_seq_len: int | None = param(None, "cut longer trajectories at the end (default: no cut)", positive)
    keep_checkpoints: int = param(2, "keep the newest N checkpoints in out_dir (0 = all)", non_negative)
    seed: int = param(0, "seed")
    gradient_checkpointing: bool = param(False, "trade compute for activation memory")
    device: Device = device_param()


SPEC = GrpoStepConfig


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
        tools = row.get("tools")
        if tools is not None and not (isinstance(tools, list) and all(isinstance(t, dict) for t in tools)):
            raise ConfigError(f"{where}.tools must be a list of tool specs")
        used.append(
            {
                "messages": data.check_messages(row.get("messages"), where),
                "advantage": float(adv),
                "group": row["group"],
                "tools": tools or None,
                "where": where,
                # A condensed trajectory is several lines of one member (rolloutId); a group counts members.
                "member": row.get("rolloutId", f"line {n}"),
            }
        )
    members: dict[str, set] = {}
    for r in used:
        members.setdefault(r["group"], set()).add(r["member"])
    sizes = {group: len(m) for group, m in members.items()}
    for group, size in sizes.items():
        if size > cfg.group_size:
            raise ConfigError(
                f"config field 'grpo-step.group_size' is {cfg.group_size} but group {group!r} has {size} members (rollouts)"
            )
    return used, masked


def token_logprobs(model, batch: dict) -> tuple[torch.Tensor, torch.Tensor]:
    # The head runs 4,096 positions at a time: full [tokens x vocab] logits would not fit at 80K tokens.
    return lm_loss.token_logprobs(model, batch)


def mini_batches(used: list[dict], n: int) -> list[list[int]]:
    """Row indices per mini-batch: whole groups, in batch order, n near-equal shares (fewer if fewer groups)."""
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(used):
        groups.setdefault(r["group"], []).append(i)
    order = list(groups.values())
    n = min(n, len(order))
    return [[i for g in order[k * len(order) // n : (k + 1) * len(order) // n] for i in g] for k in range(n)]


def sampler_tensor(examples, width_of: list[int]) -> torch.Tensor:
    width = max(width_of)
    out = torch.full((len(examples), width), float("nan"))
    for r, ex in enumerate(examples):
        out[r, : len(ex.sampler_logprobs)] = torch.tensor(ex.sampler_logprobs, dtype=torch.float)
    return out[:, 1:]  # aligned with the shifted labels: position k predicts token k+1


def _reduce_stats(s: ClipStats, rt) -> ClipStats:
    out = ClipStats(*(rt.all_reduce_sum(getattr(s, k)) for k in ("tokens", "clip_low", "clip_high", "ratio_sum")))
    out.kl_sum = rt.all_reduce_sum(s.kl_sum)
    t = torch.tensor([s.ratio_max], device=rt.device)
    torch.distributed.all_reduce(t, op=torch.distributed.ReduceOp.MAX)
    out.ratio_max = float(t.item())
    return out


def check_tis(cfg) -> None:
    """Truncated IS (Yao et al., 2025) takes the ratio against the trainer's own pi_old and weights each token by
    min(pi_trainer_old / pi_sampler, cap). With pi_old from the sampler the ratio already carries the (untruncated)
    sampler correction, so the weight would apply it a second time: refused, not redefined."""
    if cfg.tis_cap > 0 and cfg.old_logprobs == "sampler":
        raise ConfigError(
            f"config fields 'grpo-step.tis_cap' ({cfg.tis_cap}) and 'grpo-step.old_logprobs' (sampler) together "
            "correct the sampler/trainer mismatch twice; truncated IS needs old_logprobs 'recomputed'"
        )


Plan = list[tuple[float, list[dict]]]  # per mini-batch: its loss normaliser and this rank's micro-batches


def next_step(cfg: GrpoStepConfig) -> tuple[int, bool]:
    """The new checkpoint's step: the input's + 1 when it is a grpo-step checkpoint (its optimizer state then
    carries on), else 1."""
    prev = checkpoints.read_state(cfg.model) or {}
    resume_opt = prev.get("command") == "grpo-step"
    return (prev.get("step", 0) if resume_opt else 0) + 1, resume_opt


def load_policy(cfg: GrpoStepConfig, rt, resume_opt: bool):
    model = distributed.load_for_training(cfg.model, rt, cfg)  # the same set-up as sft: LoRA, checkpointing, FSDP
    tokenizer = load_tokenizer(cfg.model)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    if resume_opt and checkpoints.load_optimizer(cfg.model, optimizer, model):
        for group in optimizer.param_groups:
            group["lr"] = cfg.lr
    return model, tokenizer, optimizer


def build_plan(cfg: GrpoStepConfig, rt, tokenizer, used: list[dict]) -> tuple[Plan, dict]:
    """This rank's rows encoded into micro-batches on the device, per mini-batch; and the token counts of all ranks."""
    plan, counts, longest = [], {"sampled_turns": 0, "mismatch_turns": 0, "assistant_turns": 0}, 0
    for share in mini_batches(used, cfg.mini_batches):
        # The loss of a mini-batch is normalised by its own groups, so one mini-batch = the paper's loss exactly.
        denom = normaliser(len({used[i]["group"] for i in share}), cfg.group_size, cfg.l_max)
        mine, micro = share[rt.rank :: rt.world_size], []
        # FSDP gathers weights in every forward, so every rank runs as many passes as its peers; a rank without a
        # row of this mini-batch runs a masked copy of one (no loss, gradient or count), and is not counted here.
        stand_in, before = not mine, dict(counts)
        mine = mine or share[:1]
        for c in range(0, len(mine), cfg.micro_batch_size):
            rows = [used[i] for i in mine[c : c + cfg.micro_batch_size]]
            exs = [encode_rollout(tokenizer, r["messages"], r["tools"], cfg.max_seq_len, r["where"]) for r in rows]
            for e in exs:
                longest = max(longest, sum(1 for x in e.labels if x != data.IGNORE))
                for k in counts:
                    counts[k] += getattr(e, k)
            b = data.collate(exs, tokenizer.pad_token_id)
            b["sampler"] = sampler_tensor(exs, [len(e.ids) for e in exs])
            b["adv"] = torch.tensor([r["advantage"] for r in rows]).unsqueeze(1)
            micro.append({k: v.to(rt.device) for k, v in b.items()})
        counts = before if stand_in else counts
        plan.append((denom, distributed.pad_micro(micro, rt, all_masked=stand_in)))
    counts = {k: int(rt.all_reduce_sum(float(v))) for k, v in counts.items()}
    if longest > cfg.l_max:
        log.warning("a trajectory has %d assistant tokens > l_max=%d", longest, cfg.l_max)
    if counts["mismatch_turns"]:
        log.warning("%d sampled turns re-tokenise differently (trained on the sampled ids)", counts["mismatch_turns"])
    return plan, counts


def set_pi_old(cfg: GrpoStepConfig, rt, model, plan: Plan) -> tuple[float, float, float]:
    """Stores pi_old and the truncated-IS weight in every micro-batch, from the input weights (no grad); returns the
    sampler/trainer KL summed over every rank's tokens, that token count, and how many of them the TIS cap cut."""
    kl_sum = kl_tokens = cut = 0.0
    with torch.no_grad(), rt.autocast():
        for _, micro in plan:
            for b in micro:
                lp, mask = token_logprobs(model, b)
                b["old"] = pi_old(lp.detach(), b["sampler"], cfg.old_logprobs)
                b["weight"] = tis_weight(lp.detach(), b["sampler"], cfg.tis_cap)
                s, n = sampler_kl(lp.detach(), b["sampler"], mask)
                kl_sum, kl_tokens = kl_sum + s, kl_tokens + n
                cut += tis_truncated(lp.detach(), b["sampler"], mask, cfg.tis_cap)[0]
    return rt.all_reduce_sum(kl_sum), rt.all_reduce_sum(kl_tokens), rt.all_reduce_sum(cut)


def update(
    cfg: GrpoStepConfig, rt, model, optimizer, denom: float, micro: list[dict]
) -> tuple[ClipStats, float, float]:
    """One optimizer step on one mini-batch; returns its clip statistics and loss over every rank, and the grad norm."""
    optimizer.zero_grad(set_to_none=True)
    stats, loss_sum = ClipStats(), 0.0
    for b in micro:
        with rt.autocast():
            lp, mask = token_logprobs(model, b)
        ratio = torch.exp(lp - b["old"])
        loss = clipped_objective(ratio, b["adv"], mask, cfg.eps_low, cfg.eps_high, denom, b["weight"])
        (loss * distributed.grad_scale(rt)).backward()  # FSDP / DDP average over ranks; the loss is a sum
        loss_sum += loss.item()
        stats.add(ratio.detach(), b["adv"], mask, cfg.eps_low, cfg.eps_high)
    if rt.distributed:
        loss_sum, stats = rt.all_reduce_sum(loss_sum), _reduce_stats(stats, rt)
    norm = distributed.clip_grad_norm(model, cfg.grad_clip)
    optimizer.step()
    return stats, loss_sum, norm


def train_epochs(cfg: GrpoStepConfig, rt, model, optimizer, plan: Plan) -> tuple[ClipStats, list[float], list[float]]:
    """`ppo_epochs` passes over the plan, one update per mini-batch; a progress event per epoch."""
    total, losses, norms = ClipStats(), [], []
    for epoch in range(cfg.ppo_epochs):
        if STOP.should_stop(rt):
            raise Terminated()  # an interrupted step saves nothing; the input policy is unchanged on disk
        began, epoch_stats, epoch_loss = time.perf_counter(), ClipStats(), 0.0
        for denom, micro in plan:
            stats, loss_sum, norm = update(cfg, rt, model, optimizer, denom, micro)
            norms.append(norm)
            epoch_stats.merge(stats)
            epoch_loss += loss_sum
        total.merge(epoch_stats)
        losses.append(epoch_loss)
        seen = rt.all_reduce_sum(float(sum(b["attention_mask"].sum().item() for _, m in plan for b in m)))
        speed = seen / max(time.perf_counter() - began, 1e-9)
        events.emit(
            "progress", step=epoch + 1, total_steps=cfg.ppo_epochs, loss=epoch_loss, tokens_per_s=speed,
            grad_norm=norms[-1], **epoch_stats.summary(),
        )  # fmt: skip
    return total, losses, norms


def save(cfg: GrpoStepConfig, rt, step: int, model, tokenizer, optimizer) -> str | None:
    full = checkpoints.gather_state(model, optimizer)  # every rank: a collective under FSDP
    path = None
    if rt.main:
        state = {"command": "grpo-step", "source_model": os.path.abspath(cfg.model), "seed": cfg.seed}
        path = checkpoints.save(cfg.out_dir, step, model, tokenizer, optimizer, state, cfg.keep_checkpoints, full)
        events.emit("checkpoint", step=step, path=path)
    return path


def run(cfg: GrpoStepConfig) -> None:
    STOP.defer()
    check_tis(cfg)
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
    step, resume_opt = next_step(cfg)
    done = checkpoints.step_dir(cfg.out_dir, step)
    if os.path.isfile(os.path.join(done, "trainer_state.json")):
        log.info("%s already exists: this step was applied by an earlier attempt", done)
        events.emit("done", checkpoint=done, metrics={**base, "step": step, "already_done": True})
        return

    model, tokenizer, optimizer = load_policy(cfg, rt, resume_opt)
    plan, counts = build_plan(cfg, rt, tokenizer, used)
    model.train()  # Qwen has no dropout, so train mode keeps log-probs deterministic and allows grad checkpointing
    kl_sum, kl_tokens, tis_cut = set_pi_old(cfg, rt, model, plan)
    total, losses, norms = train_epochs(cfg, rt, model, optimizer, plan)
    metrics = {
        **total.summary(),
        "loss": losses[0],  # against pi_old before any update: the loss as the batch defines it
        "loss_last_epoch": losses[-1],
        "sampler_kl": kl_sum / max(kl_tokens, 1.0),
        "sampler_tokens": int(kl_tokens),
        # Share of the sampled tokens whose truncated-IS weight hit tis_cap (0 with TIS off).
        "tis_truncated_fraction": tis_cut / max(kl_tokens, 1.0),
        "grad_norm": sum(norms) / len(norms),
        "grad_norm_max": max(norms),
        "updates": len(norms),
        "tokens": int(total.tokens / cfg.ppo_epochs),
        "old_logprobs_sampler": cfg.old_logprobs == "sampler",
        **counts,
    }
    path = save(cfg, rt, step, model, tokenizer, optimizer)
    if STOP.requested:
        raise Terminated()  # the update finished and is saved; report it, then honour the signal
    events.emit(
        "done",
        checkpoint=path,
        metrics={**metrics, **base, "groups": len({r["group"] for r in used}), "step": step,
                 "ppo_epochs": cfg.ppo_epochs},  # fmt: skip
    )
