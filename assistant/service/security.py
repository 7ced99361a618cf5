"""Who may call the service, how much, and how big a request may be."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Iterable

from limits import parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pydantic import SecretStr
from starlette.types import ASGIApp, Message, Receive, Scope, Send


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


class Tokens:
    """Bearer tokens from the settings, kept only as SHA-256 digests. A presented token is
    hashed and compared with every digest in constant time, so neither its length nor how much
    of it matches shows in the response time."""

    def __init__(self, tokens: Iterable[SecretStr]) -> None:
        self._digests = [_digest(t.get_secret_value()) for t in tokens if t.get_secret_value()]

    def __bool__(self) -> bool:
        return bool(self._digests)

    def identify(self, token: str | None) -> str | None:
        """A short id for the caller (safe to log) when the token is one of ours, else None."""
        presented = _digest(token or "")
        match = None
        for digest in self._digests:
            if hmac.compare_digest(presented, digest) and token:
                match = digest
        return match.hex()[:8] if match else None


def bearer_token(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer …` header, or the password of `Basic …` (so a
    browser can open /docs after its login prompt)."""
    scheme, _, value = (authorization or "").partition(" ")
    if scheme.lower() == "bearer":
        return value.strip() or None
    if scheme.lower() == "basic":
        try:
            return base64.b64decode(value.strip()).decode("utf-8").partition(":")[2] or None
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


class RateLimit:
    """A moving window per caller and worker process (e.g. "600/minute")."""

    def __init__(self, rule: str) -> None:
        self.rule = parse(rule)
        self._limiter = MovingWindowRateLimiter(MemoryStorage())

    def allow(self, caller: str) -> bool:
        return self._limiter.hit(self.rule, caller)

    def retry_after(self) -> int:
        return max(1, int(self.rule.get_expiry()))


class BodyLimit:
    """ASGI middleware: a request body above `max_bytes` gets 413 before any endpoint sees it,
    whether it declared its length or streams in chunks (then it is read here first)."""

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None:
            if declared.isdigit() and int(declared) > self.max_bytes:
                return await _too_large(send, self.max_bytes)
            return await self.app(scope, receive, send)
        messages, seen = [], 0
        while True:
            message = await receive()
            messages.append(message)
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                return await _too_large(send, self.max_bytes)
            if message["type"] != "http.request" or not message.get("more_body"):
                break
        replay = iter(messages)

        async def buffered() -> Message:
            return next(replay, None) or await receive()

        await self.app(scope, buffered, send)


async def _too_large(send: Send, max_bytes: int) -> None:
    body = f'{{"error": "request body larger than {max_bytes} bytes"}}'.encode()
    await send({"type": "http.response.start", "status": 413,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
