"""DDP code paths on CPU (gloo): two torchrun ranks must produce the update a single process produces."""

import os
import shutil
import subprocess

import torch
from conftest import CONVERSATIONS, cli_env, parse_events, run_inprocess, write_config, write_jsonl

from swe_forge_trainer import grpo

TORCHRUN = shutil.which("torchrun") or os.path.join(os.path.dirname(os.sys.executable), "torchrun")


def test_two_rank_grpo_step_equals_single_process(tiny_model, tmp_path, capfd):
    rows = [
        {"messages": CONVERSATIONS[i], "advantage": a, "group": "g", "masked": False}
        for i, a in [(0, 1.0), (2, -1.0), (3, 0.5)]
    ]
    batch = write_jsonl(tmp_path / "batch.jsonl", rows)
    raw = {"model": tiny_model, "batch": str(batch), "l_max": 256, "group_size": 4, "lr": 1e-3, "device": "cpu"}
    single = run_inprocess(grpo, "grpo-step", {**raw, "out_dir": str(tmp_path / "single")}, capfd)[-1]

    path = write_config(tmp_path, {**raw, "out_dir": str(tmp_path / "ddp")})
    cmd = [
        TORCHRUN,
        "--standalone",
        "--nproc_per_node=2",
        "-m",
        "swe_forge_trainer",
        "grpo-step",
        "--config",
        str(path),
    ]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=cli_env(), timeout=180)
    assert proc.returncode == 0, proc.stderr[-3000:]
    events = parse_events(proc.stdout)
    assert [e["event"] for e in events].count("start") == 1  # only rank 0 speaks
    done = events[-1]
    assert done["metrics"]["tokens"] == single["metrics"]["tokens"]
    assert abs(done["metrics"]["loss"] - single["metrics"]["loss"]) < 1e-6

    from safetensors.torch import load_file

    a = load_file(os.path.join(done["checkpoint"], "model.safetensors"))
    b = load_file(os.path.join(single["checkpoint"], "model.safetensors"))
    assert max((a[k] - b[k]).abs().max().item() for k in a) < 1e-5
    assert torch.is_tensor(a["lm_head.weight"])
