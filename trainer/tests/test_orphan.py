"""A deferred SIGTERM waits for the step, unless the worker that launched the trainer is gone (then: exit now)."""

import os
import signal
import subprocess
import sys
import time

# A training step of 5 s (time.sleep resumes after the handler runs), then the flag is read as the loop reads it.
CHILD = """
import sys, time
from swe_forge_trainer.runtime import STOP
STOP.install(); STOP.defer()
print("ready", flush=True)
end = time.time() + 5
while time.time() < end:
    time.sleep(end - time.time())
open(sys.argv[1], "w").write("step finished")
print("stopped-after-step" if STOP.requested else "not-requested", flush=True)
"""

# The middle process starts the trainer stand-in, prints its pid, and (when told to) dies first.
MIDDLE = """
import subprocess, sys
p = subprocess.Popen([sys.executable, "-c", sys.argv[1], sys.argv[3]], stdout=subprocess.PIPE, text=True)
assert p.stdout.readline().strip() == "ready"
print(p.pid, flush=True)
if sys.argv[2] == "orphan":
    sys.exit(0)
print(p.stdout.read().strip(), flush=True)
print(p.wait(), flush=True)
"""


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def _env():
    return {**os.environ, "PYTHONPATH": os.path.join(os.path.dirname(__file__), "..")}


def test_deferred_sigterm_with_parent_alive_finishes_the_step(tmp_path):
    marker = str(tmp_path / "step")
    mid = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, CHILD, "stay", marker], stdout=subprocess.PIPE, text=True, env=_env()
    )
    pid = int(mid.stdout.readline())
    os.kill(pid, signal.SIGTERM)
    out, _ = mid.communicate(timeout=60)
    assert out.split() == ["stopped-after-step", "0"]
    assert os.path.exists(marker)


def test_deferred_sigterm_after_the_parent_died_exits_without_finishing_the_step(tmp_path):
    marker = str(tmp_path / "step")
    mid = subprocess.Popen(
        [sys.executable, "-c", MIDDLE, CHILD, "orphan", marker], stdout=subprocess.PIPE, text=True, env=_env()
    )
    pid = int(mid.stdout.readline())
    mid.wait(timeout=30)
    assert _alive(pid)
    os.kill(pid, signal.SIGTERM)
    deadline = time.time() + 30
    while _alive(pid) and time.time() < deadline:
        time.sleep(0.05)
    assert not _alive(pid)
    assert not os.path.exists(marker)
