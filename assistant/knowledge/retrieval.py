"""Hybrid retrieval: Chroma's dense vectors fused with BM25 over the same records.

The packaged MiniLM is strong in English and close to random in Hebrew and Persian (measured on
evals/retrieval/queries.yaml), so for those queries only BM25 over normalised, prefix-stripped
tokens ranks. Reciprocal-rank fusion needs no score calibration.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import bm25s
import numpy as np

from assistant.knowledge.minilm import mean_vector
from assistant.memo import Remembered
from assistant.models import Stage, Step
from assistant.read.language import detect_language
from assistant.read.textnorm import tokenize

RRF_K = 60
CANDIDATES = 40
MAX_QUERY_CHARS = 2000
RANKING_CACHE_SIZE = 1024  # queries whose dense and lexical rankings a Retriever keeps


@dataclass(frozen=True)
class Hit:
    """One retrieved unit: a practice (all its languages folded together) or a document chunk."""

    key: str
    kind: str
    score: float
    title: str
    source: str
    stage: str
    text: str


def _stage_weight(stage: str, planned: Stage | None, steps_done: Iterable[Step]) -> float:
    """Favour practices for the stage the reply is at; hold compensation back until heard."""
    weight = 1.0
    if planned is not None and stage == planned.value:
        weight *= 1.6
    heard = Step.acknowledged in set(steps_done)
    offering = planned in (Stage.compensate, Stage.resolve)
    if stage == Stage.compensate.value and not heard and not offering:
        weight *= 0.6
    return weight


class Retriever:
    """Answers queries over one Chroma collection; BM25 is rebuilt from it on construction."""

    def __init__(self, collection) -> None:
        self.collection = collection
        data = collection.get(include=["documents", "metadatas"])
        self._ids: list[str] = data["ids"]
        self._documents: list[str] = data["documents"] or []
        self._metadatas: list[dict] = [m or {} for m in data["metadatas"] or []]
        self._bm25 = bm25s.BM25()
        self._vocabulary: set[str] = set()
        self._dense_cache = Remembered[tuple[str, ...], list[int]](RANKING_CACHE_SIZE)
        self._lexical_cache = Remembered[str, list[int]](RANKING_CACHE_SIZE)
        if self._ids:
            corpus = [tokenize(doc or "") or ["∅"] for doc in self._documents]
            self._vocabulary = {token for tokens in corpus for token in tokens}
            self._bm25.index(corpus, show_progress=False)

    def __len__(self) -> int:
        return len(self._ids)

    def _dense_ranking(self, parts: tuple[str, ...]) -> list[int]:
        """Cached: replays and evals ask the same conversation's query many times."""
        return self._dense_cache.get(parts, lambda: self._query_chroma(parts))

    def _query_chroma(self, parts: tuple[str, ...]) -> list[int]:
        n = min(CANDIDATES, len(self._ids))
        vector = mean_vector(parts).tolist()
        result = self.collection.query(query_embeddings=[vector], n_results=n, include=[])
        position = {record_id: i for i, record_id in enumerate(self._ids)}
        return [position[i] for i in result["ids"][0] if i in position]

    def _lexical_ranking(self, query: str) -> list[int]:
        """Cached like the dense ranking (the index does not change under a Retriever)."""
        return self._lexical_cache.get(query, lambda: self._bm25_ranking(query))

    def _bm25_ranking(self, query: str) -> list[int]:
        tokens = [t for t in tokenize(query) if t in self._vocabulary]
        if not tokens:
            return []
        n = min(CANDIDATES, len(self._ids))
        # n_threads=0 runs in this thread; any other number starts a thread pool per query.
        documents, scores = self._bm25.retrieve([tokens], k=n, show_progress=False, n_threads=0)
        return [int(d) for d, s in zip(documents[0], scores[0], strict=False) if s > 0]

    def _unit(self, index: int) -> str:
        meta = self._metadatas[index]
        return meta.get("practice_id") or self._ids[index]

    def _fuse(self, rankings: list[list[int]]) -> dict[str, tuple[float, int]]:
        """RRF over units; each unit keeps the record that ranked best as its representative."""
        fused: dict[str, tuple[float, int]] = {}
        for ranking in rankings:
            seen: set[str] = set()
            for rank, index in enumerate(ranking):
                unit = self._unit(index)
                if unit in seen:
                    continue
                seen.add(unit)
                score, best = fused.get(unit, (0.0, index))
                fused[unit] = (score + 1.0 / (RRF_K + rank + 1), best)
        return fused

    def search(self, query: str | Sequence[str], k: int = 4, *, stage: Stage | None = None,
               steps_done: Iterable[Step] = (), kind: str | None = None) -> list[Hit]:
        """The k best units for `query`, re-weighted for the planned stage. A query may be the
        customer turns it is made of: the dense ranking then reads each turn's kept vector
        (the reader has embedded them already)."""
        parts = tuple(p for p in ((query,) if isinstance(query, str) else query) if p.strip())
        text = "\n".join(p.strip() for p in parts)[:MAX_QUERY_CHARS]  # the model cuts its own
        if not text or not self._ids:
            return []
        rankings = [self._lexical_ranking(text)]
        if detect_language(text) == "en":  # the dense model only knows English
            rankings.append(self._dense_ranking(parts))
        fused = self._fuse(rankings)
        steps = list(steps_done)
        hits = []
        for unit, (score, index) in fused.items():
            meta = self._metadatas[index]
            if kind and meta.get("kind") != kind:
                continue
            weight = _stage_weight(meta.get("stage", ""), stage, steps)
            hits.append(Hit(unit, meta.get("kind", ""), score * weight, meta.get("title", ""),
                            meta.get("source", ""), meta.get("stage", ""),
                            self._documents[index] or ""))
        hits.sort(key=lambda hit: (-hit.score, hit.key))
        return hits[:k]


def recall_at_k(retriever: Retriever, queries: list[dict], k: int = 3) -> float:
    """Share of queries whose top-k practices contain at least one relevant practice."""
    found = [bool({h.key for h in retriever.search(q["query"], k, kind="practice")}
                  & set(q["relevant"])) for q in queries]
    return float(np.mean(found)) if found else 0.0
