"""The side panel: its view-model (assistant.panel, drafts, connection, ui_launch) and every page
driven through Streamlit's AppTest, error paths included."""

from __future__ import annotations

import json
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import charts
import panel_model as panel
import pytest
import tracker
from click.testing import CliRunner
from streamlit.testing.v1 import AppTest

from assistant.cli.ui import streamlit_command, ui
from assistant.coach import Coach
from assistant.critic.drafts import check_draft
from assistant.errors import ConfigError, DataFileError, InputError
from assistant.llm.connection import test_connection as check_connection
from assistant.models import (
    Assessment,
    Compensation,
    CompensationKind,
    Emotion,
    Facts,
    IssueScore,
    Money,
    Risk,
    Stage,
    Step,
    Suggestion,
    Transcript,
    TurnMood,
)
from assistant.policy.engine import load_policy
from assistant.read.assessment import assess
from assistant.settings import Settings, get_settings
from assistant.store.database import Store
from tests.conftest import REPO, isolated_settings
from tests.openai_server import Answer, OpenAICompatibleServer
from tests.test_openai_backend import as_json, good_reply

APP = str(REPO / "ui" / "app.py")
TIMEOUT = 120

ENGLISH = ("My order was supposed to arrive a week ago and it still hasn't come. "
           "I've called three times and nobody helps me. This is ridiculous!")
HEBREW = "הזמנתי חדר משפחה לפני חודש וכשהגענו קיבלנו חדר קטן ומלוכלך. אני כועסת מאוד!"
PERSIAN = "سفارش من دو هفته دیر رسید و جعبه‌اش شکسته بود. خیلی عصبانی هستم."
MINIMIZING = "It's just a small delay, it's not a big deal. Calm down."


# --- helpers ----------------------------------------------------------------------------------

def _transcript(*texts: str) -> Transcript:
    roles = ["customer", "agent"]
    return Transcript.model_validate({
        "id": "t", "context": {"order_value": 120, "currency": "USD"},
        "turns": [{"role": roles[i % 2], "text": t} for i, t in enumerate(texts)],
    })


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def db(coach: Coach, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """The app reads the session's built index and writes its own database."""
    path = tmp_path / "panel.sqlite3"
    monkeypatch.setenv("COACH_HOME", str(coach.settings.home))
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{path}")
    get_settings.cache_clear()
    return Store(path)


def _app(session: str | None = None, overrides: dict | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=TIMEOUT)
    if session:
        at.query_params["session"] = session
    if overrides is not None:
        at.session_state["settings_overrides"] = overrides
    return at


def _button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def _say(at: AppTest, text: str, as_agent: bool = False) -> AppTest:
    """Pick who is speaking on the toggle, type into the box and press Enter."""
    at.segmented_control(key="speaker").set_value("Me" if as_agent else "Customer")
    at.chat_input(key="new_message").set_value(text)
    return at.run()


def _card_caption(at: AppTest) -> str:
    return next((c for c in _texts(at.caption) if c.startswith("Suggested reply")), "")


def _texts(elements) -> list[str]:
    """Element texts as the agent reads them (Markdown backslash escapes removed)."""
    return [re.sub(r"\\(.)", r"\1", str(e.value)) for e in elements]


def _no_crash(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


# --- panel_model (ui/) --------------------------------------------------------------------------

def test_tracker_marks_done_next_and_skipped_stages() -> None:
    assessment = Assessment(steps_done=[Step.acknowledged, Step.offered])
    stages = {s.stage: s.status for s in tracker.recovery_tracker(assessment, Stage.apologize)}
    assert stages[Stage.listen] == "done"
    assert stages[Stage.acknowledge] == "done"
    assert stages[Stage.apologize] == "next"
    assert stages[Stage.diagnose] == "skipped"  # compensation came before asking why
    assert stages[Stage.compensate] == "done"
    assert stages[Stage.assure] == "todo"


def test_tracker_knows_what_a_case_can_do_without() -> None:
    known = Assessment(cause_known=True,
                       steps_done=[Step.acknowledged, Step.apologized, Step.offered])
    stages = {s.stage: s.status for s in tracker.recovery_tracker(known, Stage.assure)}
    assert stages[Stage.diagnose] == "not_needed"  # the cause is known: no need to ask
    assert stages[Stage.explain] == "skipped"
    assert stages[Stage.assure] == "next"


def test_tracker_at_the_start_and_without_an_offer() -> None:
    stages = tracker.recovery_tracker(Assessment(), Stage.respond,
                                    Compensation(kind=CompensationKind.none))
    assert [s.status for s in stages][:2] == ["next", "todo"]
    assert {s.stage: s.status for s in stages}[Stage.compensate] == "not_needed"
    done_already = tracker.recovery_tracker(Assessment(steps_done=[Step.acknowledged]),
                                          Stage.acknowledge)
    assert {s.stage: s.status for s in done_already}[Stage.apologize] == "next"


def test_risk_badges_mood_rows_and_offer_view() -> None:
    badges = panel.risk_badges([Risk.legal_threat, Risk.churn])
    assert [b.label for b in badges] == ["Legal threat", "May leave"]
    assessment = Assessment(mood_by_turn=[TurnMood(turn_index=0, emotion=Emotion.angry,
                                                    intensity=0.8)])
    assert charts.mood_rows(assessment) == [{"turn": 1, "emotion": "angry", "intensity": 0.8}]
    assert charts.mood_chart(assessment) is not None
    assert charts.mood_chart(Assessment()) is None
    view = panel.offer_view(Compensation(kind=CompensationKind.partial_refund, amount=40,
                                         currency="USD", requires_approval=True,
                                         policy_id="delay.high", offer_now=False))
    assert view.headline == "Partial refund — $40.00"
    assert view.needs_approval and view.hold_back and view.rule == "delay.high"


def test_markdown_escaping_keeps_text_inert() -> None:
    hostile = "![x](http://evil.example/p.png) costs $5 :red[alarm] **loud** <b>"
    escaped = panel.escape_markdown(hostile)
    assert "![" not in escaped and ":red[" not in escaped and "\\$5" in escaped
    assert re.sub(r"\\(.)", r"\1", escaped) == hostile


def test_direction_and_escaped_html() -> None:
    assert panel.direction(HEBREW) == "rtl"
    assert panel.direction(PERSIAN) == "rtl"
    assert panel.direction(ENGLISH) == "ltr"
    assert panel.direction("ההזמנה ORD-5521 לא הגיעה") == "rtl"
    hostile = '<script>alert(1)</script> **bold** costs $5 and $6\n<img src=x onerror=alert(1)>'
    rendered = panel.text_html(hostile)
    assert "<script>" not in rendered and "<img" not in rendered
    assert "&lt;script&gt;" in rendered and "&#36;5" in rendered
    assert "\n" not in rendered  # one HTML block: Markdown never sees the text
    assert 'dir="rtl"' in panel.text_html(HEBREW)
    assert 'dir="rtl"' in panel.text_html("ok", "fa")


def test_clean_message_rejects_empty_and_huge_text() -> None:
    assert panel.clean_message("  hello \n") == "hello"
    with pytest.raises(InputError, match="empty"):
        panel.clean_message("   ")
    with pytest.raises(InputError, match="50,000 characters"):
        panel.clean_message("x" * 50_000)


@pytest.mark.parametrize(("data", "name", "expected"), [
    (b"", "empty.json", "empty"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "photo.png", "binary"),
    ("Customer: המשלוח מאחר".encode("cp1255"), "old.txt", "UTF-8"),
    (b'{"turns": [{"role": "boss", "text": "hi"}]}', "bad.json", "role"),
])
def test_bad_uploads_get_clear_errors(data: bytes, name: str, expected: str) -> None:
    with pytest.raises(InputError, match=expected) as info:
        panel.read_upload(data, name)
    assert name in str(info.value)


def test_good_upload_keeps_the_good_transcripts() -> None:
    lines = [json.dumps({"id": "a", "turns": [{"role": "customer", "text": ENGLISH}]}),
             "{not json", json.dumps({"id": "b", "turns": [{"role": "customer", "text": HEBREW}]})]
    upload = panel.read_upload("\n".join(lines).encode(), "batch.jsonl")
    assert [t.id for t in upload.transcripts] == ["a", "b"]
    assert len(upload.errors) == 1 and "batch.jsonl" in upload.errors[0]


def test_suggestion_stream_splits_text_from_the_final_suggestion() -> None:
    final = Suggestion(reply="Sorry!", language="en", compensation=Compensation(),
                       assessment=Assessment())
    stream = panel.SuggestionStream(iter(["Sor", "", "ry!", final]))
    assert list(stream.text()) == ["Sor", "ry!"]
    assert stream.suggestion is final
    assert panel.answered_by(final.model_copy(update={"latency_ms": 1520})) == "rules · 1.5 s"


def test_resolve_session_and_freshness(settings: Settings) -> None:
    store = Store.open(settings)
    first, note = panel.resolve_session(store, None)
    assert note is None and store.has_session(first)
    assert panel.resolve_session(store, first) == (first, None)
    again, note = panel.resolve_session(store, "gone")
    assert again == first and "not found" in note
    store.add_turn(first, "customer", ENGLISH)
    transcript = store.transcript(first)
    assert panel.wants_suggestion(transcript, None)
    final = Suggestion(reply="Sorry!", language="en", compensation=Compensation(),
                       assessment=Assessment())
    store.save_suggestion(first, final, len(transcript.turns))
    latest = store.latest_suggestion(first)
    assert panel.fresh_suggestion(transcript, latest) == latest
    assert not panel.wants_suggestion(transcript, latest)


def test_record_verdict_stores_final_text_and_extends_the_conversation(settings: Settings) -> None:
    store = Store.open(settings)
    session = store.create_session()
    store.add_turn(session, "customer", ENGLISH)
    final = Suggestion(reply="I'm sorry.", language="en", compensation=Compensation(),
                       assessment=Assessment())
    store.save_suggestion(session, final, 1)
    stored = store.latest_suggestion(session)
    panel.record_verdict(store, session, stored, "edited", "I'm so sorry, Dana.")
    panel.record_verdict(store, session, stored, "rejected", "I'm sorry.")
    assert [(f.verdict, f.final_text) for f in store.feedback(stored.id)] == [
        ("edited", "I'm so sorry, Dana."), ("rejected", "")]
    assert [t.text for t in store.transcript(session).turns][-1] == "I'm so sorry, Dana."


def test_settings_overrides_validate_and_explain(settings: Settings, tmp_path: Path) -> None:
    form = {"backend": "openai", "openai_base_url": "http://127.0.0.1:9/v1",
            "openai_model": "gpt-4o-mini", "openai_api_key": "sk-secret", "policy_file": ""}
    overrides = panel.settings_overrides({}, form)
    assert overrides == {"backend": "openai", "openai_base_url": "http://127.0.0.1:9/v1",
                         "openai_api_key": "sk-secret"}
    kept = panel.settings_overrides(overrides, {**form, "openai_api_key": ""})
    assert kept["openai_api_key"] == "sk-secret"
    lines = panel.environment_lines(overrides)
    assert "COACH_BACKEND=openai" in lines and "sk-secret" not in "\n".join(lines)
    typed_url = Settings(**panel.settings_overrides({}, {"openai_base_url": "http://h/v1"}))
    assert panel.settings_to_test(typed_url).backend == "openai"
    assert panel.settings_to_test(Settings()).backend == "rules"
    with pytest.raises(ConfigError, match="backend"):
        panel.settings_overrides({}, {"backend": "gpt-17"})
    broken = tmp_path / "policy.yaml"
    broken.write_text("version: 1\nmatrix: [unclosed\n", encoding="utf-8")
    with pytest.raises(DataFileError, match=r"policy\.yaml"):
        panel.settings_overrides({}, {"policy_file": str(broken)})


# --- assistant.critic.drafts ---------------------------------------------------------------

def test_minimizing_draft_is_quoted_and_rewritten(coach: Coach) -> None:
    transcript = _transcript(ENGLISH)
    result = check_draft(MINIMIZING, transcript, coach)
    assert not result.ok
    assert any(hit.criterion == "minimize" for hit in result.issues)
    assert all(hit.quote.lower() in MINIMIZING.lower() for hit in result.issues)
    assert result.missing_apology
    assert any("“" in line for line in result.findings())
    assert result.rewrite == coach.suggest(transcript).reply


def test_good_draft_passes(coach: Coach) -> None:
    draft = ("I'm so sorry your order is a week late — that's our fault and I understand how "
             "frustrating the calls were. Could you give me the order number so I can fix it now?")
    result = check_draft(draft, _transcript(ENGLISH), coach)
    assert result.ok, result.findings()


def test_hebrew_draft_blame_is_found(coach: Coach) -> None:
    result = check_draft("זו אשמתך, היית צריכה לבדוק את ההזמנה.", _transcript(HEBREW), coach)
    assert result.language == "he"
    assert not result.ok


def test_empty_or_huge_draft_is_refused(coach: Coach) -> None:
    with pytest.raises(InputError, match="empty"):
        check_draft("  ", _transcript(ENGLISH), coach)
    with pytest.raises(InputError, match="limit"):
        check_draft("a" * 50_000, _transcript(ENGLISH), coach)


# --- assistant.llm.connection ---------------------------------------------------------------------

def test_connection_to_a_dead_endpoint_reports_the_exact_error(settings: Settings) -> None:
    url = f"http://127.0.0.1:{_free_port()}/v1"
    result = check_connection(isolated_settings(settings.home, backend="openai",
                                                openai_base_url=url))
    assert not result.ok
    assert result.detail.startswith(f"Cannot connect to {url}/models")
    assert "refused" in result.detail.lower()


def test_connection_to_a_live_endpoint(settings: Settings) -> None:
    with OpenAICompatibleServer(lambda request: Answer("{}")) as server:
        good = isolated_settings(settings.home, backend="openai", openai_base_url=server.base_url,
                                 openai_model="test-model")
        assert check_connection(good).ok
        assert check_connection(good).models == ["test-model"]
        wrong = good.model_copy(update={"openai_model": "gpt-5"})
        result = check_connection(wrong)
        assert not result.ok and "'gpt-5' is not offered" in result.detail


class _Refuses(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b'{"error": {"message": "Incorrect API key provided"}}'
        self.send_response(401)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


def test_connection_quotes_the_endpoint_s_refusal(settings: Settings) -> None:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Refuses)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
        result = check_connection(isolated_settings(settings.home, backend="openai",
                                                    openai_base_url=url, openai_api_key="bad"))
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert not result.ok
    assert "HTTP 401" in result.detail and "Incorrect API key provided" in result.detail


def test_connection_for_other_backends(settings: Settings, tmp_path: Path) -> None:
    assert check_connection(isolated_settings(settings.home)).ok
    no_key = check_connection(isolated_settings(settings.home, backend="openai"))
    assert not no_key.ok and "API key" in no_key.detail
    local = isolated_settings(settings.home, backend="local",
                              local_model_path=tmp_path / "missing.gguf")
    result = check_connection(local)
    assert not result.ok and "not found" in result.detail


# --- assistant.cli.ui ----------------------------------------------------------------------

def test_ui_command_runs_streamlit_locally_without_telemetry() -> None:
    command = streamlit_command("127.0.0.1", 8599)
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert Path(command[4]) == REPO / "ui" / "app.py"
    for flag in ("--server.address=127.0.0.1", "--server.port=8599",
                 "--server.headless=true", "--browser.gatherUsageStats=false"):
        assert flag in command
    printed = CliRunner().invoke(ui, ["--port", "8612", "--print-command"])
    assert printed.exit_code == 0
    assert "--server.port=8612" in printed.output
    assert "--server.address=127.0.0.1" in printed.output
    assert CliRunner().invoke(ui, ["--port", "0", "--print-command"]).exit_code == 2


# --- the Live assist page ---------------------------------------------------------------------

def test_live_assist_starts_a_session_and_invites_a_message(db: Store) -> None:
    at = _app().run()
    _no_crash(at)
    session = at.query_params["session"]
    assert db.has_session(session)
    assert any("first message" in text for text in _texts(at.info))
    assert not _card_caption(at)  # no suggestion before a complaint


def test_english_complaint_gets_a_suggestion_offer_and_tracker(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    _no_crash(at)
    session = at.query_params["session"]
    stored = db.latest_suggestion(session)
    assert stored is not None and stored.turn_count == 1
    assert _card_caption(at).startswith(f"Suggested reply · {stored.suggestion.backend}")
    assert at.code[0].value == stored.suggestion.reply
    markdown = "\n".join(_texts(at.markdown))
    assert "**Offer:**" in markdown
    assert f"rule {stored.suggestion.compensation.policy_id}" in markdown
    assert "Recovery" in markdown
    assert [m.name for m in at.chat_message] == ["user"]
    # a rerun shows the stored suggestion, it does not ask the coach again
    at.run()
    assert len(db.suggestions(session)) == 1


def test_hebrew_complaint_renders_right_to_left(db: Store) -> None:
    at = _say(_app().run(), HEBREW)
    _no_crash(at)
    stored = db.latest_suggestion(at.query_params["session"])
    assert stored.suggestion.language == "he"
    rendered = [text for text in _texts(at.markdown) if "חדר משפחה" in text]
    assert rendered and 'dir="rtl"' in rendered[0]


@pytest.mark.parametrize(("text", "expected"), [
    ("   ", "empty"),
    ("x" * 50_000, "50,000 characters"),
])
def test_bad_messages_are_explained_and_not_stored(db: Store, text: str, expected: str) -> None:
    at = _say(_app().run(), text)
    _no_crash(at)
    assert any(expected in e for e in _texts(at.error))
    assert db.transcript(at.query_params["session"]).turns == []


def test_feedback_edited_is_stored_and_joins_the_conversation(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    stored = db.latest_suggestion(at.query_params["session"])
    at.text_area(key=f"reply_{stored.id}_0").input("I'm so sorry — I'm fixing it right now.")
    _button(at, "Edited").click()
    at.run()
    _no_crash(at)
    given = db.feedback(stored.id)
    assert [(f.verdict, f.final_text) for f in given] == [
        ("edited", "I'm so sorry — I'm fixing it right now.")]
    turns = db.transcript(at.query_params["session"]).turns
    assert turns[-1].role == "agent" and turns[-1].text.startswith("I'm so sorry")
    assert any("Saved as edited" in s for s in _texts(at.success))
    assert _button(at, "Suggest a reply")  # the agent spoke last: a new suggestion on demand


def test_check_my_draft_quotes_minimizing_words(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    at.text_area(key="draft").input(MINIMIZING)
    _button(at, "Check my draft").click()
    at.run()
    _no_crash(at)
    errors = _texts(at.error)
    assert any(e.startswith("Minimizes the problem: “") for e in errors)
    assert any(e.startswith("No apology") for e in errors)
    stored = db.latest_suggestion(at.query_params["session"])
    assert stored.suggestion.reply in _texts(at.code)  # the rewrite


def test_check_my_draft_with_nothing_pasted(db: Store) -> None:
    at = _app().run()
    _button(at, "Check my draft").click()
    at.run()
    _no_crash(at)
    assert any("draft is empty" in e for e in _texts(at.error))


def test_a_second_tab_and_a_restart_resume_the_conversation(db: Store) -> None:
    first = _say(_app().run(), ENGLISH)
    session = first.query_params["session"]
    same_url = _app(session=session).run()
    assert [m.name for m in same_url.chat_message] == ["user"]
    fresh_tab = _app().run()
    assert fresh_tab.query_params["session"] == session
    lost = _app(session="no-such-session").run()
    _no_crash(lost)
    assert any("was not found" in i for i in _texts(lost.info))


def test_new_conversation_button(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    old = at.query_params["session"]
    _button(at, "New conversation").click()
    at.run()
    assert at.query_params["session"] != old
    assert not at.chat_message
    at = _say(at, "still waiting for my refund, nobody answers")  # stays in the new one
    new = at.query_params["session"]
    assert new != old and len(at.chat_message) == 1
    at.button(key=f"open-{old}").click()  # the sidebar lists every conversation
    at.run()
    assert at.query_params["session"] == old
    assert any("nobody helps me" in m.markdown[0].value for m in at.chat_message)


def _upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="transcript_file").upload(name, data)
    return at.run()


def test_loading_a_transcript_file_opens_it(db: Store) -> None:
    data = json.dumps({"id": "case-9", "language": "fa", "turns": [
        {"role": "customer", "text": PERSIAN}]}, ensure_ascii=False).encode()
    at = _upload(_app().run(), "case.json", data)
    _no_crash(at)
    _button(at, "Open it as a new conversation").click()
    at.run()
    _no_crash(at)
    session = at.query_params["session"]
    assert db.transcript(session).id == "case-9"
    assert db.latest_suggestion(session).suggestion.language == "fa"


@pytest.mark.parametrize(("name", "data", "expected"), [
    ("photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary"),
    ("old.txt", "Customer: המשלוח מאחר".encode("cp1255"), "UTF-8"),
    ("bad.json", b'{"turns": [{"role": "boss", "text": "hi"}]}', "role"),
])
def test_bad_transcript_files_are_explained(db: Store, name: str, data: bytes,
                                            expected: str) -> None:
    at = _upload(_app().run(), name, data)
    _no_crash(at)
    assert any(name in e and expected in e for e in _texts(at.error))


# --- model backends from the page -------------------------------------------------------------

@pytest.fixture
def model_server() -> Iterator[tuple[OpenAICompatibleServer, list[Answer]]]:
    answers: list[Answer] = []
    with OpenAICompatibleServer(lambda request: answers.pop(0) if answers else Answer()) as srv:
        yield srv, answers


def test_a_slow_model_falls_back_to_the_rules_reply(db: Store, model_server) -> None:
    server, answers = model_server
    answers += [Answer('{"reply": "late", "practice_ids": []}', delay=4.0)] * 2
    overrides = {"backend": "openai", "openai_base_url": server.base_url,
                 "openai_api_key": "test", "openai_model": "test-model",
                 "suggestion_deadline_s": 1.0}
    at = _say(_app(overrides=overrides).run(), ENGLISH)
    _no_crash(at)
    stored = db.latest_suggestion(at.query_params["session"])
    assert "llm_fallback" in stored.suggestion.flags
    assert stored.suggestion.backend == "rules"
    assert any("did not answer in time" in w for w in _texts(at.warning))


def test_a_model_reply_streams_into_the_card(db: Store, model_server, coach: Coach) -> None:
    server, answers = model_server
    reply = good_reply(coach, Transcript.model_validate(
        {"turns": [{"role": "customer", "text": ENGLISH}]}))
    answers.append(Answer(as_json(reply)))
    overrides = {"backend": "openai", "openai_base_url": server.base_url,
                 "openai_api_key": "test", "openai_model": "test-model",
                 "model_reads": False}  # the scripted server answers the writer only
    at = _say(_app(overrides=overrides).run(), ENGLISH)
    _no_crash(at)
    stored = db.latest_suggestion(at.query_params["session"])
    assert stored.suggestion.backend == "openai", stored.suggestion.flags
    assert server.requests and server.requests[0].get("stream") is True
    assert at.code[0].value == reply
    assert _card_caption(at).startswith("Suggested reply · openai")


def test_a_misconfigured_backend_is_an_error_message(db: Store) -> None:
    at = _say(_app(overrides={"backend": "openai"}).run(), ENGLISH)
    _no_crash(at)
    assert any("COACH_OPENAI_BASE_URL" in e for e in _texts(at.error))


@pytest.mark.parametrize("page", [None, "pages/knowledge.py"])
def test_a_broken_policy_file_stops_the_page_with_its_name(db: Store, tmp_path: Path,
                                                           page: str | None) -> None:
    broken = tmp_path / "broken-policy.yaml"
    broken.write_text("version: [1\n", encoding="utf-8")
    at = _app(overrides={"policy_file": str(broken)}).run()
    if page:
        at.switch_page(page).run()
    _no_crash(at)
    assert any("broken-policy.yaml" in e for e in _texts(at.error))


# --- Knowledge and Settings pages -------------------------------------------------------------

def test_knowledge_page_browses_searches_and_shows_the_policy(db: Store, coach: Coach) -> None:
    at = _app().run()
    at.switch_page("pages/knowledge.py").run()
    _no_crash(at)
    titles = [e.label for e in at.expander]
    assert [p.title.en for p in coach.practices] == titles[-len(coach.practices):]
    table = at.dataframe[0].value  # the policy: one row per issue, a column per severity
    assert len(table) == len(coach.policy.matrix) and list(table.columns)[1:] == [
        "low", "medium", "high", "critical"]
    delay = table[table["Issue"] == "delay"].iloc[0]
    assert delay["high"] == "Account credit: 20% of order value, at most $75.00"
    at.selectbox(key="policy_currency").set_value("ILS").run()
    delay = at.dataframe[0].value.set_index("Issue").loc["delay"]
    assert delay["high"].endswith("at most ₪277.50")
    assert any("late-room-per-night" in m.value for m in at.markdown)  # rules, in words
    at.segmented_control(key="knowledge_language").set_value("he").run()
    assert coach.practices[0].title.he in [e.label for e in at.expander]
    at.text_input[0].input("the customer wants to be heard").run()
    _no_crash(at)
    hits = [e.label for e in at.expander][:5]  # search hits come first, in the query's language
    assert len(at.expander) > len(coach.practices)
    assert all(label.split(". ", 1)[1] in {p.title.en for p in coach.practices} for label in hits)
    assert not any(".txt" in c.value for c in at.caption)  # seeds by title, not file name


def test_settings_test_connection_reports_a_dead_endpoint(db: Store) -> None:
    at = _app().run()
    at.switch_page("pages/settings.py").run()
    _no_crash(at)
    url = f"http://127.0.0.1:{_free_port()}/v1"
    at.selectbox[0].set_value("openai")
    at.text_input[0].input(url)
    _button(at, "Test connection").click()
    at.run()
    _no_crash(at)
    assert any(f"Cannot connect to {url}/models" in e for e in _texts(at.error))
    assert "settings_overrides" not in at.session_state  # testing does not apply
    _button(at, "Apply").click()
    at.run()
    _no_crash(at)
    assert any("failed its connection test" in w for w in _texts(at.warning))


def test_settings_apply_and_reject(db: Store, model_server, tmp_path: Path) -> None:
    server, _ = model_server
    at = _app().run()
    at.switch_page("pages/settings.py").run()
    at.selectbox[0].set_value("openai")
    at.text_input[0].input(server.base_url)
    at.text_input[1].input("test-model")
    _button(at, "Apply").click()
    at.run()
    _no_crash(at)
    assert at.session_state["settings_overrides"]["backend"] == "openai"
    _button(at, "Test connection").click()
    at.run()
    assert any("Connected" in s for s in _texts(at.success))
    assert any("COACH_BACKEND=openai" in c for c in _texts(at.code))
    at.text_input[3].input(str(tmp_path / "nowhere.yaml"))
    _button(at, "Apply").click()
    at.run()
    assert any("nowhere.yaml" in e and "not found" in e for e in _texts(at.error))
    assert at.session_state["settings_overrides"].get("policy_file") is None


# --- the compact card, the case facts and the fallback cause (issue #13) ----------------------

def _labelled(widgets, label: str):
    return next(w for w in widgets if w.label == label)


def test_case_facts_prefill_and_corrections() -> None:
    hebrew = Transcript.model_validate({"id": "h", "turns": [
        {"role": "customer", "text": HEBREW}]})
    policy = load_policy(REPO / "knowledge" / "compensation.yaml")
    read = panel.case_facts(hebrew, Assessment(language="he"), policy)
    assert (read.currency, read.order_value, read.tier) == ("ILS", None, "")
    assert panel.case_facts(hebrew, Assessment(language="en"), policy).currency == "USD"
    wrote_euros = Assessment(language="he", facts=Facts(amounts=[Money(amount=40,
                                                                       currency="EUR")]))
    assert panel.case_facts(hebrew, wrote_euros, policy).currency == "EUR"
    fixed = panel.CaseFacts("billing_error", read.severity, 3200.0, "ILS", "gold")
    changed = panel.with_facts(hebrew, fixed, read)
    assert changed.context == {"currency": "ILS", "order_value": 3200.0,
                               "corrections": {"issue_type": "billing_error"}}
    assert changed.customer.tier == "gold"
    back = panel.with_facts(changed, read, read)  # the agent undid the correction
    assert "corrections" not in back.context and back.customer.tier is None
    assert read.fields == {"nights": ""}  # the field the default policy's late-room rule reads
    nights = panel.with_facts(hebrew, replace(read, fields={"nights": "3"}), read)
    assert nights.context["nights"] == 3
    assert policy.decide(nights, Assessment(language="he", issue_type="delay", severity="high")
                         ).policy_id == "late-room-per-night"
    airline = load_policy(REPO / "examples" / "policies" / "airline.yaml")
    fields = panel.case_facts(hebrew, Assessment(), airline).fields
    assert {"passengers", "flight_status"} <= set(fields)



def test_an_unsure_guess_is_shown_but_the_offer_is_decided_as_other(db: Store) -> None:
    """The strip shows the issue the offer was decided on (`other`) and the reader's guess;
    choosing the guessed issue is then the agent's correction, and the offer follows it."""
    policy = load_policy(REPO / "knowledge" / "compensation.yaml")
    vague = Transcript.model_validate({"id": "v", "turns": [
        {"role": "customer", "text": "Not impressed."}]})
    guess = Assessment(issue_type="wrong_item", confidence=0.19,
                       issue_types=[IssueScore(type="wrong_item", confidence=0.19)])
    read = panel.case_facts(vague, guess, policy)
    assert (read.issue_type, read.guess) == ("other", "wrong_item")
    chosen = panel.with_facts(vague, replace(read, issue_type="wrong_item"), read)
    assert chosen.context["corrections"] == {"issue_type": "wrong_item"}
    vague = ["Not impressed.", "well that was a waste of an afternoon", "I'm speechless. Truly.",
             "We need to talk about what happened on Friday."]
    said = next(t for t in vague if (a := assess(Transcript.model_validate(
        {"turns": [{"role": "customer", "text": t}]}))).acted_issue != a.issue_type)
    at = _say(_app().run(), said)
    _no_crash(at)
    assert any(text.startswith("Best guess: ") for text in _texts(at.caption))

def test_corrections_outrank_the_reader(coach: Coach) -> None:
    transcript = _transcript(ENGLISH).model_copy(update={"context": {
        "order_value": 120, "currency": "USD",
        "corrections": {"issue_type": "billing_error", "severity": "critical", "x": "y"}}})
    suggestion = coach.suggest(transcript)
    assert suggestion.assessment.issue_type == "billing_error"
    assert suggestion.assessment.severity == "critical"
    assert suggestion.assessment.issue_types[0].type == "billing_error"


@pytest.mark.parametrize(("problem", "expected"), [
    ("APIConnectionError: Connection error. [Errno 111] Connection refused", "refused"),
    ("the model did not answer within the 8 s deadline", "did not answer in time"),
    ("model endpoint http://x skipped for another 25 s after 3 failures in a row (circuit open)",
     "is down"),
    ("the reply offers 500 USD; the policy gives 40 USD", "failed a check (the reply offers"),
])
def test_fallback_banner_names_the_cause(problem: str, expected: str) -> None:
    assert expected in panel.fallback_cause(["llm_fallback", f"llm_problem: {problem}"])
    assert panel.fallback_cause(["llm_repaired"]) is None


def test_card_offers_alternatives_and_the_role_toggle_adds_my_reply(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    _no_crash(at)
    stored = db.latest_suggestion(at.query_params["session"])
    if stored.suggestion.alternatives:  # chips switch the reply the card copies
        chips = at.pills(key=f"alt_{stored.id}")
        chips.set_value(1).run()
        assert at.code[0].value == stored.suggestion.alternatives[0].reply
    at = _say(at, "I am so sorry, let me check your order now.", as_agent=True)
    _no_crash(at)
    turns = db.transcript(at.query_params["session"]).turns
    assert [t.role for t in turns] == ["customer", "agent"]


def test_editing_the_order_value_and_currency_recomputes_the_offer(db: Store) -> None:
    at = _say(_app().run(), HEBREW)
    session = at.query_params["session"]
    _labelled(at.selectbox, "Issue").set_value("delay").run()  # the agent corrects the reader
    _no_crash(at)
    before = db.latest_suggestion(session).suggestion
    assert before.assessment.issue_type == "delay"
    assert db.transcript(session).context["corrections"] == {"issue_type": "delay"}
    _labelled(at.number_input, "Order value").set_value(3200.0).run()
    _labelled(at.selectbox, "Currency").set_value("ILS").run()
    _no_crash(at)
    after = db.latest_suggestion(session).suggestion.compensation
    assert db.transcript(session).context["order_value"] == 3200.0
    assert (after.currency, after.kind) == ("ILS", "credit") and after.amount
    assert after != before.compensation
    markdown = "\n".join(_texts(at.markdown))
    assert panel.offer_view(after).headline in markdown


def test_ending_a_conversation_writes_a_wrap_up_note(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    session = at.query_params["session"]
    stored = db.latest_suggestion(session)
    _button(at, "Used as is").click()
    at.run()
    _button(at, "End conversation — wrap-up note").click()
    at.run()
    _no_crash(at)
    note = db.transcript(session).context["wrap_up"]
    assert note.startswith("Complaint: delay")
    assert f"rule {stored.suggestion.compensation.policy_id}" in note
    assert "Last suggested reply: sent as suggested" in note
    assert note in _texts(at.code)  # shown with Streamlit's copy icon


def test_rejected_asks_why_and_offers_the_next_way_to_say_it(db: Store) -> None:
    at = _say(_app().run(), ENGLISH)
    stored = db.latest_suggestion(at.query_params["session"])
    _button(at, "Rejected").click()
    at.run()
    _no_crash(at)
    assert db.feedback(stored.id) == []  # nothing saved until the agent says why
    at.pills(key=f"reason_{stored.id}").set_value("too_long").run()
    _no_crash(at)
    saved = db.feedback(stored.id)
    assert [(f.verdict, f.reason) for f in saved] == [("rejected", "too_long")]
    assert len(db.transcript(at.query_params["session"]).turns) == 1  # not sent
    assert "Saved as rejected (too long)" in " ".join(s.value for s in at.success)
    assert stored.suggestion.alternatives  # the card now shows the next way to say it
    assert at.pills(key=f"alt_{stored.id}").value == 1
    assert at.code[0].value == stored.suggestion.alternatives[0].reply


def test_the_tracker_counts_an_agent_message_at_once(coach: Coach, db: Store) -> None:
    """No new suggestion is made after the agent's own message, yet the tracker shows it."""
    at = _say(_app().run(), ENGLISH)
    session = at.query_params["session"]
    shown = db.latest_suggestion(session)
    before = {s.stage: s.status for s in tracker.tracker_now(coach, db.transcript(session), shown)}
    assert before[Stage.apologize] != "done"
    _say(at, "I'm so sorry, that is our fault and I apologize.", as_agent=True)
    assert db.latest_suggestion(session).id == shown.id
    now = {s.stage: s.status for s in tracker.tracker_now(coach, db.transcript(session), shown)}
    assert now[Stage.apologize] == "done"
