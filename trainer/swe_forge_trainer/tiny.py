"""`make-tiny-model`: a random-init Qwen2 causal LM plus a byte-level BPE tokenizer trained on a corpus.

It exists so every command can be exercised on CPU in seconds; its outputs are meaningless text.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass

import torch

from . import events
from .chat_template import CHAT_TEMPLATE, SPECIAL_TOKENS, TOOL_TOKENS
from .config import ConfigError, param, positive
from .runtime import seed_everything

@dataclass(frozen=True, kw_only=True)
class MakeTinyModelConfig:
    out_dir: str = param(help="model directory to (re)create")
    corpus_files: list[str] = param([], "text / JSON / JSONL files to train the tokenizer on")
    vocab_size: int = param(1024, "BPE vocabulary size (incl. 256 byte symbols and special tokens)")
    hidden_size: int = param(64, "model width", positive)
    intermediate_size: int | None = param(None, "MLP width (default 4 * hidden_size)", positive)
    num_layers: int = param(2, "decoder layers", positive)
    num_heads: int = param(4, "attention heads", positive)
    num_kv_heads: int = param(2, "key/value heads (GQA)", positive)
    max_position_embeddings: int = param(4096, "context length", positive)
    seed: int = param(0, "init seed; same config + corpus + seed = same files")


SPEC = MakeTinyModelConfig


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def corpus_texts(paths: list[str]):
    for path in paths:
        with open(path, encoding="utf-8", errors="replace") as fh:
            if path.endswith(".jsonl"):
                for line in fh:
                    try:
                        yield from _strings(json.loads(line))
                    except json.JSONDecodeError:
                        yield line
            else:
                yield fh.read()


# Qwen2's pre-tokenizer split. transformers rebuilds any "qwen2" model's tokenizer with exactly this pipeline
# (NFC, this split, byte-level), so tokenizer.json must use it too or Node-side tokenization would differ.
QWEN2_SPLIT = (
    r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}|"""
    r""" ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
)


def build_tokenizer(paths: list[str], vocab_size: int):
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.normalizer = normalizers.NFC()
    tok.pre_tokenizer = pre_tokenizers.Sequence(
        [
            pre_tokenizers.Split(Regex(QWEN2_SPLIT), behavior="isolated", invert=False),
            pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
        ]
    )
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=SPECIAL_TOKENS,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(corpus_texts(paths), trainer)
    tok.add_tokens([AddedToken(t, normalized=False, special=False) for t in TOOL_TOKENS])
    for verdict in (" YES", " NO"):
        # The verifier reads one next-token logit per verdict, so each must be a single token.
        if len(tok.encode(verdict, add_special_tokens=False).ids) != 1:
            tok.add_tokens([AddedToken(verdict, normalized=False, special=False)])
    return tok


def run(cfg) -> None:
    for i, path in enumerate(cfg.corpus_files):
        if not os.path.isfile(path):
            raise ConfigError(f"config field 'make-tiny-model.corpus_files[{i}]': file not found: {path}")
    if cfg.vocab_size < 300:
        raise ConfigError("config field 'make-tiny-model.vocab_size' must be >= 300 (256 byte symbols + specials)")
    if cfg.hidden_size % cfg.num_heads:
        raise ConfigError("config field 'make-tiny-model.hidden_size' must be divisible by num_heads")
    if cfg.num_heads % cfg.num_kv_heads:
        raise ConfigError("config field 'make-tiny-model.num_kv_heads' must divide num_heads")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

    hf_tok = PreTrainedTokenizerFast(
        tokenizer_object=build_tokenizer(cfg.corpus_files, cfg.vocab_size),
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        chat_template=CHAT_TEMPLATE,
        model_max_length=cfg.max_position_embeddings,
        clean_up_tokenization_spaces=False,
    )
    im_end, eot = hf_tok.convert_tokens_to_ids(["<|im_end|>", "<|endoftext|>"])
    seed_everything(cfg.seed)
    config = Qwen2Config(
        vocab_size=len(hf_tok),
        hidden_size=cfg.hidden_size,
        intermediate_size=cfg.intermediate_size or 4 * cfg.hidden_size,
        num_hidden_layers=cfg.num_layers,
        num_attention_heads=cfg.num_heads,
        num_key_value_heads=cfg.num_kv_heads,
        max_position_embeddings=cfg.max_position_embeddings,
        tie_word_embeddings=False,
        eos_token_id=im_end,
        pad_token_id=eot,
        bos_token_id=None,
    )
    with torch.random.fork_rng():
        torch.manual_seed(cfg.seed)
        model = Qwen2ForCausalLM(config)

    out = os.path.abspath(cfg.out_dir)
    tmp = out + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    model.save_pretrained(tmp, safe_serialization=True)
    hf_tok.save_pretrained(tmp)
    GenerationConfig(eos_token_id=[im_end, eot], pad_token_id=eot).save_pretrained(tmp)
    shutil.rmtree(out, ignore_errors=True)
    os.rename(tmp, out)
    params = sum(p.numel() for p in model.parameters())
    events.emit("done", checkpoint=out, metrics={"vocab_size": len(hf_tok), "parameters": params})
