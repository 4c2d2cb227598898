"""One model set-up for `sft`, `train-verifier` and `grpo-step`: LoRA (peft), activation checkpointing, and PyTorch
FSDP2 (`fully_shard`, one unit per decoder layer plus the root) or DDP across the torchrun ranks.

Gradients come out *averaged* over ranks (FSDP's reduce-scatter and DDP's all-reduce both divide by the world size),
so callers scale each backward by `grad_scale(rt)` to get a sum over ranks and normalise by global counts: the
loss of N ranks on their shares of a batch is then the loss of one process on the whole batch.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Literal

import torch

from . import events
from .config import ConfigError, param, positive
from .runtime import Runtime, load_model

log = events.log


@dataclass(frozen=True, kw_only=True)
class LoraConfig:
    rank: int = param(16, "adapter rank r", positive)
    alpha: float | None = param(None, "LoRA alpha (default 2 * rank)")
    dropout: float = param(0.0, "dropout on the adapter input")
    target_modules: str | list[str] = param("all-linear", "peft target_modules: every projection, never the head")


@dataclass(frozen=True, kw_only=True)
class SetupConfig:
    """The model set-up fields of `sft`, `grpo-step` and `train-verifier`."""

    engine: Literal["fsdp", "ddp"] = param("fsdp", "under torchrun: fsdp (FSDP2 full shard) or ddp (full replicas)")
    lora: LoraConfig | None = param(None, '{"rank":64,"alpha":128} trains peft LoRA adapters only')
    cpu_offload: bool = param(False, "FSDP2 CPU offload of sharded weights, grads and optimizer state")
    offload_activations: bool = param(False, "with checkpointing: keep each layer input in host memory")
    cpu_bf16: bool = param(False, "on CPU: bf16 autocast for matmuls, fp32 master weights (AVX512-BF16 / AMX CPUs)")
    logit_chunk: int = param(4096, "tokens per logits chunk in the loss", positive)


def decoder_layers(model) -> list[torch.nn.Module]:
    """The repeated blocks (Qwen2 / Llama `model.layers`), found under any wrapper (peft, a scorer head)."""
    for name, m in model.named_modules():
        if isinstance(m, torch.nn.ModuleList) and name.split(".")[-1] == "layers":
            return list(m)
    raise ConfigError(f"cannot find the decoder layers of {type(model).__name__} (expected a 'layers' list)")


def apply_lora(model, spec: LoraConfig, adapter_dir: str | None = None):
    from peft import LoraConfig as PeftLoraConfig
    from peft import PeftModel, get_peft_model

    if adapter_dir:
        return PeftModel.from_pretrained(model, adapter_dir, is_trainable=True)
    config = PeftLoraConfig(
        r=spec.rank,
        lora_alpha=float(2 * spec.rank if spec.alpha is None else spec.alpha),
        lora_dropout=float(spec.dropout),
        target_modules=spec.target_modules,  # every projection, never the output head
        task_type="CAUSAL_LM",
    )
    return get_peft_model(model, config)


def load_for_training(
    path: str, rt: Runtime, cfg, rope_scaling: dict | None = None, adapter_dir: str | None = None, shard: bool = True
):
    """Loads weights, adds LoRA, enables checkpointing and (unless `shard` is off) shards or replicates them."""
    lora = getattr(cfg, "lora", None)
    rt.cpu_bf16 = bool(getattr(cfg, "cpu_bf16", False))
    # A frozen LoRA base needs no fp32 master copy; on CPU everything stays fp32 (no bf16 autocast there).
    dtype = torch.bfloat16 if lora and rt.device.type == "cuda" else torch.float32
    model = load_model(path, rt, rope_scaling, dtype=dtype)
    if lora:
        model = apply_lora(model, lora, adapter_dir)
    if cfg.gradient_checkpointing:
        # Non-reentrant: works with frozen inputs (LoRA) and with FSDP's hooks.
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return wrap(model, rt, cfg) if shard else model


def wrap(model, rt: Runtime, cfg):
    if not rt.distributed:
        if getattr(cfg, "cpu_offload", False):
            raise ConfigError("config field 'cpu_offload' needs FSDP, which runs under torchrun (2+ processes)")
        return model
    if getattr(cfg, "engine", "fsdp") == "ddp":
        return torch.nn.parallel.DistributedDataParallel(
            model, device_ids=[rt.local_rank] if rt.device.type == "cuda" else None
        )
    from torch.distributed.fsdp import CPUOffloadPolicy, fully_shard

    kwargs = {"offload_policy": CPUOffloadPolicy()} if cfg.cpu_offload else {}
    for layer in decoder_layers(model):
        fully_shard(layer, **kwargs)
    # The root keeps its parameters (embeddings, final norm, output head) gathered from forward to backward
    # (FSDP2 does so for the root by default), which the chunked loss relies on: it applies the head itself.
    fully_shard(model, **kwargs)
    return model


def grad_scale(rt: Runtime) -> float:
    """Undo the averaging over ranks of FSDP / DDP, so gradients are sums over ranks."""
    return float(rt.world_size)


def is_sharded(model) -> bool:
    """Holds FSDP-sharded parameters (itself an FSDP module, or wrapped inside one such as the ORM's scorer)."""
    from torch.distributed.tensor import DTensor

    return any(isinstance(p, DTensor) for p in model.parameters())


def unwrap(model):
    """The module whose state dict and save_pretrained are the model's (DDP wraps, FSDP2 does not)."""
    return getattr(model, "module", model)


def activation_context(cfg):
    if getattr(cfg, "offload_activations", False) and cfg.gradient_checkpointing:
        return torch.autograd.graph.save_on_cpu(pin_memory=torch.cuda.is_available())
    return contextlib.nullcontext()


def trainable(model) -> list[torch.nn.Parameter]:
    return [p for p in model.parameters() if p.requires_grad]


def clip_grad_norm(model, max_norm: float) -> float:
    norm = torch.nn.utils.clip_grad_norm_(trainable(model), max_norm or float("inf"))
    if hasattr(norm, "full_tensor"):  # a DTensor under FSDP2
        norm = norm.full_tensor()
    return float(norm)


def masked_copy(batch: dict) -> dict:
    """The same shapes with no labelled token and zero advantage: it adds nothing to a loss, a gradient or a count."""
    out = dict(batch)
    out["labels"] = torch.full_like(batch["labels"], -100)
    if "adv" in batch:
        out["adv"] = torch.zeros_like(batch["adv"])
    return out


def pad_micro(micro: list[dict], rt: Runtime, all_masked: bool = False) -> list[dict]:
    """Every rank must run as many forward/backward passes as its peers (FSDP gathers weights in each), so ranks
    with fewer micro-batches run masked copies. `all_masked`: this rank had no row, `micro` holds a stand-in."""
    if all_masked:
        micro = [masked_copy(b) for b in micro]
    if not rt.distributed:
        return micro
    most = torch.tensor([len(micro)], device=rt.device)
    torch.distributed.all_reduce(most, op=torch.distributed.ReduceOp.MAX)
    return micro + [masked_copy(micro[-1]) for _ in range(int(most.item()) - len(micro))]
