"""Process-wide runtime: threads, device, DDP, SIGTERM handling, model loading."""

from __future__ import annotations

import os
import random
import signal
from dataclasses import dataclass

import numpy as np
import torch

from . import events
from .config import ConfigError

log = events.log


class Terminated(Exception):
    """Raised after SIGTERM was handled (checkpoint saved where that makes sense): exit code 143."""


@dataclass
class Runtime:
    device: torch.device
    rank: int = 0
    world_size: int = 1
    local_rank: int = 0
    # Set from the job's `cpu_bf16` (distributed.load_for_training): CPU autocast is opt-in, since it changes
    # numerics that the CPU tests compare exactly, and only pays on CPUs with bf16 instructions.
    cpu_bf16: bool = False

    @property
    def distributed(self) -> bool:
        return self.world_size > 1

    @property
    def main(self) -> bool:
        return self.rank == 0

    def autocast(self):
        # bf16 autocast keeps fp32 master weights (so AdamW state stays exact) while matmuls run in bf16.
        if self.device.type == "cpu":
            enabled = self.cpu_bf16
        else:
            enabled = self.device.type == "cuda" and torch.cuda.is_bf16_supported()
        return torch.autocast(device_type=self.device.type, dtype=torch.bfloat16, enabled=enabled)

    def all_reduce_sum(self, value: float) -> float:
        if not self.distributed:
            return value
        t = torch.tensor([float(value)], device=self.device)
        torch.distributed.all_reduce(t)
        return float(t.item())


class StopFlag:
    """SIGTERM handling.

    Training commands call `defer()`: the signal then only sets a flag that the loop reads between steps, so
    a checkpoint is never half-written. Other commands have nothing to save and stop at once.
    """

    def __init__(self) -> None:
        self.requested = False
        self.deferred = False
        self.parent = os.getppid()

    def install(self) -> None:
        self.parent = os.getppid()
        signal.signal(signal.SIGTERM, self._handle)

    def defer(self) -> None:
        self.deferred = True

    def _handle(self, signum, frame) -> None:  # noqa: ARG002
        self.requested = True
        if not self.deferred:
            raise Terminated()
        if os.getppid() != self.parent:
            # The worker that launched us died (PR_SET_PDEATHSIG sent this SIGTERM): nobody will read what this step
            # produces, and the retry on another worker resumes from the last complete checkpoint (saves are .tmp +
            # rename), so finishing a minutes-long step would only keep an orphan running beside that retry.
            log.warning("SIGTERM after the parent worker died: exiting now")
            os._exit(143)
        log.warning("SIGTERM received: stopping after the current step")

    def should_stop(self, rt: Runtime) -> bool:
        # torchrun forwards SIGTERM to every rank, but not at the same instant: agree before acting.
        return rt.all_reduce_sum(1.0 if self.requested else 0.0) > 0


STOP = StopFlag()


def set_threads() -> None:
    torch.set_num_threads(int(os.environ.get("SWE_FORGE_TORCH_THREADS", "2")))


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed % (2**32))
    torch.manual_seed(seed)


def init_runtime(device_pref: str, field: str) -> Runtime:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    rank = int(os.environ.get("RANK", "0"))
    local_rank = int(os.environ.get("LOCAL_RANK", "0"))
    want_cuda = device_pref == "cuda" or (device_pref == "auto" and torch.cuda.is_available())
    if want_cuda and not torch.cuda.is_available():
        raise ConfigError(f"config field '{field}' is \"cuda\" but no CUDA device is available")
    if want_cuda:
        torch.cuda.set_device(local_rank)
        device = torch.device("cuda", local_rank)
    else:
        device = torch.device("cpu")
    if world > 1 and not torch.distributed.is_initialized():
        torch.distributed.init_process_group(backend="nccl" if want_cuda else "gloo")
    events.set_enabled(rank == 0)
    return Runtime(device=device, rank=rank, world_size=world, local_rank=local_rank)


def load_tokenizer(path: str):
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(path)
    if tok.pad_token_id is None:
        # Padding positions never reach the loss or the scored position, so any id works as pad.
        tok.pad_token = tok.eos_token
    return tok


def current_rope(config) -> dict:
    """The rope settings a loaded config carries: rope_parameters (transformers 5) or rope_scaling (4)."""
    rope = getattr(config, "rope_parameters", None) or getattr(config, "rope_scaling", None) or {}
    return dict(rope) if isinstance(rope, dict) else {}


def apply_rope_scaling(config, rope_scaling: dict) -> None:
    """Accepts the legacy Qwen `rope_scaling` object ({"type":"yarn","factor":4,...}) on transformers 4 and 5.

    YaRN is applied once: on a model that has it already (an SFT round >= 2 starting from round 1's checkpoint)
    the request must name the same original length, so the factor replaces the old one instead of stretching an
    already stretched max_position_embeddings a second time.
    """
    scaling = dict(rope_scaling)
    rope_type = scaling.pop("type", None) or scaling.pop("rope_type", None)
    if not rope_type:
        raise ConfigError("config field 'rope_scaling.type' is required (e.g. \"yarn\")")
    factor = float(scaling.get("factor", 1.0))
    original = int(scaling.get("original_max_position_embeddings", config.max_position_embeddings))
    have = current_rope(config)
    stretched = have.get("rope_type", have.get("type")) == "yarn"
    if stretched:
        # transformers reads YaRN without an original length as over max_position_embeddings.
        had = int(have.get("original_max_position_embeddings") or config.max_position_embeddings)
        if rope_type != "yarn" or original != had:
            raise ConfigError(
                f"config field 'rope_scaling' asks for {rope_type} over {original} positions, but the model already "
                f"has YaRN (factor {have.get('factor')} over {had} original positions, max_position_embeddings "
                f"{config.max_position_embeddings}): applying it again would stretch a stretched context; pass "
                f"original_max_position_embeddings {had}, or no rope_scaling to keep the model's"
            )
    if hasattr(config, "rope_parameters"):
        params = dict(config.rope_parameters or {})
        params.update(scaling, rope_type=rope_type)
        config.rope_parameters = params
    else:
        config.rope_scaling = {"type": rope_type, "rope_type": rope_type, **scaling}
    wanted = int(original * factor)
    config.max_position_embeddings = wanted if stretched else max(config.max_position_embeddings, wanted)


def load_model(path: str, rt: Runtime, rope_scaling: dict | None = None, eager: bool = False, dtype=torch.float32):
    from transformers import AutoConfig, AutoModelForCausalLM

    config = AutoConfig.from_pretrained(path)
    if rope_scaling:
        apply_rope_scaling(config, rope_scaling)
    config.use_cache = False
    kwargs = {"config": config, "dtype": dtype}
    if eager:
        kwargs["attn_implementation"] = "eager"
    model = AutoModelForCausalLM.from_pretrained(path, **kwargs)
    return model.to(rt.device)


# Verdict token pairs tried in order by `auto`: ' YES' is one token for Qwen2.5, two for SmolLM2 (which has ' Yes').
VERDICT_PAIRS = ((" YES", " NO"), ("YES", "NO"), (" Yes", " No"), ("Yes", "No"))


def verdict_ids(tokenizer, yes: str, no: str, command: str) -> tuple[int, int]:
    """The (yes, no) token ids a yes/no scorer compares; `auto` takes the first pair that is one token each."""
    if yes == "auto" and no == "auto":
        for y, n in VERDICT_PAIRS:
            ids = [tokenizer.encode(t, add_special_tokens=False) for t in (y, n)]
            if all(len(i) == 1 for i in ids) and ids[0] != ids[1]:
                return ids[0][0], ids[1][0]
        raise ConfigError(
            f"config fields '{command}.yes_token' / '{command}.no_token': no pair of {list(VERDICT_PAIRS)} is one "
            "token each in this tokenizer; set both explicitly"
        )
    return token_id(tokenizer, yes, f"{command}.yes_token"), token_id(tokenizer, no, f"{command}.no_token")


def token_id(tokenizer, text: str, field: str) -> int:
    ids = tokenizer.encode(text, add_special_tokens=False)
    if len(ids) != 1:
        raise ConfigError(f"config field '{field}' ({text!r}) must encode to exactly one token, got {ids}")
    return ids[0]
