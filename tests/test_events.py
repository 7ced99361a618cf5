"""The helpdesk event log on both databases: one row per message, one worker at a time."""

from __future__ import annotations

import pytest

from assistant.service.events import EventLog
from assistant.settings import Settings
from assistant.store.database import Store


@pytest.fixture(params=["sqlite", "postgresql"])
def events(request: pytest.FixtureRequest, settings: Settings) -> EventLog:
    if request.param == "postgresql":
        settings = settings.model_copy(
            update={"database_url": request.getfixturevalue("postgres_url")})
    return EventLog(Store.open(settings).database, backoff_base_s=0)


def test_a_redelivered_event_is_recognised(events: EventLog) -> None:
    first = events.add("chatwoot", 1, 10, 501)
    assert first is not None
    assert events.add("chatwoot", 1, 10, 501) is None
    assert events.add("chatwoot", 2, 10, 501) not in (None, first)  # another account
    assert events.counts() == {"pending": 2}


def test_one_worker_holds_an_event_until_it_finishes_or_releases_it(events: EventLog) -> None:
    event_id = events.add("chatwoot", 1, 10, 502)
    held = events.claim(event_id)
    assert held is not None and held.attempts == 1 and held.message_id == 502
    assert events.claim(event_id) is None  # the other worker
    assert events.due() == []
    events.retry_later(held, "GET …/messages: HTTP 500")
    assert events.due() == [event_id]
    again = events.claim(event_id)
    assert again is not None and again.attempts == 2
    events.finish(again, "done", note_id=9001)
    assert events.claim(event_id) is None and events.due() == []
    assert events.counts() == {"done": 1}
