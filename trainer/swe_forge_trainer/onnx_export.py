"""`export-onnx`: the verifier as one ONNX graph, (input_ids, attention_mask) → p_yes, for scoring from Node.

The graph is `YesNoScorer` itself, so it computes exactly what `score` does, including the gather of the last
attended position. Eager attention and no KV cache keep the traced graph free of sdpa / cache-class branches.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Literal

import torch

from . import events
from .config import model_dir, param, positive
from .runtime import Runtime, load_model, load_tokenizer, verdict_ids
from .scoring import YesNoScorer

log = events.log

@dataclass(frozen=True, kw_only=True)
class ExportOnnxConfig:
    model: str = param(help="verifier model directory", check=model_dir)
    out_dir: str = param(help="gets model.onnx, tokenizer.json, scorer.json")
    yes_token: str = param(
        "auto", "token whose probability is the score (auto: the first of VERDICT_PAIRS that is one token)"
    )
    no_token: str = param("auto", "the competing token")
    max_seq_len: int = param(4096, "recorded in scorer.json: callers keep the last max_seq_len tokens", positive)
    opset: int = param(18, "ONNX opset", positive)
    exporter: Literal["auto", "torchscript", "dynamo"] = param(
        "auto", "auto (torchscript, else dynamo) | torchscript | dynamo"
    )


SPEC = ExportOnnxConfig

# Weights above this go to model.onnx.data beside the graph (protobuf cannot hold more than 2 GiB).
EXTERNAL_DATA_BYTES = 1 << 30


def _export(wrapper: torch.nn.Module, path: str, opset: int, external: bool, exporter: str) -> str:
    ids = torch.tensor([[1, 2, 3, 4, 5, 6], [7, 8, 9, 0, 0, 0]], dtype=torch.long)
    mask = torch.tensor([[1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0]], dtype=torch.long)
    names = {"input_names": ["input_ids", "attention_mask"], "output_names": ["p_yes"]}
    if exporter == "dynamo":
        return _export_dynamo(wrapper, (ids, mask), path, opset, external, names)
    try:
        # The TorchScript exporter is the more forgiving one with transformers' mask code; newer torch
        # releases may drop it, hence the dynamo fallback.
        axes = {"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}, "p_yes": {0: "batch"}}
        torch.onnx.export(wrapper, (ids, mask), path, dynamo=False, opset_version=opset, dynamic_axes=axes, **names)
        return "torchscript"
    except Exception as err:  # noqa: BLE001 - any failure of the legacy path means: try the other exporter
        if exporter == "torchscript":
            raise
        log.warning("legacy ONNX export failed (%s); using the dynamo exporter", err)
    return _export_dynamo(wrapper, (ids, mask), path, opset, external, names)


def _export_dynamo(wrapper, args, path: str, opset: int, external: bool, names: dict) -> str:
    batch, seq = torch.export.Dim("batch", min=1), torch.export.Dim("seq", min=2)
    torch.onnx.export(
        wrapper, args, path, dynamo=True, opset_version=opset, external_data=external,
        dynamic_shapes={"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: seq}},
        **names,
    )  # fmt: skip
    return "dynamo"


def run(cfg) -> None:
    rt = Runtime(device=torch.device("cpu"))
    tokenizer = load_tokenizer(cfg.model)
    yes_id, no_id = verdict_ids(tokenizer, cfg.yes_token, cfg.no_token, "export-onnx")
    model = load_model(cfg.model, rt, eager=True).eval()
    wrapper = YesNoScorer(model, yes_id, no_id).eval()
    size = sum(p.numel() * p.element_size() for p in model.parameters())
    os.makedirs(cfg.out_dir, exist_ok=True)
    tmp = os.path.join(cfg.out_dir, "model.onnx.tmp")
    with torch.no_grad():
        exporter = _export(wrapper, tmp, cfg.opset, size > EXTERNAL_DATA_BYTES, cfg.exporter)
    _finish_onnx(tmp, os.path.join(cfg.out_dir, "model.onnx"), size > EXTERNAL_DATA_BYTES)
    # Saved from the tokenizer `score` uses rather than copied byte for byte: transformers may rebuild a
    # model's tokenizer pipeline on load, and Node must tokenize exactly as the scores were computed.
    tokenizer.backend_tokenizer.save(os.path.join(cfg.out_dir, "tokenizer.json"))
    meta = {
        "yes_token_id": yes_id,
        "no_token_id": no_id,
        "max_seq_len": cfg.max_seq_len,
        "pad_token_id": tokenizer.pad_token_id,
        "padding_side": "right",
        "truncation_side": "left",
    }
    with open(os.path.join(cfg.out_dir, "scorer.json"), "w", encoding="utf-8") as fh:
        json.dump(meta, fh, indent=2)
    path = os.path.join(cfg.out_dir, "model.onnx")
    events.emit("done", checkpoint=os.path.abspath(cfg.out_dir), metrics={"onnx": path, "exporter": exporter, **meta})


def _finish_onnx(tmp: str, final: str, external: bool) -> None:
    """Re-save under the final name (external data keeps its file name reference) and check the graph."""
    import onnx

    model = onnx.load(tmp)
    for stale in (tmp, tmp + ".data"):
        if os.path.exists(stale):
            os.remove(stale)
    if external:
        onnx.save_model(model, final, save_as_external_data=True, location="model.onnx.data")
        onnx.checker.check_model(final)
    else:
        onnx.save_model(model, final)
        onnx.checker.check_model(model)
