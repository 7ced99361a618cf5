"""Replay reads each text once (issue #12): the shortcuts that make it fast read exactly what the
plain, text-by-text reading reads."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.models import IssueType, Role, Transcript
from assistant.read.harm import _aside, _cue_positions, _score, _text_clauses, harm_spans
from assistant.read.lexicon import get_lexicon
from assistant.read.ngrams import char_wb_ngrams, word_ngrams
from assistant.read.reader import CHAR_NGRAMS, WORD_NGRAMS, lexicon_keys, vectorizer
from assistant.read.signals import Doc
from assistant.replay.runner import replay_transcript

REPO = Path(__file__).resolve().parent.parent
TEXTS = [
    "My parcel is late again and nobody answers. I am not angry, just tired of waiting!!",
    "You should have read the terms. It's only a small delay, but I'll refund you $40 today.",
    "I'm sorry about the delay,\nI will check the courier's tracking for you now.",
    "החבילה שלי מאחרת שוב ואף אחד לא עונה, זו הפעם השלישית שאני כותבת.",
    "بسته‌ام دوباره دیر شده و هیچ‌کس جواب نمی‌دهد. عصبانی نیستم ولی خسته شدم.",
    "order 4417\nnot\nworking since Monday — the screen is cracked and I want a refund",
    "",
]


def _plain_char_wb(text: str, low: int, high: int) -> list[str]:
    """scikit-learn's char_wb n-grams, written out plainly."""
    grams = []
    for word in " ".join(text.split()).split():
        word = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(word[offset:offset + n])
            while offset + n < len(word):
                offset += 1
                grams.append(word[offset:offset + n])
            if offset == 0:
                break
    return grams


@pytest.mark.parametrize("text", TEXTS)
def test_char_ngrams_from_kept_words_are_the_plain_ones(text: str) -> None:
    assert char_wb_ngrams(text, 2, 5) == _plain_char_wb(text, 2, 5)
    assert char_wb_ngrams(text + " " + text, 2, 5) == _plain_char_wb(text + " " + text, 2, 5)


@pytest.mark.parametrize("lang", ["en", "he", "fa"])
def test_a_category_fires_exactly_when_it_has_spans(lang: str) -> None:
    lexicon = get_lexicon()
    joined = "\n".join(TEXTS)
    for text in [*TEXTS, joined]:
        for key in lexicon_keys(lexicon):
            fresh, scanned = Doc(text, lang, lexicon), Doc(text, lang, lexicon)
            assert fresh.fires(key) == bool(scanned.spans(key)), (key, text[:40])
            assert scanned.fires(key) == bool(scanned.spans(key))


def _plain_harm(docs: list[tuple[int, Doc]], issue: IssueType) -> list:
    """harm_spans as it read every clause of every turn at each call, before #12."""
    scored = []
    for turn, doc in docs:
        cues = _cue_positions(doc, [f"issues.{issue.value}"])
        others = _cue_positions(doc, ["issues."])
        for span in (s.model_copy(update={"turn": turn}) for s in _text_clauses(doc.text)):
            score = _score(doc, span, cues, others)
            if score > 0:  # a clause that asks for something counts at most 0.5
                scored.append((min(score, 0.5) if _aside(doc, span) else score, -len(scored), span))
    return [span for _, _, span in sorted(scored, key=lambda s: (s[0], s[1]), reverse=True)][:2]


@pytest.mark.parametrize("issue", [IssueType.delay, IssueType.damage, IssueType.other])
def test_harm_clauses_scored_once_per_text_are_the_plain_ones(issue: IssueType) -> None:
    lexicon = get_lexicon()
    docs = [(n * 2, Doc(text, "en", lexicon)) for n, text in enumerate(TEXTS * 2)]
    plain = _plain_harm(docs, issue)
    if plain:
        assert harm_spans(docs, issue) == plain


def _without_latency(data: object) -> object:
    if isinstance(data, dict):
        return {k: _without_latency(v) for k, v in data.items() if k != "latency_ms"}
    if isinstance(data, list):
        return [_without_latency(v) for v in data]
    return data


def test_a_long_thread_replays_the_same_however_warm_the_caches(coach) -> None:
    """Every later agent turn reads the same turns again from the caches; the replay of a
    thread longer than the replay window is the same the first time and the second."""
    data = json.loads((REPO / "examples" / "en_damaged_parcel.json").read_text("utf-8"))
    turns = [{"role": t["role"], "text": f"{t['text']} ({n})"}
             for n, t in enumerate(data["turns"] * 24) if t["role"] in (Role.customer, Role.agent)]
    long = Transcript.model_validate({**data, "id": "long-damaged-parcel", "turns": turns})
    assert len(long.turns) > 60
    first = _without_latency(replay_transcript(long, coach).to_json())
    assert _without_latency(replay_transcript(long, coach).to_json()) == first


def test_a_remembered_result_is_kept_bounded_and_shared_by_threads() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from assistant.memo import Remembered

    memory: Remembered[int, int] = Remembered(8)
    computed: list[int] = []
    assert memory.get(1, lambda: computed.append(1) or 10) == 10
    assert memory.get(1, lambda: computed.append(1) or 99) == 10 and computed == [1]

    def square(n: int) -> int:  # many threads over a full memory: no KeyError, no RuntimeError
        return memory.get(100 + n % 50, lambda: (n % 50) ** 2)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(square, range(20_000)))
    assert results == [(n % 50) ** 2 for n in range(20_000)] and len(memory) == 8


def test_each_customer_turn_is_embedded_once_for_the_reader_and_the_retriever(
        coach, monkeypatch: pytest.MonkeyPatch) -> None:
    """The English reader and the dense retrieval share one vector per turn: a new turn costs
    one pass of the model, and a thread read again costs none."""
    from assistant.knowledge import minilm

    embedded: list[str] = []
    real_embed = minilm.embed
    monkeypatch.setattr(minilm, "embed", lambda texts, **kw: (embedded.extend(texts),
                                                              real_embed(texts, **kw))[1])
    turns = [{"role": "customer", "text": "The kettle I bought on 3 May leaks from the base, "
                                          "and water got into the socket."},
             {"role": "agent", "text": "I'm sorry, is everyone all right?"},
             {"role": "customer", "text": "Yes we're fine, but it's the second kettle that "
                                          "leaks this month."}]
    transcript = Transcript.model_validate({"id": "kettle", "language": "en", "turns": turns})
    coach.suggest(transcript)
    assert sorted(embedded) == sorted(t["text"] for t in turns if t["role"] == "customer")
    embedded.clear()
    coach.suggest(transcript)
    assert embedded == []


def test_replay_embeds_an_english_threads_turns_in_batches_up_front(
        coach, monkeypatch: pytest.MonkeyPatch) -> None:
    """Replay knows every customer turn before it starts: an English thread's are embedded in
    batches, once, and the vectors are the ones a turn embedded alone gets."""
    from assistant.knowledge import minilm

    calls: list[list[str]] = []
    real_embed = minilm.embed
    monkeypatch.setattr(minilm, "embed", lambda texts, **kw: (calls.append(list(texts)),
                                                              real_embed(texts, **kw))[1])
    turns = [{"role": "customer" if n % 2 == 0 else "agent",
              "text": f"Turn {n}: the router you sent on day {n} drops the line every hour."}
             for n in range(40)]
    transcript = Transcript.model_validate({"id": "router", "language": "en", "turns": turns})
    replay_transcript(transcript, coach)
    customer = [t["text"] for t in turns if t["role"] == "customer"]
    embedded = [text for call in calls for text in call]
    assert sorted(embedded) == sorted(customer) and len(calls) < len(customer)
    alone = real_embed([customer[7]])[0]
    assert np.allclose(minilm.text_vector(customer[7]), alone, atol=1e-6)


def _fitted_on(texts: list[str]) -> list:
    """A char and a word vectorizer whose vocabulary is every n-gram of `texts`."""
    fitted = []
    for analyzer, ngrams, grams in (("char_wb", CHAR_NGRAMS, char_wb_ngrams),
                                    ("word", WORD_NGRAMS, word_ngrams)):
        terms = sorted({g for t in texts for g in grams(t, *ngrams)})
        fitted.append(vectorizer(analyzer, terms, np.linspace(1.0, 3.0, len(terms))))
    return fitted


_PART = st.text(alphabet=st.sampled_from("ab c\nד ש1.,!"), max_size=20)


@given(st.lists(_PART, min_size=1, max_size=6))
@settings(max_examples=200, deadline=None)
def test_a_thread_read_from_its_turns_counts_is_read_as_the_joined_text(parts: list[str]) -> None:
    """Each customer turn's n-gram counts are kept and added up: the thread's row is exactly the
    joined text's, word pairs across two turns included."""
    for fitted in _fitted_on([*parts, "\n".join(parts)]):
        joined = fitted.row("\n".join(parts))
        for _ in range(2):  # the second time from the kept counts
            columns, values = fitted.row_of_parts(tuple(parts))
            assert columns.tolist() == joined[0].tolist()
            assert np.allclose(values, joined[1], atol=1e-6)
