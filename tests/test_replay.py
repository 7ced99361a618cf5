"""Trainer replay end to end: planted mistakes found at the right turn, reports, batches, CLI."""

from __future__ import annotations

import csv
import json
import random
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from assistant.cli.replay import replay as replay_command
from assistant.critic.rubric import CRITERIA
from assistant.errors import InputError
from assistant.models import Suggestion, Transcript
from assistant.read.transcripts import load_transcripts
from assistant.replay.report import render_replay
from assistant.replay.runner import replay_batch, replay_transcript
from tests.conftest import ABCD, needs_abcd
from tests.test_rubric import BROKEN_GLASSES, DOUBLE_CHARGE, LANGS, double_charge, glasses

EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.IGNORECASE)
RTL_ELEMENT = re.compile(r'<[a-z]+\s[^>]*dir="rtl"')


def _write(path: Path, data: object) -> Path:
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def _turn(result, index: int):
    return next(t for t in result.turns if t.index == index)


# --- one conversation ---------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_replay_flags_the_minimizing_turn_and_praises_the_apology(coach, lang: str) -> None:
    result = replay_transcript(glasses(lang), coach)
    assert [t.index for t in result.turns] == [1, 3]
    minimizing = _turn(result, 3)
    assert minimizing.scores["minimize"] == 0.0
    quotes = [i.quote for i in minimizing.issues if i.criterion == "minimize"]
    assert quotes and all(q in BROKEN_GLASSES[lang][3] for q in quotes)
    apology = _turn(result, 1)
    assert apology.scores["apologize"] == 1.0
    assert apology.feedback.startswith("Well done")
    assert not apology.issues
    assert (result.best_turn, result.worst_turn) == (1, 3)


@pytest.mark.parametrize("lang", LANGS)
def test_replay_flags_the_early_offer_and_the_empty_promise(coach, lang: str) -> None:
    result = replay_transcript(double_charge(lang), coach)
    assert _turn(result, 1).scores["acknowledge"] == 0.0
    assert "before acknowledging" in _turn(result, 1).reasons["acknowledge"]
    assert _turn(result, 3).scores["next_step"] == 0.0
    assert result.language == lang


@pytest.mark.parametrize("lang", LANGS)
def test_each_suggestion_sees_only_the_turns_before_it(coach, lang: str) -> None:
    full = replay_transcript(glasses(lang), coach)
    cut = replay_transcript(glasses(lang).upto(2), coach)
    first, alone = _turn(full, 1).suggestion, _turn(cut, 1).suggestion
    assert first is not None and alone is not None
    assert first.reply == alone.reply and first.compensation == alone.compensation
    assert first.language == lang
    assert _turn(full, 3).suggestion.reply != first.reply


def test_replay_json_follows_the_contract(coach) -> None:
    result = replay_transcript(double_charge("en"), coach)
    data = json.loads(json.dumps(result.to_json()))
    assert data["id"] == "charge-en" and 0.0 <= data["overall"] <= 1.0
    for turn in data["turns"]:
        assert {"index", "text", "scores", "issues", "suggestion", "feedback"} <= turn.keys()
        assert set(turn["scores"]) <= set(CRITERIA)
        assert all(0.0 <= s <= 1.0 for s in turn["scores"].values())
        for issue in turn["issues"]:  # policy_breach is optional (contract §4, 2026-12)
            assert {"criterion", "quote"} <= set(issue) <= {"criterion", "quote", "policy_breach"}
            if "policy_breach" in issue:
                assert issue["criterion"] == "restitution"
                assert set(issue["policy_breach"]) == {"kind", "offered", "allowed", "rule"}
        Suggestion.model_validate(turn["suggestion"])
        assert turn["feedback"] and "\n" not in turn["feedback"]
    assert data["best_turn"] in (1, 3) and data["worst_turn"] in (1, 3, None)


def test_a_conversation_without_agent_turns_cannot_be_replayed(coach) -> None:
    lonely = Transcript(id="lonely", turns=[{"role": "customer", "text": "Hello? Anyone?"}])
    with pytest.raises(InputError, match="no agent turn"):
        replay_transcript(lonely, coach)


@needs_abcd
def test_abcd_dialogues_replay(coach) -> None:
    transcripts = [t for t in load_transcripts(ABCD / "abcd_sample.json")
                   if isinstance(t, Transcript)]
    assert transcripts
    result = replay_transcript(transcripts[0], coach)
    assert len(result.turns) == len(transcripts[0].agent_turns())
    greeting = result.turns[0]
    assert greeting.index == 0 and greeting.suggestion is None
    assert set(greeting.scores) == {"minimize", "excuse", "blame"}
    assert any(t.suggestion for t in result.turns)
    assert result.best_turn != 0  # a greeting owes nothing; it is not the trainee's best work


# --- HTML report --------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_html_report_is_self_contained_and_right_to_left_for_he_fa(coach, lang: str) -> None:
    convo = glasses(lang)
    page = render_replay(replay_transcript(convo, coach), convo)
    assert not EXTERNAL.search(page)
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert "<svg" in page and "Agent said" in page and "Coach suggests" in page
    assert bool(RTL_ELEMENT.search(page)) == (lang in ("he", "fa"))


def test_html_report_escapes_hostile_text(coach) -> None:
    convo = Transcript(id="<b>x</b>", turns=[
        {"role": "customer", "text": "<script>alert('pwned')</script> my order is late"},
        {"role": "agent", "text": '<img src="http://evil.example/x.png" onerror="steal()">'},
    ])
    page = render_replay(replay_transcript(convo, coach), convo)
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    assert "<img" not in page and not EXTERNAL.search(page)
    assert "&lt;b&gt;x&lt;/b&gt;" in page


# --- batches ------------------------------------------------------------------------------------

def _good(n: int, rng: random.Random, short: bool = False) -> dict:
    lang = LANGS[n % 3]
    texts = (BROKEN_GLASSES if n % 2 else DOUBLE_CHARGE)[lang]
    length = 2 if short else 4 if n % 2 else rng.choice([2, 4])  # glasses chats reach turn 3
    return {"id": f"c{n}", "language": lang, "agent": {"name": f"agent-{n % 4}"},
            "context": {"order_value": 120, "currency": "USD"},
            "turns": [{"role": "customer" if i % 2 == 0 else "agent", "text": t}
                      for i, t in enumerate(texts[:length])]}


BROKEN = {
    "wrong.json": b'{"id": "x", "turns": [',
    "latin1.txt": "Customer: caf\xe9 cr\xe8me br\xfbl\xe9e".encode("latin-1"),
    "empty.json": b"",
    "blank.txt": b"   \n\n",
    "no_turns.json": b'{"id": "y"}',
    "bad_role.json": b'{"turns": [{"role": "robot", "text": "beep"}]}',
    "only_customer.json": b'{"turns": [{"role": "customer", "text": "hello?"}]}',
    "binary.csv": b"\x00\x01\x02\xff",
}


def _corpus(folder: Path, good: int, copies_of_broken: int, short: bool = False) -> int:
    """Good transcripts plus broken files of every kind; returns how many are broken."""
    rng = random.Random(7)
    folder.mkdir()
    for n in range(good):
        _write(folder / f"good-{n:04d}.json", _good(n, rng, short))
    for copy in range(copies_of_broken):
        for name, data in BROKEN.items():
            (folder / f"{copy:03d}-{name}").write_bytes(data)
    return copies_of_broken * len(BROKEN)


@needs_abcd
def test_batch_reports_broken_files_and_finishes_the_rest(coach, tmp_path: Path) -> None:
    broken = _corpus(tmp_path / "in", good=12, copies_of_broken=1)
    _write(tmp_path / "in" / "abcd.json", json.loads((ABCD / "abcd_sample.json").read_text()))
    seen = []
    batch = replay_batch([tmp_path / "in"], coach, tmp_path / "out", progress=False,
                         on_result=seen.append)
    summary = batch.summary
    abcd = len([t for t in load_transcripts(ABCD / "abcd_sample.json")
                if isinstance(t, Transcript)])
    assert summary.conversations == len(seen) == 12 + abcd
    assert len(batch.failures) == broken
    assert {Path(f.source).name.split("-", 1)[1] for f in batch.failures} == set(BROKEN)
    out = tmp_path / "out"
    for row in summary.rows:
        assert (out / row.report).is_file() and (out / row.report).with_suffix(".json").is_file()
    assert {g.key for g in summary.by_agent} == {f"agent-{i}" for i in range(4)}
    assert {g.key for g in summary.by_language} == {"en", "he", "fa"}
    assert summary.by_issue_type
    minimize = next(f for f in summary.top_failures if f.criterion == "minimize")
    assert minimize.count >= 3 and minimize.quotes
    with (out / "summary.csv").open(encoding="utf-8") as fh:
        sections = {row["section"] for row in csv.DictReader(fh)}
    assert {"overall", "agent", "issue_type", "criterion", "top_failure", "skipped"} <= sections
    page = (out / "summary.html").read_text(encoding="utf-8")
    assert "Most frequent failures" in page and not EXTERNAL.search(page)


def test_reports_written_inside_the_input_folder_are_not_read_back(coach, tmp_path: Path) -> None:
    _write(tmp_path / "case.v2.json", {**glasses("en").model_dump(mode="json"), "id": "case.v2"})
    for _ in range(2):
        batch = replay_batch([tmp_path], coach, tmp_path / "reports", progress=False)
        assert batch.summary.conversations == 1 and not batch.failures
    assert {p.name for p in (tmp_path / "reports").glob("case*")} == {"case.v2.html",
                                                                     "case.v2.json"}


@pytest.mark.slow
def test_batch_of_a_thousand_files_with_broken_ones_never_crashes(coach, tmp_path: Path) -> None:
    broken = _corpus(tmp_path / "in", good=1000 - 25 * len(BROKEN), copies_of_broken=25,
                     short=True)
    batch = replay_batch([tmp_path / "in"], coach, tmp_path / "out", progress=False)
    assert batch.summary.conversations == 1000 - broken
    assert len(batch.failures) == broken
    assert len(list((tmp_path / "out").glob("*.html"))) == 1000 - broken + 1  # + summary


# --- command line -------------------------------------------------------------------------------

@pytest.fixture
def cli(coach, monkeypatch: pytest.MonkeyPatch):
    """The `replay` command with the session's coach (no index rebuild per test)."""
    from assistant import coach as coach_module

    monkeypatch.setattr(coach_module.Coach, "load", classmethod(lambda cls, *a, **k: coach))
    runner = CliRunner()
    return lambda *args: runner.invoke(replay_command, [str(a) for a in args])


def test_cli_prints_a_readable_per_turn_summary(cli, tmp_path: Path) -> None:
    result = cli(_write(tmp_path / "glasses.json", glasses("en").model_dump(mode="json")))
    assert result.exit_code == 0, result.output
    assert "turn 3" in result.output and "minimize" in result.output
    assert "worst turn 3" in result.output


def test_cli_json_is_an_object_for_one_and_a_list_for_a_folder(cli, tmp_path: Path) -> None:
    one = cli(_write(tmp_path / "a.json", glasses("he").model_dump(mode="json")), "--json")
    assert one.exit_code == 0 and json.loads(one.stdout)["id"] == "glasses-he"
    _write(tmp_path / "b.json", double_charge("fa").model_dump(mode="json"))
    many = cli(tmp_path, "--json")
    assert many.exit_code == 0
    assert {r["id"] for r in json.loads(many.stdout)} == {"glasses-he", "charge-fa"}
    lines = tmp_path / "two.jsonl"
    lines.write_text("\n".join(t.model_dump_json() for t in (glasses("en"), double_charge("he"))),
                     encoding="utf-8")
    both = cli(lines, "--json")
    assert [r["id"] for r in json.loads(both.stdout)] == ["glasses-en", "charge-he"]


def test_cli_out_writes_html_and_json_for_a_file(cli, tmp_path: Path) -> None:
    source = _write(tmp_path / "a.json", glasses("fa").model_dump(mode="json"))
    result = cli(source, "--out", tmp_path / "report.html")
    assert result.exit_code == 0, result.output
    assert RTL_ELEMENT.search((tmp_path / "report.html").read_text(encoding="utf-8"))
    assert json.loads((tmp_path / "report.json").read_text(encoding="utf-8"))["id"] == "glasses-fa"


def test_cli_out_writes_a_folder_and_summary_for_a_folder(cli, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    _write(tmp_path / "in" / "a.json", glasses("en").model_dump(mode="json"))
    (tmp_path / "in" / "bad.json").write_text("{oops", encoding="utf-8")
    result = cli(tmp_path / "in", "--out", tmp_path / "out")
    assert result.exit_code == 2  # like `coach suggest`: the good file is done, the bad one said
    assert "bad.json" in result.stderr
    assert {p.name for p in (tmp_path / "out").iterdir()} >= {
        "glasses-en.html", "glasses-en.json", "summary.csv", "summary.html", "summary.json"}


@pytest.mark.parametrize("content", [None, b"", b"{not json", b'{"turns": [{"role": "customer", '
                                     b'"text": "hi"}]}'])
def test_cli_exits_2_when_nothing_can_be_replayed(cli, tmp_path: Path, content) -> None:
    path = tmp_path / "input.json"
    if content is not None:
        path.write_bytes(content)
    result = cli(path)
    assert result.exit_code == 2
    assert result.stderr.startswith("error:")


# --- the Replay page ----------------------------------------------------------------------------

def test_replay_page_steps_through_an_example(coach, monkeypatch: pytest.MonkeyPatch) -> None:
    from streamlit.testing.v1 import AppTest

    from assistant.settings import get_settings
    from tests.conftest import REPO

    monkeypatch.setenv("COACH_HOME", str(coach.settings.home))  # the session's built index
    get_settings.cache_clear()
    at = AppTest.from_file(str(REPO / "ui" / "app.py"), default_timeout=180).run()
    at.switch_page("pages/replay.py").run()
    assert not at.exception
    example = next(o for o in at.selectbox(key="replay_example").options
                   if o.endswith("en_damaged_parcel.json"))
    at.selectbox(key="replay_example").set_value(REPO / "examples" / example).run()
    assert not at.exception, [e.value for e in at.exception]
    assert [m.label for m in at.metric] == ["Overall", "Best turn", "Worst turn",
                                            "Policy breaches"]
    parcel = load_transcripts(REPO / "examples" / "en_damaged_parcel.json")[0]
    agent_turns = [i for i, t in enumerate(parcel.turns) if t.role == "agent"]
    assert len(at.get("vega_lite_chart")) == 2  # the turns' scores and the heatmap
    if len(agent_turns) > 1:
        slider = at.select_slider(key=f"replay_turn_{parcel.id}")
        assert f"#{slider.value}" == at.metric[2].value  # it opens on the worst turn
        slider.set_value(agent_turns[0]).run()
        assert not at.exception
    assert any(f"Agent turn #{agent_turns[0]}" in m.value for m in at.markdown)
    assert len(at.dataframe) == 1
    assert len(at.get("download_button")) == 2
