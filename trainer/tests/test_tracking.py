"""Tracking: a training command writes TensorBoard scalars (and its config as text) by default, read back with
TensorBoard's own reader; MLflow 3 with its default store (sqlite mlflow.db: in the out_dir for a command started by
hand, at the artifacts root the gpu worker passes, so a run's SFT and RL iterations share one store), read back with
MLflow's own client: parameters, the config artifact, the metrics and the pipeline tags; an explicit
MLFLOW_TRACKING_URI wins; a file store MLflow refuses, and a tracking library that is asked for but not installed,
fail with exit 2 and say how to fix it."""

import glob
import json

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
    config_text = acc.Tensors("sft/config/text_summary")[0].tensor_proto.string_val[0].decode()
    assert '"max_seq_len": 128' in config_text


def test_mlflow_default_store_gets_params_config_and_metrics(tiny_model, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    clear_tracking_env(monkeypatch)
    monkeypatch.setenv("SWE_FORGE_TRACKING", "mlflow")
    monkeypatch.setenv("SWE_FORGE_RUN_ID", "run-7")
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    code, events, err = run_cli("sft", sft_config(tiny_model, tmp_path, out))
    assert code == 0, err
    assert (out / "mlflow.db").is_file() and (out / "mlartifacts").is_dir()
    assert not (tmp_path / "mlflow.db").exists() and not (tmp_path / "mlruns").exists()
    client = MlflowClient(tracking_uri=f"sqlite:///{out / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("run-7")  # the run id names the experiment
    [run] = client.search_runs([experiment.experiment_id])
    assert run.info.run_name == "run-7/sft"
    assert run.info.status == "FINISHED"
    assert run.data.tags["swe_forge.command"] == "sft"
    params = run.data.params
    assert (params["model"], params["steps"], params["lr"], params["batch_size"]) == (tiny_model, "3", "0.001", "2")
    history = client.get_metric_history(run.info.run_id, "sft/loss")
    progress = [e["loss"] for e in events if e["event"] == "progress"]
    assert [m.step for m in history] == [1, 2, 3]
    assert [round(m.value, 4) for m in history] == [round(x, 4) for x in progress]
    assert "sft/final/tokens_per_s" in run.data.metrics
    config = json.loads(open(client.download_artifacts(run.info.run_id, "config.json", str(tmp_path))).read())
    assert config["max_seq_len"] == 128 and config["out_dir"] == str(out)


def clear_tracking_env(monkeypatch):
    for var in ("MLFLOW_TRACKING_URI", "MLFLOW_ALLOW_FILE_STORE", "MLFLOW_EXPERIMENT_NAME", "SWE_FORGE_TRACKING_DIR",
                "SWE_FORGE_ARTIFACTS_DIR", "SWE_FORGE_RUN_ID", "SWE_FORGE_STAGE", "SWE_FORGE_JOB",
                "SWE_FORGE_ITERATION"):  # fmt: skip
        monkeypatch.delenv(var, raising=False)


def as_worker(monkeypatch, stage: str, job: str, iteration: int | None = None) -> None:
    """The variables the gpu worker sets for a trainer command (activities/training/launch.ts trackingEnv)."""
    monkeypatch.setenv("SWE_FORGE_STAGE", stage)
    monkeypatch.setenv("SWE_FORGE_JOB", job)
    if iteration is None:
        monkeypatch.delenv("SWE_FORGE_ITERATION", raising=False)
    else:
        monkeypatch.setenv("SWE_FORGE_ITERATION", str(iteration))


def test_one_store_per_deployment_holds_a_runs_sft_and_rl_iteration(tiny_model, tmp_path, monkeypatch):
    from mlflow.tracking import MlflowClient

    clear_tracking_env(monkeypatch)
    artifacts, run_dir = tmp_path / "artifacts", tmp_path / "artifacts" / "runs" / "run-9"
    monkeypatch.setenv("SWE_FORGE_TRACKING", "mlflow")
    monkeypatch.setenv("SWE_FORGE_ARTIFACTS_DIR", str(artifacts))
    monkeypatch.setenv("SWE_FORGE_RUN_ID", "run-9")
    monkeypatch.chdir(tmp_path)
    as_worker(monkeypatch, "sft", "sft")
    code, _, err = run_cli("sft", sft_config(tiny_model, tmp_path, run_dir / "sft"))
    assert code == 0, err
    rows = [{"messages": m, "advantage": a, "group": "g"} for m, a in zip(CONVERSATIONS[2:], (1.0, -1.0))]
    raw = {"model": tiny_model, "batch": str(write_jsonl(tmp_path / "batch.jsonl", rows)),
           "out_dir": str(run_dir / "rl" / "iter-1"), "l_max": 64, "group_size": 2, "device": "cpu"}  # fmt: skip
    as_worker(monkeypatch, "rl", "rl/iter-1", 1)
    code, _, err = run_cli("grpo-step", write_config(tmp_path, raw, "grpo.json"))
    assert code == 0, err

    assert (artifacts / "mlflow.db").is_file() and (artifacts / "mlartifacts").is_dir()
    assert not list(run_dir.rglob("mlflow.db")) and not (tmp_path / "mlflow.db").exists()
    client = MlflowClient(tracking_uri=f"sqlite:///{artifacts / 'mlflow.db'}")
    experiment = client.get_experiment_by_name("run-9")
    runs = {r.info.run_name: r for r in client.search_runs([experiment.experiment_id])}
    assert sorted(runs) == ["run-9/rl/iter-1", "run-9/sft"]
    sft, rl = runs["run-9/sft"], runs["run-9/rl/iter-1"]
    pick = lambda r: {k: v for k, v in r.data.tags.items() if k.startswith("swe_forge.")}  # noqa: E731
    assert pick(sft) == {"swe_forge.command": "sft", "swe_forge.run_id": "run-9", "swe_forge.stage": "sft",
                         "swe_forge.job": "sft"}  # fmt: skip
    assert pick(rl) == {"swe_forge.command": "grpo-step", "swe_forge.run_id": "run-9", "swe_forge.stage": "rl",
                        "swe_forge.job": "rl/iter-1", "swe_forge.iteration": "1"}  # fmt: skip
    assert [m.step for m in client.get_metric_history(sft.info.run_id, "sft/loss")] == [1, 2, 3]
    assert "grpo-step/final/tokens" in rl.data.metrics and rl.data.params["group_size"] == "2"

    # An explicit MLFLOW_TRACKING_URI still wins over the deployment's store.
    other = tmp_path / "other.db"
    monkeypatch.setenv("MLFLOW_TRACKING_URI", f"sqlite:///{other}")
    as_worker(monkeypatch, "sft", "sft/round-2")
    code, _, err = run_cli("sft", sft_config(tiny_model, tmp_path, run_dir / "sft-round-2"))
    assert code == 0, err
    assert other.is_file()
    elsewhere = MlflowClient(tracking_uri=f"sqlite:///{other}")
    [moved] = elsewhere.search_runs([elsewhere.get_experiment_by_name("run-9").experiment_id])
    assert moved.info.run_name == "run-9/sft/round-2"
    assert len(client.search_runs([experiment.experiment_id])) == 2  # nothing more in the deployment's store


def test_mlflow_file_store_is_refused_with_the_fix(tiny_model, tmp_path, monkeypatch):
    monkeypatch.delenv("MLFLOW_ALLOW_FILE_STORE", raising=False)
    monkeypatch.setenv("SWE_FORGE_TRACKING", "tensorboard,mlflow")
    monkeypatch.setenv("MLFLOW_TRACKING_URI", (tmp_path / "mlruns").as_uri())
    code, events, _ = run_cli("sft", sft_config(tiny_model, tmp_path, tmp_path / "out"))
    assert code == 2
    message = events[-1]["message"]
    assert "cannot use tracking URI file://" in message
    assert "MLFLOW_ALLOW_FILE_STORE=true" in message and "sqlite:///" in message


def test_tracking_off_and_missing_backend(tiny_model, tmp_path, monkeypatch):
    monkeypatch.setenv("SWE_FORGE_TRACKING", "none")
    code, _, err = run_cli("sft", sft_config(tiny_model, tmp_path, tmp_path / "off"))
    assert code == 0, err
    assert not (tmp_path / "off" / "tensorboard").exists()
    monkeypatch.setenv("SWE_FORGE_TRACKING", "tensorboard,wandb")
    code, events, _ = run_cli("sft", sft_config(tiny_model, tmp_path, tmp_path / "wb"))
    assert code == 2
    assert "wandb, which is not installed" in events[-1]["message"]


def test_model_builders_are_not_tracked(tmp_path, monkeypatch):
    # prepare-base-model and make-tiny-model replace their out_dir whole: a TensorBoard folder inside it would be
    # renamed away under the writer (the conversion then failed at exit on a machine without the model cached).
    from types import SimpleNamespace

    from swe_forge_trainer import tracking

    monkeypatch.delenv("SWE_FORGE_TRACKING", raising=False)
    for command in ("prepare-base-model", "make-tiny-model"):
        tracking.start(command, SimpleNamespace(out_dir=str(tmp_path / command)))
        assert tracking._active == []
    tracking.start("sft", SimpleNamespace(out_dir=str(tmp_path / "sft")))
    try:
        assert len(tracking._active) == 1
    finally:
        tracking.stop()
