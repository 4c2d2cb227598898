"""RL rows encoded on the token ids the sampler produced, over the one rendering serving and training share
(`chat_render.render`: the chat template with the tool specs the policy saw).

`encode_rollout` builds a trajectory's sequence from the rendering, with every assistant turn replaced by the
token ids the policy sampled (`meta.sampled.tokenIds`), so training never re-tokenises what the model wrote; the
sampler's log-probs ride along as pi_old candidates. A turn whose re-rendered text tokenises differently from
what was sampled is a *mismatch* (counted: later turns saw the re-rendered text in their prompt). A turn without
sampled ids is trained on its re-tokenised text, less the end-of-turn token when it was cut at max tokens
(`meta.finishReason: "length"`): the model never produced it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .chat_render import assistant_spans
from .config import ConfigError
from .data import IGNORE, Example, closing_tokens, cut_at_length, untrained

NAN = float("nan")


def sampled_of(message: dict, where: str) -> tuple[list[int], list[float]] | None:
    s = (message.get("meta") or {}).get("sampled")
    if s is None:
        return None
    ids, lps = s.get("tokenIds") if isinstance(s, dict) else None, s.get("logprobs") if isinstance(s, dict) else None
    if not isinstance(ids, list) or not all(isinstance(t, int) and not isinstance(t, bool) for t in ids):
        raise ConfigError(f"{where}.meta.sampled.tokenIds must be a list of integers")
    if not isinstance(lps, list) or len(lps) != len(ids) or not all(isinstance(x, (int, float)) for x in lps):
        raise ConfigError(f"{where}.meta.sampled.logprobs must be numbers, one per token id")
    return (ids, [float(x) for x in lps]) if ids else None


@dataclass
class RolloutExample(Example):
    """An Example plus pi_old from the sampler per position (NaN: not sampled, recompute it)."""

    sampler_logprobs: list[float] = field(default_factory=list)
    sampled_turns: int = 0
    mismatch_turns: int = 0
    assistant_turns: int = 0


def encode_rollout(tokenizer, messages: list[dict], tools: list | None, max_seq_len: int | None, where: str):
    full, spans = assistant_spans(tokenizer, messages, tools)
    special = set(tokenizer.all_special_ids)
    enc = lambda text: tokenizer(text, add_special_tokens=False)["input_ids"]  # noqa: E731
    ex = RolloutExample([], [], sampler_logprobs=[], assistant_turns=sum(not untrained(messages[i]) for i, _s, _e in spans))

    def add(ids: list[int], trained: bool, lps: list[float] | None = None) -> None:
        ex.ids += ids
        ex.labels += ids if trained else [IGNORE] * len(ids)
        ex.sampler_logprobs += lps if lps is not None else [NAN] * len(ids)

    pos = 0
    for i, start, end in spans:
        add(enc(full[pos:start]), False)
        rendered = enc(full[start:end])
        sampled = sampled_of(messages[i], f"{where}.messages[{i}]")
        if untrained(messages[i]):
            # Carried into this context from an earlier one: the engine re-rendered its text, so the prompt holds
            # the rendering, and it is trained only in the sequence that sampled it.
            add(rendered, False)
        elif sampled is None:
            # Re-tokenised text; a turn cut at max tokens keeps its template end token(s) out of the loss.
            keep = len(rendered) - (closing_tokens(rendered, special) if cut_at_length(messages[i]) else 0)
            add(rendered[:keep], True)
            add(rendered[keep:], False)
        else:
            ids, lps = sampled
            ex.sampled_turns += 1
            strip = lambda t: t[:-1] if t and t[-1] in special else t  # noqa: E731
            if strip(ids) != strip(rendered):
                ex.mismatch_turns += 1
            add(ids, True, lps)
            if rendered and rendered[-1] in special and ids[-1] != rendered[-1]:
                add(rendered[-1:], False)  # the template closes a turn the sampler cut short: not the model's token
        pos = end
    add(enc(full[pos:]), False)
    if max_seq_len is not None and len(ex.ids) > max_seq_len:
        ex.truncated = True
        ex.ids, ex.labels = ex.ids[:max_seq_len], ex.labels[:max_seq_len]
        ex.sampler_logprobs = ex.sampler_logprobs[:max_seq_len]
    return ex


def is_missing(x: float) -> bool:
    return math.isnan(x)
