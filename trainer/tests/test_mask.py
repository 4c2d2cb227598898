"""The assistant-only loss mask, checked token by token on a hand-built conversation."""

from conftest import tool_call

from swe_forge_trainer import data
from swe_forge_trainer.runtime import load_tokenizer

CONVERSATION = [
    {"role": "system", "content": "You are an agent."},
    {"role": "user", "content": "Fix bug 7."},
    {"role": "assistant", "content": "Looking.", "tool_calls": [tool_call("a", "bash", {"cmd": "ls"})]},
    {"role": "tool", "content": "utils.py\nREADME"},
    {"role": "assistant", "content": None, "tool_calls": [tool_call("b", "submit", {})]},
    {"role": "user", "content": "Thanks, now explain."},
    {"role": "assistant", "content": "I listed files, then submitted."},
]
# Exactly what the loss must cover: content, tool-call text, end token; never the "<|im_start|>assistant\n"
# header (it is prompt: the generation prompt) nor the newline the template puts after <|im_end|>.
ASSISTANT_PARTS = [
    'Looking.\n<tool_call>{"name": "bash", "arguments": {"cmd": "ls"}}</tool_call><|im_end|>',
    '<tool_call>{"name": "submit", "arguments": {}}</tool_call><|im_end|>',
    "I listed files, then submitted.<|im_end|>",
]


def runs(labels: list[int]) -> list[tuple[int, int]]:
    out, start = [], None
    for i, label in enumerate(labels + [data.IGNORE]):
        if label != data.IGNORE and start is None:
            start = i
        elif label == data.IGNORE and start is not None:
            out.append((start, i))
            start = None
    return out


def test_mask_covers_exactly_the_assistant_turns(tiny_model):
    tok = load_tokenizer(tiny_model)
    ex = data.encode_chat(tok, data.check_messages(CONVERSATION, "t"), max_seq_len=None)
    assert tok.decode(ex.ids) == tok.apply_chat_template(CONVERSATION, tokenize=False)
    # Each contiguous unmasked run is one assistant turn, in order, byte for byte.
    spans = runs(ex.labels)
    assert [tok.decode(ex.ids[s:e]) for s, e in spans] == ASSISTANT_PARTS
    for k, (token, label) in enumerate(zip(ex.ids, ex.labels)):
        inside = any(s <= k < e for s, e in spans)
        assert label == (token if inside else data.IGNORE), f"token {k} {tok.decode([token])!r}"
    masked = tok.decode([t for t, label in zip(ex.ids, ex.labels) if label == data.IGNORE])
    for text in ("You are an agent.", "Fix bug 7.", "utils.py\nREADME", "<tool_response>", "Thanks, now explain."):
        assert text in masked


def test_truncation_and_packing_keep_the_mask_aligned(tiny_model):
    tok = load_tokenizer(tiny_model)
    full = data.encode_chat(tok, data.check_messages(CONVERSATION, "t"), None)
    cut = data.encode_chat(tok, data.check_messages(CONVERSATION, "t"), 20)
    assert cut.truncated and cut.ids == full.ids[:20] and cut.labels == full.labels[:20]
    packed = data.pack([full, cut, cut], max_seq_len=len(full.ids) + 30)
    assert len(packed) == 2
    first, positions = packed[0]
    assert first.ids == full.ids + cut.ids and first.labels == full.labels + cut.labels
    assert positions == list(range(len(full.ids))) + list(range(20))


def test_prompt_target_masks_the_prompt(tiny_model):
    tok = load_tokenizer(tiny_model)
    ex = data.encode_prompt_target(tok, "Simulate the tests:\n" * 10, "1 passed\nREWARD: 1", max_seq_len=40)
    target = [t for t, label in zip(ex.ids, ex.labels) if label != data.IGNORE]
    assert tok.decode(target) == "1 passed\nREWARD: 1<|im_end|>"
    assert len(ex.ids) == 40 and ex.truncated  # the prompt lost its beginning, the target is whole


def test_batch_order_is_a_function_of_seed_and_step():
    a = [data.batch_indices(10, 3, step, seed=5) for step in range(8)]
    b = [data.batch_indices(10, 3, step, seed=5) for step in range(8)]
    assert a == b and a != [data.batch_indices(10, 3, step, seed=6) for step in range(8)]
    first_epoch = [i for batch in a for i in batch][:10]
    assert sorted(first_epoch) == list(range(10))
    ranks = [data.batch_indices(10, 3, 0, seed=5, rank=r, world_size=2) for r in range(2)]
    assert ranks[0] + ranks[1] == [i for batch in a for i in batch][:6]


def test_weight_zero_turns_are_context_not_targets(tiny_model):
    """A reply carried into a condensed context (core/context.ts) is rendered but not trained: weight 0."""
    tok = load_tokenizer(tiny_model)
    carried = [dict(m) for m in CONVERSATION]
    carried[2]["weight"] = 0
    carried[4]["weight"] = 0
    ex = data.encode_chat(tok, data.check_messages(carried, "t"), max_seq_len=None)
    # The text is the same (weight never reaches the template); only the last turn is a target.
    assert tok.decode(ex.ids) == tok.apply_chat_template(CONVERSATION, tokenize=False)
    assert [tok.decode(ex.ids[s:e]) for s, e in runs(ex.labels)] == ASSISTANT_PARTS[2:]


def test_weight_zero_on_a_sampled_turn_uses_the_rendering_untrained(tiny_model):
    from swe_forge_trainer import rollout_tokens

    tok = load_tokenizer(tiny_model)
    msgs = [
        {"role": "system", "content": "s"},
        {"role": "user", "content": "u"},
        {"role": "assistant", "content": "old", "weight": 0, "meta": {"sampled": {"tokenIds": [5, 6], "logprobs": [-1.0, -1.0]}}},
        {"role": "user", "content": "Summary: x"},
        {"role": "assistant", "content": "new"},
    ]
    ex = rollout_tokens.encode_rollout(tok, data.check_messages(msgs, "t"), None, None, "t")
    # The carried turn is its re-rendered text (what the engine put in the prompt), not the ids sampled earlier.
    assert tok.decode(ex.ids) == tok.apply_chat_template(
        [{k: v for k, v in m.items() if k not in ("meta", "weight")} for m in msgs], tokenize=False
    )
    assert [tok.decode(ex.ids[s:e]) for s, e in runs(ex.labels)] == ["new<|im_end|>"]
    assert ex.assistant_turns == 1 and ex.sampled_turns == 0


def test_a_weight_other_than_0_or_1_names_the_message():
    import pytest

    from swe_forge_trainer.config import ConfigError

    with pytest.raises(ConfigError, match=r"t.messages\[0\].weight must be 0 or 1"):
        data.check_messages([{"role": "assistant", "content": "x", "weight": 0.5}], "t")
