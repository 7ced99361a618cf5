"""A real OpenAI-compatible HTTP server on 127.0.0.1 for tests: the client, LangChain and the
network stack all run for real; only the model's answers are scripted."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Answer:
    """What the server does for one request: say `text`, after `delay` s, or fail with `status`.
    With `endless`, a stream sends `text` and then `endless` again and again, `pace` s apart,
    until the client hangs up (a model that never stops)."""

    text: str = ""
    delay: float = 0.0
    status: int = 200
    endless: str = ""
    pace: float = 0.02


Responder = Callable[[dict[str, Any]], Answer]


@dataclass
class OpenAICompatibleServer:
    responder: Responder
    requests: list[dict[str, Any]] = field(default_factory=list)
    streamed_chars: int = 0  # sent by endless streams
    hung_up: int = 0  # endless streams the client closed

    def __enter__(self) -> OpenAICompatibleServer:
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        threading.Thread(target=self._httpd.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}/v1"


def _completion(text: str, model: str) -> dict[str, Any]:
    return {"id": "chatcmpl-test", "object": "chat.completion", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "finish_reason": "stop",
                                         "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}}


def _chunk(delta: dict[str, Any], model: str, finish: str | None = None) -> bytes:
    body = {"id": "chatcmpl-test", "object": "chat.completion.chunk", "created": int(time.time()),
            "model": model, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]}
    return f"data: {json.dumps(body)}\n\n".encode()


def _handler(server: OpenAICompatibleServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send_json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path.rstrip("/").endswith("/models"):
                self._send_json(200, {"object": "list", "data": [
                    {"id": "test-model", "object": "model", "owned_by": "tests"}]})
            else:
                self._send_json(404, {"error": {"message": "not found"}})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            request = json.loads(self.rfile.read(length) or b"{}")
            server.requests.append(request)
            answer = server.responder(request)
            time.sleep(answer.delay)
            if answer.status != 200:
                self._send_json(answer.status, {"error": {"message": "scripted failure"}})
                return
            model = request.get("model", "test-model")
            if request.get("stream"):
                self._stream(answer, model)
            else:
                self._send_json(200, _completion(answer.text, model))

        def _stream(self, answer: Answer, model: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(_chunk({"role": "assistant", "content": ""}, model))
            text = answer.text
            for start in range(0, len(text), 12):
                self.wfile.write(_chunk({"content": text[start : start + 12]}, model))
            try:
                while answer.endless:  # until the client closes the connection
                    self.wfile.write(_chunk({"content": answer.endless}, model))
                    self.wfile.flush()
                    server.streamed_chars += len(answer.endless)
                    time.sleep(answer.pace)
            except (BrokenPipeError, ConnectionResetError):
                server.hung_up += 1
                return
            self.wfile.write(_chunk({}, model, finish="stop"))
            self.wfile.write(b"data: [DONE]\n\n")

    return Handler
