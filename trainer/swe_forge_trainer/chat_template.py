"""The ChatML template of the tiny model (Qwen style). See README.md "Chat template" for the rendering.

Tool calls are rendered in the project's text format, `<tool_call>{"name": ..., "arguments": {...}}</tool_call>`,
which is what the TypeScript agent parses from a model's raw text; `arguments` (a JSON string in the OpenAI
format) is inserted verbatim. A `tool` message becomes a user turn wrapping the output in <tool_response>, as
Qwen2.5 does, so data rendered for the tiny model looks like data rendered for a real Qwen checkpoint.
"""

# `tools` (the schemas a native-format model is served with) go into the system turn as Qwen2.5 puts them: one
# JSON object per line in a <tools> block.
TOOLS_BLOCK = (
    "{%- if tools %}"
    "{{- '\\n\\n# Tools\\n\\nYou may call one or more functions. Their signatures:\\n<tools>' }}"
    "{%- for tool in tools %}{{- '\\n' + (tool | tojson) }}{%- endfor %}"
    "{{- '\\n</tools>\\n\\nFor each call, return <tool_call>{\\\"name\\\": <name>, \\\"arguments\\\": <object>}</tool_call>.' }}"
    "{%- endif %}"
)

CHAT_TEMPLATE = (
    "{%- if tools and (not messages or messages[0].role != 'system') %}"
    "{{- '<|im_start|>system' }}" + TOOLS_BLOCK + "{{- '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- for message in messages %}"
    "{%- set content = message.content if message.content is string else '' %}"
    "{%- if message.role == 'system' and loop.first %}"
    "{{- '<|im_start|>system\\n' + content }}" + TOOLS_BLOCK + "{{- '<|im_end|>\\n' }}"
    "{%- elif message.role == 'assistant' %}"
    "{{- '<|im_start|>assistant\\n' + content }}"
    "{%- for call in (message.tool_calls or []) %}"
    "{%- set fn = call.function if call.function is defined else call %}"
    "{%- if content or not loop.first %}{{- '\\n' }}{%- endif %}"
    "{{- '<tool_call>{\"name\": ' + (fn.name | tojson) + ', \"arguments\": ' }}"
    "{%- if fn.arguments is string %}{{- fn.arguments }}{%- else %}{{- fn.arguments | tojson }}{%- endif %}"
    "{{- '}</tool_call>' }}"
    "{%- endfor %}"
    "{{- '<|im_end|>\\n' }}"
    "{%- elif message.role == 'tool' %}"
    "{{- '<|im_start|>user\\n<tool_response>\\n' + content + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>' + message.role + '\\n' + content + '<|im_end|>\\n' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}"
)

SPECIAL_TOKENS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
# Plain added tokens (not special: decoding keeps them), as in Qwen2.5's vocabulary.
TOOL_TOKENS = ["<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"]
