"""Data rows → token ids and loss masks (label -100 = no loss), batching, deterministic order."""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass

import torch

from .chat_render import assistant_spans
from .config import ConfigError

IGNORE = -100
ROLES = ("system", "user", "assistant", "tool")


@dataclass
class Example:
    ids: list[int]
    labels: list[int]
    truncated: bool = False


def read_jsonl(path: str, field: str) -> list[dict]:
    rows = []
    try:
        fh = open(path, encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{field}: file not found: {path}") from None
    with fh:
        for n, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ConfigError(f"{field}: line {n} is not valid JSON: {err}") from None
            if not isinstance(row, dict):
                raise ConfigError(f"{field}: line {n} must be a JSON object")
            rows.append(row)
    if not rows:
        raise ConfigError(f"{field}: {path} has no rows")
    return rows


def load_json(path: str, field: str):
    try:
        with open(path, encoding="utf-8") as fh:
            return json.load(fh)
    except FileNotFoundError:
        raise ConfigError(f"{field}: file not found: {path}") from None
    except json.JSONDecodeError as err:
        raise ConfigError(f"{field}: {path} is not valid JSON: {err}") from None


def check_messages(messages, where: str) -> list[dict]:
    if not isinstance(messages, list) or not messages:
        raise ConfigError(f"{where}.messages must be a non-empty list")
    out = []
    for i, m in enumerate(messages):
        if not isinstance(m, dict) or m.get("role") not in ROLES:
            raise ConfigError(f"{where}.messages[{i}].role must be one of {', '.join(ROLES)}")
        content = m.get("content")
        if content is not None and not isinstance(content, str):
            raise ConfigError(f"{where}.messages[{i}].content must be a string")
        calls = m.get("tool_calls") or []
        for j, c in enumerate(calls):
            fn = c.get("function") if isinstance(c, dict) else None
            if not isinstance(fn, dict) or not isinstance(fn.get("name"), str):
                raise ConfigError(f"{where}.messages[{i}].tool_calls[{j}].function.name must be a string")
        if "weight" in m and m["weight"] not in (0, 1):
            raise ConfigError(f"{where}.messages[{i}].weight must be 0 or 1")
        out.append({**m, "content": content or ""})
    return out


def cut_at_length(message: dict) -> bool:
    """The reply was cut at max tokens (the endpoint's finish_reason "length", recorded as meta.finishReason)."""
    meta = message.get("meta")
    return isinstance(meta, dict) and meta.get("finishReason") == "length"


def untrained(message: dict) -> bool:
    """`weight: 0` (OpenAI's fine-tuning field): context, not a target. A reply carried into a condensed context
    was trained in the sequence whose context produced it (core/context.ts)."""
    return message.get("weight") == 0


def closing_tokens(ids: list[int], special: set[int]) -> int:
    """How many of a turn's last tokens are special: the end-of-turn token(s) the chat template closes it with."""
    n = 0
    while n < len(ids) and ids[len(ids) - 1 - n] in special:
        n += 1
    return n


def encode_chat(tokenizer, messages: list[dict], max_seq_len: int | None, tools: list | None = None) -> Example:
    text, turns = assistant_spans(tokenizer, messages, tools)
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    ids, offsets = enc["input_ids"], enc["offset_mapping"]
    labels = [IGNORE] * len(ids)
    special = set(tokenizer.all_special_ids)
    for i, s, e in turns:
        # A token belongs to the turn it starts in; turn boundaries sit on special tokens and newlines,
        # which byte-level BPE never merges across.
        inside = [k for k, (start, _end) in enumerate(offsets) if s <= start < e]
        # A turn cut at max tokens ends where the model stopped: the template's end token is not its output.
        if untrained(messages[i]):
            continue
        drop = closing_tokens([ids[k] for k in inside], special) if cut_at_length(messages[i]) else 0
        for k in inside[: len(inside) - drop]:
            labels[k] = ids[k]
    truncated = max_seq_len is not None and len(ids) > max_seq_len
    if truncated:
        ids, labels = ids[:max_seq_len], labels[:max_seq_len]
    return Example(ids, labels, truncated)


def encode_prompt_target(tokenizer, prompt: str, target: str, max_seq_len: int) -> Example | None:
    """SWE-World rows: loss on the target (and the end token) only; the prompt is cut from the left."""
    p = tokenizer.encode(prompt, add_special_tokens=False)
    t = tokenizer.encode(target, add_special_tokens=False) + [tokenizer.eos_token_id]
    if len(t) >= max_seq_len:
        return None  # keeping part of a report would drop its final REWARD line
    room = max_seq_len - len(t)
    truncated = len(p) > room
    p = p[len(p) - room :] if truncated else p
    return Example(p + t, [IGNORE] * len(p) + t, truncated)


def left_truncate(ids: list[int], max_len: int) -> list[int]:
    return ids[-max_len:] if len(ids) > max_len else ids


def pack(examples: list[Example], max_seq_len: int) -> list[tuple[Example, list[int]]]:
    """Greedy packing in data order; position ids restart for every example."""
    packed: list[tuple[Example, list[int]]] = []
    cur, pos = Example([], []), []
    for ex in examples:
        if cur.ids and len(cur.ids) + len(ex.ids) > max_seq_len:
            packed.append((cur, pos))
            cur, pos = Example([], []), []
        cur.ids += ex.ids
        cur.labels += ex.labels
        pos += list(range(len(ex.ids)))
    if cur.ids:
        packed.append((cur, pos))
    return packed


def collate(items: list[Example], pad_id: int, positions: list[list[int]] | None = None) -> dict:
    width = max(len(x.ids) for x in items)
    ids = torch.full((len(items), width), pad_id, dtype=torch.long)
    labels = torch.full((len(items), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(items), width), dtype=torch.long)
    pos = torch.zeros((len(items), width), dtype=torch.long)
    for r, x in enumerate(items):
        n = len(x.ids)
        ids[r, :n] = torch.tensor(x.ids)
        labels[r, :n] = torch.tensor(x.labels)
        mask[r, :n] = 1
        pos[r, :n] = torch.tensor(positions[r]) if positions else torch.arange(n)
    return {"input_ids": ids, "attention_mask": mask, "labels": labels, "position_ids": pos}


def steps_per_epoch(n_items: int, batch_size: int, world_size: int) -> int:
    per_step = batch_size * world_size
    return max(1, -(-n_items // per_step))


def batch_indices(n_items: int, batch_size: int, step: int, seed: int, rank: int = 0, world_size: int = 1) -> list[int]:
    """Rows of `step` for this rank: a pure function of (seed, step), so a resumed run sees the same order.

    The stream is one seeded permutation per epoch, concatenated; step k takes the next batch_size*world_size.
    """
    per_step = batch_size * world_size
    start = step * per_step + rank * batch_size
    out = []
    for pos in range(start, start + batch_size):
        epoch, offset = divmod(pos, n_items)
        out.append(_permutation(n_items, seed, epoch)[offset])
    return out


@functools.lru_cache(maxsize=4)
def _permutation(n_items: int, seed: int, epoch: int) -> list[int]:
    g = torch.Generator().manual_seed(seed * 1_000_003 + epoch)
    return torch.randperm(n_items, generator=g).tolist()
