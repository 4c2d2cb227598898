import hashlib
import os

from conftest import run_inprocess

from swe_forge_trainer import tiny


def digest(directory: str) -> dict[str, str]:
    out = {}
    # model-<dtype>.gguf is the llama.cpp server's conversion cache, written next to the weights by whichever test
    # served this (session-wide) model first: not part of what make-tiny-model writes.
    for name in sorted(n for n in os.listdir(directory) if not n.endswith(".gguf")):
        with open(os.path.join(directory, name), "rb") as fh:
            out[name] = hashlib.sha256(fh.read()).hexdigest()
    return out


def test_make_tiny_model_is_deterministic(tiny_model, corpus, tmp_path, capfd):
    raw = {"corpus_files": [str(corpus / "conversations.jsonl"), str(corpus / "notes.txt")], "seed": 7}
    events = run_inprocess(tiny, "make-tiny-model", {**raw, "out_dir": str(tmp_path / "again")}, capfd)
    assert events[-1]["event"] == "done" and events[-1]["checkpoint"] == str(tmp_path / "again")
    assert digest(tiny_model) == digest(str(tmp_path / "again"))
    run_inprocess(tiny, "make-tiny-model", {**raw, "out_dir": str(tmp_path / "other"), "seed": 8}, capfd)
    assert digest(tiny_model)["model.safetensors"] != digest(str(tmp_path / "other"))["model.safetensors"]


def test_tiny_model_loads_with_auto_classes(tiny_model):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    assert os.path.isfile(os.path.join(tiny_model, "tokenizer.json"))
    tok = AutoTokenizer.from_pretrained(tiny_model)
    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    assert model.config.model_type == "qwen2"
    assert model.config.vocab_size == len(tok)
    for text in (" YES", " NO", "<|im_start|>", "<|im_end|>", "<|endoftext|>", "<tool_call>", "</tool_call>"):
        assert len(tok.encode(text, add_special_tokens=False)) == 1, text
    assert tok.eos_token == "<|im_end|>" and tok.pad_token == "<|endoftext|>"
    rendered = tok.apply_chat_template([{"role": "user", "content": "hi"}], tokenize=False, add_generation_prompt=True)
    assert rendered == "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n"


def test_tokenizer_json_matches_transformers_tokenizer(tiny_model):
    # Node tokenizes with tokenizer.json; it must agree with what Python trained and scored with.
    from tokenizers import Tokenizer
    from transformers import AutoTokenizer

    raw = Tokenizer.from_file(os.path.join(tiny_model, "tokenizer.json"))
    hf = AutoTokenizer.from_pretrained(tiny_model)
    for text in [
        "def add(a, b):\n    return a + b\n\n",
        "Ünïcödé  spaces\t\ttabs YES NO",
        "<|im_start|>user\nx<|im_end|>",
    ]:
        assert raw.encode(text, add_special_tokens=False).ids == hf.encode(text, add_special_tokens=False)
