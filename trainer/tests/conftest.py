"""Shared fixtures: one tiny model per session, helpers to run commands in-process or as a real CLI child."""

from __future__ import annotations

import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads libgomp; see swe_forge_trainer/__main__.py
import torch  # noqa: E402

TRAINER_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TRAINER_DIR))
torch.set_num_threads(2)

from swe_forge_trainer import config  # noqa: E402


def tool_call(call_id: str, name: str, args: dict) -> dict:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": json.dumps(args)}}


CONVERSATIONS = [
    [
        {"role": "system", "content": "You are a software engineering agent."},
        {"role": "user", "content": "Fix the failing test in utils.py"},
        {
            "role": "assistant",
            "content": "Let me read the file.",
            "tool_calls": [tool_call("c1", "bash", {"cmd": "cat utils.py"})],
        },
        {"role": "tool", "content": "def add(a, b):\n    return a - b\n"},
        {
            "role": "assistant",
            "content": "",
            "tool_calls": [tool_call("c2", "file_editor", {"command": "str_replace", "old": "a - b", "new": "a + b"})],
        },
        {"role": "tool", "content": "File edited."},
        {"role": "assistant", "content": "Fixed the sign.", "tool_calls": [tool_call("c3", "submit", {})]},
    ],
    [
        {"role": "user", "content": "Rename variable x to count in loop.py"},
        {
            "role": "assistant",
            "content": "I will search for it first.",
            "tool_calls": [tool_call("s1", "search", {"term": "x"})],
        },
        {"role": "tool", "content": "loop.py:3: x = 0"},
        {"role": "assistant", "content": "Renaming now and submitting."},
    ],
    [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "What does git status show?"},
        {"role": "assistant", "content": "It shows the working tree state."},
    ],
    [
        {"role": "user", "content": "Run the tests"},
        {"role": "assistant", "content": "", "tool_calls": [tool_call("t1", "bash", {"cmd": "pytest -q"})]},
        {"role": "tool", "content": "3 passed in 0.02s"},
        {"role": "assistant", "content": "All tests pass.", "tool_calls": [tool_call("t2", "submit", {})]},
    ],
]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("corpus")
    write_jsonl(base / "conversations.jsonl", [{"messages": m} for m in CONVERSATIONS])
    (base / "notes.txt").write_text(
        "The patch resolves the issue. Tests pass. Answer YES or NO. def test_add(): assert add(1, 2) == 3\n" * 3
    )
    return base


@pytest.fixture(scope="session")
def tiny_model(corpus, tmp_path_factory) -> str:
    from swe_forge_trainer import tiny

    out = tmp_path_factory.mktemp("models") / "tiny"
    raw = {
        "out_dir": str(out),
        "corpus_files": [str(corpus / "conversations.jsonl"), str(corpus / "notes.txt")],
        "seed": 7,
    }
    tiny.run(config.parse("make-tiny-model", raw, tiny.SPEC))
    return str(out)


def parse_events(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


def run_inprocess(module, command: str, raw: dict, capfd) -> list[dict]:
    """Runs a command's `run` in this process; its stdout events are read back through pytest's fd capture."""
    capfd.readouterr()
    module.run(config.parse(command, raw, module.SPEC))
    return parse_events(capfd.readouterr().out)


def cli_env() -> dict:
    env = dict(os.environ, PYTHONPATH=str(TRAINER_DIR), SWE_FORGE_TORCH_THREADS="2")
    env.pop("WORLD_SIZE", None)
    return env


def write_config(tmp_path: Path, raw: dict, name: str = "config.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(raw), encoding="utf-8")
    return path


def start_cli(command: str, config_path: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "swe_forge_trainer", command, "--config", str(config_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=cli_env(),
    )


def run_cli(command: str, config_path: Path, timeout: float = 300) -> tuple[int, list[dict], str]:
    proc = start_cli(command, config_path)
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, parse_events(out), err


class EventReader:
    """Reads a child's stdout on a thread; every line must parse as JSON (the protocol says so)."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc = proc
        self.events: list[dict] = []
        self.queue: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self) -> None:
        for line in self.proc.stdout:
            event = json.loads(line)
            self.events.append(event)
            self.queue.put(event)
        self.queue.put(None)

    def wait_for(self, predicate, timeout: float = 180) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            try:
                event = self.queue.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                event = None
            if event is None:
                raise AssertionError(f"no matching event (exit code {self.proc.poll()}); got {self.events[-3:]}")
            if predicate(event):
                return event
