"""`serve-llama`: an OpenAI-compatible chat server for one checkpoint, inference by llama.cpp (CPU workers).

The checkpoint (an HF folder from our trainer, or a base model folder) is converted to GGUF once (written next to
its weights), loaded into llama.cpp, and served under `model_name` (the checkpoint id: `/v1/models` lists exactly it
and every completion echoes it in `model`, so a rollout can ask the engine which weights answered). With
`logprobs: true` a completion carries `choices[0].logprobs.content[] {token, logprob}`; `choices[0].token_ids` always
holds the sampled ids. `usage.prompt_tokens_details.cached_tokens` says how much of the prompt the prefix cache
saved. Tool calls stay `<tool_call>{...}</tool_call>` text in `content` (`toolFormat: text`).
`POST /v1/swe-forge/adapters` swaps LoRA adapters onto the loaded base in place (a new checkpoint without a restart).
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Literal

from . import data, events, gguf_export
from .config import ConfigError, model_dir, non_negative, param, positive
from .chat_render import render
from .serve import serve_http

log = events.log

@dataclass(frozen=True, kw_only=True)
class ServeLlamaConfig:
    model: str = param(help="HF model directory (tokenizer, chat template; converted to GGUF)", check=model_dir)
    gguf: str | None = param(None, "GGUF file to load (default: converted from `model` once, kept next to it)")
    dtype: Literal["f32", "f16"] = param("f32", "GGUF weight type when converting")
    host: str = param("127.0.0.1", "address to bind")
    port: int = param(0, "port (0 = pick a free one)", non_negative)
    n_ctx: int = param(8192, "context window of the engine (capped at the model's)", positive)
    threads: int | None = param(None, "CPU threads (default SWE_FORGE_TORCH_THREADS or 2)", positive)
    prefix_cache_mb: int = param(
        1024, "KV state kept for prefix reuse across requests, MiB (0 = no reuse at all)", non_negative
    )
    max_new_tokens: int = param(256, "default completion limit (request max_tokens overrides)", positive)
    temperature: float = param(0.0, "default temperature; 0 = greedy", non_negative)
    seed: int = param(0, "base sampling seed; request n gets seed + n unless the request sends one")
    model_name: str | None = param(None, "served name: the checkpoint id (default: the directory name)")


SPEC = ServeLlamaConfig


def _stop_ids(model: str, tokenizer) -> set[int]:
    ids = {tokenizer.eos_token_id} if tokenizer.eos_token_id is not None else set()
    path = os.path.join(model, "generation_config.json")
    if os.path.isfile(path):
        with open(path, encoding="utf-8") as fh:
            eos = json.load(fh).get("eos_token_id")
        ids.update(eos if isinstance(eos, list) else [eos] if eos is not None else [])
    return ids


class Engine:
    def __init__(self, cfg) -> None:
        from transformers import AutoConfig, AutoTokenizer

        from .llama_engine import LlamaEngine

        self.cfg = cfg
        self.name = cfg.model_name or cfg.model.rstrip("/").split("/")[-1]
        t0 = time.monotonic()
        gguf = cfg.gguf or gguf_export.ensure(cfg.model, cfg.dtype)
        self.convert_s = time.monotonic() - t0
        self.tokenizer = AutoTokenizer.from_pretrained(cfg.model)
        window = int(getattr(AutoConfig.from_pretrained(cfg.model), "max_position_embeddings", 0) or cfg.n_ctx)
        self.n_ctx = min(cfg.n_ctx, window)
        threads = cfg.threads or int(os.environ.get("SWE_FORGE_TORCH_THREADS", "2"))
        self.engine = LlamaEngine(gguf, self.n_ctx, threads, cfg.prefix_cache_mb << 20, cfg.seed)
        self.load_s = time.monotonic() - t0 - self.convert_s
        self.stops = _stop_ids(cfg.model, self.tokenizer)
        self.lock = threading.Lock()  # one sequence at a time: one llama.cpp context
        self.requests = 0
        self.stats = {"prompt_tokens": 0, "cached_tokens": 0, "completion_tokens": 0}

    def swap_adapters(self, body: dict) -> dict:
        """`POST /v1/swe-forge/adapters {model_name, adapters: [peft adapter dirs, oldest first]}`: serves the
        loaded base plus exactly these LoRA adapters under `model_name`, without a restart. Each adapter was trained
        on the previous one merged into the base (the RL chain), so their deltas add up: base + A1 + ... + An is
        the newest checkpoint. Answers once the next completion would come from the new weights."""
        name = body.get("model_name")
        dirs = body.get("adapters")
        if not isinstance(name, str) or not name:
            raise ConfigError("field 'model_name' must be a non-empty string")
        if not isinstance(dirs, list) or not all(isinstance(d, str) for d in dirs):
            raise ConfigError("field 'adapters' must be a list of adapter directories")
        for d in dirs:
            if not os.path.isfile(os.path.join(d, "adapter_config.json")):
                raise ConfigError(f"field 'adapters': {d} has no adapter_config.json")
        t0 = time.monotonic()
        files = [gguf_export.ensure_lora(d, self.cfg.model) for d in dirs]
        convert_s = time.monotonic() - t0
        with self.lock:  # no completion runs across the swap
            self.engine.set_adapters(files)
            self.name = name
        log.info("serving %s: base %s + %d LoRA adapter(s), swapped in place", name, self.cfg.model, len(files))
        return {"model": name, "adapters": len(files), "convert_s": round(convert_s, 3),
                "swap_s": round(time.monotonic() - t0, 3)}  # fmt: skip

    def complete(self, body: dict) -> dict:
        messages = data.check_messages(body.get("messages"), "request")
        max_new = int(body.get("max_completion_tokens") or body.get("max_tokens") or self.cfg.max_new_tokens)
        temperature = float(body.get("temperature", self.cfg.temperature) or 0.0)
        tools = body.get("tools") or None
        text = render(self.tokenizer, messages, tools, True)  # the rendering GRPO trains on
        ids = self.tokenizer.encode(text, add_special_tokens=False)
        if len(ids) + max_new > self.n_ctx:
            # The same 400 vLLM gives, so clients treat it as the end of the context (not a server fault).
            raise ConfigError(
                f"This model's maximum context length is {self.n_ctx} tokens. However, you requested "
                f"{len(ids) + max_new} tokens ({len(ids)} in the messages, {max_new} in the completion)."
            )
        with self.lock:
            seed = int(body["seed"]) if body.get("seed") is not None else self.cfg.seed + self.requests
            self.requests += 1
            sampled, cached = self.engine.generate(
                ids, max_new, temperature, float(body.get("top_p", 1.0)), seed, self.stops
            )
            self.stats["prompt_tokens"] += len(ids)
            self.stats["cached_tokens"] += cached
            self.stats["completion_tokens"] += len(sampled)
        new = [t for t, _ in sampled]
        finish = "stop" if new and new[-1] in self.stops else "length"
        content = self.tokenizer.decode(new, skip_special_tokens=True)
        stops = body.get("stop") or []
        for stop in [stops] if isinstance(stops, str) else stops:
            if stop and stop in content:
                content, finish = content.split(stop, 1)[0], "stop"
        choice = {
            "index": 0,
            "message": {"role": "assistant", "content": content},
            "finish_reason": finish,
            "token_ids": new,
        }
        if body.get("logprobs"):
            content_lp = []
            for token, logprob in sampled:
                piece = self.tokenizer.decode([token])
                entry = {"token": piece, "logprob": logprob, "bytes": list(piece.encode()), "top_logprobs": []}
                content_lp.append(entry)
            choice["logprobs"] = {"content": content_lp}
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.name,
            "choices": [choice],
            "usage": {
                "prompt_tokens": len(ids),
                "completion_tokens": len(new),
                "total_tokens": len(ids) + len(new),
                "prompt_tokens_details": {"cached_tokens": cached},
            },
        }


def run(cfg) -> None:
    engine = Engine(cfg)
    try:
        timings = {"convert_s": round(engine.convert_s, 3), "load_s": round(engine.load_s, 3)}
        serve_http(cfg, engine, "serve-llama", {"engine": "llama.cpp", **timings})
    finally:
        engine.engine.close()
    events.emit("done", checkpoint=None, metrics={"reason": "SIGTERM", **engine.stats, "requests": engine.requests})
