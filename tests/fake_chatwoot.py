"""A local stand-in for Chatwoot's application API, built from its documented shapes.

`GET /api/v1/accounts/{a}/conversations/{c}/messages` answers like Chatwoot's MessageFinder
(`after=<id>`: up to 100 newer messages, oldest first; no parameter: the latest 20) with
`{"meta": {...}, "payload": [...]}` and integer message types (0 incoming, 1 outgoing);
`POST` on the same path creates a message. Every call needs the `api_access_token` header.
`fail_calls` makes chosen calls (by their 1-based number) answer 500, as a sick Chatwoot does.
"""

from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

_PATH = re.compile(r"^/api/v1/accounts/(\d+)/conversations/(\d+)/messages$")


class FakeChatwoot:
    def __init__(self, token: str = "cw-token") -> None:
        self.token = token
        self.conversations: dict[tuple[int, int], list[dict]] = {}
        self.fail_calls: set[int] = set()
        self.calls = 0
        self.failures = 0
        self._next_id = 1000
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeChatwoot:
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def add_message(self, account: int, conversation: int, content: str, message_type: int,
                    private: bool = False) -> dict:
        """A message as Chatwoot stores it; returns the webhook payload it would send."""
        with self._lock:
            self._next_id += 1
            message = {"id": self._next_id, "content": content, "inbox_id": 1,
                       "conversation_id": conversation, "message_type": message_type,
                       "created_at": 1_700_000_000 + self._next_id, "private": private,
                       "source_id": None}
            self.conversations.setdefault((account, conversation), []).append(message)
        return webhook_payload(account, conversation, message)

    def notes(self) -> list[dict]:
        return [m for ms in self.conversations.values() for m in ms if m["private"]]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def _reply(self, status: int, body: object) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self) -> tuple[int, int] | None:
                with fake._lock:
                    fake.calls += 1
                    failing = fake.calls in fake.fail_calls
                    fake.failures += failing
                if failing:
                    self._reply(500, {"error": "Internal Server Error"})
                    return None
                if self.headers.get("api_access_token") != fake.token:
                    self._reply(401, {"error": "You need to sign in or sign up"})
                    return None
                found = _PATH.match(urlparse(self.path).path)
                if not found:
                    self._reply(404, {"error": "not found"})
                    return None
                return int(found.group(1)), int(found.group(2))

            def do_GET(self) -> None:
                key = self._route()
                if key is None:
                    return
                messages = fake.conversations.get(key, [])
                query = parse_qs(urlparse(self.path).query)
                if "after" in query:
                    after = int(query["after"][0])
                    page = [m for m in messages if m["id"] > after][:100]
                else:
                    page = messages[-20:]
                self._reply(200, {"meta": {"labels": [], "contact_id": 1}, "payload": page})

            def do_POST(self) -> None:
                key = self._route()
                if key is None:
                    return
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                kind = {"incoming": 0, "outgoing": 1}[body.get("message_type", "outgoing")]
                payload = fake.add_message(*key, body["content"], kind, bool(body.get("private")))
                self._reply(200, {k: payload[k] for k in ("id", "content", "private")})

        return Handler


def webhook_payload(account: int, conversation: int, message: dict) -> dict:
    """The `message_created` webhook body for a stored message (Chatwoot's documented shape)."""
    kind = {0: "incoming", 1: "outgoing"}[message["message_type"]]
    sender = ({"id": 14, "name": "little-haze-776", "type": "contact"} if kind == "incoming"
              else {"id": 1, "name": "John", "type": "user"})
    return {"event": "message_created", "id": message["id"], "content": message["content"],
            "created_at": "2026-12-02T10:00:00.000Z", "message_type": kind,
            "content_type": "text", "private": message["private"], "content_attributes": {},
            "source_id": None, "sender": sender, "inbox": {"id": 1, "name": "Acme Support"},
            "conversation": {"id": conversation, "display_id": conversation, "inbox_id": 1,
                             "channel": "Channel::WebWidget", "status": "open",
                             "can_reply": True},
            "account": {"id": account, "name": "Acme Inc"}}
