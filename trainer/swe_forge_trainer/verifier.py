"""`train-verifier`: the SWE-Gym outcome reward model (kind "orm") or the SWE-World simulator (kind "swe_world").

ORM loss: two-way cross-entropy over (l_yes, l_no) at the last token, i.e. -log p_yes for resolved rows and
-log(1 - p_yes) for unresolved ones, with p_yes defined exactly as `score` computes it.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F

from . import data, events
from .config import ConfigError, Device, device_param, existing_file, model_dir, param, positive
from .loop import LoopConfig, prepare, train
from .runtime import STOP, init_runtime, seed_everything, verdict_ids
from .scoring import YesNoScorer, encode_texts
from .sft import causal_lm_loss, total_steps

@dataclass(frozen=True, kw_only=True)
class TrainVerifierConfig(LoopConfig):
    kind: Literal["orm", "swe_world"] = param(help="orm | swe_world")
    model: str = param(help="base model directory", check=model_dir)
    data: str = param(help="JSONL: orm {text,label}; swe_world {prompt,target}", check=existing_file)
    steps: int | None = param(None, "optimizer steps (this or epochs)", positive)
    epochs: float | None = param(None, "passes over the (balanced) data (this or steps)", positive)
    batch_size: int = param(4, "rows per step per process", positive)
    max_seq_len: int = param(4096, "orm: texts keep their last tokens; swe_world: prompt cut from the left", positive)
    yes_token: str = param("auto", "orm: token for resolved (auto: the first of VERDICT_PAIRS that is one token)")
    no_token: str = param("auto", "orm: token for unresolved")
    balance: bool = param(True, "orm: downsample the majority label to 50/50")
    device: Device = device_param()


SPEC = TrainVerifierConfig


def balanced(labels: list[int], seed: int) -> list[int]:
    pos = [i for i, y in enumerate(labels) if y == 1]
    neg = [i for i, y in enumerate(labels) if y == 0]
    if not pos or not neg:
        raise ConfigError("train-verifier.data: balance needs rows of both labels (set balance false to skip)")
    n = min(len(pos), len(neg))
    rng = random.Random(seed)
    return sorted(rng.sample(pos, n) + rng.sample(neg, n))


def orm_rows(cfg) -> tuple[list[str], list[int]]:
    rows = data.read_jsonl(cfg.data, "train-verifier.data")
    for n, r in enumerate(rows, start=1):
        if not isinstance(r.get("text"), str):
            raise ConfigError(f"train-verifier.data line {n}.text must be a string")
        if r.get("label") not in (0, 1) or isinstance(r.get("label"), bool):
            raise ConfigError(f"train-verifier.data line {n}.label must be 0 or 1")
    return [r["text"] for r in rows], [int(r["label"]) for r in rows]


def orm_loss(scorer, batch: dict) -> torch.Tensor:
    logits = scorer(batch["input_ids"], batch["attention_mask"])  # [batch, 2] = (l_yes, l_no)
    return F.cross_entropy(logits.float(), 1 - batch["verdict"])  # class 0 = YES = label 1


def run_orm(cfg, rt, job) -> None:
    texts, labels = orm_rows(cfg)
    keep = balanced(labels, cfg.seed) if cfg.balance else list(range(len(labels)))
    yes_id, no_id = verdict_ids(job.tokenizer, cfg.yes_token, cfg.no_token, "train-verifier")
    examples = encode_texts(job.tokenizer, [texts[i] for i in keep], cfg.max_seq_len)
    verdicts = [labels[i] for i in keep]
    total = total_steps(cfg, len(examples), rt.world_size, "train-verifier")
    scorer = YesNoScorer(job.model, yes_id, no_id, output="logits").to(rt.device)

    def batch_fn(step: int) -> dict:
        idx = data.batch_indices(len(examples), cfg.batch_size, step, cfg.seed, rt.rank, rt.world_size)
        batch = data.collate([examples[i] for i in idx], job.tokenizer.pad_token_id)
        batch["verdict"] = torch.tensor([verdicts[i] for i in idx])
        return batch

    job.state = {"kind": cfg.kind, "yes_token_id": yes_id, "no_token_id": no_id}
    ckpt, metrics = train(job, total, batch_fn, orm_loss, module=scorer)
    stats = {
        "rows": len(labels),
        "rows_used": len(keep),
        "positives": sum(verdicts),
        "negatives": len(verdicts) - sum(verdicts),
    }
    events.emit("done", checkpoint=ckpt, metrics={**metrics, **stats})


def run_swe_world(cfg, rt, job) -> None:
    rows = data.read_jsonl(cfg.data, "train-verifier.data")
    examples, dropped = [], 0
    for n, r in enumerate(rows, start=1):
        if not isinstance(r.get("prompt"), str) or not isinstance(r.get("target"), str):
            raise ConfigError(f"train-verifier.data line {n} needs string fields 'prompt' and 'target'")
        ex = data.encode_prompt_target(job.tokenizer, r["prompt"], r["target"], cfg.max_seq_len)
        if ex is None:
            dropped += 1
        else:
            examples.append(ex)
    if not examples:
        raise ConfigError("train-verifier.data: every target is longer than max_seq_len")
    total = total_steps(cfg, len(examples), rt.world_size, "train-verifier")

    def batch_fn(step: int) -> dict:
        idx = data.batch_indices(len(examples), cfg.batch_size, step, cfg.seed, rt.rank, rt.world_size)
        return data.collate([examples[i] for i in idx], job.tokenizer.pad_token_id)

    job.state = {"kind": "swe_world"}
    ckpt, metrics = train(job, total, batch_fn, causal_lm_loss)
    stats = {"rows": len(rows), "rows_used": len(examples), "rows_dropped_target_too_long": dropped}
    events.emit("done", checkpoint=ckpt, metrics={**metrics, **stats})


def scorer_rows(path: str) -> bool:
    """SWE-World as a per-test scorer: {text,label} rows, one per recorded test status (label 1 = passed), trained
    exactly like the ORM (P(YES) at the last token); {prompt,target} rows train the generative report writer."""
    rows = data.read_jsonl(path, "train-verifier.data")
    return bool(rows) and "text" in rows[0]


def run(cfg) -> None:
    STOP.defer()
    rt = init_runtime(cfg.device, "train-verifier.device")
    seed_everything(cfg.seed)
    # The ORM trains through YesNoScorer, which calls the decoder and the head itself: it is what gets wrapped.
    job = prepare(rt, "train-verifier", cfg, wrap=cfg.kind != "orm")
    per_test = cfg.kind == "swe_world" and scorer_rows(cfg.data)
    (run_orm if cfg.kind == "orm" or per_test else run_swe_world)(cfg, rt, job)
