"""FSDP2 on CPU (gloo): two sharded torchrun ranks must train exactly what one process trains on the same global
batch; checkpoints are consolidated HF folders whose optimizer state lives apart and resumes on another world size;
LoRA checkpoints carry peft adapters that load."""

import os
import shutil
import subprocess

import pytest
import torch
from conftest import CONVERSATIONS, cli_env, parse_events, run_inprocess, write_config, write_jsonl
from safetensors.torch import load_file

from swe_forge_trainer import sft

TORCHRUN = shutil.which("torchrun") or os.path.join(os.path.dirname(os.sys.executable), "torchrun")


def torchrun(tmp_path, command: str, raw: dict, name: str) -> list[dict]:
    path = write_config(tmp_path, raw, f"{name}.json")
    cmd = [TORCHRUN, "--standalone", "--nproc_per_node=2", "-m", "swe_forge_trainer", command, "--config", str(path)]
    proc = subprocess.run(cmd, capture_output=True, text=True, env=cli_env(), timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    return parse_events(proc.stdout)


def weights(checkpoint: str) -> dict:
    return load_file(os.path.join(checkpoint, "model.safetensors"))


def max_diff(a: dict, b: dict) -> float:
    assert set(a) == set(b)
    return max((a[k] - b[k]).abs().max().item() for k in a)


def losses(events: list[dict]) -> list[float]:
    return [e["loss"] for e in events if e["event"] == "progress"]


@pytest.fixture()
def sft_data(tmp_path):
    return str(write_jsonl(tmp_path / "sft.jsonl", [{"messages": m} for m in CONVERSATIONS]))


def base_raw(tiny_model, data) -> dict:
    return {"model": tiny_model, "data": data, "steps": 2, "lr": 1e-3, "device": "cpu", "save_every": 1}


def test_two_rank_fsdp_sft_equals_one_process(tiny_model, sft_data, tmp_path, capfd):
    raw = base_raw(tiny_model, sft_data)
    # One process: the whole global batch of 4, two micro-batches of 2 (gradient accumulation).
    one = {**raw, "batch_size": 4, "micro_batch_size": 2, "out_dir": str(tmp_path / "one")}
    single = run_inprocess(sft, "sft", one, capfd)
    # Two FSDP ranks with 2 rows each, one row per micro-batch, checkpointed layers, logits in chunks of 8 tokens.
    sharded = torchrun(
        tmp_path,
        "sft",
        {**raw, "batch_size": 2, "micro_batch_size": 1, "gradient_checkpointing": True, "logit_chunk": 8,
         "engine": "fsdp", "out_dir": str(tmp_path / "two")},  # fmt: skip
        "two",
    )
    assert [e["event"] for e in sharded].count("start") == 1  # only rank 0 speaks
    assert sharded[-1]["metrics"]["sharded"] and sharded[-1]["metrics"]["world_size"] == 2
    assert not single[-1]["metrics"]["sharded"]
    assert losses(sharded) == pytest.approx(losses(single), abs=1e-5)
    assert len(losses(single)) == 2
    a, b = weights(sharded[-1]["checkpoint"]), weights(single[-1]["checkpoint"])
    assert max_diff(a, b) < 1e-5
    assert max_diff(a, load_file(os.path.join(tiny_model, "model.safetensors"))) > 1e-4  # it did train
    # The served folder holds no optimizer state; that lives in <out_dir>/optimizer/step-N.
    served = sharded[-1]["checkpoint"]
    assert not os.path.exists(os.path.join(served, "optimizer.pt"))
    assert os.path.isfile(os.path.join(tmp_path / "two", "optimizer", "step-000002", "optimizer.pt"))


def test_resume_on_another_world_size(tiny_model, sft_data, tmp_path, capfd):
    raw = base_raw(tiny_model, sft_data)
    straight = run_inprocess(sft, "sft", {**raw, "batch_size": 4, "out_dir": str(tmp_path / "straight")}, capfd)
    out = str(tmp_path / "resumed")
    torchrun(tmp_path, "sft", {**raw, "steps": 1, "batch_size": 2, "out_dir": out}, "first")  # 2 ranks, step 1
    resumed = run_inprocess(sft, "sft", {**raw, "batch_size": 4, "out_dir": out}, capfd)  # 1 process, step 2
    assert resumed[-1]["metrics"]["resumed_from_step"] == 1
    assert max_diff(weights(resumed[-1]["checkpoint"]), weights(straight[-1]["checkpoint"])) < 1e-5


def test_lora_checkpoint_serves_merged_and_loads_as_adapter(tiny_model, sft_data, tmp_path, capfd):
    from peft import PeftModel
    from transformers import AutoModelForCausalLM

    raw = {**base_raw(tiny_model, sft_data), "lr": 1e-2, "batch_size": 2, "lora": {"rank": 4, "alpha": 8}}
    done = run_inprocess(sft, "sft", {**raw, "out_dir": str(tmp_path / "lora")}, capfd)[-1]
    ckpt = done["checkpoint"]
    assert os.path.isfile(os.path.join(ckpt, "adapter", "adapter_config.json"))
    ids = torch.tensor([[5, 17, 42, 99, 3, 250]])
    with torch.no_grad():
        base = AutoModelForCausalLM.from_pretrained(tiny_model).eval()
        before = base(ids).logits
        adapted = PeftModel.from_pretrained(base, os.path.join(ckpt, "adapter")).eval()(ids).logits
        merged = AutoModelForCausalLM.from_pretrained(ckpt).eval()(ids).logits
    assert (adapted - before).abs().max().item() > 1e-4  # the adapters changed the model
    assert (merged - adapted).abs().max().item() < 1e-4  # the served folder is base + adapters
    assert set(weights(ckpt)) == set(weights(tiny_model))  # plain HF names: vLLM and `serve` load it as-is


def test_two_rank_fsdp_orm_verifier_equals_one_process(tiny_model, tmp_path, capfd):
    from swe_forge_trainer import verifier

    rows = [{"text": f"Patch {i}: {'fixes it' if i % 2 else 'empty diff'}. Answer:", "label": i % 2} for i in range(8)]
    raw = {"kind": "orm", "model": tiny_model, "data": str(write_jsonl(tmp_path / "orm.jsonl", rows)), "steps": 2,
           "lr": 1e-3, "max_seq_len": 64, "device": "cpu", "balance": False}  # fmt: skip
    one = {**raw, "batch_size": 4, "out_dir": str(tmp_path / "one")}
    single = run_inprocess(verifier, "train-verifier", one, capfd)
    # The scorer (decoder + two head rows) is what FSDP wraps here, not the bare model.
    sharded = torchrun(tmp_path, "train-verifier", {**raw, "batch_size": 2, "out_dir": str(tmp_path / "two")}, "orm2")
    assert sharded[-1]["metrics"]["sharded"]
    assert losses(sharded) == pytest.approx(losses(single), abs=1e-5)
    assert max_diff(weights(sharded[-1]["checkpoint"]), weights(single[-1]["checkpoint"])) < 1e-5


def test_two_rank_fsdp_grpo_step_equals_one_process(tiny_model, tmp_path, capfd):
    from swe_forge_trainer import grpo

    # Two mini-batches: the second holds one row, so rank 1 runs a masked stand-in there; rank 0 has 2 micro-batches
    # in the first and rank 1 one, so rank 1 also runs a masked copy. Neither may change the update or the counts.
    rows = [
        {"messages": CONVERSATIONS[i], "advantage": a, "group": g, "masked": False}
        for i, a, g in [(0, 1.0, "g1"), (2, -1.0, "g1"), (3, 0.5, "g1"), (1, 0.7, "g2")]
    ]
    raw = {"model": tiny_model, "batch": str(write_jsonl(tmp_path / "batch.jsonl", rows)), "l_max": 256,
           "group_size": 4, "lr": 1e-3, "device": "cpu", "mini_batches": 2, "ppo_epochs": 2}  # fmt: skip
    single = run_inprocess(grpo, "grpo-step", {**raw, "out_dir": str(tmp_path / "one")}, capfd)[-1]
    sharded = torchrun(tmp_path, "grpo-step", {**raw, "out_dir": str(tmp_path / "two"), "engine": "fsdp"}, "grpo2")[-1]
    for key in ("loss", "loss_last_epoch", "clip_fraction", "tokens", "assistant_turns", "updates"):
        assert sharded["metrics"][key] == pytest.approx(single["metrics"][key], abs=1e-6), key
    assert max_diff(weights(sharded["checkpoint"]), weights(single["checkpoint"])) < 1e-5


def _children(pid: int) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as fh:
                    if int(fh.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except (OSError, ValueError, IndexError):
                pass
    return found


def _rank_pid(torchrun_pid: int, rank: int) -> int:
    for pid in _children(torchrun_pid):
        with open(f"/proc/{pid}/environ", "rb") as fh:
            if f"RANK={rank}".encode() in fh.read().split(b"\0"):
                return pid
    raise AssertionError(f"no rank {rank} under torchrun {torchrun_pid}")


def test_a_killed_rank_fails_the_job_and_the_rerun_resumes(tiny_model, sft_data, tmp_path):
    import json
    import signal

    raw = {**base_raw(tiny_model, sft_data), "steps": 40, "batch_size": 2, "out_dir": str(tmp_path / "out")}
    path = write_config(tmp_path, raw, "kill.json")
    cmd = [TORCHRUN, "--standalone", "--nproc_per_node=2", "-m", "swe_forge_trainer", "sft", "--config", str(path)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=cli_env())
    for line in proc.stdout:  # rank 0's events; kill rank 1 once a checkpoint exists
        if line.startswith("{") and json.loads(line)["event"] == "checkpoint":
            os.kill(_rank_pid(proc.pid, 1), signal.SIGKILL)
            break
    proc.communicate(timeout=300)
    assert proc.returncode not in (0, 143)  # a failure the activity retries (TrainerFailed / TrainerKilled)
    saved = sorted(os.listdir(tmp_path / "out" / "checkpoints"))
    assert saved and all(not s.endswith(".tmp") for s in saved)
    rerun = torchrun(tmp_path, "sft", {**raw, "steps": int(saved[-1].split("-")[1]) + 1}, "rerun")
    assert rerun[-1]["metrics"]["resumed_from_step"] == int(saved[-1].split("-")[1])


def test_cpu_bf16_autocast_trains_close_to_fp32_and_keeps_fp32_weights(tiny_model, sft_data, tmp_path, capfd):
    raw = {**base_raw(tiny_model, sft_data), "batch_size": 2}
    fp32 = run_inprocess(sft, "sft", {**raw, "out_dir": str(tmp_path / "fp32")}, capfd)
    bf16 = run_inprocess(sft, "sft", {**raw, "cpu_bf16": True, "out_dir": str(tmp_path / "bf16")}, capfd)
    a, b = losses(fp32), losses(bf16)
    assert len(a) == len(b) == 2
    # bf16 matmuls change the numbers (so the flag reached autocast) but not the training.
    assert a != b
    assert all(abs(x - y) / x < 0.05 for x, y in zip(a, b))
    w = weights(bf16[-1]["checkpoint"])
    assert all(t.dtype == torch.float32 for t in w.values())
