"""The helpdesk's event log: each customer message is processed once, retried until it is.

A webhook inserts its event (ids only) before answering, so a redelivered webhook finds it and
does nothing, and a worker killed mid-way leaves it `pending` for the next sweep. Workers claim an
event for a while with one conditional UPDATE, which both databases do atomically.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from assistant.store.connection import Database

CLAIM_SECONDS = 120
MAX_BACKOFF_S = 600.0


@dataclass(frozen=True)
class Event:
    id: int
    source: str
    event_key: str
    account_id: int
    conversation_id: int
    message_id: int
    attempts: int


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds")


def _now() -> datetime:
    return datetime.now(UTC)


class EventLog:
    def __init__(self, database: Database, *, backoff_base_s: float = 2.0) -> None:
        self.database, self.backoff_base_s = database, backoff_base_s

    def add(self, source: str, account_id: int, conversation_id: int, message_id: int
            ) -> int | None:
        """Record a new event; None when it was seen before (a redelivery)."""
        now = _iso(_now())
        with self.database.connect() as conn:
            row = conn.execute(
                "INSERT INTO helpdesk_events (source, event_key, account_id, conversation_id, "
                "message_id, next_attempt_at, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (source, event_key) DO NOTHING RETURNING id",
                (source, f"{account_id}:{message_id}", account_id, conversation_id, message_id,
                 now, now, now)).fetchone()
        return int(row["id"]) if row else None

    def claim(self, event_id: int) -> Event | None:
        """Take a pending event for CLAIM_SECONDS; None when another worker holds it or it is
        finished."""
        now = _now()
        with self.database.connect() as conn:
            row = conn.execute(
                "UPDATE helpdesk_events SET claimed_until = ?, attempts = attempts + 1, "
                "updated_at = ? WHERE id = ? AND status = 'pending' AND claimed_until < ? "
                "RETURNING id, source, event_key, account_id, conversation_id, message_id, "
                "attempts",
                (_iso(now + timedelta(seconds=CLAIM_SECONDS)), _iso(now), event_id, _iso(now)),
            ).fetchone()
        return Event(**row) if row else None

    def due(self, limit: int = 20) -> list[int]:
        """Pending events whose retry time has come and nobody holds."""
        now = _iso(_now())
        with self.database.connect() as conn:
            rows = conn.execute(
                "SELECT id FROM helpdesk_events WHERE status = 'pending' AND "
                "next_attempt_at <= ? AND claimed_until < ? ORDER BY id LIMIT ?",
                (now, now, limit)).fetchall()
        return [int(r["id"]) for r in rows]

    def finish(self, event: Event, status: str, note_id: int | None = None,
               error: str = "") -> None:
        """`done` (a note was posted), `skipped` (nothing to coach) or `failed` (Chatwoot said
        the request itself is wrong, retrying cannot help)."""
        with self.database.connect() as conn:
            conn.execute(
                "UPDATE helpdesk_events SET status = ?, note_id = ?, last_error = ?, "
                "claimed_until = '', updated_at = ? WHERE id = ?",
                (status, note_id, error[:500], _iso(_now()), event.id))

    def retry_later(self, event: Event, error: str) -> float:
        """Release the event with an exponential, jittered delay; returns the delay."""
        delay = min(MAX_BACKOFF_S, self.backoff_base_s * 2 ** (event.attempts - 1))
        delay *= random.uniform(0.5, 1.0)
        with self.database.connect() as conn:
            conn.execute(
                "UPDATE helpdesk_events SET claimed_until = '', next_attempt_at = ?, "
                "last_error = ?, updated_at = ? WHERE id = ?",
                (_iso(_now() + timedelta(seconds=delay)), error[:500], _iso(_now()), event.id))
        return delay

    def counts(self) -> dict[str, int]:
        with self.database.connect() as conn:
            rows = conn.execute("SELECT status, COUNT(*) AS n FROM helpdesk_events "
                                "GROUP BY status").fetchall()
        return {r["status"]: int(r["n"]) for r in rows}
