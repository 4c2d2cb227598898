import os

import torch
from conftest import CONVERSATIONS, run_inprocess, write_jsonl

from swe_forge_trainer import data, grpo
from swe_forge_trainer.runtime import Runtime, load_model, load_tokenizer

CPU = Runtime(device=torch.device("cpu"))


def row(i, advantage, group="task-1", masked=False):
    return {"messages": CONVERSATIONS[i], "advantage": advantage, "group": group, "masked": masked}


def grpo_config(model, batch, out_dir, **extra):
    return {
        "model": model, "batch": str(batch), "out_dir": str(out_dir), "l_max": 256, "group_size": 4,
        "lr": 2e-3, "micro_batch_size": 2, "seed": 0, "device": "cpu", **extra,
    }  # fmt: skip


@torch.no_grad()
def sequence_logprob(model_dir, messages):
    tok, model = load_tokenizer(model_dir), load_model(model_dir, CPU).eval()
    ex = data.encode_chat(tok, data.check_messages(messages, "t"), None)
    lp, mask = grpo.token_logprobs(model, data.collate([ex], tok.pad_token_id))
    return (lp * mask).sum().item(), int(mask.sum())


def test_objective_matches_a_hand_computed_example():
    ratio = torch.tensor([[0.5, 1.0, 1.5], [0.5, 1.0, 1.5]])
    adv = torch.tensor([[1.0], [-1.0]])
    mask = torch.tensor([[1.0, 1.0, 1.0], [1.0, 1.0, 0.0]])
    # A>0: min(r, clip(r, .8, 1.28)) = .5, 1, 1.28;  A<0: min(-r, -clip(r)) = -.8, -1, (masked)
    expected = -((0.5 + 1.0 + 1.28) + (-0.8 - 1.0)) / (1 * 4 * 10)
    got = grpo.clipped_objective(ratio, adv, mask, 0.2, 0.28, denom=1 * 4 * 10)
    assert abs(got.item() - expected) < 1e-6


def test_step_raises_positive_and_lowers_negative_trajectories(tiny_model, tmp_path, capfd):
    batch = write_jsonl(tmp_path / "batch.jsonl", [row(0, 1.0), row(2, -1.0), row(3, 0.5, masked=True)])
    before = {i: sequence_logprob(tiny_model, CONVERSATIONS[i]) for i in (0, 2)}
    events = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, batch, tmp_path / "rl"), capfd)
    done = events[-1]
    assert done["event"] == "done" and done["checkpoint"].endswith("checkpoints/step-000001")
    after = {i: sequence_logprob(done["checkpoint"], CONVERSATIONS[i]) for i in (0, 2)}
    assert after[0][0] > before[0][0] and after[2][0] < before[2][0]

    m = done["metrics"]
    assert (m["rows_used"], m["rows_masked"], m["groups"], m["tokens"]) == (2, 1, 1, before[0][1] + before[2][1])
    # First epoch: old log-probs come from the same weights, so rho = 1 and the loss is -sum(A * n_i) / (G L_max).
    assert abs(m["loss"] - (-(1.0 * before[0][1] - 1.0 * before[2][1]) / (1 * 4 * 256))) < 1e-6
    assert m["clip_fraction"] == 0.0 and abs(m["approx_kl"]) < 1e-6 and m["grad_norm"] > 0

    # The next step continues from the saved optimizer state, and a retried step is not applied twice.
    again = grpo_config(done["checkpoint"], batch, tmp_path / "rl")
    second = run_inprocess(grpo, "grpo-step", again, capfd)[-1]
    assert second["checkpoint"].endswith("step-000002") and second["metrics"]["step"] == 2
    retry = run_inprocess(grpo, "grpo-step", again, capfd)[-1]
    assert retry["checkpoint"] == second["checkpoint"] and retry["metrics"]["already_done"] is True


def weights(model_dir):
    from safetensors.torch import load_file

    return load_file(os.path.join(model_dir, "model.safetensors"))


def test_masked_trajectories_change_no_weight(tiny_model, tmp_path, capfd):
    all_masked = write_jsonl(tmp_path / "masked.jsonl", [row(0, 5.0, masked=True), row(1, None, masked=True)])
    events = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, all_masked, tmp_path / "a"), capfd)
    assert events[-1]["checkpoint"] == os.path.abspath(tiny_model)
    assert events[-1]["metrics"]["skipped"] is True and events[-1]["metrics"]["rows_masked"] == 2
    assert not any(e["event"] == "checkpoint" for e in events) and not os.path.exists(tmp_path / "a")

    # A masked row with a large advantage next to real rows: same update as without it.
    with_masked = write_jsonl(tmp_path / "with.jsonl", [row(0, 1.0), row(2, -1.0), row(1, 9.0, masked=True)])
    without = write_jsonl(tmp_path / "without.jsonl", [row(0, 1.0), row(2, -1.0)])
    a = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, with_masked, tmp_path / "b"), capfd)[-1]
    b = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, without, tmp_path / "c"), capfd)[-1]
    wa, wb, w0 = weights(a["checkpoint"]), weights(b["checkpoint"]), weights(tiny_model)
    assert all(torch.equal(wa[k], wb[k]) for k in wa)
    assert any(not torch.equal(wa[k], w0[k]) for k in wa)


def test_zero_advantage_rows_change_no_weight(tiny_model, tmp_path, capfd):
    batch = write_jsonl(tmp_path / "zero.jsonl", [row(0, 0.0), row(1, 0.0), row(2, 7.0, masked=True)])
    done = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, batch, tmp_path / "z"), capfd)[-1]
    wa, w0 = weights(done["checkpoint"]), weights(tiny_model)
    assert all(torch.equal(wa[k], w0[k]) for k in wa)
