"""The CPU policy engine: llama.cpp (through `llama_cpp.Llama`) with a prefix cache over its KV state.

Why not the stock `llama_cpp.server`: the rollout needs the sampled token ids and their log-probs (GRPO's π_old)
and prompts rendered by the checkpoint's HF chat template token for token as the trainer renders them. So the
prompt is tokenised here with the HF tokenizer, llama.cpp evaluates and samples, and this module reads the raw
logits of each sampled position. Multi-turn rollouts re-send the whole conversation every turn: llama.cpp reuses the
KV cells of the longest common prefix with what it evaluated last, and `PrefixCache` keeps the KV state of recent
sequences, so interleaved rollouts (a GRPO group, several tasks) also skip re-prefilling their shared context.
"""

from __future__ import annotations

import ctypes
from collections import OrderedDict

import numpy as np


def common_prefix(a, b) -> int:
    n = 0
    for x, y in zip(a, b):
        if x != y:
            break
        n += 1
    return n


class PrefixCache:
    """Evaluated token sequence → llama.cpp context state (KV cells, no logits matrix), least recently used out."""

    def __init__(self, capacity_bytes: int) -> None:
        self.capacity = capacity_bytes
        self.states: OrderedDict[tuple[int, ...], bytes] = OrderedDict()

    def size(self) -> int:
        return sum(len(v) for v in self.states.values())

    def best(self, tokens: list[int]) -> tuple[tuple[int, ...] | None, int]:
        key, length = None, 0
        for k in self.states:
            n = common_prefix(k, tokens)
            if n > length:
                key, length = k, n
        return key, length

    def put(self, key: tuple[int, ...], state: bytes) -> None:
        # A stored sequence that is a prefix of this one is superseded: any prompt extending it shares as much with us.
        for k in [k for k in self.states if len(k) <= len(key) and key[: len(k)] == k]:
            del self.states[k]
        self.states[key] = state
        while self.states and self.size() > self.capacity:
            self.states.popitem(last=False)

    def get(self, key: tuple[int, ...]) -> bytes:
        self.states.move_to_end(key)
        return self.states[key]


class LlamaEngine:
    def __init__(self, gguf_file: str, n_ctx: int, threads: int, cache_bytes: int, seed: int) -> None:
        import llama_cpp

        self.lib = llama_cpp
        self.llm = llama_cpp.Llama(
            model_path=gguf_file, n_ctx=n_ctx, n_threads=threads, n_threads_batch=threads, seed=seed, verbose=False
        )
        self.n_vocab = self.llm.n_vocab()
        self.cache = PrefixCache(cache_bytes) if cache_bytes > 0 else None
        self._adapters: dict[str, int] = {}  # GGUF file -> llama_adapter_lora handle (freed with the model)

    def _save(self) -> None:
        if self.cache is None or self.llm.n_tokens == 0:
            return
        ctx = self.llm._ctx.ctx
        size = self.lib.llama_state_get_size(ctx)
        buf = (ctypes.c_uint8 * size)()
        n = self.lib.llama_state_get_data(ctx, buf, size)
        self.cache.put(tuple(int(t) for t in self.llm.input_ids[: self.llm.n_tokens]), bytes(buf[:n]))

    def _restore(self, prompt: list[int]) -> None:
        """Loads the cached state sharing the longest prefix with `prompt`, if it beats what the context holds."""
        if self.cache is None:
            return
        live = common_prefix(self.llm.input_ids[: self.llm.n_tokens].tolist(), prompt)
        key, length = self.cache.best(prompt)
        if key is None or length <= live:
            return
        state = self.cache.get(key)
        buf = (ctypes.c_uint8 * len(state)).from_buffer_copy(state)
        if self.lib.llama_state_set_data(self.llm._ctx.ctx, buf, len(state)) != len(state):
            self.llm.reset()
            return
        self.llm.input_ids[: len(key)] = key
        self.llm.n_tokens = len(key)
        self.llm._requires_eval = True  # the restored logits are not a live decode: refresh before sampling

    def _logits(self) -> np.ndarray:
        ptr = self.lib.llama_get_logits_ith(self.llm._ctx.ctx, -1)
        return np.ctypeslib.as_array(ptr, shape=(self.n_vocab,)).astype(np.float64)

    def generate(self, prompt: list[int], max_new: int, temperature: float, top_p: float, seed: int, stop_ids: set):
        """Yields (token id, raw log-prob under the model) until a stop id or max_new; returns reused prefix length.

        The log-prob is of the unscaled distribution (temperature 1), as vLLM reports by default: the number the
        trainer recomputes for the same token, so on-policy ratios start at 1.
        """
        if self.cache is None:
            self.llm.reset()  # prefix cache off: every request prefills its whole prompt (the baseline we measure)
        self._restore(prompt)
        reused = common_prefix(self.llm.input_ids[: self.llm.n_tokens].tolist(), prompt)
        reused = min(reused, len(prompt) - 1)  # llama.cpp re-evaluates at least the last prompt token
        self.llm.set_seed(seed)
        out: list[tuple[int, float]] = []
        sampling = {"top_k": 0, "min_p": 0.0, "typical_p": 1.0, "repeat_penalty": 1.0, "top_p": top_p}
        for token in self.llm.generate(prompt, temp=max(temperature, 0.0), reset=True, **sampling):
            row = self._logits()
            top = row.max()
            logprob = float(row[token] - top - np.log(np.exp(row - top).sum()))
            out.append((int(token), logprob))
            if token in stop_ids or len(out) >= max_new:
                break
        self._save()
        return out, reused

    def set_adapters(self, files: list[str]) -> None:
        """Applies exactly these LoRA GGUFs (scale 1 each) to the loaded model, in place: the base weights stay
        loaded; adapters already initialised are reused. The KV cells and the prefix cache hold states computed
        by the old weights, so both are dropped."""
        adapters = []
        for f in files:
            if f not in self._adapters:
                handle = self.lib.llama_adapter_lora_init(self.llm.model, f.encode())
                if not handle:
                    raise RuntimeError(f"llama.cpp could not load the LoRA adapter {f}")
                self._adapters[f] = handle
            adapters.append(self._adapters[f])
        arr = (ctypes.POINTER(ctypes.c_void_p) * max(1, len(adapters)))(*adapters)
        scales = (ctypes.c_float * max(1, len(adapters)))(*([1.0] * len(adapters)))
        rc = self.lib.llama_set_adapters_lora(self.llm._ctx.ctx, arr, len(adapters), scales)
        if rc != 0:
            raise RuntimeError(f"llama_set_adapters_lora failed ({rc})")
        self.llm.reset()
        self.lib.llama_memory_clear(self.lib.llama_get_memory(self.llm._ctx.ctx), True)
        if self.cache is not None:
            self.cache.states.clear()

    def close(self) -> None:
        self.llm.close()  # now, not in the interpreter's shutdown, when llama.cpp's library may be gone already
