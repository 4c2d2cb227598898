"""JSON Schema of the command configs, generated from their dataclasses (`python -m swe_forge_trainer --schema`).

The TypeScript side checks what it writes against this (test/unit/activities/trainerSchema.test.ts). Checks that
JSON Schema can state (`positive`, `non_negative`) become bounds; the others (a file exists, steps xor epochs) stay
in the loader only.
"""

from __future__ import annotations

import dataclasses
import typing
from typing import Any, Literal

from .config import hints, is_required, members, non_negative, positive

BOUNDS = {positive: {"exclusiveMinimum": 0}, non_negative: {"minimum": 0}}
SCALARS = {
    str: {"type": "string", "minLength": 1},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
}


def _type_schema(hint: Any) -> dict:
    options = members(hint)
    if len(options) > 1:
        return {"anyOf": [_type_schema(o) for o in options]}
    hint = options[0]
    if typing.get_origin(hint) is Literal:
        return {"enum": list(typing.get_args(hint))}
    if dataclasses.is_dataclass(hint):
        return config_schema(hint)
    if typing.get_origin(hint) is list:
        return {"type": "array", "items": {"type": "string"}}  # the loader's only list: of any strings
    if typing.get_origin(hint) is dict or hint is dict:
        return {"type": "object"}
    return dict(SCALARS[hint])


def _default(f: dataclasses.Field) -> Any:
    return f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default


def config_schema(cls: type) -> dict:
    """An object schema: every field a property, the required ones listed, nothing else allowed. An optional field
    also takes null (the loader reads null as absent)."""
    types_of, props, required = hints(cls), {}, []
    for f in dataclasses.fields(cls):
        prop = _type_schema(types_of[f.name])
        prop.update(BOUNDS.get(f.metadata.get("check"), {}) if "type" in prop else {})
        if is_required(f):
            required.append(f.name)
        else:
            prop = {"anyOf": [*prop.get("anyOf", [prop]), {"type": "null"}], "default": _default(f)}
        if f.metadata.get("help"):
            prop["description"] = f.metadata["help"]
        props[f.name] = prop
    return {"type": "object", "properties": props, "required": required, "additionalProperties": False}


def command_schemas(specs: dict[str, type]) -> dict:
    return {
        command: {"$schema": "https://json-schema.org/draft/2020-12/schema", "title": command, **config_schema(cls)}
        for command, cls in specs.items()
    }
