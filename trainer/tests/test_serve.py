import json
import signal
import urllib.request

import pytest

from conftest import EventReader, start_cli, write_config


def http(url, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as resp:
        return resp.status, json.loads(resp.read())


def test_serve_answers_a_chat_completion_over_http(tiny_model, tmp_path):
    raw = {
        "model": tiny_model,
        "port": 0,
        "max_new_tokens": 8,
        "temperature": 0.0,
        "seed": 0,
        "model_name": "tiny-policy",
    }
    proc = start_cli("serve", write_config(tmp_path, raw))
    try:
        reader = EventReader(proc)
        url = reader.wait_for(lambda e: e["event"] == "listening")["url"]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/v1")
        assert http(url.removesuffix("/v1") + "/health")[1]["status"] == "ok"
        assert http(url + "/models")[1]["data"][0]["id"] == "tiny-policy"

        messages = [
            {"role": "system", "content": "You are an agent."},
            {"role": "user", "content": "Fix the bug."},
            {"role": "assistant", "content": "", "tool_calls": [
                {"id": "1", "type": "function", "function": {"name": "bash", "arguments": "{\"cmd\": \"ls\"}"}}]},
            {"role": "tool", "tool_call_id": "1", "content": "a.py"},
        ]  # fmt: skip
        status, reply = http(url + "/chat/completions", {"model": "tiny-policy", "messages": messages, "max_tokens": 5})
        assert status == 200 and reply["object"] == "chat.completion"
        choice = reply["choices"][0]
        assert choice["message"]["role"] == "assistant" and isinstance(choice["message"]["content"], str)
        assert choice["finish_reason"] in ("stop", "length")
        usage = reply["usage"]
        assert usage["prompt_tokens"] > 10 and 1 <= usage["completion_tokens"] <= 5
        assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
        # Greedy decoding is deterministic.
        assert (
            http(url + "/chat/completions", {"messages": messages, "max_tokens": 5})[1]["choices"] == reply["choices"]
        )

        try:
            http(url + "/chat/completions", {"messages": [{"role": "robot", "content": "x"}]})
            raise AssertionError("expected HTTP 400")
        except urllib.error.HTTPError as err:
            assert err.code == 400 and "role" in json.loads(err.read())["error"]["message"]

        # A conversation longer than the model's window gets vLLM's context-length 400, not a 500.
        huge = [{"role": "user", "content": "word " * 20000}]
        try:
            http(url + "/chat/completions", {"messages": huge, "max_tokens": 5})
            raise AssertionError("expected HTTP 400")
        except urllib.error.HTTPError as err:
            assert err.code == 400 and "maximum context length" in json.loads(err.read())["error"]["message"]
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=30)
    assert code == 0
    assert reader.events[-1]["event"] == "done"


def test_serve_reports_sampled_tokens_that_the_trainer_reproduces(tiny_model, tmp_path):
    """The serving contract (docs/training.md): `logprobs: true` gives token ids and their log-probs; the trainer,
    rendering the same conversation with the sampled turn, computes the same log-probs for those ids."""
    import torch

    from swe_forge_trainer import data, grpo, rollout_tokens
    from swe_forge_trainer.runtime import Runtime, load_model, load_tokenizer

    raw = {"model": tiny_model, "port": 0, "max_new_tokens": 6, "temperature": 1.0, "model_name": "run/rl/iter-1/step-1"}
    proc = start_cli("serve", write_config(tmp_path, raw))
    try:
        url = EventReader(proc).wait_for(lambda e: e["event"] == "listening")["url"]
        messages = [{"role": "system", "content": "You are an agent."}, {"role": "user", "content": "Fix the bug."}]
        body = {"model": "run/rl/iter-1/step-1", "messages": messages, "max_tokens": 6, "logprobs": True, "seed": 3}
        reply = http(url + "/chat/completions", body)[1]
        assert reply["model"] == "run/rl/iter-1/step-1"  # the engine names the checkpoint it has loaded
        choice = reply["choices"][0]
        ids, lps = choice["token_ids"], [c["logprob"] for c in choice["logprobs"]["content"]]
        assert len(ids) == len(lps) == reply["usage"]["completion_tokens"] and all(x <= 0 for x in lps)
        assert "logprobs" not in http(url + "/chat/completions", {**body, "logprobs": False})[1]["choices"][0]
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)

    tok, model = load_tokenizer(tiny_model), load_model(tiny_model, Runtime(device=torch.device("cpu"))).eval()
    turn = {"role": "assistant", "content": choice["message"]["content"],
            "meta": {"sampled": {"tokenIds": ids, "logprobs": lps}}}  # fmt: skip
    ex = rollout_tokens.encode_rollout(tok, messages + [turn], None, None, "t")
    with torch.no_grad():
        lp, mask = grpo.token_logprobs(model, data.collate([ex], tok.pad_token_id))
    trained = [x for x, m in zip(lp[0].tolist(), mask[0].tolist()) if m]
    assert trained[: len(ids)] == pytest.approx(lps, abs=1e-4)
