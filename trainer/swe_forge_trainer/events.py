"""The stdout event protocol: one JSON object per line, nothing else on stdout.

Libraries (torch.onnx, C extensions, stray prints) may write to file descriptor 1, which would corrupt the
stream the TypeScript side parses. `claim_stdout` therefore moves the real stdout to a private descriptor and
points fd 1 (and `sys.stdout`) at stderr, so only `emit` can reach the parent's stdout pipe.
"""

from __future__ import annotations

import json
import logging
import math
import os
import sys
import threading
from typing import Any

_lock = threading.Lock()
_stream = None
_enabled = True
_listeners: list = []  # tracking.Tracker instances: they see every event rank 0 emits

log = logging.getLogger("swe_forge_trainer")


def claim_stdout() -> None:
    global _stream
    if _stream is not None:
        return
    sys.stdout.flush()
    private_fd = os.dup(1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    _stream = os.fdopen(private_fd, "w", buffering=1, encoding="utf-8")


def set_enabled(enabled: bool) -> None:
    """Non-zero DDP ranks stay silent: rank 0 speaks for the job."""
    global _enabled
    _enabled = enabled


def _clean(value: Any) -> Any:
    # NaN / Infinity are not JSON; the TS side would fail to parse the whole line.
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and callable(value.item):
        return _clean(value.item())
    return value


def emit(event: str, **fields: Any) -> None:
    if not _enabled:
        return
    cleaned = _clean(fields)
    line = json.dumps({"event": event, **cleaned}, allow_nan=False, ensure_ascii=False)
    with _lock:
        stream = _stream or sys.__stdout__
        stream.write(line + "\n")
        stream.flush()
    for listener in list(_listeners):
        try:
            listener(event, cleaned)
        except Exception as err:  # noqa: BLE001 - a tracking backend must never fail the training it watches
            log.warning("tracking: %s: %s", type(err).__name__, err)


def add_listener(fn) -> None:
    _listeners.append(fn)


def remove_listener(fn) -> None:
    if fn in _listeners:
        _listeners.remove(fn)


def setup_logging() -> None:
    level = os.environ.get("SWE_FORGE_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(stream=sys.stderr, level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
