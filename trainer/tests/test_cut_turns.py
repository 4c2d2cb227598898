"""A turn cut at max tokens (meta.finishReason "length") without sampled ids: the chat template still closes it
with <|im_end|> when rendered, but the model never produced that token, so SFT and GRPO leave it out of the loss.
The token stays in the sequence (later turns were prompted with it). A complete turn keeps its end token."""

import json

from conftest import run_inprocess, tool_call

from swe_forge_trainer import data, grpo, rollout_tokens
from swe_forge_trainer.runtime import load_tokenizer

PROMPT = [{"role": "system", "content": "You are an agent."}, {"role": "user", "content": "Fix bug 7."}]
CUT = {"role": "assistant", "content": "Let me look at the fi", "meta": {"finishReason": "length"}}
NUDGE = {"role": "user", "content": "No tool call found."}
CALL = {"role": "assistant", "content": "Looking.", "tool_calls": [tool_call("a", "bash", {"cmd": "ls"})]}
STOP = {"role": "assistant", "content": "Done.", "meta": {"finishReason": "stop"}}


def trained(tok, ex) -> list[str]:
    """The decoded runs of trained tokens, in order."""
    out, cur = [], []
    for t, label in zip(ex.ids + [0], ex.labels + [data.IGNORE]):
        if label != data.IGNORE:
            cur.append(t)
        elif cur:
            out.append(tok.decode(cur))
            cur = []
    return out


def encoders(tok):
    return {
        "sft": lambda m: data.encode_chat(tok, data.check_messages(m, "t"), None),
        "grpo": lambda m: rollout_tokens.encode_rollout(tok, m, None, None, "t"),
    }


def test_a_cut_turn_trains_its_text_but_not_the_end_token(tiny_model):
    tok = load_tokenizer(tiny_model)
    im_end = tok.convert_tokens_to_ids("<|im_end|>")
    complete = {k: v for k, v in CUT.items() if k != "meta"}
    for name, encode in encoders(tok).items():
        cut_ex, full_ex = encode(PROMPT + [CUT, NUDGE]), encode(PROMPT + [complete, NUDGE])
        assert cut_ex.ids == full_ex.ids, name  # the same sequence: the end token is still there
        assert trained(tok, full_ex) == ["Let me look at the fi<|im_end|>"], name
        assert trained(tok, cut_ex) == ["Let me look at the fi"], name
        # Token by token: the only difference is the end token's label, which is the complete turn's last one.
        diff = [k for k, (a, b) in enumerate(zip(cut_ex.labels, full_ex.labels)) if a != b]
        assert len(diff) == 1, name
        k = diff[0]
        assert cut_ex.ids[k] == im_end and full_ex.labels[k] == im_end and cut_ex.labels[k] == data.IGNORE, name
        assert cut_ex.labels[k - 1] != data.IGNORE and full_ex.labels[k + 1] == data.IGNORE, name


def test_only_the_cut_turn_loses_its_end_token(tiny_model):
    tok = load_tokenizer(tiny_model)
    cut_call = {**CALL, "meta": {"finishReason": "length"}}
    for name, encode in encoders(tok).items():
        ex = encode(PROMPT + [cut_call, {"role": "tool", "content": "a.py"}, STOP])
        assert trained(tok, ex) == [
            'Looking.\n<tool_call>{"name": "bash", "arguments": {"cmd": "ls"}}</tool_call>',
            "Done.<|im_end|>",  # finished by the model ("stop"): its end token is trained
        ], name


def test_a_grpo_step_counts_the_cut_turn_without_its_end_token(tiny_model, tmp_path, capfd):
    tok = load_tokenizer(tiny_model)
    n_text = len(tok(CUT["content"], add_special_tokens=False)["input_ids"])
    batch = tmp_path / "cut.jsonl"
    batch.write_text(json.dumps({"messages": PROMPT + [CUT, NUDGE], "advantage": 1.0, "group": "g"}) + "\n")
    raw = {"model": tiny_model, "batch": str(batch), "out_dir": str(tmp_path / "rl"), "l_max": 64, "group_size": 2,
           "device": "cpu"}  # fmt: skip
    m = run_inprocess(grpo, "grpo-step", raw, capfd)[-1]["metrics"]
    assert m["tokens"] == n_text and m["sampled_turns"] == 0
