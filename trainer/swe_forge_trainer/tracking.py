"""Experiment tracking: every training command's progress and final metrics as TensorBoard scalars by default, and
to MLflow or Weights & Biases when asked for. It listens to the event stream (events.emit), so a command needs no
tracking code of its own. Each backend also gets the command's config: MLflow as parameters (dotted keys) and a
`config.json` artifact, W&B as the run config, TensorBoard as a text summary.

    SWE_FORGE_TRACKING       comma list of tensorboard, mlflow, wandb (default tensorboard; "none" turns it off)
    SWE_FORGE_TRACKING_DIR   TensorBoard log folder (default <out_dir>/tensorboard), and where mlflow.db goes
    SWE_FORGE_ARTIFACTS_DIR  set by the gpu worker: the deployment's artifacts root, where mlflow.db goes otherwise
    SWE_FORGE_RUN_ID, SWE_FORGE_STAGE, SWE_FORGE_JOB, SWE_FORGE_ITERATION   set by the gpu worker: which pipeline
                             run, stage (sft, sweWorld, rl), job (sft/round-2, rl/iter-3, verifier) and RL iteration
    MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME, WANDB_PROJECT, WANDB_MODE   read by those libraries

MLflow 3 keeps runs in a database (its default is sqlite:///mlflow.db in the working directory; the file store
./mlruns is refused unless MLFLOW_ALLOW_FILE_STORE=true). Without MLFLOW_TRACKING_URI the trainer uses that default
store at a known place, one per deployment: sqlite:///<dir>/mlflow.db with dir the first of SWE_FORGE_TRACKING_DIR,
SWE_FORGE_ARTIFACTS_DIR (the worker's artifacts root) and out_dir (a command started by hand), with artifacts
(config.json) in mlartifacts/ beside it; MlflowClient(tracking_uri=...) reads it (`mlflow ui` too, with the full
mlflow). So a pipeline run's SFT, every RL iteration and the verifier land in one store, in one experiment
(MLFLOW_EXPERIMENT_NAME, else the run id, else swe-forge), one MLflow run per trainer command named
<run id>/<job or command> and tagged swe_forge.run_id / stage / job / iteration / command. The sqlite store needs
sqlalchemy and alembic (trainer/requirements.txt installs them with mlflow-skinny); a store MLflow cannot open fails
the command with exit 2 and says how to fix it.
wandb is imported only when named and is not installed by default (pip install wandb).
Scalars are keyed <command>/<metric>; `progress` events log at their step, the `done` metrics at the final step
(for grpo: the policy step of the checkpoint it wrote, so RL iterations line up one after another).
"""

from __future__ import annotations

import dataclasses
import json
import os
from numbers import Number
from pathlib import Path

from . import events
from .config import ConfigError

BACKENDS = ("tensorboard", "mlflow", "wandb")
UNTRACKED = ("make-tiny-model", "prepare-base-model")
_active: list[Tracker] = []


def _scalars(fields: dict, prefix: str) -> dict[str, float]:
    out = {}
    for key, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, Number):
            continue
        out[f"{prefix}/{key}"] = float(value)
    return out


def _plain(value):
    """A config value as JSON has it (paths, tuples and other objects as text)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def _flat(value, prefix: str = "") -> dict[str, str]:
    """Dotted parameters: nested objects become a.b.c; lists stay one JSON value (MLflow caps a value at 6000)."""
    if isinstance(value, dict) and value:
        out = {}
        for k, v in value.items():
            out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    text = value if isinstance(value, str) else json.dumps(value)
    return {prefix: text[:6000]}


def _tensorboard_sink(command: str, out_dir: str | None, params: dict):
    from torch.utils.tensorboard import SummaryWriter

    log_dir = os.environ.get("SWE_FORGE_TRACKING_DIR") or os.path.join(out_dir or ".", "tensorboard")
    writer = SummaryWriter(log_dir=os.path.join(log_dir, command))
    writer.add_text(f"{command}/config", f"```json\n{json.dumps(params, indent=2)}\n```", 0)
    return (lambda m, s: [writer.add_scalar(k, v, s) for k, v in m.items()], writer.close)


def _pipeline_tags(command: str) -> dict[str, str]:
    """Which pipeline run, stage, job and RL iteration this command trains (the gpu worker sets them)."""
    tags = {"swe_forge.command": command}
    for key, var in (("run_id", "RUN_ID"), ("stage", "STAGE"), ("job", "JOB"), ("iteration", "ITERATION")):
        if os.environ.get(f"SWE_FORGE_{var}"):
            tags[f"swe_forge.{key}"] = os.environ[f"SWE_FORGE_{var}"]
    return tags


def _experiment(mlflow, name: str, root: str, given: bool) -> None:
    if not given and mlflow.get_experiment_by_name(name) is None:
        # Next to the default store, not ./mlruns in whatever folder the trainer was started from.
        try:
            mlflow.create_experiment(name, artifact_location=Path(root, "mlartifacts").as_uri())
        except Exception:  # another command of the deployment created it first: use theirs
            if mlflow.get_experiment_by_name(name) is None:
                raise
    mlflow.set_experiment(name)


def _mlflow_sink(mlflow, command: str, log_root: str, run_name: str, params: dict):
    given = os.environ.get("MLFLOW_TRACKING_URI")
    root = os.path.abspath(log_root)
    uri = given or f"sqlite:///{os.path.join(root, 'mlflow.db')}"
    if uri.startswith("sqlite:"):
        os.makedirs(log_root, exist_ok=True)
        missing = [m for m in ("sqlalchemy", "alembic") if not _importable(m)]
        if missing:
            raise ConfigError(
                f"MLflow {mlflow.__version__} keeps runs in {uri}, which needs {' and '.join(missing)} "
                f"(mlflow-skinny leaves them out): pip install {' '.join(missing)} in the trainer venv, or set "
                "MLFLOW_TRACKING_URI to a tracking server (http://host:5000)"
            )
    mlflow.set_tracking_uri(uri)
    try:
        name = os.environ.get("MLFLOW_EXPERIMENT_NAME") or os.environ.get("SWE_FORGE_RUN_ID") or "swe-forge"
        _experiment(mlflow, name, root, bool(given))
        mlflow.start_run(run_name=run_name, tags=_pipeline_tags(command))
    except Exception as err:  # noqa: BLE001 - translated: the store is the user's to fix
        hint = (
            "MLflow 3 refuses the file store: set MLFLOW_TRACKING_URI=sqlite:///<dir>/mlflow.db (or unset it for "
            f"sqlite:///{root}/mlflow.db), or MLFLOW_ALLOW_FILE_STORE=true to keep the file store"
            if "file" in type(err).__name__.lower() or "filesystem tracking backend" in str(err)
            else "check MLFLOW_TRACKING_URI (unset: sqlite:///<artifacts or out_dir>/mlflow.db)"
        )
        raise ConfigError(f"MLflow {mlflow.__version__} cannot use tracking URI {uri}: {hint}") from err
    mlflow.log_params(_flat(params))
    mlflow.log_dict(params, "config.json")
    return (lambda m, s: mlflow.log_metrics(m, step=s), mlflow.end_run)


def _importable(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


class Tracker:
    def __init__(
        self, command: str, out_dir: str | None, names: list[str], run_name: str, params: dict | None = None
    ) -> None:
        self.command = command
        self.step = 0
        self.sinks = []
        params = params or {}
        # Every library named must import before any sink opens: a TensorBoard writer left open keeps a thread
        # that would hold the failed process alive.
        libs = {name: _optional(name) for name in names if name != "tensorboard"}
        try:
            for name in names:
                if name == "tensorboard":
                    self.sinks.append(_tensorboard_sink(command, out_dir, params))
                elif name == "mlflow":
                    env = os.environ.get
                    log_root = env("SWE_FORGE_TRACKING_DIR") or env("SWE_FORGE_ARTIFACTS_DIR") or out_dir or "."
                    self.sinks.append(_mlflow_sink(libs["mlflow"], command, log_root, run_name, params))
                elif name == "wandb":
                    project = os.environ.get("WANDB_PROJECT", "swe-forge")
                    run = libs["wandb"].init(project=project, name=run_name, reinit=True, config=params)
                    self.sinks.append((lambda m, s: run.log(m, step=s), run.finish))
        except BaseException:
            self.close()  # a sink that cannot open must not leave the others' threads running
            raise

    def __call__(self, event: str, fields: dict) -> None:
        if event == "progress":
            self.step = int(fields.get("step", self.step + 1))
            metrics = _scalars({k: v for k, v in fields.items() if k not in ("step", "total_steps")}, self.command)
        elif event == "done" and isinstance(fields.get("metrics"), dict):
            m = fields["metrics"]
            self.step = int(m["step"]) if isinstance(m.get("step"), int) and not isinstance(m["step"], bool) else self.step
            metrics = _scalars(m, f"{self.command}/final")
        else:
            return
        for log, _ in self.sinks:
            log(metrics, self.step)

    def close(self) -> None:
        for _, close in self.sinks:
            close()
        self.sinks = []


def _optional(module: str):
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(
            f"SWE_FORGE_TRACKING names {module}, which is not installed (pip install {module} in the trainer venv)"
        ) from None


def backends() -> list[str]:
    raw = os.environ.get("SWE_FORGE_TRACKING", "tensorboard").strip()
    names = [n.strip() for n in raw.split(",") if n.strip() and n.strip() != "none"]
    bad = [n for n in names if n not in BACKENDS]
    if bad:
        raise ConfigError(f"SWE_FORGE_TRACKING: unknown backend {', '.join(bad)} (known: {', '.join(BACKENDS)})")
    return names


def start(command: str, cfg) -> None:
    """Called once the command's config is valid; only rank 0 tracks (it is the one that emits)."""
    # The model builders train nothing and replace their out_dir whole: event files written there would vanish
    # under the writer (prepare-base-model crashed at exit on a fresh machine, its TensorBoard folder renamed away).
    if os.environ.get("RANK", "0") != "0" or command in UNTRACKED:
        return
    names = backends()
    if not names:
        return
    out_dir = getattr(cfg, "out_dir", None)
    # Commands without an output folder (serve, serve-llama, conversions) train nothing: tracking them would only
    # drop event files into the working directory.
    if not out_dir and not os.environ.get("SWE_FORGE_TRACKING_DIR"):
        return
    run_name = os.environ.get("SWE_FORGE_RUN_ID") or os.path.basename(os.path.normpath(out_dir or command))
    job = os.environ.get("SWE_FORGE_JOB") or command
    params = _plain(dataclasses.asdict(cfg) if dataclasses.is_dataclass(cfg) else {})
    tracker = Tracker(command, out_dir, names, f"{run_name}/{job}", params)
    _active.append(tracker)
    events.add_listener(tracker)


def stop() -> None:
    while _active:
        tracker = _active.pop()
        events.remove_listener(tracker)
        tracker.close()
