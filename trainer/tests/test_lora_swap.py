"""LoRA adapters into a running llama.cpp engine without a restart: each adapter (peft format, as an RL step with
`training.lora` writes it) converted to a LoRA GGUF and applied to the loaded base. Stacked in chain order (each
trained on the previous one merged), base + A1 + A2 generates what the merged checkpoint generates, for Qwen2 and
for Llama (whose Q/K rows are reordered for llama.cpp's rotary layout)."""

import json
import os
import shutil
import urllib.request

import pytest
import torch

from conftest import EventReader, start_cli, write_config

pytest.importorskip("llama_cpp")
pytest.importorskip("gguf")

from swe_forge_trainer import gguf_export  # noqa: E402
from swe_forge_trainer.llama_engine import LlamaEngine  # noqa: E402

PROMPT_TEXT = "def add(a, b):\n    return"


def _llama_twin(tiny_model: str, out: str) -> str:
    """A random Llama model with the tiny model's tokenizer (Llama takes the rotary reordering path)."""
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    tok = AutoTokenizer.from_pretrained(tiny_model)
    torch.manual_seed(3)
    cfg = LlamaConfig(vocab_size=len(tok), hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512)  # fmt: skip
    LlamaForCausalLM(cfg).save_pretrained(out)
    tok.save_pretrained(out)
    return out


def _adapt(model_dir: str, out: str, seed: int) -> tuple[str, str]:
    """A LoRA adapter with random (nonzero) A and B on `model_dir`, and that model with it merged: (adapter, merged)."""
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModelForCausalLM, AutoTokenizer

    torch.manual_seed(seed)
    model = AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.float32)
    peft = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules="all-linear", lora_dropout=0.0))
    with torch.no_grad():
        for name, p in peft.named_parameters():
            if "lora_" in name:
                p.copy_(torch.randn_like(p) * 0.3)
    adapter = os.path.join(out, "adapter")
    peft.save_pretrained(adapter)
    merged = os.path.join(out, "merged")
    peft.merge_and_unload().save_pretrained(merged)
    AutoTokenizer.from_pretrained(model_dir).save_pretrained(merged)
    return adapter, merged


def _greedy(engine: LlamaEngine, prompt: list[int]) -> list[tuple[int, float]]:
    out, _ = engine.generate(prompt, 8, 0.0, 1.0, 0, stop_ids=set())
    return out


@pytest.mark.parametrize("arch", ["qwen2", "llama"])
def test_stacked_adapters_generate_what_the_merged_checkpoint_generates(tiny_model, tmp_path, arch):
    from transformers import AutoTokenizer

    base = tiny_model if arch == "qwen2" else _llama_twin(tiny_model, str(tmp_path / "llama"))
    a1, merged1 = _adapt(base, str(tmp_path / "s1"), 1)
    a2, merged2 = _adapt(merged1, str(tmp_path / "s2"), 2)
    prompt = AutoTokenizer.from_pretrained(base).encode(PROMPT_TEXT)

    want = LlamaEngine(gguf_export.ensure(merged2, "f32"), 512, 2, 0, 0)
    expected = _greedy(want, prompt)
    want.close()
    engine = LlamaEngine(gguf_export.ensure(base, "f32"), 512, 2, 1 << 20, 0)
    plain = _greedy(engine, prompt)
    engine.set_adapters([gguf_export.ensure_lora(a1, base), gguf_export.ensure_lora(a2, base)])
    got = _greedy(engine, prompt)
    engine.set_adapters([])  # back to the base: the adapters come off again
    back = _greedy(engine, prompt)
    engine.close()

    assert [t for t, _ in got] == [t for t, _ in expected]
    assert max(abs(a - b) for (_, a), (_, b) in zip(got, expected)) < 1e-3
    assert [lp for _, lp in plain] != pytest.approx([lp for _, lp in got], abs=1e-3)  # the adapters changed it
    assert [t for t, _ in back] == [t for t, _ in plain]
    assert [lp for _, lp in back] == pytest.approx([lp for _, lp in plain], abs=1e-4)


def _http(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=120) as resp:
        return json.loads(resp.read())


def test_serve_llama_swaps_adapters_in_place_and_names_the_new_checkpoint(tiny_model, tmp_path):
    a1, _ = _adapt(tiny_model, str(tmp_path / "s1"), 1)
    raw = {"model": tiny_model, "model_name": "run/sft/step-1", "max_new_tokens": 4, "n_ctx": 1024}
    proc = start_cli("serve-llama", write_config(tmp_path, raw))
    try:
        events = EventReader(proc)
        url = events.wait_for(lambda e: e["event"] == "listening")["url"]
        body = {"messages": [{"role": "user", "content": "hi"}], "logprobs": True}
        before = _http(url + "/chat/completions", body)
        assert before["model"] == "run/sft/step-1"
        swapped = _http(url + "/swe-forge/adapters", {"model_name": "run/rl/iter-1/step-1", "adapters": [a1]})
        assert swapped["model"] == "run/rl/iter-1/step-1" and swapped["adapters"] == 1
        # Asked of the engine: it now serves the new name, and its answers come from other weights.
        assert [m["id"] for m in _http(url + "/models")["data"]] == ["run/rl/iter-1/step-1"]
        after = _http(url + "/chat/completions", body)
        assert after["model"] == "run/rl/iter-1/step-1"
        lp = lambda r: [e["logprob"] for e in r["choices"][0]["logprobs"]["content"]]  # noqa: E731
        assert lp(after) != pytest.approx(lp(before), abs=1e-4)
        # A directory that is no adapter is refused, and the server keeps serving what it served.
        shutil.rmtree(os.path.join(str(tmp_path), "nope"), ignore_errors=True)
        with pytest.raises(urllib.error.HTTPError) as err:
            _http(url + "/swe-forge/adapters", {"model_name": "x", "adapters": [str(tmp_path / "nope")]})
        assert err.value.code == 400 and "adapter_config.json" in err.value.read().decode()
        assert _http(url + "/chat/completions", body)["model"] == "run/rl/iter-1/step-1"
    finally:
        proc.terminate()
        proc.wait(timeout=60)
