"""The typed config boundary: frozen dataclasses, dotted-path errors for nested fields, and `--schema` agreeing with
what the loader accepts (the TypeScript side validates its config files against that schema)."""

import dataclasses
import json
import subprocess
import sys

import pytest
from conftest import cli_env, run_cli, write_config

from swe_forge_trainer import cli, config, schema, sft
from swe_forge_trainer.config import ConfigError


def sft_raw(tiny_model, tmp_path, **extra) -> dict:
    data = tmp_path / "d.jsonl"
    data.write_text('{"messages": []}\n')
    return {"model": tiny_model, "data": str(data), "out_dir": str(tmp_path / "o"), "steps": 1, **extra}


def test_the_config_is_a_frozen_dataclass_with_nested_lora(tiny_model, tmp_path):
    cfg = config.parse("sft", sft_raw(tiny_model, tmp_path, lora={"rank": 4, "alpha": 8}), sft.SPEC)
    assert isinstance(cfg, sft.SftConfig) and cfg.lr == 1e-5 and cfg.micro_batch_size is None
    assert (cfg.lora.rank, cfg.lora.alpha, cfg.lora.dropout, cfg.lora.target_modules) == (4, 8.0, 0.0, "all-linear")
    assert isinstance(cfg.lora.alpha, float)  # an integer JSON number for a float field arrives as a float
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.lr = 1.0
    assert config.parse("sft", sft_raw(tiny_model, tmp_path, lora=None), sft.SPEC).lora is None


@pytest.mark.parametrize(
    "lora, message",
    [
        ({"rnk": 4}, "'sft.lora.rnk' is not a known field (known: alpha, dropout, rank, target_modules)"),
        ({"rank": "4"}, "'sft.lora.rank' must be an integer"),
        ({"rank": 0}, "'sft.lora.rank' must be > 0"),
        ({"target_modules": 3}, "'sft.lora.target_modules' must be a non-empty string or a list of strings"),
        ("yes", "'sft.lora' must be an object"),
    ],
)
def test_nested_errors_name_the_dotted_field(tiny_model, tmp_path, lora, message):
    with pytest.raises(ConfigError) as err:
        config.parse("sft", sft_raw(tiny_model, tmp_path, lora=lora), sft.SPEC)
    assert message in str(err.value)


def test_a_nested_error_is_bad_input_exit_2(tiny_model, tmp_path):
    code, events, _ = run_cli("sft", write_config(tmp_path, sft_raw(tiny_model, tmp_path, lora={"rnk": 4})))
    assert code == 2
    assert events[-1]["kind"] == "bad_input" and "'sft.lora.rnk'" in events[-1]["message"]


def matches(s: dict, v) -> bool:
    """The few JSON Schema keywords schema.py writes."""
    if "anyOf" in s:
        return any(matches(o, v) for o in s["anyOf"])
    if "enum" in s:
        return v in s["enum"]
    kind = s["type"]
    if kind == "array":
        return isinstance(v, list) and all(matches(s["items"], x) for x in v)
    if kind == "object":
        props = s.get("properties")
        if not isinstance(v, dict) or props is None:
            return isinstance(v, dict)
        return all(k in props and matches(props[k], x) for k, x in v.items()) and set(s["required"]) <= set(v)
    ok = {
        "null": v is None,
        "boolean": isinstance(v, bool),
        "integer": isinstance(v, int) and not isinstance(v, bool),
        "number": isinstance(v, (int, float)) and not isinstance(v, bool),
        "string": isinstance(v, str) and len(v) >= s.get("minLength", 0),
    }[kind]
    return ok


SAMPLES = [None, True, 0, 3, 2.5, "", "auto", "cpu", "fsdp", "sampler", "orm", [], ["a"], [1], {},
           {"rank": 2}, {"rank": 2.5}, {"rnk": 2}]  # fmt: skip


def test_the_schema_takes_exactly_the_values_the_loader_types():
    # Every field of every command, every sample: the loader's type stage accepts it iff the schema does (bounds
    # and file checks aside: they run after typing).
    for command, cls in cli.config_types().items():
        props, hints = schema.config_schema(cls)["properties"], config.hints(cls)
        for f in dataclasses.fields(cls):
            for v in SAMPLES:
                if v is None:
                    loader = not config.is_required(f)  # null reads as absent
                else:
                    try:
                        config.typed(f"{command}.{f.name}", hints[f.name], v)
                        loader = True
                    except ConfigError:
                        loader = False
                assert matches(props[f.name], v) == loader, (command, f.name, v)


def test_schema_flag_prints_every_commands_config():
    proc = subprocess.run(
        [sys.executable, "-m", "swe_forge_trainer", "--schema"], capture_output=True, text=True, env=cli_env()
    )
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert list(out) == list(cli.COMMANDS)
    grpo = out["grpo-step"]
    assert grpo["additionalProperties"] is False
    assert set(grpo["required"]) == {"model", "out_dir", "batch", "l_max", "group_size"}
    assert grpo["properties"]["eps_high"]["default"] == 0.28
    assert grpo["properties"]["old_logprobs"]["anyOf"][0] == {"enum": ["sampler", "recomputed"]}
    lora = out["sft"]["properties"]["lora"]["anyOf"][0]
    assert lora["additionalProperties"] is False and set(lora["properties"]) == {"rank", "alpha", "dropout",
                                                                                 "target_modules"}  # fmt: skip
    for command, cls in cli.config_types().items():
        assert set(out[command]["properties"]) == {f.name for f in dataclasses.fields(cls)}, command
