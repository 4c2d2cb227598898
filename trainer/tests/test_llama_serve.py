"""The CPU engine: HF checkpoint → GGUF (same greedy tokens and log-probs as transformers), served by llama.cpp with
the checkpoint's name, sampled token ids, log-probs, and a prefix cache that spares a second turn its shared prefix."""

import json
import math
import urllib.request

import pytest
import torch

from conftest import EventReader, start_cli, write_config

pytest.importorskip("llama_cpp")
pytest.importorskip("gguf")

from swe_forge_trainer import gguf_export  # noqa: E402
from swe_forge_trainer.llama_engine import LlamaEngine, PrefixCache  # noqa: E402

MESSAGES = [
    {"role": "system", "content": "You are a software engineering agent."},
    {"role": "user", "content": "Fix the failing test in utils.py"},
]


def http(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


@pytest.fixture(scope="module")
def converted(tiny_model):
    return gguf_export.ensure(tiny_model, "f32")


def test_converted_gguf_generates_what_transformers_generates(tiny_model, converted):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tiny_model)
    prompt = tok.encode(tok.apply_chat_template(MESSAGES, tokenize=False, add_generation_prompt=True))
    model = AutoModelForCausalLM.from_pretrained(tiny_model, dtype=torch.float32).eval()
    with torch.no_grad():
        out = model.generate(torch.tensor([prompt]), max_new_tokens=12, do_sample=False, eos_token_id=None)
        hf_tokens = out[0, len(prompt) :].tolist()
        logits = model(out).logits[0, len(prompt) - 1 : -1]
        hf_logprobs = torch.log_softmax(logits.double(), -1).gather(1, out[0, len(prompt) :, None])[:, 0].tolist()

    engine = LlamaEngine(converted, n_ctx=1024, threads=2, cache_bytes=0, seed=0)
    sampled, _ = engine.generate(prompt, 12, 0.0, 1.0, 0, stop_ids=set())
    engine.close()
    assert [t for t, _ in sampled] == hf_tokens
    for (_, lp), ref in zip(sampled, hf_logprobs):
        assert math.isclose(lp, ref, abs_tol=1e-3), (lp, ref)


def test_prefix_cache_keeps_the_longest_shared_prefix_and_evicts_by_size():
    cache = PrefixCache(capacity_bytes=10)
    cache.put((1, 2, 3), b"abc")
    cache.put((1, 2, 3, 4, 5), b"abcde")  # supersedes (1, 2, 3)
    cache.put((1, 9), b"xy")
    assert list(cache.states) == [(1, 2, 3, 4, 5), (1, 9)]
    assert cache.best([1, 2, 3, 4, 7]) == ((1, 2, 3, 4, 5), 4)
    assert cache.best([8]) == (None, 0)
    cache.put((7, 7, 7, 7, 7), b"12345")  # over 10 bytes: the least recently used goes
    assert (1, 2, 3, 4, 5) not in cache.states


def test_serve_llama_names_the_checkpoint_returns_token_ids_logprobs_and_reuses_the_prefix(tiny_model, tmp_path):
    raw = {"model": tiny_model, "model_name": "run-1/rl/iter-2/step-3", "max_new_tokens": 6, "n_ctx": 2048}
    proc = start_cli("serve-llama", write_config(tmp_path, raw))
    try:
        url = EventReader(proc).wait_for(lambda e: e["event"] == "listening")["url"]
        assert [m["id"] for m in http(url + "/models")["data"]] == ["run-1/rl/iter-2/step-3"]

        first = http(url + "/chat/completions", {"messages": MESSAGES, "logprobs": True, "temperature": 1.0})
        assert first["model"] == "run-1/rl/iter-2/step-3"
        choice = first["choices"][0]
        ids, lps = choice["token_ids"], choice["logprobs"]["content"]
        assert len(ids) == len(lps) == first["usage"]["completion_tokens"] >= 1
        assert all(isinstance(t, int) for t in ids) and all(e["logprob"] <= 0 for e in lps)

        # Turn 2 re-sends turn 1 plus an observation: only the new suffix is prefilled.
        turn2 = MESSAGES + [
            {"role": "assistant", "content": choice["message"]["content"]},
            {"role": "user", "content": "Observation: 3 passed"},
        ]
        second = http(url + "/chat/completions", {"messages": turn2, "max_tokens": 2})
        cached = second["usage"]["prompt_tokens_details"]["cached_tokens"]
        assert cached >= first["usage"]["prompt_tokens"] - 1
        assert cached < second["usage"]["prompt_tokens"]

        # An unrelated conversation in between does not cost turn 2 its prefix (the state comes back from the cache).
        http(url + "/chat/completions", {"messages": [{"role": "user", "content": "Other task entirely"}]})
        again = http(url + "/chat/completions", {"messages": turn2, "max_tokens": 2})
        assert again["usage"]["prompt_tokens_details"]["cached_tokens"] >= cached
    finally:
        proc.terminate()
        proc.wait(timeout=60)
