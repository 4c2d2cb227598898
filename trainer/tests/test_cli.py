"""Exit codes and error events for failures that a CPU run cannot provoke for real (CUDA OOM)."""

import subprocess
import sys

import pytest
from conftest import cli_env, parse_events

SCRIPT = """
import dataclasses, sys, types, torch
from swe_forge_trainer import cli
fake = types.ModuleType("swe_forge_trainer.fake")
fake.SPEC = dataclasses.make_dataclass("FakeConfig", [], frozen=True)
def run(cfg):
    raise {error}
fake.run = run
sys.modules["swe_forge_trainer.fake"] = fake
cli.COMMANDS["fake"] = "fake"
sys.exit(cli.main(["fake", "--config", sys.argv[1]]))
"""


@pytest.mark.parametrize(
    "error, code, kind",
    [
        ("torch.cuda.OutOfMemoryError('CUDA out of memory. Tried to allocate 2.00 GiB')", 3, "cuda_oom"),
        ("RuntimeError('boom')", 1, "internal"),
    ],
)
def test_failures_map_to_exit_codes_and_error_events(tmp_path, error, code, kind):
    (tmp_path / "c.json").write_text("{}")
    script = SCRIPT.replace("{error}", error)
    proc = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path / "c.json")], capture_output=True, text=True, env=cli_env()
    )
    assert proc.returncode == code, proc.stderr
    events = parse_events(proc.stdout)
    assert events[0] == {"event": "start", "command": "fake"}
    assert events[-1]["event"] == "error" and events[-1]["kind"] == kind
    assert len(proc.stdout.splitlines()) == len(events)  # nothing but JSON on stdout
