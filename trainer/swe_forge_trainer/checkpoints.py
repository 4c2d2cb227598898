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
    base = root(out_dir)
    if not os.path.isdir(base):
        return
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


def save(out_dir: str, step: int, model, tokenizer, optimizer, state: dict, keep: int) -> str:
    final = step_dir(out_dir, step)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    inner = getattr(model, "module", model)  # unwrap DDP
    inner.save_pretrained(tmp, safe_serialization=True)
    tokenizer.save_pretrained(tmp)
    if optimizer is not None:
        torch.save(optimizer.state_dict(), os.path.join(tmp, "optimizer.pt"))
    torch.save(rng_state(), os.path.join(tmp, "rng_state.pt"))
    with open(os.path.join(tmp, "trainer_state.json"), "w", encoding="utf-8") as fh:
        json.dump({"step": step, **state}, fh, indent=2)
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


def read_state(path: str) -> dict | None:
    file = os.path.join(path, "trainer_state.json")
    if not os.path.isfile(file):
        return None
    with open(file, encoding="utf-8") as fh:
        return json.load(fh)


def load_optimizer(path: str, optimizer) -> bool:
    file = os.path.join(path, "optimizer.pt")
    if not os.path.isfile(file):
        return False
    optimizer.load_state_dict(torch.load(file, map_location="cpu", weights_only=False))
    return True
