"""`export-gguf`: a Hugging Face checkpoint (Llama or Qwen2 architecture) → one GGUF file for llama.cpp.

Our trainer writes HF folders; llama.cpp reads GGUF. Tensor names come from the `gguf` package's own name map
(the one llama.cpp's converter uses), so this file only knows what differs per architecture: llama.cpp's Llama
graph uses interleaved rotary pairs, so Q and K rows are reordered from HF's half-split layout; Qwen2 runs with
NeoX rotary (the HF layout) and keeps its Q/K/V biases. The tokenizer goes in as a GPT-2 style BPE vocabulary.
The server tokenises with the checkpoint's own HF tokenizer (prompt parity with the trainer); the GGUF vocabulary
is used by llama.cpp only to load the model and map ids back to bytes.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Literal

import numpy as np

from . import events
from .config import ConfigError, model_dir, param

log = events.log

@dataclass(frozen=True, kw_only=True)
class ExportGgufConfig:
    model: str = param(help="HF model directory (config.json, safetensors, tokenizer.json)", check=model_dir)
    out_file: str | None = param(None, "GGUF file to write (default: <model>/model-<dtype>.gguf)")
    dtype: Literal["f32", "f16"] = param("f32", "weight type of the 2-D tensors (norms stay f32)")


SPEC = ExportGgufConfig

ARCHES = {"llama": "LLAMA", "qwen2": "QWEN2"}


def gguf_path(model: str, dtype: str) -> str:
    return os.path.join(model, f"model-{dtype}.gguf")


def _read_json(path: str) -> dict:
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def _interleave_rotary(w: np.ndarray, n_head: int) -> np.ndarray:
    # HF rotates (x[:d/2], x[d/2:]) pairs, llama.cpp's Llama graph rotates (x[2i], x[2i+1]) pairs: reorder the
    # output rows of each head so the same pairs meet.
    rows = w.shape[0]
    return w.reshape(n_head, 2, rows // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def _tokenizer(model: str, n_vocab: int) -> dict:
    path = os.path.join(model, "tokenizer.json")
    if not os.path.isfile(path):
        raise ConfigError(f"config field 'export-gguf.model': no tokenizer.json in {model}")
    tok = _read_json(path)
    bpe = tok.get("model") or {}
    if bpe.get("type") != "BPE":
        raise ConfigError(f"config field 'export-gguf.model': tokenizer model {bpe.get('type')!r} is not BPE")
    import gguf

    tokens = [f"[PAD{i}]" for i in range(n_vocab)]
    types = [gguf.TokenType.UNUSED] * n_vocab
    for text, i in bpe["vocab"].items():
        if i < n_vocab:
            tokens[i], types[i] = text, gguf.TokenType.NORMAL
    for added in tok.get("added_tokens") or []:
        i = added["id"]
        if i < n_vocab:
            tokens[i] = added["content"]
            types[i] = gguf.TokenType.CONTROL if added.get("special") else gguf.TokenType.USER_DEFINED
    merges = [m if isinstance(m, str) else " ".join(m) for m in bpe.get("merges") or []]
    return {"tokens": tokens, "types": types, "merges": merges}


def _chat_template(model: str) -> str | None:
    jinja = os.path.join(model, "chat_template.jinja")
    if os.path.isfile(jinja):
        with open(jinja, encoding="utf-8") as fh:
            return fh.read()
    cfg_path = os.path.join(model, "tokenizer_config.json")
    template = _read_json(cfg_path).get("chat_template") if os.path.isfile(cfg_path) else None
    return template if isinstance(template, str) else None


def export(model: str, out_file: str, dtype: str = "f32") -> str:
    import gguf
    import torch
    from safetensors.torch import load_file
    from transformers import AutoTokenizer

    hf = _read_json(os.path.join(model, "config.json"))
    model_type = hf.get("model_type")
    if model_type not in ARCHES:
        raise ConfigError(
            f"config field 'export-gguf.model': architecture {model_type!r} is not supported (llama, qwen2)"
        )
    arch = getattr(gguf.MODEL_ARCH, ARCHES[model_type])
    n_layer, n_head = hf["num_hidden_layers"], hf["num_attention_heads"]
    n_kv = hf.get("num_key_value_heads") or n_head
    head_dim = hf.get("head_dim") or hf["hidden_size"] // n_head
    rope = hf.get("rope_parameters") or hf.get("rope_scaling") or {}
    rope_theta = float(hf.get("rope_theta") or rope.get("rope_theta") or 10000.0)

    state: dict[str, torch.Tensor] = {}
    shards = sorted(f for f in os.listdir(model) if f.endswith(".safetensors"))
    if not shards:
        raise ConfigError(f"config field 'export-gguf.model': no .safetensors weights in {model}")
    for shard in shards:
        state.update(load_file(os.path.join(model, shard)))
    tied = bool(hf.get("tie_word_embeddings")) or "lm_head.weight" not in state
    n_vocab = state["model.embed_tokens.weight"].shape[0]

    tmp = out_file + ".tmp"
    writer = gguf.GGUFWriter(tmp, gguf.MODEL_ARCH_NAMES[arch])
    writer.add_name(os.path.basename(os.path.abspath(model)))
    writer.add_context_length(int(hf.get("max_position_embeddings") or 4096))
    writer.add_embedding_length(hf["hidden_size"])
    writer.add_block_count(n_layer)
    writer.add_feed_forward_length(hf["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_rope_dimension_count(head_dim)
    writer.add_rope_freq_base(rope_theta)
    writer.add_layer_norm_rms_eps(float(hf.get("rms_norm_eps") or 1e-6))
    writer.add_vocab_size(n_vocab)
    writer.add_file_type(gguf.LlamaFileType.ALL_F32 if dtype == "f32" else gguf.LlamaFileType.MOSTLY_F16)

    vocab = _tokenizer(model, n_vocab)
    writer.add_tokenizer_model("gpt2")
    # Only llama.cpp's own tokenizer would read this; the server tokenises with the HF tokenizer.
    writer.add_tokenizer_pre("qwen2" if model_type == "qwen2" else "default")
    writer.add_token_list(vocab["tokens"])
    writer.add_token_types(vocab["types"])
    writer.add_token_merges(vocab["merges"])
    hf_tok = AutoTokenizer.from_pretrained(model)
    eos = hf_tok.eos_token_id if hf_tok.eos_token_id is not None else hf.get("eos_token_id")
    if isinstance(eos, list):
        eos = eos[0]
    if eos is not None:
        writer.add_eos_token_id(int(eos))
    if hf_tok.bos_token_id is not None:
        writer.add_bos_token_id(int(hf_tok.bos_token_id))
    if hf_tok.pad_token_id is not None:
        writer.add_pad_token_id(int(hf_tok.pad_token_id))
    writer.add_add_bos_token(False)  # prompts arrive as token ids rendered by the HF chat template
    template = _chat_template(model)
    if template:
        writer.add_chat_template(template)

    names = gguf.get_tensor_name_map(arch, n_layer)
    for name, tensor in state.items():
        if name == "lm_head.weight" and tied:
            continue
        if "rotary_emb" in name:
            continue
        data = tensor.to(torch.float32).numpy()
        if model_type == "llama" and name.endswith("self_attn.q_proj.weight"):
            data = _interleave_rotary(data, n_head)
        elif model_type == "llama" and name.endswith("self_attn.k_proj.weight"):
            data = _interleave_rotary(data, n_kv)
        new_name = names.get_name(name, try_suffixes=(".weight", ".bias"))
        if new_name is None:
            raise ConfigError(f"config field 'export-gguf.model': tensor {name} has no GGUF name for {model_type}")
        if dtype == "f16" and data.ndim == 2:
            data = data.astype(np.float16)
        writer.add_tensor(new_name, np.ascontiguousarray(data))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, out_file)
    return out_file


def export_lora(adapter_dir: str, base_model: str, out_file: str) -> str:
    """A peft LoRA adapter (`<checkpoint>/adapter`) → a llama.cpp LoRA GGUF for the base it was trained on.

    Each adapted projection W gets `<gguf name>.lora_a` (r × in) and `.lora_b` (out × r); llama.cpp adds
    scale · alpha / r · B·A to W at inference, as peft does. Llama's Q and K rows are reordered as in export(), so
    only B (the output side) moves. Tensors stay f32 (small next to the base).
    """
    import gguf
    import torch
    from safetensors.torch import load_file

    hf = _read_json(os.path.join(base_model, "config.json"))
    model_type = hf.get("model_type")
    if model_type not in ARCHES:
        raise ConfigError(f"LoRA export: architecture {model_type!r} is not supported (llama, qwen2)")
    acfg = _read_json(os.path.join(adapter_dir, "adapter_config.json"))
    weights = os.path.join(adapter_dir, "adapter_model.safetensors")
    if not os.path.isfile(weights):
        raise ConfigError(f"LoRA export: no adapter_model.safetensors in {adapter_dir}")
    arch = getattr(gguf.MODEL_ARCH, ARCHES[model_type])
    n_layer, n_head = hf["num_hidden_layers"], hf["num_attention_heads"]
    n_kv = hf.get("num_key_value_heads") or n_head
    names = gguf.get_tensor_name_map(arch, n_layer)
    pairs: dict[str, dict[str, torch.Tensor]] = {}
    for key, tensor in load_file(weights).items():
        base = key.removeprefix("base_model.model.")
        for kind in ("lora_A", "lora_B"):
            marker = f".{kind}."
            if marker in base:
                pairs.setdefault(base.split(marker)[0] + ".weight", {})[kind] = tensor
                break
        else:
            raise ConfigError(f"LoRA export: tensor {key} of {adapter_dir} is not a LoRA A/B matrix")
    tmp = out_file + ".tmp"
    writer = gguf.GGUFWriter(tmp, gguf.MODEL_ARCH_NAMES[arch])
    writer.add_string("general.type", "adapter")
    writer.add_string("adapter.type", "lora")
    writer.add_float32("adapter.lora.alpha", float(acfg.get("lora_alpha") or acfg.get("r") or 1))
    for name, ab in sorted(pairs.items()):
        if set(ab) != {"lora_A", "lora_B"}:
            raise ConfigError(f"LoRA export: {name} has {sorted(ab)} only in {adapter_dir}")
        a = ab["lora_A"].to(torch.float32).numpy()
        b = ab["lora_B"].to(torch.float32).numpy()
        if model_type == "llama" and name.endswith("self_attn.q_proj.weight"):
            b = _interleave_rotary(b, n_head)
        elif model_type == "llama" and name.endswith("self_attn.k_proj.weight"):
            b = _interleave_rotary(b, n_kv)
        gname = names.get_name(name, try_suffixes=(".weight",))
        if gname is None:
            raise ConfigError(f"LoRA export: {name} has no GGUF name for {model_type}")
        writer.add_tensor(f"{gname}.lora_a", np.ascontiguousarray(a))
        writer.add_tensor(f"{gname}.lora_b", np.ascontiguousarray(b))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    os.replace(tmp, out_file)
    return out_file


def ensure_lora(adapter_dir: str, base_model: str) -> str:
    """The adapter's GGUF, written next to it once."""
    out = os.path.join(adapter_dir, "adapter-f32.gguf")
    if not os.path.isfile(out):
        export_lora(adapter_dir, base_model, out)
    return out


def ensure(model: str, dtype: str = "f32") -> str:
    """The checkpoint's GGUF, written next to its weights once (checkpoints are immutable once renamed)."""
    out = gguf_path(model, dtype)
    if not os.path.isfile(out):
        export(model, out, dtype)
    return out


def run(cfg) -> None:
    out = cfg.out_file or gguf_path(cfg.model, cfg.dtype)
    export(cfg.model, out, cfg.dtype)
    events.emit("done", checkpoint=None, metrics={"bytes": os.path.getsize(out)}, path=out)
