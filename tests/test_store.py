"""The panel's SQLite store: migrations, persistence across connections and processes, feedback."""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from assistant.errors import ConfigError, InputError
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    Role,
    Suggestion,
    Transcript,
)
from assistant.settings import Settings
from assistant.store import database as store_module
from assistant.store.database import Store, sqlite_path


def _suggestion(reply: str = "I'm sorry — let me fix this now.") -> Suggestion:
    return Suggestion(
        reply=reply, language="en", backend="rules", latency_ms=42,
        compensation=Compensation(kind=CompensationKind.credit, amount=20.0, currency="USD",
                                  policy_id="delay.medium"),
        assessment=Assessment(),
    )


@pytest.fixture
def store(settings: Settings) -> Store:
    return Store.open(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def any_store(request: pytest.FixtureRequest, settings: Settings) -> Store:
    """The same behaviour on both databases (PostgreSQL skips without a test server)."""
    if request.param == "sqlite":
        return Store.open(settings)
    url = request.getfixturevalue("postgres_url")
    return Store.open(settings.model_copy(update={"database_url": url}))


def test_new_database_is_migrated_in_wal_mode(store: Store, settings: Settings) -> None:
    assert store.path == settings.database_path
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(store_module.MIGRATIONS)
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"sessions", "turns", "suggestions", "feedback"} <= tables


def test_reopening_keeps_data_and_does_not_remigrate(store: Store, settings: Settings) -> None:
    session = store.create_session()
    store.add_turn(session, Role.customer, "My order is two weeks late.")
    again = Store.open(settings)
    assert again.migrate() == len(store_module.MIGRATIONS)
    assert [t.text for t in again.transcript(session).turns] == ["My order is two weeks late."]


def test_a_new_migration_upgrades_an_old_database(
    store: Store, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    session = store.create_session()
    store.add_turn(session, "customer", "Still waiting.")
    extra = "ALTER TABLE sessions ADD COLUMN agent_name TEXT NOT NULL DEFAULT '';"
    monkeypatch.setattr(store_module, "MIGRATIONS", (*store_module.MIGRATIONS, extra))
    upgraded = Store.open(settings)
    with sqlite3.connect(upgraded.path) as conn:
        assert conn.execute("PRAGMA user_version").fetchone()[0] == len(store_module.MIGRATIONS)
        columns = {r[1] for r in conn.execute("PRAGMA table_info(sessions)")}
    assert "agent_name" in columns
    assert upgraded.transcript(session).turns[0].text == "Still waiting."


def test_a_database_from_a_newer_version_is_refused(store: Store, settings: Settings) -> None:
    with sqlite3.connect(store.path) as conn:
        conn.execute("PRAGMA user_version = 99")
    with pytest.raises(ConfigError, match="newer"):
        Store.open(settings)


def test_conversation_round_trips_in_order_with_roles(any_store: Store) -> None:
    session = any_store.create_session()
    assert any_store.add_turn(session, "customer", "הזמנתי חדר משפחה וקיבלתי חדר קטן") == 0
    assert any_store.add_turn(session, "agent", "אני מצטער מאוד") == 1
    assert any_store.add_turn(session, "customer", "I want a refund.") == 2
    transcript = any_store.transcript(session)
    assert transcript.id == session
    assert [t.role for t in transcript.turns] == [Role.customer, Role.agent, Role.customer]
    assert transcript.turns[0].text == "הזמנתי חדר משפחה וקיבלתי חדר קטן"
    assert any_store.list_sessions()[0].turns == 3
    assert any_store.list_sessions()[0].title.startswith("הזמנתי")


def test_second_connection_sees_every_write_immediately(any_store: Store) -> None:
    """A second browser tab opens its own Store on the same file."""
    other_tab = Store(any_store.database)
    session = any_store.create_session()
    any_store.add_turn(session, "customer", "The app charged me twice.")
    assert other_tab.has_session(session)
    assert other_tab.transcript(session).turns[-1].text == "The app charged me twice."


def test_writes_survive_the_process_being_killed(tmp_path: Path) -> None:
    db = tmp_path / "killed.sqlite3"
    script = textwrap.dedent(f"""
        import os, signal
        from assistant.store.database import Store
        s = Store(__import__("pathlib").Path({str(db)!r}))
        sid = s.create_session()
        s.add_turn(sid, "customer", "written before the crash")
        print(sid, flush=True)
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=60, env={**os.environ})
    assert proc.returncode == -signal.SIGKILL
    session = proc.stdout.strip()
    assert Store(db).transcript(session).turns[0].text == "written before the crash"


def test_loaded_transcript_replaces_the_conversation_and_keeps_context(any_store: Store) -> None:
    session = any_store.create_session()
    any_store.add_turn(session, "customer", "typed by hand")
    loaded = Transcript.model_validate({
        "id": "case-7", "language": "fa", "context": {"order_value": 400, "currency": "USD"},
        "turns": [{"role": "customer", "text": "سفارشم خراب رسید"},
                  {"role": "agent", "text": "متاسفم", "ts": "2026-11-20T10:00:00Z"}],
    })
    any_store.replace_transcript(session, loaded)
    back = any_store.transcript(session)
    assert back.id == "case-7"
    assert back.context == {"order_value": 400, "currency": "USD"}
    assert [t.text for t in back.turns] == ["سفارشم خراب رسید", "متاسفم"]
    assert back.turns[1].ts is not None


def test_remove_last_turn(any_store: Store) -> None:
    session = any_store.create_session()
    any_store.add_turn(session, "customer", "one")
    any_store.add_turn(session, "agent", "two")
    assert any_store.remove_last_turn(session)
    assert [t.text for t in any_store.transcript(session).turns] == ["one"]
    any_store.add_turn(session, "agent", "three")
    assert [t.text for t in any_store.transcript(session).turns] == ["one", "three"]


@pytest.mark.parametrize("text", ["", "   \n", "x" * 20_001])
def test_bad_messages_are_input_errors(any_store: Store, text: str) -> None:
    session = any_store.create_session()
    with pytest.raises(InputError):
        any_store.add_turn(session, "customer", text)
    assert any_store.transcript(session).turns == []


def test_unknown_session_and_role(any_store: Store) -> None:
    with pytest.raises(InputError, match="no session"):
        any_store.add_turn("missing", "customer", "hello")
    with pytest.raises(InputError, match="no session"):
        any_store.transcript("missing")
    with pytest.raises(InputError):
        any_store.add_turn(any_store.create_session(), "supervisor", "hello")


def test_suggestion_and_feedback_are_stored_together(any_store: Store) -> None:
    session = any_store.create_session()
    any_store.add_turn(session, "customer", "late again")
    first = any_store.save_suggestion(session, _suggestion("first"), turn_count=1)
    second = any_store.save_suggestion(session, _suggestion("second"), turn_count=1)
    latest = any_store.latest_suggestion(session)
    assert latest is not None and latest.id == second
    assert latest.suggestion.reply == "second"
    assert latest.suggestion.compensation.policy_id == "delay.medium"
    assert [s.id for s in any_store.suggestions(session)] == [first, second]

    any_store.record_feedback(second, "used")
    any_store.record_feedback(second, "edited", "second, with my own words")
    any_store.record_feedback(first, "rejected", reason="wrong_offer")
    verdicts = [(f.verdict, f.final_text, f.reason) for f in any_store.feedback(second)]
    assert verdicts == [("used", "second", None), ("edited", "second, with my own words", None)]
    assert [(f.verdict, f.reason) for f in any_store.feedback(first)] == [
        ("rejected", "wrong_offer")]


def test_bad_feedback_is_refused(any_store: Store) -> None:
    session = any_store.create_session()
    suggestion_id = any_store.save_suggestion(session, _suggestion(), turn_count=0)
    with pytest.raises(InputError, match="used, edited, rejected"):
        any_store.record_feedback(suggestion_id, "loved")  # type: ignore[arg-type]
    with pytest.raises(InputError, match="no suggestion"):
        any_store.record_feedback(9999, "used")
    with pytest.raises(InputError, match="a reason goes with a rejection"):
        any_store.record_feedback(suggestion_id, "used", reason="too_long")
    with pytest.raises(InputError, match="wrong_facts, wrong_tone"):
        any_store.record_feedback(suggestion_id, "rejected", reason="meh")  # type: ignore[arg-type]


def test_database_url(settings: Settings, tmp_path: Path) -> None:
    custom = tmp_path / "elsewhere" / "panel.sqlite3"
    chosen = settings.model_copy(update={"database_url": f"sqlite:///{custom}"})
    assert sqlite_path(chosen) == custom
    Store.open(chosen).create_session()
    assert custom.exists()
    with pytest.raises(ConfigError, match="'mysql' scheme is not supported"):
        Store.open(settings.model_copy(update={"database_url": "mysql://db/coach"}))
    with pytest.raises(ConfigError, match="not an SQLite file"):
        sqlite_path(settings.model_copy(update={"database_url": "postgresql://db/coach"}))


def test_two_tabs_writing_to_one_session_never_collide(tmp_path: Path) -> None:
    """Two tabs adding messages at once: every write lands, positions stay 0..n-1."""
    from concurrent.futures import ThreadPoolExecutor

    store = Store(tmp_path / "coach.sqlite3")
    session = store.create_session()
    per_tab = 200

    def tab(role: str) -> list[int]:
        mine = Store(tmp_path / "coach.sqlite3")  # each tab has its own Store, like a page run
        return [mine.add_turn(session, role, f"{role} {n}") for n in range(per_tab)]

    with ThreadPoolExecutor(2) as pool:
        positions = [p for got in pool.map(tab, ["customer", "agent"]) for p in got]
    assert sorted(positions) == list(range(2 * per_tab))
    assert len(store.transcript(session).turns) == 2 * per_tab


def test_a_full_session_refuses_one_more_message_and_still_opens(tmp_path: Path) -> None:
    import sqlite3

    from assistant.models import MAX_TURNS

    store = Store(tmp_path / "coach.sqlite3")
    session = store.create_session()
    with sqlite3.connect(store.path) as conn:  # filled by an older version, past the limit
        conn.executemany("INSERT INTO turns (session_id, position, role, text) VALUES (?,?,?,?)",
                         [(session, n, "customer", f"m{n}") for n in range(MAX_TURNS + 1)])
    with pytest.raises(InputError, match=f"reached {MAX_TURNS} messages"):
        store.add_turn(session, "customer", "one more")
    turns = store.transcript(session).turns
    assert len(turns) == MAX_TURNS and turns[-1].text == f"m{MAX_TURNS}"



def test_a_postgres_server_that_is_down_is_a_clear_error(settings: Settings) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"postgresql://coach:secret@127.0.0.1:{port}/coach"
    with pytest.raises(ConfigError, match=r"127\.0\.0\.1") as caught:
        Store.open(settings.model_copy(update={"database_url": url}))
    assert "secret" not in str(caught.value)


def test_record_suggestion_keeps_conversation_and_suggestion_together(any_store: Store) -> None:
    transcript = Transcript.model_validate({"id": "chatwoot-1-7", "turns": [
        {"role": "customer", "text": "Two weeks late."}, {"role": "agent", "text": "Sorry."},
        {"role": "customer", "text": "And?"}]})
    session, suggestion_id = any_store.record_suggestion(transcript, _suggestion())
    assert any_store.transcript(session).id == "chatwoot-1-7"
    assert [t.text for t in any_store.transcript(session).turns][-1] == "And?"
    stored = any_store.latest_suggestion(session)
    assert stored is not None and (stored.id, stored.turn_count) == (suggestion_id, 3)
    assert any_store.record_feedback(suggestion_id, "used") > 0


def test_postgres_schema_version_and_newer_schema(postgres_url: str, settings: Settings) -> None:
    import psycopg

    chosen = settings.model_copy(update={"database_url": postgres_url})
    Store.open(chosen)
    assert Store.open(chosen).migrate() == len(store_module.MIGRATIONS)  # idempotent
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        versions = [r[0] for r in conn.execute("SELECT version FROM schema_version ORDER BY 1")]
        assert versions == list(range(1, len(store_module.MIGRATIONS) + 1))
        conn.execute("INSERT INTO schema_version (version) VALUES (99)")
    with pytest.raises(ConfigError, match="newer"):
        Store.open(chosen)
