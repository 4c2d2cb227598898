"""`score`: p_yes for each text, from the next-token logits at the last real token (SWE-Gym's verifier score).

p_yes = exp(l_yes) / (exp(l_yes) + exp(l_no)) = sigmoid(l_yes - l_no). The same `YesNoScorer` module is
trained by `train-verifier` (ORM) and exported by `export-onnx`, so all three agree by construction.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from . import data, events
from .config import ConfigError, Device, device_param, existing_file, model_dir, param, positive
from .runtime import init_runtime, load_model, load_tokenizer, verdict_ids

@dataclass(frozen=True, kw_only=True)
class ScoreConfig:
    model: str = param(help="verifier model directory", check=model_dir)
    texts: list[str] | None = param(None, "texts to score (this or texts_file)")
    texts_file: str | None = param(
        None, "JSONL of {text} rows or JSON list of strings (this or texts)", existing_file
    )
    yes_token: str = param(
        "auto", "token whose probability is the score (auto: the first of VERDICT_PAIRS that is one token)"
    )
    no_token: str = param("auto", "the competing token")
    max_seq_len: int = param(4096, "longer texts keep their last max_seq_len tokens", positive)
    batch_size: int = param(8, "texts per forward pass", positive)
    device: Device = device_param()


SPEC = ScoreConfig


class YesNoScorer(torch.nn.Module):
    """(input_ids, attention_mask) right-padded → (l_yes, l_no) at each row's last attended position."""

    def __init__(self, model, yes_id: int, no_id: int, output: str = "p_yes") -> None:
        super().__init__()
        self.model = model
        self.output = output  # "logits" (training) or "p_yes" (scoring, ONNX)
        self.register_buffer("token_ids", torch.tensor([yes_id, no_id]), persistent=False)

    def pair_logits(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        # Right padding + causal attention: positions up to the last real token never see the padding, so the
        # transformer gets an all-ones mask (plain causal; no padding or packed-sequence logic in an exported
        # graph) and attention_mask only locates the position to read.
        ones = torch.ones_like(input_ids)
        hidden = self.model.get_decoder()(input_ids=input_ids, attention_mask=ones, use_cache=False).last_hidden_state
        last = (attention_mask.sum(dim=1) - 1).clamp(min=0)
        picked = hidden[torch.arange(hidden.shape[0], device=hidden.device), last]
        weight = self.model.get_output_embeddings().weight[self.token_ids]  # only two vocabulary rows are ever needed
        return picked.float() @ weight.float().t()

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        logits = self.pair_logits(input_ids, attention_mask)
        if self.output == "logits":
            return logits
        return torch.sigmoid(logits[:, 0] - logits[:, 1])


def encode_texts(tokenizer, texts: list[str], max_seq_len: int) -> list[data.Example]:
    out = []
    for text in texts:
        ids = data.left_truncate(tokenizer.encode(text, add_special_tokens=False), max_seq_len)
        if not ids:
            ids = [tokenizer.pad_token_id]  # an empty text still gets a (meaningless) score, not a crash
        out.append(data.Example(ids, ids))
    return out


@torch.no_grad()
def score_examples(
    scorer: YesNoScorer, examples: list[data.Example], pad_id: int, batch_size: int, device
) -> list[float]:
    order = sorted(range(len(examples)), key=lambda i: len(examples[i].ids))  # similar lengths share a batch
    scores = [0.0] * len(examples)
    for start in range(0, len(order), batch_size):
        chunk = order[start : start + batch_size]
        batch = data.collate([examples[i] for i in chunk], pad_id)
        p = scorer(batch["input_ids"].to(device), batch["attention_mask"].to(device))
        for i, value in zip(chunk, p.tolist()):
            scores[i] = value
    return scores


def load_texts(cfg) -> list[str]:
    if (cfg.texts is None) == (cfg.texts_file is None):
        raise ConfigError("config field 'score.texts' or 'score.texts_file' is required (exactly one)")
    if cfg.texts is not None:
        return cfg.texts
    if cfg.texts_file.endswith(".jsonl"):
        rows = data.read_jsonl(cfg.texts_file, "score.texts_file")
        if not all(isinstance(r.get("text"), str) for r in rows):
            raise ConfigError("score.texts_file: every row needs a string field 'text'")
        return [r["text"] for r in rows]
    texts = data.load_json(cfg.texts_file, "score.texts_file")
    if not isinstance(texts, list) or not all(isinstance(t, str) for t in texts):
        raise ConfigError("score.texts_file must hold a JSON list of strings (or JSONL of {text})")
    return texts


def run(cfg) -> None:
    texts = load_texts(cfg)
    rt = init_runtime(cfg.device, "score.device")
    tokenizer = load_tokenizer(cfg.model)
    yes_id, no_id = verdict_ids(tokenizer, cfg.yes_token, cfg.no_token, "score")
    scorer = YesNoScorer(load_model(cfg.model, rt), yes_id, no_id).to(rt.device).eval()
    examples = encode_texts(tokenizer, texts, cfg.max_seq_len)
    with rt.autocast():
        scores = score_examples(scorer, examples, tokenizer.pad_token_id, cfg.batch_size, rt.device)
    events.emit("done", checkpoint=None, metrics={"scores": scores, "count": len(scores)})
