"""Chatwoot: a customer's message in, the coach's suggestion back as a private note.

Chatwoot posts `message_created` to our webhook (signed: `X-Chatwoot-Signature` is
`sha256=` + HMAC-SHA256 of `{X-Chatwoot-Timestamp}.{raw body}` with the webhook's secret). We
log the event, answer at once, then rebuild the conversation from Chatwoot's REST API
(`GET /api/v1/accounts/{account}/conversations/{id}/messages`, header `api_access_token`), ask
the coach, and post a private note (`POST …/messages` with `private: true`): agents see it,
customers never do. Each note ends with a marker naming the message it answers, so a retry
after a crash finds the note it already posted instead of posting it twice.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
from dataclasses import dataclass
from typing import Any, Protocol

import httpx

from assistant.errors import CoachError, InputError
from assistant.models import Suggestion, Transcript
from assistant.service.events import Event, EventLog
from assistant.store.database import Store
from assistant.wrapup import offer_terms

SOURCE = "chatwoot"
MAX_CLOCK_SKEW_S = 300
INCOMING, OUTGOING = 0, 1  # Chatwoot's message_type as its REST API returns it
_MARKER = re.compile(r"\[coach · message (\d+)\b")
_PAGE_LIMIT = 50  # pages of up to 100 messages: 5,000 messages is more than any complaint


class _Suggests(Protocol):
    def suggest(self, transcript: Transcript, *, backend: str | None = None) -> Suggestion: ...


class ChatwootUnavailable(CoachError):
    """Chatwoot did not answer, or answered 5xx / 429: worth retrying later."""


class ChatwootRefused(CoachError):
    """Chatwoot refused the request (4xx): retrying the same request cannot help."""


def signature_valid(secret: str, timestamp: str | None, body: bytes, signature: str | None,
                    now: float | None = None) -> bool:
    """True when the signature is the secret's HMAC of this body at a recent timestamp."""
    if not timestamp or not signature or not timestamp.isdigit():
        return False
    if abs((now or time.time()) - int(timestamp)) > MAX_CLOCK_SKEW_S:
        return False
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(f"sha256={expected.hexdigest()}", signature)


@dataclass(frozen=True)
class IncomingMessage:
    account_id: int
    conversation_id: int
    message_id: int


def customer_message(payload: dict[str, Any]) -> IncomingMessage | None:
    """The customer's message a webhook announces; None for anything else (agent replies,
    private notes — our own included — and other events)."""
    if payload.get("event") != "message_created" or payload.get("private"):
        return None
    if payload.get("message_type") not in ("incoming", INCOMING):
        return None
    conversation, account = payload.get("conversation") or {}, payload.get("account") or {}
    try:  # the conversation's number in the dashboard and the API is its display_id
        return IncomingMessage(int(account["id"]),
                               int(conversation.get("display_id") or conversation["id"]),
                               int(payload["id"]))
    except (KeyError, TypeError, ValueError):
        raise InputError("a message_created event without account.id, conversation.id or "
                         "id") from None


class ChatwootClient:
    """The two calls we make to Chatwoot's application API."""

    def __init__(self, base_url: str, api_token: str, *, timeout_s: float = 10.0) -> None:
        self._http = httpx.Client(base_url=base_url.rstrip("/"), timeout=timeout_s,
                                  headers={"api_access_token": api_token})

    def close(self) -> None:
        self._http.close()

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise ChatwootUnavailable(f"{method} {path}: {type(exc).__name__}") from exc
        if response.status_code >= 500 or response.status_code in (408, 429):
            raise ChatwootUnavailable(f"{method} {path}: HTTP {response.status_code}")
        if response.status_code >= 400:
            raise ChatwootRefused(f"{method} {path}: HTTP {response.status_code}")
        return response.json()

    def messages(self, account_id: int, conversation_id: int) -> list[dict[str, Any]]:
        """Every message of the conversation, oldest first (pages of `after=<last id>`)."""
        path = f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"
        found: list[dict[str, Any]] = []
        for _ in range(_PAGE_LIMIT):
            page = self._call("GET", path, params={"after": found[-1]["id"] if found else 0})
            batch = page.get("payload") or []
            found += batch
            if len(batch) < 100:
                break
        return found

    def post_note(self, account_id: int, conversation_id: int, content: str) -> int:
        """A private note on the conversation; returns its message id."""
        path = f"/api/v1/accounts/{account_id}/conversations/{conversation_id}/messages"
        created = self._call("POST", path, json={"content": content, "message_type": "outgoing",
                                                 "private": True})
        return int(created["id"])


def transcript_from(messages: list[dict[str, Any]], message: IncomingMessage) -> Transcript:
    """The conversation as the customer and the agents saw it, up to `message`: private notes,
    activity and template messages left out."""
    turns = [{"role": "customer" if m.get("message_type") == INCOMING else "agent",
              "text": m["content"]}
             for m in messages
             if int(m["id"]) <= message.message_id and not m.get("private")
             and m.get("message_type") in (INCOMING, OUTGOING) and (m.get("content") or "").strip()]
    return Transcript.model_validate({
        "id": f"chatwoot-{message.account_id}-{message.conversation_id}", "turns": turns})


def note_text(suggestion: Suggestion, message_id: int, suggestion_id: int | None) -> str:
    """The suggestion in the short form a side note has room for."""
    terms = offer_terms(suggestion.compensation)
    practices = "; ".join(p.title for p in suggestion.practices[:3])
    lines = ["**Complaint Coach** — suggested reply:", "",
             *(f"> {line}" if line else ">" for line in suggestion.reply.splitlines()), "",
             f"**Offer:** {' · '.join(terms)}"]
    if suggestion.compensation.gesture:
        lines.append(f"**Gesture:** {suggestion.compensation.gesture}")
    if practices:
        lines.append(f"**Practices:** {practices}")
    ref = f" · suggestion {suggestion_id}" if suggestion_id else ""
    lines += ["", f"[coach · message {message_id}{ref}]"]
    return "\n".join(lines)


def _noted(messages: list[dict[str, Any]], message_id: int) -> int | None:
    """The id of a note we already posted for `message_id` (a retry after a crash)."""
    for m in messages:
        found = _MARKER.search(m.get("content") or "") if m.get("private") else None
        if found and int(found.group(1)) == message_id:
            return int(m["id"])
    return None


class Relay:
    """Webhook events in, notes out, with retries that never drop an event."""

    def __init__(self, events: EventLog, client: ChatwootClient, coach: _Suggests,
                 store: Store | None, log: Any) -> None:
        self.events, self.client, self.coach, self.store, self.log = (
            events, client, coach, store, log)

    def process(self, event_id: int) -> str:
        """Handle one event if no other worker holds it; returns what happened."""
        event = self.events.claim(event_id)
        if event is None:
            return "held"
        try:
            status, note_id = self._handle(event)
        except ChatwootUnavailable as exc:
            delay = self.events.retry_later(event, str(exc))
            self._log("chatwoot.retry", event, error=str(exc), detail=f"in {delay:.1f} s")
            return "retry"
        except (ChatwootRefused, InputError) as exc:
            self.events.finish(event, "failed", error=str(exc))
            self._log("chatwoot.failed", event, error=str(exc))
            return "failed"
        except Exception as exc:  # a bug must not lose the event either
            delay = self.events.retry_later(event, type(exc).__name__)
            self._log("chatwoot.error", event, error=type(exc).__name__)
            return "retry"
        self.events.finish(event, status, note_id)
        self._log(f"chatwoot.{status}", event)
        return status

    def _handle(self, event: Event) -> tuple[str, int | None]:
        message = IncomingMessage(event.account_id, event.conversation_id, event.message_id)
        messages = self.client.messages(message.account_id, message.conversation_id)
        already = _noted(messages, message.message_id)
        if already is not None:
            return "done", already
        transcript = transcript_from(messages, message)
        if not transcript.customer_turns():
            return "skipped", None
        suggestion = self.coach.suggest(transcript)
        suggestion_id = self.store.record_suggestion(transcript, suggestion)[1] if self.store \
            else None
        note = note_text(suggestion, message.message_id, suggestion_id)
        return "done", self.client.post_note(message.account_id, message.conversation_id, note)

    def sweep(self, limit: int = 20) -> int:
        """Process the events whose retry time has come; returns how many were tried."""
        due = self.events.due(limit)
        for event_id in due:
            self.process(event_id)
        return len(due)

    def _log(self, msg: str, event: Event, **extra: Any) -> None:
        self.log.info(msg, extra={"event": msg, "source": SOURCE, "event_key": event.event_key,
                                  "attempt": event.attempts, **extra})
