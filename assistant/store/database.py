"""Where the side panel keeps its sessions: conversations, suggestions and the agents' feedback.

SQLite in WAL mode under COACH_HOME, one short connection per operation and a commit on every
write, so a second browser tab sees the same conversation and killing the app loses nothing.
The schema evolves through the numbered scripts in MIGRATIONS, tracked by PRAGMA user_version.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import closing, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ValidationError

from assistant.errors import ConfigError, InputError
from assistant.models import MAX_TURNS, Role, Suggestion, Transcript, Turn
from assistant.settings import Settings

Verdict = Literal["used", "edited", "rejected"]
VERDICTS: tuple[Verdict, ...] = ("used", "edited", "rejected")

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
    created_at: datetime


def _now() -> str:
    return datetime.now(UTC).isoformat()


def sqlite_path(settings: Settings) -> Path:
    """The database file: `COACH_DATABASE_URL=sqlite:///path` if set, else under COACH_HOME."""
    url = settings.database_url
    if not url:
        return settings.database_path
    if url.startswith("sqlite:///"):
        return Path(url.removeprefix("sqlite:///"))
    scheme = url.split(":", 1)[0]
    raise ConfigError(
        f"database_url: the {scheme!r} scheme is not supported yet; "
        "use sqlite:///path/to/file.sqlite3 or leave it unset"
    )


class Store:
    """Sessions, turns, suggestions and feedback in one SQLite file."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.migrate()

    @classmethod
    def open(cls, settings: Settings) -> Store:
        return cls(sqlite_path(settings))

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """One connection per operation: safe across Streamlit's threads and processes."""
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA foreign_keys = ON")
            with conn:  # commits on success, rolls back on error
                yield conn

    def migrate(self) -> int:
        """Bring the schema up to date; returns the schema version."""
        with closing(sqlite3.connect(self.path, timeout=10)) as conn:
            conn.execute("PRAGMA journal_mode = WAL")
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > len(MIGRATIONS):
                raise ConfigError(
                    f"{self.path}: database schema v{version} is newer than this version of "
                    f"Complaint Coach understands (v{len(MIGRATIONS)}); upgrade the package"
                )
            for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
                _apply(conn, number, script)
            return len(MIGRATIONS)

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
                "ORDER BY s.updated_at DESC, s.rowid DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [SessionSummary(**dict(row)) for row in rows]

    def _require(self, conn: sqlite3.Connection, session_id: str) -> None:
        if conn.execute("SELECT 1 FROM sessions WHERE id = ?", (session_id,)).fetchone() is None:
            raise InputError(f"no session with id {session_id!r}")

    def _touch(self, conn: sqlite3.Connection, session_id: str, title: str | None = None) -> None:
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
            # message at once queue on SQLite's write lock instead of taking the same position.
            cursor = conn.execute(
                "INSERT INTO turns (session_id, position, role, text, ts) "
                "SELECT ?, COALESCE(MAX(position) + 1, 0), ?, ?, ? FROM turns "
                "WHERE session_id = ? HAVING COUNT(*) < ?",
                (session_id, turn.role.value, turn.text,
                 turn.ts.isoformat() if turn.ts else None, session_id, MAX_TURNS),
            )
            if cursor.rowcount == 0:
                raise InputError(f"this conversation has reached {MAX_TURNS} messages, the most "
                                 "one conversation can hold; start a new conversation")
            position = conn.execute("SELECT position FROM turns WHERE id = ?",
                                    (cursor.lastrowid,)).fetchone()[0]
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
                "WHERE session_id = ? ORDER BY position DESC LIMIT ?) ORDER BY position",
                (session_id, MAX_TURNS),
            ).fetchall()
        header = {"id": session_id, **json.loads(row["header_json"])}
        return Transcript.model_validate({**header, "turns": [dict(t) for t in turns]})

    # --- suggestions and feedback -------------------------------------------------------------

    def save_suggestion(self, session_id: str, suggestion: Suggestion, turn_count: int) -> int:
        """Keep what the coach proposed after `turn_count` messages; returns its id."""
        with self._connect() as conn:
            self._require(conn, session_id)
            cursor = conn.execute(
                "INSERT INTO suggestions (session_id, turn_count, backend, latency_ms, "
                "suggestion_json, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                (session_id, turn_count, suggestion.backend, suggestion.latency_ms,
                 suggestion.model_dump_json(), _now()),
            )
            self._touch(conn, session_id)
        return int(cursor.lastrowid)

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

    def record_feedback(self, suggestion_id: int, verdict: Verdict, final_text: str = "") -> int:
        """What the agent did with a suggestion: used as is, edited (with the text), rejected."""
        if verdict not in VERDICTS:
            raise InputError(f"feedback must be one of {', '.join(VERDICTS)}, not {verdict!r}")
        with self._connect() as conn:
            row = conn.execute("SELECT suggestion_json FROM suggestions WHERE id = ?",
                               (suggestion_id,)).fetchone()
            if row is None:
                raise InputError(f"no suggestion with id {suggestion_id}")
            if verdict == "used" and not final_text:
                final_text = json.loads(row["suggestion_json"])["reply"]
            cursor = conn.execute(
                "INSERT INTO feedback (suggestion_id, verdict, final_text, created_at) "
                "VALUES (?, ?, ?, ?)",
                (suggestion_id, verdict, final_text, _now()),
            )
        return int(cursor.lastrowid)

    def feedback(self, suggestion_id: int) -> list[Feedback]:
        with self._connect() as conn:
            rows = conn.execute(
                "SELECT id, suggestion_id, verdict, final_text, created_at FROM feedback "
                "WHERE suggestion_id = ? ORDER BY id",
                (suggestion_id,),
            ).fetchall()
        return [Feedback(**dict(row)) for row in rows]


def _apply(conn: sqlite3.Connection, number: int, script: str) -> None:
    """Run migration `number` atomically; another process finishing it first is fine."""
    try:
        conn.executescript(
            f"BEGIN IMMEDIATE;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;"
        )
    except sqlite3.OperationalError:
        conn.rollback()
        if conn.execute("PRAGMA user_version").fetchone()[0] < number:
            raise


def _stored(row: sqlite3.Row) -> StoredSuggestion:
    return StoredSuggestion(
        id=row["id"], session_id=row["session_id"], turn_count=row["turn_count"],
        suggestion=Suggestion.model_validate_json(row["suggestion_json"]),
        created_at=row["created_at"],
    )
