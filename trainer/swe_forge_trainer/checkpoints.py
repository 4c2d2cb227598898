"""Checkpoint layout: <out_dir>/checkpoints/step-000010/ written as step-000010.tmp then renamed.

A directory named step-NNNNNN (no .tmp) is complete by construction: rename is atomic on one filesystem, and
trainer_state.json is the last file written before it.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil

import numpy as np
import torch

from . import events

STEP_DIR = re.compile(r"^step-(\d{6,})$")
log = events.log


def root(out_dir: str) -> str:
    return os.path.join(out_dir, "checkpoints")


def step_dir(out_dir: str, step: int) -> str:
    return os.path.join(root(out_dir), f"step-{step:06d}")


def list_complete(out_dir: str) -> list[tuple[int, str]]:
    base = root(out_dir)
    if not os.path.isdir(base):
        return []
    found = []
    for name in os.listdir(base):
        m = STEP_DIR.match(name)
        path = os.path.join(base, name)
        if m and os.path.isfile(os.path.join(path, "trainer_state.json")):
            found.append((int(m.group(1)), path))
    return sorted(found)


def latest(out_dir: str) -> tuple[int, str] | None:
    found = list_complete(out_dir)
    return found[-1] if found else None


def remove_partial(out_dir: str) -> None:
    """A .tmp directory is what a killed process left mid-save; it is never resumable."""
    for base in (root(out_dir), os.path.join(out_dir, "optimizer")):
        if not os.path.isdir(base):
            continue
        for name in os.listdir(base):
            if name.endswith(".tmp"):
                log.info("removing partial checkpoint %s", name)
                shutil.rmtree(os.path.join(base, name), ignore_errors=True)


def rng_state() -> dict:
    state = {"python": random.getstate(), "numpy": np.random.get_state(), "torch": torch.get_rng_state()}
    if torch.cuda.is_available():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def restore_rng(path: str) -> None:
    file = os.path.join(optimizer_dir(path), "rng_state.pt")
    if not os.path.isfile(file):
        file = os.path.join(path, "rng_state.pt")
    if not os.path.isfile(file):
        return
    state = torch.load(file, weights_only=False)
    random.setstate(state["python"])
    np.random.set_state(state["numpy"])
    torch.set_rng_state(state["torch"])
    if "cuda" in state and torch.cuda.is_available():
        torch.cuda.set_rng_state_all(state["cuda"])


def _fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def optimizer_dir(step_path: str) -> str:
    """Optimizer and RNG state live apart from the served folder: <out_dir>/optimizer/step-N for
    <out_dir>/checkpoints/step-N."""
    step_path = os.path.abspath(step_path)
    return os.path.join(os.path.dirname(os.path.dirname(step_path)), "optimizer", os.path.basename(step_path))


def named_optimizer_state(module, optimizer) -> dict:
    """An optimizer state dict keyed by parameter name (the format of torch.distributed.checkpoint's full state)."""
    names = {p: n for n, p in module.named_parameters()}
    native = optimizer.state_dict()
    order = [names[p] for g in optimizer.param_groups for p in g["params"]]
    groups = [{**g, "params": [order[i] for i in g["params"]]} for g in native["param_groups"]]
    return {"state": {order[i]: v for i, v in native["state"].items()}, "param_groups": groups}


def _native_optimizer_state(saved: dict) -> dict:
    ids: dict = {}
    groups = [{**g, "params": [ids.setdefault(n, len(ids)) for n in g["params"]]} for g in saved["param_groups"]]
    return {"state": {ids[n]: v for n, v in saved["state"].items()}, "param_groups": groups}


def gather_state(model, optimizer) -> tuple[dict, dict | None]:
    """Full (unsharded, CPU) model and optimizer state dicts, keyed by parameter name so that any world size can load
    them. A collective under FSDP: every rank calls it; rank 0 gets the tensors, the others empty dicts."""
    from .distributed import is_sharded

    if not is_sharded(model):  # one process, or DDP replicas: nothing to gather, and no collective to wait on
        inner = getattr(model, "module", model)
        model_sd = {k: v.detach().cpu() for k, v in inner.state_dict().items()}
        return model_sd, named_optimizer_state(inner, optimizer) if optimizer is not None else None
    from torch.distributed.checkpoint.state_dict import StateDictOptions, get_model_state_dict, get_optimizer_state_dict

    opts = StateDictOptions(full_state_dict=True, cpu_offload=True)
    model_sd = get_model_state_dict(model, options=opts)
    optim_sd = get_optimizer_state_dict(model, optimizer, options=opts) if optimizer is not None else None
    return model_sd, optim_sd


def save(out_dir: str, step: int, model, tokenizer, optimizer, state: dict, keep: int, full=None) -> str:
    """Rank 0 writes; `full` is gather_state()'s result, which every rank must have computed under FSDP."""
    from .served import write_served

    model_sd, optim_sd = full if full is not None else gather_state(model, optimizer)
    final = step_dir(out_dir, step)
    tmp = final + ".tmp"
    opt_final = optimizer_dir(final)
    opt_tmp = opt_final + ".tmp"
    for d in (tmp, opt_tmp):
        shutil.rmtree(d, ignore_errors=True)
        os.makedirs(d)
    extra = write_served(model, model_sd, tokenizer, tmp)
    if optim_sd is not None:
        torch.save(optim_sd, os.path.join(opt_tmp, "optimizer.pt"))
    torch.save(rng_state(), os.path.join(opt_tmp, "rng_state.pt"))
    shutil.rmtree(opt_final, ignore_errors=True)
    os.rename(opt_tmp, opt_final)  # before the served folder: a complete step-N always has its optimizer state
    with open(os.path.join(tmp, "trainer_state.json"), "w", encoding="utf-8") as fh:
        json.dump({"step": step, **state, **extra}, fh, indent=2)
        fh.flush()
        os.fsync(fh.fileno())
    if os.path.isdir(final):
        shutil.rmtree(final)
    os.rename(tmp, final)
    _fsync_dir(root(out_dir))
    prune(out_dir, keep)
    return final


def prune(out_dir: str, keep: int) -> None:
    if keep <= 0:
        return
    for _, path in list_complete(out_dir)[:-keep]:
        shutil.rmtree(path, ignore_errors=True)
        shutil.rmtree(optimizer_dir(path), ignore_errors=True)


def read_state(path: str) -> dict | None:
    file = os.path.join(path, "trainer_state.json")
    if not os.path.isfile(file):
        return None
    with open(file, encoding="utf-8") as fh:
        return json.load(fh)


def load_optimizer(path: str, optimizer, model=None) -> bool:
    """Loads the optimizer state saved with checkpoint `path` (any world size: it is keyed by parameter name)."""
    file = os.path.join(optimizer_dir(path), "optimizer.pt")
    if not os.path.isfile(file):
        file = os.path.join(path, "optimizer.pt")  # checkpoints written before the state moved out
    if not os.path.isfile(file):
        return False
    saved = torch.load(file, map_location="cpu", weights_only=False)
    named = any(isinstance(n, str) for g in saved["param_groups"] for n in g["params"])
    from .distributed import is_sharded

    if model is None or not is_sharded(model):
        # Same parameter order as when saved (same model, one process or replicas): names map back to positions.
        optimizer.load_state_dict(_native_optimizer_state(saved) if named else saved)
        return True
    from torch.distributed.checkpoint.state_dict import StateDictOptions, set_optimizer_state_dict

    set_optimizer_state_dict(model, optimizer, saved, options=StateDictOptions(full_state_dict=True))
    return True
