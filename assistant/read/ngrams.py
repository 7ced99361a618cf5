"""TF-IDF over character and word n-grams at reading time, without importing scikit-learn.

Training fits scikit-learn's TfidfVectorizer (assistant.read.training); reading only needs its
vocabulary and idf weights, and importing scikit-learn (scipy.stats, pandas, ...) would cost a
cold `coach suggest` seconds. This reproduces its transform exactly for the settings the reader
uses (char_wb or word n-grams, no lowercasing, sublinear tf, l2 norm); a test checks the match.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import pairwise

import numpy as np

from assistant.memo import Remembered

_WHITE = re.compile(r"\s\s+")
WORD_TOKEN = re.compile(r"(?u)\b\w+\b")
PART_CACHE = 1024  # a thread's turns whose n-gram counts a vectorizer keeps


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """Character n-grams inside word boundaries, as TfidfVectorizer(analyzer="char_wb")."""
    grams: list[str] = []
    for word in _WHITE.sub(" ", text).split():
        grams += _word_grams(word, low, high)
    return grams


@lru_cache(maxsize=8192)  # words repeat: a thread's customer turns read together, every turn
def _word_grams(word: str, low: int, high: int) -> tuple[str, ...]:
    """One word's character n-grams, padded with a space on each side."""
    word = f" {word} "
    length = len(word)
    grams = []
    for n in range(low, high + 1):
        offset = 0
        grams.append(word[offset:offset + n])
        while offset + n < length:
            offset += 1
            grams.append(word[offset:offset + n])
        if offset == 0:  # a short word counts once
            break
    return tuple(grams)


def word_ngrams(text: str, low: int, high: int) -> list[str]:
    """Word n-grams, as TfidfVectorizer(analyzer="word", token_pattern=r"(?u)\\b\\w+\\b")."""
    tokens = WORD_TOKEN.findall(text)
    if (low, high) == (1, 1):
        return tokens
    grams = list(tokens) if low == 1 else []
    for n in range(max(low, 2), min(high, len(tokens)) + 1):
        grams += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return grams


@dataclass
class Vectorizer:
    """A fitted TF-IDF vocabulary: n-gram → column, with its idf weight."""

    analyzer: str            # "char_wb" | "word"
    ngram_range: tuple[int, int]
    vocabulary: dict[str, int]
    idf: np.ndarray  # float64, as scikit-learn computes it

    # Replay reads a thread's customer turns together at every later agent turn: each turn's
    # counts (and its first and last word) are kept, so a new reading counts only its newest.
    _kept: Remembered[str, tuple[np.ndarray, np.ndarray, tuple[str, str] | None]] = field(
        default_factory=lambda: Remembered(PART_CACHE), repr=False, compare=False)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(columns, weights) of one text: counts → 1 + log(tf) → × idf → l2-normalised."""
        columns, counts = self._counts(text)
        return self._weighted(columns, counts)

    def row_of_parts(self, parts: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """`row("\\n".join(parts))` from each part's kept counts, plus the word pairs that
        cross a join (character n-grams never cross one: they stay inside words)."""
        if not parts or (self.analyzer == "word" and self.ngram_range[1] > 2):
            return self.row("\n".join(parts))
        kept = [self._kept.get(part, lambda part=part: self._part(part)) for part in parts]
        columns = [c for c, _, _ in kept]
        counts = [n for _, n, _ in kept]
        if self.analyzer == "word" and self.ngram_range[1] == 2:
            ends = [edge for _, _, edge in kept if edge]
            across = [column for (_, left), (right, _) in pairwise(ends)
                      if (column := self.vocabulary.get(f"{left} {right}")) is not None]
            columns.append(np.array(across, dtype=np.int64))
            counts.append(np.ones(len(across)))
        unique, where = np.unique(np.concatenate(columns), return_inverse=True)
        return self._weighted(unique, np.bincount(where, weights=np.concatenate(counts)))

    def _part(self, text: str) -> tuple[np.ndarray, np.ndarray, tuple[str, str] | None]:
        tokens = WORD_TOKEN.findall(text) if self.analyzer == "word" else []
        return *self._counts(text), (tokens[0], tokens[-1]) if tokens else None

    def _counts(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The columns of the text's n-grams that are in the vocabulary (sorted), and counts."""
        analyze = char_wb_ngrams if self.analyzer == "char_wb" else word_ngrams
        counts: dict[int, int] = {}
        for gram, count in Counter(analyze(text, *self.ngram_range)).items():
            column = self.vocabulary.get(gram)  # one column per n-gram
            if column is not None:
                counts[column] = count
        columns = np.fromiter(sorted(counts), dtype=np.int64, count=len(counts))
        return columns, np.array([counts[c] for c in columns.tolist()], dtype=np.float64)

    def _weighted(self, columns: np.ndarray, counts: np.ndarray
                  ) -> tuple[np.ndarray, np.ndarray]:
        values = (1.0 + np.log(counts)) * self.idf[columns]
        norm = float(np.sqrt((values * values).sum())) or 1.0
        return columns, (values / norm).astype(np.float32)

    def transform(self, texts: list[str]):
        """The rows as a scipy sparse matrix (training and tests; reading uses `row`)."""
        from scipy import sparse  # ~0.5 s to import: kept off a cold `coach suggest`

        rows = [self.row(text) for text in texts]
        indptr = np.cumsum([0, *(len(c) for c, _ in rows)])
        indices = np.concatenate([c for c, _ in rows]) if rows else np.array([], dtype=np.int64)
        data = (np.concatenate([v for _, v in rows]) if rows
                else np.array([], dtype=np.float32))
        return sparse.csr_matrix((data, indices, indptr),
                                 shape=(len(texts), len(self.vocabulary)))

    def terms(self) -> list[str]:
        return sorted(self.vocabulary, key=self.vocabulary.__getitem__)
