"""A stdlib HTTP server on 127.0.0.1 that speaks just enough of two LLM wire protocols.

It stands in for "any OpenAI-compatible server" (no real hosted server is reachable from
the test machine) and for a real Ollama (not installable here), so the openai and ollama
backends are tested over real HTTP, real SSE / NDJSON framing and the real client
libraries, with canned replies. It records every request so tests can check what the
model was actually sent. Real-model generation is covered by the llamacpp tests.

- `POST /v1/chat/completions`: OpenAI chat completions, plain JSON or SSE when
  `"stream": true` (`data: {...}` events, a usage event if asked, then `data: [DONE]`).
- `POST /api/chat`: Ollama chat, one JSON object, or NDJSON lines when streaming
  (the default in Ollama); an unknown model gets Ollama's 404 `{"error": ...}`.
"""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

REPLY = "The referral mechanism was piloted in 2008 [1]."


def pieces(text: str) -> list[str]:
    """Word-sized pieces, as a model streams them; joined they give back `text`."""
    return re.findall(r"\S+\s*", text)


class FakeLLMServer:
    """Canned replies on a random 127.0.0.1 port; use as a context manager."""

    def __init__(
        self,
        reply: str = REPLY,
        *,
        ollama_models: tuple[str, ...] = ("fake-model",),
        delay: float = 0.0,
    ):
        self.reply = reply
        self.delay = delay  # seconds before answering, to exercise client timeouts
        self.ollama_models = ollama_models
        self.requests: list[dict[str, Any]] = []  # {"path", "headers" (lowercased), "body"}
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self.port: int = self._httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FakeLLMServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def record(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> None:
        with self._lock:
            self.requests.append({"path": path, "headers": headers, "body": body})


def _handler(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        # HTTP/1.0: the connection closes after each reply, which ends an SSE stream cleanly.
        protocol_version = "HTTP/1.0"

        def log_message(self, *args: Any) -> None:  # keep test output quiet
            pass

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            headers = {k.lower(): v for k, v in self.headers.items()}
            server.record(self.path, headers, body)
            time.sleep(server.delay)
            if self.path == "/v1/chat/completions":
                self._openai(body)
            elif self.path == "/api/chat":
                self._ollama(body)
            else:
                self._json(404, {"error": {"message": f"no route {self.path}"}})

        def _openai(self, body: dict[str, Any]) -> None:
            model = body.get("model", "fake")
            base = {"id": "chatcmpl-fake", "created": int(time.time()), "model": model}
            if not body.get("stream"):
                message = {"role": "assistant", "content": server.reply}
                choice = {"index": 0, "message": message, "finish_reason": "stop"}
                self._json(200, {**base, "object": "chat.completion", "choices": [choice]})
                return
            self._start(200, "text/event-stream")
            chunk = {**base, "object": "chat.completion.chunk"}

            def event(delta: dict[str, Any], finish: str | None = None) -> None:
                choice = {"index": 0, "delta": delta, "finish_reason": finish}
                self._send(f"data: {json.dumps({**chunk, 'choices': [choice]})}\n\n")

            event({"role": "assistant", "content": ""})
            for piece in pieces(server.reply):
                event({"content": piece})
            event({}, "stop")
            if (body.get("stream_options") or {}).get("include_usage"):
                usage = {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15}
                self._send(f"data: {json.dumps({**chunk, 'choices': [], 'usage': usage})}\n\n")
            self._send("data: [DONE]\n\n")

        def _ollama(self, body: dict[str, Any]) -> None:
            model = body.get("model", "")
            if model not in server.ollama_models:
                self._json(404, {"error": f"model '{model}' not found"})
                return
            base = {"model": model, "created_at": "2025-01-01T00:00:00Z"}
            done = {
                **base,
                "message": {"role": "assistant", "content": ""},
                "done": True,
                "done_reason": "stop",
                "prompt_eval_count": 10,
                "eval_count": 5,
            }
            if body.get("stream") is False:
                done["message"]["content"] = server.reply
                self._json(200, done)
                return
            self._start(200, "application/x-ndjson")
            for piece in pieces(server.reply):
                message = {"role": "assistant", "content": piece}
                self._send(json.dumps({**base, "message": message, "done": False}) + "\n")
            self._send(json.dumps(done) + "\n")

        def _start(self, status: int, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.end_headers()

        def _send(self, text: str) -> None:
            self.wfile.write(text.encode())
            self.wfile.flush()

        def _json(self, status: int, payload: dict[str, Any]) -> None:
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    return Handler
