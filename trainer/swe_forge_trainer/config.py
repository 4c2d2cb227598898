"""Config validation: each command declares a SPEC of Fields; errors name the full field path.

Unknown fields are rejected too, so a typo on the TypeScript side (`learning_rate` for `lr`) fails loudly instead
of silently training with a default.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

REQUIRED = object()


class ConfigError(Exception):
    """Bad input: exit code 2, event kind `bad_input`."""


@dataclass(frozen=True)
class Field:
    kind: str  # str | int | float | bool | list[str] | object | any | enum
    default: Any = REQUIRED
    help: str = ""
    check: Callable[[Any], str | None] | None = None  # returns an error message or None
    choices: tuple = ()


def positive(v: Any) -> str | None:
    return None if v > 0 else "must be > 0"


def non_negative(v: Any) -> str | None:
    return None if v >= 0 else "must be >= 0"


def existing_file(v: str) -> str | None:
    return None if os.path.isfile(v) else f"file not found: {v}"


def model_dir(v: str) -> str | None:
    if not os.path.isdir(v):
        return f"directory not found: {v}"
    return None if os.path.isfile(os.path.join(v, "config.json")) else f"no config.json in model directory {v}"


def _typed(path: str, f: Field, v: Any) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"config field '{path}' must be {expected} (got {json.dumps(v)[:80]})")

    if f.kind == "str":
        if not isinstance(v, str) or not v:
            raise bad("a non-empty string")
    elif f.kind == "int":
        if isinstance(v, bool) or not isinstance(v, int):
            raise bad("an integer")
    elif f.kind == "float":
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
            raise bad("a finite number")
        v = float(v)
    elif f.kind == "bool":
        if not isinstance(v, bool):
            raise bad("true or false")
    elif f.kind == "list[str]":
        if not isinstance(v, list) or not all(isinstance(x, str) for x in v):
            raise bad("a list of strings")
    elif f.kind == "object":
        if not isinstance(v, dict):
            raise bad("an object")
    elif f.kind == "enum":
        if v not in f.choices:
            raise bad("one of " + ", ".join(json.dumps(c) for c in f.choices))
    return v


def parse(command: str, raw: Any, spec: dict[str, Field]) -> SimpleNamespace:
    if not isinstance(raw, dict):
        raise ConfigError(f"config for '{command}' must be a JSON object")
    unknown = sorted(set(raw) - set(spec))
    if unknown:
        raise ConfigError(
            f"config field '{command}.{unknown[0]}' is not a known field (known: {', '.join(sorted(spec))})"
        )
    out: dict[str, Any] = {}
    for name, f in spec.items():
        path = f"{command}.{name}"
        if name not in raw or raw[name] is None:
            if f.default is REQUIRED:
                raise ConfigError(f"config field '{path}' is required ({f.help})")
            out[name] = f.default
            continue
        value = _typed(path, f, raw[name])
        if f.check is not None:
            problem = f.check(value)
            if problem:
                raise ConfigError(f"config field '{path}' {problem}")
        out[name] = value
    return SimpleNamespace(**out)


def load_file(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"config file {path} is not valid JSON: {err}") from None


def device_field() -> Field:
    return Field("enum", "auto", "where to run: auto picks cuda when available", choices=("auto", "cpu", "cuda"))
