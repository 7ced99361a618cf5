"""Training the reader from the corpus: split, fit calibrated heads, tune thresholds, measure.

Deterministic: the split is a hash of each row's id (a row keeps its split as the corpus grows),
and every estimator is seeded. Thresholds are tuned on the validation split; the held-out split
is only ever measured. The real development set is never seen here.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from assistant.knowledge.minilm import text_vector
from assistant.read.corpus import Corpus, Row
from assistant.read.lexicon import CompiledLexicon
from assistant.read.ngrams import WORD_TOKEN
from assistant.read.reader import (
    CHAR_NGRAMS,
    DENSE_HEADS,
    KINDS,
    WORD_NGRAMS,
    Heads,
    Reader,
    lexicon_features,
    lexicon_keys,
    normalise,
    sentences,
    vectorizer,
)

SEED = 20261202
SPLITS = {"train": (0, 70), "validation": (70, 85), "heldout": (85, 100)}
CHAR_FEATURES = 30_000
WORD_FEATURES = 10_000
C = 0.5
MIN_FOR_CALIBRATION = 3   # positives (and negatives) in validation needed to fit a sigmoid
DEFAULT_SLOPE = 2.0       # an uncalibrated head: p = sigmoid(2 · margin)
THRESHOLD_GRID = np.round(np.arange(0.1, 0.91, 0.05), 2)
# F-beta each threshold is tuned on: a false churn, legal or compensation flag raises severity
# or changes the offer, so those favour precision; everything else is F1.
BETA = {"flag:asked_for_compensation": 0.5, "flag:churn": 0.5, "flag:public_post": 0.5,
        "flag:legal_threat": 0.5}


def split_of(row_id: str) -> str:
    """train / validation / heldout, from a stable hash of the id."""
    bucket = int(hashlib.sha256(row_id.encode()).hexdigest()[:8], 16) % 100
    return next(name for name, (low, high) in SPLITS.items() if low <= bucket < high)


# --- targets --------------------------------------------------------------------------------------

def customer_targets(row: Row) -> set[str]:
    labels = row.labels
    found = {f"issue:{t}" for t in labels["issue_types"]}
    found |= {f"flag:{f}" for f in ("safety", "asked_for_compensation", "churn", "public_post",
                                    "legal_threat") if labels[f]}
    found |= {f"want:{w}" for w in labels["wants"]}
    found |= {f"emotion:{labels['emotion']}", f"fault:{labels['company_at_fault']}"}
    return found


def agent_targets(row: Row) -> set[str]:
    return {f"act:{a}" for a in row.labels["acts"]}


def harm_examples(rows: list[Row]) -> tuple[list[str], list[set[str]]]:
    """Every sentence of every customer turn; positive when it overlaps the labelled harm."""
    texts, targets = [], []
    for row in rows:
        harm = row.labels["harm"]
        start = row.text.find(harm) if harm else -1
        for s, e in sentences(row.text):
            texts.append(row.text[s:e])
            hit = start >= 0 and s < start + len(harm) and start < e
            targets.append({"harm"} if hit else set())
    return texts, targets


# --- fitting --------------------------------------------------------------------------------------

def _head(X: sparse.csr_matrix, y: np.ndarray) -> tuple[np.ndarray, float]:
    """(weights, intercept) of one linear head, or a constant score when y has one class."""
    positives = int(y.sum())
    if positives in (0, len(y)):
        return np.zeros(X.shape[1]), (1.0 if positives else -1.0)
    model = LinearSVC(C=C, class_weight="balanced", random_state=SEED).fit(X, y)
    return model.coef_[0], float(model.intercept_[0])


def _fitted(analyzer: str, ngrams: tuple[int, int], features: int, texts: list[str]):
    """scikit-learn fits the vocabulary and idf; reading uses them without it (read.ngrams)."""
    fitted = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, sublinear_tf=True,
                             lowercase=False, min_df=2, max_features=features,
                             token_pattern=WORD_TOKEN.pattern if analyzer == "word" else None,
                             dtype=np.float32).fit(texts)
    return vectorizer(analyzer, list(fitted.get_feature_names_out()), fitted.idf_)


def fit_heads(language: str, kind: str, texts: list[str], targets: list[set[str]],
              lexicon: CompiledLexicon) -> Heads:
    """Fit the vectorisers and every head of `kind` for one language (not yet calibrated)."""
    names = KINDS[kind]
    norm = [normalise(t) for t in texts]
    char = _fitted("char_wb", CHAR_NGRAMS, CHAR_FEATURES, norm)
    word = _fitted("word", WORD_NGRAMS, WORD_FEATURES, norm)
    keys = lexicon_keys(lexicon) if kind != "harm" else []  # a sentence: n-grams are enough
    dense = (language, kind) in DENSE_HEADS
    blocks = [char.transform(norm), word.transform(norm),
              lexicon_features(texts, language, lexicon, keys)]
    if dense:
        blocks.append(sparse.csr_matrix(np.vstack([text_vector(t) for t in texts])))
    X = sparse.hstack(blocks).tocsr()
    columns = [_head(X, np.array([name in t for t in targets], dtype=int)) for name in names]
    return Heads(language, kind, names, char, word, keys,
                 weights=np.stack([c[0] for c in columns], axis=1).astype(np.float32),
                 intercepts=np.array([c[1] for c in columns], dtype=np.float32),
                 calib_a=np.full(len(names), -DEFAULT_SLOPE, dtype=np.float32),
                 calib_b=np.zeros(len(names), dtype=np.float32),
                 thresholds=np.full(len(names), 0.5, dtype=np.float32), dense=dense)


def calibrate(heads: Heads, scores: np.ndarray, targets: list[set[str]]) -> None:
    """Platt scaling per head on the validation split's margins (sigmoid, as
    sklearn.calibration does); a head with too few examples of either class keeps its slope."""
    for index, name in enumerate(heads.names):
        truth = np.array([name in t for t in targets], dtype=int)
        if min(truth.sum(), len(truth) - truth.sum()) < MIN_FOR_CALIBRATION:
            continue
        platt = LogisticRegression(C=1e4, random_state=SEED)  # ~unregularised, one feature
        platt.fit(scores[:, [index]], truth)
        heads.calib_a[index] = -platt.coef_[0][0]
        heads.calib_b[index] = -platt.intercept_[0]


def tune_thresholds(heads: Heads, proba: np.ndarray, targets: list[set[str]]) -> None:
    """Per head, the threshold with the best F-beta on the validation split (see BETA)."""
    for index, name in enumerate(heads.names):
        truth = np.array([name in t for t in targets])
        if not truth.any():
            continue
        beta = BETA.get(name, 1.0)
        scores = [_fbeta(truth, proba[:, index] >= t, beta) for t in THRESHOLD_GRID]
        # Each threshold scored with its grid neighbours: a small validation split has lucky
        # single thresholds, and a plateau moves less when the corpus grows.
        smoothed = np.convolve(np.pad(scores, 1, mode="edge"), np.ones(3) / 3, mode="valid")
        heads.thresholds[index] = THRESHOLD_GRID[int(np.argmax(smoothed))]


def _fbeta(truth: np.ndarray, predicted: np.ndarray, beta: float) -> float:
    tp = float((truth & predicted).sum())
    precision = tp / max(predicted.sum(), 1)
    recall = tp / max(truth.sum(), 1)
    if precision + recall == 0:
        return 0.0
    return (1 + beta**2) * precision * recall / (beta**2 * precision + recall)


# --- the whole run --------------------------------------------------------------------------------

@dataclass
class Split:
    texts: list[str] = field(default_factory=list)
    targets: list[set[str]] = field(default_factory=list)


def _examples(corpus: Corpus, language: str, kind: str) -> dict[str, Split]:
    """Texts and targets of each split, for one language and kind of head."""
    splits = {name: Split() for name in SPLITS}
    rows = corpus.agent if kind == "agent" else corpus.customer
    for row in rows:
        if row.language != language:
            continue
        split = splits[split_of(row.id)]
        if kind == "harm":
            texts, targets = harm_examples([row])
        else:
            texts = [row.text]
            targets = [agent_targets(row) if kind == "agent" else customer_targets(row)]
        split.texts += texts
        split.targets += targets
    return splits


def train(corpus: Corpus, lexicon: CompiledLexicon, stamp: str) -> tuple[Reader, dict]:
    """Fit every (language, kind) on the train split; calibrate and tune thresholds on the
    validation split. Returns the reader and the held-out examples for measuring it."""
    started = time.perf_counter()
    heads: dict[tuple[str, str], Heads] = {}
    heldout: dict[tuple[str, str], Split] = {}
    languages = sorted({row.language for row in corpus.customer + corpus.agent})
    for language in languages:
        for kind in KINDS:
            splits = _examples(corpus, language, kind)
            train_split, validation = splits["train"], splits["validation"]
            if not train_split.texts:
                continue
            fitted = fit_heads(language, kind, train_split.texts, train_split.targets, lexicon)
            if validation.texts:
                calibrate(fitted, fitted.margins(validation.texts, lexicon), validation.targets)
                tune_thresholds(fitted, fitted.proba(validation.texts, lexicon),
                                validation.targets)
            heads[language, kind] = fitted
            heldout[language, kind] = splits["heldout"]
    meta = {"seed": SEED, "splits": SPLITS,
            "rows": {"customer": len(corpus.customer), "agent": len(corpus.agent)},
            "train_seconds": round(time.perf_counter() - started, 1)}
    return Reader(heads, stamp, meta), heldout
