"""Where the side panel and the service keep sessions: conversations, suggestions and feedback.

SQLite in WAL mode under COACH_HOME by default, PostgreSQL when COACH_DATABASE_URL names one
(assistant.store.connection); one short transaction per operation and a commit on every write, so a
second browser tab or another worker sees the same conversation and killing a process loses
nothing. The schema evolves through the numbered scripts in MIGRATIONS, the same for both.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from assistant.errors import ConfigError, InputError
from assistant.models import MAX_TURNS, Role, Suggestion, Transcript, Turn
from assistant.settings import Settings
from assistant.store.connection import Connection, Database, SQLiteDatabase, open_database

Verdict = Literal["used", "edited", "rejected"]
VERDICTS: tuple[Verdict, ...] = ("used", "edited", "rejected")
# Why a suggestion was rejected, in one click: training data for the reader and the composer.
RejectReason = Literal["wrong_facts", "wrong_tone", "wrong_offer", "too_long", "other"]
REJECT_REASONS: tuple[RejectReason, ...] = ("wrong_facts", "wrong_tone", "wrong_offer",
                                            "too_long", "other")

# Append only: never edit a script that has shipped; add the next one instead.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE sessions (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL DEFAULT '',
        header_json TEXT NOT NULL DEFAULT '{}',
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
    );
    CREATE TABLE turns (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        position INTEGER NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('customer', 'agent')),
        text TEXT NOT NULL,
        ts TEXT,
        UNIQUE (session_id, position)
    );
    CREATE TABLE suggestions (
        id INTEGER PRIMARY KEY,
        session_id TEXT NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
        turn_count INTEGER NOT NULL,
        backend TEXT NOT NULL,
        latency_ms INTEGER NOT NULL,
        suggestion_json TEXT NOT NULL,
        created_at TEXT NOT NULL
    );
    CREATE TABLE feedback (
        id INTEGER PRIMARY KEY,
        suggestion_id INTEGER NOT NULL REFERENCES suggestions(id) ON DELETE CASCADE,
        verdict TEXT NOT NULL CHECK (verdict IN ('used', 'edited', 'rejected')),
        final_text TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL
    );
    CREATE INDEX suggestions_by_session ON suggestions(session_id, id);
    CREATE INDEX feedback_by_suggestion ON feedback(suggestion_id, id);
    """,
    # The helpdesk's events (assistant.service.events): ids only, never the customer's words.
    """
    CREATE TABLE helpdesk_events (
        id INTEGER PRIMARY KEY,
        source TEXT NOT NULL,
        event_key TEXT NOT NULL,
        account_id INTEGER NOT NULL,
        conversation_id INTEGER NOT NULL,
        message_id INTEGER NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT NOT NULL,
        claimed_until TEXT NOT NULL DEFAULT '',
        last_error TEXT NOT NULL DEFAULT '',
        note_id INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        UNIQUE (source, event_key)
    );
    CREATE INDEX helpdesk_events_due ON helpdesk_events(status, next_attempt_at);
    """,
    # Why the agent rejected a suggestion ('' when it was not rejected or no reason was given).
    """
    ALTER TABLE feedback ADD COLUMN reason TEXT NOT NULL DEFAULT '';
    """,
)


class SessionSummary(BaseModel):
    id: str
    title: str
    turns: int
    updated_at: datetime


class StoredSuggestion(BaseModel):
    id: int
    session_id: str
    turn_count: int
    suggestion: Suggestion
    created_at: datetime


class Feedback(BaseModel):
    id: int
    suggestion_id: int
    verdict: Verdict
    final_text: str
    reason: RejectReason | None = None
    created_at: datetime


def _now() -> str:
    return datetime.now(UTC).isoformat()


def sqlite_path(settings: Settings) -> Path:
    """The database file: `COACH_DATABASE_URL=sqlite:///path` if set, else under COACH_HOME."""
    database = open_database(settings.database_url, settings.database_path)
    if not isinstance(database, SQLiteDatabase):
        raise ConfigError(f"database_url: {database.describe()} is not an SQLite file")
    return database.path


class Store:
    """Sessions, turns, suggestions and feedback in one database (SQLite or PostgreSQL)."""

    def __init__(self, database: Database | Path) -> None:
        self.database = SQLiteDatabase(database) if isinstance(database, Path) else database
        self.path = getattr(self.database, "path", None)
        self.migrate()

    @classmethod
    def open(cls, settings: Settings) -> Store:
        return cls(open_database(settings.database_url, settings.database_path))

    def _connect(self):
        """One short transaction per operation: safe across threads, tabs and workers."""
        return self.database.connect()

    def migrate(self) -> int:
        """Bring the schema up to date; returns the schema version."""
        return self.database.migrate(MIGRATIONS)

    # --- sessions -----------------------------------------------------------------------------

    def create_session(self, transcript: Transcript | None = None, *, title: str = "") -> str:
        """A new session, optionally seeded with a loaded transcript; returns its id."""
        session_id = uuid.uuid4().hex[:12]
        now = _now()
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO sessions (id, title, header_json, created_at, updated_at) "
                "VALUES (?, ?, '{}', ?, ?)",
                (session_id, title, now, now),
            )
        if transcript is not None:
            self.replace_transcript(session_id, transcript)
        return session_id

    def has_session(self, session_id: str) -> bool:
        with self._connect() as conn:
            row = conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone()
        return row is not None

    def list_sessions(self, limit: int = 20) -> list[SessionSummary]:
        """The most recently active sessions first."""
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT s.id, s.title, s.updated_at, COUNT(t.id) AS turns FROM sessions s "
                "LEFT JOIN turns t ON t.session_id = s.id GROUP BY s.id "
                "ORDER BY s.updated_at DESC, s.created_at DESC, s.id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [SessionSummary(**dict(row)) for row in rows]

    def _require(self, conn: Connection, session_id: str) -> None:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise InputError(f"no session with id {session_id!r}")

    def _touch(self, conn: Connection, session_id: str, title: str | None = None) -> None:
        conn.execute(
            "UPDATE sessions SET updated_at = ?, "
            "title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
            (_now(), title or "", session_id),
        )

    # --- the conversation ---------------------------------------------------------------------

    def add_turn(self, session_id: str, role: Role | str, text: str,
                 ts: datetime | None = None) -> int:
        """Append one message; returns its position in the conversation."""
        try:
            turn = Turn(role=role, text=text, ts=ts)
        except ValidationError as exc:
            raise InputError(f"cannot add this message: {exc.errors()[0]['msg']}") from None
        with self._connect() as conn:
            self._require(conn, session_id)
            # One statement reads the next position and writes it, so two tabs adding a
            # message at once queue on the write lock instead of taking the same position
            # (on PostgreSQL the session row is locked first, for the same effect).
            if self.database.dialect == "postgresql":
                conn.execute("SELECT 1 FROM sessions WHERE id = ? FOR UPDATE", (session_id,))
            row = conn.execute(
                "INSERT INTO turns (session_id, position, role, text, ts) "
                "SELECT ?, COALESCE(MAX(position) + 1, 0), ?, ?, ? FROM turns "
                "WHERE session_id = ? HAVING COUNT(*) < ? RETURNING position",
                (session_id, turn.role.value, turn.text,
                 turn.ts.isoformat() if turn.ts else None, session_id, MAX_TURNS),
            ).fetchone()
            if row is None:
                raise InputError(f"this conversation has reached {MAX_TURNS} messages, the most "
                                 "one conversation can hold; start a new conversation")
            position = row["position"]
            title = turn.text[:60] if turn.role == Role.customer else None
            self._touch(conn, session_id, title)
        return position

    def remove_last_turn(self, session_id: str) -> bool:
        """Undo the latest message (a typo sent to the panel); False when there was none."""
        with self._connect() as conn:
            cursor = conn.execute(
                "DELETE FROM turns WHERE id = (SELECT id FROM turns WHERE session_id = ? "
                "ORDER BY position DESC LIMIT 1)",
                (session_id,),
            )
            self._touch(conn, session_id)
        return cursor.rowcount > 0

    def replace_transcript(self, session_id: str, transcript: Transcript) -> None:
        """Make the session hold exactly this conversation (a loaded transcript file)."""
        header = transcript.model_dump(mode="json", exclude={"turns"})
        with self._connect() as conn:
            self._require(conn, session_id)
            conn.execute("DELETE FROM turns WHERE session_id = ?", (session_id,))
            conn.executemany(
                "INSERT INTO turns (session_id, position, role, text, ts) VALUES (?, ?, ?, ?, ?)",
                [(session_id, i, t.role.value, t.text, t.ts.isoformat() if t.ts else None)
                 for i, t in enumerate(transcript.turns)],
            )
            conn.execute("UPDATE sessions SET header_json = ? WHERE id = ?",
                         (json.dumps(header, ensure_ascii=False), session_id))
            first = next((t.text for t in transcript.customer_turns()), transcript.id)
            self._touch(conn, session_id, first[:60])

    def transcript(self, session_id: str) -> Transcript:
        """The session's conversation as a contract Transcript (id = session id unless loaded)."""
        with self._connect() as conn:
            row = conn.execute("SELECT header_json FROM sessions WHERE id = ?",
                               (session_id,)).fetchone()
            if row is None:
                raise InputError(f"no session with id {session_id!r}")
            # A session stored past the limit (by an older version) still opens: its latest
            # MAX_TURNS messages are what the coach can read.
            turns = conn.execute(
                "SELECT role, text, ts FROM (SELECT role, text, ts, position FROM turns "
                "WHERE session_id = ? ORDER BY position DESC LIMIT ?) AS recent ORDER BY position",
                (session_id, MAX_TURNS),
            ).fetchall()
        header = {"id": session_id, **json.loads(row["header_json"])}
        return Transcript.model_validate({**header, "turns": [dict(t) for t in turns]})

    # --- suggestions and feedback -------------------------------------------------------------

    def save_suggestion(self, session_id: str, suggestion: Suggestion, turn_count: int) -> int:
        """Keep what the coach proposed after `turn_count` messages; returns its id."""
        with self._connect() as conn:
            self._require(conn, session_id)
            suggestion_id = _insert_suggestion(conn, session_id, suggestion, turn_count)
            self._touch(conn, session_id)
        return suggestion_id

    def record_suggestion(self, transcript: Transcript, suggestion: Suggestion) -> tuple[str, int]:
        """A new session holding `transcript` and what the coach proposed for it, in one
        transaction (the service's path); returns the session id and the suggestion id."""
        session_id, now = uuid.uuid4().hex[:12], _now()
        header = transcript.model_dump(mode="json", exclude={"turns"})
        first = next((t.text for t in transcript.customer_turns()), transcript.id)[:60]
        with self._connect() as conn:
            conn.execute(
                "INSERT INTO sessions (id, title, header_json, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (session_id, first, json.dumps(header, ensure_ascii=False), now, now))
            conn.executemany(
                "INSERT INTO turns (session_id, position, role, text, ts) VALUES (?, ?, ?, ?, ?)",
                [(session_id, i, t.role.value, t.text, t.ts.isoformat() if t.ts else None)
                 for i, t in enumerate(transcript.turns)])
            suggestion_id = _insert_suggestion(conn, session_id, suggestion,
                                               len(transcript.turns))
        return session_id, suggestion_id

    def latest_suggestion(self, session_id: str) -> StoredSuggestion | None:
        with self._connect() as conn:
            row = conn.execute(
                "SELECT id, session_id, turn_count, suggestion_json, created_at FROM suggestions "
                "WHERE session_id = ? ORDER BY id DESC LIMIT 1",
                (session_id,),
            ).fetchone()
        return _stored(row) if row else None

    def suggestions(self, session_id: str) -> list[StoredSuggestion]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, session_id, turn_count, suggestion_json, created_at FROM suggestions "
                "WHERE session_id = ? ORDER BY id",
                (session_id,),
            ).fetchall()
        return [_stored(row) for row in rows]

    def record_feedback(self, suggestion_id: int, verdict: Verdict, final_text: str = "",
                        reason: RejectReason | None = None) -> int:
        """What the agent did with a suggestion: used as is, edited (with the text), rejected
        (with why, when they said)."""
        if verdict not in VERDICTS:
            raise InputError(f"feedback must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        if reason is not None and (verdict != "rejected" or reason not in REJECT_REASONS):
            raise InputError(f"a reason goes with a rejection and is one of "
                             f"{', '.join(REJECT_REASONS)}, not {reason!r}")
        with self._connect() as conn:
            row = conn.execute("SELECT suggestion_json FROM suggestions WHERE id = ?",
                               (suggestion_id,)).fetchone()
            if row is None:
                raise InputError(f"no suggestion with id {suggestion_id}")
            if verdict == "used" and not final_text:
                final_text = json.loads(row["suggestion_json"])["reply"]
            row = conn.execute(
                "INSERT INTO feedback (suggestion_id, verdict, final_text, reason, created_at) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (suggestion_id, verdict, final_text, reason or "", _now()),
            ).fetchone()
        return int(row["id"])

    def feedback(self, suggestion_id: int) -> list[Feedback]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, suggestion_id, verdict, final_text, reason, created_at FROM feedback "
                "WHERE suggestion_id = ? ORDER BY id",
                (suggestion_id,),
            ).fetchall()
        return [Feedback(**{**dict(row), "reason": row["reason"] or None}) for row in rows]


def _insert_suggestion(conn: Connection, session_id: str, suggestion: Suggestion,
                       turn_count: int) -> int:
    row = conn.execute(
        "INSERT INTO suggestions (session_id, turn_count, backend, latency_ms, "
        "suggestion_json, created_at) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
        (session_id, turn_count, suggestion.backend, suggestion.latency_ms,
         suggestion.model_dump_json(), _now()),
    ).fetchone()
    return int(row["id"])


def _stored(row) -> StoredSuggestion:
    return StoredSuggestion(
        id=row["id"], session_id=row["session_id"], turn_count=row["turn_count"],
        suggestion=Suggestion.model_validate_json(row["suggestion_json"]),
        created_at=row["created_at"],
    )
