"""The trained reader: its corpus loader, artifact, reading, facts and gate."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.errors import DataFileError
from assistant.models import IssueType, Risk, Step, Transcript, Turn
from assistant.read.assessment import assess, reply_steps
from assistant.read.audit import CueScore, audit_cues
from assistant.read.card import check_gate
from assistant.read.corpus import load_corpus
from assistant.read.facts import channel_tried, order_ref, times
from assistant.read.lexicon import get_lexicon, lexicon_path
from assistant.read.reader import (
    ARTIFACT_FILE,
    ReaderError,
    artifact_stamp,
    current_reader,
    load_reader,
)
from assistant.read.signals import Doc
from assistant.read.training import split_of, train

REPO = Path(__file__).resolve().parent.parent
READER_DIR = REPO / "knowledge" / "reader"
DEV_SET = REPO.parent / "shared" / "datasets" / "real-dev" / "real_dev.jsonl"

CUSTOMER = {"id": "en-c-0001", "language": "en", "role": "customer", "channel": "chat",
            "text": "You lost my suitcase and I want my money back.",
            "issue_types": ["lost_item"], "safety": False, "asked_for_compensation": True,
            "wants": ["refund"], "churn": False, "public_post": False, "legal_threat": False,
            "company_at_fault": "true", "emotion": "angry", "intensity": 0.7,
            "harm": "You lost my suitcase", "source": "project-authored", "licence": "Apache-2.0"}
AGENT = {"id": "en-a-0001", "language": "en", "role": "agent",
         "text": "I'm so sorry, that was our mistake.", "acts": ["apology", "ownership"],
         "source": "project-authored", "licence": "Apache-2.0"}


def _corpus(directory: Path, customer: list[dict], agent: list[dict] | None = None) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    shutil.copy(READER_DIR / "corpus.schema.json", directory / "corpus.schema.json")
    lines = "\n".join(json.dumps(row, ensure_ascii=False) for row in customer)
    (directory / "customer_en.jsonl").write_text(lines + "\n", encoding="utf-8")
    if agent is not None:
        lines = "\n".join(json.dumps(row, ensure_ascii=False) for row in agent)
        (directory / "agent_en.jsonl").write_text(lines + "\n", encoding="utf-8")
    return directory


# -- the corpus ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("change", "field"), [
    ({"issue_types": ["late"]}, "issue_types.0"),
    ({"safety": "no"}, "safety"),
    ({"harm": "words that are not in the text"}, "harm"),
    ({"language": "he"}, "language"),
    ({"licence": None}, "licence"),
    ({"extra": 1}, "extra"),
])
def test_a_bad_corpus_row_is_rejected_with_file_line_and_field(tmp_path: Path, change: dict,
                                                                field: str) -> None:
    good = dict(CUSTOMER)
    bad = {**CUSTOMER, "id": "en-c-0002", **change}
    if change.get("licence", "") is None:
        del bad["licence"]
    directory = _corpus(tmp_path, [good, bad])
    with pytest.raises(DataFileError) as caught:
        load_corpus(directory)
    assert f"customer_en.jsonl:2: field '{field}'" in str(caught.value)


def test_a_duplicate_id_and_broken_json_are_rejected(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match=r"customer_en.jsonl:2: field 'id': en-c-0001"):
        load_corpus(_corpus(tmp_path / "a", [CUSTOMER, CUSTOMER]))
    directory = _corpus(tmp_path / "b", [CUSTOMER])
    with (directory / "customer_en.jsonl").open("a", encoding="utf-8") as handle:
        handle.write('{"id": "en-c-0003", "text": \n')
    with pytest.raises(DataFileError, match=r"customer_en.jsonl:2: not valid JSON"):
        load_corpus(directory)


def test_the_shipped_corpus_loads_and_splits_by_id() -> None:
    corpus = load_corpus(READER_DIR)
    assert {row.language for row in corpus.customer} == {"en", "he", "fa"}
    assert split_of("en-c-0001") == split_of("en-c-0001")
    splits = [split_of(row.id) for row in corpus.customer]
    assert 0.10 < splits.count("heldout") / len(splits) < 0.20


# -- the artifact ----------------------------------------------------------------------------------

def _tiny_reader(tmp_path: Path):
    rows = []
    for n in range(40):
        lost = n % 2 == 0
        text = (f"You lost my suitcase number {n} on the flight, I want a refund." if lost
                else f"My parcel {n} is three days late and nobody answers.")
        rows.append({**CUSTOMER, "id": f"en-c-{n:04d}", "text": text,
                     "issue_types": ["lost_item"] if lost else ["delay"],
                     "asked_for_compensation": lost, "harm": text.split(",")[0]})
    agent = [{**AGENT, "id": f"en-a-{n:04d}"} for n in range(6)]
    directory = _corpus(tmp_path / "reader", rows, agent)
    corpus = load_corpus(directory)
    stamp = artifact_stamp(corpus.digest, lexicon_path())
    reader, _ = train(corpus, get_lexicon(), stamp)
    reader.save(directory / ARTIFACT_FILE)
    return directory, corpus, stamp


def test_training_is_deterministic_and_the_artifact_round_trips(tmp_path: Path) -> None:
    directory, _, stamp = _tiny_reader(tmp_path / "one")
    again, _, _ = _tiny_reader(tmp_path / "two")
    reader = load_reader(directory / ARTIFACT_FILE, stamp)
    twin = load_reader(again / ARTIFACT_FILE, stamp)
    for key, heads in reader.heads.items():
        assert (heads.weights == twin.heads[key].weights).all()
        assert (heads.thresholds == twin.heads[key].thresholds).all()
    heads = reader.get("en", "customer")
    proba = heads.proba(["They lost my suitcase on the flight"], get_lexicon())[0]
    names = list(heads.names)
    assert proba[names.index("issue:lost_item")] > proba[names.index("issue:delay")]


def test_a_stale_artifact_is_refused(tmp_path: Path) -> None:
    directory, _, stamp = _tiny_reader(tmp_path)
    with (directory / "customer_en.jsonl").open("a", encoding="utf-8") as handle:
        handle.write(json.dumps({**CUSTOMER, "id": "en-c-0999"}) + "\n")
    fresh = artifact_stamp(load_corpus(directory).digest, lexicon_path())
    assert fresh != stamp
    with pytest.raises(ReaderError, match="stale"):
        load_reader(directory / ARTIFACT_FILE, fresh)
    assert current_reader(directory.parent, lexicon_path()) is None  # lexicon only, no crash
    with pytest.raises(ReaderError, match="coach reader train"):
        load_reader(tmp_path / "missing.npz")


def test_the_shipped_artifact_matches_the_shipped_corpus() -> None:
    assert current_reader(REPO / "knowledge", lexicon_path()) is not None, (
        "knowledge/reader/reader.npz is stale: run `coach reader train`")


# -- reading ---------------------------------------------------------------------------------------

def _said(*texts: str, lang: str = "en") -> Transcript:
    return Transcript(language=lang, turns=[Turn(role="customer", text=t) for t in texts])


def test_an_injury_in_everyday_words_is_safety_and_never_weaker_than_the_lexicon() -> None:
    a = assess(_said("My daughter bit into the sandwich and there was a piece of glass in it, "
                     "her mouth was bleeding."))
    assert a.safety and a.issue_type == IssueType.safety and Risk.safety in a.risks
    plain = assess(_said("The heater caught fire in the living room."), reader=None)
    read = assess(_said("The heater caught fire in the living room."))
    assert plain.safety and read.safety


@pytest.mark.parametrize(("lang", "text"), [
    ("en", "the delivery guy was rude and threw the box at my door, it hit my toddler on the head"),
    ("he", "השליח זרק את החבילה והיא פגעה לבת שלי בראש, והוא עוד היה חצוף"),
    ("he", "הקומקום נשפך ונכוותי ביד"),
    ("fa", "پیک بسته رو پرت کرد و خورد تو سر بچم، تازه بی ادبی هم کرد"),
    ("fa", "تو غذا شیشه بود و دهن بچم برید"),
])
def test_someone_hurt_beside_a_rude_courier_or_a_spilt_kettle_is_safety(lang: str,
                                                                         text: str) -> None:
    """Hurt told beside another complaint (a rude courier) is still safety, however the reader
    weighs the rest: the lexicon's injury cues are its high-precision override."""
    assert assess(_said(text, lang=lang)).safety


def test_the_richer_assessment_has_issue_types_harm_and_facts() -> None:
    text = ("Order #A12345: I called three times and waited 2 hours on hold. You charged me "
            "$89.99 twice and I want the extra charge refunded.")
    a = assess(_said(text))
    assert a.issue_types and a.issue_types[0].type == a.issue_type
    assert 0.0 <= a.confidence <= 1.0
    assert all(text[h.start:h.end] == h.text and h.turn == 0 for h in a.harm) and a.harm
    assert a.facts.order_ref == "A12345"
    assert a.facts.channel_tried == "phone"
    assert "2 hours" in a.facts.times
    assert [(m.amount, m.currency) for m in a.facts.amounts] == [(89.99, "USD")]
    assert a.asked_for_compensation


def test_lexicon_only_still_reads(tmp_path: Path) -> None:
    a = assess(_said("My parcel is two weeks late!"), reader=None)
    assert a.issue_type == IssueType.delay and a.issue_types[0].type == IssueType.delay
    # Without the reader the lexicon's clause names the harm (assistant.read.harm).
    assert [span.text for span in a.harm] == ["My parcel is two weeks late!"]


def test_agent_acts_add_steps_the_lexicon_misses() -> None:
    assert Step.apologized in reply_steps(Doc("I'm so sorry, this was entirely our mistake.", "en"))
    assert Step.apologized not in reply_steps(Doc("Your parcel is in the depot.", "en"))


@pytest.mark.parametrize(("text", "ref"), [
    ("my order number is 88231 and nothing", "88231"),
    ("order #88231 never came", "88231"),
    ("booking ref: XK29QF", "XK29QF"),
    ("flight UA 123 was late", "UA123"),
    ("מספר הזמנה 445566 לא הגיע", "445566"),
    ("شماره سفارش 123456 هنوز نرسیده", "123456"),
    ("I waited for hours", None),
])
def test_order_references(text: str, ref: str | None) -> None:
    assert order_ref(text) == ref


def test_times_and_channels() -> None:
    assert times("waited 3 hours, then two days, at 5:30 pm on Dec 17th") == [
        "3 hours", "2 days", "5:30 pm", "Dec 17"]
    assert times("חיכיתי שבועיים ועוד 3 ימים") == ["2 weeks", "3 days"]
    assert channel_tried("I emailed you twice") == "email"
    assert channel_tried("התקשרתי למוקד") == "phone"
    assert channel_tried("nothing tried") is None


# -- the gate --------------------------------------------------------------------------------------

def test_the_gate_reports_minimums_and_maximums(tmp_path: Path) -> None:
    gate = tmp_path / "gate.yaml"
    gate.write_text("heldout:\n  en:\n    primary_in_gold: 0.8\n"
                    "    labels.safety.false_alarm_max: 0.05\ndev:\n  en:\n    x: 1\n",
                    encoding="utf-8")
    figures = {"heldout": {"en": {"primary_in_gold": 0.7,
                                  "labels": {"safety": {"false_alarm": 0.1}}}}}
    assert check_gate(figures, gate) == ["heldout.en.primary_in_gold: 0.7 < 0.8",
                                         "heldout.en.labels.safety.false_alarm_max: 0.1 > 0.05"]


@pytest.mark.skipif(not DEV_SET.is_file(), reason="../shared/datasets/real-dev is not beside "
                    "this checkout")
def test_the_development_set_is_read_without_copying_its_texts() -> None:
    from assistant.read.measure import dev_report

    report = dev_report(None, DEV_SET, REPO / "evals" / "real_dev" / "labels.jsonl")
    assert report["all"]["items"] == 262


def test_reading_time_tfidf_matches_scikit_learn() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from assistant.read.ngrams import WORD_TOKEN
    from assistant.read.reader import CHAR_NGRAMS, WORD_NGRAMS, vectorizer

    texts = ["my  bag never arrived!! a b", "המזוודה לא הגיעה, חיכיתי 3 שעות",
             "چمدانم نرسید و کسی جواب نمیده", "a", "bag bag bag arrived never"]
    for analyzer, ngrams in (("char_wb", CHAR_NGRAMS), ("word", WORD_NGRAMS)):
        fitted = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True,
                                 lowercase=False,
                                 token_pattern=WORD_TOKEN.pattern if analyzer == "word" else None
                                 ).fit(texts)
        ours = vectorizer(analyzer, list(fitted.get_feature_names_out()), fitted.idf_)
        probe = [*texts, "never seen  words here"]
        assert abs(ours.transform(probe) - fitted.transform(probe)).max() < 1e-5


@given(st.text(max_size=60))
@settings(max_examples=300, deadline=None)
def test_normalise_collapses_every_digit_and_keeps_every_other_character(text: str) -> None:
    from assistant.read.language import fold
    from assistant.read.reader import normalise

    folded = fold(text).text
    assert normalise(text) == "".join("0" if ch.isdigit() else ch for ch in folded)


# -- the cue audit ---------------------------------------------------------------------------------

def _row(n: int, text: str, issue: str) -> dict:
    return {**CUSTOMER, "id": f"en-c-{n:04d}", "text": text, "issue_types": [issue],
            "harm": text.split(",")[0]}


AUDIT_ROWS = [_row(1, "still waiting, and you charged me twice for it", "billing_error"),
              _row(2, "still waiting for my parcel, it's been two weeks", "delay"),
              _row(3, "still waiting for my refund, three weeks now", "billing_error")]


def test_the_audit_scores_a_cue_by_the_labels_of_the_rows_it_fires_on(tmp_path: Path) -> None:
    """A refund still awaited is one of delay's look-alikes (`unless`): it is no hit."""
    rows = load_corpus(_corpus(tmp_path, AUDIT_ROWS)).customer
    scores = audit_cues(rows, get_lexicon(), "en", min_hits=1)
    assert CueScore("issues.delay", "still waiting", 2, 0.5) in scores
    assert scores == sorted(scores, key=lambda s: (s.precision, -s.hits))


def test_coach_reader_audit_lists_the_cues_below_the_bar(tmp_path: Path) -> None:
    knowledge = tmp_path / "knowledge"
    _corpus(knowledge / "reader", AUDIT_ROWS)
    shutil.copy(lexicon_path(), knowledge / "signals.yaml")
    result = subprocess.run(
        [sys.executable, "-m", "assistant", "reader", "audit", "--lang", "en", "--below", "0.6",
         "--min-hits", "2"], capture_output=True, text=True, cwd=REPO, timeout=120,
        env={**os.environ, "COACH_HOME": str(tmp_path / "home"),
             "COACH_KNOWLEDGE_DIR": str(knowledge)})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["en", "issues.delay", "0.50", "of", "2", "rows", "still",
                                     "waiting"]
