"""Labelled checks of suggested replies on the real development set (issue #10).

The texts live outside the repository (../shared/datasets/real-dev/); the gold labels are in
evals/real_dev/labels.jsonl (harm spans as offsets, the facts the customer already gave, the
acceptable remedy kinds, whether a wellbeing question is due). Each reply gets one verdict per
check; the run reports the rate per language and overall against THRESHOLDS.

The check words (what a re-asking question, an invented action or a wellbeing question looks
like) are in evals/real_dev/checks.yaml: data, en/he/fa.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from assistant.compose.budget import sentences
from assistant.datafiles import read_yaml
from assistant.errors import InputError
from assistant.models import NEEDS_AMOUNT, CompensationKind, Stage, Step, Suggestion, Transcript
from assistant.read.assessment import reply_steps
from assistant.read.lexicon import get_lexicon
from assistant.read.signals import cached_doc
from assistant.read.textnorm import normalize, words

REPO = Path(__file__).resolve().parents[2]
LABELS = REPO / "evals" / "real_dev" / "labels.jsonl"
CHECK_WORDS = REPO / "evals" / "real_dev" / "checks.yaml"
TEXTS = REPO.parent / "shared" / "datasets" / "real-dev" / "real_dev.jsonl"

# Rate each check must reach, per language and overall (issue #10, Acceptance).
THRESHOLDS = {
    "names_harm": 0.85, "no_reask": 0.95, "no_invented_action": 1.0, "numbers_kept": 1.0,
    "wellbeing_first": 1.0, "remedy_fits": 0.90, "within_budget": 1.0, "no_repeat": 1.0,
    "offer_stated": 1.0,
}
# What a reply may run to, per channel: words for chat and phone, characters for social.
WORD_BUDGET = {"chat": 60, "phone": 60, "email": 170}
CHAR_BUDGET = {"social": 280}
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")


@dataclass
class Item:
    """One real complaint joined with its gold label."""

    transcript: Transcript
    label: dict

    @property
    def language(self) -> str:
        return self.label["language"]


def load_items(texts: Path = TEXTS, labels: Path = LABELS) -> list[Item]:
    """The real-dev rows joined on `id` with their labels, in label order."""
    if not texts.is_file():
        raise InputError(f"{texts}: the real-dev texts are not here (../shared is absent)")
    rows = {row["id"]: row for row in _jsonl(texts)}
    items = []
    for label in _jsonl(labels):
        row = rows.get(label["id"])
        if row is None:
            raise InputError(f"{labels}: id {label['id']!r} has no text in {texts}")
        items.append(Item(Transcript.model_validate(row), label))
    return items


def _jsonl(path: Path) -> Iterable[dict]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except json.JSONDecodeError as exc:
                    raise InputError(f"{path}:{number}: not JSON ({exc.msg})") from exc


@lru_cache(maxsize=1)
def check_words() -> dict:
    return read_yaml(CHECK_WORDS)


def _questions(text: str) -> list[str]:
    """The question sentences as written (callers normalise what they compare)."""
    return [s for s in sentences(text) if s.rstrip().endswith(("?", "؟"))]


def _has(text: str, phrases: Iterable[str]) -> bool:
    folded = normalize(text)
    return any(re.search(rf"(?<!\w){re.escape(normalize(p))}", folded) for p in phrases)


def _stem(word: str, lang: str) -> str:
    if lang == "he" and len(word) > 3 and word[0] in "והבלמשכ":
        word = word[1:]
    return word[:5]


def harm_texts(item: Item) -> list[str]:
    turns = item.transcript.turns
    return [turns[span["turn"]].text[span["start"]:span["end"]] for span in item.label["harm"]]


def names_harm(item: Item, reply: str) -> bool:
    """The reply uses the customer's own content words for at least one thing that hurts: half
    of a span's content words, or two of them. A span made only of short words ("خیلی بد بو
    بود و له شده بود": smelly and crushed) counts its short ones too."""
    lang, stop = item.language, set(check_words()["stopwords"][item.language])
    said = {_stem(w, lang) for w in words(reply) if w not in stop}
    for text in harm_texts(item):
        kept = [w for w in words(text) if w not in stop]
        content = {_stem(w, lang) for w in kept if len(w) > 2} or {_stem(w, lang) for w in kept}
        hits = len(content & said)
        if content and (hits >= 2 or hits / len(content) >= 0.5):
            return True
    return False


def no_reask(item: Item, reply: str) -> bool:
    """No question asks for a fact the customer already gave."""
    facts, asks = item.label["facts"], check_words()["asks"][item.language]
    given = {"what_happened": facts["what_happened"], "order_ref": facts["order_ref"],
             "times": bool(facts["times"]), "channel_tried": bool(facts["channel_tried"]),
             "amounts": bool(facts["amounts"])}
    return not any(given[fact] and _has(q, asks.get(fact, ()))
                   for q in _questions(reply) for fact in given)


def no_invented_action(item: Item, reply: str) -> bool:
    """No claim of a check, finding or completed action that no agent turn made."""
    claims = check_words()["claims"][item.language]
    agent = " ".join(t.text for t in item.transcript.agent_turns())
    return not any(_has(reply, [c]) and not _has(agent, [c]) for c in claims)


def _numbers(text: str) -> set[float]:
    found = set()
    for raw in _NUMBER.findall(normalize(text)):
        digits = raw.replace(",", "") if re.fullmatch(r"\d{1,3}(,\d{3})+", raw) else raw
        try:
            found.add(float(digits.replace(",", ".")))
        except ValueError:
            continue
    return found


def numbers_kept(item: Item, suggestion: Suggestion) -> bool:
    """Every number in the reply is one the customer (or the context) gave, or the policy's
    amount: a decimal never becomes another number."""
    source = " ".join(t.text for t in item.transcript.customer_turns())
    known = _numbers(source) | _numbers(json.dumps(item.transcript.context))
    if suggestion.compensation.amount is not None:
        known.add(round(suggestion.compensation.amount, 2))
    return _numbers(suggestion.reply) <= known


def wellbeing_first(item: Item, suggestion: Suggestion) -> bool | None:
    """Where someone was hurt or at risk: the first question asks after them, before money."""
    if not item.label["wellbeing_required"]:
        return None
    questions = _questions(suggestion.reply)
    if not questions or not _has(questions[0], check_words()["wellbeing"][item.language]):
        return False
    before = suggestion.reply[:suggestion.reply.find(questions[0])]
    return not _numbers(before)


def remedy_fits(item: Item, suggestion: Suggestion) -> bool:
    kind = suggestion.compensation.kind
    kinds = set(item.label["remedy_kinds"])
    return kind.value in kinds or (kind == CompensationKind.none and "none" in kinds)


def offer_stated(suggestion: Suggestion) -> bool | None:
    """What the policy offers now is said in the reply, as the replay rubric reads an offer
    (issue #10: the reply states it): not when nothing is offered, when an agent already made
    an offer, when the coach listens first, or when a credit still waits for its amount."""
    comp = suggestion.compensation
    if (comp.kind == CompensationKind.none or not comp.offer_now
            or Step.offered in suggestion.assessment.steps_done or suggestion.stage == Stage.listen
            or (comp.amount is None and comp.kind in NEEDS_AMOUNT)):
        return None
    doc = cached_doc(suggestion.reply, suggestion.language, get_lexicon())
    return Step.offered in reply_steps(doc)


def within_budget(item: Item, reply: str) -> bool:
    channel = item.transcript.channel
    if channel in CHAR_BUDGET:
        return len(reply) <= CHAR_BUDGET[channel]
    return len(words(reply)) <= WORD_BUDGET.get(channel, WORD_BUDGET["chat"])


def no_repeat(reply: str) -> bool:
    said = [normalize(s) for s in sentences(reply)]
    return len(said) == len(set(said))


def check(item: Item, suggestion: Suggestion) -> dict[str, bool | None]:
    """Every check for one reply (None: the check does not apply)."""
    reply = suggestion.reply
    return {
        "names_harm": names_harm(item, reply), "no_reask": no_reask(item, reply),
        "no_invented_action": no_invented_action(item, reply),
        "numbers_kept": numbers_kept(item, suggestion),
        "wellbeing_first": wellbeing_first(item, suggestion),
        "remedy_fits": remedy_fits(item, suggestion),
        "within_budget": within_budget(item, reply), "no_repeat": no_repeat(reply),
        "offer_stated": offer_stated(suggestion),
    }


def summarize(results: list[tuple[str, dict[str, bool | None]]]) -> dict[str, dict]:
    """Rate and count of every check, per language and overall."""
    groups: dict[str, list[dict]] = {"all": []}
    for lang, checks in results:
        groups.setdefault(lang, []).append(checks)
        groups["all"].append(checks)
    summary = {}
    for group, rows in groups.items():
        summary[group] = {"items": len(rows)}
        for name in THRESHOLDS:
            verdicts = [row[name] for row in rows if row[name] is not None]
            rate = sum(verdicts) / len(verdicts) if verdicts else None
            summary[group][name] = {"rate": rate, "n": len(verdicts)}
    return summary


def floors() -> dict[str, dict[str, float]]:
    """The CI gate: per group and check, the rate measured when it was last raised (a ratchet
    towards THRESHOLDS, which are the issue's targets): nothing may fall below it."""
    return check_words()["floors"]


def failures(summary: dict[str, dict], gate: dict[str, dict[str, float]] | None = None
             ) -> list[str]:
    """Every (group, check) below its floor (default: the CI floors), in words."""
    gate = floors() if gate is None else gate
    return [f"{group} {name}: {figures[name]['rate']:.3f} < {floor}"
            for group, figures in summary.items() for name, floor in gate.get(group, {}).items()
            if figures[name]["rate"] is not None and figures[name]["rate"] < floor - 1e-9]


def below_targets(summary: dict[str, dict]) -> list[str]:
    """Every (group, check) still below the issue's target."""
    return failures(summary, {group: THRESHOLDS for group in summary})


def run_real_dev(coach: object, items: list[Item], out_dir: Path | None = None
                 ) -> tuple[dict[str, dict], list[str]]:
    """Suggest a reply for every item, check it, and write results.jsonl and summary.json."""
    results, lines = [], []
    for item in items:
        suggestion = coach.suggest(item.transcript)  # type: ignore[attr-defined]
        checks = check(item, suggestion)
        results.append((item.language, checks))
        lines.append({"id": item.label["id"], "reply": suggestion.reply,
                      "compensation": suggestion.compensation.kind.value, "checks": checks,
                      "latency_ms": suggestion.latency_ms})
    summary = summarize(results)
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)
        with (out_dir / "results.jsonl").open("w", encoding="utf-8") as handle:
            handle.writelines(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
        (out_dir / "summary.json").write_text(json.dumps(summary, indent=2), encoding="utf-8")
    return summary, failures(summary)


def format_real_dev(summary: dict[str, dict]) -> str:
    """One row per check, one column per language."""
    groups = list(summary)
    lines = ["check (target)".ljust(20)
             + "".join(f"{g} ({summary[g]['items']})".rjust(12) for g in groups)]
    for name, threshold in THRESHOLDS.items():
        cells = []
        for group in groups:
            rate = summary[group][name]["rate"]
            cells.append(("-" if rate is None else f"{rate:.3f}").rjust(12))
        lines.append(f"{name} ≥{threshold:g}".ljust(20) + "".join(cells))
    return "\n".join(lines)
