"""The trained reader: calibrated linear classifiers over character and word n-grams per language.

The lexicon (assistant.read.signals) only fires on listed phrases; real customers tell the same
things in their own words. The reader learns them from the labelled corpus (knowledge/reader/)
with the lexicon's hits as extra features. Three kinds of head per language: what a customer turn
is about (issue types, flags, wants, emotion, fault), which sentence says what hurts, and what an
agent turn does (apology, excuse, ...). The artifact is plain arrays (no pickle) and carries the
digest of the corpus and lexicon it came from: a stale one is refused, never silently used.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from assistant.errors import CoachError
from assistant.knowledge.minilm import mean_vector
from assistant.memo import Remembered
from assistant.read.language import fold
from assistant.read.lexicon import CompiledLexicon
from assistant.read.ngrams import Vectorizer
from assistant.read.signals import cached_doc

ARTIFACT_FILE = "reader.npz"
FEATURES_VERSION = 3  # bump when featurisation changes: older artifacts become stale
CHAR_NGRAMS = (2, 5)
WORD_NGRAMS = (1, 2)
LEXICON_WEIGHT = 1.0

ISSUE_TYPES = ("delay", "cancellation", "no_show", "lost_item", "theft", "damage", "defect",
               "wrong_item", "billing_error", "outage", "rude_staff", "unreachable_support",
               "broken_promise", "hygiene", "safety", "privacy", "other")
FLAGS = ("safety", "asked_for_compensation", "churn", "public_post", "legal_threat")
WANTS = ("refund", "replacement", "repair", "cancel", "change", "compensation", "apology",
         "explanation", "fix", "heard", "escalation", "delivery")
EMOTIONS = ("calm", "disappointed", "worried", "frustrated", "angry", "furious")
FAULTS = ("true", "false", "unknown")
ACTS = ("apology", "ownership", "minimizing", "excuse", "blame", "question", "explanation",
        "restitution", "assurance", "next_step")

CUSTOMER_HEADS = (*(f"issue:{t}" for t in ISSUE_TYPES), *(f"flag:{f}" for f in FLAGS),
                  *(f"want:{w}" for w in WANTS), *(f"emotion:{e}" for e in EMOTIONS),
                  *(f"fault:{f}" for f in FAULTS))
AGENT_HEADS = tuple(f"act:{a}" for a in ACTS)
HARM_HEADS = ("harm",)
KINDS = {"customer": CUSTOMER_HEADS, "agent": AGENT_HEADS, "harm": HARM_HEADS}
# Heads that also read the text's MiniLM vector: the model only knows English, and what a
# complaint is about generalises from its meaning better than from its n-grams alone.
DENSE_HEADS = {("en", "customer")}


_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")


def sentences(text: str) -> list[tuple[int, int]]:
    """Sentence spans of the original text (a harm candidate is one sentence)."""
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text) if m.group().strip()]


class ReaderError(CoachError):
    """The reader's artifact is missing, unreadable or stale."""


NOT_FEATURES = ("injection", "purchases.", "still_waiting", "wants_refund", "fee",
                "part_of_order")


def lexicon_keys(lexicon: CompiledLexicon) -> list[str]:
    """The lexicon categories used as features: not injection (a guard, not a reading), nor what
    was bought, is still awaited, is asked back, is a fee or is part of the order (facts the
    remedy depends on, not what went wrong)."""
    return sorted(k for k in lexicon.categories if not k.startswith(NOT_FEATURES))


def lexicon_features(texts: list[str], lang: str, lexicon: CompiledLexicon, keys: list[str]):
    """One column per lexicon category: did it fire in the text? (training: scipy sparse)"""
    from scipy import sparse

    rows = [_lexicon_row(text, lang, lexicon, tuple(keys)) for text in texts]
    return sparse.csr_matrix(np.asarray(rows, dtype=np.float32).reshape(len(texts), len(keys)))


@lru_cache(maxsize=8192)
def _lexicon_row(text: str, lang: str, lexicon: CompiledLexicon,
                 keys: tuple[str, ...]) -> tuple[float, ...]:
    doc = cached_doc(text, lang, lexicon)  # the assessment's reading of the same turn, shared
    return tuple(LEXICON_WEIGHT if doc.fires(key) else 0.0 for key in keys)


MARGIN_CACHE = 4096  # texts whose scores a set of heads keeps
Text = str | tuple[str, ...]  # a text, or one told in parts (a thread's customer turns)


class _DigitsToZero(dict):
    """A str.translate table: every character str.isdigit() accepts becomes "0", any other
    stays; each character is looked at once (one C pass per text instead of a Python loop)."""

    def __missing__(self, code: int) -> str | int:
        self[code] = "0" if chr(code).isdigit() else code
        return self[code]


_DIGITS_TO_ZERO = _DigitsToZero()


def normalise(text: str) -> str:
    """The folded text (case, niqqud, Persian letters and digits meet), digits collapsed."""
    return fold(text).text.translate(_DIGITS_TO_ZERO)


def vectorizer(analyzer: str, terms: list[str], idf: np.ndarray) -> Vectorizer:
    ngrams = CHAR_NGRAMS if analyzer == "char_wb" else WORD_NGRAMS
    return Vectorizer(analyzer, ngrams, {t: i for i, t in enumerate(terms)},
                      np.asarray(idf, dtype=np.float64))


@dataclass
class Heads:
    """Calibrated linear heads over one language's features: p = sigmoid(-(a·(Xw + c) + b))."""

    language: str
    kind: str
    names: tuple[str, ...]
    char: Vectorizer
    word: Vectorizer
    lexicon_keys: list[str]
    weights: np.ndarray      # features × heads
    intercepts: np.ndarray   # heads
    calib_a: np.ndarray      # heads
    calib_b: np.ndarray      # heads
    thresholds: np.ndarray   # heads
    dense: bool = False      # the text's MiniLM vector is a feature too (DENSE_HEADS)
    # Replay reads the same turns and sentences at every later turn: each text's scores, kept.
    seen: Remembered[tuple[Text, CompiledLexicon], np.ndarray] = field(
        default_factory=lambda: Remembered(MARGIN_CACHE), repr=False, compare=False)

    def margins(self, texts: list[Text], lexicon: CompiledLexicon) -> np.ndarray:
        """The linear scores, texts × heads, each text's kept in `seen` (at most MARGIN_CACHE,
        the oldest dropped first). A tuple is one text told in parts (a thread's customer
        turns): read as its parts joined by newlines."""
        rows = []
        for text in texts:
            rows.append(self.seen.get((text, lexicon),
                                      lambda text=text: self._margin(text, lexicon)))
        return np.vstack(rows) if rows else np.zeros((0, len(self.names)), np.float32)

    def _margin(self, text: Text, lexicon: CompiledLexicon) -> np.ndarray:
        """One text's scores, summed over its non-zero features."""
        parts = text if isinstance(text, tuple) else (text,)
        out = self.intercepts.astype(np.float32).copy()
        word_offset = len(self.char.vocabulary)
        lexicon_offset = word_offset + len(self.word.vocabulary)
        norms = tuple(normalise(part) for part in parts)  # normalising is character by character
        for vectorizer_, offset in ((self.char, 0), (self.word, word_offset)):
            # A thread's turns are counted once each and kept; a single text is not kept.
            columns, values = (vectorizer_.row_of_parts(norms) if isinstance(text, tuple)
                               else vectorizer_.row(norms[0]))
            if len(columns):
                out += values @ self.weights[columns + offset]
        dense_offset = lexicon_offset + len(self.lexicon_keys)
        if self.lexicon_keys:
            out += self._lexicon_hits(parts, lexicon) @ self.weights[lexicon_offset:dense_offset]
        if self.dense:
            out += mean_vector(parts) @ self.weights[dense_offset:]
        return out

    def _lexicon_hits(self, parts: tuple[str, ...], lexicon: CompiledLexicon) -> np.ndarray:
        """Which categories fire in any part. Each part is read on its own and kept, so a long
        thread read again at every turn scans only its newest turn (a cue is not split across
        two messages)."""
        keys = tuple(self.lexicon_keys)
        rows = [_lexicon_row(part, self.language, lexicon, keys) for part in parts]
        return np.asarray(rows, np.float32).max(axis=0)

    def proba(self, texts: list[Text], lexicon: CompiledLexicon) -> np.ndarray:
        """Calibrated probabilities, texts × heads."""
        z = self.calib_a * self.margins(texts, lexicon) + self.calib_b
        return 1.0 / (1.0 + np.exp(np.clip(z, -50.0, 50.0)))

    def arrays(self, prefix: str) -> dict[str, np.ndarray]:
        return {
            f"{prefix}/char_vocab": np.array(self.char.terms(), dtype=str),
            f"{prefix}/char_idf": self.char.idf.astype(np.float32),
            f"{prefix}/word_vocab": np.array(self.word.terms(), dtype=str),
            f"{prefix}/word_idf": self.word.idf.astype(np.float32),
            f"{prefix}/lexicon_keys": np.array(self.lexicon_keys, dtype=str),
            f"{prefix}/names": np.array(self.names, dtype=str),
            f"{prefix}/weights": self.weights.astype(np.float16),
            f"{prefix}/intercepts": self.intercepts.astype(np.float32),
            f"{prefix}/calib_a": self.calib_a.astype(np.float32),
            f"{prefix}/calib_b": self.calib_b.astype(np.float32),
            f"{prefix}/thresholds": self.thresholds.astype(np.float32),
            f"{prefix}/dense": np.array(self.dense),
        }

    @classmethod
    def from_arrays(cls, data, prefix: str) -> Heads:
        char = vectorizer("char_wb", [str(t) for t in data[f"{prefix}/char_vocab"]],
                          data[f"{prefix}/char_idf"])
        word = vectorizer("word", [str(t) for t in data[f"{prefix}/word_vocab"]],
                          data[f"{prefix}/word_idf"])
        language, kind = prefix.split("/")
        return cls(language, kind, tuple(str(n) for n in data[f"{prefix}/names"]), char, word,
                   [str(k) for k in data[f"{prefix}/lexicon_keys"]],
                   data[f"{prefix}/weights"].astype(np.float32), data[f"{prefix}/intercepts"],
                   data[f"{prefix}/calib_a"], data[f"{prefix}/calib_b"],
                   data[f"{prefix}/thresholds"], bool(data[f"{prefix}/dense"]))

    def threshold(self, name: str) -> float:
        return float(self.thresholds[self.names.index(name)])


@dataclass
class Reader:
    """Every language's heads, plus what they were trained from."""

    heads: dict[tuple[str, str], Heads]   # (language, kind) → heads loaded so far
    stamp: str                            # digest of corpus + lexicon + features version
    meta: dict
    path: Path | None = None              # heads not loaded yet are read from here on first use
    available: frozenset[tuple[str, str]] = frozenset()

    def get(self, language: str, kind: str) -> Heads | None:
        """The heads of one language and kind, read on first use (a Hebrew chat reads no
        Persian: a cold start pays for one language)."""
        key = (language, kind)
        if key not in self.heads and key in self.available and self.path is not None:
            with np.load(self.path, allow_pickle=False) as data:
                self.heads[key] = Heads.from_arrays(data, f"{language}/{kind}")
        return self.heads.get(key)

    def save(self, path: Path) -> None:
        arrays: dict[str, np.ndarray] = {}
        for (language, kind), heads in sorted(self.heads.items()):
            arrays.update(heads.arrays(f"{language}/{kind}"))
        arrays["stamp"] = np.array(self.stamp)
        arrays["meta"] = np.array(json.dumps(self.meta, sort_keys=True))
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("wb") as handle:
            np.savez_compressed(handle, **arrays)


def artifact_stamp(corpus_digest: str, lexicon_path: Path) -> str:
    """What ties an artifact to its inputs: the corpus, the lexicon and the featurisation."""
    lexicon = hashlib.sha256(lexicon_path.read_bytes()).hexdigest()
    return hashlib.sha256(f"{corpus_digest}:{lexicon}:{FEATURES_VERSION}".encode()).hexdigest()


def load_reader(path: Path, expected_stamp: str | None = None) -> Reader:
    """Read an artifact; refuse it when it was trained from another corpus or lexicon."""
    if not path.exists():
        raise ReaderError(f"{path}: no trained reader; run `coach reader train`")
    try:
        with np.load(path, allow_pickle=False) as data:
            stamp, meta = str(data["stamp"]), json.loads(str(data["meta"]))
            if expected_stamp is not None and stamp != expected_stamp:
                raise ReaderError(f"{path}: trained from another corpus or lexicon (stale); "
                                  "run `coach reader train`")
            available = frozenset(tuple(key.split("/")[:2]) for key in data.files
                                  if key.count("/") == 2)
    except (OSError, KeyError, ValueError) as exc:
        raise ReaderError(f"{path}: unreadable reader artifact ({exc})") from None
    return Reader({}, stamp, meta, path, available)  # type: ignore[arg-type]


@lru_cache(maxsize=4)
def _cached(path: str, stamp: str, mtime: int) -> Reader | None:
    del mtime  # cache key only: a retrained artifact is read again
    try:
        return load_reader(Path(path), stamp)
    except ReaderError:
        return None


def current_reader(knowledge_dir: Path, lexicon_path: Path) -> Reader | None:
    """The artifact under knowledge/reader/ when it matches today's corpus and lexicon, else None
    (the assessment then reads with the lexicon alone)."""
    from assistant.read.corpus import corpus_digest

    directory = knowledge_dir / "reader"
    artifact = directory / ARTIFACT_FILE
    try:
        lexicon = lexicon_path.stat()
        stamp = _stamp(corpus_digest(directory), str(lexicon_path), lexicon.st_mtime_ns,
                       lexicon.st_size)
        mtime = artifact.stat().st_mtime_ns
    except (OSError, CoachError):
        return None
    return _cached(str(artifact), stamp, mtime)


@lru_cache(maxsize=8)
def _stamp(corpus: str, lexicon_path: str, mtime: int, size: int) -> str:
    del mtime, size  # cache key only
    return artifact_stamp(corpus, Path(lexicon_path))


def shipped_reader() -> Reader | None:
    """The reader trained for the shipped knowledge/ (None: lexicon only); the coach passes
    its settings' own (assistant.resources)."""
    from assistant.read.lexicon import lexicon_path
    from assistant.settings import data_dir

    return current_reader(data_dir("knowledge"), lexicon_path())


# --- reading a conversation -----------------------------------------------------------------------

@dataclass
class Reading:
    """What the trained heads say about the customer's side of a conversation."""

    proba: dict[str, float]
    fired: set[str]                          # heads at or above their tuned threshold
    harm: list[tuple[int, int, int]]         # (turn index, start, end) in the original text

    def issues(self) -> list[tuple[str, float]]:
        """Issue types by probability, highest first."""
        found = [(name[6:], p) for name, p in self.proba.items() if name.startswith("issue:")]
        return sorted(found, key=lambda pair: -pair[1])

    def best(self, prefix: str) -> tuple[str, float]:
        """The most probable value of a one-of group ("emotion:", "fault:")."""
        name, p = max(((n, p) for n, p in self.proba.items() if n.startswith(prefix)),
                      key=lambda pair: pair[1])
        return name[len(prefix):], p


def read_customer(reader: Reader, turns: list[tuple[int, str]], lang: str,
                  lexicon: CompiledLexicon) -> Reading | None:
    """Read the customer's turns together (the story is told across them), and find in each
    turn the sentence that says what hurts."""
    heads = reader.get(lang, "customer")
    if heads is None or not turns:
        return None
    proba = heads.proba([tuple(text for _, text in turns)], lexicon)[0]
    named = dict(zip(heads.names, proba.tolist(), strict=True))
    fired = {n for n, p, t in zip(heads.names, proba, heads.thresholds, strict=True) if p >= t}
    return Reading(named, fired, _harm(reader, turns, lang, lexicon))


def harm_rates(reader: Reader, texts: Sequence[str], lang: str,
               lexicon: CompiledLexicon) -> Sequence[float] | None:
    """The harm head's probability that each text (a clause) says what hurts; None without
    heads for the language."""
    heads = reader.get(lang, "harm")
    return None if heads is None else heads.proba(list(texts), lexicon)[:, 0].tolist()


def _harm(reader: Reader, turns: list[tuple[int, str]], lang: str,
          lexicon: CompiledLexicon) -> list[tuple[int, int, int]]:
    """The most hurtful sentence of each customer turn (by the harm head), trimmed of spaces."""
    heads = reader.get(lang, "harm")
    candidates = [(index, s, e) for index, text in turns for s, e in sentences(text)]
    if heads is None or not candidates:
        return []
    texts = dict(turns)
    scores = heads.proba([texts[i][s:e] for i, s, e in candidates], lexicon)[:, 0]
    best: dict[int, tuple[float, int, int]] = {}
    for (index, start, end), score in zip(candidates, scores, strict=True):
        if score > best.get(index, (-1.0, 0, 0))[0]:
            best[index] = (float(score), start, end)
    spans = []
    for index, (_, start, end) in sorted(best.items()):
        text = texts[index]
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        spans.append((index, start, end))
    return spans


# An agent act the lexicon does not see counts from this probability and the head's own tuned
# threshold: a step wrongly marked done is a step the coach stops asking for. On the validation
# split 0.5 keeps precision within a few points of 0.9's (apology 0.95 vs 0.97, next step 0.90
# vs 0.91) and lifts recall (ownership 0.52 -> 0.77, explanation 0.21 -> 0.53); acts macro-F1
# 0.65 -> 0.77. A remedy or an assurance read where none was given would let a reply skip what
# it owes (and the coach stop offering it), so those two still need 0.9.
ACT_SURE = 0.5
ACT_SURE_FOR = {"act:restitution": 0.9, "act:assurance": 0.9}


def read_acts(reader: Reader, texts: list[str], lang: str,
              lexicon: CompiledLexicon) -> list[set[str]]:
    """What each agent message does (apology, excuse, ...) when the heads are sure of it."""
    heads = reader.get(lang, "agent")
    if heads is None or not texts:
        return [set() for _ in texts]
    proba = heads.proba(texts, lexicon)
    return [{name[4:] for name, p, t in zip(heads.names, row, heads.thresholds, strict=True)
             if p >= max(t, ACT_SURE_FOR.get(name, ACT_SURE))} for row in proba]
