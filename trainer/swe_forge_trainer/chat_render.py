"""The one chat rendering that serving, SFT and GRPO share: the template with the tools the policy saw, tool-call
arguments parsed from their JSON strings first (templates such as Qwen2.5's apply `tojson` to them, which would
encode a string twice; vLLM parses them the same way), and the character spans of every assistant turn."""

from __future__ import annotations

import json

from .config import ConfigError


def _parsed_arguments(call: dict) -> dict:
    fn = call.get("function") if isinstance(call.get("function"), dict) else None
    if not fn or not isinstance(fn.get("arguments"), str):
        return call
    try:
        args = json.loads(fn["arguments"])
    except json.JSONDecodeError:
        return call  # malformed arguments stay the string the model wrote
    return {**call, "function": {**fn, "arguments": args}} if isinstance(args, dict) else call


def template_messages(messages: list[dict]) -> list[dict]:
    """Messages as chat templates expect them: no trainer-only keys (meta, weight), tool-call arguments as objects."""
    out = []
    for m in messages:
        m = {k: v for k, v in m.items() if k not in ("meta", "weight")}
        if m.get("tool_calls"):
            m["tool_calls"] = [_parsed_arguments(c) for c in m["tool_calls"]]
        out.append(m)
    return out


def render(tokenizer, messages: list[dict], tools: list | None, generation_prompt: bool) -> str:
    kwargs = {"tools": tools} if tools else {}
    return tokenizer.apply_chat_template(
        template_messages(messages), tokenize=False, add_generation_prompt=generation_prompt, **kwargs
    )


def assistant_spans(tokenizer, messages: list[dict], tools: list | None) -> tuple[str, list[tuple[int, int, int]]]:
    """(full text, [(message index, start, end)]) of every assistant turn, end token included.

    Needs a template that renders a conversation's prefixes as prefixes of the full text (Qwen2.5's, ChatML's
    and the tiny model's do); the span is what rendering messages[:i+1] adds after messages[:i] + generation prompt.
    """
    full = render(tokenizer, messages, tools, False)
    spans = []
    for i, m in enumerate(messages):
        if m["role"] != "assistant":
            continue
        before = render(tokenizer, messages[:i], tools, True) if i else ""
        through = render(tokenizer, messages[: i + 1], tools, False)
        if not (full.startswith(through) and through.startswith(before)):
            raise ConfigError(
                f"the chat template does not render message {i} as a prefix of the conversation; "
                "the assistant-only loss mask cannot be computed with this template"
            )
        spans.append((i, len(before), len(through.rstrip())))
    return full, spans
