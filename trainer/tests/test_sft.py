import json
import os
import signal

import pytest
from conftest import CONVERSATIONS, EventReader, run_cli, run_inprocess, start_cli, write_config, write_jsonl

from swe_forge_trainer import config, sft
from swe_forge_trainer.config import ConfigError


@pytest.fixture
def sft_data(tmp_path):
    return write_jsonl(tmp_path / "sft.jsonl", [{"messages": m} for m in CONVERSATIONS])


def sft_config(tiny_model, data, out_dir, **extra):
    return {
        "model": tiny_model, "data": str(data), "out_dir": str(out_dir), "steps": 20, "lr": 3e-3,
        "batch_size": 4, "max_seq_len": 256, "save_every": 10, "seed": 1, "device": "cpu", **extra,
    }  # fmt: skip


def test_loss_falls_on_a_fixed_batch(tiny_model, sft_data, tmp_path, capfd):
    # batch_size = number of rows: every step sees the same four conversations.
    events = run_inprocess(sft, "sft", sft_config(tiny_model, sft_data, tmp_path / "out"), capfd)
    losses = [e["loss"] for e in events if e["event"] == "progress"]
    assert len(losses) == 20 and [e["step"] for e in events if e["event"] == "progress"] == list(range(1, 21))
    assert losses[-1] < 0.6 * losses[0]
    done = events[-1]
    assert done["event"] == "done" and done["checkpoint"].endswith("checkpoints/step-000020")
    assert sorted(os.listdir(tmp_path / "out" / "checkpoints")) == ["step-000010", "step-000020"]
    files = set(os.listdir(done["checkpoint"]))
    assert {"model.safetensors", "config.json", "tokenizer.json", "trainer_state.json"} <= files
    # Optimizer and RNG state sit apart from the served folder, and are pruned with it.
    assert sorted(os.listdir(tmp_path / "out" / "optimizer")) == ["step-000010", "step-000020"]
    assert {"optimizer.pt", "rng_state.pt"} <= set(os.listdir(tmp_path / "out" / "optimizer" / "step-000020"))
    state = json.loads(open(os.path.join(done["checkpoint"], "trainer_state.json")).read())
    assert state["step"] == 20 and state["command"] == "sft"


def test_packing_and_rope_scaling(tiny_model, sft_data, tmp_path, capfd):
    rope = {"type": "yarn", "factor": 2.0, "original_max_position_embeddings": 4096}
    raw = sft_config(tiny_model, sft_data, tmp_path / "out", steps=2, batch_size=1, packing=True, max_seq_len=400)
    raw["rope_scaling"] = rope
    events = run_inprocess(sft, "sft", raw, capfd)
    assert events[-1]["metrics"]["sequences"] < 4  # several conversations share a row
    config = json.loads(open(os.path.join(events[-1]["checkpoint"], "config.json")).read())
    rope = config.get("rope_parameters") or config.get("rope_scaling")
    assert rope["rope_type"] == "yarn" and rope["factor"] == 2.0 and config["max_position_embeddings"] == 8192


def final_weights(checkpoint):
    from safetensors.torch import load_file

    return load_file(os.path.join(checkpoint, "model.safetensors"))


def test_kill_9_then_restart_resumes_at_the_saved_step(tiny_model, sft_data, tmp_path, capfd):
    raw = sft_config(tiny_model, sft_data, tmp_path / "out", steps=80, batch_size=2, save_every=5)
    path = write_config(tmp_path, raw)
    proc = start_cli("sft", path)
    reader = EventReader(proc)
    first = reader.wait_for(lambda e: e["event"] == "checkpoint")
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert first["step"] == 5 and os.path.isdir(first["path"])

    code, events, err = run_cli("sft", path)
    assert code == 0, err
    progress = [e for e in events if e["event"] == "progress"]
    resumed_from = events[-1]["metrics"]["resumed_from_step"]
    assert resumed_from >= 5 and resumed_from % 5 == 0
    assert progress[0]["step"] == resumed_from + 1 and progress[-1]["step"] == 80
    assert events[-1]["checkpoint"].endswith("step-000080")
    assert not [n for n in os.listdir(tmp_path / "out" / "checkpoints") if n.endswith(".tmp")]

    # Same seed, same data order, optimizer state restored: identical to a run that was never interrupted.
    straight = run_inprocess(sft, "sft", {**raw, "out_dir": str(tmp_path / "straight")}, capfd)
    a, b = final_weights(events[-1]["checkpoint"]), final_weights(straight[-1]["checkpoint"])
    assert all((a[k] - b[k]).abs().max().item() < 1e-5 for k in a)


def test_sigterm_saves_a_checkpoint_and_exits_143(tiny_model, sft_data, tmp_path):
    raw = sft_config(tiny_model, sft_data, tmp_path / "out", steps=100000, batch_size=1, save_every=100000)
    proc = start_cli("sft", write_config(tmp_path, raw))
    reader = EventReader(proc)
    reader.wait_for(lambda e: e["event"] == "progress" and e["step"] >= 3)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 143
    ckpt = reader.wait_for(lambda e: e["event"] == "checkpoint", timeout=5)
    assert ckpt["step"] >= 3 and os.path.basename(ckpt["path"]) == f"step-{ckpt['step']:06d}"
    state = json.loads(open(os.path.join(ckpt["path"], "trainer_state.json")).read())
    assert state["step"] == ckpt["step"]
    assert not any(e["event"] == "done" for e in reader.events)


def test_bad_config_exits_2_naming_the_field(tiny_model, sft_data, tmp_path):
    raw = {**sft_config(tiny_model, sft_data, tmp_path / "out"), "lr": "fast"}
    code, events, err = run_cli("sft", write_config(tmp_path, raw))
    assert code == 2
    assert events == [
        {"event": "start", "command": "sft"},
        {
            "event": "error",
            "kind": "bad_input",
            "message": "config field 'sft.lr' must be a finite number (got \"fast\")",
        },
    ]
    assert "sft.lr" in err


@pytest.mark.parametrize(
    "patch, field",
    [
        ({"data": None}, "sft.data"),
        ({"batch_size": 0}, "sft.batch_size"),
        ({"learning_rate": 1e-3}, "sft.learning_rate"),
        ({"device": "tpu"}, "sft.device"),
        ({"model": "/nonexistent"}, "sft.model"),
        ({"packing": "yes"}, "sft.packing"),
    ],
)
def test_config_errors_name_the_field(tiny_model, sft_data, tmp_path, patch, field):
    raw = {**sft_config(tiny_model, sft_data, tmp_path / "out"), **patch}
    raw = {k: v for k, v in raw.items() if v is not None}
    with pytest.raises(ConfigError, match=f"'{field}'"):
        config.parse("sft", raw, sft.SPEC)


def test_steps_or_epochs_is_required(tiny_model, sft_data, tmp_path, capfd):
    raw = {k: v for k, v in sft_config(tiny_model, sft_data, tmp_path / "out").items() if k != "steps"}
    with pytest.raises(ConfigError, match="'sft.steps' or 'sft.epochs'"):
        run_inprocess(sft, "sft", raw, capfd)
    events = run_inprocess(sft, "sft", {**raw, "epochs": 2, "batch_size": 3}, capfd)
    assert events[-1]["metrics"]["steps"] == 4  # ceil(4 rows / 3) = 2 steps per epoch
