"""The served folder of a checkpoint: a plain Hugging Face model directory (config, safetensors, tokenizer) that vLLM,
the trainer's `serve` and transformers load as-is. A LoRA run writes the base with its adapters merged in, and the
adapters themselves under `adapter/` (peft format: PeftModel.from_pretrained(base, "<step>/adapter"))."""

from __future__ import annotations

import os

ADAPTER = "default"  # peft's name for the one adapter we train
PEFT_PREFIX = "base_model.model."


def _peft_of(model):
    m = getattr(model, "module", model)
    return m if hasattr(m, "get_base_model") and hasattr(m, "peft_config") else None


def merge_lora(state: dict, scale: float) -> dict:
    """W + scale * B @ A for every adapted linear layer; keys as the base model names them."""
    out = {}
    for key, value in state.items():
        if ".lora_A." in key or ".lora_B." in key:
            continue
        name = key.removeprefix(PEFT_PREFIX)
        if ".base_layer." in key:
            prefix, _, leaf = key.rpartition(".base_layer.")
            name = name.replace(".base_layer.", ".")
            if leaf == "weight":
                a = state[f"{prefix}.lora_A.{ADAPTER}.weight"].float()
                b = state[f"{prefix}.lora_B.{ADAPTER}.weight"].float()
                value = (value.float() + scale * (b @ a)).to(value.dtype)
        out[name] = value
    return out


def write_served(model, state: dict, tokenizer, out: str) -> dict:
    """Writes the served folder from a full state dict; returns what trainer_state.json should add."""
    peft_model = _peft_of(model)
    if peft_model is None:
        getattr(model, "module", model).save_pretrained(out, state_dict=state, safe_serialization=True)
        tokenizer.save_pretrained(out)
        return {}
    cfg = peft_model.peft_config[ADAPTER]
    base = peft_model.get_base_model()
    merged = merge_lora(state, cfg.lora_alpha / cfg.r)
    base.save_pretrained(out, state_dict=merged, safe_serialization=True)
    tokenizer.save_pretrained(out)
    peft_model.save_pretrained(os.path.join(out, "adapter"), state_dict=state)
    return {"lora": {"rank": cfg.r, "alpha": cfg.lora_alpha}, "base_model": cfg.base_model_name_or_path}
