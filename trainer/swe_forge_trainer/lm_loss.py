"""The causal-LM loss without ever holding the full logits: [tokens x vocab] in fp32 is 50 GB at 80K tokens with
Qwen2.5's 152K vocabulary. The model runs with `logits_to_keep=1`, its last hidden states are caught by a hook, and
the output head plus cross-entropy run `chunk` tokens at a time under activation checkpointing, so one chunk's
logits exist at once (forward, and again in backward).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch.utils.checkpoint import checkpoint

from .data import IGNORE


def _base(model):
    m = getattr(model, "module", model)  # DDP
    return m.get_base_model() if hasattr(m, "get_base_model") else m  # peft


def final_hidden(model, batch: dict) -> tuple[torch.Tensor, torch.nn.Module]:
    """Hidden states after the final norm, [batch, seq, hidden], and the output head that turns them into logits."""
    base = _base(model)
    caught: dict = {}

    def hook(_module, _args, out):
        caught["h"] = out[0] if isinstance(out, tuple) else out.last_hidden_state

    handle = base.model.register_forward_hook(hook)
    try:
        # Through the outer module, so DDP / FSDP hooks run; attention_mask=None + position_ids lets transformers
        # build a block-diagonal mask for packed rows (right padding never reaches a loss position).
        model(input_ids=batch["input_ids"], position_ids=batch["position_ids"], logits_to_keep=1)
    finally:
        handle.remove()
    return caught["h"], base.get_output_embeddings()


def _ce_sum(head: torch.nn.Module, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return F.cross_entropy(head(h).float(), y, reduction="sum")


def token_loss_sum(model, batch: dict, chunk: int) -> tuple[torch.Tensor, int]:
    """(sum of next-token cross-entropy over labelled positions, number of them)."""
    h, head = final_hidden(model, batch)
    labels = batch["labels"][:, 1:].reshape(-1)
    keep = labels != IGNORE
    h = h[:, :-1].reshape(-1, h.shape[-1])[keep]
    labels = labels[keep]
    n = int(labels.numel())
    if n == 0:
        return h.sum() * 0.0, 0  # still touches the graph, so every rank runs the same backward
    if n <= chunk:
        return _ce_sum(head, h, labels), n
    total = h.new_zeros((), dtype=torch.float32)
    for s in range(0, n, chunk):
        total = total + checkpoint(_ce_sum, head, h[s : s + chunk], labels[s : s + chunk], use_reentrant=False)
    return total, n


def _label_logprobs(head: torch.nn.Module, h: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    return torch.log_softmax(head(h).float(), dim=-1).gather(-1, y.unsqueeze(-1)).squeeze(-1)


def token_logprobs(model, batch: dict, chunk: int = 4096) -> tuple[torch.Tensor, torch.Tensor]:
    """log pi(label_t | prefix) at every position, [batch, seq-1], and the mask of labelled positions."""
    h, head = final_hidden(model, batch)
    labels = batch["labels"][:, 1:]
    rows, width = labels.shape
    flat_h = h[:, :-1].reshape(rows * width, -1)
    flat_y = labels.clamp(min=0).reshape(-1)
    if flat_y.numel() <= chunk:
        lp = _label_logprobs(head, flat_h, flat_y)
    else:
        parts = [
            checkpoint(_label_logprobs, head, flat_h[s : s + chunk], flat_y[s : s + chunk], use_reentrant=False)
            for s in range(0, flat_y.numel(), chunk)
        ]
        lp = torch.cat(parts)
    return lp.reshape(rows, width), labels != IGNORE
