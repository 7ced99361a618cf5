"""The playbook data: every practice valid, the seeds fully covered, the three languages real, and
the retrieval eval set consistent with the practices it names."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
import yaml

from assistant.errors import DataFileError
from assistant.knowledge.practices import (
    SEED_NAMES,
    SOURCES_FILE,
    Practice,
    Source,
    load_practices,
    load_source_names,
)
from assistant.models import LANGUAGES, Stage

REPO = Path(__file__).resolve().parent.parent
PRACTICES_DIR = REPO / "knowledge" / "practices"
QUERIES = REPO / "evals" / "retrieval" / "queries.yaml"

HEBREW = re.compile(r"[\u0590-\u05ff]")
ARABIC_SCRIPT = re.compile(r"[\u0600-\u06ff]")
ARABIC_ONLY_LETTERS = re.compile(r"[يكة]")  # Persian writes ی, ک and ه


@pytest.fixture(scope="module")
def practices() -> list[Practice]:
    return load_practices(PRACTICES_DIR)


@pytest.fixture(scope="module")
def queries() -> list[dict]:
    return yaml.safe_load(QUERIES.read_text(encoding="utf-8"))


def _cases(practices: list[Practice], seed_prefix: str) -> set[str]:
    return {s.case for p in practices for s in p.sources if s.seed.startswith(seed_prefix)}


def _phrases(practice: Practice, lang: str) -> list[str]:
    return getattr(practice.do, lang) + getattr(practice.dont, lang)


# --- the practices --------------------------------------------------------------------------


def test_enough_practices_with_unique_ids_matching_their_files(practices):
    assert len(practices) >= 26
    assert len({p.id for p in practices}) == len(practices)
    for path in PRACTICES_DIR.glob("*.yaml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert data["id"] == path.stem, f"{path.name}: id {data['id']!r} differs from file name"


def test_every_seed_is_cited(practices):
    cited = {s.seed for p in practices for s in p.sources}
    assert cited >= SEED_NAMES, f"never cited: {sorted(SEED_NAMES - cited)}"


def test_the_ten_common_mistakes_are_all_covered(practices):
    cases = _cases(practices, "001_")
    numbers = {int(m[1]) for c in cases if (m := re.fullmatch(r"ten common mistakes #(\d+)", c))}
    assert numbers == set(range(1, 11))


def test_the_six_steps_are_all_covered(practices):
    cases = _cases(practices, "003_")
    numbers = {int(m[1]) for c in cases if (m := re.fullmatch(r"six steps #(\d)", c))}
    assert numbers == set(range(1, 7))


@pytest.mark.parametrize(
    ("seed_prefix", "case_word"),
    [("000_", "Disney late room"), ("003_", "United Breaks Guitars"),
     ("002_", "the neighbour story"), ("004_", "Dell panels"), ("004_", "Zappos")],
)
def test_named_cases_are_cited_from_the_seed_that_tells_them(practices, seed_prefix, case_word):
    assert any(case_word in case for case in _cases(practices, seed_prefix))
    others = {s.seed for p in practices for s in p.sources if case_word in s.case}
    assert all(seed.startswith(seed_prefix) for seed in others), others


def test_practically_every_stage_is_used(practices):
    unused = set(Stage) - {p.stage for p in practices}
    assert len(unused) <= 1, f"stages without a practice: {sorted(unused)}"


def test_two_to_four_phrases_per_language(practices):
    for p in practices:
        for kind in ("do", "dont"):
            for lang in LANGUAGES:
                count = len(getattr(getattr(p, kind), lang))
                assert 2 <= count <= 4, f"{p.id}: {kind}.{lang} has {count} phrases"


def test_hebrew_phrases_are_hebrew(practices):
    for p in practices:
        for phrase in [*_phrases(p, "he"), p.title.he, p.principle.he]:
            assert HEBREW.search(phrase), f"{p.id}: not Hebrew: {phrase!r}"
            assert not ARABIC_SCRIPT.search(phrase), f"{p.id}: Arabic script in he: {phrase!r}"


def test_persian_phrases_are_persian_not_hebrew_or_arabic_spelling(practices):
    for p in practices:
        keywords = p.keywords.fa if p.keywords else []
        for phrase in _phrases(p, "fa") + keywords + [p.title.fa, p.principle.fa]:
            assert ARABIC_SCRIPT.search(phrase), f"{p.id}: not Persian: {phrase!r}"
            assert not HEBREW.search(phrase), f"{p.id}: Hebrew in fa: {phrase!r}"
            assert not ARABIC_ONLY_LETTERS.search(phrase), f"{p.id}: Arabic ي/ك/ة in fa: {phrase!r}"


def test_english_phrases_are_english(practices):
    for p in practices:
        for phrase in [*_phrases(p, "en"), p.title.en, p.principle.en]:
            assert not HEBREW.search(phrase) and not ARABIC_SCRIPT.search(phrase), phrase


def test_do_and_dont_never_overlap(practices):
    for p in practices:
        for lang in LANGUAGES:
            both = set(getattr(p.do, lang)) & set(getattr(p.dont, lang))
            assert not both, f"{p.id}: {lang} phrase is both do and dont: {both}"


# --- bad files are rejected, naming the file and the field -----------------------------------


def _valid_practice() -> dict:
    return yaml.safe_load((PRACTICES_DIR / "never-minimize.yaml").read_text(encoding="utf-8"))


def _missing_principle(data: dict) -> None:
    del data["principle"]


def _unknown_stage(data: dict) -> None:
    data["stage"] = "refund"


def _unknown_seed(data: dict) -> None:
    data["sources"][0]["seed"] = "005_not_a_seed.txt"


def _missing_persian_title(data: dict) -> None:
    del data["title"]["fa"]


def _empty_dont_list(data: dict) -> None:
    data["dont"]["he"] = []


@pytest.mark.parametrize(
    ("breaks", "field"),
    [(_missing_principle, "principle"), (_unknown_stage, "stage"),
     (_unknown_seed, "sources.0.seed"), (_missing_persian_title, "title.fa"),
     (_empty_dont_list, "dont.he")],
)
def test_a_broken_practice_names_its_file_and_field(tmp_path, breaks, field):
    data = _valid_practice()
    breaks(data)
    (tmp_path / "broken.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_practices(tmp_path)
    assert caught.value.path.endswith("broken.yaml")
    assert caught.value.field == field
    assert "broken.yaml" in str(caught.value) and field in str(caught.value)


def test_an_unknown_placeholder_in_a_do_phrase_is_rejected(tmp_path):
    data = _valid_practice()
    data["do"]["en"][0] = "Hi {customer}, I'm on it."
    (tmp_path / "placeholder.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), "utf-8")
    with pytest.raises(DataFileError, match=r"placeholder\.yaml.*do\.en"):
        load_practices(tmp_path)


def test_a_duplicate_id_is_rejected(tmp_path):
    text = (PRACTICES_DIR / "never-minimize.yaml").read_text(encoding="utf-8")
    (tmp_path / "a.yaml").write_text(text, "utf-8")
    (tmp_path / "b.yaml").write_text(text, "utf-8")
    with pytest.raises(DataFileError) as caught:
        load_practices(tmp_path)
    assert caught.value.field == "id" and caught.value.path.endswith("b.yaml")


# --- the retrieval eval set ------------------------------------------------------------------


def test_queries_cover_each_language(queries):
    counts = Counter(q["language"] for q in queries)
    assert set(counts) == set(LANGUAGES)
    assert len(queries) >= 36
    assert all(n >= 12 for n in counts.values()), counts


def test_every_query_is_well_formed_and_names_existing_practices(queries, practices):
    ids = {p.id for p in practices}
    for q in queries:
        assert set(q) == {"query", "language", "relevant"}, q
        assert q["query"].strip()
        assert 1 <= len(q["relevant"]) <= 3, q
        assert set(q["relevant"]) <= ids, f"unknown practice in {q}"


def test_queries_are_in_their_stated_language(queries):
    for q in queries:
        text = q["query"]
        if q["language"] == "he":
            assert HEBREW.search(text) and not ARABIC_SCRIPT.search(text), text
        elif q["language"] == "fa":
            assert ARABIC_SCRIPT.search(text) and not HEBREW.search(text), text
            assert not ARABIC_ONLY_LETTERS.search(text), text
        else:
            assert not HEBREW.search(text) and not ARABIC_SCRIPT.search(text), text


def test_queries_are_unique_and_do_not_copy_practice_text(queries, practices):
    assert len({q["query"] for q in queries}) == len(queries)
    documents = [p.document_in(lang).casefold() for p in practices for lang in LANGUAGES]
    for q in queries:
        text = q["query"].casefold()
        assert not any(text in doc for doc in documents), f"copied from a practice: {text}"


def test_every_cited_seed_and_case_has_a_name_in_each_language(practices):
    names = load_source_names(REPO / "knowledge" / SOURCES_FILE)
    assert names.missing(practices) == []
    mistakes = Source(seed="001_41e93279e6b3fd9d.txt", case="ten common mistakes #5")
    assert names.cite(mistakes, "en") == ("Ten common mistakes in customer service "
                                          "(ten common mistakes #5)")
    assert "עשר" in names.cite(mistakes, "he") and ".txt" not in names.cite(mistakes, "he")
    assert "ده اشتباه" in names.cite(mistakes, "fa")
    unknown = Source(seed="company:handbook", case="page 4")
    assert names.cite(unknown, "fa") == "company:handbook (page 4)"


def test_a_bad_names_file_names_the_field(tmp_path: Path):
    bad = tmp_path / SOURCES_FILE
    bad.write_text('cases:\n  "six steps #1": {he: שישה}\n', encoding="utf-8")
    with pytest.raises(DataFileError, match=r"sources\.yaml.*fa"):
        load_source_names(bad)


def test_a_harm_words_file_with_an_unknown_key_or_a_bare_yes_is_rejected(tmp_path):
    """harm_words.yaml is data with a schema: a misspelt key, or an unquoted `no` that YAML
    reads as false, is an error naming the file and the field, not a silent miss."""
    from assistant.read import harm

    shipped = (REPO / "knowledge" / "harm_words.yaml").read_text(encoding="utf-8")
    for name, text in (("typo", shipped.replace("greetings:", "greetngs:")),
                       ("bare", shipped.replace('"no", never', "no, never"))):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "harm_words.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(DataFileError, match=r"harm_words\.yaml"):
            harm._harm_words_file(folder)
