import dataclasses
import os

import pytest
import torch
from conftest import CONVERSATIONS, run_inprocess, write_jsonl

from swe_forge_trainer import chat_render, data, grpo, grpo_loss, rollout_tokens
from swe_forge_trainer.config import ConfigError
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

    # The clip acts (no gradient) where it sets the term: 1.5 with A > 0 (high bound), 0.5 with A < 0 (low bound).
    # 0.5 with A > 0 is outside the range but keeps its gradient (min picks the unclipped 0.5).
    stats = grpo_loss.ClipStats()
    stats.add(ratio, adv, mask, 0.2, 0.28)
    s = stats.summary()
    assert (s["clip_fraction_low"], s["clip_fraction_high"], s["clip_fraction"]) == (1 / 5, 1 / 5, 2 / 5)
    assert abs(s["ratio_mean"] - (0.5 + 1 + 1.5 + 0.5 + 1) / 5) < 1e-6 and s["ratio_max"] == 1.5


def test_pi_old_and_truncated_importance_weights_by_hand():
    nan = float("nan")
    recomputed = torch.tensor([[-1.0, -2.0, -3.0]])
    sampler = torch.tensor([[-1.5, nan, -2.0]])
    # sampler: its log-probs where reported, the recomputation elsewhere; recomputed: always the trainer's.
    assert torch.equal(grpo_loss.pi_old(recomputed, sampler, "sampler"), torch.tensor([[-1.5, -2.0, -2.0]]))
    assert torch.equal(grpo_loss.pi_old(recomputed, sampler, "recomputed"), recomputed)
    # TIS: min(pi_trainer / pi_sampler, cap) = min(e^0.5, 2), 1 (not sampled), min(e^-1, 2).
    w = grpo_loss.tis_weight(recomputed, sampler, 2.0)
    assert torch.allclose(w, torch.tensor([[min(2.0, 1.6487213), 1.0, 0.3678794]]), atol=1e-6)
    assert grpo_loss.tis_weight(recomputed, sampler, 0.0) is None
    w = grpo_loss.tis_weight(recomputed, torch.tensor([[-3.0, nan, nan]]), 2.0)
    assert w[0, 0].item() == 2.0  # e^2 truncated at the cap
    # Truncated tokens: e^2 > 2 is cut (1 of 1 sampled); e^0.5 and e^-1 are not (0 of 2); with TIS off none are.
    assert grpo_loss.tis_truncated(recomputed, torch.tensor([[-3.0, nan, nan]]), torch.ones(1, 3), 2.0) == (1.0, 1.0)
    assert grpo_loss.tis_truncated(recomputed, sampler, torch.ones(1, 3), 2.0) == (0.0, 2.0)
    assert grpo_loss.tis_truncated(recomputed, sampler, torch.ones(1, 3), 1.5) == (1.0, 2.0)
    assert grpo_loss.tis_truncated(recomputed, sampler, torch.ones(1, 3), 0.0) == (0.0, 2.0)
    # KL(sampler || trainer), k3 over the two sampled tokens: (e^x - 1) - x with x = 0.5 and -1.
    total, n = grpo_loss.sampler_kl(recomputed, sampler, torch.ones(1, 3))
    assert n == 2 and abs(total - ((1.6487213 - 1 - 0.5) + (0.3678794 - 1 + 1))) < 1e-5
    # The weight multiplies each token's clipped term: ratio 1, A = 1, w = 2 -> -(2 + 1 + 1) / 4.
    got = grpo_loss.clipped_objective(torch.ones(1, 3), torch.ones(1, 1), torch.ones(1, 3), 0.2, 0.28, 4.0,
                                      torch.tensor([[2.0, 1.0, 1.0]]))  # fmt: skip
    assert abs(got.item() + 1.0) < 1e-6


def test_mini_batches_hold_whole_groups_in_batch_order():
    used = [{"group": g} for g in ["a", "a", "b", "b", "c", "c"]]
    assert grpo.mini_batches(used, 1) == [[0, 1, 2, 3, 4, 5]]
    assert grpo.mini_batches(used, 2) == [[0, 1], [2, 3, 4, 5]]
    assert grpo.mini_batches(used, 3) == [[0, 1], [2, 3], [4, 5]]
    assert grpo.mini_batches(used, 9) == [[0, 1], [2, 3], [4, 5]]  # never more than there are groups


def test_step_raises_positive_and_lowers_negative_trajectories(tiny_model, tmp_path, capfd):
    batch = write_jsonl(tmp_path / "batch.jsonl", [row(0, 1.0), row(2, -1.0), row(3, 0.5, masked=True)])
    before = {i: sequence_logprob(tiny_model, CONVERSATIONS[i]) for i in (0, 2)}
    cfg = grpo_config(tiny_model, batch, tmp_path / "rl", ppo_epochs=2, lr=0.005)
    events = run_inprocess(grpo, "grpo-step", cfg, capfd)
    done = events[-1]
    assert done["event"] == "done" and done["checkpoint"].endswith("checkpoints/step-000001")
    after = {i: sequence_logprob(done["checkpoint"], CONVERSATIONS[i]) for i in (0, 2)}
    assert after[0][0] > before[0][0] and after[2][0] < before[2][0]

    m = done["metrics"]
    assert (m["rows_used"], m["rows_masked"], m["groups"], m["tokens"]) == (2, 1, 1, before[0][1] + before[2][1])
    # First epoch: no sampler log-probs in these rows, so pi_old is recomputed from the same weights: rho = 1 and
    # the loss is -sum(A * n_i) / (G L_max), nothing clipped. The second epoch's ratio has moved: the clip acts.
    assert abs(m["loss"] - (-(1.0 * before[0][1] - 1.0 * before[2][1]) / (1 * 4 * 256))) < 1e-6
    epochs = [e for e in events if e["event"] == "progress"]
    assert [e["step"] for e in epochs] == [1, 2]
    assert epochs[0]["clip_fraction"] == 0.0 and abs(epochs[0]["ratio_mean"] - 1) < 1e-6
    assert epochs[1]["clip_fraction"] > 0 and epochs[1]["ratio_max"] > 1.28
    assert m["clip_fraction"] == (epochs[0]["clip_fraction"] + epochs[1]["clip_fraction"]) / 2
    assert m["updates"] == 2 and m["grad_norm"] > 0 and m["sampler_tokens"] == 0

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


@torch.no_grad()
def with_sampled(model_dir, messages, shift):
    """The conversation with every assistant turn's token ids and the trainer's own log-probs minus `shift` as
    meta.sampled: a sampler whose probabilities differ from the trainer's by a known factor e^shift."""
    tok, model = load_tokenizer(model_dir), load_model(model_dir, CPU).eval()
    ex = rollout_tokens.encode_rollout(tok, messages, None, None, "t")
    lp, mask = grpo.token_logprobs(model, data.collate([ex], tok.pad_token_id))
    trained = [float(x) for x, m in zip(lp[0].tolist(), mask[0].tolist()) if m]
    full, spans = chat_render.assistant_spans(tok, messages, None)
    out, k = [dict(m) for m in messages], 0
    for i, start, end in spans:
        ids = tok(full[start:end], add_special_tokens=False)["input_ids"]
        out[i]["meta"] = {"sampled": {"tokenIds": ids, "logprobs": [x - shift for x in trained[k : k + len(ids)]]}}
        k += len(ids)
    assert k == len(trained)
    return out


def test_sampler_logprobs_are_pi_old_and_change_the_loss(tiny_model, tmp_path, capfd):
    # The sampler gave each token e^-0.5 of the trainer's probability: rho = e^0.5 = 1.6487 > 1 + 0.28 from the
    # first update on. A > 0 (row 0): the high clip sets 1.28 * A per token; A < 0 (row 2): min picks rho * A.
    rows = [
        {**row(0, 1.0), "messages": with_sampled(tiny_model, CONVERSATIONS[0], 0.5)},
        {**row(2, -1.0), "messages": with_sampled(tiny_model, CONVERSATIONS[2], 0.5)},
    ]
    batch = write_jsonl(tmp_path / "sampled.jsonl", rows)
    n0, n2 = sequence_logprob(tiny_model, CONVERSATIONS[0])[1], sequence_logprob(tiny_model, CONVERSATIONS[2])[1]
    denom, rho = 1 * 4 * 256, 1.6487212707

    m = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, batch, tmp_path / "s"), capfd)[-1]["metrics"]
    assert abs(m["loss"] - (-(1.28 * n0 - rho * n2) / denom)) < 1e-5
    assert m["clip_fraction_high"] == n0 / (n0 + n2) and m["clip_fraction_low"] == 0
    assert abs(m["ratio_mean"] - rho) < 1e-4 and abs(m["sampler_kl"] - (rho - 1 - 0.5)) < 1e-4
    assert (m["sampled_turns"], m["mismatch_turns"], m["sampler_tokens"]) == (4, 0, n0 + n2)

    # The same rows with pi_old recomputed: the sampler's numbers are ignored, rho = 1, the plain loss.
    cfg = grpo_config(tiny_model, batch, tmp_path / "r", old_logprobs="recomputed")
    m = run_inprocess(grpo, "grpo-step", cfg, capfd)[-1]["metrics"]
    assert abs(m["loss"] - (-(n0 - n2) / denom)) < 1e-5 and m["clip_fraction"] == 0

    # Recomputed pi_old with truncated importance sampling: each token weighted by min(e^0.5, 2) = 1.6487.
    cfg = grpo_config(tiny_model, batch, tmp_path / "t", old_logprobs="recomputed", tis_cap=2.0)
    m = run_inprocess(grpo, "grpo-step", cfg, capfd)[-1]["metrics"]
    assert abs(m["loss"] - (-rho * (n0 - n2) / denom)) < 1e-5 and m["tis_truncated_fraction"] == 0

    # A cap below e^0.5: every sampled token's weight is cut to the cap, and the metric says all of them were.
    cfg = grpo_config(tiny_model, batch, tmp_path / "c", old_logprobs="recomputed", tis_cap=1.5)
    m = run_inprocess(grpo, "grpo-step", cfg, capfd)[-1]["metrics"]
    assert abs(m["loss"] - (-1.5 * (n0 - n2) / denom)) < 1e-5 and m["tis_truncated_fraction"] == 1


def test_trains_on_the_sampled_ids_and_counts_a_mismatch(tiny_model, tmp_path, capfd):
    tok = load_tokenizer(tiny_model)
    messages = with_sampled(tiny_model, CONVERSATIONS[2], 0.0)
    sampled = messages[2]["meta"]["sampled"]
    other = next(t for t in range(300, 400) if t not in sampled["tokenIds"] and t not in tok.all_special_ids)
    sampled["tokenIds"] = [other] + sampled["tokenIds"][1:]  # the sampler drew a token the text re-tokenises away
    ex = rollout_tokens.encode_rollout(tok, messages, None, None, "t")
    assert (ex.sampled_turns, ex.mismatch_turns) == (1, 1)
    assert [x for x in ex.labels if x != data.IGNORE] == sampled["tokenIds"]  # what the sampler drew, not the text
    batch = write_jsonl(tmp_path / "mismatch.jsonl", [{**row(2, 1.0), "messages": messages}, row(0, -1.0)])
    m = run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, batch, tmp_path / "m"), capfd)[-1]["metrics"]
    assert (m["sampled_turns"], m["mismatch_turns"], m["assistant_turns"]) == (1, 1, 4)


def test_two_mini_batches_are_two_updates_per_epoch(tiny_model, tmp_path, capfd):
    rows = [row(0, 1.0, "g1"), row(1, -1.0, "g1"), row(2, 1.0, "g2"), row(3, -1.0, "g2")]
    batch = write_jsonl(tmp_path / "mb.jsonl", rows)
    cfg = grpo_config(tiny_model, batch, tmp_path / "mb", mini_batches=2, ppo_epochs=2)
    m = run_inprocess(grpo, "grpo-step", cfg, capfd)[-1]["metrics"]
    # The second mini-batch of epoch 1 already meets updated weights: its ratio is off 1.
    assert m["updates"] == 4 and m["groups"] == 2 and m["ratio_max"] > 1


def test_the_papers_defaults_are_pinned():
    # SWE-Master: eps 0.2 / 0.28 (clip-higher), no KL term (the step takes no KL coefficient at all), one update per
    # iteration unless configured, and pi_old from the sampler. A changed default fails here.
    spec = {f.name: f for f in dataclasses.fields(grpo.SPEC)}
    assert (spec["eps_low"].default, spec["eps_high"].default) == (0.2, 0.28)
    assert not any("kl" in name for name in spec)
    assert (spec["ppo_epochs"].default, spec["mini_batches"].default, spec["tis_cap"].default) == (1, 1, 0.0)
    assert spec["old_logprobs"].default == "sampler"


def test_two_groups_in_one_mini_batch_by_hand(tiny_model, tmp_path, capfd):
    # Two groups in one mini-batch, G = 3 (group g1 lost a member to an infrastructure mask, which still counts in
    # G), two micro-batches. Every token's sampler probability is e^-0.5 of the trainer's, so rho = e^0.5 > 1.28 on
    # the first (only) update: A > 0 takes the high clip 1.28 * A, A < 0 keeps rho * A. By SWE-Master's
    # 1/(G * L_max) per group the token sum divides by n_groups * G * L_max = 2 * 3 * 256: without G it would be
    # 2 * 256, without n_groups 3 * 256, per row 4 * 256.
    adv = {0: 1.0, 1: -1.0, 2: 0.5, 3: -0.5}
    groups = {0: "g1", 1: "g1", 2: "g2", 3: "g2"}
    rows = [{**row(i, adv[i], groups[i]), "messages": with_sampled(tiny_model, CONVERSATIONS[i], 0.5)} for i in adv]
    rows.insert(1, row(2, 9.0, "g1", masked=True))
    batch = write_jsonl(tmp_path / "groups.jsonl", rows)
    n = {i: sequence_logprob(tiny_model, CONVERSATIONS[i])[1] for i in adv}
    rho = 1.6487212707
    term = {i: (1.28 if a > 0 else rho) * a * n[i] for i, a in adv.items()}
    cfg = grpo_config(tiny_model, batch, tmp_path / "g", group_size=3)
    m = run_inprocess(grpo, "grpo-step", cfg, capfd)[-1]["metrics"]
    assert (m["groups"], m["rows_used"], m["rows_masked"], m["updates"]) == (2, 4, 1, 1)
    assert abs(m["loss"] - (-sum(term.values()) / (2 * 3 * 256))) < 1e-5
    assert m["clip_fraction_high"] == (n[0] + n[2]) / sum(n.values())

    # Two mini-batches of one group each: each divides by its own 1 * G * L_max, not the batch's 2 * G * L_max. A
    # learning rate of 1e-9 keeps the second mini-batch's rho at e^0.5 to well within the tolerance.
    cfg = grpo_config(tiny_model, batch, tmp_path / "g2", group_size=3, mini_batches=2, lr=1e-9)
    m = run_inprocess(grpo, "grpo-step", cfg, capfd)[-1]["metrics"]
    assert m["updates"] == 2
    assert abs(m["loss"] - (-(term[0] + term[1]) / (3 * 256) - (term[2] + term[3]) / (3 * 256))) < 1e-5


def test_truncated_importance_sampling_needs_the_trainers_pi_old(tiny_model, tmp_path, capfd):
    # TIS (Yao et al.): ratio against the trainer's recomputed pi_old, weight min(pi_trainer_old / pi_sampler, cap).
    # With pi_old from the sampler the ratio already is against the sampler, and the weight would correct again.
    batch = write_jsonl(tmp_path / "b.jsonl", [row(0, 1.0), row(2, -1.0)])
    for extra in ({"tis_cap": 2.0}, {"tis_cap": 2.0, "old_logprobs": "sampler"}):
        with pytest.raises(ConfigError, match=r"'grpo-step\.tis_cap'.*'grpo-step\.old_logprobs'"):
            run_inprocess(grpo, "grpo-step", grpo_config(tiny_model, batch, tmp_path / "x", **extra), capfd)
    assert not os.path.exists(tmp_path / "x")
    # The CLI says so with exit 2 (bad input), before loading a model.
    from conftest import run_cli, write_config

    code, events, _ = run_cli("grpo-step", write_config(tmp_path, grpo_config(tiny_model, batch, tmp_path / "y",
                                                                              tis_cap=2.0)))  # fmt: skip
    assert code == 2 and events[-1]["kind"] == "bad_input" and "tis_cap" in events[-1]["message"]


def test_clip_higher_acts_only_from_the_second_update_of_an_iteration(tiny_model, tmp_path, capfd):
    # docs/training.md "When clip-higher acts": one update (ppo_epochs = mini_batches = 1, the presets) is taken at
    # the weights that sampled, so with pi_old recomputed rho is 1 on every token and no clip bound is ever active,
    # however large the step. From the second mini-batch on the weights have moved and the high clip binds.
    rows = [row(0, 1.0, "g1"), row(1, -1.0, "g1"), row(2, 1.0, "g2"), row(3, -1.0, "g2")]
    batch = write_jsonl(tmp_path / "clip.jsonl", rows)
    one = grpo_config(tiny_model, batch, tmp_path / "one", old_logprobs="recomputed", lr=0.05, group_size=2)
    m = run_inprocess(grpo, "grpo-step", one, capfd)[-1]["metrics"]
    assert m["updates"] == 1 and m["clip_fraction"] == 0 and abs(m["ratio_max"] - 1) < 1e-6
    two = {**one, "out_dir": str(tmp_path / "two"), "mini_batches": 2}
    m = run_inprocess(grpo, "grpo-step", two, capfd)[-1]["metrics"]
    assert m["updates"] == 2 and m["clip_fraction_high"] > 0 and m["ratio_max"] > 1.28


def test_a_group_counts_members_not_lines(tmp_path):
    """A condensed trajectory is several batch lines of one member (rolloutId); group_size bounds members."""
    from types import SimpleNamespace

    lines = [{**row(0, 1.0), "rolloutId": 7}, {**row(1, 1.0), "rolloutId": 7, "segment": 1}, {**row(2, -1.0), "rolloutId": 8}]
    batch = tmp_path / "b.jsonl"
    write_jsonl(batch, lines)
    used, masked = grpo.read_batch(SimpleNamespace(batch=str(batch), group_size=2))
    assert (len(used), masked) == (3, 0)
    write_jsonl(batch, [{**r, "rolloutId": k} for k, r in enumerate(lines)])
    with pytest.raises(ConfigError, match=r"group 'task-1' has 3 members \(rollouts\)"):
        grpo.read_batch(SimpleNamespace(batch=str(batch), group_size=2))
