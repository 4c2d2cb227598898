"""SFT rows with `tools`: the schemas a native-format model is served with are rendered into the prompt (never
into the loss), and tool-call arguments render as JSON objects, not as a JSON string encoded twice."""

from conftest import CONVERSATIONS
from transformers import AutoTokenizer

from swe_forge_trainer import data

TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "bash",
            "description": "Run one bash command.",
            "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}, "required": ["cmd"]},
        },
    }
]


def test_tools_are_in_the_prompt_and_out_of_the_loss(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    messages = CONVERSATIONS[0]
    plain = data.encode_chat(tok, messages, None)
    with_tools = data.encode_chat(tok, messages, None, TOOLS)
    text = tok.decode(with_tools.ids)
    assert '"description": "Run one bash command."' in text
    assert "Run one bash command." not in tok.decode(plain.ids)
    # The same assistant tokens are trained on either way; the schema block adds prompt tokens only.
    learned = lambda ex: [t for t, label in zip(ex.ids, ex.labels) if label != data.IGNORE]  # noqa: E731
    assert learned(with_tools) == learned(plain)
    assert len(with_tools.ids) > len(plain.ids)


def test_arguments_render_as_objects(tiny_model):
    tok = AutoTokenizer.from_pretrained(tiny_model)
    text = tok.decode(data.encode_chat(tok, CONVERSATIONS[0], None).ids)
    assert '"arguments": {"cmd": "cat utils.py"}' in text
    assert '\\"cmd\\"' not in text
