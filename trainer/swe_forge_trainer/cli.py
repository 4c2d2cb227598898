"""Entry point: `python -m swe_forge_trainer <command> --config FILE.json`; `--schema` prints every command's config
schema (JSON Schema, one object keyed by command).

Exit codes: 0 ok, 1 internal error, 2 bad input, 3 CUDA out of memory, 143 stopped by SIGTERM.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import traceback

from . import config, events, schema, tracking
from .config import ConfigError
from .runtime import STOP, Terminated, set_threads

COMMANDS = {
    "make-tiny-model": "tiny",
    "sft": "sft",
    "grpo-step": "grpo",
    "train-verifier": "verifier",
    "export-onnx": "onnx_export",
    "score": "scoring",
    "serve": "serve",
    "serve-llama": "serve_llama",
    "export-gguf": "gguf_export",
    "prepare-base-model": "base_models",
}
USAGE = f"usage: python -m swe_forge_trainer {{{','.join(COMMANDS)}}} --config FILE.json | --schema"


def config_types() -> dict[str, type]:
    """Each command's config dataclass (its module's SPEC)."""
    return {c: importlib.import_module(f".{m}", __package__).SPEC for c, m in COMMANDS.items()}


def _args(argv: list[str]) -> tuple[str, str]:
    if not argv or argv[0] not in COMMANDS:
        raise ConfigError(f"unknown or missing command {argv[0] if argv else ''!r}; {USAGE}")
    rest = argv[1:]
    if len(rest) == 1 and rest[0].startswith("--config="):
        return argv[0], rest[0].split("=", 1)[1]
    if len(rest) != 2 or rest[0] != "--config":
        raise ConfigError(f"expected --config FILE.json after the command; {USAGE}")
    return argv[0], rest[1]


def _fail(kind: str, message: str, code: int) -> int:
    events.log.error("%s: %s", kind, message)
    events.emit("error", kind=kind, message=message)
    return code


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 0
    if argv == ["--schema"]:
        print(json.dumps(schema.command_schemas(config_types()), indent=2))
        return 0
    events.claim_stdout()
    events.set_enabled(os.environ.get("RANK", "0") == "0")  # under torchrun, rank 0 speaks for the job
    events.setup_logging()
    # Progress bars are stderr noise for a child process; the event stream carries progress.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    STOP.install()
    try:
        if argv and argv[0] in COMMANDS:
            events.emit("start", command=argv[0])
        command, path = _args(argv)
        module = importlib.import_module(f".{COMMANDS[command]}", __package__)
        cfg = config.parse(command, config.load_file(path), module.SPEC)
        set_threads()
        tracking.start(command, cfg)
        module.run(cfg)
        return 0
    except ConfigError as err:
        return _fail("bad_input", str(err), 2)
    except Terminated:
        events.log.warning("stopped by SIGTERM")
        return 143
    except Exception as err:  # noqa: BLE001 - translated into the protocol, then the process exits
        if _is_cuda_oom(err):
            return _fail("cuda_oom", str(err).splitlines()[0] if str(err) else "CUDA out of memory", 3)
        traceback.print_exc(file=sys.stderr)
        return _fail("internal", f"{type(err).__name__}: {err}", 1)
    finally:
        tracking.stop()
        _shutdown_distributed()


def _is_cuda_oom(err: BaseException) -> bool:
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(err, torch.cuda.OutOfMemoryError)


def _shutdown_distributed() -> None:
    torch = sys.modules.get("torch")
    if torch is not None and torch.distributed.is_available() and torch.distributed.is_initialized():
        torch.distributed.destroy_process_group()
