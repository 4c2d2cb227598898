import json
import os

import numpy as np
import pytest
import torch
from conftest import run_inprocess, write_jsonl

from swe_forge_trainer import onnx_export, scoring, verifier
from swe_forge_trainer.config import ConfigError

TEXTS = [
    "Issue: add() subtracts.\nPatch: return a + b\nDid the patch resolve the issue? Answer:",
    "x",
    "Issue: crash on empty list.\n" + "Action: bash ls\nObservation: file.py\n" * 12 + "Resolved? Answer:",
    "Issue: typo in README.\nPatch: (empty)\nDid the patch resolve the issue? Answer:",
]


def orm_rows():
    good = [{"text": f"Patch {i}: fixes the bug, tests pass. Resolved? Answer:", "label": 1} for i in range(3)]
    bad = [{"text": f"Patch {i}: empty diff, tests fail. Resolved? Answer:", "label": 0} for i in range(9)]
    return good + bad


def score(model, capfd, texts=TEXTS, **extra):
    raw = {"model": model, "texts": texts, "max_seq_len": 64, "batch_size": 3, "device": "cpu", **extra}
    return run_inprocess(scoring, "score", raw, capfd)[-1]["metrics"]["scores"]


def test_balance_downsamples_the_majority():
    keep = verifier.balanced([1, 0, 0, 0, 1, 0, 0], seed=3)
    labels = [[1, 0, 0, 0, 1, 0, 0][i] for i in keep]
    assert len(keep) == 4 and labels.count(1) == 2 and keep == sorted(keep)
    assert keep == verifier.balanced([1, 0, 0, 0, 1, 0, 0], seed=3)
    with pytest.raises(ConfigError):
        verifier.balanced([0, 0], seed=0)


def test_orm_training_separates_resolved_from_unresolved(tiny_model, tmp_path, capfd):
    data = write_jsonl(tmp_path / "orm.jsonl", orm_rows())
    raw = {"kind": "orm", "model": tiny_model, "data": str(data), "out_dir": str(tmp_path / "orm"), "steps": 25,
           "lr": 3e-3, "batch_size": 6, "max_seq_len": 64, "seed": 0, "device": "cpu"}  # fmt: skip
    done = run_inprocess(verifier, "train-verifier", raw, capfd)[-1]
    assert done["metrics"]["rows_used"] == 6 and done["metrics"]["positives"] == 3
    texts = [r["text"] for r in orm_rows()]
    scores = score(done["checkpoint"], capfd, texts=texts)
    assert min(scores[:3]) > 0.8 and max(scores[3:]) < 0.2


def test_swe_world_trains_on_the_target_only(tiny_model, tmp_path, capfd):
    rows = [
        {"prompt": f"Simulate tests for patch {i}:\n", "target": f"test_{i} PASSED\nREWARD: {i % 2}"} for i in range(4)
    ]
    rows.append({"prompt": "p", "target": "x " * 200})  # longer than max_seq_len: dropped, not cut
    data = write_jsonl(tmp_path / "world.jsonl", rows)
    raw = {"kind": "swe_world", "model": tiny_model, "data": str(data), "out_dir": str(tmp_path / "w"), "steps": 15,
           "lr": 3e-3, "batch_size": 4, "max_seq_len": 96, "device": "cpu"}  # fmt: skip
    events = run_inprocess(verifier, "train-verifier", raw, capfd)
    losses = [e["loss"] for e in events if e["event"] == "progress"]
    assert losses[-1] < 0.6 * losses[0]
    assert events[-1]["metrics"]["rows_dropped_target_too_long"] == 1


def test_swe_world_per_test_rows_train_the_scorer(tiny_model, tmp_path, capfd):
    """SWE-World as a simulator: {text,label} rows (one per recorded test status) train the P(YES) scorer that
    export-onnx exports and TTS queries once per listed test; the checkpoint says it is a swe_world model."""
    rows = [{"text": f"Test t{i}: the patch fixes it. Passes? Answer:", "label": 1} for i in range(3)]
    rows += [{"text": f"Test t{i}: the patch breaks it. Passes? Answer:", "label": 0} for i in range(7)]
    data = write_jsonl(tmp_path / "tests.jsonl", rows)
    raw = {"kind": "swe_world", "model": tiny_model, "data": str(data), "out_dir": str(tmp_path / "sw"), "steps": 25,
           "lr": 3e-3, "batch_size": 6, "max_seq_len": 64, "seed": 0, "device": "cpu"}  # fmt: skip
    done = run_inprocess(verifier, "train-verifier", raw, capfd)[-1]
    assert done["metrics"]["rows_used"] == 6 and done["metrics"]["positives"] == 3  # balanced PASSED / FAILED
    state = json.load(open(os.path.join(done["checkpoint"], "trainer_state.json")))
    assert state["kind"] == "swe_world"
    scores = score(done["checkpoint"], capfd, texts=[r["text"] for r in rows])
    assert min(scores[:3]) > 0.8 and max(scores[3:]) < 0.2


def test_score_is_p_yes_at_the_last_token(tiny_model, capfd):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    scores = score(tiny_model, capfd)
    tok, model = AutoTokenizer.from_pretrained(tiny_model), AutoModelForCausalLM.from_pretrained(tiny_model)
    yes, no = tok.encode(" YES")[0], tok.encode(" NO")[0]
    for text, got in zip(TEXTS, scores):
        ids = tok.encode(text)[-64:]  # left truncation keeps the end
        with torch.no_grad():
            logits = model(torch.tensor([ids])).logits[0, -1]
        expected = torch.softmax(logits[[yes, no]], dim=0)[0].item()
        assert abs(got - expected) < 1e-5


@pytest.mark.parametrize("exporter", ["auto", "dynamo"])
def test_onnx_p_yes_equals_pytorch(tiny_model, tmp_path, capfd, exporter):
    import onnxruntime as ort
    from tokenizers import Tokenizer

    out = tmp_path / "onnx"
    raw = {"model": tiny_model, "out_dir": str(out), "max_seq_len": 64, "exporter": exporter}
    done = run_inprocess(onnx_export, "export-onnx", raw, capfd)[-1]
    assert done["checkpoint"] == str(out)
    assert done["metrics"]["exporter"] == ("torchscript" if exporter == "auto" else "dynamo")
    assert sorted(os.listdir(out)) == ["model.onnx", "scorer.json", "tokenizer.json"]
    meta = json.loads((out / "scorer.json").read_text())
    assert meta["padding_side"] == "right" and meta["truncation_side"] == "left" and meta["max_seq_len"] == 64

    # Score the way the Node side will: tokenizer.json, left-truncate, right-pad, one batch of mixed lengths.
    tok = Tokenizer.from_file(str(out / "tokenizer.json"))
    encoded = [tok.encode(t, add_special_tokens=False).ids[-meta["max_seq_len"] :] for t in TEXTS]
    width = max(map(len, encoded))
    ids = np.full((len(encoded), width), meta["pad_token_id"], dtype=np.int64)
    mask = np.zeros_like(ids)
    for i, e in enumerate(encoded):
        ids[i, : len(e)], mask[i, : len(e)] = e, 1
    session = ort.InferenceSession(str(out / "model.onnx"))
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    (p_yes,) = session.run(["p_yes"], {"input_ids": ids, "attention_mask": mask})
    assert p_yes.dtype == np.float32 and p_yes.shape == (len(TEXTS),)
    expected = np.array(score(tiny_model, capfd))
    assert np.abs(p_yes - expected).max() < 1e-4
    (single,) = session.run(["p_yes"], {"input_ids": ids[1:2, :1], "attention_mask": mask[1:2, :1]})
    assert abs(single[0] - expected[1]) < 1e-4
