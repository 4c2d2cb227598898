"""`serve`: a small OpenAI-compatible chat server over transformers `generate`, for CPU tests and the demo.

It returns the model's raw text; tool calls stay inside `content` in the project's `<tool_call>{...}</tool_call>`
format, which the TypeScript agent parses. Real CUDA workers should serve checkpoints with vLLM (README).
The prompt is `chat_render.render` (tools included), the rendering GRPO trains on; with `logprobs: true` the
reply carries the sampled token ids and their log-probs (docs/training.md, "Policy serving contract").
"""

from __future__ import annotations

import json
import signal
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import torch

from . import data, events
from .chat_render import render
from .config import ConfigError, Device, device_param, model_dir, non_negative, param, positive
from .runtime import init_runtime, load_model, load_tokenizer

log = events.log

@dataclass(frozen=True, kw_only=True)
class ServeConfig:
    model: str = param(help="model directory", check=model_dir)
    host: str = param("127.0.0.1", "address to bind")
    port: int = param(0, "port (0 = pick a free one)", non_negative)
    max_new_tokens: int = param(256, "default completion limit (request max_tokens overrides)", positive)
    temperature: float = param(0.0, "default temperature; 0 = greedy", non_negative)
    seed: int = param(0, "sampling seed (request seed overrides)")
    model_name: str | None = param(None, "name in /v1/models and responses (default: the directory name)")
    device: Device = device_param()


SPEC = ServeConfig


class Engine:
    def __init__(self, cfg, rt) -> None:
        self.cfg, self.rt = cfg, rt
        self.name = cfg.model_name or cfg.model.rstrip("/").split("/")[-1]
        self.tokenizer = load_tokenizer(cfg.model)
        self.model = load_model(cfg.model, rt).eval()
        eos = self.model.generation_config.eos_token_id
        self.eos = set(eos if isinstance(eos, list) else [eos] if eos is not None else [])
        self.eos.add(self.tokenizer.eos_token_id)
        self.lock = threading.Lock()  # one generate at a time: the model is shared and CPU-bound anyway

    def complete(self, body: dict) -> dict:
        messages = data.check_messages(body.get("messages"), "request")
        max_new = int(body.get("max_completion_tokens") or body.get("max_tokens") or self.cfg.max_new_tokens)
        temperature = float(body.get("temperature", self.cfg.temperature) or 0.0)
        tools = body.get("tools") or None
        text = render(self.tokenizer, messages, tools, True)
        ids = torch.tensor([self.tokenizer.encode(text, add_special_tokens=False)], device=self.rt.device)
        window = int(getattr(self.model.config, "max_position_embeddings", 0) or 0)
        if window and ids.shape[1] + max_new > window:
            # The same 400 vLLM gives, so clients treat it as the end of the context (not a server fault).
            raise ConfigError(
                f"This model's maximum context length is {window} tokens. However, you requested "
                f"{ids.shape[1] + max_new} tokens ({ids.shape[1]} in the messages, {max_new} in the completion)."
            )
        sampling = {"do_sample": True, "temperature": temperature, "top_p": float(body.get("top_p", 1.0))}
        with self.lock, torch.no_grad():
            torch.manual_seed(int(body.get("seed", self.cfg.seed)))
            out = self.model.generate(
                ids, attention_mask=torch.ones_like(ids), max_new_tokens=max_new, use_cache=True,
                eos_token_id=sorted(self.eos), pad_token_id=self.tokenizer.pad_token_id,
                return_dict_in_generate=True, output_logits=True,
                **(sampling if temperature > 0 else {"do_sample": False}),
            )  # fmt: skip
        new = out.sequences[0, ids.shape[1] :].tolist()
        # The model's own log-probs (raw logits, before temperature / top-k), as vLLM's default raw_logprobs mode
        # reports them and as the trainer computes them: pi_old for GRPO.
        lps = [torch.log_softmax(step[0].float(), -1)[t].item() for step, t in zip(out.logits, new)]
        finish = "stop" if new and new[-1] in self.eos else "length"
        content = self.tokenizer.decode(new, skip_special_tokens=True)
        stops = body.get("stop") or []
        for stop in [stops] if isinstance(stops, str) else stops:
            if stop and stop in content:
                content, finish = content.split(stop, 1)[0], "stop"
        return {
            "id": f"chatcmpl-{uuid.uuid4().hex}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.name,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish,
                         **(sampled_fields(self.tokenizer, new, lps) if body.get("logprobs") else {})}],
            "usage": {
                "prompt_tokens": ids.shape[1],
                "completion_tokens": len(new),
                "total_tokens": ids.shape[1] + len(new),
            },
        }


def sampled_fields(tokenizer, ids: list[int], lps: list[float]) -> dict:
    content = [{"token": tokenizer.decode([t]), "logprob": lp} for t, lp in zip(ids, lps)]
    return {"logprobs": {"content": content}, "token_ids": ids}


def make_handler(engine: Engine):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args) -> None:
            log.info("%s %s", self.address_string(), fmt % args)

        def _send(self, status: int, payload: dict) -> None:
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _error(self, status: int, message: str, kind: str = "invalid_request_error") -> None:
            self._send(status, {"error": {"message": message, "type": kind}})

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("?")[0].rstrip("/")
            if path in ("/health", "/v1/health"):
                self._send(200, {"status": "ok", "model": engine.name})
            elif path == "/v1/models":
                model = {"id": engine.name, "object": "model", "created": 0, "owned_by": "swe-forge"}
                self._send(200, {"object": "list", "data": [model]})
            else:
                self._error(404, f"no route {self.path}")

        def do_POST(self) -> None:  # noqa: N802
            route = self.path.split("?")[0].rstrip("/")
            swap = route == "/v1/swe-forge/adapters" and hasattr(engine, "swap_adapters")
            if route != "/v1/chat/completions" and not swap:
                return self._error(404, f"no route {self.path}")
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if not isinstance(body, dict):
                    raise ConfigError("request body must be a JSON object")
                if swap:
                    return self._send(200, engine.swap_adapters(body))
                if body.get("stream"):
                    raise ConfigError("stream=true is not supported by this server")
                self._send(200, engine.complete(body))
            except (ConfigError, ValueError, TypeError) as err:
                self._error(400, str(err))
            except Exception as err:  # noqa: BLE001 - one bad request must not take the server down
                log.exception("completion failed")
                self._error(500, f"{type(err).__name__}: {err}", "server_error")

    return Handler


def serve_http(cfg, engine, command: str, listening: dict | None = None) -> None:
    """Serves `engine` until SIGTERM / SIGINT: the `listening` event (url, model, extras), then `done`."""
    try:
        server = ThreadingHTTPServer((cfg.host, cfg.port), make_handler(engine))
    except OSError as err:
        raise ConfigError(f"config field '{command}.port' cannot be bound on {cfg.host}: {err}") from None
    server.daemon_threads = True
    # shutdown() blocks until serve_forever returns, so it must run outside the signal handler's thread.
    stop = lambda *_: threading.Thread(target=server.shutdown, daemon=True).start()  # noqa: E731
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    events.emit("listening", url=f"http://{cfg.host}:{port}/v1", model=engine.name, **(listening or {}))
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.server_close()


def run(cfg) -> None:
    rt = init_runtime(cfg.device, "serve.device")
    engine = Engine(cfg, rt)
    serve_http(cfg, engine, "serve")
    events.emit("done", checkpoint=None, metrics={"reason": "SIGTERM"})
