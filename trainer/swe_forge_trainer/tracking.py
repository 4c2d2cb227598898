"""Experiment tracking: every training command's progress and final metrics as TensorBoard scalars by default, and
to MLflow or Weights & Biases when asked for. It listens to the event stream (events.emit), so a command needs no
tracking code of its own.

    SWE_FORGE_TRACKING       comma list of tensorboard, mlflow, wandb (default tensorboard; "none" turns it off)
    SWE_FORGE_TRACKING_DIR   TensorBoard log folder (default <out_dir>/tensorboard)
    MLFLOW_TRACKING_URI, MLFLOW_EXPERIMENT_NAME, WANDB_PROJECT, WANDB_MODE   read by those libraries

mlflow and wandb are imported only when named, and are not installed by default (pip install mlflow / wandb).
Scalars are keyed <command>/<metric>; `progress` events log at their step, the `done` metrics at the final step
(for grpo: the policy step of the checkpoint it wrote, so RL iterations line up one after another).
"""

from __future__ import annotations

import os
from numbers import Number

from . import events
from .config import ConfigError

BACKENDS = ("tensorboard", "mlflow", "wandb")
_active: list[Tracker] = []


def _scalars(fields: dict, prefix: str) -> dict[str, float]:
    out = {}
    for key, value in fields.items():
        if isinstance(value, bool) or not isinstance(value, Number):
            continue
        out[f"{prefix}/{key}"] = float(value)
    return out


class Tracker:
    def __init__(self, command: str, out_dir: str | None, names: list[str], run_name: str) -> None:
        self.command = command
        self.step = 0
        self.sinks = []
        # Every library named must import before any sink opens: a TensorBoard writer left open keeps a thread
        # that would hold the failed process alive.
        libs = {name: _optional(name) for name in names if name != "tensorboard"}
        for name in names:
            if name == "tensorboard":
                from torch.utils.tensorboard import SummaryWriter

                log_dir = os.environ.get("SWE_FORGE_TRACKING_DIR") or os.path.join(out_dir or ".", "tensorboard")
                writer = SummaryWriter(log_dir=os.path.join(log_dir, command))
                self.sinks.append((lambda m, s, w=writer: [w.add_scalar(k, v, s) for k, v in m.items()], writer.close))
            elif name == "mlflow":
                mlflow = libs["mlflow"]
                mlflow.set_experiment(os.environ.get("MLFLOW_EXPERIMENT_NAME", "swe-forge"))
                mlflow.start_run(run_name=run_name)
                self.sinks.append((lambda m, s: mlflow.log_metrics(m, step=s), mlflow.end_run))
            elif name == "wandb":
                wandb = libs["wandb"]
                run = wandb.init(project=os.environ.get("WANDB_PROJECT", "swe-forge"), name=run_name, reinit=True)
                self.sinks.append((lambda m, s: run.log(m, step=s), run.finish))

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
    if os.environ.get("RANK", "0") != "0" or command == "make-tiny-model":
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
    tracker = Tracker(command, out_dir, names, f"{run_name}/{command}")
    _active.append(tracker)
    events.add_listener(tracker)


def stop() -> None:
    while _active:
        tracker = _active.pop()
        events.remove_listener(tracker)
        tracker.close()
