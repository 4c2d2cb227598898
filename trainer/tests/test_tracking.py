"""Tracking: a training command writes TensorBoard scalars by default (read back with TensorBoard's own reader),
turns it off on request, and names a tracking library that is asked for but not installed."""

import glob

from conftest import CONVERSATIONS, run_cli, write_config, write_jsonl
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator


def sft_config(tiny_model, tmp_path, out):
    data = write_jsonl(tmp_path / "sft.jsonl", [{"messages": m} for m in CONVERSATIONS])
    raw = {"model": tiny_model, "data": str(data), "out_dir": str(out), "steps": 3, "lr": 1e-3, "batch_size": 2,
           "max_seq_len": 128, "save_every": 3, "seed": 1, "device": "cpu"}  # fmt: skip
    return write_config(tmp_path, raw)


def test_sft_writes_tensorboard_scalars(tiny_model, tmp_path):
    code, events, err = run_cli("sft", sft_config(tiny_model, tmp_path, tmp_path / "out"))
    assert code == 0, err
    files = glob.glob(str(tmp_path / "out" / "tensorboard" / "sft" / "events.out.tfevents.*"))
    assert files
    acc = EventAccumulator(str(tmp_path / "out" / "tensorboard" / "sft"))
    acc.Reload()
    losses = acc.Scalars("sft/loss")
    assert [s.step for s in losses] == [1, 2, 3]
    progress = [e["loss"] for e in events if e["event"] == "progress"]
    assert [round(s.value, 4) for s in losses] == [round(x, 4) for x in progress]
    assert "sft/final/tokens_per_s" in acc.Tags()["scalars"]


def test_tracking_off_and_missing_backend(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("SWE_FORGE_TRACKING", "none")
    code, _, err = run_cli("sft", sft_config(tiny_model, tmp_path, tmp_path / "off"))
    assert code == 0, err
    assert not (tmp_path / "off" / "tensorboard").exists()
    monkeypatch.setenv("SWE_FORGE_TRACKING", "tensorboard,mlflow")
    code, events, _ = run_cli("sft", sft_config(tiny_model, tmp_path, tmp_path / "ml"))
    assert code == 2
    assert "mlflow, which is not installed" in events[-1]["message"]
