"""Chatwoot: signed webhooks in, one private note per customer message out, whatever happens.

Runs against tests/fake_chatwoot.py, a local Chatwoot API built from its documented payloads.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import re
import time
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from assistant.service.app import create_app
from assistant.service.chatwoot import customer_message, note_text, signature_valid
from tests.conftest import isolated_settings
from tests.fake_chatwoot import FakeChatwoot, webhook_payload

SECRET = "webhook-secret"
CUSTOMER_LINES = [
    "my order #4471 is 9 days late and nobody answers the phone!!",
    "I was charged TWICE for the same subscription, 49.90 each. fix it",
    "the blender arrived cracked, box was fine so it's not the courier",
    "your agent hung up on me. twice. unbelievable",
    "ההזמנה שלי מתעכבת כבר שבועיים ואף אחד לא עונה",
    "חייבו אותי פעמיים על אותו חודש, אני רוצה החזר",
    "سفارشم دو هفته است نرسیده و کسی جواب نمیده",
    "اینترنتم از دیروز قطعه، سه بار زنگ زدم",
    "still waiting. this is ridiculous, I'll post about it everywhere",
    "ok and when exactly will the refund show up?",
]
AGENT_LINES = ["Sorry about this, let me check.", "I understand, one moment please."]


def signed(body: bytes, secret: str = SECRET, at: int | None = None) -> dict[str, str]:
    timestamp = str(at if at is not None else int(time.time()))
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return {"Content-Type": "application/json", "X-Chatwoot-Timestamp": timestamp,
            "X-Chatwoot-Signature": f"sha256={digest.hexdigest()}"}


def deliver(client: TestClient, payload: dict) -> dict:
    body = json.dumps(payload).encode()
    response = client.post("/v1/chatwoot/webhook", content=body, headers=signed(body))
    assert response.status_code == 202, response.text
    return response.json()


@pytest.fixture
def fake():
    with FakeChatwoot() as server:
        yield server


@pytest.fixture
def service(coach_home: Path, coach, fake: FakeChatwoot):
    settings = isolated_settings(coach_home, api_tokens=["t"], chatwoot_url=fake.url,
                                 chatwoot_api_token=fake.token, chatwoot_webhook_secret=SECRET)
    app = create_app(settings, coach=coach, sweep_interval_s=3600, chatwoot_backoff_s=0)
    with TestClient(app) as client:
        yield client


def _drain(client: TestClient) -> None:
    relay = client.app.state.relay
    for _ in range(50):
        if not relay.sweep() and "pending" not in relay.events.counts():
            return
    raise AssertionError(f"events still pending: {relay.events.counts()}")


def test_signature_is_checked() -> None:
    body = b'{"event": "message_created"}'
    headers = signed(body)
    timestamp, signature = headers["X-Chatwoot-Timestamp"], headers["X-Chatwoot-Signature"]
    assert signature_valid(SECRET, timestamp, body, signature)
    assert not signature_valid(SECRET, timestamp, body + b" ", signature)
    assert not signature_valid("other", timestamp, body, signature)
    assert not signature_valid(SECRET, None, body, signature)
    old = signed(body, at=int(time.time()) - 3600)
    assert not signature_valid(SECRET, old["X-Chatwoot-Timestamp"], body,
                               old["X-Chatwoot-Signature"])


def test_unsigned_or_stale_webhooks_are_refused(service: TestClient, fake: FakeChatwoot) -> None:
    payload = fake.add_message(1, 5, CUSTOMER_LINES[0], 0)
    body = json.dumps(payload).encode()
    assert service.post("/v1/chatwoot/webhook", content=body).status_code == 401
    forged = signed(body, secret="guess")
    assert service.post("/v1/chatwoot/webhook", content=body, headers=forged).status_code == 401
    stale = signed(body, at=int(time.time()) - 900)
    assert service.post("/v1/chatwoot/webhook", content=body, headers=stale).status_code == 401
    assert fake.notes() == []


def test_only_customer_messages_are_coached(fake: FakeChatwoot) -> None:
    incoming = fake.add_message(1, 5, "late again", 0)
    assert customer_message(incoming).message_id == incoming["id"]
    assert customer_message(fake.add_message(1, 5, "sorry!", 1)) is None
    assert customer_message(fake.add_message(1, 5, "[coach · message 1]", 1, True)) is None
    assert customer_message({**incoming, "event": "conversation_created"}) is None


def test_a_note_already_posted_is_not_posted_again(service: TestClient,
                                                   fake: FakeChatwoot) -> None:
    """A worker killed after Chatwoot took the note but before it logged that: the retry finds
    the note's marker and posts nothing."""
    payload = fake.add_message(1, 9, CUSTOMER_LINES[1], 0)
    fake.add_message(1, 9, f"earlier note\n\n[coach · message {payload['id']} · suggestion 3]",
                     1, private=True)
    assert deliver(service, payload)["status"] == "accepted"
    assert len(fake.notes()) == 1
    assert service.app.state.relay.events.counts() == {"done": 1}


def test_note_is_short_private_and_names_offer_and_practices(service: TestClient,
                                                             fake: FakeChatwoot) -> None:
    deliver(service, fake.add_message(2, 3, CUSTOMER_LINES[0], 0))
    [note] = fake.notes()
    assert note["private"] is True and note["message_type"] == 1
    assert note["content"].startswith("**Complaint Coach**")
    assert "**Offer:**" in note["content"] and "**Practices:**" in note["content"]
    assert len(note["content"]) < 1500


@pytest.mark.slow
def test_200_events_with_duplicates_and_failures_give_one_note_per_message(
        service: TestClient, fake: FakeChatwoot) -> None:
    rng = random.Random(14)
    customer_events, agent_events = [], []
    while len(customer_events) < 150:
        conversation = rng.randrange(1, 26)
        customer_events.append(fake.add_message(1, conversation, rng.choice(CUSTOMER_LINES), 0))
        if len(agent_events) < 30 and rng.random() < 0.25:
            agent_events.append(fake.add_message(1, conversation, rng.choice(AGENT_LINES), 1))
    duplicates = rng.sample(customer_events, 20)
    events = customer_events + agent_events + duplicates
    rng.shuffle(events)  # webhooks arrive out of order; duplicates before or after the first
    assert len(events) == 200
    fake.fail_calls = {5, 40, 41, 77, 120, 121, 122, 180, 240, 299}  # GETs and POSTs fail

    statuses = Counter(deliver(service, event)["status"] for event in events)
    # our own notes come back as webhooks too: private outgoing messages, ignored
    statuses.update(deliver(service, webhook_payload(1, m["conversation_id"], m))["status"]
                    for m in list(fake.notes()))
    _drain(service)

    assert fake.failures == 10
    assert statuses["duplicate"] == 20 and statuses["accepted"] == 150
    noted = Counter(int(re.search(r"\[coach · message (\d+)", n["content"]).group(1))
                    for n in fake.notes())
    assert noted == Counter({e["id"]: 1 for e in customer_events})
    assert service.app.state.relay.events.counts() == {"done": 150}
    assert all(n["private"] for n in fake.notes())


def test_note_text_keeps_the_reply_quoted(coach) -> None:
    from assistant.models import Transcript

    suggestion = coach.suggest(Transcript.model_validate(
        {"turns": [{"role": "customer", "text": CUSTOMER_LINES[2]}]}))
    text = note_text(suggestion, 77, 5)
    assert text.endswith("[coach · message 77 · suggestion 5]")
    assert all(line.startswith(">") for line in text.split("\n\n")[1].splitlines())
