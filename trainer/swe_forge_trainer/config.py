"""Config validation: each command declares its config as a frozen dataclass; errors name the full field path.

Unknown fields are rejected too, so a typo on the TypeScript side (`learning_rate` for `lr`) fails loudly instead
of silently training with a default. A field's type hint is its JSON type (str, int, float, bool, list[str],
dict[str, Any], Literal[...] for an enum, a nested config dataclass, `X | None` for an optional value); its
metadata carries the help text and an optional check. A JSON `null` is the same as leaving the field out.
"""

from __future__ import annotations

import dataclasses
import json
import math
import os
import types
import typing
from collections.abc import Callable
from typing import Any, Literal, TypeVar

REQUIRED = dataclasses.MISSING
T = TypeVar("T")
Device = Literal["auto", "cpu", "cuda"]


class ConfigError(Exception):
    """Bad input: exit code 2, event kind `bad_input`."""


def param(default: Any = REQUIRED, help: str = "", check: Callable[[Any], str | None] | None = None) -> Any:
    """One config field: `lr: float = param(1e-5, "AdamW learning rate", positive)`; no default = required.
    A list default is copied per instance. `check` returns an error message or None."""
    metadata = {"help": help, "check": check}
    if isinstance(default, list):
        return dataclasses.field(default_factory=lambda: list(default), metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def device_param() -> Any:
    return param("auto", "where to run: auto picks cuda when available")


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


def is_required(f: dataclasses.Field) -> bool:
    return f.default is REQUIRED and f.default_factory is REQUIRED


def hints(cls: type) -> dict[str, Any]:
    """The resolved type of each field (the modules use `from __future__ import annotations`)."""
    return typing.get_type_hints(cls)


def members(hint: Any) -> tuple[Any, ...]:
    """The alternatives of a union other than None (`int | None` -> (int,)); a plain type -> (hint,)."""
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return tuple(a for a in typing.get_args(hint) if a is not type(None))
    return (hint,)


def _expected(hint: Any) -> str:
    if typing.get_origin(hint) is Literal:
        return "one of " + ", ".join(json.dumps(c) for c in typing.get_args(hint))
    if dataclasses.is_dataclass(hint) or typing.get_origin(hint) is dict or hint is dict:
        return "an object"
    if typing.get_origin(hint) is list:
        return "a list of strings"
    return {str: "a non-empty string", int: "an integer", float: "a finite number", bool: "true or false"}[hint]


def _matches(hint: Any, v: Any) -> bool:
    if typing.get_origin(hint) is Literal:
        return v in typing.get_args(hint)
    if dataclasses.is_dataclass(hint) or typing.get_origin(hint) is dict or hint is dict:
        return isinstance(v, dict)
    if typing.get_origin(hint) is list:
        return isinstance(v, list) and all(isinstance(x, str) for x in v)
    if hint is str:
        return isinstance(v, str) and bool(v)
    if hint is int:
        return isinstance(v, int) and not isinstance(v, bool)
    if hint is float:
        return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    if hint is bool:
        return isinstance(v, bool)
    raise TypeError(f"config type {hint!r} has no JSON form")


def typed(path: str, hint: Any, v: Any) -> Any:
    """`v` as the type `hint` asks for (nested configs built), or a ConfigError naming `path`."""
    for option in members(hint):
        if _matches(option, v):
            if dataclasses.is_dataclass(option):
                return _build(path, option, v)
            return float(v) if option is float else v
    expected = " or ".join(_expected(option) for option in members(hint))
    raise ConfigError(f"config field '{path}' must be {expected} (got {json.dumps(v)[:80]})")


def _build(path: str, cls: type[T], raw: dict) -> T:
    known = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(raw) - set(known))
    if unknown:
        raise ConfigError(
            f"config field '{path}.{unknown[0]}' is not a known field (known: {', '.join(sorted(known))})"
        )
    types_of, out = hints(cls), {}
    for name, f in known.items():
        where = f"{path}.{name}"
        if raw.get(name) is None:
            if is_required(f):
                raise ConfigError(f"config field '{where}' is required ({f.metadata.get('help', '')})")
            continue  # the dataclass default applies
        value = typed(where, types_of[name], raw[name])
        check = f.metadata.get("check")
        if check is not None:
            problem = check(value)
            if problem:
                raise ConfigError(f"config field '{where}' {problem}")
        out[name] = value
    return cls(**out)


def parse(command: str, raw: Any, spec: type[T]) -> T:
    """The command's config dataclass from its JSON object, or a ConfigError naming the dotted field."""
    if not isinstance(raw, dict):
        raise ConfigError(f"config for '{command}' must be a JSON object")
    return _build(command, spec, raw)


def load_file(path: str) -> Any:
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"config file not found: {path}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"config file {path} is not valid JSON: {err}") from None
