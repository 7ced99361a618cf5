"""How well the reader reads: per-label precision, recall and F1 per language.

Two sets: the corpus's held-out split (our own writing, never trained or tuned on) and the real
development set (../shared/datasets/real-dev, gold labels in evals/real_dev/labels.jsonl; only
ever measured, its texts never enter the repository). Both are read through the same `assess`
the product uses, so the figures are the product's, not a model's in isolation.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from assistant.models import Assessment, Risk, Transcript, Turn
from assistant.read.assessment import agent_steps, assess
from assistant.read.corpus import Corpus
from assistant.read.facts import channel_tried, order_ref
from assistant.read.lexicon import get_lexicon
from assistant.read.reader import ACTS, ISSUE_TYPES, Reader, read_acts
from assistant.read.signals import Doc, harmful_in
from assistant.read.training import split_of

FLAG_LABELS = ("safety", "asked_for_compensation", "churn", "public_post", "legal_threat")
STEP_ACTS = {"apologized": "apology", "asked": "question", "explained": "explanation",
             "offered": "restitution", "assured": "assurance", "next_step": "next_step"}
HARM_ACTS = {"minimize": "minimizing", "excuse": "excuse", "blame": "blame"}


@dataclass
class Counts:
    tp: int = 0
    fp: int = 0
    fn: int = 0
    tn: int = 0

    def add(self, truth: bool, predicted: bool) -> None:
        if truth and predicted:
            self.tp += 1
        elif predicted:
            self.fp += 1
        elif truth:
            self.fn += 1
        else:
            self.tn += 1

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def support(self) -> int:
        return self.tp + self.fn

    @property
    def false_alarm(self) -> float:
        return self.fp / (self.fp + self.tn) if self.fp + self.tn else 0.0

    def row(self) -> dict:
        return {"precision": round(self.precision, 3), "recall": round(self.recall, 3),
                "f1": round(self.f1, 3), "support": self.support, "tp": self.tp, "fp": self.fp,
                "fn": self.fn, "false_alarm": round(self.false_alarm, 3)}


@dataclass
class Scores:
    """Figures for one set in one language (or "all")."""

    items: int = 0
    primary_hits: int = 0
    emotion_hits: int = 0
    harm_items: int = 0
    harm_hits: int = 0
    labels: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    acts: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))
    facts: dict[str, Counts] = field(default_factory=lambda: defaultdict(Counts))

    def summary(self) -> dict:
        act_f1 = [c.f1 for c in self.acts.values() if c.support]
        return {
            "items": self.items,
            "primary_in_gold": _share(self.primary_hits, self.items),
            "emotion_accuracy": _share(self.emotion_hits, self.items),
            "harm_overlap": _share(self.harm_hits, self.harm_items),
            "acts_macro_f1": _share(sum(act_f1), len(act_f1)),
            "labels": {k: c.row() for k, c in sorted(self.labels.items())},
            "acts": {k: c.row() for k, c in sorted(self.acts.items())},
            "facts": {k: c.row() for k, c in sorted(self.facts.items())},
        }


def _share(part: float, whole: int) -> float | None:
    return round(part / whole, 3) if whole else None


class Tally:
    """Scores per language and for all languages together."""

    def __init__(self) -> None:
        self.by: dict[str, Scores] = defaultdict(Scores)

    def each(self, language: str) -> Iterable[Scores]:
        return (self.by[language], self.by["all"])

    def report(self) -> dict:
        order = [lang for lang in ("en", "he", "fa", "all") if lang in self.by]
        return {lang: self.by[lang].summary() for lang in order}


def _customer_scores(tally: Tally, language: str, gold: dict, a: Assessment) -> None:
    predicted_types = {s.type.value for s in a.issue_types} or {a.issue_type.value}
    flags = {"safety": a.safety, "asked_for_compensation": a.asked_for_compensation,
             "churn": Risk.churn in a.risks, "public_post": Risk.public_post in a.risks,
             "legal_threat": Risk.legal_threat in a.risks}
    for scores in tally.each(language):
        scores.items += 1
        scores.primary_hits += a.issue_type.value in gold["issue_types"]
        scores.emotion_hits += a.emotion.value == gold["emotion"]
        for flag in FLAG_LABELS:
            scores.labels[flag].add(bool(gold[flag]), flags[flag])
        for issue in ISSUE_TYPES:
            scores.labels[f"issue:{issue}"].add(issue in gold["issue_types"],
                                                issue in predicted_types)


def lexicon_acts(text: str, lang: str) -> set[str]:
    """The acts the lexicon alone sees in an agent message (for comparison)."""
    doc = Doc(text, lang, get_lexicon())
    steps = agent_steps(None, [doc], lang)[0]
    acts = {STEP_ACTS[s.value] for s in steps if s.value in STEP_ACTS}
    acts |= {HARM_ACTS[h.criterion] for h in harmful_in(doc)}
    if doc.has("company_fault"):
        acts.add("ownership")
    return acts


def product_acts(reader: Reader | None, text: str, lang: str) -> set[str]:
    """The acts as the product sees them: the lexicon's, or the reader's heads."""
    acts = lexicon_acts(text, lang)
    if reader is not None:
        acts |= read_acts(reader, [text], lang, get_lexicon())[0]
    return acts


def _act_scores(tally: Tally, language: str, gold: set[str], predicted: set[str]) -> None:
    for scores in tally.each(language):
        for act in ACTS:
            scores.acts[act].add(act in gold, act in predicted)


def _harm_scores(tally: Tally, language: str, overlaps: bool) -> None:
    """One labelled harm, and whether the product's harm spans overlap it."""
    for scores in tally.each(language):
        scores.harm_items += 1
        scores.harm_hits += overlaps


def _fact_scores(tally: Tally, language: str, gold: dict, customer_text: str,
                 a: Assessment) -> None:
    """The facts the product reads against the labelled ones: reference, channel, sums."""
    found_ref, channel = order_ref(customer_text) is not None, channel_tried(customer_text)
    gold_channel = gold["channel_tried"]
    gold_amounts = {(m["amount"], m["currency"]) for m in gold["amounts"]}
    found_amounts = {(m.amount, m.currency) for m in a.facts.amounts}
    for scores in tally.each(language):
        scores.facts["order_ref"].add(gold["order_ref"], found_ref)
        scores.facts["channel_tried"].add(gold_channel is not None,
                                          channel is not None and channel == gold_channel)
        for amount in gold_amounts | found_amounts:
            scores.facts["amounts"].add(amount in gold_amounts, amount in found_amounts)


# --- the corpus's held-out split ------------------------------------------------------------------

def heldout_report(reader: Reader | None, corpus: Corpus) -> dict:
    """The held-out split through the product's reading."""
    tally = Tally()
    for row in corpus.customer:
        if split_of(row.id) != "heldout":
            continue
        transcript = Transcript(id=row.id, language=row.language,
                                turns=[Turn(role="customer", text=row.text)])
        a = assess(transcript, reader=reader)
        _customer_scores(tally, row.language, row.labels, a)
        harm = row.labels["harm"]
        if harm:
            start = row.text.find(harm)
            _harm_scores(tally, row.language,
                         any(h.start < start + len(harm) and start < h.end for h in a.harm))
    for row in corpus.agent:
        if split_of(row.id) == "heldout":
            _act_scores(tally, row.language, set(row.labels["acts"]),
                        product_acts(reader, row.text, row.language))
    return tally.report()


# --- the real development set ---------------------------------------------------------------------

def _jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
            if line.strip()]


def load_dev(dev_path: Path, labels_path: Path) -> list[tuple[dict, dict]]:
    """(source row, gold label) pairs joined on id; texts are read here, never copied."""
    labels = {gold["id"]: gold for gold in _jsonl(labels_path)}
    return [(row, labels[row["id"]]) for row in _jsonl(dev_path) if row["id"] in labels]


def dev_report(reader: Reader | None, dev_path: Path, labels_path: Path) -> dict:
    """The real development set through the product's reading, with the facts it gives."""
    tally = Tally()
    for row, gold in load_dev(dev_path, labels_path):
        language = gold["language"]
        turns = [Turn(role=t["role"], text=t["text"]) for t in row["turns"]]
        a = assess(Transcript(id=row["id"], language=language, turns=turns), reader=reader)
        _customer_scores(tally, language, gold, a)
        _harm_scores(tally, language, any(h.turn == g["turn"] and h.start < g["end"]
                                          and g["start"] < h.end
                                          for h in a.harm for g in gold["harm"]))
        customer_text = "\n".join(t.text for t in turns if t.role == "customer")
        _fact_scores(tally, language, gold["facts"], customer_text, a)
        for agent_turn in gold["agent_turns"]:
            text = turns[agent_turn["turn"]].text
            _act_scores(tally, language, set(agent_turn["acts"]),
                        product_acts(reader, text, language))
    return tally.report()
