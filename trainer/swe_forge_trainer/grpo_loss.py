"""The GRPO surrogate and its per-token statistics, separate from the step's I/O so tests can compute by hand.

pi_old per token is the sampler's log-prob (what the serving engine reported when it drew the token) or the
trainer's recomputation with the weights before the update. Truncated importance sampling (Yao et al., 2025)
weights a token by min(pi_trainer_old / pi_sampler, cap) to correct for the two engines computing different
probabilities for the same weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import math

import torch


def normaliser(n_groups: int, group_size: int, l_max: int) -> int:
    """SWE-Master's 1/(G * L_max) per group: a mini-batch of n groups divides its token sum by n * G * L_max, so each
    group weighs the same whatever its members' lengths, and masked members still count in G."""
    return n_groups * group_size * l_max


def clipped_objective(ratio, adv, mask, eps_low: float, eps_high: float, denom: float, weight=None) -> torch.Tensor:
    """The loss of one micro-batch: -(1/denom) * sum over unmasked tokens of the (weighted) clipped surrogate."""
    surrogate = torch.minimum(ratio * adv, ratio.clamp(1 - eps_low, 1 + eps_high) * adv)
    if weight is not None:
        surrogate = surrogate * weight
    return -(surrogate * mask).sum() / denom


def pi_old(recomputed: torch.Tensor, sampler: torch.Tensor, source: str) -> torch.Tensor:
    """Per-token log pi_old: the sampler's where it reported one (source 'sampler'), else the recomputation."""
    if source == "recomputed":
        return recomputed
    return torch.where(torch.isnan(sampler), recomputed, sampler)


def tis_weight(recomputed: torch.Tensor, sampler: torch.Tensor, cap: float) -> torch.Tensor | None:
    if cap <= 0:
        return None
    w = torch.exp(recomputed - torch.nan_to_num(sampler, nan=0.0)).clamp(max=cap)
    return torch.where(torch.isnan(sampler), torch.ones_like(w), w).detach()


@dataclass
class ClipStats:
    """Token counts and sums over any number of updates; fraction() and friends read them out."""

    tokens: float = 0.0
    clip_low: float = 0.0
    clip_high: float = 0.0
    ratio_sum: float = 0.0
    ratio_max: float = 0.0
    kl_sum: float = 0.0

    def add(self, ratio, adv, mask, eps_low: float, eps_high: float) -> None:
        """Counts the tokens where a clip bound is active (it, not the ratio, sets the term: no gradient)."""
        with torch.no_grad():
            m = mask.float()
            a = adv.expand_as(ratio)
            self.clip_low += (((ratio < 1 - eps_low) & (a < 0)).float() * m).sum().item()
            self.clip_high += (((ratio > 1 + eps_high) & (a > 0)).float() * m).sum().item()
            self.ratio_sum += (ratio * m).sum().item()
            if m.sum() > 0:
                self.ratio_max = max(self.ratio_max, ratio[m.bool()].max().item())
            self.kl_sum += (((ratio - 1) - torch.log(ratio)) * m).sum().item()
            self.tokens += m.sum().item()

    def merge(self, other: ClipStats) -> None:
        for k in ("tokens", "clip_low", "clip_high", "ratio_sum", "kl_sum"):
            setattr(self, k, getattr(self, k) + getattr(other, k))
        self.ratio_max = max(self.ratio_max, other.ratio_max)

    def summary(self) -> dict:
        n = max(self.tokens, 1.0)
        return {
            "clip_fraction": (self.clip_low + self.clip_high) / n,
            "clip_fraction_low": self.clip_low / n,
            "clip_fraction_high": self.clip_high / n,
            "ratio_mean": self.ratio_sum / n if self.tokens else 1.0,
            "ratio_max": self.ratio_max if self.tokens else 1.0,
            "approx_kl": self.kl_sum / n,
        }


def tis_truncated(recomputed: torch.Tensor, sampler: torch.Tensor, mask, cap: float) -> tuple[float, float]:
    """(tokens whose weight pi_trainer / pi_sampler exceeded the cap, sampled tokens) over the loss mask."""
    have = (~torch.isnan(sampler)) & mask.bool()
    if cap <= 0 or not have.any():
        return 0.0, float(have.sum().item())
    log_r = (recomputed - torch.nan_to_num(sampler, nan=0.0))[have]
    return float((log_r > math.log(cap)).sum().item()), float(have.sum().item())


def sampler_kl(recomputed: torch.Tensor, sampler: torch.Tensor, mask) -> tuple[float, float]:
    """(sum, tokens) of the k3 estimate of KL(sampler || trainer) over tokens the sampler reported."""
    have = (~torch.isnan(sampler)) & mask.bool()
    if not have.any():
        return 0.0, 0.0
    log_r = (recomputed - torch.nan_to_num(sampler, nan=0.0))[have]
    return ((torch.exp(log_r) - 1) - log_r).sum().item(), float(have.sum().item())
